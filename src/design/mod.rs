//! Designing an evaluation: simulated trials for power where no formula is exact enough (several
//! arms against one control, clusters randomised with a shared frailty). The analytic sample
//! sizes (Schoenfeld, Freedman, milestone and RMST designs) are closed forms and live in Python.

pub mod simulate;

pub use simulate::{simulate, Analysis, Clusters, SimOutput, Trial};
