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
    dl_dead: Vec<f64>,
    /// Increments of A (p per death time), the dying rows' correction A_D - A, and the mean
    /// covariates over the tie steps (for the Schoenfeld part).
    a: Vec<f64>,
    corr: Vec<f64>,
    abar: Vec<f64>,
}

/// Reverses the order of the p-long rows of `v` in place.
fn reverse_rows(v: &mut [f64], p: usize) {
    let m = v.len() / p.max(1);
    for i in 0..m / 2 {
        let (head, tail) = v.split_at_mut((m - 1 - i) * p);
        head[i * p..(i + 1) * p].swap_with_slice(&mut tail[..p]);
    }
}

/// Hazard increments per stratum (ascending time), from one sweep at the fitted coefficients
/// (`eta` per sorted position). The tie steps enter through scalar sums only:
/// with mean_k = (S1 + f_k D1) / den_k, A = q0 S1 + q1 D1, A_D = q1 S1 + q2 D1, where
/// q_j = sum_k wbar f_k^j / den_k^2.
fn increments(prep: &Prepared, eta: &[f64]) -> Vec<Steps> {
    let p = prep.inp.p;
    let ns = prep.blocks.n_blocks();
    let mut out: Vec<Steps> = (0..ns)
        .map(|_| Steps { time: vec![], dl: vec![], dl_dead: vec![], a: vec![], corr: vec![], abar: vec![] })
        .collect();
    prep.sweep(eta, false, |dt| {
        let st = &mut out[dt.stratum];
        let steps = prep.steps(dt.ndead);
        let m = steps.len() as f64;
        let wbar = dt.deadwt / m;
        let (mut dl, mut dld, mut q0, mut q1, mut q2, mut r0, mut r1) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for f in steps {
            let denom = dt.s0 + f * dt.d0;
            dl += wbar / denom;
            dld += f * wbar / denom;
            let w2 = wbar / (denom * denom);
            q0 += w2;
            q1 += f * w2;
            q2 += f * f * w2;
            r0 += 1.0 / (denom * m);
            r1 += f / (denom * m);
        }
        st.time.push(dt.time);
        st.dl.push(dl);
        st.dl_dead.push(dld);
        for (&s1, &d1) in dt.s1.iter().zip(dt.d1) {
            let a = q0 * s1 + q1 * d1;
            st.a.push(a);
            st.corr.push(q1 * s1 + q2 * d1 - a);
            st.abar.push(r0 * s1 + r1 * d1);
        }
    });
    // The sweep runs backwards in time; put each stratum in ascending order.
    for st in &mut out {
        st.time.reverse();
        st.dl.reverse();
        st.dl_dead.reverse();
        reverse_rows(&mut st.a, p);
        reverse_rows(&mut st.corr, p);
        reverse_rows(&mut st.abar, p);
    }
    out
}

/// Walks the rows in sorted order (strata in turn, time ascending) and hands each its martingale
/// and score residual (p values, centred covariates) and, for an event, its Schoenfeld residual:
/// `f(position, died, martingale, score, schoenfeld)`.
fn for_each_residual(prep: &Prepared, coef: &[f64], mut f: impl FnMut(usize, bool, f64, &[f64], &[f64])) {
    let p = prep.inp.p;
    let d = &prep.inp.data;
    let eta_s = prep.eta_sorted(coef);
    let mut inc = increments(prep, &eta_s);
    let (mut a, mut u, mut sch) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
    for (s, st) in inc.iter_mut().enumerate() {
        // Cumulative L and A through each death time of the stratum (A in place of its
        // increments: one m x p array less).
        let m = st.time.len();
        let cl: Vec<f64> = st.dl.iter().scan(0.0, |c, &x| {
            *c += x;
            Some(*c)
        }).collect();
        for j in 1..m {
            for q in 0..p {
                st.a[j * p + q] += st.a[(j - 1) * p + q];
            }
        }
        let (st, ca) = (&*st, &st.a);
        let mut je = 0;
        for k in prep.block_off[s]..prep.block_off[s + 1] {
            let t = prep.ts[k];
            while je < m && st.time[je] <= t {
                je += 1;
            }
            let r = eta_s[k].exp();
            // Not at risk at a death time equal to its entry.
            let js = d.entry.map_or(0, |e| st.time.partition_point(|&v| v <= e[prep.order[k] as usize]));
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
                for q in 0..p {
                    a[q] += st.corr[j * p + q];
                    sch[q] = x[q] - st.abar[j * p + q];
                }
            }
            for q in 0..p {
                u[q] = -r * (x[q] * lam - a[q]) + if died { sch[q] } else { 0.0 };
            }
            f(k, died, if died { 1.0 } else { 0.0 } - r * lam, &u, &sch);
        }
    }
}

