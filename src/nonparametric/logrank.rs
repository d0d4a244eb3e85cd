//! The k-sample log-rank test and its Fleming-Harrington family, as R's `survdiff`, extended to
//! delayed entry and case weights.
//!
//! At each distinct event time of a stratum, with `n_g` at risk and `d_g` events in group g
//! (`n`, `d` pooled) and weight `W = S(t-)^rho (1 - S(t-))^gamma` (S: the pooled left-continuous
//! Kaplan-Meier of the stratum):
//!
//! * observed `O_g += W d_g`, expected `E_g += W d n_g / n`
//! * `V_gh += W^2 d (n - d) / (n (n - 1)) n_g (delta_gh - n_h / n)`
//!
//! summed over strata; the statistic is `(O - E)' V^- (O - E)` over the groups with `E > 0`,
//! dropping the first of them, with that many groups minus one degrees of freedom. Weights count
//! as frequency weights (weight 2 = the row twice), so integer weights give R's answer on the
//! expanded data.

use super::grid::Grid;
use super::risk::{Blocks, RiskTable, SortedRecords};
use crate::data::SurvData;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, Default)]
pub struct LogrankOptions {
    pub rho: f64,
    pub gamma: f64,
    /// R's timefix of the exit times first (there must be no entry times: with them the caller
    /// fixes both columns together); on the sorted records where the data take that path.
    pub timefix: bool,
}

#[derive(Debug, Clone)]
pub struct LogrankResult {
    pub n_groups: usize,
    /// Observed (weighted by the FH weights, as R) per group, summed over strata.
    pub observed: Vec<f64>,
    pub expected: Vec<f64>,
    /// Row-major k x k variance matrix of O - E.
    pub var: Vec<f64>,
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
}

pub fn logrank(data: &SurvData, w: Option<&[f64]>, opts: &LogrankOptions) -> Result<LogrankResult> {
    let k = data.n_groups;
    let group = data
        .group
        .ok_or_else(|| Error::InvalidArgument("the log-rank test needs a group column".into()))?;
    if k < 2 {
        return Err(Error::Degenerate("the log-rank test needs at least two groups".into()));
    }
    if !(opts.rho.is_finite() && opts.gamma.is_finite() && opts.rho >= 0.0 && opts.gamma >= 0.0) {
        return Err(Error::InvalidArgument("rho and gamma must be finite and >= 0".into()));
    }
    let weighted = opts.rho != 0.0 || opts.gamma != 0.0;
    let records = data.entry.is_none() && !weighted;
    if opts.timefix && !(records && data.whole_range.is_none()) {
        // the column fixed first
        debug_assert!(data.entry.is_none(), "timefix of exit times alone");
        let plain = LogrankOptions { timefix: false, ..*opts };
        return match crate::timefix::fix_exit(data) {
            Some(exit) => logrank(&data.with_exit(&exit), w, &plain),
            None => logrank(data, w, &plain),
        };
    }
    let mut acc = Acc::new(k);
    match Grid::build(data, w, |i| data.stratum_of(i) * k + data.group_of(i), data.n_strata * k) {
        Some(grid) => grid_sweeps(data, &grid, opts, &mut acc),
        None if records => record_sweeps(data, w, opts.timefix, &mut acc),
        None => sorted_sweeps(data, w, group, opts, &mut acc),
    }
    let Acc { obs, exp, var, .. } = acc;
    let keep: Vec<usize> = (0..k).filter(|&g| exp[g] > 0.0).collect();
    let df = keep.len().saturating_sub(1);
    let statistic = if keep.len() < 2 {
        0.0
    } else {
        let idx = &keep[1..];
        let m = idx.len();
        let diff: Vec<f64> = idx.iter().map(|&g| obs[g] - exp[g]).collect();
        let mut v = vec![0.0; m * m];
        for (a, &ga) in idx.iter().enumerate() {
            for (b, &gb) in idx.iter().enumerate() {
                v[a * m + b] = var[ga * k + gb];
            }
        }
        let sol = crate::linalg::solve(&v, &diff)?;
        sol.iter().zip(&diff).map(|(x, y)| x * y).sum()
    };
    let p_value = if df == 0 { f64::NAN } else { crate::dist::chisq_sf(statistic, df as f64) };
    Ok(LogrankResult { n_groups: k, observed: obs, expected: exp, var, statistic, df, p_value })
}

