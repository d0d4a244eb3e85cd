//! The one optimiser: Newton-Raphson with step halving for a concave log-likelihood, with the
//! convergence rule of R's survival (`coxfit6`): iterate until the relative change in the
//! log-likelihood is at most `eps`; when a step lowers the log-likelihood, move back towards the
//! last good point, more aggressively each time it happens again.
//!
//! The objective returns the log-likelihood, its gradient (score) and the information matrix
//! (minus the Hessian), all at the given parameters.

use crate::error::{Error, Result};

/// Log-likelihood, score and information (row-major p x p) at some parameter value.
#[derive(Debug, Clone)]
pub struct Eval {
    pub loglik: f64,
    pub score: Vec<f64>,
    pub info: Vec<f64>,
    /// Optional per-parameter scale of the information's diagonal before cancellation (e.g. the
    /// second moments whose differences make it), for judging singularity; may be empty.
    pub scale: Vec<f64>,
}

#[derive(Debug, Clone, Copy)]
pub struct NewtonOptions {
    pub max_iter: usize,
    pub eps: f64,
    /// When > 0, convergence also needs the next Newton step to be below `step_tol (1 + |b|)`
    /// in every parameter (for Fisher scoring, whose convergence is not quadratic, and for flat
    /// directions that the log-likelihood criterion does not see).
    pub step_tol: f64,
}

impl Default for NewtonOptions {
    fn default() -> Self {
        // R: coxph.control(eps = 1e-9, iter.max = 20)
        NewtonOptions { max_iter: 20, eps: 1e-9, step_tol: 0.0 }
    }
}

#[derive(Debug, Clone)]
pub struct NewtonResult {
    pub beta: Vec<f64>,
    /// Log-likelihood at the initial values and at the solution.
    pub loglik_init: f64,
    pub loglik: f64,
    /// Score test at the initial values: U' I^-1 U.
    pub score_test: f64,
    /// Score and information at the solution.
    pub score: Vec<f64>,
    pub info: Vec<f64>,
    /// Inverse information at the solution (the model-based variance).
    pub var: Vec<f64>,
    pub iter: usize,
    pub converged: bool,
}

/// Cholesky factor (lower, row-major) of a symmetric positive definite matrix, or None.
pub fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let (l, bad) = cholesky_pivots(a, p, 0.0, &[]);
    if bad.is_empty() && l.iter().all(|v| v.is_finite()) {
        Some(l)
    } else {
        None
    }
}

/// Cholesky factorisation that skips (and reports) the columns whose pivot is at most `tol`
/// times their diagonal, or whose diagonal is at most `tol` times `scale` (when given).
fn cholesky_pivots(a: &[f64], p: usize, tol: f64, scale: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut bad = Vec::new();
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                let lost = scale.get(i).is_some_and(|&sc| a[i * p + i] <= tol * sc);
                if lost || !(s > tol * a[i * p + i].abs()) || !(a[i * p + i] > 0.0) || !s.is_finite() {
                    bad.push(i);
                } else {
                    l[i * p + i] = s.sqrt();
                }
            } else if l[j * p + j] > 0.0 {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    (l, bad)
}

/// Cholesky factor of `a + lambda I` for the smallest lambda in a geometric ladder (relative to
/// the largest diagonal) that makes it positive definite.
fn regularized(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let scale = (0..p).map(|i| a[i * p + i].abs()).fold(0.0f64, f64::max).max(1e-12);
    let mut lambda = 1e-8 * scale;
    for _ in 0..30 {
        let mut b = a.to_vec();
        for i in 0..p {
            b[i * p + i] += lambda;
        }
        if let Some(l) = cholesky(&b, p) {
            return Some(l);
        }
        lambda *= 10.0;
    }
    None
}

/// Solves L L' x = b given the Cholesky factor.
pub fn chol_solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..p {
        for k in 0..i {
            y[i] -= l[i * p + k] * y[k];
        }
        y[i] /= l[i * p + i];
    }
    for i in (0..p).rev() {
        for k in i + 1..p {
            y[i] -= l[k * p + i] * y[k];
        }
        y[i] /= l[i * p + i];
    }
    y
}

/// Inverse of a symmetric positive definite matrix from its Cholesky factor.
pub fn chol_inverse(l: &[f64], p: usize) -> Vec<f64> {
    let mut inv = vec![0.0; p * p];
    let mut e = vec![0.0; p];
    for j in 0..p {
        e.iter_mut().for_each(|v| *v = 0.0);
        e[j] = 1.0;
        let col = chol_solve(l, p, &e);
        for i in 0..p {
            inv[i * p + j] = col[i];
        }
    }
    inv
}

fn finite(e: &Eval) -> bool {
    e.loglik.is_finite() && e.score.iter().all(|v| v.is_finite()) && e.info.iter().all(|v| v.is_finite())
}

