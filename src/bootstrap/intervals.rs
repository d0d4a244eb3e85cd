//! Bootstrap confidence intervals exactly as R's `boot.ci` computes them (boot 1.3): the
//! percentile, basic, normal, BCa and studentized intervals, with `norm.inter`'s interpolation
//! between order statistics on the normal quantile scale.

use crate::dist::qnorm;
use statrs::distribution::{ContinuousCDF, Normal};

fn pnorm(x: f64) -> f64 {
    Normal::standard().cdf(x)
}

/// R's `boot:::norm.inter(t, alpha)` for one alpha, on the finite values of `t` (sorted here).
/// Returns NaN when there are no finite values.
pub fn norm_inter(sorted: &[f64], alpha: f64) -> f64 {
    let r = sorted.len();
    if r == 0 || !alpha.is_finite() {
        return f64::NAN;
    }
    let rk = (r as f64 + 1.0) * alpha;
    let k = rk.trunc();
    if k <= 0.0 {
        return sorted[0];
    }
    if k >= r as f64 {
        return sorted[r - 1];
    }
    let ki = k as usize;
    if k == rk {
        return sorted[ki - 1];
    }
    let (tk, tk1) = (sorted[ki - 1], sorted[ki]);
    let (q, qk, qk1) = (qnorm(alpha), qnorm(k / (r as f64 + 1.0)), qnorm((k + 1.0) / (r as f64 + 1.0)));
    tk + (q - qk) / (qk1 - qk) * (tk1 - tk)
}

/// Finite replicate values, sorted.
pub fn finite_sorted(t: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = t.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

pub fn percentile(t: &[f64], conf: f64) -> (f64, f64) {
    let s = finite_sorted(t);
    (norm_inter(&s, (1.0 - conf) / 2.0), norm_inter(&s, (1.0 + conf) / 2.0))
}

pub fn basic(t0: f64, t: &[f64], conf: f64) -> (f64, f64) {
    let s = finite_sorted(t);
    (2.0 * t0 - norm_inter(&s, (1.0 + conf) / 2.0), 2.0 * t0 - norm_inter(&s, (1.0 - conf) / 2.0))
}

/// Bias-corrected normal interval: `t0 - bias -+ z sd(t)`.
pub fn normal(t0: f64, t: &[f64], conf: f64) -> (f64, f64) {
    let v: Vec<f64> = t.iter().copied().filter(|x| x.is_finite()).collect();
    let m = v.len() as f64;
    let mean = v.iter().sum::<f64>() / m;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1.0);
    let merr = var.sqrt() * qnorm((1.0 + conf) / 2.0);
    let bias = mean - t0;
    (t0 - bias - merr, t0 - bias + merr)
}

/// Acceleration from empirical influence values: `sum L^3 / (6 (sum L^2)^1.5)`.
pub fn acceleration(l: &[f64]) -> f64 {
    let s2: f64 = l.iter().map(|x| x * x).sum();
    let s3: f64 = l.iter().map(|x| x * x * x).sum();
    s3 / (6.0 * s2.powf(1.5))
}

/// BCa interval with acceleration `a`; NaN when the bias correction is infinite (every
/// replicate on one side of t0), as R stops there.
pub fn bca(t0: f64, t: &[f64], conf: f64, a: f64) -> (f64, f64) {
    let s = finite_sorted(t);
    let below = s.iter().filter(|&&x| x < t0).count() as f64;
    let w = qnorm(below / s.len() as f64);
    if !w.is_finite() || !a.is_finite() {
        return (f64::NAN, f64::NAN);
    }
    let adj = |alpha: f64| {
        let z = qnorm(alpha);
        pnorm(w + (w + z) / (1.0 - a * (w + z)))
    };
    (norm_inter(&s, adj((1.0 - conf) / 2.0)), norm_inter(&s, adj((1.0 + conf) / 2.0)))
}

/// Studentized interval from replicate values and variances, `t0` and its variance `v0`.
pub fn studentized(t0: f64, v0: f64, t: &[f64], v: &[f64], conf: f64) -> (f64, f64) {
    let z: Vec<f64> = t.iter().zip(v).map(|(x, vx)| (x - t0) / vx.sqrt()).collect();
    let s = finite_sorted(&z);
    let sd = v0.sqrt();
    (t0 - sd * norm_inter(&s, (1.0 + conf) / 2.0), t0 - sd * norm_inter(&s, (1.0 - conf) / 2.0))
}

/// Jackknife influence values as R's `empinf(type = "jack")`: `L_u = (m - 1) (t0 - theta_(-u))`
/// with `t0` the full-data estimate and m the number of units (in the unit's stratum when
/// `unit_strata` is given).
pub fn jackknife_influence(t0: f64, theta_minus: &[f64], unit_strata: Option<&[u32]>) -> Vec<f64> {
    let m = theta_minus.len();
    match unit_strata {
        None => theta_minus.iter().map(|t| (m as f64 - 1.0) * (t0 - t)).collect(),
        Some(st) => {
            let k = st.iter().map(|&s| s as usize + 1).max().unwrap_or(0);
            let mut cnt = vec![0.0; k];
            for &s in st {
                cnt[s as usize] += 1.0;
            }
            theta_minus.iter().zip(st).map(|(t, &s)| (cnt[s as usize] - 1.0) * (t0 - t)).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_inter_integer_rank_and_edges() {
        let t: Vec<f64> = (1..=19).map(|x| x as f64).collect();
        // (19 + 1) * 0.05 = 1: the first order statistic; 0.95 -> the 19th.
        assert_eq!(norm_inter(&t, 0.05), 1.0);
        assert_eq!(norm_inter(&t, 0.95), 19.0);
        assert_eq!(norm_inter(&t, 0.01), 1.0);
    }
}
