//! Residuals and the baseline hazard of a fitted Cox model, in O((n + d) p): the hazard
//! increments and mean covariates at the death times are accumulated once, and each row reads
//! its cumulative values at its entry and exit times.
//!
//! With Efron's correction a death time with `d` deaths has `d` steps; a row that does not die
//! there is at risk in all of them, a dying row with weight k/d in step k. So the increments
//! `dL = sum_k wbar / denom_k` and `A = sum_k wbar a_k / denom_k` differ for the dying rows
//! (`dL_D`, `A_D`: each term times its fraction).

use super::fit::{CoxInput, Prepared, Ties};
use crate::error::Result;

/// Martingale, score and Schoenfeld residuals of a fit.
pub fn residuals(inp: CoxInput, ties: Ties, coef: &[f64]) -> Result<Residuals> {
    Ok(residuals_prepared(&Prepared::new(inp, ties)?, coef))
}

/// The baseline cumulative hazard of a fit.
pub fn baseline(inp: CoxInput, ties: Ties, coef: &[f64]) -> Result<Baseline> {
    Ok(baseline_prepared(&Prepared::new(inp, ties)?, coef))
}

/// Per-row residuals, in input order (score and dfbeta row-major n x p).
#[derive(Debug, Clone)]
pub struct Residuals {
    pub martingale: Vec<f64>,
    pub score: Vec<f64>,
    /// Schoenfeld residuals: one row per event (input order of the events), p columns.
    pub schoenfeld: Vec<f64>,
    pub schoenfeld_rows: Vec<u32>,
    pub schoenfeld_time: Vec<f64>,
    pub schoenfeld_stratum: Vec<u32>,
}

struct Steps {
    time: Vec<f64>,
    dl: Vec<f64>,
    a: Vec<f64>,
    dl_dead: Vec<f64>,
    a_dead: Vec<f64>,
    abar: Vec<f64>,
}

/// Hazard increments per stratum (ascending time), from one sweep at the fitted coefficients
/// (`eta` per sorted position).
fn increments(prep: &Prepared, eta: &[f64]) -> Vec<Steps> {
    let p = prep.inp.p;
    let ns = prep.blocks.n_blocks();
    let mut out: Vec<Steps> = (0..ns)
        .map(|_| Steps { time: vec![], dl: vec![], a: vec![], dl_dead: vec![], a_dead: vec![], abar: vec![] })
        .collect();
    prep.sweep(eta, false, |dt| {
        let st = &mut out[dt.stratum];
        let steps = prep.steps(dt.ndead);
        let wbar = dt.deadwt / steps.len() as f64;
        let (mut dl, mut dld) = (0.0, 0.0);
        let (mut a, mut ad, mut abar) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
        for f in steps.clone() {
            let denom = dt.s0 + f * dt.d0;
            dl += wbar / denom;
            dld += f * wbar / denom;
            for k in 0..p {
                let mean = (dt.s1[k] + f * dt.d1[k]) / denom;
                a[k] += wbar * mean / denom;
                ad[k] += f * wbar * mean / denom;
                abar[k] += mean / steps.len() as f64;
            }
        }
        st.time.push(dt.time);
        st.dl.push(dl);
        st.dl_dead.push(dld);
        st.a.extend_from_slice(&a);
        st.a_dead.extend_from_slice(&ad);
        st.abar.extend_from_slice(&abar);
    });
    // The sweep runs backwards in time; put each stratum in ascending order.
    for st in &mut out {
        let m = st.time.len();
        st.time.reverse();
        st.dl.reverse();
        st.dl_dead.reverse();
        for v in [&mut st.a, &mut st.a_dead, &mut st.abar] {
            let rows: Vec<Vec<f64>> = v.chunks(p.max(1)).rev().map(|c| c.to_vec()).collect();
            *v = rows.concat();
            debug_assert_eq!(v.len(), m * p);
        }
    }
    out
}

