//! Register panels to analysis data: spells, outcome definitions and state occupancy.

pub mod build;
pub mod occupancy;
pub mod outcome;

pub use build::{build_spells, Panel, Spells, NEXT_END, NEXT_UNOBSERVED, UNOBSERVED};
pub use occupancy::{occupancy, Occupancy};
pub use outcome::{exit_from, first_entry, EventAt, Outcome, Reason};
