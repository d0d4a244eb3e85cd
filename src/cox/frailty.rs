//! The Cox log partial likelihood with one log-frailty per cluster, and the derivatives that a
//! sparse (R-style) penalised Newton iteration needs: the score for the coefficients and for the
//! frailties, the coefficient information, the coefficient-frailty cross information and the
//! diagonal of the frailty information. The frailty columns are cluster indicators, never stored:
//! their sums are kept per cluster while the risk sets are swept, so a term for 350
//! municipalities costs O(n p^2 + K G p) per evaluation (K event times) instead of the
//! O(n (p + G)^2) of a dense design. Efron or Breslow ties, strata, case weights and
//! (entry, exit] data, as [`crate::cox::Prepared::evaluate`].

use crate::data::SurvData;
use crate::error::{Error, Result};
use crate::linalg::WeightedGram;

use super::fit::Ties;

/// The frailty evaluation at (beta, w).
#[derive(Debug, Clone)]
pub struct FrailtyEval {
    pub loglik: f64,
    pub u_beta: Vec<f64>,
    pub u_w: Vec<f64>,
    /// p x p, row-major.
    pub i_bb: Vec<f64>,
    /// p x G, row-major.
    pub i_bw: Vec<f64>,
    /// The diagonal of the G x G frailty information.
    pub i_ww: Vec<f64>,
}

