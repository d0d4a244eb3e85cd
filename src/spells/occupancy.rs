//! State occupancy: the share of a group in each state at each time since the origin, by the
//! Aalen-Johansen estimator of a multi-state model (R: `survfit(Surv(tstart, tstop, state) ~ g,
//! id = id, istate = ...)`), not a cross-tab that ignores who is still observed.
//!
//! A spell covering periods `a..=b` (relative to the origin, clipped at 0) is the counting-process
//! interval `(a, b + 1]` in its state; at `b + 1` the person moves to the next spell's state, or
//! leaves the risk set when the data end or the next period is unobserved. The occupancy at time
//! `t` is then the share in each state in period `origin + t`. The initial distribution is that of
//! the persons at risk at time 0 (R's default `p0`); persons first observed later enter the risk
//! set of their state then (delayed entry).

use super::build::Spells;
use crate::error::{Error, Result};

/// One group's occupancy curve on the whole-number times 0..=horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Occupancy {
    /// `pstate[t * n_states + s]`
    pub pstate: Vec<f64>,
    /// Weighted number at risk in each state just before the transitions at t (`n_risk[t * n_states + s]`).
    pub n_risk: Vec<f64>,
    /// Weighted number of transitions out of each state at t.
    pub n_transition: Vec<f64>,
    /// Weighted number leaving observation (censored) from each state at t.
    pub n_censor: Vec<f64>,
    pub n_states: usize,
    pub horizon: usize,
    /// Infinitesimal-jackknife standard error of `pstate` (R's survfit for a multi-state model,
    /// persons as the units), laid out as `pstate`.
    pub std_err: Vec<f64>,
}

/// Each person's counting-process intervals within the horizon, collected once: a bootstrap
/// replicate reweights them without walking the spells again.
#[derive(Debug, Clone)]
pub struct Intervals {
    /// `(person, group, a, b, state, next)`: in `state` on `(a, b]`, then `next` (or -1: left
    /// observation), in person order.
    pub iv: Vec<(u32, u32, u32, u32, u8, i16)>,
    pub n_groups: usize,
    pub n_states: usize,
    pub horizon: usize,
}

/// The intervals of every person with a group and an origin (see [`occupancy`]).
pub fn intervals(spells: &Spells, origin: &[i64], group: &[u32], n_groups: usize, n_states: usize, horizon: usize) -> Result<Intervals> {
    let n_persons = spells.first.len() - 1;
    if origin.len() != n_persons || group.len() != n_persons {
        return Err(Error::InvalidArgument("origin, group and weight need one value per person".into()));
    }
    if horizon == 0 || horizon > 100_000 {
        return Err(Error::InvalidArgument(format!("horizon must be between 1 and 100000 periods, not {horizon}")));
    }
    let mut iv = Vec::new();
    for p in 0..n_persons {
        let g = group[p];
        if g == u32::MAX {
            continue;
        }
        if g as usize >= n_groups {
            return Err(Error::InvalidArgument("group code out of range".into()));
        }
        let o = origin[p];
        if o == i64::MIN {
            continue;
        }
        for j in spells.of(p) {
            if spells.end[j] < o {
                continue;
            }
            let a = (spells.start[j] - o).max(0);
            if a >= horizon as i64 {
                break;
            }
            let mut b = spells.end[j] + 1 - o;
            let mut next = spells.next[j];
            if b > horizon as i64 {
                b = horizon as i64;
                next = -1;
            }
            iv.push((p as u32, g, a as u32, b as u32, spells.state[j], next));
        }
    }
    Ok(Intervals { iv, n_groups, n_states, horizon })
}

/// Transition counts per group from the intervals with person weights.
struct Counts {
    n_risk_diff: Vec<Vec<f64>>,
    trans: Vec<Vec<f64>>,
    cens: Vec<Vec<f64>>,
    p0: Vec<Vec<f64>>,
}

