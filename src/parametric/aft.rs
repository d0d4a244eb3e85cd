//! Accelerated failure time models: `log T = x'b + sigma W` with W standard extreme-value
//! (Weibull; exponential with sigma = 1), normal (log-normal) or logistic (log-logistic), for
//! exact, right-, left- and interval-censored times, with case weights; fitted by the shared
//! Newton-Raphson optimiser on (b, log sigma) with analytic derivatives, as R's `survreg`.
//!
//! With z = (log t - eta) / sigma and s = log sigma, an exact time contributes
//! `log f(z) - s - log t` and a censored one `log S(z)`, `log F(z)` or
//! `log(F(z_u) - F(z_l))`; the reported log-likelihood includes the `- log t` Jacobian, as R's.

use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{Error, Result};
use crate::optim::{newton, Eval, NewtonOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    Weibull,
    Exponential,
    LogNormal,
    LogLogistic,
    /// Normal on the time scale itself (Tobit), R's "gaussian".
    Gaussian,
    /// Logistic on the time scale itself, R's "logistic".
    Logistic,
}

impl Dist {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "weibull" => Ok(Dist::Weibull),
            "exponential" => Ok(Dist::Exponential),
            "lognormal" => Ok(Dist::LogNormal),
            "loglogistic" => Ok(Dist::LogLogistic),
            "gaussian" => Ok(Dist::Gaussian),
            "logistic" => Ok(Dist::Logistic),
            o => Err(Error::InvalidArgument(format!(
                "dist must be 'weibull', 'exponential', 'lognormal', 'loglogistic', 'gaussian' or 'logistic', not '{o}'"
            ))),
        }
    }

    fn fixed_scale(self) -> bool {
        self == Dist::Exponential
    }

    /// The scale the model is linear on: log time, or time itself (gaussian, logistic).
    pub fn tr(self, t: f64) -> f64 {
        match self {
            Dist::Gaussian | Dist::Logistic => t,
            _ => t.ln(),
        }
    }
}

/// One observation, on the time scale (t > 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Obs {
    Exact(f64),
    Right(f64),
    Left(f64),
    Interval(f64, f64),
}

#[derive(Debug, Clone, Copy)]
pub struct AftInput<'a> {
    pub obs: &'a [Obs],
    /// Row-major n x p design, the intercept included as a column.
    pub x: &'a [f64],
    pub p: usize,
    pub weight: Option<&'a [f64]>,
    /// Strata codes 0..k with a scale each (R's `strata()` in survreg), or None: one scale.
    pub strata: Option<(&'a [u32], usize)>,
}

impl AftInput<'_> {
    fn n_scales(&self) -> usize {
        self.strata.map_or(1, |(_, k)| k)
    }
    fn stratum(&self, i: usize) -> usize {
        self.strata.map_or(0, |(c, _)| c[i] as usize)
    }
}

#[derive(Debug, Clone)]
pub struct AftFit {
    pub coef: Vec<f64>,
    /// The scale (of the first stratum); all of them in `scales`.
    pub scale: f64,
    pub scales: Vec<f64>,
    /// Variance of (coef, log scale) (log scale omitted for the exponential), row-major.
    pub var: Vec<f64>,
    pub loglik: f64,
    pub iter: usize,
    pub converged: bool,
}

/// Standardised distribution: F, S, f, f'/f, and d log f, d^2 log f.
struct Std {
    dist: Dist,
}

impl Std {
    /// (F(w), S(w), f(w), f'(w)).
    fn funcs(&self, w: f64) -> (f64, f64, f64, f64) {
        match self.dist {
            Dist::Weibull | Dist::Exponential => {
                let e = w.exp();
                let s = (-e).exp();
                let f = e * s;
                (-(-e).exp_m1(), s, f, f * (1.0 - e))
            }
            Dist::LogLogistic | Dist::Logistic => {
                let big_f = 1.0 / (1.0 + (-w).exp());
                let s = 1.0 / (1.0 + w.exp());
                let f = big_f * s;
                (big_f, s, f, f * (s - big_f))
            }
            Dist::LogNormal | Dist::Gaussian => {
                let n = Normal::standard();
                let f = (-0.5 * w * w).exp() / (2.0 * std::f64::consts::PI).sqrt();
                (n.cdf(w), n.sf(w), f, -w * f)
            }
        }
    }

