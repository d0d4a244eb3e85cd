//! The proportional-hazards test of R survival >= 3 (`cox.zph`): the score test, at the fitted
//! coefficients, for adding `x * g(t)` to the model, with g the centred transformed time.
//! Returns the score for the added terms and the full 2p x 2p information matrix; the per-term
//! and global chi-square statistics are solves with these.

use super::fit::Prepared;
use crate::error::{Error, Result};
use crate::nonparametric::km::{curve, KmOptions};
use crate::nonparametric::risk::Blocks;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    Km,
    Identity,
    Log,
    Rank,
}

impl Transform {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "km" => Ok(Transform::Km),
            "identity" => Ok(Transform::Identity),
            "log" => Ok(Transform::Log),
            "rank" => Ok(Transform::Rank),
            o => Err(Error::InvalidArgument(format!("transform must be 'km', 'identity', 'log' or 'rank', not '{o}'"))),
        }
    }
}

pub struct Zph {
    /// Score of the time-interaction terms (p).
    pub u: Vec<f64>,
    /// Information of (beta, theta), row-major 2p x 2p.
    pub imat: Vec<f64>,
    /// g(t) (uncentred) of each event row, in the order of the Schoenfeld residuals.
    pub g: Vec<f64>,
}

/// Transformed time of every row, as cox.zph: `1 - S(t-)` of the unweighted pooled Kaplan-Meier
/// (km), t (identity), log t, or the average rank of t among all rows.
fn transformed(prep: &Prepared, tr: Transform) -> Vec<f64> {
    let d = &prep.inp.data;
    let n = d.len();
    match tr {
        Transform::Identity => d.exit.to_vec(),
        Transform::Log => d.exit.iter().map(|t| t.ln()).collect(),
        Transform::Rank => {
            let order = crate::sort::argsort(d.exit);
            let mut r = vec![0.0; n];
            let mut i = 0;
            while i < n {
                let mut j = i;
                while j < n && d.exit[order[j] as usize] == d.exit[order[i] as usize] {
                    j += 1;
                }
                let avg = (i + 1 + j) as f64 / 2.0;
                for &o in &order[i..j] {
                    r[o as usize] = avg;
                }
                i = j;
            }
            r
        }
        Transform::Km => {
            let mut pooled = *d;
            pooled.weight = None;
            pooled.group = None;
            pooled.n_groups = 1;
            pooled.strata = None;
            pooled.n_strata = 1;
            let b = Blocks::new(&pooled, None, 1);
            let (ex, en) = b.block(0);
            let km = curve(&pooled, None, ex, en, &KmOptions::default());
            d.exit
                .iter()
                .map(|&t| {
                    let k = km.table.time.partition_point(|&x| x < t);
                    1.0 - if k == 0 { 1.0 } else { km.surv[k - 1] }
                })
                .collect()
        }
    }
}

pub fn zph(prep: &Prepared, coef: &[f64], tr: Transform) -> Zph {
    let p = prep.inp.p;
    let d = &prep.inp.data;
    let eta = prep.eta_sorted(coef);
    let tt = transformed(prep, tr);
    let events: Vec<usize> = (0..d.len()).filter(|&i| d.event[i] == 1).collect();
    let gmean = events.iter().map(|&i| tt[i]).sum::<f64>() / events.len() as f64;
    let q = 2 * p;
    let mut u = vec![0.0; p];
    // Information blocks: I11 = sum V, I12 = sum g V, I22 = sum g^2 V (all symmetric).
    let (mut i11, mut i12, mut i22) = (vec![0.0; p * p], vec![0.0; p * p], vec![0.0; p * p]);
    let mut a = vec![0.0; p];
    prep.sweep(&eta, true, |dt| {
        let g = tt[prep.order[dt.rows[0] as usize] as usize] - gmean;
        for &k in dt.rows {
            let k = k as usize;
            for (uj, &x) in u.iter_mut().zip(prep.xs(k)) {
                *uj += g * prep.ws[k] * x;
            }
        }
        let steps = prep.steps(dt.ndead);
        let wt = dt.deadwt / steps.len() as f64;
        for f in steps.clone() {
            let denom = dt.s0 + f * dt.d0;
            for k in 0..p {
                a[k] = (dt.s1[k] + f * dt.d1[k]) / denom;
                u[k] -= g * wt * a[k];
            }
            for k in 0..p {
                for l in 0..p {
                    // the sweep fills the lower triangle of the x x' sums
                    let (hi, lo) = if k >= l { (k, l) } else { (l, k) };
                    let c = wt * ((dt.s2[hi * p + lo] + f * dt.d2[hi * p + lo]) / denom - a[k] * a[l]);
                    i11[k * p + l] += c;
                    i12[k * p + l] += g * c;
                    i22[k * p + l] += g * g * c;
                }
            }
        }
    });
    let mut imat = vec![0.0; q * q];
    for k in 0..p {
        for l in 0..p {
            imat[k * q + l] = i11[k * p + l];
            imat[k * q + l + p] = i12[k * p + l];
            imat[(k + p) * q + l] = i12[l * p + k];
            imat[(k + p) * q + l + p] = i22[k * p + l];
        }
    }
    let g = events.iter().map(|&i| tt[i]).collect();
    Zph { u, imat, g }
}