/// Evaluates the partial likelihood of `x beta + w[group]` (`x` row-major n x p).
#[allow(clippy::too_many_arguments)]
pub fn frailty_eval(
    data: &SurvData,
    x: &[f64],
    p: usize,
    group: &[u32],
    n_groups: usize,
    beta: &[f64],
    w: &[f64],
    ties: Ties,
) -> Result<FrailtyEval> {
    let n = data.len();
    if x.len() != n * p || group.len() != n || beta.len() != p || w.len() != n_groups {
        return Err(Error::InvalidArgument("frailty evaluation: inconsistent lengths".into()));
    }
    if group.iter().any(|&g| g as usize >= n_groups) {
        return Err(Error::InvalidArgument("frailty codes out of range".into()));
    }
    let g_n = n_groups;
    // centred covariates (the likelihood does not change; the sums stay small)
    let mut mean = vec![0.0; p];
    for i in 0..n {
        for k in 0..p {
            mean[k] += x[i * p + k] / n as f64;
        }
    }
    let xcv: Vec<f64> = (0..n * p).map(|j| x[j] - mean[j % p]).collect();
    let xc = |i: usize, k: usize| xcv[i * p + k];
    let eta: Vec<f64> = (0..n).map(|i| (0..p).map(|k| xc(i, k) * beta[k]).sum::<f64>() + w[group[i] as usize]).collect();
    let risk: Vec<f64> = eta.iter().enumerate().map(|(i, e)| data.w(i) * e.exp()).collect();
    let stratum = |i: usize| data.strata.map_or(0, |s| s[i]);
    // rows by stratum, exit descending; and by stratum, entry descending (to leave the risk set)
    let order = |t: &[f64]| -> Vec<usize> {
        let mut keyed: Vec<(u32, f64, u32)> = (0..n).map(|i| (stratum(i), t[i], i as u32)).collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
        keyed.into_iter().map(|k| k.2 as usize).collect()
    };
    let by_exit = order(data.exit);
    let by_entry: Vec<usize> = data.entry.map_or_else(Vec::new, order);
    let mut out = FrailtyEval {
        loglik: 0.0,
        u_beta: vec![0.0; p],
        u_w: vec![0.0; g_n],
        i_bb: vec![0.0; p * p],
        i_bw: vec![0.0; p * g_n],
        i_ww: vec![0.0; g_n],
    };
    // Risk-set sums: S0, S1 (p), S2 (p x p); per group S0_g and S1_g (G x p). A group's sums
    // change only when its rows join or leave the risk set; between changes its contributions
    // are its sums times the change of running totals over event times (sum of the hazard
    // increments dl, of q0 and of A = q0 S1 + q1 D1), added ("flushed") at the next change.
    // Each event time then costs O(p^2 + p * groups with a death there), not O(G p).
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; p];
    let mut g0 = vec![0.0; g_n];
    // The information's first part, sum_t (dl S2 + dld D2), is gathered per row instead of per
    // event time: sum_i r_i H_i x_i x_i' with H_i the sum of dl over the event times at which row
    // i is at risk (and dld at its own event time); `h[i]` collects it (minus c_dl when the row
    // joins, plus c_dl when it leaves), so the sweep keeps no running x x' sums.
    let mut h = vec![0.0; n];
    let mut gone = vec![false; n];
    let mut minus = WeightedGram::new(p);
    let mut g1 = vec![0.0; g_n * p];
    let (mut c_dl, mut c_q0) = (0.0, 0.0);
    let mut c_a = vec![0.0; p];
    let mut last_dl = vec![0.0; g_n];
    let mut last_q0 = vec![0.0; g_n];
    let mut last_a = vec![0.0; g_n * p];
    let mut touched: Vec<usize> = Vec::new(); // groups with deaths at the current time
    let mut d1 = vec![0.0; p];
    let mut dg0 = vec![0.0; g_n];
    let mut dg1 = vec![0.0; g_n * p];

    struct Run<'b> {
        c_dl: f64,
        c_q0: f64,
        c_a: &'b [f64],
    }
    #[allow(clippy::too_many_arguments)]
    fn flush(g: usize, p: usize, g_n: usize, run: &Run, g0: &[f64], g1: &[f64], last_dl: &mut [f64], last_q0: &mut [f64], last_a: &mut [f64], out: &mut FrailtyEval) {
        let (ddl, dq0) = (run.c_dl - last_dl[g], run.c_q0 - last_q0[g]);
        let z = g0[g];
        if z != 0.0 {
            out.u_w[g] -= z * ddl;
            out.i_ww[g] += z * ddl - z * z * dq0;
            for k in 0..p {
                out.i_bw[k * g_n + g] += g1[g * p + k] * ddl - z * (run.c_a[k] - last_a[g * p + k]);
            }
        }
        last_dl[g] = run.c_dl;
        last_q0[g] = run.c_q0;
        last_a[g * p..(g + 1) * p].copy_from_slice(run.c_a);
    }

    let mut a = 0usize; // position in by_exit
    let mut stratum_start = 0usize;
    let mut e_pos = 0usize; // position in by_entry
    let mut cur_stratum = u32::MAX;
    let mut mean_w = vec![0.0; p];
    while a <= n {
        let st = if a < n { stratum(by_exit[a]) } else { u32::MAX - 1 };
        if st != cur_stratum {
            // a new stratum (or the end): settle every group, then start from empty risk sets
            if cur_stratum != u32::MAX {
                let run = Run { c_dl, c_q0, c_a: &c_a };
                for g in 0..g_n {
                    flush(g, p, g_n, &run, &g0, &g1, &mut last_dl, &mut last_q0, &mut last_a, &mut out);
                }
                // rows of the stratum still at risk leave at its end
                for &i in &by_exit[stratum_start..a] {
                    if !gone[i] {
                        h[i] += c_dl;
                    }
                }
            }
            stratum_start = a;
            if a == n {
                break;
            }
            cur_stratum = st;
            s0 = 0.0;
            s1.iter_mut().for_each(|v| *v = 0.0);
            g0.iter_mut().for_each(|v| *v = 0.0);
            g1.iter_mut().for_each(|v| *v = 0.0);
            c_dl = 0.0;
            c_q0 = 0.0;
            c_a.iter_mut().for_each(|v| *v = 0.0);
            last_dl.iter_mut().for_each(|v| *v = 0.0);
            last_q0.iter_mut().for_each(|v| *v = 0.0);
            last_a.iter_mut().for_each(|v| *v = 0.0);
            while e_pos < by_entry.len() && stratum(by_entry[e_pos]) < st {
                e_pos += 1;
            }
        }
        let t = data.exit[by_exit[a]];
        let mut b = a;
        let (mut ndead, mut deadwt, mut dd0) = (0usize, 0.0, 0.0);
        d1.iter_mut().for_each(|v| *v = 0.0);
        for &g in &touched {
            dg0[g] = 0.0;
            dg1[g * p..(g + 1) * p].iter_mut().for_each(|v| *v = 0.0);
        }
        touched.clear();
        // one row joins (sign 1) or leaves (-1) the risk set
        let change = |i: usize, sign: f64, s0: &mut f64, s1: &mut [f64], g0: &mut [f64], g1: &mut [f64],
                          last_dl: &mut [f64], last_q0: &mut [f64], last_a: &mut [f64], out: &mut FrailtyEval, h: &mut [f64]| {
            let g = group[i] as usize;
            let run = Run { c_dl, c_q0, c_a: &c_a };
            flush(g, p, g_n, &run, g0, g1, last_dl, last_q0, last_a, out);
            let r = sign * risk[i];
            h[i] -= sign * c_dl;
            *s0 += r;
            g0[g] += r;
            let xi = &xcv[i * p..(i + 1) * p];
            for ((s, g1k), &x) in s1.iter_mut().zip(&mut g1[g * p..(g + 1) * p]).zip(xi) {
                *s += r * x;
                *g1k += r * x;
            }
        };
        while b < n && stratum(by_exit[b]) == st && data.exit[by_exit[b]] == t {
            let i = by_exit[b];
            change(i, 1.0, &mut s0, &mut s1, &mut g0, &mut g1, &mut last_dl, &mut last_q0, &mut last_a, &mut out, &mut h);
            if data.event[i] == 1 {
                let wi = data.w(i);
                let g = group[i] as usize;
                ndead += 1;
                deadwt += wi;
                dd0 += risk[i];
                if !touched.contains(&g) {
                    touched.push(g);
                }
                dg0[g] += risk[i];
                out.loglik += wi * eta[i];
                out.u_w[g] += wi;
                for k in 0..p {
                    let xk = xc(i, k);
                    out.u_beta[k] += wi * xk;
                    d1[k] += risk[i] * xk;
                    dg1[g * p + k] += risk[i] * xk;
                }
            }
            b += 1;
        }
        // rows that enter at or after t are not at risk at t (entry >= t means exit > t: the
        // row joined the risk set at a later time, already swept)
        if let Some(en) = data.entry {
            while e_pos < by_entry.len() && stratum(by_entry[e_pos]) == st && en[by_entry[e_pos]] >= t {
                change(by_entry[e_pos], -1.0, &mut s0, &mut s1, &mut g0, &mut g1, &mut last_dl, &mut last_q0, &mut last_a, &mut out, &mut h);
                gone[by_entry[e_pos]] = true;
                e_pos += 1;
            }
        }
        if ndead > 0 {
            let nsteps = match ties {
                Ties::Efron => ndead,
                Ties::Breslow | Ties::Exact => 1,
            };
            let wt = deadwt / nsteps as f64;
            let (mut dl, mut dld, mut q0, mut q1, mut q2) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for k in 0..nsteps {
                let f = if nsteps == 1 { 0.0 } else { -(k as f64) / ndead as f64 };
                let den = s0 + f * dd0;
                out.loglik -= wt * den.ln();
                dl += wt / den;
                dld += wt * f / den;
                let w2 = wt / (den * den);
                q0 += w2;
                q1 += f * w2;
                q2 += f * f * w2;
            }
            for k in 0..p {
                out.u_beta[k] -= dl * s1[k] + dld * d1[k];
                mean_w[k] = q0 * s1[k] + q1 * d1[k];
            }
            if nsteps == 1 {
                // one step (f = 0: q1 = q2 = 0): the rank-one q0 S1 S1', gathered in blocks
                minus.push(q0, &s1);
            } else {
                for k in 0..p {
                    for l in 0..=k {
                        out.i_bb[k * p + l] -= q0 * s1[k] * s1[l] + q1 * (s1[k] * d1[l] + d1[k] * s1[l]) + q2 * d1[k] * d1[l];
                    }
                }
            }
            // the deaths' own step: dld on top of the dl of every row at risk
            for &i in &by_exit[a..b] {
                if data.event[i] == 1 {
                    h[i] += dld;
                }
            }
            // the groups with deaths here: the parts that the running totals do not carry
            for &g in &touched {
                let (z, dz) = (g0[g], dg0[g]);
                out.u_w[g] -= dz * dld;
                out.i_ww[g] += dz * dld - (2.0 * z * dz * q1 + dz * dz * q2);
                for k in 0..p {
                    out.i_bw[k * g_n + g] += dg1[g * p + k] * dld - (s1[k] * dz * q1 + d1[k] * dz * q2);
                }
            }
            c_dl += dl;
            c_q0 += q0;
            for k in 0..p {
                c_a[k] += mean_w[k];
            }
        }
        a = b;
    }
    let mut plus = WeightedGram::new(p);
    for &i in &by_exit {
        if risk[i] != 0.0 {
            plus.push(risk[i] * h[i], &xcv[i * p..(i + 1) * p]);
        }
    }
    let (plus, minus) = (plus.finish(), minus.finish());
    for k in 0..p {
        for l in 0..=k {
            out.i_bb[k * p + l] += plus[k * p + l] - minus[k * p + l];
        }
    }
    for k in 0..p {
        for l in 0..k {
            out.i_bb[l * p + k] = out.i_bb[k * p + l];
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cox::{CoxInput, Prepared};

    /// The sparse derivatives equal those of the dense design [x, cluster indicators], with
    /// ties, delayed entry, weights and strata.
    #[test]
    fn equals_the_dense_indicator_design() {
        let n = 60;
        let (p, g_n) = (2usize, 4usize);
        let mut seed = 7u64;
        let mut rnd = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let exit: Vec<f64> = (0..n).map(|_| (1.0 + 8.0 * rnd()).ceil()).collect();
        let entry: Vec<f64> = exit.iter().map(|&e| if rnd() < 0.3 { (e - 1.0).max(0.0).floor() * rnd() } else { 0.0 }).map(f64::floor).collect();
        let event: Vec<u8> = (0..n).map(|_| (rnd() < 0.7) as u8).collect();
        let weight: Vec<f64> = (0..n).map(|_| 0.5 + rnd()).collect();
        let strata: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let group: Vec<u32> = (0..n).map(|i| ((i * 7) % g_n) as u32).collect();
        let x: Vec<f64> = (0..n * p).map(|_| rnd() - 0.5).collect();
        let (beta, w) = (vec![0.3, -0.2], vec![0.1, -0.4, 0.25, 0.0]);
        let q = p + g_n;
        let mut dense = vec![0.0; n * q];
        for i in 0..n {
            dense[i * q..i * q + p].copy_from_slice(&x[i * p..(i + 1) * p]);
            dense[i * q + p + group[i] as usize] = 1.0;
        }
        let coef: Vec<f64> = beta.iter().chain(&w).copied().collect();
        for ties in [Ties::Efron, Ties::Breslow] {
            let data = SurvData::new(&exit, &event, Some(&entry), Some(&weight)).unwrap().with_strata(&strata, 2).unwrap();
            let d = Prepared::new(CoxInput { data, x: &dense, p: q, offset: None }, ties).unwrap().evaluate(&coef);
            let data = SurvData::new(&exit, &event, Some(&entry), Some(&weight)).unwrap().with_strata(&strata, 2).unwrap();
            let f = frailty_eval(&data, &x, p, &group, g_n, &beta, &w, ties).unwrap();
            let close = |a: f64, b: f64| (a - b).abs() < 1e-10 * (1.0 + a.abs());
            assert!(close(d.loglik, f.loglik), "{ties:?} loglik");
            for k in 0..p {
                assert!(close(d.score[k], f.u_beta[k]));
                for l in 0..p {
                    assert!(close(d.info[k * q + l], f.i_bb[k * p + l]));
                }
                for g in 0..g_n {
                    assert!(close(d.info[k * q + p + g], f.i_bw[k * g_n + g]), "{ties:?} cross {k} {g}");
                }
            }
            for g in 0..g_n {
                assert!(close(d.score[p + g], f.u_w[g]));
                assert!(close(d.info[(p + g) * q + p + g], f.i_ww[g]), "{ties:?} diag {g}");
            }
        }
    }
}
