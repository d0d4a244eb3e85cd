//! The few distribution functions the estimators need, from statrs.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

/// The standard normal quantile, as R's `qnorm(p)`.
pub fn qnorm(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// The two-sided critical value for a confidence level, `qnorm(1 - (1 - level) / 2)`.
pub fn z_for_level(level: f64) -> f64 {
    qnorm(1.0 - (1.0 - level) / 2.0)
}

/// Upper tail of the chi-square distribution, as R's `pchisq(x, df, lower.tail = FALSE)`.
pub fn chisq_sf(x: f64, df: f64) -> f64 {
    if !(x.is_finite()) || df <= 0.0 {
        return if x.is_infinite() { 0.0 } else { f64::NAN };
    }
    if x <= 0.0 {
        return 1.0;
    }
    ChiSquared::new(df).map(|d| d.sf(x)).unwrap_or(f64::NAN)
}

/// Upper tail of Student's t, as R's `pt(x, df, lower.tail = FALSE)`.
pub fn t_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() || !(df > 0.0) {
        return f64::NAN;
    }
    StudentsT::new(0.0, 1.0, df).map(|d| d.sf(x)).unwrap_or(f64::NAN)
}

/// Quantile of Student's t, as R's `qt(p, df)`.
pub fn qt(p: f64, df: f64) -> f64 {
    if !(df > 0.0) || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    StudentsT::new(0.0, 1.0, df).map(|d| d.inverse_cdf(p)).unwrap_or(f64::NAN)
}

/// Two-sided normal p-value for a z statistic.
pub fn norm_two_sided(z: f64) -> f64 {
    2.0 * Normal::standard().sf(z.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values from R 4.2 (tests/golden/make_golden.R style values, typed here): qnorm(0.975), pchisq(3.84, 1, lower=FALSE), pchisq(50, 3, lower=FALSE).
    #[test]
    fn test_r_values() {
        assert!((qnorm(0.975) - 1.959963984540054).abs() < 1e-14);
        assert!((chisq_sf(3.84, 1.0) - 0.050043521248705224).abs() / 0.05 < 1e-10);
        assert!((chisq_sf(50.0, 3.0) - 7.9891792449514704e-11).abs() / 7.9891792449514704e-11 < 1e-8);
        // pt(2.5, 13, lower.tail = FALSE), qt(0.975, 13)
        assert!((t_sf(2.5, 13.0) - 0.0132943914054287).abs() / 0.0132943914054287 < 1e-9);
        assert!((qt(0.975, 13.0) - 2.160368656462792).abs() < 1e-9);
    }
}