    /// (log f, d log f / dw, d^2 log f / dw^2).
    fn logf(&self, w: f64) -> (f64, f64, f64) {
        match self.dist {
            Dist::Weibull | Dist::Exponential => {
                let e = w.exp();
                (w - e, 1.0 - e, -e)
            }
            Dist::LogLogistic | Dist::Logistic => {
                // log f = w - 2 log(1 + e^w)
                let big_f = 1.0 / (1.0 + (-w).exp());
                let l1p = if w > 0.0 { w + (-w).exp().ln_1p() } else { w.exp().ln_1p() };
                (w - 2.0 * l1p, 1.0 - 2.0 * big_f, -2.0 * big_f * (1.0 - big_f))
            }
            Dist::LogNormal | Dist::Gaussian => (-0.5 * w * w - 0.5 * (2.0 * std::f64::consts::PI).ln(), -w, -1.0),
        }
    }
}

/// Log-likelihood contribution and its derivatives in (eta, s) for one observation:
/// (l, l_eta, l_s, l_eta_eta, l_eta_s, l_s_s), without the -log t Jacobian.
fn contribution(d: &Std, o: Obs, eta: f64, s: f64) -> (f64, f64, f64, f64, f64, f64) {
    let sigma = s.exp();
    let one_sided = |h: f64, h1: f64, h2: f64, z: f64| {
        (h, -h1 / sigma, -h1 * z, h2 / (sigma * sigma), (h1 + h2 * z) / sigma, h1 * z + h2 * z * z)
    };
    match o {
        Obs::Exact(t) => {
            let z = (d.dist.tr(t) - eta) / sigma;
            let (g, g1, g2) = d.logf(z);
            (g - s, -g1 / sigma, -g1 * z - 1.0, g2 / (sigma * sigma), (g1 + g2 * z) / sigma, g1 * z + g2 * z * z)
        }
        Obs::Right(t) => {
            let z = (d.dist.tr(t) - eta) / sigma;
            let (_, sv, f, f1) = d.funcs(z);
            // h = log S: h' = -f/S, h'' = -f'/S - (f/S)^2
            let r = f / sv;
            one_sided(sv.ln(), -r, -f1 / sv - r * r, z)
        }
        Obs::Left(t) => {
            let z = (d.dist.tr(t) - eta) / sigma;
            let (fv, _, f, f1) = d.funcs(z);
            // h = log F: h' = f/F, h'' = f'/F - (f/F)^2
            let r = f / fv;
            one_sided(fv.ln(), r, f1 / fv - r * r, z)
        }
        Obs::Interval(l, u) => {
            let (zl, zu) = ((d.dist.tr(l) - eta) / sigma, (d.dist.tr(u) - eta) / sigma);
            let (fl_, sl, fl, fl1) = d.funcs(zl);
            let (fu_, su, fu, fu1) = d.funcs(zu);
            // D = F(zu) - F(zl), computed on the side that keeps its digits.
            let dd = if zl > 0.0 { sl - su } else { fu_ - fl_ };
            let n = fu - fl;
            let m = fu * zu - fl * zl;
            let l_eta = -n / (sigma * dd);
            let l_s = -m / dd;
            let l_ee = (fu1 - fl1) / (sigma * sigma * dd) - n * n / (sigma * sigma * dd * dd);
            let l_es = (fu1 * zu - fl1 * zl) / (sigma * dd) + n / (sigma * dd) - n * m / (sigma * dd * dd);
            let l_ss = (fu1 * zu * zu + fu * zu - fl1 * zl * zl - fl * zl) / dd - m * m / (dd * dd);
            (dd.ln(), l_eta, l_s, l_ee, l_es, l_ss)
        }
    }
}

fn evaluate(inp: &AftInput, d: &Std, theta: &[f64]) -> Eval {
    let p = inp.p;
    let free = !d.dist.fixed_scale();
    let k_s = if free { inp.n_scales() } else { 0 };
    let q = p + k_s;
    let mut loglik = 0.0;
    let mut score = vec![0.0; q];
    let mut info = vec![0.0; q * q];
    for (i, &o) in inp.obs.iter().enumerate() {
        let w = inp.weight.map_or(1.0, |w| w[i]);
        if w == 0.0 {
            continue; // left out of a bootstrap replicate
        }
        let x = &inp.x[i * p..(i + 1) * p];
        let eta: f64 = x.iter().zip(&theta[..p]).map(|(a, b)| a * b).sum();
        let js = p + inp.stratum(i); // this observation's log scale
        let s = if free { theta[js] } else { 0.0 };
        let (l, le, ls, lee, les, lss) = contribution(d, o, eta, s);
        loglik += w * l;
        for a in 0..p {
            score[a] += w * le * x[a];
            for b in 0..=a {
                info[a * q + b] -= w * lee * x[a] * x[b];
            }
        }
        if free {
            score[js] += w * ls;
            for a in 0..p {
                info[js * q + a] -= w * les * x[a];
            }
            info[js * q + js] -= w * lss;
        }
    }
    for a in 0..q {
        for b in 0..a {
            info[b * q + a] = info[a * q + b];
        }
    }
    Eval { loglik, score, info, scale: Vec::new() }
}

