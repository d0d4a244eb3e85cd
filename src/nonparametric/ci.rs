//! Pointwise confidence intervals for a survival probability, as R's `survfit` (`conf.type`).

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfType {
    /// `S * exp(+-z se)`, upper limit capped at 1 (R's default).
    Log,
    /// `S^exp(+-z se / log S)`.
    LogLog,
    /// `S +- z se S`, clipped to [0, 1].
    Plain,
}

impl ConfType {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "log" => Ok(ConfType::Log),
            "log-log" => Ok(ConfType::LogLog),
            "plain" => Ok(ConfType::Plain),
            other => Err(Error::InvalidArgument(format!(
                "conf_type must be 'log', 'log-log' or 'plain', not '{other}'"
            ))),
        }
    }
}

/// Limits for survival `s` whose log has standard error `se_log` (R's `fit$std.err`).
/// NaN where R gives NA (S = 0 on the log scale; S = 0 or 1 on the log-log scale).
pub fn limits(s: f64, se_log: f64, kind: ConfType, z: f64) -> (f64, f64) {
    match kind {
        ConfType::Plain => {
            let h = z * se_log * s;
            (nan_max(s - h, 0.0), nan_min(s + h, 1.0))
        }
        ConfType::Log => {
            if s == 0.0 {
                return (f64::NAN, f64::NAN);
            }
            // exp(log s -/+ z se) as s / e and s e with e = exp(z se): one exp instead of a log
            // and two (equal to within rounding).
            let e = (z * se_log).exp();
            (s / e, nan_min(s * e, 1.0))
        }
        ConfType::LogLog => {
            if s == 0.0 || s == 1.0 {
                return (f64::NAN, f64::NAN);
            }
            let h = z * se_log / s.ln();
            let ll = (-s.ln()).ln();
            ((-(ll - h).exp()).exp(), (-(ll + h).exp()).exp())
        }
    }
}

// R's pmax/pmin keep NaN.
fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() {
        a
    } else {
        a.max(b)
    }
}

fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() {
        a
    } else {
        a.min(b)
    }
}
