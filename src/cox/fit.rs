//! Fitting: one sort per stratum, then every Newton iteration is one O(n p^2) sweep from the last
//! time back, with running sums of `w exp(eta)`, `w exp(eta) x` and `w exp(eta) x x'` over the risk
//! set (rows are added at their exit time and removed once the sweep passes their entry time).
//! Covariates are centred at their weighted means, as R does; the fit is the same.

use crate::data::SurvData;
use crate::error::{Error, Result};
use crate::nonparametric::risk::Blocks;
use crate::optim::{newton, Eval, NewtonOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ties {
    Breslow,
    Efron,
}

impl Ties {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "efron" => Ok(Ties::Efron),
            "breslow" => Ok(Ties::Breslow),
            other => Err(Error::InvalidArgument(format!("ties must be 'efron' or 'breslow', not '{other}'"))),
        }
    }
}

/// Survival data (with strata) and a row-major n x p covariate matrix.
#[derive(Debug, Clone, Copy)]
pub struct CoxInput<'a> {
    pub data: SurvData<'a>,
    pub x: &'a [f64],
    pub p: usize,
    pub offset: Option<&'a [f64]>,
}

#[derive(Debug, Clone)]
pub struct CoxOptions {
    pub ties: Ties,
    pub newton: NewtonOptions,
    pub init: Option<Vec<f64>>,
}

impl Default for CoxOptions {
    fn default() -> Self {
        CoxOptions { ties: Ties::Efron, newton: NewtonOptions::default(), init: None }
    }
}

#[derive(Debug, Clone)]
pub struct CoxFit {
    pub coef: Vec<f64>,
    /// Model-based variance (inverse information), row-major p x p.
    pub var: Vec<f64>,
    pub loglik_init: f64,
    pub loglik: f64,
    pub score_test: f64,
    pub iter: usize,
    pub converged: bool,
    /// Weighted column means the covariates were centred at.
    pub means: Vec<f64>,
    /// Score at the solution.
    pub score: Vec<f64>,
    /// Terms whose coefficient may be infinite (R's "Loglik converged before variable" rule).
    pub infinite: Vec<usize>,
    /// Linear predictor `(x - means) beta + offset` per row, as R's `fit$linear.predictors`.
    pub linear_predictor: Vec<f64>,
    pub n_events: f64,
}

/// Rows sorted once, per stratum, and the centring.
pub struct Prepared<'a> {
    pub inp: CoxInput<'a>,
    pub blocks: Blocks,
    pub means: Vec<f64>,
    pub ties: Ties,
}

/// What the sweep knows at one distinct death time of a stratum.
pub struct DeathTime<'s> {
    pub stratum: usize,
    pub time: f64,
    pub rows: &'s [u32],
    pub ndead: usize,
    pub deadwt: f64,
    /// Risk-set sums without the deaths at this time.
    pub s0: f64,
    pub s1: &'s [f64],
    pub s2: &'s [f64],
    /// Sums over the deaths at this time.
    pub d0: f64,
    pub d1: &'s [f64],
    pub d2: &'s [f64],
}

impl<'a> Prepared<'a> {
    pub fn new(inp: CoxInput<'a>, ties: Ties) -> Result<Self> {
        let (n, p) = (inp.data.len(), inp.p);
        if inp.x.len() != n * p {
            return Err(Error::InvalidArgument(format!("covariate matrix has {} values, expected {n} x {p}", inp.x.len())));
        }
        if let Some(off) = inp.offset {
            if off.len() != n {
                return Err(Error::InvalidArgument("offset has the wrong length".into()));
            }
            if let Some(row) = off.iter().position(|v| !v.is_finite()) {
                return Err(Error::InvalidArgument(format!("offset is NaN or infinite at row {row}")));
            }
        }
        // Centring as R: columns whose values all lie in {-1, 0, 1} are not centred; the others
        // at their weighted mean (right-censored data, coxph.fit) or plain mean (counting-process
        // data, agreg.fit). The fit does not depend on it; the reported means and linear
        // predictors do.
        let counting = inp.data.entry.is_some();
        let wsum: f64 = if counting { n as f64 } else { (0..n).map(|i| inp.data.w(i)).sum() };
        let mut means = vec![0.0; p];
        let mut zero_one = vec![true; p];
        for i in 0..n {
            let w = if counting { 1.0 } else { inp.data.w(i) };
            for (j, m) in means.iter_mut().enumerate() {
                let v = inp.x[i * p + j];
                *m += w * v;
                zero_one[j] &= v == 0.0 || v == 1.0 || v == -1.0;
            }
        }
        for (m, z) in means.iter_mut().zip(&zero_one) {
            *m = if *z { 0.0 } else { *m / wsum };
        }
        let blocks = Blocks::new(&inp.data, inp.data.strata, inp.data.n_strata);
        Ok(Prepared { inp, blocks, means, ties })
    }

