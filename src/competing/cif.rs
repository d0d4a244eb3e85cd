//! The Aalen-Johansen estimate of the cumulative incidence of each cause, with the
//! infinitesimal-jackknife standard error that R's `survfit` gives for a multi-state outcome
//! (`Surv(time, factor(status))`), for groups, delayed entry and case weights.
//!
//! With n_j at risk, d_j events of any cause and d_kj of cause k at the distinct times t_j, and
//! S the all-cause Kaplan-Meier: `F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j`. The influence of
//! row i (a derivative in its weight) is accumulated time by time:
//! `I_ik(j) = I_ik(j-1) + P_kj a_i(j-1) + [i has cause k at j] S(t_j-) / n_j - Y_ij Q_kj`, with
//! `P_kj = S(t_j-) d_kj / n_j`, `Q_kj = P_kj / n_j` and `a_i` the all-cause Kaplan-Meier
//! log-influence; `var F_k(t_j) = sum_i (w_i I_ik(j))^2`. This is O(n m K) for m distinct times:
//! fast for monthly register data.

use crate::error::{Error, Field, Result};
use crate::nonparametric::risk::Blocks;
use crate::SurvData;

/// Curves of one group: per distinct time, the counts and per cause the incidence and its se.
#[derive(Debug, Clone, Default)]
pub struct CifCurve {
    pub time: Vec<f64>,
    pub n_risk: Vec<f64>,
    pub n_event: Vec<f64>,
    pub n_censor: Vec<f64>,
    /// Row-major m x K: events of each cause, incidence and its standard error.
    pub n_cause: Vec<f64>,
    pub cif: Vec<f64>,
    pub se: Vec<f64>,
}

/// Validates cause codes 0..=k (0 = censored) given as numbers; every cause 1..=k must occur.
pub fn cause_codes(values: &[f64]) -> Result<(Vec<u8>, usize)> {
    let mut out = Vec::with_capacity(values.len());
    let mut k = 0usize;
    for (row, &v) in values.iter().enumerate() {
        if !(v >= 0.0 && v <= 250.0 && v == v.trunc()) {
            return Err(Error::InvalidValue { field: Field::Event, row, reason: "cause is not a whole number 0 (censored), 1, 2, ..." });
        }
        k = k.max(v as usize);
        out.push(v as u8);
    }
    if k == 0 {
        return Err(Error::Degenerate("there are no events of any cause".into()));
    }
    let mut seen = vec![false; k + 1];
    out.iter().for_each(|&c| seen[c as usize] = true);
    if let Some(c) = (1..=k).find(|&c| !seen[c]) {
        return Err(Error::Degenerate(format!("cause {c} has no events: causes must be numbered 1..k without gaps")));
    }
    Ok((out, k))
}

/// One curve per group. `data.event` holds 0/1 (any event) and `cause` the cause codes.
pub fn cumulative_incidence(data: &SurvData, cause: &[u8], k: usize) -> Vec<CifCurve> {
    cumulative_incidence_sorted(data, cause, k, &Blocks::new(data, data.group, data.n_groups))
}

/// As [`cumulative_incidence`] with the rows already sorted per group (`blocks` from the same
/// times and groups; the weights may differ): a bootstrap replicate sweeps the sorted rows with
/// its weights instead of sorting again.
pub fn cumulative_incidence_sorted(data: &SurvData, cause: &[u8], k: usize, blocks: &Blocks) -> Vec<CifCurve> {
    (0..blocks.n_blocks())
        .map(|g| {
            let (ex, en) = blocks.block(g);
            curve(data, cause, k, ex, en)
        })
        .collect()
}