/// Martingale, score and Schoenfeld residuals at the fitted coefficients.
pub fn residuals_prepared(prep: &Prepared, coef: &[f64]) -> Residuals {
    let p = prep.inp.p;
    let d = &prep.inp.data;
    let n = d.len();
    let inc = increments(prep, &prep.eta_sorted(coef));
    // Cumulative sums per stratum: L[j] and A[j] through death time j.
    let cums: Vec<(Vec<f64>, Vec<f64>)> = inc
        .iter()
        .map(|st| {
            let m = st.time.len();
            let (mut cl, mut ca) = (Vec::with_capacity(m), Vec::with_capacity(m * p));
            let (mut l, mut a) = (0.0, vec![0.0; p]);
            for j in 0..m {
                l += st.dl[j];
                cl.push(l);
                for k in 0..p {
                    a[k] += st.a[j * p + k];
                }
                ca.extend_from_slice(&a);
            }
            (cl, ca)
        })
        .collect();
    let mut martingale = vec![0.0; n];
    let mut score = vec![0.0; n * p];
    let mut a = vec![0.0; p];
    let (mut sch_rows, mut schoenfeld, mut sch_time, mut sch_stratum) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let eta_s = prep.eta_sorted(coef);
    // Sorted positions, stratum by stratum in time order: the exit pointer only moves forward;
    // Schoenfeld residuals come out in time order within strata, as R gives them.
    for (s, (st, (cl, ca))) in inc.iter().zip(&cums).enumerate() {
        let mut je = 0;
        for k in prep.block_off[s]..prep.block_off[s + 1] {
            let i = prep.order[k] as usize;
            let t = prep.ts[k];
            while je < st.time.len() && st.time[je] <= t {
                je += 1;
            }
            let r = eta_s[k].exp();
            // Not at risk at a death time equal to its entry.
            let js = d.entry.map_or(0, |e| st.time.partition_point(|&u| u <= e[i]));
            let mut lam = if je > 0 { cl[je - 1] } else { 0.0 } - if js > 0 { cl[js - 1] } else { 0.0 };
            for (q, aq) in a.iter_mut().enumerate() {
                *aq = if je > 0 { ca[(je - 1) * p + q] } else { 0.0 } - if js > 0 { ca[(js - 1) * p + q] } else { 0.0 };
            }
            let died = prep.es[k] == 1;
            let x = prep.xs(k);
            if died {
                // The row died at death time je - 1: its own increment there is the dying one.
                let j = je - 1;
                lam += st.dl_dead[j] - st.dl[j];
                for (q, aq) in a.iter_mut().enumerate() {
                    *aq += st.a_dead[j * p + q] - st.a[j * p + q];
                }
                sch_rows.push(i as u32);
                schoenfeld.extend((0..p).map(|q| x[q] - st.abar[j * p + q]));
                sch_time.push(t);
                sch_stratum.push(s as u32);
            }
            martingale[i] = if died { 1.0 } else { 0.0 } - r * lam;
            for q in 0..p {
                let mut u = -r * (x[q] * lam - a[q]);
                if died {
                    u += x[q] - st.abar[(je - 1) * p + q];
                }
                score[i * p + q] = u;
            }
        }
    }
    Residuals {
        martingale,
        score,
        schoenfeld,
        schoenfeld_rows: sch_rows,
        schoenfeld_time: sch_time,
        schoenfeld_stratum: sch_stratum,
    }
}

/// Baseline cumulative hazard per stratum at every distinct exit time, for covariates at zero
/// and the offset at its mean (R's `basehaz(fit, centered = FALSE)`).
#[derive(Debug, Clone)]
pub struct Baseline {
    pub stratum: Vec<u32>,
    pub time: Vec<f64>,
    pub cumhaz: Vec<f64>,
}

pub fn baseline_prepared(prep: &Prepared, coef: &[f64]) -> Baseline {
    let d = &prep.inp.data;
    let inc = increments(prep, &prep.eta_sorted(coef));
    // Increments are on the centred scale; covariates at zero multiply them by exp(-means' beta).
    // An offset is taken at its mean, as R's survfit.coxph does.
    let n = d.len() as f64;
    let mean_offset = prep.inp.offset.map_or(0.0, |o| o.iter().sum::<f64>() / n);
    let shift: f64 = (mean_offset - prep.means.iter().zip(coef).map(|(m, b)| m * b).sum::<f64>()).exp();
    let mut out = Baseline { stratum: vec![], time: vec![], cumhaz: vec![] };
    for s in 0..prep.blocks.n_blocks() {
        let (ex, _) = prep.blocks.block(s);
        let st = &inc[s];
        let (mut h, mut j) = (0.0, 0usize);
        let mut last = f64::NAN;
        for &i in ex {
            let t = d.exit[i as usize];
            if t == last {
                continue;
            }
            last = t;
            while j < st.time.len() && st.time[j] <= t {
                h += st.dl[j];
                j += 1;
            }
            out.stratum.push(s as u32);
            out.time.push(t);
            out.cumhaz.push(h * shift);
        }
    }
    out
}

/// Robust (sandwich) variance from dfbeta residuals, as R's `coxph(robust = TRUE)` and
/// `cluster()`: `D = w * (score residuals) var`, summed within clusters, then `D' D`.
pub fn robust_var(res: &Residuals, var: &[f64], p: usize, w: impl Fn(usize) -> f64, cluster: Option<(&[u32], usize)>) -> Vec<f64> {
    let n = res.martingale.len();
    let n_groups = cluster.map_or(n, |c| c.1);
    let mut sums = vec![0.0; n_groups * p];
    for i in 0..n {
        let g = cluster.map_or(i, |c| c.0[i] as usize);
        let wi = w(i);
        for k in 0..p {
            let dfb: f64 = (0..p).map(|l| res.score[i * p + l] * var[l * p + k]).sum();
            sums[g * p + k] += wi * dfb;
        }
    }
    let mut out = vec![0.0; p * p];
    for g in 0..n_groups {
        for a in 0..p {
            for b in 0..p {
                out[a * p + b] += sums[g * p + a] * sums[g * p + b];
            }
        }
    }
    out
}