impl Intervals {
    fn counts(&self, weight: Option<&[f64]>) -> Counts {
        let (k, t_len, n_groups) = (self.n_states, self.horizon + 1, self.n_groups);
        let mut c = Counts {
            n_risk_diff: vec![vec![0.0; (t_len + 1) * k]; n_groups],
            trans: vec![vec![0.0; t_len * k * k]; n_groups],
            cens: vec![vec![0.0; t_len * k]; n_groups],
            p0: vec![vec![0.0; k]; n_groups],
        };
        for &(p, g, a, b, s, next) in &self.iv {
            let w = weight.map_or(1.0, |w| w[p as usize]);
            if w == 0.0 {
                continue;
            }
            let (g, a, b, s) = (g as usize, a as usize, b as usize, s as usize);
            if a == 0 {
                c.p0[g][s] += w;
            }
            // at risk at t for a < t <= b
            c.n_risk_diff[g][(a + 1) * k + s] += w;
            c.n_risk_diff[g][(b + 1) * k + s] -= w;
            if next >= 0 {
                c.trans[g][(b * k + s) * k + next as usize] += w;
            } else {
                c.cens[g][b * k + s] += w;
            }
        }
        c
    }

    /// The occupancy curves (without standard errors) with person weights: what a bootstrap
    /// replicate of the occupancy computes.
    pub fn curves(&self, weight: Option<&[f64]>) -> Result<Vec<Occupancy>> {
        Ok(self.curves_counts(weight)?.0)
    }

    fn curves_counts(&self, weight: Option<&[f64]>) -> Result<(Vec<Occupancy>, Counts)> {
        let (k, t_len, horizon) = (self.n_states, self.horizon + 1, self.horizon);
        let c = self.counts(weight);
        let mut out = Vec::with_capacity(self.n_groups);
        for g in 0..self.n_groups {
            let total: f64 = c.p0[g].iter().sum();
            if total <= 0.0 {
                return Err(Error::Degenerate(format!("group {g} has nobody observed at time 0")));
            }
            let mut pstate = vec![0.0; t_len * k];
            let mut n_risk = vec![0.0; t_len * k];
            let mut n_tr = vec![0.0; t_len * k];
            let mut p: Vec<f64> = c.p0[g].iter().map(|x| x / total).collect();
            let mut risk = vec![0.0; k];
            pstate[..k].copy_from_slice(&p);
            for t in 1..t_len {
                for s in 0..k {
                    risk[s] += c.n_risk_diff[g][t * k + s];
                    n_risk[t * k + s] = risk[s];
                }
                let prev = p.clone();
                for s in 0..k {
                    if risk[s] <= 0.0 {
                        continue;
                    }
                    let row = &c.trans[g][(t * k + s) * k..(t * k + s + 1) * k];
                    let out_s: f64 = row.iter().sum();
                    n_tr[t * k + s] = out_s;
                    if out_s == 0.0 {
                        continue;
                    }
                    for (d, &x) in row.iter().enumerate() {
                        p[d] += prev[s] * x / risk[s];
                    }
                    p[s] -= prev[s] * out_s / risk[s];
                }
                pstate[t * k..(t + 1) * k].copy_from_slice(&p);
            }
            out.push(Occupancy { pstate, n_risk, n_transition: n_tr, n_censor: c.cens[g].clone(), n_states: k, horizon, std_err: Vec::new() });
        }
        Ok((out, c))
    }
}