fn curve(data: &SurvData, cause: &[u8], k: usize, by_exit: &[u32], by_entry: Option<&[u32]>) -> CifCurve {
    let table = crate::nonparametric::risk::RiskTable::build(data, data.weight, by_exit, by_entry);
    let m = table.len();
    let w = |i: usize| data.w(i);
    // Position of each row's exit (and entry) among the distinct times.
    // `by_exit` is sorted by exit: walk the distinct times alongside. A row of weight 0 (not
    // drawn in a bootstrap replicate) may sit at a time the table does not hold: no position.
    let mut pos = Vec::with_capacity(by_exit.len());
    let mut j = 0usize;
    for &i in by_exit {
        let t = data.exit[i as usize];
        while j < m && table.time[j] < t {
            j += 1;
        }
        pos.push(if j < m && table.time[j] == t { j as u32 } else { u32::MAX });
    }
    let mut n_cause = vec![0.0; m * k];
    for (r, &i) in by_exit.iter().enumerate() {
        let i = i as usize;
        if cause[i] > 0 && w(i) > 0.0 && pos[r] != u32::MAX {
            n_cause[pos[r] as usize * k + cause[i] as usize - 1] += w(i);
        }
    }
    // All-cause KM before each time, the KM log-influence increments, and per cause P and Q.
    let mut s_before = vec![0.0; m];
    let mut g = vec![0.0; m];
    let mut inv_nd = vec![0.0; m];
    let mut s = 1.0;
    for j in 0..m {
        let (n, d) = (table.n_risk[j], table.n_event[j]);
        s_before[j] = s;
        if n - d > 0.0 {
            g[j] = d / (n * (n - d));
            inv_nd[j] = 1.0 / (n - d);
        }
        if d > 0.0 {
            s *= (n - d) / n;
        }
    }
    let mut cif = vec![0.0; m * k];
    let mut p = vec![0.0; m * k];
    for c in 0..k {
        let mut f = 0.0;
        for j in 0..m {
            let inc = s_before[j] * n_cause[j * k + c] / table.n_risk[j];
            p[j * k + c] = inc;
            f += inc;
            cif[j * k + c] = f;
        }
    }
    let rows: Vec<IjRow> = by_exit
        .iter()
        .enumerate()
        .filter(|&(r, &i)| w(i as usize) > 0.0 && pos[r] != u32::MAX)
        .map(|(r, &i)| {
            let i = i as usize;
            let e = data.entry.map_or(0, |en| table.time.partition_point(|&t| t <= en[i]));
            IjRow { x: pos[r] as usize, e, cause: cause[i], event: data.event[i] == 1, w2: w(i) * w(i) }
        })
        .collect();
    let var = ij_variance(&rows, m, k, &table.n_risk, &s_before, &g, &inv_nd, &p);
    CifCurve {
        time: table.time.clone(),
        n_risk: table.n_risk.clone(),
        n_event: table.n_event.clone(),
        n_censor: table.n_censor.clone(),
        n_cause,
        cif,
        se: var.iter().map(|v| v.sqrt()).collect(),
    }
}

/// One row for the infinitesimal-jackknife variance: exit and entry positions among the distinct
/// times, cause (0 censored), whether it is an event, squared case weight.
#[derive(Debug, Clone, Copy)]
struct IjRow {
    x: usize,
    e: usize,
    cause: u8,
    event: bool,
    w2: f64,
}

