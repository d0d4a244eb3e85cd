//! Inverse probability of treatment weighting: the propensity score from a logistic model with
//! case weights (as R's `glm(family = binomial)`), the weights for the average treatment effect
//! (ATE, optionally stabilised) or on the treated (ATT), truncation at quantiles of the weights,
//! and the effective sample size.

use crate::error::{Error, Field, Result};
use crate::optim::{newton, Eval, NewtonOptions, NewtonResult};

/// Logistic regression of `y` (0/1) on an intercept and `x` (row-major n x p) with case weights.
pub fn logistic(y: &[f64], x: &[f64], p: usize, weight: Option<&[f64]>, opts: &NewtonOptions) -> Result<NewtonResult> {
    logistic_from(y, x, p, weight, None, opts)
}

/// As [`logistic`], starting from `init` (e.g. the full-data estimate in a bootstrap replicate).
pub fn logistic_from(y: &[f64], x: &[f64], p: usize, weight: Option<&[f64]>, init: Option<&[f64]>, opts: &NewtonOptions) -> Result<NewtonResult> {
    let n = y.len();
    if x.len() != n * p || weight.is_some_and(|w| w.len() != n) {
        return Err(Error::InvalidArgument("treatment, covariates and weights need one value per row".into()));
    }
    for (row, &v) in y.iter().enumerate() {
        if v != 0.0 && v != 1.0 {
            return Err(Error::InvalidValue { field: Field::Group, row, reason: "treatment must be 0 or 1" });
        }
    }
    let q = p + 1;
    let w = |i: usize| weight.map_or(1.0, |w| w[i]);
    let f = |b: &[f64]| {
        let mut loglik = 0.0;
        let mut score = vec![0.0; q];
        let mut info = vec![0.0; q * q];
        let mut row = vec![1.0; q];
        for i in 0..n {
            let wi = w(i);
            if wi == 0.0 {
                continue;
            }
            row[1..].copy_from_slice(&x[i * p..(i + 1) * p]);
            let eta: f64 = row.iter().zip(b).map(|(a, c)| a * c).sum();
            // log(1 + e^eta) and the mean from one exponential, without overflow
            let e = (-eta.abs()).exp();
            let log1pe = eta.max(0.0) + e.ln_1p();
            let mu = if eta >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
            loglik += wi * (y[i] * eta - log1pe);
            let v = wi * mu * (1.0 - mu);
            for a in 0..q {
                score[a] += wi * (y[i] - mu) * row[a];
                for c in 0..=a {
                    info[a * q + c] += v * row[a] * row[c];
                }
            }
        }
        for a in 0..q {
            for c in 0..a {
                info[c * q + a] = info[a * q + c];
            }
        }
        Eval { loglik, score, info, scale: vec![] }
    };
    let start = init.map_or_else(|| vec![0.0; q], |b| b.to_vec());
    newton(f, &start, opts)
}

/// Fitted probabilities of the logistic model for `n` rows of `x`.
pub fn predict(coef: &[f64], x: &[f64], p: usize, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let eta = coef[0] + (0..p).map(|j| coef[j + 1] * x[i * p + j]).sum::<f64>();
            1.0 / (1.0 + (-eta).exp())
        })
        .collect()
}

/// Multinomial logistic regression of `y` (codes 0..k) on an intercept and `x` with case weights,
/// category 0 the reference: parameters row-major (k - 1) x (p + 1), as R's `nnet::multinom`.
pub fn multinomial(y: &[u32], k: usize, x: &[f64], p: usize, weight: Option<&[f64]>, init: Option<&[f64]>, opts: &NewtonOptions) -> Result<NewtonResult> {
    let n = y.len();
    if k < 2 || x.len() != n * p || weight.is_some_and(|w| w.len() != n) {
        return Err(Error::InvalidArgument("treatment, covariates and weights need one value per row, and two arms or more".into()));
    }
    if let Some(row) = y.iter().position(|&c| c as usize >= k) {
        return Err(Error::InvalidValue { field: Field::Group, row, reason: "treatment code out of range" });
    }
    let q = p + 1;
    let np = (k - 1) * q;
    let w = |i: usize| weight.map_or(1.0, |w| w[i]);
    let f = |b: &[f64]| {
        let mut loglik = 0.0;
        let mut score = vec![0.0; np];
        let mut info = vec![0.0; np * np];
        let mut row = vec![1.0; q];
        let mut pi = vec![0.0; k];
        for i in 0..n {
            let wi = w(i);
            if wi == 0.0 {
                continue;
            }
            row[1..].copy_from_slice(&x[i * p..(i + 1) * p]);
            // linear predictors, class 0 fixed at 0; a stable softmax
            let mut eta = vec![0.0; k];
            for c in 1..k {
                eta[c] = (0..q).map(|j| row[j] * b[(c - 1) * q + j]).sum();
            }
            let mx = eta.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = eta.iter().map(|e| (e - mx).exp()).sum();
            for c in 0..k {
                pi[c] = (eta[c] - mx).exp() / z;
            }
            let yi = y[i] as usize;
            loglik += wi * (eta[yi] - mx - z.ln());
            for c in 1..k {
                let r = (yi == c) as u8 as f64 - pi[c];
                for j in 0..q {
                    score[(c - 1) * q + j] += wi * r * row[j];
                }
                for d in 1..k {
                    let v = wi * pi[c] * (((c == d) as u8 as f64) - pi[d]);
                    for j in 0..q {
                        for l in 0..q {
                            info[((c - 1) * q + j) * np + (d - 1) * q + l] += v * row[j] * row[l];
                        }
                    }
                }
            }
        }
        Eval { loglik, score, info, scale: vec![] }
    };
    let start = init.map_or_else(|| vec![0.0; np], |b| b.to_vec());
    newton(f, &start, opts)
}

