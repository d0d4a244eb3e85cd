//! Gray's k-sample test for cumulative incidence functions, and the delta-method variance of the
//! cumulative incidence of R's `cmprsk::cuminc` (Gray 1988; Aalen's variance as cmprsk computes
//! it). Both are for unweighted data without delayed entry, as in cmprsk.
//!
//! The test compares, per cause, weighted differences between each group's subdistribution hazard
//! and the pooled one; the score of group g sums, over failure times,
//! `W(t) (d1_g - n_g (1 - F1_g(t-)) / S_g(t-) * d1 / R(t))` with `R(t) = sum_g n_g (1 - F1_g(t-)) / S_g(t-)`
//! and weight `(1 - F1(t-))^rho`; its variance comes from the martingale representation of the
//! score, with one term for failures of the cause and one for the other causes (Gray's eq. 2.3),
//! accumulated in one pass over the sorted times. Strata add scores and variances.

use crate::dist::chisq_sf;
use crate::error::{Error, Result};
use crate::linalg::solve;

/// Result of Gray's test for one cause.
#[derive(Debug, Clone)]
pub struct GrayTest {
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
    /// Scores of the first `n_groups - 1` groups and their variance (row-major).
    pub score: Vec<f64>,
    pub var: Vec<f64>,
}

/// Gray's test for `cause` among `n_groups` groups, stratified by `strata` (codes 0..n_strata).
/// `status`: 0 censored, otherwise a cause code.
#[allow(clippy::too_many_arguments)]
pub fn gray_test(
    time: &[f64],
    status: &[u8],
    group: &[u32],
    n_groups: usize,
    strata: Option<&[u32]>,
    n_strata: usize,
    cause: u8,
    rho: f64,
) -> Result<GrayTest> {
    let n = time.len();
    if status.len() != n || group.len() != n || strata.is_some_and(|s| s.len() != n) {
        return Err(Error::InvalidArgument("time, status, group and strata need one value per row".into()));
    }
    if n_groups < 2 {
        return Err(Error::Degenerate("Gray's test needs at least two groups".into()));
    }
    let ng1 = n_groups - 1;
    let mut score = vec![0.0; ng1];
    let mut var = vec![0.0; ng1 * ng1];
    let n_strata = if strata.is_some() { n_strata.max(1) } else { 1 };
    let order = crate::sort::argsort_auto(time);
    for st in 0..n_strata {
        let rows: Vec<usize> = order.iter().map(|&i| i as usize).filter(|&i| strata.is_none_or(|s| s[i] as usize == st)).collect();
        if rows.is_empty() {
            continue;
        }
        stratum(&rows, time, status, group, n_groups, cause, rho, &mut score, &mut var);
    }
    // The lower triangle was accumulated; mirror it.
    for i in 0..ng1 {
        for j in 0..i {
            var[j * ng1 + i] = var[i * ng1 + j];
        }
    }
    let statistic = match solve(&var, &score) {
        Ok(x) => x.iter().zip(&score).map(|(a, b)| a * b).sum::<f64>(),
        Err(_) => f64::NAN,
    };
    let p_value = if statistic.is_finite() { chisq_sf(statistic, ng1 as f64) } else { f64::NAN };
    Ok(GrayTest { statistic, df: ng1, p_value, score, var })
}