    #[inline]
    pub fn xc(&self, i: usize, out: &mut [f64]) {
        let p = self.inp.p;
        for j in 0..p {
            out[j] = self.inp.x[i * p + j] - self.means[j];
        }
    }

    /// Centred linear predictor of every row.
    pub fn eta(&self, beta: &[f64]) -> Vec<f64> {
        let (n, p) = (self.inp.data.len(), self.inp.p);
        (0..n)
            .map(|i| {
                let mut e = self.inp.offset.map_or(0.0, |o| o[i]);
                for j in 0..p {
                    e += (self.inp.x[i * p + j] - self.means[j]) * beta[j];
                }
                e
            })
            .collect()
    }

    /// One sweep over all strata from the last time back; `visit` sees every death time.
    /// With `second = false` the x x' sums are skipped (not needed for residuals).
    pub fn sweep(&self, eta: &[f64], second: bool, mut visit: impl FnMut(&DeathTime)) {
        let p = self.inp.p;
        let d = &self.inp.data;
        let pp = if second { p * p } else { 0 };
        let (mut s1, mut s2, mut d1, mut d2) = (vec![0.0; p], vec![0.0; pp], vec![0.0; p], vec![0.0; pp]);
        let mut xc = vec![0.0; p];
        let mut dead: Vec<u32> = Vec::new();
        let add = |s1: &mut [f64], s2: &mut [f64], xc: &[f64], r: f64| {
            for a in 0..p {
                s1[a] += r * xc[a];
                if second {
                    for b in 0..=a {
                        s2[a * p + b] += r * xc[a] * xc[b];
                    }
                }
            }
        };
        for s in 0..self.blocks.n_blocks() {
            let (ex, en) = self.blocks.block(s);
            let mut s0 = 0.0;
            s1.iter_mut().for_each(|v| *v = 0.0);
            s2.iter_mut().for_each(|v| *v = 0.0);
            let mut pe = en.map_or(0, |e| e.len());
            let mut j = ex.len();
            while j > 0 {
                let t = d.exit[ex[j - 1] as usize];
                dead.clear();
                let (mut d0, mut deadwt) = (0.0, 0.0);
                d1.iter_mut().for_each(|v| *v = 0.0);
                d2.iter_mut().for_each(|v| *v = 0.0);
                while j > 0 && d.exit[ex[j - 1] as usize] == t {
                    let i = ex[j - 1] as usize;
                    let r = d.w(i) * eta[i].exp();
                    self.xc(i, &mut xc);
                    if d.event[i] == 1 {
                        dead.push(i as u32);
                        deadwt += d.w(i);
                        d0 += r;
                        add(&mut d1, &mut d2, &xc, r);
                    } else {
                        s0 += r;
                        add(&mut s1, &mut s2, &xc, r);
                    }
                    j -= 1;
                }
                if let (Some(entry), Some(be)) = (d.entry, en) {
                    while pe > 0 && entry[be[pe - 1] as usize] >= t {
                        let i = be[pe - 1] as usize;
                        let r = d.w(i) * eta[i].exp();
                        self.xc(i, &mut xc);
                        s0 -= r;
                        add(&mut s1, &mut s2, &xc, -r);
                        pe -= 1;
                    }
                }
                if !dead.is_empty() {
                    visit(&DeathTime {
                        stratum: s,
                        time: t,
                        rows: &dead,
                        ndead: dead.len(),
                        deadwt,
                        s0,
                        s1: &s1,
                        s2: &s2,
                        d0,
                        d1: &d1,
                        d2: &d2,
                    });
                    s0 += d0;
                    for a in 0..p {
                        s1[a] += d1[a];
                    }
                    for (a, b) in s2.iter_mut().zip(&d2) {
                        *a += b;
                    }
                }
            }
        }
    }

