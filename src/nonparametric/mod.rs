//! Nonparametric estimators: Kaplan-Meier, Nelson-Aalen and the (weighted) log-rank test.

pub mod ci;
pub mod grid;
pub mod km;
pub mod logrank;
pub mod risk;
pub mod stack;

pub use ci::ConfType;
pub use km::{kaplan_meier, KmCurve, KmOptions};
pub use logrank::{logrank, LogrankOptions, LogrankResult};
pub use risk::{Blocks, RiskTable};
pub use stack::{kaplan_meier_stacked, KmStack};