/// Observed, expected and variance, accumulated one event time at a time.
struct Acc {
    k: usize,
    obs: Vec<f64>,
    exp: Vec<f64>,
    var: Vec<f64>,
}

impl Acc {
    fn new(k: usize) -> Self {
        Acc { k, obs: vec![0.0; k], exp: vec![0.0; k], var: vec![0.0; k * k] }
    }

    /// One event time with FH weight `fh`, at-risk `risk[g]` and events `deaths[g]`.
    fn add(&mut self, fh: f64, risk: &[f64], deaths: &[f64]) {
        let k = self.k;
        let d: f64 = deaths.iter().sum();
        let n: f64 = risk.iter().sum();
        for g in 0..k {
            self.obs[g] += fh * deaths[g];
            self.exp[g] += fh * d * risk[g] / n;
        }
        if n - d > 0.0 && n > 1.0 {
            let w2 = fh * fh;
            let scale = w2 * d * (n - d) / (n * (n - 1.0));
            for a in 0..k {
                let tmp = scale * risk[a];
                self.var[a * k + a] += tmp;
                // tmp risk_b / n, with one division per row of the k x k matrix
                let c = tmp / n;
                for (v, &r) in self.var[a * k..(a + 1) * k].iter_mut().zip(risk) {
                    *v -= c * r;
                }
            }
        }
    }
}

fn fh_weight(s_left: f64, opts: &LogrankOptions) -> f64 {
    if opts.rho == 0.0 && opts.gamma == 0.0 {
        1.0
    } else {
        s_left.powf(opts.rho) * (1.0 - s_left).powf(opts.gamma)
    }
}

/// Tied data: a dense (stratum x group x time) grid, one pass over the rows.
fn grid_sweeps(data: &SurvData, grid: &Grid, opts: &LogrankOptions, acc: &mut Acc) {
    let k = data.n_groups;
    let m = grid.m;
    let mut risk = vec![0.0; k];
    let mut deaths = vec![0.0; k];
    for s in 0..data.n_strata {
        let at_risk: Vec<Vec<f64>> = (0..k).map(|g| grid.at_risk(s * k + g)).collect();
        let mut km = 1.0;
        for j in 0..m {
            for g in 0..k {
                risk[g] = at_risk[g][j];
                deaths[g] = grid.event[(s * k + g) * m + j];
            }
            let d: f64 = deaths.iter().sum();
            if d <= 0.0 {
                continue;
            }
            acc.add(fh_weight(km, opts), &risk, &deaths);
            let n: f64 = risk.iter().sum();
            km *= (n - d) / n;
        }
    }
}

/// Untied data without entry times and with the plain log-rank weights: each (stratum, group)
/// cell's records sorted by time, in parallel on large data (see [`SortedRecords`]), with R's
/// timefix on them when `timefix`; then per stratum the groups' records merged from the last time
/// back, read in memory order instead of jumping through the input columns row by row.
fn record_sweeps(data: &SurvData, w: Option<&[f64]>, timefix: bool, acc: &mut Acc) {
    let k = data.n_groups;
    let mut recs = SortedRecords::new(data, w, |i| data.stratum_of(i) * k + data.group_of(i), data.n_strata * k);
    if timefix {
        recs.timefix();
    }
    let mut risk = vec![0.0; k];
    let mut deaths = vec![0.0; k];
    let mut left = vec![0usize; k];
    for s in 0..data.n_strata {
        for (g, l) in left.iter_mut().enumerate() {
            *l = recs.cell_len(s * k + g);
        }
        risk.iter_mut().for_each(|r| *r = 0.0);
        loop {
            // the latest time still to come in any group
            let mut t = f64::NEG_INFINITY;
            for g in 0..k {
                if left[g] > 0 {
                    t = t.max(recs.record(s * k + g, left[g] - 1).0);
                }
            }
            if t == f64::NEG_INFINITY {
                break;
            }
            deaths.iter_mut().for_each(|d| *d = 0.0);
            for g in 0..k {
                while left[g] > 0 {
                    let (ti, event, wi) = recs.record(s * k + g, left[g] - 1);
                    if ti != t {
                        break;
                    }
                    risk[g] += wi;
                    if event {
                        deaths[g] += wi;
                    }
                    left[g] -= 1;
                }
            }
            if deaths.iter().sum::<f64>() > 0.0 {
                acc.add(1.0, &risk, &deaths);
            }
        }
    }
}