    /// Fractions of the deaths' risk in the steps of the tie correction: Breslow one step with all
    /// of it; Efron `ndead` steps with 1/d, 2/d, ..., 1 (as R's coxfit6 adds them).
    pub fn steps(&self, ndead: usize) -> Vec<f64> {
        match self.ties {
            Ties::Efron if ndead > 1 => (1..=ndead).map(|k| k as f64 / ndead as f64).collect(),
            _ => vec![1.0],
        }
    }

    /// Log-likelihood, score and information at `beta`.
    pub fn evaluate(&self, beta: &[f64]) -> Eval {
        let p = self.inp.p;
        let eta = self.eta(beta);
        let mut loglik = 0.0;
        let mut u = vec![0.0; p];
        let mut info = vec![0.0; p * p];
        let mut xc = vec![0.0; p];
        let mut a = vec![0.0; p];
        self.sweep(&eta, true, |dt| {
            for &i in dt.rows {
                let i = i as usize;
                let w = self.inp.data.w(i);
                loglik += w * eta[i];
                self.xc(i, &mut xc);
                for k in 0..p {
                    u[k] += w * xc[k];
                }
            }
            let steps = self.steps(dt.ndead);
            let wt = dt.deadwt / steps.len() as f64;
            for &f in &steps {
                let denom = dt.s0 + f * dt.d0;
                loglik -= wt * denom.ln();
                for k in 0..p {
                    a[k] = (dt.s1[k] + f * dt.d1[k]) / denom;
                    u[k] -= wt * a[k];
                }
                for k in 0..p {
                    for l in 0..=k {
                        let c = (dt.s2[k * p + l] + f * dt.d2[k * p + l]) / denom;
                        info[k * p + l] += wt * (c - a[k] * a[l]);
                    }
                }
            }
        });
        for k in 0..p {
            for l in 0..k {
                info[l * p + k] = info[k * p + l];
            }
        }
        Eval { loglik, score: u, info }
    }
}

/// Names the terms that make the design singular: a term is reported when it is (nearly) a
/// linear combination of the terms before it, judged on the weighted cross-product centred within
/// strata (a covariate that is constant within every stratum has no information either).
pub fn singular_terms(inp: &CoxInput, _means: &[f64]) -> Vec<usize> {
    let (n, p) = (inp.data.len(), inp.p);
    let ns = inp.data.n_strata;
    let mut sw = vec![0.0; ns];
    let mut sx = vec![0.0; ns * p];
    for i in 0..n {
        let (s, w) = (inp.data.stratum_of(i), inp.data.w(i));
        sw[s] += w;
        for a in 0..p {
            sx[s * p + a] += w * inp.x[i * p + a];
        }
    }
    let mut xtx = vec![0.0; p * p];
    for i in 0..n {
        let (s, w) = (inp.data.stratum_of(i), inp.data.w(i));
        for a in 0..p {
            let xa = inp.x[i * p + a] - sx[s * p + a] / sw[s];
            for b in 0..=a {
                xtx[a * p + b] += w * xa * (inp.x[i * p + b] - sx[s * p + b] / sw[s]);
            }
        }
    }
    // Cholesky with a relative tolerance, dropping (and naming) the dependent columns.
    let mut bad = Vec::new();
    let mut l = vec![0.0; p * p];
    for a in 0..p {
        for b in 0..=a {
            let mut s = xtx[a * p + b];
            for k in 0..b {
                s -= l[a * p + k] * l[b * p + k];
            }
            if a == b {
                let scale = xtx[a * p + a].abs().max(f64::MIN_POSITIVE);
                if s <= 1e-10 * scale || xtx[a * p + a] <= 0.0 {
                    bad.push(a);
                    l[a * p + a] = 0.0;
                } else {
                    l[a * p + a] = s.sqrt();
                }
            } else if l[b * p + b] > 0.0 {
                l[a * p + b] = s / l[b * p + b];
            }
        }
    }
    bad
}