/// Each cluster's score and information at `theta` (coefficients, then the log scales): the
/// weighted score contributions summed within cluster `g` (`n_clusters x q`, row-major) and, with
/// `with_info`, the negative second derivatives summed within it (`n_clusters x q x q`), for the
/// cluster sandwich and its small-sample (CR2) adjustment.
pub fn cluster_derivatives(
    inp: &AftInput,
    dist: Dist,
    theta: &[f64],
    cluster: &[u32],
    n_clusters: usize,
    with_info: bool,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let d = Std { dist };
    let p = inp.p;
    let free = !dist.fixed_scale();
    let q = p + if free { inp.n_scales() } else { 0 };
    if theta.len() != q || cluster.len() != inp.obs.len() || cluster.iter().any(|&c| c as usize >= n_clusters) {
        return Err(Error::InvalidArgument("cluster derivatives: inconsistent lengths or cluster codes".into()));
    }
    let mut u = vec![0.0; n_clusters * q];
    let mut info = vec![0.0; if with_info { n_clusters * q * q } else { 0 }];
    for (i, &o) in inp.obs.iter().enumerate() {
        let w = inp.weight.map_or(1.0, |w| w[i]);
        let x = &inp.x[i * p..(i + 1) * p];
        let eta: f64 = x.iter().zip(&theta[..p]).map(|(a, b)| a * b).sum();
        let js = p + inp.stratum(i);
        let s = if free { theta[js] } else { 0.0 };
        let (_, le, ls, lee, les, lss) = contribution(&d, o, eta, s);
        let g = cluster[i] as usize;
        let row = &mut u[g * q..(g + 1) * q];
        for a in 0..p {
            row[a] += w * le * x[a];
        }
        if free {
            row[js] += w * ls;
        }
        if with_info {
            let jm = &mut info[g * q * q..(g + 1) * q * q];
            for a in 0..p {
                for b in 0..p {
                    jm[a * q + b] -= w * lee * x[a] * x[b];
                }
                if free {
                    jm[js * q + a] -= w * les * x[a];
                    jm[a * q + js] -= w * les * x[a];
                }
            }
            if free {
                jm[js * q + js] -= w * lss;
            }
        }
    }
    Ok((u, info))
}

/// The cluster-robust (sandwich) variance at `theta` (coefficients, then the log scales):
/// `V (sum_g U_g U_g') V` with `U_g` the weighted score contributions summed within cluster `g`
/// and `V` the model-based variance, as R's `survreg(..., cluster = )` on unweighted
/// right-censored data (see docs/differences_from_r.md for weights and intervals).
pub fn robust_var(inp: &AftInput, dist: Dist, theta: &[f64], var: &[f64], cluster: &[u32], n_clusters: usize) -> Result<Vec<f64>> {
    let q = theta.len();
    if var.len() != q * q {
        return Err(Error::InvalidArgument("robust variance: inconsistent lengths".into()));
    }
    let (u, _) = cluster_derivatives(inp, dist, theta, cluster, n_clusters, false)?;
    let mut meat = vec![0.0; q * q];
    for g in 0..n_clusters {
        let r = &u[g * q..(g + 1) * q];
        for a in 0..q {
            for b in 0..q {
                meat[a * q + b] += r[a] * r[b];
            }
        }
    }
    let mut vm = vec![0.0; q * q];
    for a in 0..q {
        for b in 0..q {
            vm[a * q + b] = (0..q).map(|k| var[a * q + k] * meat[k * q + b]).sum();
        }
    }
    Ok((0..q * q).map(|ab| (0..q).map(|k| vm[(ab / q) * q + k] * var[k * q + ab % q]).sum()).collect())
}

/// The Jacobian `- sum w log t` over exact times, which R's survreg adds to the log-likelihood
/// (none for the models on the time scale itself).
fn log_jacobian(inp: &AftInput, dist: Dist) -> f64 {
    if matches!(dist, Dist::Gaussian | Dist::Logistic) {
        return 0.0;
    }
    inp.obs
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match o {
            Obs::Exact(t) => Some(inp.weight.map_or(1.0, |w| w[i]) * t.ln()),
            _ => None,
        })
        .sum::<f64>()
}