/// Untied data: rows sorted per stratum, swept from the last time back (as R's survdiff).
fn sorted_sweeps(data: &SurvData, w: Option<&[f64]>, group: &[u32], opts: &LogrankOptions, acc: &mut Acc) {
    let k = data.n_groups;
    let wt = |i: usize| w.map_or(1.0, |w| w[i]);
    let weighted = opts.rho != 0.0 || opts.gamma != 0.0;
    let blocks = Blocks::new(data, data.strata, data.n_strata);
    let mut risk = vec![0.0; k];
    let mut deaths = vec![0.0; k];
    for s in 0..blocks.n_blocks() {
        let (ex, en) = blocks.block(s);
        // The pooled left-continuous Kaplan-Meier of this stratum, for the FH weights.
        let pooled = if weighted { Some(RiskTable::build(data, w, ex, en)) } else { None };
        let km_left: Vec<f64> = pooled.as_ref().map_or(Vec::new(), |rt| {
            let mut s = 1.0;
            (0..rt.len())
                .map(|j| {
                    let here = s;
                    if rt.n_event[j] > 0.0 {
                        s *= (rt.n_risk[j] - rt.n_event[j]) / rt.n_risk[j];
                    }
                    here
                })
                .collect()
        });
        let mut kp = km_left.len();
        risk.iter_mut().for_each(|r| *r = 0.0);
        let mut p = en.map_or(0, |e| e.len());
        let mut j = ex.len();
        while j > 0 {
            let t = data.exit[ex[j - 1] as usize];
            deaths.iter_mut().for_each(|d| *d = 0.0);
            while j > 0 && data.exit[ex[j - 1] as usize] == t {
                let i = ex[j - 1] as usize;
                let g = group[i] as usize;
                risk[g] += wt(i);
                if data.event[i] == 1 {
                    deaths[g] += wt(i);
                }
                j -= 1;
            }
            if let (Some(entry), Some(be)) = (data.entry, en) {
                while p > 0 && entry[be[p - 1] as usize] >= t {
                    let i = be[p - 1] as usize;
                    risk[group[i] as usize] -= wt(i);
                    p -= 1;
                }
            }
            if deaths.iter().sum::<f64>() <= 0.0 {
                continue;
            }
            let fh = if weighted {
                let rt = pooled.as_ref().unwrap();
                while kp > 0 && rt.time[kp - 1] > t {
                    kp -= 1;
                }
                fh_weight(km_left[kp - 1], opts)
            } else {
                1.0
            };
            acc.add(fh, &risk, &deaths);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // R 4.2.2, survival 3.5-3:
    //   survdiff(Surv(t, e) ~ g): chisq 2.3691629747210139e-05, expected 1.9952380952380953 4.0047619047619047
    #[test]
    fn test_r_survdiff_small() {
        let t = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0];
        let e = [1u8, 1, 0, 1, 0, 1, 1, 1];
        let g = [0u32, 1, 0, 1, 0, 1, 0, 1];
        let d = SurvData::new(&t, &e, None, None).unwrap().with_groups(&g, 2).unwrap();
        let r = logrank(&d, None, &LogrankOptions::default()).unwrap();
        assert_eq!(r.observed, vec![2.0, 4.0]);
        assert!((r.expected[0] - 1.9952380952380953).abs() < 1e-15);
        assert!((r.statistic - 2.3691629747210139e-05).abs() / 2.37e-5 < 1e-10);
        assert_eq!(r.df, 1);
    }

    #[test]
    fn grid_and_sorted_paths_agree() {
        let n = 400;
        let t: Vec<f64> = (0..n).map(|i| 1.0 + ((i * 7919) % 19) as f64).collect();
        let s: Vec<f64> = (0..n).map(|i| if i % 4 == 0 { ((i * 31) % 6) as f64 - 0.5 } else { 0.0 }).collect();
        let s: Vec<f64> = s.iter().zip(&t).map(|(&a, &b)| a.min(b - 0.25)).collect();
        let e: Vec<u8> = (0..n).map(|i| ((i * 13) % 5 != 0) as u8).collect();
        let w: Vec<f64> = (0..n).map(|i| 0.5 + ((i * 17) % 7) as f64 / 3.0).collect();
        let g: Vec<u32> = (0..n).map(|i| ((i * 7) % 3) as u32).collect();
        let st: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let d = SurvData::new(&t, &e, Some(&s), Some(&w)).unwrap().with_groups(&g, 3).unwrap().with_strata(&st, 2).unwrap();
        let opts = LogrankOptions { rho: 1.0, gamma: 0.5, ..Default::default() };
        let fast = logrank(&d, d.weight, &opts).unwrap();
        let mut acc = Acc::new(3);
        sorted_sweeps(&d, d.weight, &g, &opts, &mut acc);
        for a in 0..3 {
            assert!((fast.observed[a] - acc.obs[a]).abs() < 1e-10);
            assert!((fast.expected[a] - acc.exp[a]).abs() < 1e-10);
        }
        for a in 0..9 {
            assert!((fast.var[a] - acc.var[a]).abs() < 1e-10);
        }
    }

    #[test]
    fn record_and_sorted_sweeps_agree() {
        let n = 3000;
        let t: Vec<f64> = (0..n).map(|i| (((i * 7919) % 1013) as f64 + 0.5) * 0.37 + (i % 3) as f64 * 1e-3).collect();
        let e: Vec<u8> = (0..n).map(|i| ((i * 13) % 5 != 0) as u8).collect();
        let w: Vec<f64> = (0..n).map(|i| 0.5 + ((i * 17) % 7) as f64 / 3.0).collect();
        let g: Vec<u32> = (0..n).map(|i| ((i * 7) % 4) as u32).collect();
        let st: Vec<u32> = (0..n).map(|i| (i % 3) as u32).collect();
        let d = SurvData::new(&t, &e, None, None).unwrap().with_groups(&g, 4).unwrap().with_strata(&st, 3).unwrap();
        for wt in [None, Some(&w[..])] {
            let (mut a, mut b) = (Acc::new(4), Acc::new(4));
            record_sweeps(&d, wt, false, &mut a);
            sorted_sweeps(&d, wt, &g, &LogrankOptions::default(), &mut b);
            let close = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(p, q)| (p - q).abs() <= 1e-12 * (1.0 + q.abs()));
            assert!(close(&a.obs, &b.obs) && close(&a.exp, &b.exp) && close(&a.var, &b.var));
            if wt.is_none() {
                assert_eq!((a.obs, a.exp, a.var), (b.obs, b.exp, b.var));
            }
        }
    }

    #[test]
    fn identical_groups_give_zero() {
        let t = [1.0, 2.0, 2.0, 3.0, 1.0, 2.0, 2.0, 3.0];
        let e = [1u8, 1, 0, 1, 1, 1, 0, 1];
        let g = [0u32, 0, 0, 0, 1, 1, 1, 1];
        let d = SurvData::new(&t, &e, None, None).unwrap().with_groups(&g, 2).unwrap();
        let r = logrank(&d, None, &LogrankOptions { rho: 1.0, gamma: 0.5, ..Default::default() }).unwrap();
        assert!(r.statistic.abs() < 1e-28);
    }
}