#[allow(clippy::too_many_arguments)]
fn stratum(rows: &[usize], time: &[f64], status: &[u8], group: &[u32], ng: usize, cause: u8, rho: f64, s: &mut [f64], v: &mut [f64]) {
    let ng1 = ng - 1;
    let mut at_risk = vec![0.0f64; ng];
    rows.iter().for_each(|&i| at_risk[group[i] as usize] += 1.0);
    let (mut f1_left, mut f1) = (vec![0.0; ng], vec![0.0; ng]);
    let (mut s_left, mut s_right) = (vec![1.0; ng], vec![1.0; ng]);
    let mut v3 = vec![0.0; ng];
    let mut v2 = vec![0.0; ng1 * ng];
    let mut c = vec![0.0; ng * ng];
    let mut a = vec![0.0; ng * ng];
    let mut f_pooled_left = 0.0;
    let mut d = vec![[0.0f64; 3]; ng];
    let mut lo = 0;
    while lo < rows.len() {
        let t = time[rows[lo]];
        let mut hi = lo;
        while hi < rows.len() && time[rows[hi]] == t {
            hi += 1;
        }
        // per group: censored, failed from the cause, failed from another cause
        d.iter_mut().for_each(|x| *x = [0.0; 3]);
        for &i in &rows[lo..hi] {
            let k = if status[i] == 0 { 0 } else if status[i] == cause { 1 } else { 2 };
            d[group[i] as usize][k] += 1.0;
        }
        let nd1: f64 = d.iter().map(|x| x[1]).sum();
        let nd2: f64 = d.iter().map(|x| x[2]).sum();
        if nd1 > 0.0 || nd2 > 0.0 {
            let (mut tr, mut tq) = (0.0, 0.0);
            for g in 0..ng {
                let r = at_risk[g];
                if r <= 0.0 {
                    continue;
                }
                s_right[g] = s_left[g] * (r - d[g][1] - d[g][2]) / r;
                f1[g] = f1_left[g] + s_left[g] * d[g][1] / r;
                tr += r / s_left[g];
                tq += r * (1.0 - f1_left[g]) / s_left[g];
            }
            let f_pooled = f_pooled_left + nd1 / tr;
            let w = (1.0 - f_pooled_left).powf(rho);
            a.iter_mut().for_each(|x| *x = 0.0);
            for i in 0..ng {
                if at_risk[i] <= 0.0 {
                    continue;
                }
                let h_i = at_risk[i] / s_left[i];
                a[i * ng + i] = w * h_i * (1.0 - h_i / tr);
                for j in (i + 1)..ng {
                    if at_risk[j] > 0.0 {
                        a[i * ng + j] = -w * h_i * at_risk[j] / (s_left[j] * tr);
                        a[j * ng + i] = a[i * ng + j];
                    }
                }
            }
            let scale = nd1 / (tr * (1.0 - f_pooled_left));
            for i in 0..ng {
                for j in i..ng {
                    c[i * ng + j] += a[i * ng + j] * scale;
                    c[j * ng + i] = c[i * ng + j];
                }
            }
            for i in 0..ng1 {
                if at_risk[i] > 0.0 {
                    s[i] += w * (d[i][1] - nd1 * at_risk[i] * (1.0 - f1_left[i]) / (s_left[i] * tq));
                }
            }
            if nd1 > 0.0 {
                for k in 0..ng {
                    if at_risk[k] <= 0.0 {
                        continue;
                    }
                    let t4 = if s_right[k] > 0.0 { 1.0 - (1.0 - f_pooled) / s_right[k] } else { 1.0 };
                    let t5 = if nd1 > 1.0 { 1.0 - (nd1 - 1.0) / (tr * s_left[k] - 1.0) } else { 1.0 };
                    let t3 = t5 * s_left[k] * nd1 / (tr * at_risk[k]);
                    v3[k] += t4 * t4 * t3;
                    for i in 0..ng1 {
                        let t1 = a[i * ng + k] - t4 * c[i * ng + k];
                        v2[i * ng + k] += t1 * t4 * t3;
                        for j in 0..=i {
                            let t2 = a[j * ng + k] - t4 * c[j * ng + k];
                            v[i * ng1 + j] += t1 * t2 * t3;
                        }
                    }
                }
            }
            if nd2 > 0.0 {
                for k in 0..ng {
                    if s_right[k] <= 0.0 || d[k][2] <= 0.0 {
                        continue;
                    }
                    let t4 = (1.0 - f_pooled) / s_right[k];
                    let t5 = if d[k][2] > 1.0 { 1.0 - (d[k][2] - 1.0) / (at_risk[k] - 1.0) } else { 1.0 };
                    let t3 = t5 * s_left[k] * s_left[k] * d[k][2] / (at_risk[k] * at_risk[k]);
                    v3[k] += t4 * t4 * t3;
                    for i in 0..ng1 {
                        let t1 = t4 * c[i * ng + k];
                        v2[i * ng + k] -= t1 * t4 * t3;
                        for j in 0..=i {
                            let t2 = t4 * c[j * ng + k];
                            v[i * ng1 + j] += t1 * t2 * t3;
                        }
                    }
                }
            }
            f_pooled_left = f_pooled;
        }
        for &i in &rows[lo..hi] {
            at_risk[group[i] as usize] -= 1.0;
        }
        f1_left.copy_from_slice(&f1);
        s_left.copy_from_slice(&s_right);
        lo = hi;
    }
    for i in 0..ng1 {
        for j in 0..=i {
            let mut add = 0.0;
            for k in 0..ng {
                add += c[i * ng + k] * c[j * ng + k] * v3[k] + c[i * ng + k] * v2[j * ng + k] + c[j * ng + k] * v2[i * ng + k];
            }
            v[i * ng1 + j] += add;
        }
    }
}