/// Maximises the log-likelihood from `init`. `f` may be asked for the same point twice.
pub fn newton(mut f: impl FnMut(&[f64]) -> Eval, init: &[f64], opts: &NewtonOptions) -> Result<NewtonResult> {
    let first = f(init);
    newton_from(f, init, first, opts)
}

/// Columns (0-based) whose pivot in a Cholesky factorisation of the symmetric matrix `a` is at
/// most `tol` times its diagonal, or whose diagonal is at most `tol` times `scale` (when given):
/// the directions without information.
pub fn weak_pivots(a: &[f64], p: usize, tol: f64, scale: &[f64]) -> Vec<usize> {
    cholesky_pivots(a, p, tol, scale).1
}

/// As [`newton`], with the evaluation at `init` already done.
pub fn newton_from(mut f: impl FnMut(&[f64]) -> Eval, init: &[f64], first: Eval, opts: &NewtonOptions) -> Result<NewtonResult> {
    let p = init.len();
    if !finite(&first) {
        return Err(Error::Degenerate("the log-likelihood is not finite at the initial values".into()));
    }
    let l0 = cholesky(&first.info, p)
        .or_else(|| regularized(&first.info, p))
        .ok_or_else(|| Error::Degenerate("the information matrix is singular at the initial values".into()))?;
    let step0 = chol_solve(&l0, p, &first.score);
    let score_test = step0.iter().zip(&first.score).map(|(a, b)| a * b).sum();
    let loglik_init = first.loglik;

    let mut beta = init.to_vec(); // last accepted point
    let mut best = first.clone(); // evaluation at `beta`
    let mut newbeta: Vec<f64> = beta.iter().zip(&step0).map(|(b, s)| b + s).collect();
    let mut halving = 0.0;
    let mut iter = 0;
    while iter < opts.max_iter {
        crate::interrupt::check()?;
        iter += 1;
        let e = f(&newbeta);
        let plain = if finite(&e) { cholesky(&e.info, p) } else { None };
        if let Some(l) = &plain {
            let small_step = opts.step_tol <= 0.0 || {
                let step = chol_solve(l, p, &e.score);
                step.iter().zip(&newbeta).all(|(d, b)| d.abs() <= opts.step_tol * (1.0 + b.abs()))
            };
            if small_step && (1.0 - best.loglik / e.loglik).abs() <= opts.eps {
                let var = chol_inverse(l, p);
                return Ok(NewtonResult {
                    beta: newbeta,
                    loglik_init,
                    loglik: e.loglik,
                    score_test,
                    score: e.score,
                    info: e.info,
                    var,
                    iter,
                    converged: true,
                });
            }
        }
        // Away from the optimum a likelihood need not be concave (AFT models): the step then
        // uses the information with a ridge added until it is positive definite.
        let chol = plain.or_else(|| if finite(&e) { regularized(&e.info, p) } else { None });
        // "Not worse" allows for rounding in the log-likelihood, which near the optimum can
        // fall by a few ulps along a tiny step.
        let not_worse = e.loglik >= best.loglik - 1e-13 * best.loglik.abs();
        match chol {
            Some(l) if not_worse => {
                halving = 0.0;
                let step = chol_solve(&l, p, &e.score);
                beta = newbeta.clone();
                newbeta = newbeta.iter().zip(&step).map(|(b, s)| b + s).collect();
                best = e;
            }
            _ => {
                // Not better (or not finite): move back towards the last good point.
                halving += 1.0;
                newbeta = newbeta.iter().zip(&beta).map(|(nb, b)| (nb + halving * b) / (halving + 1.0)).collect();
            }
        }
    }
    // Out of iterations: report the last good point, flagged as not converged.
    let l = cholesky(&best.info, p)
        .or_else(|| regularized(&best.info, p))
        .ok_or_else(|| Error::Degenerate("the information matrix is singular".into()))?;
    Ok(NewtonResult {
        var: chol_inverse(&l, p),
        beta,
        loglik_init,
        loglik: best.loglik,
        score_test,
        score: best.score,
        info: best.info,
        iter,
        converged: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maximises_a_quadratic_in_one_step() {
        // loglik = -(b - 3)^2: score 2(3 - b)... information 2
        let f = |b: &[f64]| Eval { loglik: -1.0 - (b[0] - 3.0).powi(2), score: vec![-2.0 * (b[0] - 3.0)], info: vec![2.0], scale: vec![] };
        let r = newton(f, &[0.0], &NewtonOptions::default()).unwrap();
        assert!(r.converged);
        assert!((r.beta[0] - 3.0).abs() < 1e-12);
        assert!((r.var[0] - 0.5).abs() < 1e-15);
        assert!((r.score_test - 18.0).abs() < 1e-12);
    }

    #[test]
    fn cholesky_inverse_roundtrip() {
        let a = [4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let l = cholesky(&a, 3).unwrap();
        let inv = chol_inverse(&l, 3);
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((s - if i == j { 1.0 } else { 0.0 }).abs() < 1e-14);
            }
        }
        assert!(cholesky(&[1.0, 2.0, 2.0, 4.0], 2).is_none());
    }
}