/// Probabilities of every arm (row-major n x k) from a multinomial fit.
pub fn predict_multinomial(coef: &[f64], k: usize, x: &[f64], p: usize, n: usize) -> Vec<f64> {
    let q = p + 1;
    let mut out = vec![0.0; n * k];
    for i in 0..n {
        let mut eta = vec![0.0; k];
        for c in 1..k {
            eta[c] = coef[(c - 1) * q] + (0..p).map(|j| coef[(c - 1) * q + 1 + j] * x[i * p + j]).sum::<f64>();
        }
        let mx = eta.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = eta.iter().map(|e| (e - mx).exp()).sum();
        for c in 0..k {
            out[i * k + c] = (eta[c] - mx).exp() / z;
        }
    }
    out
}

/// Inverse probability weights for several arms (ATE): `1 / P(arm_i | x_i)`, stabilised by the
/// (case-weighted) share of each arm. `prob` is row-major n x k.
pub fn ipw_multi(arm: &[u32], prob: &[f64], k: usize, stabilized: bool, case: Option<&[f64]>) -> Result<Vec<f64>> {
    let c = |i: usize| case.map_or(1.0, |c| c[i]);
    let mut share = vec![0.0; k];
    let mut total = 0.0;
    for (i, &a) in arm.iter().enumerate() {
        share[a as usize] += c(i);
        total += c(i);
    }
    share.iter_mut().for_each(|s| *s /= total.max(f64::MIN_POSITIVE));
    arm.iter()
        .enumerate()
        .map(|(i, &a)| {
            let pr = prob[i * k + a as usize];
            if !(pr > 0.0 && pr < 1.0) {
                return Err(Error::InvalidValue { field: Field::Weight, row: i, reason: "propensity score is not strictly between 0 and 1" });
            }
            Ok(if stabilized { share[a as usize] / pr } else { 1.0 / pr })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimand {
    Ate,
    Att,
}

/// Inverse probability weights from the treatment `a` (0/1) and the propensity `ps`. ATE:
/// `a / ps + (1 - a) / (1 - ps)`, stabilised by the (case-weighted) share treated and untreated;
/// ATT: `a + (1 - a) ps / (1 - ps)`. `case` weights (e.g. bootstrap counts) weight the shares.
pub fn ipw(a: &[f64], ps: &[f64], estimand: Estimand, stabilized: bool, case: Option<&[f64]>) -> Result<Vec<f64>> {
    if let Some(i) = ps.iter().position(|&p| !(p > 0.0 && p < 1.0)) {
        return Err(Error::InvalidValue { field: Field::Weight, row: i, reason: "propensity score is not strictly between 0 and 1" });
    }
    let c = |i: usize| case.map_or(1.0, |c| c[i]);
    let (mut n1, mut n) = (0.0, 0.0);
    for i in 0..a.len() {
        n1 += c(i) * a[i];
        n += c(i);
    }
    let share = if n > 0.0 { n1 / n } else { 0.5 };
    Ok(a.iter()
        .zip(ps)
        .map(|(&t, &p)| match (estimand, stabilized) {
            (Estimand::Ate, false) => t / p + (1.0 - t) / (1.0 - p),
            (Estimand::Ate, true) => t * share / p + (1.0 - t) * (1.0 - share) / (1.0 - p),
            (Estimand::Att, _) => t + (1.0 - t) * p / (1.0 - p),
        })
        .collect())
}

/// How IPTW weights are made from the propensity model.
#[derive(Debug, Clone, Copy)]
pub struct IptwOptions {
    pub estimand: Estimand,
    pub stabilized: bool,
    /// Clip the weights to these quantiles.
    pub truncate: Option<(f64, f64)>,
}

/// The propensity model, the scores and the weights.
#[derive(Debug, Clone)]
pub struct IptwFit {
    pub weights: Vec<f64>,
    /// P(treated | x) with two arms; P(own arm | x) with more.
    pub propensity: Vec<f64>,
    /// With more than two arms, every arm's probability (row-major n x arms).
    pub prob: Option<Vec<f64>>,
    pub model: NewtonResult,
}

/// Fits the propensity model (logistic with two arms, coded 0/1; multinomial with more, coded
/// 0..arms) under the case weights `case`, from `init` when given, and makes the weights.
#[allow(clippy::too_many_arguments)]
pub fn iptw_fit(treatment: &[f64], z: &[f64], q: usize, arms: usize, opts: &IptwOptions, case: Option<&[f64]>, init: Option<&[f64]>) -> Result<IptwFit> {
    let newton_opts = NewtonOptions { max_iter: 50, eps: 1e-10, step_tol: 1e-10 };
    let mut out = if arms > 2 {
        if opts.estimand != Estimand::Ate {
            return Err(Error::InvalidArgument("with more than two arms only the ATE weights are defined".into()));
        }
        let arm: Vec<u32> = treatment.iter().map(|&a| a as u32).collect();
        let model = multinomial(&arm, arms, z, q, case, init, &newton_opts)?;
        let prob = predict_multinomial(&model.beta, arms, z, q, arm.len());
        let weights = ipw_multi(&arm, &prob, arms, opts.stabilized, case)?;
        let propensity = arm.iter().enumerate().map(|(i, &c)| prob[i * arms + c as usize]).collect();
        IptwFit { weights, propensity, prob: Some(prob), model }
    } else {
        let model = logistic_from(treatment, z, q, case, init, &newton_opts)?;
        let propensity = predict(&model.beta, z, q, treatment.len());
        let weights = ipw(treatment, &propensity, opts.estimand, opts.stabilized, case)?;
        IptwFit { weights, propensity, prob: None, model }
    };
    if let Some((lo, hi)) = opts.truncate {
        truncate(&mut out.weights, case, lo, hi);
    }
    Ok(out)
}

/// Quantile (R's type 7, numpy's default) of the multiset holding `values[i]` `counts[i]`
/// times (counts need not be integers only for the Bayesian bootstrap; they are rounded here).
pub fn quantile_with_counts(values: &[f64], counts: Option<&[f64]>, q: f64) -> f64 {
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (v, counts.map_or(1.0, |c| c[i].round())))
        .filter(|&(_, c)| c > 0.0)
        .collect();
    if pairs.is_empty() {
        return f64::NAN;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let h = (total - 1.0) * q; // 0-based position
    let (lo, frac) = (h.floor(), h - h.floor());
    let at = |pos: f64| {
        let mut cum = 0.0;
        for &(v, c) in &pairs {
            cum += c;
            if pos < cum {
                return v;
            }
        }
        pairs.last().unwrap().0
    };
    let a = at(lo);
    if frac == 0.0 {
        a
    } else {
        a + frac * (at(lo + 1.0) - a)
    }
}

/// Clips the weights to their `lo` and `hi` quantiles (over the rows with positive counts).
pub fn truncate(w: &mut [f64], counts: Option<&[f64]>, lo: f64, hi: f64) {
    let (a, b) = (quantile_with_counts(w, counts, lo), quantile_with_counts(w, counts, hi));
    w.iter_mut().for_each(|v| *v = v.clamp(a, b));
}

/// Kish's effective sample size of weights `w`.
pub fn ess(w: &[f64]) -> f64 {
    let (s, s2) = w.iter().fold((0.0, 0.0), |(a, b), &v| (a + v, b + v * v));
    s * s / s2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_score_vanishes_and_weights_balance_the_arms() {
        let x = [0.1, 0.5, -0.3, 1.2, 0.8, -1.0, 0.0, 0.4, -0.6, 1.5];
        let y = [0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
        let fit = logistic(&y, &x, 1, None, &NewtonOptions { max_iter: 25, eps: 1e-12, step_tol: 1e-12 }).unwrap();
        assert!(fit.score.iter().all(|s| s.abs() < 1e-8));
        let ps = predict(&fit.beta, &x, 1, 10);
        // with an intercept the fitted probabilities sum to the number treated
        assert!((ps.iter().sum::<f64>() - 5.0).abs() < 1e-8);
        let w = ipw(&y, &ps, Estimand::Ate, false, None).unwrap();
        // ATE weights: each arm sums to about n (exactly when the model has an intercept? no:
        // the weighted sum of treated is sum a/ps); check positivity and the ESS bound
        assert!(w.iter().all(|&v| v >= 1.0));
        assert!(ess(&w) <= 10.0 + 1e-12);
        assert_eq!(quantile_with_counts(&[3.0, 1.0, 2.0], Some(&[1.0, 2.0, 0.0]), 0.5), 1.0);
        assert_eq!(quantile_with_counts(&[1.0, 2.0, 3.0, 4.0], None, 0.5), 2.5);
    }
}
