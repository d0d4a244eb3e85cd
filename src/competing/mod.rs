//! Competing risks: people leave benefit for work, or for something else.

pub mod cif;
pub mod finegray;
pub mod gray;

pub use cif::{cumulative_incidence, CifCurve};
pub use finegray::{fine_gray, FineGrayFit};
pub use gray::{cmprsk_variance, gray_test, GrayTest};
