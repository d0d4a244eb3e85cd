//! Fitting: one sort per stratum, then every Newton iteration is one O(n p^2) sweep from the last
//! time back, with running sums of `w exp(eta)`, `w exp(eta) x` and `w exp(eta) x x'` over the risk
//! set (rows are added at their exit time and removed once the sweep passes their entry time).
//! Covariates are centred at their weighted means, as R does; the fit is the same.

use crate::data::SurvData;
use crate::error::{Error, Result};
use crate::linalg::WeightedGram;
use crate::nonparametric::risk::Blocks;
use crate::optim::{newton_from, weak_pivots, Eval, NewtonOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ties {
    Breslow,
    Efron,
    /// The exact partial likelihood ([`crate::cox::exact`]); what follows from the fit (the
    /// baseline hazard, residuals, the robust variance) uses Breslow's sums, as R does.
    Exact,
}

impl Ties {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "efron" => Ok(Ties::Efron),
            "breslow" => Ok(Ties::Breslow),
            "exact" => Ok(Ties::Exact),
            other => Err(Error::InvalidArgument(format!("ties must be 'efron', 'breslow' or 'exact', not '{other}'"))),
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
    /// Sorted layout: position k holds row `order[k]`; strata are contiguous (`block_off`), each
    /// in ascending exit time. The sweeps read the centred covariates `xs`, weights, events,
    /// times and offsets in this order, so every iteration walks memory sequentially.
    pub order: Vec<u32>,
    pub block_off: Vec<usize>,
    pub xs: Vec<f64>,
    pub ws: Vec<f64>,
    pub es: Vec<u8>,
    pub ts: Vec<f64>,
    pub offs: Option<Vec<f64>>,
    /// With entry times: positions of each stratum by ascending entry, and those entry times.
    pub by_entry: Option<(Vec<u32>, Vec<f64>)>,
    /// The distinct exit times, numbered stratum after stratum (ascending within each): the
    /// number of each sorted position's exit time, and (see [`time_numbers`]) where its time at
    /// risk starts. The information's per-row hazard sums read a table by these numbers instead
    /// of searching the event times in every evaluation.
    pub time_no: Vec<u32>,
    pub from_no: Vec<u32>,
}

/// What the sweep knows at one distinct death time of a stratum.
pub struct DeathTime<'s> {
    pub stratum: usize,
    pub time: f64,
    /// Sorted positions (see [`Prepared::order`]) of the deaths at this time.
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

/// See [`Prepared::time_no`]: for sorted exit times `ts` in blocks, each position's distinct-time
/// number, and with entry times (`entry` per sorted position) 0 when no time of its block is at
/// or before its entry, else 1 + the number of the last such time (0 for all without entry).
fn time_numbers(ts: &[f64], block_off: &[usize], entry: Option<Vec<f64>>) -> (Vec<u32>, Vec<u32>) {
    let n = ts.len();
    let (mut time_no, mut from_no) = (vec![0u32; n], vec![0u32; n]);
    let mut next = 0u32;
    let mut distinct: Vec<f64> = Vec::new();
    for b in 0..block_off.len() - 1 {
        let (lo, hi) = (block_off[b], block_off[b + 1]);
        let first = next;
        distinct.clear();
        for k in lo..hi {
            if k == lo || ts[k] != ts[k - 1] {
                distinct.push(ts[k]);
                next += 1;
            }
            time_no[k] = next - 1;
        }
        if let Some(e) = entry.as_ref() {
            for k in lo..hi {
                let c = distinct.partition_point(|&t| t <= e[k]) as u32;
                from_no[k] = if c == 0 { 0 } else { first + c };
            }
        }
    }
    (time_no, from_no)
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
        if ties == Ties::Exact {
            if let Some(row) = (0..n).position(|i| inp.data.w(i) != 1.0) {
                return Err(Error::InvalidArgument(format!(
                    "case weights are not defined for the exact partial likelihood (ties='exact'); the weight at row {row} is not 1"
                )));
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
        let order = blocks.by_exit.clone();
        let block_off = blocks.exit_off.clone();
        let mut xs = Vec::with_capacity(n * p);
        for &i in &order {
            let i = i as usize;
            xs.extend(inp.x[i * p..(i + 1) * p].iter().zip(&means).map(|(x, m)| x - m));
        }
        let d = &inp.data;
        let ws = order.iter().map(|&i| d.w(i as usize)).collect();
        let es = order.iter().map(|&i| d.event[i as usize]).collect();
        let ts: Vec<f64> = order.iter().map(|&i| d.exit[i as usize]).collect();
        let offs = inp.offset.map(|o| order.iter().map(|&i| o[i as usize]).collect());
        let by_entry = d.entry.map(|entry| {
            let mut pos_of = vec![0u32; n];
            for (k, &i) in order.iter().enumerate() {
                pos_of[i as usize] = k as u32;
            }
            let be = blocks.by_entry.as_ref().unwrap();
            (be.iter().map(|&i| pos_of[i as usize]).collect(), be.iter().map(|&i| entry[i as usize]).collect())
        });
        let (time_no, from_no) = time_numbers(&ts, &block_off, d.entry.map(|e| order.iter().map(|&i| e[i as usize]).collect::<Vec<f64>>()));
        Ok(Prepared { inp, blocks, means, ties, order, block_off, xs, ws, es, ts, offs, by_entry, time_no, from_no })
    }

    /// The same model restricted to the sorted positions whose weight in `ws` is not zero (a
    /// bootstrap replicate leaves about a third of the rows out), with those weights and
    /// multiplicities, for right-censored data under Breslow's or Efron's partial likelihood
    /// (None otherwise, or when no row is left out). The sums of an evaluation skip rows of
    /// weight zero, so an evaluation of the restricted model is bit for bit the full one's; it
    /// only stops visiting the rows left out, three or four times per replicate.
    pub fn restrict(&self, ws: &[f64], mult: Option<&[f64]>) -> Option<(Prepared<'a>, Vec<f64>, Option<Vec<f64>>)> {
        if self.by_entry.is_some() || self.ties == Ties::Exact || ws.len() != self.order.len() {
            return None;
        }
        let p = self.inp.p;
        let keep: Vec<usize> = (0..ws.len()).filter(|&k| ws[k] != 0.0).collect();
        if keep.len() == ws.len() {
            return None; // nothing left out (Bayesian weights): the full model as it is
        }
        let mut block_off = Vec::with_capacity(self.block_off.len());
        let mut next = 0;
        for &lo in &self.block_off {
            while next < keep.len() && keep[next] < lo {
                next += 1;
            }
            block_off.push(next);
        }
        let pick = |v: &[f64]| -> Vec<f64> { keep.iter().map(|&k| v[k]).collect() };
        let mut xs = Vec::with_capacity(keep.len() * p);
        for &k in &keep {
            xs.extend_from_slice(self.xs(k));
        }
        let ts = pick(&self.ts);
        let (time_no, from_no) = time_numbers(&ts, &block_off, None);
        let sub = Prepared {
            inp: self.inp,
            blocks: self.blocks.clone(),
            means: self.means.clone(),
            ties: self.ties,
            order: keep.iter().map(|&k| self.order[k]).collect(),
            block_off,
            xs,
            ws: pick(&self.ws),
            es: keep.iter().map(|&k| self.es[k]).collect(),
            ts,
            offs: self.offs.as_ref().map(|o| pick(o)),
            by_entry: None,
            time_no,
            from_no,
        };
        Some((sub, pick(ws), mult.map(pick)))
    }

    /// Centred covariates of input row `i` (not sorted).
    #[inline]
    pub fn xc(&self, i: usize, out: &mut [f64]) {
        let p = self.inp.p;
        for ((o, &x), &m) in out.iter_mut().zip(&self.inp.x[i * p..(i + 1) * p]).zip(&self.means) {
            *o = x - m;
        }
    }

    /// Centred covariates at a sorted position.
    #[inline]
    pub fn xs(&self, k: usize) -> &[f64] {
        let p = self.inp.p;
        &self.xs[k * p..(k + 1) * p]
    }

    /// Centred linear predictor at every sorted position.
    pub fn eta_sorted(&self, beta: &[f64]) -> Vec<f64> {
        let p = self.inp.p;
        (0..self.order.len())
            .map(|k| {
                let x = &self.xs[k * p..(k + 1) * p];
                self.offs.as_ref().map_or(0.0, |o| o[k]) + x.iter().zip(beta).map(|(a, b)| a * b).sum::<f64>()
            })
            .collect()
    }

    /// Centred linear predictor of every row, in input order (R's `fit$linear.predictors`).
    pub fn eta(&self, beta: &[f64]) -> Vec<f64> {
        let sorted = self.eta_sorted(beta);
        let mut out = vec![0.0; sorted.len()];
        for (k, &i) in self.order.iter().enumerate() {
            out[i as usize] = sorted[k];
        }
        out
    }

    /// One sweep over all strata from the last time back, over sorted positions; `visit` sees
    /// every death time. `eta` is per sorted position ([`Prepared::eta_sorted`]). With
    /// `second = false` the x x' sums are skipped (not needed for residuals).
    pub fn sweep(&self, eta: &[f64], second: bool, visit: impl FnMut(&DeathTime)) {
        self.sweep_with(eta, &self.ws, None, second, visit)
    }

    /// As [`Prepared::sweep`] with weights `ws` per sorted position (a bootstrap replicate's
    /// weights times the case weights) and, optionally, integer multiplicities `mult` (the
    /// replicate's counts), which Efron's correction counts as tied rows, as if the rows were
    /// repeated. Rows of weight zero are left out.
    pub fn sweep_with(&self, eta: &[f64], ws: &[f64], mult: Option<&[f64]>, second: bool, visit: impl FnMut(&DeathTime)) {
        self.sweep_risk(&self.risk(eta, ws), ws, mult, second, visit)
    }

    /// `ws * exp(eta)` per sorted position (zero where the weight is zero).
    fn risk(&self, eta: &[f64], ws: &[f64]) -> Vec<f64> {
        ws.iter().zip(eta).map(|(&w, &e)| if w == 0.0 { 0.0 } else { w * e.exp() }).collect()
    }

    /// As [`Prepared::sweep_with`] with the risk scores `risk = ws * exp(eta)` per sorted
    /// position already computed (the caller reuses them).
    pub fn sweep_risk(&self, risk: &[f64], ws: &[f64], mult: Option<&[f64]>, second: bool, mut visit: impl FnMut(&DeathTime)) {
        let p = self.inp.p;
        let pp = if second { p * p } else { 0 };
        let (mut s1, mut s2, mut d1, mut d2) = (vec![0.0; p], vec![0.0; pp], vec![0.0; p], vec![0.0; pp]);
        let mut dead: Vec<u32> = Vec::new();
        // r x and r x x' (lower triangle, row by row) into the running sums; iterators keep the
        // inner loops free of bounds checks so they vectorise.
        let add = |s1: &mut [f64], s2: &mut [f64], xc: &[f64], r: f64| {
            for (s, &x) in s1.iter_mut().zip(xc) {
                *s += r * x;
            }
            if second {
                for a in 0..p {
                    let ra = r * xc[a];
                    for (s, &xb) in s2[a * p..a * p + a + 1].iter_mut().zip(&xc[..=a]) {
                        *s += ra * xb;
                    }
                }
            }
        };
        for s in 0..self.block_off.len() - 1 {
            let (lo, hi) = (self.block_off[s], self.block_off[s + 1]);
            let mut s0 = 0.0;
            s1.iter_mut().for_each(|v| *v = 0.0);
            s2.iter_mut().for_each(|v| *v = 0.0);
            let entry_block = self.by_entry.as_ref().map(|(pos, t)| {
                let (a, b) = (self.blocks.entry_off[s], self.blocks.entry_off[s + 1]);
                (&pos[a..b], &t[a..b])
            });
            let mut pe = entry_block.map_or(0, |e| e.0.len());
            let mut j = hi;
            while j > lo {
                let t = self.ts[j - 1];
                dead.clear();
                let (mut d0, mut deadwt) = (0.0, 0.0);
                d1.iter_mut().for_each(|v| *v = 0.0);
                d2.iter_mut().for_each(|v| *v = 0.0);
                let mut ndead = 0.0;
                while j > lo && self.ts[j - 1] == t {
                    let k = j - 1;
                    j -= 1;
                    if ws[k] == 0.0 {
                        continue;
                    }
                    let r = risk[k];
                    if self.es[k] == 1 {
                        dead.push(k as u32);
                        ndead += mult.map_or(1.0, |m| m[k]);
                        deadwt += ws[k];
                        d0 += r;
                        add(&mut d1, &mut d2, self.xs(k), r);
                    } else {
                        s0 += r;
                        add(&mut s1, &mut s2, self.xs(k), r);
                    }
                }
                if let Some((pos, et)) = entry_block {
                    while pe > 0 && et[pe - 1] >= t {
                        let k = pos[pe - 1] as usize;
                        let r = risk[k];
                        s0 -= r;
                        add(&mut s1, &mut s2, self.xs(k), -r);
                        pe -= 1;
                    }
                }
                if !dead.is_empty() {
                    visit(&DeathTime {
                        stratum: s,
                        time: t,
                        rows: &dead,
                        ndead: ndead as usize,
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

    /// Fractions of the deaths' risk in the steps of the tie correction: Breslow (and what follows
    /// from an exact fit) one step with all of it; Efron `ndead` steps with 1/d, 2/d, ..., 1 (as R's coxfit6 adds them).
    pub fn steps(&self, ndead: usize) -> impl ExactSizeIterator<Item = f64> + Clone {
        let m = if self.ties == Ties::Efron { ndead.max(1) } else { 1 };
        (1..m + 1).map(move |k| k as f64 / m as f64)
    }

    /// Log-likelihood, score and information at `beta`.
    ///
    /// The information is `sum_t wbar (S2(t) / S0(t) - a(t) a(t)')`. Its first part is gathered
    /// per row instead of per event time: `sum_j r_j H_j x_j x_j'`, with `H_j` the sum of
    /// `wbar / S0` over the event times at which row j is at risk (with its Efron fraction at its
    /// own event time). So the sweep keeps no running x x' sums, and the per-event-time work is
    /// only the `a a'` term.
    pub fn evaluate(&self, beta: &[f64]) -> Eval {
        self.evaluate_with(beta, &self.ws, None)
    }

    /// As [`Prepared::evaluate`] with replicate weights and multiplicities (see `sweep_with`).
    pub fn evaluate_with(&self, beta: &[f64], ws: &[f64], mult: Option<&[f64]>) -> Eval {
        if self.ties == Ties::Exact {
            return self.evaluate_exact(beta, ws, mult);
        }
        let p = self.inp.p;
        let eta = self.eta_sorted(beta);
        let mut loglik = 0.0;
        let mut u = vec![0.0; p];
        let mut info = vec![0.0; p * p];
        let mut a = vec![0.0; p];
        // Per distinct time (by its number), the hazard increment for the rows at risk (hz) and for
        // the rows that have the event there (hz_dead); zero at times without a death.
        let n_times = self.time_no.last().map_or(0, |&t| t as usize + 1);
        let (mut hz, mut hz_dead) = (vec![0.0; n_times], vec![0.0; n_times]);
        let risk = self.risk(&eta, ws);
        let mut minus = WeightedGram::new(p);
        let mut v = vec![0.0; p];
        // The log terms wt ln(denom) share a weight wt (1 without case weights): their
        // denominators are multiplied while the product stays far from overflow and the log taken
        // once per product, a few times per sweep instead of once per death.
        let (mut lprod, mut lwt) = (1.0f64, 0.0f64);
        self.sweep_risk(&risk, ws, mult, false, |dt| {
            for &k in dt.rows {
                let k = k as usize;
                let w = ws[k];
                loglik += w * eta[k];
                for (uk, &x) in u.iter_mut().zip(self.xs(k)) {
                    *uk += w * x;
                }
            }
            // The tie steps only change scalars: with a_k = (S1 + f_k D1) / den_k,
            // sum_k wbar a_k = c1 S1 + c2 D1 and sum_k wbar a_k a_k' =
            // q0 S1 S1' + q1 (S1 D1' + D1 S1') + q2 D1 D1', so a step costs O(1), not O(p^2).
            let steps = self.steps(dt.ndead);
            let single = steps.len() == 1;
            let wt = dt.deadwt / steps.len() as f64;
            let (mut dl, mut dld) = (0.0, 0.0);
            let (mut q0, mut q1, mut q2) = (0.0, 0.0, 0.0);
            let mut log_term = |denom: f64| {
                if wt != lwt || !(1e-140..=1e140).contains(&(lprod * denom)) {
                    loglik -= lwt * lprod.ln();
                    (lprod, lwt) = (1.0, wt);
                }
                lprod *= denom;
            };
            if single {
                // f = 1: one division, and dl = dld, q0 = q1 = q2
                let denom = dt.s0 + dt.d0;
                log_term(denom);
                let inv = wt / denom;
                (dl, dld) = (inv, inv);
                q0 = inv / denom;
            } else {
                for f in steps {
                    let denom = dt.s0 + f * dt.d0;
                    log_term(denom);
                    let inv = wt / denom;
                    dl += inv;
                    dld += f * inv;
                    let w2 = inv / denom;
                    q0 += w2;
                    q1 += f * w2;
                    q2 += f * f * w2;
                }
            }
            for (((uk, ak), &s1), &d1) in u.iter_mut().zip(a.iter_mut()).zip(dt.s1).zip(dt.d1) {
                *uk -= dl * s1 + dld * d1;
                *ak = d1;
            }
            if single {
                // One step (f = 1: a single death, or Breslow) makes q0 = q1 = q2, and the update
                // is the rank-one q0 (S1 + D1)(S1 + D1)': a third of the work, gathered in blocks.
                for (ak, &s1) in a.iter_mut().zip(dt.s1) {
                    *ak += s1;
                }
                minus.push(q0, &a);
            } else {
                // Tied deaths (or a row drawn more than once, which Efron's correction counts as
                // ties): [[q0, q1], [q1, q2]] = sum_k w2_k (1, f_k)(1, f_k)' is positive
                // semi-definite, and as L D L' it makes the update two rank-one terms,
                // q0 (S1 + l D1)(S1 + l D1)' + (q2 - l q1) D1 D1' with l = q1 / q0, gathered in
                // blocks as the single-death ones instead of a p x p loop per time.
                let l = q1 / q0;
                for ((vk, &s1), &ak) in v.iter_mut().zip(dt.s1).zip(&a) {
                    *vk = s1 + l * ak;
                }
                minus.push(q0, &v);
                minus.push(q2 - l * q1, &a);
            }
            let tn = self.time_no[dt.rows[0] as usize] as usize;
            hz[tn] = dl;
            hz_dead[tn] = dld;
        });
        loglik -= lwt * lprod.ln();
        // Second pass, in time order: sum_j r_j H_j x_j x_j' (its diagonal is also the scale
        // against which a vanishing information is judged).
        // cum[m + 1]: the hazard increments over the times of a stratum up to time number m
        // (the sum restarting at each stratum; cum[0] = 0); a row is at risk from its first time
        // after entry to its exit time, and at its own event time with its Efron fraction.
        let mut cum = vec![0.0; n_times + 1];
        let mut next = 0;
        for b in 0..self.block_off.len() - 1 {
            let (lo, hi) = (self.block_off[b], self.block_off[b + 1]);
            if lo == hi {
                continue;
            }
            let mut c = 0.0;
            for m in next..=self.time_no[hi - 1] as usize {
                c += hz[m];
                cum[m + 1] = c;
            }
            next = self.time_no[hi - 1] as usize + 1;
        }
        let mut plus = WeightedGram::new(p);
        for k in 0..ws.len() {
            if ws[k] == 0.0 {
                continue;
            }
            let tn = self.time_no[k] as usize;
            let mut hk = cum[tn + 1] - cum[self.from_no[k] as usize];
            if self.es[k] == 1 {
                hk += hz_dead[tn] - hz[tn];
            }
            plus.push(risk[k] * hk, self.xs(k));
        }
        let (plus, minus) = (plus.finish(), minus.finish());
        let raw: Vec<f64> = (0..p).map(|a| plus[a * p + a]).collect();
        for ((inf, &pl), &mi) in info.iter_mut().zip(&plus).zip(&minus) {
            *inf += pl - mi;
        }
        for k in 0..p {
            for l in 0..k {
                info[l * p + k] = info[k * p + l];
            }
        }
        Eval { loglik, score: u, info, scale: raw }
    }
}

/// Names the terms that make the design singular: a term is reported when it is (nearly) a
/// linear combination of the terms before it, judged on the weighted cross-product centred within
/// strata (a covariate that is constant within every stratum has no information either).
pub fn singular_terms(prep: &Prepared) -> Vec<usize> {
    let p = prep.inp.p;
    let mut xtx = vec![0.0; p * p];
    let mut mean = vec![0.0; p];
    for s in 0..prep.block_off.len() - 1 {
        let (lo, hi) = (prep.block_off[s], prep.block_off[s + 1]);
        let sw: f64 = prep.ws[lo..hi].iter().sum();
        mean.iter_mut().for_each(|m| *m = 0.0);
        for k in lo..hi {
            for (m, &x) in mean.iter_mut().zip(prep.xs(k)) {
                *m += prep.ws[k] * x / sw;
            }
        }
        for k in lo..hi {
            let (x, w) = (prep.xs(k), prep.ws[k]);
            for a in 0..p {
                let wa = w * (x[a] - mean[a]);
                for ((c, &xb), &mb) in xtx[a * p..a * p + a + 1].iter_mut().zip(&x[..=a]).zip(&mean[..=a]) {
                    *c += wa * (xb - mb);
                }
            }
        }
    }
    let mut total = vec![0.0; p];
    for k in 0..prep.order.len() {
        for (t, &x) in total.iter_mut().zip(prep.xs(k)) {
            *t += prep.ws[k] * x * x;
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
                // Nothing left of the column after centring within strata (relative to its
                // spread around the overall mean), or nothing left after the columns before it.
                let scale = xtx[a * p + a].abs().max(f64::MIN_POSITIVE);
                if xtx[a * p + a] <= 1e-10 * total[a] || s <= 1e-10 * scale || total[a] <= 0.0 {
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
    let init = opts.init.clone().unwrap_or_else(|| vec![0.0; p]);
    if init.len() != p {
        return Err(Error::InvalidArgument(format!("init has {} values for {p} covariates", init.len())));
    }
    // A singular design shows as an information matrix without information in some direction;
    // only then is the design itself examined, to name the terms.
    let first = prep.evaluate(&init);
    let weak = weak_pivots(&first.info, p, 1e-10, &first.scale);
    if first.info.iter().all(|v| v.is_finite()) && !weak.is_empty() {
        let bad = singular_terms(prep);
        return Err(Error::Singular(if bad.is_empty() { weak } else { bad }));
    }
    let r = newton_from(|b| prep.evaluate(b), &init, first, &opts.newton)?;
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

    // A replicate's evaluation on the restricted model (rows of weight zero dropped) is the full
    // model's bit for bit: ties, strata, an offset, case weights, multiplicities, both tie rules.
    #[test]
    fn restricted_evaluation_is_the_full_one() {
        let n = 60;
        let t: Vec<f64> = (0..n).map(|i| ((i * 7) % 13) as f64 + 1.0).collect();
        let e: Vec<u8> = (0..n).map(|i| (i % 4 != 0) as u8).collect();
        let x: Vec<f64> = (0..n * 3).map(|k| ((k * 37) % 17) as f64 / 17.0 - 0.4).collect();
        let cw: Vec<f64> = (0..n).map(|i| 0.5 + (i % 3) as f64).collect();
        let strata: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let off: Vec<f64> = (0..n).map(|i| (i % 5) as f64 * 0.1).collect();
        let counts: Vec<f64> = (0..n).map(|i| [0.0, 1.0, 2.0, 0.0, 1.0, 3.0][(i * 5) % 6]).collect();
        for ties in [Ties::Efron, Ties::Breslow] {
            let mut data = SurvData::new(&t, &e, None, Some(&cw)).unwrap();
            data.strata = Some(&strata);
            data.n_strata = 2;
            let prep = Prepared::new(CoxInput { data, x: &x, p: 3, offset: Some(&off) }, ties).unwrap();
            let ws: Vec<f64> = prep.order.iter().map(|&i| counts[i as usize] * cw[i as usize]).collect();
            let mult: Vec<f64> = prep.order.iter().map(|&i| counts[i as usize]).collect();
            let (sub, sw, sm) = prep.restrict(&ws, Some(&mult)).unwrap();
            assert!(sw.len() < ws.len() && sw.iter().all(|&w| w > 0.0));
            let beta = [0.3, -0.2, 0.5];
            let (a, b) = (prep.evaluate_with(&beta, &ws, Some(&mult)), sub.evaluate_with(&beta, &sw, sm.as_deref()));
            assert_eq!(a.loglik.to_bits(), b.loglik.to_bits());
            assert!(a.score.iter().zip(&b.score).all(|(u, v)| u.to_bits() == v.to_bits()));
            assert!(a.info.iter().zip(&b.info).all(|(u, v)| u.to_bits() == v.to_bits()));
        }
    }
}
