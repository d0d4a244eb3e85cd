//! duurzaam: survival and duration analysis of employment.
//!
//! The pure core (everything but `python`) takes plain slices and returns plain structs; it knows
//! nothing of Python, pandas or column names, and `cargo test` covers it without a Python
//! interpreter. The `python` module, behind the `python` cargo feature that maturin enables, is the
//! only place that speaks pyo3.

pub mod bootstrap;
pub mod competing;
pub mod data;
pub mod design;
pub mod dist;
pub mod error;
pub mod interrupt;
pub mod linalg;
pub mod mem;
pub mod nonparametric;
pub mod optim;
pub mod parametric;
pub mod cox;
pub mod sort;
pub mod spells;
pub mod timefix;
pub mod weighting;

#[cfg(test)]
mod testutil;

#[cfg(feature = "python")]
mod python;

pub use data::SurvData;
pub use error::{Error, Field, Result};