/// cmprsk's (`cuminc`) variance of the cumulative incidence of `cause`, for rows sorted by time
/// (one group): at each distinct time with an event of the cause, the incidence and its variance;
/// between them both stay constant.
pub fn cmprsk_variance(time: &[f64], status: &[u8], cause: u8) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = time.len();
    let (mut times, mut cif, mut var) = (Vec::new(), Vec::new(), Vec::new());
    let (mut surv, mut f) = (1.0f64, 0.0f64);
    let (mut v1, mut v2, mut v3) = (0.0, 0.0, 0.0);
    let mut lo = 0;
    while lo < n {
        let t = time[lo];
        let mut hi = lo;
        while hi < n && time[hi] == t {
            hi += 1;
        }
        let at_risk = (n - lo) as f64;
        let nd1 = status[lo..hi].iter().filter(|&&s| s == cause).count() as f64;
        let nd2 = status[lo..hi].iter().filter(|&&s| s != 0 && s != cause).count() as f64;
        if nd1 + nd2 > 0.0 {
            let surv_next = surv * (at_risk - nd1 - nd2) / at_risk;
            if nd1 > 0.0 {
                f += surv * nd1 / at_risk;
            }
            if nd2 > 0.0 && surv_next > 0.0 {
                let tie = if nd2 > 1.0 { 1.0 - (nd2 - 1.0) / (at_risk - 1.0) } else { 1.0 };
                let w = surv * surv * tie * nd2 / (at_risk * at_risk);
                let (b, c) = (1.0 / surv_next, f / surv_next);
                v1 += c * c * w;
                v2 += b * c * w;
                v3 += b * b * w;
            }
            if nd1 > 0.0 {
                let tie = if nd1 > 1.0 { 1.0 - (nd1 - 1.0) / (at_risk - 1.0) } else { 1.0 };
                let w = surv * surv * tie * nd1 / (at_risk * at_risk);
                let b = if surv_next > 0.0 { 1.0 / surv_next } else { 0.0 };
                let c = 1.0 + b * f;
                v1 += c * c * w;
                v2 += b * c * w;
                v3 += b * b * w;
                times.push(t);
                cif.push(f);
                var.push(v1 + f * f * v3 - 2.0 * f * v2);
            }
            surv = surv_next;
        }
        lo = hi;
    }
    (times, cif, var)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_other_causes_the_score_is_observed_minus_expected() {
        // Two groups, one cause: Gray's score is the log-rank O - E of group 0.
        let time = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let status = [1, 1, 0, 1, 1, 0, 1, 1];
        let group = [0, 1, 0, 1, 0, 1, 0, 1];
        let t = gray_test(&time, &status, &group, 2, None, 1, 1, 0.0).unwrap();
        let (mut o, mut e) = (0.0, 0.0);
        let mut order: Vec<usize> = (0..8).collect();
        order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
        for &i in &order {
            if status[i] == 1 {
                let at_risk: Vec<usize> = (0..8).filter(|&j| time[j] >= time[i]).collect();
                let n0 = at_risk.iter().filter(|&&j| group[j] == 0).count() as f64;
                let d: f64 = (0..8).filter(|&j| time[j] == time[i] && status[j] == 1).count() as f64;
                let first = (0..8).find(|&j| time[j] == time[i] && status[j] == 1).unwrap();
                if first == i {
                    e += d * n0 / at_risk.len() as f64;
                }
                o += (group[i] == 0) as u8 as f64;
            }
        }
        assert!((t.score[0] - (o - e)).abs() < 1e-12);
        assert!(t.var[0] > 0.0 && t.statistic >= 0.0);
    }

    #[test]
    fn cmprsk_variance_is_zero_before_the_first_event() {
        let time = [1.0, 2.0, 3.0, 4.0];
        let status = [0, 1, 2, 1];
        let (t, f, v) = cmprsk_variance(&time, &status, 1);
        assert_eq!(t, vec![2.0, 4.0]);
        assert!((f[0] - 1.0 / 3.0).abs() < 1e-15);
        assert!(v.iter().all(|&x| x > 0.0));
    }
}
