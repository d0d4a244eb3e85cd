//! The statistics the bootstrap can resample, each a function of a weight vector over the shared
//! data. Every statistic returns its values followed by their variances (NaN where it has none),
//! so the studentized interval can use them.

use crate::cox::residuals::baseline_at_times;
use crate::cox::{CoxFit, Prepared};
use crate::data::SurvData;
use crate::nonparametric::grid::Grid;
use crate::nonparametric::km::{curve, kaplan_meier, row_at, KmCurve, KmOptions};
use crate::nonparametric::risk::Blocks;
use crate::nonparametric::logrank::{logrank, LogrankOptions};
use crate::optim::{newton, NewtonOptions, NewtonResult};

/// What to report of Kaplan-Meier curves: S(t) at `times`, the `quantiles`, the RMST up to each
/// `tau`, per group; with two or more groups also, for each group against the first, the
/// difference in S(t), and the difference and ratio of the RMST.
#[derive(Debug, Clone)]
pub struct KmSpec {
    pub times: Vec<f64>,
    pub quantiles: Vec<f64>,
    pub taus: Vec<f64>,
    pub opts: KmOptions,
}

impl KmSpec {
    /// Number of reported values for `k` groups.
    pub fn len(&self, k: usize) -> usize {
        let per = self.times.len() + self.quantiles.len() + self.taus.len();
        k * per + k.saturating_sub(1) * (self.times.len() + 2 * self.taus.len())
    }

    pub fn is_empty(&self) -> bool {
        self.times.is_empty() && self.quantiles.is_empty() && self.taus.is_empty()
    }
}

fn surv_at(c: &KmCurve, t: f64) -> (f64, f64) {
    match row_at(&c.table.time, t) {
        None => (1.0, 0.0),
        Some(_) if c.table.time.last().is_none_or(|&l| t > l) => (f64::NAN, f64::NAN),
        Some(j) => (c.surv[j], c.se_surv[j] * c.se_surv[j]),
    }
}

/// What the Kaplan-Meier statistic keeps between replicates. Tied (whole-number) times go
/// through the dense grid, which needs no sort; untied times are sorted once per group here, and
/// each replicate only sweeps those rows with its own weights (rows of weight zero add nothing).
pub struct KmPrepared {
    blocks: Option<Blocks>,
}

impl KmPrepared {
    pub fn new(data: &SurvData) -> Self {
        let k = data.n_groups;
        let tied = Grid::build(data, None, |i| data.group_of(i), k).is_some();
        KmPrepared { blocks: (!tied).then(|| Blocks::new(data, data.group, k)) }
    }
}

/// Values then variances, in the layout of [`KmSpec`]; `prep` (from the same data) spares the
/// per-replicate sort of untied times.
pub fn km_statistic(data: &SurvData, w: Option<&[f64]>, spec: &KmSpec, prep: Option<&KmPrepared>) -> Vec<f64> {
    let curves = match prep.and_then(|p| p.blocks.as_ref()) {
        Some(b) => (0..b.n_blocks())
            .map(|g| {
                let (ex, en) = b.block(g);
                curve(data, w, ex, en, &spec.opts)
            })
            .collect(),
        None => kaplan_meier(data, w, &spec.opts),
    };
    let k = curves.len();
    let (mut val, mut var) = (Vec::with_capacity(spec.len(k)), Vec::with_capacity(spec.len(k)));
    let mut rm = vec![Vec::new(); k];
    let mut sv = vec![Vec::new(); k];
    for (g, c) in curves.iter().enumerate() {
        if c.table.is_empty() {
            let nan = spec.times.len() + spec.quantiles.len() + spec.taus.len();
            val.extend(std::iter::repeat_n(f64::NAN, nan));
            var.extend(std::iter::repeat_n(f64::NAN, nan));
            rm[g] = vec![(f64::NAN, f64::NAN); spec.taus.len()];
            sv[g] = vec![(f64::NAN, f64::NAN); spec.times.len()];
            continue;
        }
        for &t in &spec.times {
            let (s, v) = surv_at(c, t);
            val.push(s);
            var.push(v);
            sv[g].push((s, v));
        }
        for &q in &spec.quantiles {
            val.push(c.quantile_time(q));
            var.push(f64::NAN);
        }
        for &tau in &spec.taus {
            let (r, se) = c.rmst(tau);
            val.push(r);
            var.push(se * se);
            rm[g].push((r, se * se));
        }
    }
    for g in 1..k {
        for (a, b) in sv[g].iter().zip(&sv[0]) {
            val.push(a.0 - b.0);
            var.push(a.1 + b.1);
        }
        for (a, b) in rm[g].iter().zip(&rm[0]) {
            val.push(a.0 - b.0);
            var.push(a.1 + b.1);
            let r = a.0 / b.0;
            val.push(r);
            var.push(r * r * (a.1 / (a.0 * a.0) + b.1 / (b.0 * b.0)));
        }
    }
    val.extend(var);
    val
}