/// Start values: least squares of log time (interval midpoints on the log scale) on x, and the
/// log of the residual standard deviation.
fn start(inp: &AftInput, dist: Dist) -> Vec<f64> {
    let p = inp.p;
    let y: Vec<f64> = inp
        .obs
        .iter()
        .map(|o| match *o {
            Obs::Exact(t) | Obs::Right(t) | Obs::Left(t) => dist.tr(t),
            Obs::Interval(l, u) => 0.5 * (dist.tr(l) + dist.tr(u)),
        })
        .collect();
    let mut xtx = vec![0.0; p * p];
    let mut xty = vec![0.0; p];
    for (i, yi) in y.iter().enumerate() {
        let w = inp.weight.map_or(1.0, |w| w[i]);
        let x = &inp.x[i * p..(i + 1) * p];
        for a in 0..p {
            xty[a] += w * x[a] * yi;
            for b in 0..p {
                xtx[a * p + b] += w * x[a] * x[b];
            }
        }
    }
    let beta = crate::linalg::solve(&xtx, &xty).unwrap_or_else(|_| {
        let mut b = vec![0.0; p];
        b[0] = y.iter().sum::<f64>() / y.len() as f64;
        b
    });
    let (mut ss, mut sw) = (0.0, 0.0);
    for (i, yi) in y.iter().enumerate() {
        let w = inp.weight.map_or(1.0, |w| w[i]);
        let r = yi - inp.x[i * p..(i + 1) * p].iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>();
        ss += w * r * r;
        sw += w;
    }
    let mut theta = beta;
    theta.push((ss / sw).sqrt().max(1e-3).ln());
    theta
}

/// As [`fit`], Newton's iterations started at `init` (coefficients, then the log scales: a
/// bootstrap replicate starts at the full-data estimate); where they fail or do not converge,
/// the usual start of [`fit`].
pub fn fit_from(inp: AftInput, dist: Dist, opts: &NewtonOptions, init: &[f64]) -> Result<AftFit> {
    let d = Std { dist };
    let p = inp.p;
    let q = p + if dist.fixed_scale() { 0 } else { inp.n_scales() };
    if init.len() == q && inp.x.len() == inp.obs.len() * p && p > 0 && !inp.obs.is_empty() {
        if let Ok(r) = newton(|th| evaluate(&inp, &d, th), init, opts) {
            if r.converged {
                return Ok(finish(&inp, dist, r));
            }
        }
    }
    fit(inp, dist, opts)
}

/// The fit from Newton's result on (coefficients, log scales).
fn finish(inp: &AftInput, dist: Dist, r: crate::optim::NewtonResult) -> AftFit {
    let p = inp.p;
    let k_s = inp.n_scales();
    let scales: Vec<f64> = if dist.fixed_scale() { vec![1.0; k_s] } else { r.beta[p..].iter().map(|v| v.exp()).collect() };
    AftFit {
        coef: r.beta[..p].to_vec(),
        scale: scales[0],
        scales,
        var: r.var,
        loglik: r.loglik - log_jacobian(inp, dist),
        iter: r.iter,
        converged: r.converged,
    }
}