/// The infinitesimal-jackknife variance of the cumulative incidence (R's survfit), in
/// O((n + m) K). A row's influence on cause c at time j is, while it is at risk (e <= j < x),
/// `U_c(j) - gamma P_c(j) + delta_c` and from its exit on `beta_c + alpha P_c(j)` (P_c the
/// incidence, U_c, gamma, delta_c, alpha, beta_c running sums of the Aalen-Johansen increments
/// and the Kaplan-Meier log-influence); the sum of squares over rows then needs, per time, only
/// running sums of the rows' coefficients.
#[allow(clippy::too_many_arguments)]
fn ij_variance(rows: &[IjRow], m: usize, k: usize, n_risk: &[f64], s_before: &[f64], g: &[f64], inv_nd: &[f64], p: &[f64]) -> Vec<f64> {
    // cumulative sums over times (index j holds the sum through j)
    let mut gc = vec![0.0; m];
    let mut pc = vec![0.0; m * k];
    let mut qc = vec![0.0; m * k];
    let mut rc = vec![0.0; m * k];
    let (mut gs, mut ps, mut qs, mut rs) = (0.0, vec![0.0; k], vec![0.0; k], vec![0.0; k]);
    for j in 0..m {
        for c in 0..k {
            let pj = p[j * k + c];
            ps[c] += pj;
            qs[c] += pj * gs; // G(j - 1)
            rs[c] += pj / n_risk[j];
            pc[j * k + c] = ps[c];
            qc[j * k + c] = qs[c];
            rc[j * k + c] = rs[c];
        }
        gs += g[j];
        gc[j] = gs;
    }
    let at = |v: &[f64], j: usize, c: usize| v[j * k + c];
    let before = |v: &[f64], e: usize, c: usize| if e == 0 { 0.0 } else { v[(e - 1) * k + c] };
    // at-risk sums, as differences added at entry and removed at exit
    let mut d_s0 = vec![0.0; m + 1];
    let mut d_sg = vec![0.0; m + 1];
    let mut d_sgg = vec![0.0; m + 1];
    let mut d_sd = vec![0.0; (m + 1) * k];
    let mut d_sdd = vec![0.0; (m + 1) * k];
    let mut d_sgd = vec![0.0; (m + 1) * k];
    // exited sums, added at exit
    let mut a_a2 = vec![0.0; m];
    let mut a_b2 = vec![0.0; m * k];
    let mut a_ba = vec![0.0; m * k];
    for r in rows {
        let (x, e, w2) = (r.x, r.e, r.w2);
        let gamma = if e == 0 { 0.0 } else { gc[e - 1] };
        let alpha = gc[x] - gamma - if r.event { inv_nd[x] } else { 0.0 };
        if e < x {
            d_s0[e] += w2;
            d_s0[x] -= w2;
            d_sg[e] += w2 * gamma;
            d_sg[x] -= w2 * gamma;
            d_sgg[e] += w2 * gamma * gamma;
            d_sgg[x] -= w2 * gamma * gamma;
        }
        a_a2[x] += w2 * alpha * alpha;
        for c in 0..k {
            let delta = -before(&qc, e, c) + gamma * before(&pc, e, c) + before(&rc, e, c);
            if e < x {
                d_sd[e * k + c] += w2 * delta;
                d_sd[x * k + c] -= w2 * delta;
                d_sdd[e * k + c] += w2 * delta * delta;
                d_sdd[x * k + c] -= w2 * delta * delta;
                d_sgd[e * k + c] += w2 * gamma * delta;
                d_sgd[x * k + c] -= w2 * gamma * delta;
            }
            let u = at(&qc, x, c) - at(&rc, x, c);
            let mut infl = u - gamma * at(&pc, x, c) + delta;
            if r.cause as usize == c + 1 {
                infl += s_before[x] / n_risk[x];
            }
            let beta = infl - alpha * at(&pc, x, c);
            a_b2[x * k + c] += w2 * beta * beta;
            a_ba[x * k + c] += w2 * beta * alpha;
        }
    }
    let mut var = vec![0.0; m * k];
    let (mut s0, mut sg, mut sgg) = (0.0, 0.0, 0.0);
    let (mut sd, mut sdd, mut sgd) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
    let (mut a2, mut b2, mut ba) = (0.0, vec![0.0; k], vec![0.0; k]);
    for j in 0..m {
        s0 += d_s0[j];
        sg += d_sg[j];
        sgg += d_sgg[j];
        a2 += a_a2[j];
        for c in 0..k {
            sd[c] += d_sd[j * k + c];
            sdd[c] += d_sdd[j * k + c];
            sgd[c] += d_sgd[j * k + c];
            b2[c] += a_b2[j * k + c];
            ba[c] += a_ba[j * k + c];
            let (u, pj) = (at(&qc, j, c) - at(&rc, j, c), at(&pc, j, c));
            let risk = u * u * s0 + pj * pj * sgg + sdd[c] - 2.0 * u * pj * sg + 2.0 * u * sd[c] - 2.0 * pj * sgd[c];
            let gone = b2[c] + 2.0 * pj * ba[c] + pj * pj * a2;
            var[j * k + c] = (risk + gone).max(0.0);
        }
    }
    var
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows sorted once and swept with other weights (a bootstrap replicate, zeros included)
    /// give the curves of sorting with those weights.
    #[test]
    fn presorted_rows_give_the_same_curves() {
        let exit = [3.0, 1.0, 2.0, 2.0, 5.0, 4.0, 1.5, 6.0, 2.5, 3.5];
        let entry = [0.0, 0.0, 0.5, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0];
        let event = [1u8, 1, 0, 1, 1, 0, 1, 1, 0, 1];
        let cause = [1u8, 2, 0, 1, 2, 0, 1, 1, 0, 2];
        let group = [0u32, 1, 0, 1, 0, 1, 0, 1, 0, 1];
        let w = [1.0, 0.0, 2.0, 1.0, 3.0, 0.0, 1.0, 2.0, 1.0, 1.0];
        for en in [None, Some(&entry[..])] {
            let d = SurvData::new(&exit, &event, en, None).unwrap().with_groups(&group, 2).unwrap();
            let blocks = Blocks::new(&d, d.group, 2);
            let mut dw = d;
            dw.weight = Some(&w);
            let a = cumulative_incidence(&dw, &cause, 2);
            let b = cumulative_incidence_sorted(&dw, &cause, 2, &blocks);
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.time, y.time);
                assert_eq!(x.cif, y.cif);
                assert_eq!(x.se, y.se);
            }
        }
    }


    /// The direct O(n m K) recursion of the influence, row by row: the oracle for the sweep.
    fn ij_direct(rows: &[IjRow], m: usize, k: usize, n_risk: &[f64], s_before: &[f64], g: &[f64], inv_nd: &[f64], p: &[f64]) -> Vec<f64> {
        let mut var = vec![0.0; m * k];
        for r in rows {
            let mut a = 0.0;
            let mut infl = vec![0.0; k];
            for j in r.e..m {
                let at_risk = j <= r.x;
                for c in 0..k {
                    let mut v = infl[c] + p[j * k + c] * a;
                    if at_risk {
                        v -= p[j * k + c] / n_risk[j];
                    }
                    if j == r.x && r.cause as usize == c + 1 {
                        v += s_before[j] / n_risk[j];
                    }
                    infl[c] = v;
                    var[j * k + c] += r.w2 * v * v;
                }
                if at_risk {
                    a += g[j];
                    if j == r.x && r.event {
                        a -= inv_nd[j];
                    }
                }
            }
        }
        var
    }

    #[test]
    fn the_sweep_equals_the_direct_recursion() {
        let mut state = 99u64;
        let mut u = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (m, k) = (12usize, 2usize);
        let rows: Vec<IjRow> = (0..300)
            .map(|_| {
                let x = (u() * m as f64) as usize;
                let e = if u() < 0.3 { (u() * (x + 1) as f64) as usize } else { 0 };
                let c = (u() * 3.0) as u8;
                IjRow { x, e: e.min(x), cause: c, event: c > 0, w2: 0.5 + u() }
            })
            .collect();
        let n_risk: Vec<f64> = (0..m).map(|j| 300.0 - 20.0 * j as f64).collect();
        let s_before: Vec<f64> = (0..m).map(|j| 1.0 - 0.05 * j as f64).collect();
        let g: Vec<f64> = (0..m).map(|j| 0.001 * (1 + j % 3) as f64).collect();
        let inv_nd: Vec<f64> = (0..m).map(|j| 1.0 / (280.0 - 20.0 * j as f64)).collect();
        let p: Vec<f64> = (0..m * k).map(|q| 0.01 + 0.002 * (q % 5) as f64).collect();
        let fast = ij_variance(&rows, m, k, &n_risk, &s_before, &g, &inv_nd, &p);
        let slow = ij_direct(&rows, m, k, &n_risk, &s_before, &g, &inv_nd, &p);
        for (a, b) in fast.iter().zip(&slow) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-12), "{a} vs {b}");
        }
    }

    // R 4.2.2, survival 3.5-3: survfit(Surv(t, factor(s)) ~ 1); std.err at the 8 distinct times.
    #[test]
    fn test_r_survfit_multistate() {
        let t = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0, 7.0, 8.0];
        let s = [1.0, 2.0, 0.0, 1.0, 0.0, 2.0, 1.0, 1.0, 0.0, 2.0];
        let (cause, k) = cause_codes(&s).unwrap();
        let ev: Vec<u8> = cause.iter().map(|&c| (c > 0) as u8).collect();
        let d = SurvData::new(&t, &ev, None, None).unwrap();
        let c = &cumulative_incidence(&d, &cause, k)[0];
        let want_cif1 = [0.1, 0.1, 0.2142857143, 0.2142857143, 0.3514285714, 0.4885714286, 0.4885714286, 0.4885714286];
        let want_se1 = [0.09486833, 0.09486833, 0.13504130, 0.13504130, 0.16662347, 0.17777340, 0.17777340, 0.17777340];
        let want_se2 = [0.0, 0.09486833, 0.09486833, 0.09486833, 0.14906942, 0.14906942, 0.14906942, 0.17777340];
        for j in 0..8 {
            assert!((c.cif[j * 2] - want_cif1[j]).abs() < 1e-9, "cif {j}");
            assert!((c.se[j * 2] - want_se1[j]).abs() < 1e-8, "se1 {j}: {}", c.se[j * 2]);
            assert!((c.se[j * 2 + 1] - want_se2[j]).abs() < 1e-8, "se2 {j}: {}", c.se[j * 2 + 1]);
        }
    }
}
