//! Parametric accelerated failure time models, as R's `survreg`.

pub mod aft;
pub mod discrete;

pub use aft::{cluster_derivatives, fit, fit_from, robust_var, AftFit, AftInput, Dist, Obs};