/// The log-rank (Fleming-Harrington) statistic; no variance.
pub fn logrank_statistic(data: &SurvData, w: Option<&[f64]>, opts: &LogrankOptions) -> Option<Vec<f64>> {
    logrank(data, w, opts).ok().map(|r| vec![r.statistic, f64::NAN])
}

/// A Cox model refitted on reweighted data: the replicate's weights and multiplicities per sorted
/// position, and the Newton-Raphson result started at the full-data estimate. `None` when the
/// replicate has no event, does not converge, has a singular information or a coefficient
/// running to infinity.
fn cox_refit(prep: &Prepared, full: &CoxFit, w: &[f64], counts: Option<&[f64]>, opts: &NewtonOptions) -> Option<(Vec<f64>, Option<Vec<f64>>, NewtonResult)> {
    let ws: Vec<f64> = prep.order.iter().map(|&i| w[i as usize]).collect();
    let mult: Option<Vec<f64>> = counts.map(|c| prep.order.iter().map(|&i| c[i as usize]).collect());
    if !ws.iter().zip(&prep.es).any(|(&x, &e)| x > 0.0 && e == 1) {
        return None;
    }
    let r = match prep.restrict(&ws, mult.as_deref()) {
        Some((sub, sw, sm)) => newton(|b| sub.evaluate_with(b, &sw, sm.as_deref()), &full.coef, opts).ok()?,
        None => newton(|b| prep.evaluate_with(b, &ws, mult.as_deref()), &full.coef, opts).ok()?,
    };
    if !r.converged {
        return None;
    }
    let p = r.beta.len();
    let eps = opts.eps;
    for j in 0..p {
        let v: f64 = (0..p).map(|k| r.score[k] * r.var[k * p + j]).sum::<f64>().abs();
        if v > eps && v > eps.sqrt() * r.beta[j].abs() {
            return None;
        }
    }
    Some((ws, mult, r))
}

/// Cox coefficients and their model-based variances on reweighted data (see [`cox_refit`]).
pub fn cox_statistic(prep: &Prepared, full: &CoxFit, w: &[f64], counts: Option<&[f64]>, opts: &NewtonOptions) -> Option<Vec<f64>> {
    let (_, _, r) = cox_refit(prep, full, w, counts, opts)?;
    let p = r.beta.len();
    let mut out = r.beta.clone();
    out.extend((0..p).map(|j| r.var[j * p + j]));
    Some(out)
}

/// What adjusted (direct-standardised) survival curves average: the design with the variable
/// set to each of `n_values` values (`n_values` blocks of n x p rows, uncentred, row-major), the
/// times, and each row's stratum.
pub struct AdjustedSpec<'a> {
    pub designs: &'a [f64],
    pub n_values: usize,
    pub times: &'a [f64],
    pub strata: Option<&'a [u32]>,
}

impl AdjustedSpec<'_> {
    /// Number of reported values: the curves (value x time), then each against the first.
    pub fn len(&self) -> usize {
        2 * self.n_values * self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One bootstrap replicate of the adjusted curves: its weights (times the case weights), its
/// multiplicities (`None` for Dirichlet weights) and the weights of the rows in the average.
pub type Replicate<'a> = (&'a [f64], Option<&'a [f64]>, &'a [f64]);