/// Occupancy per group. `group[p]` is the group code of person `p`, `u32::MAX` to leave the person
/// out; `weight[p]` an optional person weight (> 0). With `std_err` the infinitesimal-jackknife
/// standard errors are computed too (a bootstrap replicate does not need them).
#[allow(clippy::too_many_arguments)]
pub fn occupancy(
    spells: &Spells,
    origin: &[i64],
    group: &[u32],
    n_groups: usize,
    weight: Option<&[f64]>,
    n_states: usize,
    horizon: usize,
    std_err: bool,
) -> Result<Vec<Occupancy>> {
    if weight.is_some_and(|w| w.len() != origin.len()) {
        return Err(Error::InvalidArgument("origin, group and weight need one value per person".into()));
    }
    let ivs = intervals(spells, origin, group, n_groups, n_states, horizon)?;
    let (mut out, Counts { trans, p0, .. }) = ivs.curves_counts(weight)?;
    if !std_err {
        return Ok(out);
    }
    let (k, t_len) = (n_states, horizon + 1);
    let ivs: Vec<(usize, usize, usize, usize, i16)> =
        ivs.iv.iter().map(|&(p, _, a, b, s, next)| (p as usize, a as usize, b as usize, s as usize, next)).collect();
    // The infinitesimal jackknife: person i's influence U_i(t) on the occupancy follows
    // U_i(t) = U_i(t-1) (I + dA(t)) + P(t-1) dA_i(t), starting from its influence on p0, with
    // dA_i(t)[j][l] = (dN_ijl(t) - Y_ij(t) dA_jl(t)) / n_j(t); var(t) = sum_i w_i^2 U_i(t)^2.
    let mut var = vec![vec![0.0; t_len * k]; n_groups];
    let mut u = vec![0.0; k];
    let mut nu = vec![0.0; k];
    let mut lo = 0;
    while lo < ivs.len() {
        let p = ivs[lo].0;
        let mut hi = lo;
        while hi < ivs.len() && ivs[hi].0 == p {
            hi += 1;
        }
        let g = group[p] as usize;
        let w = weight.map_or(1.0, |w| w[p]);
        if w > 0.0 {
            let o = &out[g];
            let total: f64 = p0[g].iter().sum();
            u.iter_mut().for_each(|x| *x = 0.0);
            if ivs[lo].1 == 0 {
                let s0 = ivs[lo].3;
                for d in 0..k {
                    u[d] = ((d == s0) as u8 as f64 - o.pstate[d]) / total;
                }
            }
            let v = &mut var[g];
            for d in 0..k {
                v[d] += w * w * u[d] * u[d];
            }
            let first_t = ivs[lo].1 + 1;
            let mut cur = lo; // the interval holding t, if any
            for t in 1..t_len {
                // U (I + dA(t))
                nu.copy_from_slice(&u);
                for st in 0..k {
                    let n = o.n_risk[t * k + st];
                    if n <= 0.0 || u[st] == 0.0 {
                        continue;
                    }
                    let row = &trans[g][(t * k + st) * k..(t * k + st + 1) * k];
                    for (d, &x) in row.iter().enumerate() {
                        if x != 0.0 {
                            nu[d] += u[st] * x / n;
                            nu[st] -= u[st] * x / n;
                        }
                    }
                }
                // + P(t-1) dA_i(t) while at risk
                if t >= first_t {
                    while cur < hi && ivs[cur].2 < t {
                        cur += 1;
                    }
                    if cur < hi && ivs[cur].1 < t && t <= ivs[cur].2 {
                        let (_, _, b, j, next) = ivs[cur];
                        let n = o.n_risk[t * k + j];
                        let pj = o.pstate[(t - 1) * k + j];
                        let row = &trans[g][(t * k + j) * k..(t * k + j + 1) * k];
                        for l in 0..k {
                            if l == j {
                                continue;
                            }
                            let dn = (b == t && next >= 0 && next as usize == l) as u8 as f64;
                            let da = (dn - row[l] / n) / n;
                            nu[l] += pj * da;
                            nu[j] -= pj * da;
                        }
                    }
                }
                std::mem::swap(&mut u, &mut nu);
                for d in 0..k {
                    v[t * k + d] += w * w * u[d] * u[d];
                }
            }
        }
        lo = hi;
    }
    for (o, v) in out.iter_mut().zip(var) {
        o.std_err = v.into_iter().map(f64::sqrt).collect();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::build::{build_spells, Panel};
    use super::*;

    #[test]
    fn complete_follow_up_is_the_cross_tab() {
        // Without censoring the occupancy is the plain share in each state per period.
        let person = [0, 0, 0, 1, 1, 1, 2, 2, 2];
        let period = [0, 1, 2, 0, 1, 2, 0, 1, 2];
        let state = [0, 1, 1, 0, 0, 1, 0, 2, 0];
        let sp = build_spells(
            &Panel {
                key: None,
                person: &person,
                period: &period,
                state: &state,
                n_persons: 3,
                n_states: 3,
            },
            &[0, 0, 0],
            0,
            false,
        )
        .unwrap();
        let occ = occupancy(&sp, &[0, 0, 0], &[0, 0, 0], 1, None, 3, 2, true).unwrap();
        let p = &occ[0].pstate;
        assert_eq!(&p[0..3], &[1.0, 0.0, 0.0]);
        assert!(
            (p[3] - 1.0 / 3.0).abs() < 1e-15
                && (p[4] - 1.0 / 3.0).abs() < 1e-15
                && (p[5] - 1.0 / 3.0).abs() < 1e-15
        );
        assert!(
            (p[6] - 1.0 / 3.0).abs() < 1e-15
                && (p[7] - 2.0 / 3.0).abs() < 1e-15
                && p[8].abs() < 1e-15
        );
    }
}