/// Fits the model. A singular design is an error naming the column indices; a coefficient that
/// runs to infinity is reported in `infinite`.
pub fn fit(inp: CoxInput, opts: &CoxOptions) -> Result<CoxFit> {
    let prep = Prepared::new(inp, opts.ties)?;
    fit_prepared(&prep, opts)
}

/// As [`fit`], on data already sorted and centred.
pub fn fit_prepared(prep: &Prepared, opts: &CoxOptions) -> Result<CoxFit> {
    let inp = prep.inp;
    let p = inp.p;
    if p == 0 {
        return Err(Error::InvalidArgument("the model has no covariates".into()));
    }
    let n_events: f64 = (0..inp.data.len()).filter(|&i| inp.data.event[i] == 1).map(|i| inp.data.w(i)).sum();
    if n_events == 0.0 {
        return Err(Error::Degenerate("there are no events".into()));
    }
    let bad = singular_terms(&inp, &prep.means);
    if !bad.is_empty() {
        return Err(Error::Singular(bad));
    }
    let init = opts.init.clone().unwrap_or_else(|| vec![0.0; p]);
    if init.len() != p {
        return Err(Error::InvalidArgument(format!("init has {} values for {p} covariates", init.len())));
    }
    let r = newton(|b| prep.evaluate(b), &init, &opts.newton)?;
    // R's check, made only for a converged fit: |u' var| > eps and > toler.inf |coef|
    // (toler.inf = sqrt(eps)).
    let eps = opts.newton.eps;
    let mut infinite = Vec::new();
    for j in (0..p).filter(|_| r.converged) {
        let v: f64 = (0..p).map(|k| r.score[k] * r.var[k * p + j]).sum::<f64>().abs();
        if !r.score[j].is_finite() || (v > eps && v > eps.sqrt() * r.beta[j].abs()) {
            infinite.push(j);
        }
    }
    let linear_predictor = prep.eta(&r.beta);
    Ok(CoxFit {
        coef: r.beta.clone(),
        var: r.var,
        loglik_init: r.loglik_init,
        loglik: r.loglik,
        score_test: r.score_test,
        iter: r.iter,
        converged: r.converged,
        means: prep.means.clone(),
        score: r.score,
        infinite,
        linear_predictor,
        n_events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ties: Ties, coef: [f64; 2], loglik: [f64; 2], var: [f64; 2]) {
        let t = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let e = [1u8, 1, 1, 0, 1, 1, 0, 1];
        let x = [1.0, 0.5, 0.0, 1.2, 1.0, -0.3, 1.0, 0.8, 0.0, 2.0, 0.0, -1.0, 1.0, 0.1, 0.0, 0.4];
        let data = SurvData::new(&t, &e, None, None).unwrap();
        let f = fit(CoxInput { data, x: &x, p: 2, offset: None }, &CoxOptions { ties, ..Default::default() }).unwrap();
        for j in 0..2 {
            assert!((f.coef[j] - coef[j]).abs() < 1e-7 * coef[j].abs(), "{ties:?} coef {j}: {}", f.coef[j]);
            assert!((f.var[j * 3] - var[j]).abs() < 1e-7 * var[j]);
        }
        assert!((f.loglik_init - loglik[0]).abs() < 1e-12 * loglik[0].abs());
        assert!((f.loglik - loglik[1]).abs() < 1e-10 * loglik[1].abs());
    }

    // R 4.2.2, survival 3.5-3: coxph(Surv(t, e) ~ x + z, ties = ...) on the data above.
    #[test]
    fn test_r_coxph_efron() {
        check(Ties::Efron, [0.132988492015923, 0.219472888261288], [-8.30201780975120, -8.20955057400134], [0.908361391421935, 0.272847536472694]);
    }

    #[test]
    fn test_r_coxph_breslow() {
        check(Ties::Breslow, [0.132033872154628, 0.223552147650655], [-8.45616848957846, -8.36270989549745], [0.917785040735454, 0.278557573834447]);
    }
}