/// Adjusted survival of a Cox model: for each value, the average over the rows of
/// exp(-H0_s(t) exp(x_v'b)), then the differences against the first value; values then variances
/// (NaN: none). `replicate` is `None` on the full data (the fit as it stands, every row counted
/// once); in a replicate it holds the replicate's weights `w` (times the case weights), its
/// multiplicities (`None` for Dirichlet weights) and the weights of the rows in the average (its
/// counts or Dirichlet weights): the model and its baseline are refitted on them.
pub fn cox_adjusted_statistic(prep: &Prepared, full: &CoxFit, replicate: Option<Replicate>, spec: &AdjustedSpec, opts: &NewtonOptions) -> Option<Vec<f64>> {
    let n = prep.order.len();
    let ones;
    let (beta, h, avg) = match replicate {
        None => {
            ones = vec![1.0; n];
            (full.coef.clone(), baseline_at_times(prep, &full.coef, &prep.ws, None, spec.times), &ones[..])
        }
        Some((w, mult, avg)) => {
            let (ws, mult, r) = cox_refit(prep, full, w, mult, opts)?;
            let h = baseline_at_times(prep, &r.beta, &ws, mult.as_deref(), spec.times);
            (r.beta, h, avg)
        }
    };
    let (p, nt) = (beta.len(), spec.times.len());
    let total: f64 = avg.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut curves = vec![0.0; spec.n_values * nt];
    for v in 0..spec.n_values {
        let acc = &mut curves[v * nt..(v + 1) * nt];
        for (i, &a) in avg.iter().enumerate() {
            if a == 0.0 {
                continue;
            }
            let x = &spec.designs[(v * n + i) * p..(v * n + i + 1) * p];
            let r = x.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>().exp();
            let s = spec.strata.map_or(0, |st| st[i] as usize);
            for (o, &hj) in acc.iter_mut().zip(&h[s * nt..(s + 1) * nt]) {
                *o += a * (-hj * r).exp();
            }
        }
        acc.iter_mut().for_each(|o| *o /= total);
    }
    let mut out = curves.clone();
    out.extend((0..spec.n_values * nt).map(|j| curves[j] - curves[j % nt]));
    out.extend(std::iter::repeat_n(f64::NAN, spec.len()));
    Some(out)
}

/// The propensity side of an IPTW bootstrap: treatment (0/1, or arm codes), the propensity
/// covariates (n x q), the number of arms and how the weights are made.
pub struct IptwSpec<'a> {
    pub treatment: &'a [f64],
    pub z: &'a [f64],
    pub q: usize,
    pub arms: usize,
    pub opts: crate::weighting::IptwOptions,
    /// Starting values of the propensity model (its full-data estimate), if known.
    pub init: Option<Vec<f64>>,
}

/// IPTW weights with the propensity model refitted under the case weights `counts`; `None` when
/// it does not converge.
pub fn iptw_weights(spec: &IptwSpec, counts: Option<&[f64]>) -> Option<Vec<f64>> {
    let fit = crate::weighting::iptw_fit(spec.treatment, spec.z, spec.q, spec.arms, &spec.opts, counts, spec.init.as_deref()).ok()?;
    fit.model.converged.then_some(fit.weights)
}

/// An IPTW-weighted Cox model in one bootstrap replicate: the propensity model is refitted on
/// the replicate, its weights times the replicate counts weight the Cox model.
pub fn iptw_cox_statistic(prep: &Prepared, full: &CoxFit, spec: &IptwSpec, counts: &[f64], mult: bool, opts: &NewtonOptions) -> Option<Vec<f64>> {
    let w = iptw_weights(spec, Some(counts))?;
    let wf: Vec<f64> = w.iter().zip(counts).map(|(a, c)| a * c).collect();
    cox_statistic(prep, full, &wf, if mult { Some(counts) } else { None }, opts)
}

/// AFT coefficients (and log scale) with their variances, refitted on reweighted data; `None`
/// when the replicate does not converge.
/// AFT coefficients (and log scale) and their variances on reweighted data; Newton's iterations
/// start at `start` (the full-data estimate) when given, else as survreg's.
pub fn aft_statistic(obs: &[crate::parametric::Obs], x: &[f64], p: usize, dist: crate::parametric::Dist, w: &[f64], opts: &NewtonOptions, start: Option<&[f64]>) -> Option<Vec<f64>> {
    let inp = crate::parametric::AftInput { obs, x, p, weight: Some(w), strata: None };
    let f = match start {
        Some(s) => crate::parametric::fit_from(inp, dist, opts, s),
        None => crate::parametric::fit(inp, dist, opts),
    }
    .ok()?;
    if !f.converged {
        return None;
    }
    let q = f.var.len().isqrt();
    let mut out = f.coef.clone();
    if q > p {
        out.push(f.scale.ln());
    }
    out.extend((0..q).map(|j| f.var[j * q + j]));
    Some(out)
}

