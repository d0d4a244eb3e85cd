//! The Cox proportional hazards model, as R's `coxph`: Efron, Breslow and exact ties, strata, case
//! weights, offsets, counting-process (entry, exit] data; model-based and robust (dfbeta)
//! variances; residuals, the baseline hazard and predicted survival.

pub mod concordance;
pub mod exact;
pub mod fit;
pub mod frailty;
pub mod predict;
pub mod residuals;
pub mod zph;

pub use concordance::{concordance, Concordance};
pub use frailty::{frailty_eval, FrailtyEval};
pub use fit::{fit, fit_prepared, CoxFit, CoxInput, CoxOptions, Prepared, Ties};
pub use predict::{mean_survival, predict_survival};
pub use zph::{zph, Transform, Zph};
pub use residuals::{baseline, baseline_prepared, residuals, residuals_prepared, robust_var_prepared, Baseline, Residuals};
