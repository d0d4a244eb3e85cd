//! Competing risks: people leave benefit for work, or for something else.

pub mod cif;

pub use cif::{cumulative_incidence, CifCurve};