pub fn fit(inp: AftInput, dist: Dist, opts: &NewtonOptions) -> Result<AftFit> {
    let n = inp.obs.len();
    if n == 0 {
        return Err(Error::Empty);
    }
    if inp.x.len() != n * inp.p || inp.p == 0 {
        return Err(Error::InvalidArgument("the design matrix has the wrong shape".into()));
    }
    let d = Std { dist };
    let p = inp.p;
    // Start as survreg does: from the intercept-only model (itself started at the mean and sd of
    // log time), the other coefficients at zero; least squares when that model cannot be fitted.
    let ls = start(&inp, dist);
    let free = !dist.fixed_scale();
    let ones = vec![1.0; n];
    let k_s = inp.n_scales();
    let null_inp = AftInput { obs: inp.obs, x: &ones, p: 1, weight: inp.weight, strata: inp.strata };
    let ys: Vec<f64> = ls.iter().take(1).copied().collect();
    let mut null_start = ys.clone();
    if free {
        null_start.extend(std::iter::repeat_n(ls[p], k_s));
    }
    let ls: Vec<f64> = ls[..p].iter().copied().chain(std::iter::repeat_n(ls[p], if free { k_s } else { 1 })).collect();
    let mut init = match newton(|th| evaluate(&null_inp, &d, th), &null_start, opts) {
        Ok(nr) if nr.converged => {
            let mut v = vec![0.0; p];
            v[0] = nr.beta[0];
            if free {
                v.extend_from_slice(&nr.beta[1..]);
            }
            v
        }
        _ => ls.clone(),
    };
    if !free && init.len() > p {
        init.truncate(p);
    }
    let r = match newton(|th| evaluate(&inp, &d, th), &init, opts) {
        Ok(r) => r,
        Err(_) => {
            let mut alt = ls;
            if !free {
                alt.truncate(p);
            }
            newton(|th| evaluate(&inp, &d, th), &alt, opts)?
        }
    };
    Ok(finish(&inp, dist, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Exponential, intercept only: the MLE of exp(b0) is the total time over the events, and
    // the log-likelihood on the time scale (R's, Jacobian included) is d log(d / T) - d.
    #[test]
    fn exponential_intercept_closed_form() {
        let t = [2.0, 3.0, 5.0, 7.0, 11.0, 13.0];
        let obs: Vec<Obs> = t.iter().enumerate().map(|(i, &x)| if i % 3 == 2 { Obs::Right(x) } else { Obs::Exact(x) }).collect();
        let ones = vec![1.0; t.len()];
        let f = fit(AftInput { obs: &obs, x: &ones, p: 1, weight: None, strata: None }, Dist::Exponential, &NewtonOptions::default()).unwrap();
        let total: f64 = t.iter().sum();
        let d = 4.0;
        assert!((f.coef[0] - (total / d).ln()).abs() < 1e-9);
        let ll = d * (d / total).ln() - d;
        assert!((f.loglik - ll).abs() < 1e-9);
        assert!((f.var[0] - 1.0 / d).abs() < 1e-9);
    }

    // The clusters' scores sum to the score (0 at the estimate) and their informations to the
    // information whose inverse is the model-based variance, for every censoring type and two
    // scales; the score matches a central difference of the log-likelihood.
    #[test]
    fn cluster_derivatives_add_up() {
        let obs = vec![
            Obs::Exact(2.0), Obs::Right(3.0), Obs::Left(1.5), Obs::Interval(4.0, 6.0), Obs::Exact(7.0),
            Obs::Right(9.0), Obs::Exact(1.0), Obs::Interval(2.0, 8.0), Obs::Exact(5.0), Obs::Exact(3.5),
        ];
        let x: Vec<f64> = (0..10).flat_map(|i| [1.0, (i % 3) as f64 - 0.7]).collect();
        let w: Vec<f64> = (0..10).map(|i| 0.5 + (i % 4) as f64 * 0.5).collect();
        let strata: Vec<u32> = (0..10).map(|i| (i % 2) as u32).collect();
        let cluster: Vec<u32> = (0..10).map(|i| (i % 3) as u32).collect();
        for dist in [Dist::Weibull, Dist::LogNormal, Dist::LogLogistic] {
            let inp = AftInput { obs: &obs, x: &x, p: 2, weight: Some(&w), strata: Some((&strata, 2)) };
            let f = fit(inp, dist, &NewtonOptions { max_iter: 100, eps: 1e-12, step_tol: 1e-12 }).unwrap();
            let mut theta = f.coef.clone();
            theta.extend(f.scales.iter().map(|s| s.ln()));
            let q = theta.len();
            let (u, j) = cluster_derivatives(&inp, dist, &theta, &cluster, 3, true).unwrap();
            for a in 0..q {
                assert!((0..3).map(|g| u[g * q + a]).sum::<f64>().abs() < 1e-7);
            }
            let info: Vec<f64> = (0..q * q).map(|ab| (0..3).map(|g| j[g * q * q + ab]).sum()).collect();
            for a in 0..q {
                for b in 0..q {
                    let vi: f64 = (0..q).map(|k| f.var[a * q + k] * info[k * q + b]).sum();
                    assert!((vi - if a == b { 1.0 } else { 0.0 }).abs() < 1e-8, "{vi}");
                }
            }
            // score of cluster 0 against a central difference of its log-likelihood
            let rows: Vec<usize> = (0..10).filter(|i| cluster[*i] == 0).collect();
            let ll = |th: &[f64]| -> f64 {
                let d = Std { dist };
                rows.iter().map(|&i| {
                    let xi = &x[i * 2..i * 2 + 2];
                    let eta = xi[0] * th[0] + xi[1] * th[1];
                    w[i] * contribution(&d, obs[i], eta, th[2 + strata[i] as usize]).0
                }).sum()
            };
            for a in 0..q {
                let (mut hi, mut lo) = (theta.clone(), theta.clone());
                hi[a] += 1e-6;
                lo[a] -= 1e-6;
                let num = (ll(&hi) - ll(&lo)) / 2e-6;
                assert!((num - u[a]).abs() < 1e-5 * (1.0 + num.abs()), "{num} vs {}", u[a]);
            }
        }
    }
}