/// Cumulative incidence of each cause at `times`, per group (group, cause, time order), values
/// then variances (NaN after a group's last time).
/// The cumulative incidence of each cause at `times` per group, then the variances; `blocks`
/// (the rows sorted per group once) spares the per-replicate sort.
pub fn cif_statistic(data: &SurvData, cause: &[u8], k: usize, times: &[f64], w: Option<&[f64]>, blocks: Option<&Blocks>) -> Vec<f64> {
    let mut d = *data;
    d.weight = w;
    let curves = match blocks {
        Some(b) => crate::competing::cif::cumulative_incidence_sorted(&d, cause, k, b),
        None => crate::competing::cumulative_incidence(&d, cause, k),
    };
    let (mut val, mut var) = (Vec::new(), Vec::new());
    for c in &curves {
        for cc in 0..k {
            for &t in times {
                let j = c.time.partition_point(|&x| x <= t);
                if c.time.is_empty() || t > *c.time.last().unwrap() {
                    val.push(f64::NAN);
                    var.push(f64::NAN);
                } else if j == 0 {
                    val.push(0.0);
                    var.push(0.0);
                } else {
                    val.push(c.cif[(j - 1) * k + cc]);
                    var.push(c.se[(j - 1) * k + cc].powi(2));
                }
            }
        }
    }
    val.extend(var);
    val
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testutil::uniform;

    #[test]
    fn km_presorted_replicates_equal_a_fresh_estimate() {
        // Untied times, 3 groups, replicate counts with zeros (rows left out) and repeats.
        let n = 500;
        let exit: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64 / 13.0 + 0.01).collect();
        let event: Vec<u8> = (0..n).map(|i| (i % 3 != 0) as u8).collect();
        let group: Vec<u32> = (0..n).map(|i| (i % 3) as u32).collect();
        let d = SurvData::new(&exit, &event, None, None).unwrap().with_groups(&group, 3).unwrap();
        let prep = KmPrepared::new(&d);
        assert!(prep.blocks.is_some(), "untied data take the presorted path");
        let spec = KmSpec { times: vec![10.0, 40.0], quantiles: vec![0.5], taus: vec![50.0], opts: KmOptions::default() };
        for rep in 0..5u64 {
            let w: Vec<f64> = (0..n as u64).map(|i| ((i * 2654435761 + rep * 97) % 5) as f64 / 2.0).map(f64::floor).collect();
            let fresh = km_statistic(&d, Some(&w), &spec, None);
            let kept = km_statistic(&d, Some(&w), &spec, Some(&prep));
            assert_eq!(fresh.len(), kept.len());
            for (a, b) in fresh.iter().zip(&kept) {
                assert!((a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * a.abs().max(1.0), "{a} vs {b}");
            }
        }
        // Whole-number times stay on the grid.
        let months: Vec<f64> = exit.iter().map(|t| t.ceil()).collect();
        let dm = SurvData::new(&months, &event, None, None).unwrap().with_groups(&group, 3).unwrap();
        assert!(KmPrepared::new(&dm).blocks.is_none());
    }

    #[test]
    fn aft_replicates_from_the_full_estimate_equal_cold_starts() {
        // As for Cox: warm starts (the full-data estimate) and survreg's start agree on every
        // replicate to the convergence tolerance, for each distribution and censoring type.
        use crate::bootstrap::{Resampler, Scheme};
        use crate::parametric::{Dist, Obs};
        let (n, p) = (300, 3);
        let mut u = uniform(99);
        let x: Vec<f64> = (0..n).flat_map(|_| [1.0, u() - 0.5, (u() < 0.5) as u8 as f64]).collect();
        let obs: Vec<Obs> = (0..n)
            .map(|i| {
                let t = -5.0 * u().ln() * (1.0 + x[i * p + 1]).exp() + 0.01;
                match i % 7 {
                    0 => Obs::Right(t),
                    1 => Obs::Interval(t, t * 1.5),
                    2 => Obs::Left(t),
                    _ => Obs::Exact(t),
                }
            })
            .collect();
        let r = Resampler::new(n, Scheme::Ordinary).unwrap();
        let opts = NewtonOptions { max_iter: 30, eps: 1e-9, step_tol: 1e-9 };
        let ones = vec![1.0; n];
        let mut w = vec![0.0; n];
        for dist in [Dist::Weibull, Dist::LogNormal, Dist::LogLogistic, Dist::Exponential] {
            let t0 = aft_statistic(&obs, &x, p, dist, &ones, &opts, None).unwrap();
            let theta0 = &t0[..t0.len() / 2];
            for rep in 0..10u64 {
                r.weights(3, rep, &mut w);
                let warm = aft_statistic(&obs, &x, p, dist, &w, &opts, Some(theta0)).unwrap();
                let cold = aft_statistic(&obs, &x, p, dist, &w, &opts, None).unwrap();
                for j in 0..theta0.len() {
                    assert!((warm[j] - cold[j]).abs() <= 1e-8 * warm[j].abs().max(1.0), "{dist:?} replicate {rep}: {warm:?} {cold:?}");
                }
            }
        }
    }

    #[test]
    fn cox_replicates_from_the_full_estimate_equal_cold_starts() {
        // Warm starts (the full-data estimate) and cold starts (zero) stop on the same criterion:
        // every replicate's coefficients agree to the convergence tolerance.
        use crate::bootstrap::{Resampler, Scheme};
        use crate::cox::{fit_prepared, CoxInput, CoxOptions, Ties};
        let (n, p) = (400, 3);
        let mut u = uniform(12345);
        let x: Vec<f64> = (0..n * p).map(|_| u() - 0.5).collect();
        let t: Vec<f64> = (0..n).map(|i| -8.0 * u().ln() * (1.0 + x[i * p])).collect();
        let e: Vec<u8> = (0..n).map(|_| (u() < 0.7) as u8).collect();
        let data = SurvData::new(&t, &e, None, None).unwrap();
        let prep = Prepared::new(CoxInput { data, x: &x, p, offset: None }, Ties::Efron).unwrap();
        let full = fit_prepared(&prep, &CoxOptions::default()).unwrap();
        let mut cold = full.clone();
        cold.coef = vec![0.0; p];
        let r = Resampler::new(n, Scheme::Ordinary).unwrap();
        let opts = NewtonOptions::default();
        let mut w = vec![0.0; n];
        for rep in 0..20u64 {
            r.weights(7, rep, &mut w);
            let warm = cox_statistic(&prep, &full, &w, Some(&w), &opts).unwrap();
            let cold = cox_statistic(&prep, &cold, &w, Some(&w), &opts).unwrap();
            for j in 0..p {
                assert!((warm[j] - cold[j]).abs() <= 1e-8 * warm[j].abs().max(1.0), "replicate {rep}: {warm:?} {cold:?}");
            }
        }
    }
}

