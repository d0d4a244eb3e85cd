//! Predicted survival from a fitted Cox model for many rows at once: S(t | x_i) =
//! exp(-H0_s(t) exp(lp_i)), with H0_s the baseline cumulative hazard of row i's stratum (a step
//! function, 0 before its first time). The baseline is read once per stratum and time (binary
//! search), then the rows are filled in parallel; the average over rows (adjusted curves) needs
//! no rows x times matrix.

use rayon::prelude::*;

use crate::error::{Error, Result};

/// The baseline cumulative hazard of each stratum at each of `times`: strata x times, row-major.
fn baseline_at(base_time: &[f64], base_cumhaz: &[f64], base_stratum: Option<&[u32]>, n_strata: usize, times: &[f64]) -> Result<Vec<f64>> {
    if base_time.len() != base_cumhaz.len() || base_stratum.is_some_and(|s| s.len() != base_time.len()) {
        return Err(Error::InvalidArgument("baseline arrays differ in length".into()));
    }
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); n_strata.max(1)];
    for i in 0..base_time.len() {
        let s = base_stratum.map_or(0, |v| v[i] as usize);
        rows.get_mut(s).ok_or_else(|| Error::InvalidArgument("baseline stratum out of range".into()))?.push(i);
    }
    let t_n = times.len();
    let mut h = vec![0.0; rows.len() * t_n];
    for (s, idx) in rows.iter().enumerate() {
        let bt: Vec<f64> = idx.iter().map(|&i| base_time[i]).collect();
        if bt.windows(2).any(|w| w[1] < w[0]) {
            return Err(Error::InvalidArgument("baseline times must ascend within a stratum".into()));
        }
        for (j, &t) in times.iter().enumerate() {
            let k = bt.partition_point(|&b| b <= t); // rows at or before t
            h[s * t_n + j] = if k == 0 { 0.0 } else { base_cumhaz[idx[k - 1]] };
        }
    }
    Ok(h)
}

fn check_rows(lp: &[f64], stratum: Option<&[u32]>, n_strata: usize) -> Result<()> {
    if let Some(s) = stratum {
        if s.len() != lp.len() || s.iter().any(|&v| v as usize >= n_strata.max(1)) {
            return Err(Error::InvalidArgument("row strata out of range or of the wrong length".into()));
        }
    }
    Ok(())
}

/// S(t | x_i) for every row (rows x times, row-major).
pub fn predict_survival(lp: &[f64], stratum: Option<&[u32]>, base_time: &[f64], base_cumhaz: &[f64],
                        base_stratum: Option<&[u32]>, n_strata: usize, times: &[f64]) -> Result<Vec<f64>> {
    check_rows(lp, stratum, n_strata)?;
    let h = baseline_at(base_time, base_cumhaz, base_stratum, n_strata, times)?;
    let t_n = times.len();
    let mut out = vec![0.0; lp.len() * t_n];
    if t_n == 0 {
        return Ok(out);
    }
    out.par_chunks_mut(t_n).enumerate().for_each(|(i, row)| {
        let s = stratum.map_or(0, |v| v[i] as usize);
        let r = lp[i].exp();
        for (o, &hj) in row.iter_mut().zip(&h[s * t_n..(s + 1) * t_n]) {
            *o = (-hj * r).exp();
        }
    });
    Ok(out)
}

/// The average over rows of S(t | x_i) at each time (an adjusted, direct-standardised curve).
pub fn mean_survival(lp: &[f64], stratum: Option<&[u32]>, base_time: &[f64], base_cumhaz: &[f64],
                     base_stratum: Option<&[u32]>, n_strata: usize, times: &[f64]) -> Result<Vec<f64>> {
    check_rows(lp, stratum, n_strata)?;
    if lp.is_empty() {
        return Err(Error::InvalidArgument("no rows to average".into()));
    }
    let h = baseline_at(base_time, base_cumhaz, base_stratum, n_strata, times)?;
    let t_n = times.len();
    const CHUNK: usize = 4096;
    let sums = lp
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, part)| {
            let mut acc = vec![0.0; t_n];
            for (k, &l) in part.iter().enumerate() {
                let i = c * CHUNK + k;
                let s = stratum.map_or(0, |v| v[i] as usize);
                let r = l.exp();
                for (a, &hj) in acc.iter_mut().zip(&h[s * t_n..(s + 1) * t_n]) {
                    *a += (-hj * r).exp();
                }
            }
            acc
        })
        // fixed chunks summed in order: the same result for any number of threads
        .collect::<Vec<_>>();
    let mut total = vec![0.0; t_n];
    for acc in sums {
        total.iter_mut().zip(acc).for_each(|(t, a)| *t += a);
    }
    Ok(total.into_iter().map(|v| v / lp.len() as f64).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_steps_and_strata() {
        // stratum 0: H = 0.1 at t=1, 0.3 at t=3; stratum 1: H = 0.2 at t=2
        let bt = [1.0, 3.0, 2.0];
        let bh = [0.1, 0.3, 0.2];
        let bs = [0u32, 0, 1];
        let lp = [0.0, (2.0f64).ln(), 0.0];
        let st = [0u32, 0, 1];
        let times = [0.5, 1.0, 2.5, 10.0];
        let s = predict_survival(&lp, Some(&st), &bt, &bh, Some(&bs), 2, &times).unwrap();
        let want = [
            1.0, (-0.1f64).exp(), (-0.1f64).exp(), (-0.3f64).exp(),
            1.0, (-0.2f64).exp(), (-0.2f64).exp(), (-0.6f64).exp(),
            1.0, 1.0, (-0.2f64).exp(), (-0.2f64).exp(),
        ];
        for (a, b) in s.iter().zip(want) {
            assert!((a - b).abs() < 1e-15, "{a} {b}");
        }
        let m = mean_survival(&lp, Some(&st), &bt, &bh, Some(&bs), 2, &times).unwrap();
        for j in 0..4 {
            let avg = (s[j] + s[4 + j] + s[8 + j]) / 3.0;
            assert!((m[j] - avg).abs() < 1e-15);
        }
        assert!(predict_survival(&lp, Some(&[0, 0, 2]), &bt, &bh, Some(&bs), 2, &times).is_err());
    }
}
