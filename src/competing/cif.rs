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
    let blocks = Blocks::new(data, data.group, data.n_groups);
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
    // Influence, per row type over the times from its entry on. Rows with the same exit, entry
    // and cause have the same influence, so tied (monthly) data need one pass per type, each
    // weighted by the sum of its squared case weights.
    let mut types: Vec<((u32, u32, u8), f64)> = if data.entry.is_none() {
        // without entry times a type is (exit position, cause): a dense table
        let mut dense = vec![0.0; m * (k + 1)];
        for (r, &i) in by_exit.iter().enumerate() {
            let i = i as usize;
            if w(i) > 0.0 && pos[r] != u32::MAX {
                dense[pos[r] as usize * (k + 1) + cause[i] as usize] += w(i) * w(i);
            }
        }
        (0..m * (k + 1))
            .filter(|&q| dense[q] > 0.0)
            .map(|q| (((q / (k + 1)) as u32, 0u32, (q % (k + 1)) as u8), dense[q]))
            .collect()
    } else {
        let mut map: std::collections::HashMap<(u32, u32, u8), f64> = std::collections::HashMap::new();
        for (r, &i) in by_exit.iter().enumerate() {
            let i = i as usize;
            let wi = w(i);
            if wi == 0.0 || pos[r] == u32::MAX {
                continue;
            }
            let e = data.entry.map_or(0, |en| table.time.partition_point(|&t| t <= en[i])) as u32;
            *map.entry((pos[r], e, cause[i])).or_insert(0.0) += wi * wi;
        }
        map.into_iter().collect()
    };
    types.sort_unstable_by_key(|t| t.0);
    let mut var = vec![0.0; m * k];
    let mut infl = vec![0.0; k];
    for &((x, e, ci), w2) in &types {
        let (x, e) = (x as usize, e as usize);
        let mut a = 0.0;
        infl.iter_mut().for_each(|v| *v = 0.0);
        for j in e..m {
            let at_risk = j <= x;
            for c in 0..k {
                let mut v = infl[c] + p[j * k + c] * a;
                if at_risk {
                    v -= p[j * k + c] / table.n_risk[j];
                }
                if j == x && ci as usize == c + 1 {
                    v += s_before[j] / table.n_risk[j];
                }
                infl[c] = v;
                var[j * k + c] += w2 * v * v;
            }
            if at_risk {
                a += g[j];
                if j == x && ci > 0 {
                    a -= inv_nd[j];
                }
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