/// One outcome of a register panel, per person kept by its rule: the rows' persons (indices into
/// the person weights), their survival data with the arm as the group, and the sort kept across
/// replicates.
pub struct PanelOutcome<'a> {
    pub person: &'a [u32],
    pub data: SurvData<'a>,
    pub prep: KmPrepared,
}

/// The statistic of a whole panel pipeline (spells -> outcomes -> estimators), with weights per
/// person: for every outcome, group and time the share with the event by then (1 - the
/// Kaplan-Meier estimate), then the occupancy of every group, time and state. A person resampled
/// k times is k relabelled copies: the spell and outcome rules work per person, so the copies'
/// outcome rows and spells are the original's, and a replicate is the estimators with the
/// person's count as weight.
pub struct PanelSpec<'a> {
    pub outcomes: Vec<PanelOutcome<'a>>,
    pub n_groups: usize,
    pub times: Vec<f64>,
    pub occupancy: Option<(&'a crate::spells::occupancy::Intervals, Vec<usize>)>,
}

impl PanelSpec<'_> {
    pub fn len(&self) -> usize {
        let occ = self.occupancy.as_ref().map_or(0, |(iv, ts)| iv.n_groups * ts.len() * iv.n_states);
        self.outcomes.len() * self.n_groups * self.times.len() + occ
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// See [`PanelSpec`]; `w` per person (`None`: the full data). `None` when a group has nobody at
/// the origin in the replicate's occupancy.
pub fn panel_statistic(spec: &PanelSpec, w: Option<&[f64]>) -> Option<Vec<f64>> {
    let mut out = Vec::with_capacity(spec.len());
    let km = KmSpec { times: spec.times.clone(), quantiles: Vec::new(), taus: Vec::new(), opts: KmOptions::default() };
    let mut wo = Vec::new();
    for o in &spec.outcomes {
        let wr = w.map(|w| {
            wo.clear();
            wo.extend(o.person.iter().map(|&p| w[p as usize]));
            &wo[..]
        });
        let v = km_statistic(&o.data, wr, &km, Some(&o.prep));
        // values come per group, times first; a group without rows has NaN
        out.extend(v[..spec.n_groups * spec.times.len()].iter().map(|s| 1.0 - s));
    }
    if let Some((iv, ts)) = &spec.occupancy {
        let curves = iv.curves(w).ok()?;
        for c in &curves {
            for &t in ts {
                out.extend_from_slice(&c.pstate[t * c.n_states..(t + 1) * c.n_states]);
            }
        }
    }
    Some(out)
}