/// Martingale, score and Schoenfeld residuals at the fitted coefficients.
pub fn residuals_prepared(prep: &Prepared, coef: &[f64]) -> Residuals {
    let p = prep.inp.p;
    let n = prep.inp.data.len();
    let mut out = Residuals {
        martingale: vec![0.0; n],
        score: vec![0.0; n * p],
        schoenfeld: Vec::new(),
        schoenfeld_rows: Vec::new(),
        schoenfeld_time: Vec::new(),
        schoenfeld_stratum: Vec::new(),
    };
    let mut stratum = 0;
    for_each_residual(prep, coef, |k, died, mart, u, sch| {
        while k >= prep.block_off[stratum + 1] {
            stratum += 1;
        }
        let i = prep.order[k] as usize;
        out.martingale[i] = mart;
        out.score[i * p..(i + 1) * p].copy_from_slice(u);
        if died {
            out.schoenfeld.extend_from_slice(sch);
            out.schoenfeld_rows.push(i as u32);
            out.schoenfeld_time.push(prep.ts[k]);
            out.schoenfeld_stratum.push(stratum as u32);
        }
    });
    out
}

/// Robust (sandwich) variance, as R's `coxph(robust = TRUE)` and `cluster()`: with
/// `D_i = w_i (score residual_i) var`, summed within clusters, `D' D`. Streams over the rows:
/// no n x p residual matrix is kept.
pub fn robust_var_prepared(prep: &Prepared, coef: &[f64], var: &[f64], cluster: Option<(&[u32], usize)>) -> Vec<f64> {
    let p = prep.inp.p;
    let mut out = vec![0.0; p * p];
    let mut sums = cluster.map(|c| vec![0.0; c.1 * p]);
    let mut dfb = vec![0.0; p];
    for_each_residual(prep, coef, |k, _, _, u, _| {
        let i = prep.order[k] as usize;
        let wi = prep.ws[k];
        for (q, dq) in dfb.iter_mut().enumerate() {
            *dq = wi * (0..p).map(|l| u[l] * var[l * p + q]).sum::<f64>();
        }
        match (&mut sums, cluster) {
            (Some(s), Some((codes, _))) => {
                let g = codes[i] as usize;
                for q in 0..p {
                    s[g * p + q] += dfb[q];
                }
            }
            _ => {
                for a in 0..p {
                    for b in 0..p {
                        out[a * p + b] += dfb[a] * dfb[b];
                    }
                }
            }
        }
    });
    if let (Some(s), Some((_, g))) = (sums, cluster) {
        for c in 0..g {
            for a in 0..p {
                for b in 0..p {
                    out[a * p + b] += s[c * p + a] * s[c * p + b];
                }
            }
        }
    }
    out
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
/// The baseline cumulative hazard (covariates at zero, no offset) of each stratum at each of
/// `times` (strata x times, row-major), at `coef` with weights `ws` and multiplicities `mult` per
/// sorted position (a bootstrap replicate's; see [`Prepared::sweep_with`]). The hazard
/// increments are summed in the order [`baseline_prepared`] sums them, so with the fit's own
/// weights the values are the same, bit for bit.
pub fn baseline_at_times(prep: &Prepared, coef: &[f64], ws: &[f64], mult: Option<&[f64]>, times: &[f64]) -> Vec<f64> {
    let ns = prep.blocks.n_blocks();
    let mut steps: Vec<Vec<(f64, f64)>> = vec![Vec::new(); ns];
    prep.sweep_with(&prep.eta_sorted(coef), ws, mult, false, |dt| {
        let fs = prep.steps(dt.ndead);
        let wbar = dt.deadwt / fs.len() as f64;
        let dl: f64 = fs.map(|f| wbar / (dt.s0 + f * dt.d0)).sum();
        steps[dt.stratum].push((dt.time, dl));
    });
    let shift = (-prep.means.iter().zip(coef).map(|(m, b)| m * b).sum::<f64>()).exp();
    let mut out = vec![0.0; ns * times.len()];
    for (s, st) in steps.iter_mut().enumerate() {
        st.reverse();
        let cum: Vec<f64> = st.iter().scan(0.0, |h, &(_, dl)| {
            *h += dl;
            Some(*h)
        }).collect();
        for (j, &t) in times.iter().enumerate() {
            let k = st.partition_point(|x| x.0 <= t);
            out[s * times.len() + j] = if k == 0 { 0.0 } else { cum[k - 1] * shift };
        }
    }
    out
}

