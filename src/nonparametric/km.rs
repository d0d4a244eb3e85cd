//! Kaplan-Meier and Nelson-Aalen curves with Greenwood or infinitesimal-jackknife variance,
//! and the summaries R's `survfit` gives: quantiles with Brookmeyer-Crowley limits, survival at
//! given times, and the restricted mean with its standard error.
//!
//! With `n_j` at risk and `d_j` events (weighted) at the distinct times `t_j`:
//!
//! * `S(t) = prod_{t_j <= t} (1 - d_j / n_j)`
//! * Greenwood: `var(log S(t)) = sum_{t_j <= t} d_j / (n_j (n_j - d_j))`
//! * Infinitesimal jackknife (R's `robust = TRUE`): `var S(t) = sum_i (w_i U_i(t))^2` with
//!   `U_i(t) = dS(t)/dw_i = S(t) sum_{t_j <= t} (d_j Y_i(t_j) - n_j dN_i(t_j)) / (n_j (n_j - d_j))`
//! * Nelson-Aalen: `H(t) = sum d_j / n_j`, `var H(t) = sum d_j / n_j^2` (R's `std.chaz`).

use rayon::prelude::*;

use super::ci::{limits, log_limits, ConfType, ExpTrack};
use super::grid::Grid;
use super::risk::{tables_from_records, Blocks, RiskTable};
use crate::data::SurvData;

#[derive(Debug, Clone, Copy)]
pub struct KmOptions {
    pub robust: bool,
    pub conf_type: ConfType,
    pub conf_level: f64,
    /// The cumulative hazard with Fleming and Harrington's correction for ties (R's `ctype = 2`):
    /// d tied events among n at risk add `sum_{k<d} 1 / (n - k)` (with weights,
    /// `(d_w / d) / (n - k d_w / d)`), the Efron approximation's increment, instead of `d / n`.
    pub ctype2: bool,
}

impl Default for KmOptions {
    fn default() -> Self {
        KmOptions { robust: false, conf_type: ConfType::Log, conf_level: 0.95, ctype2: false }
    }
}

/// One Kaplan-Meier curve: one row per distinct time, censorings included.
#[derive(Debug, Clone, Default)]
pub struct KmCurve {
    pub table: RiskTable,
    pub surv: Vec<f64>,
    /// Standard error of S(t) (R's `summary(fit)$std.err`).
    pub se_surv: Vec<f64>,
    /// Standard error of log S(t) (R's `fit$std.err`), used for the intervals.
    pub se_log: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    /// Nelson-Aalen cumulative hazard and its standard error.
    pub cumhaz: Vec<f64>,
    pub se_cumhaz: Vec<f64>,
}

// rows from which the curves of the groups are computed in parallel
use crate::data::PARALLEL_ROWS;

/// One curve per group (a single curve without groups), computed from one pass over the data:
/// tied times go through the dense grid of [`super::grid`], the rest through one sort per group.
pub fn kaplan_meier(data: &SurvData, w: Option<&[f64]>, opts: &KmOptions) -> Vec<KmCurve> {
    kaplan_meier_clustered(data, w, opts, None)
}

/// As [`kaplan_meier`]; with `cluster` (codes 0..G per row) the infinitesimal-jackknife variance
/// sums the influence within clusters first (R's `survfit(..., cluster = )`), which implies
/// `robust`.
pub fn kaplan_meier_clustered(data: &SurvData, w: Option<&[f64]>, opts: &KmOptions, cluster: Option<(&[u32], usize)>) -> Vec<KmCurve> {
    let k = data.n_groups;
    let opts = &KmOptions { robust: opts.robust || cluster.is_some(), ..*opts };
    if !opts.robust && !opts.ctype2 {
        // Curves are independent: on large data groups run in parallel (results do not depend on
        // threads); small data (a bootstrap replicate) stay on the calling thread.
        let par = data.len() >= PARALLEL_ROWS;
        if let Some(grid) = Grid::build(data, w, |i| data.group_of(i), k) {
            return if par {
                (0..k).into_par_iter().map(|g| from_table(grid.table(g), opts)).collect()
            } else {
                (0..k).map(|g| from_table(grid.table(g), opts)).collect()
            };
        }
        if data.entry.is_none() {
            let tables = tables_from_records(data, w, |i| data.group_of(i), k);
            return if par {
                tables.into_par_iter().map(|t| from_table(t, opts)).collect()
            } else {
                tables.into_iter().map(|t| from_table(t, opts)).collect()
            };
        }
    }
    let blocks = Blocks::new(data, data.group, k);
    (0..blocks.n_blocks())
        .into_par_iter()
        .map(|g| {
            let (ex, en) = blocks.block(g);
            curve_clustered(data, w, ex, en, opts, cluster)
        })
        .collect()
}

/// The curve of the rows `by_exit` (sorted by exit; `by_entry` sorted by entry).
pub fn curve(data: &SurvData, w: Option<&[f64]>, by_exit: &[u32], by_entry: Option<&[u32]>, opts: &KmOptions) -> KmCurve {
    curve_clustered(data, w, by_exit, by_entry, opts, None)
}

fn curve_clustered(data: &SurvData, w: Option<&[f64]>, by_exit: &[u32], by_entry: Option<&[u32]>, opts: &KmOptions, cluster: Option<(&[u32], usize)>) -> KmCurve {
    let table = RiskTable::build(data, w, by_exit, by_entry);
    let mut c = from_table(table, &KmOptions { robust: false, ..*opts });
    if opts.ctype2 {
        (c.cumhaz, c.se_cumhaz) = fh_hazard(data, by_exit, &c.table);
    }
    if opts.robust {
        let own: Vec<u32>;
        let cl = match cluster {
            Some(cl) => cl,
            None => {
                own = (0..data.len() as u32).collect();
                (&own[..], data.len())
            }
        };
        let v = ij_variance_clustered(data, w, by_exit, by_entry, &c.table, &c.surv, cl, Target::Survival);
        let target = if opts.ctype2 { Target::CumHazFh } else { Target::CumHaz };
        c.se_cumhaz = ij_variance_clustered(data, w, by_exit, by_entry, &c.table, &c.surv, cl, target);
        for (j, &vj) in v.iter().enumerate() {
            c.se_log[j] = if vj == 0.0 { 0.0 } else { vj / c.surv[j] };
        }
        c.se_surv = v;
        let z = crate::dist::z_for_level(opts.conf_level);
        (c.lower, c.upper) = c.surv.iter().zip(&c.se_log).map(|(&s, &e)| limits(s, e, opts.conf_type, z)).unzip();
    }
    c
}

/// Number of event rows (unweighted) at each time of `table`, from the rows sorted by exit.
fn event_rows(data: &SurvData, by_exit: &[u32], table: &RiskTable) -> Vec<f64> {
    let mut out = vec![0.0; table.len()];
    let mut j = 0;
    for &i in by_exit {
        let i = i as usize;
        let t = data.exit[i];
        while j < table.len() && table.time[j] < t {
            j += 1;
        }
        if data.event[i] == 1 && j < table.len() && table.time[j] == t {
            out[j] += 1.0;
        }
    }
    out
}

/// The terms of the tie-corrected hazard increment at a time with `d0` event rows of total
/// weight `d1` among a weight `n` at risk: with `b_k = 1 / (n - d1 + (k / d0) d1)`, k = 1..d0,
/// returns `(sum b_k / d0, sum b_k^2 / d0, sum (k / d0) b_k^2 / d0)`; the increment is `d1` times
/// the first, its model-based variance `d1` times the second.
fn fh_terms(n: f64, d0: f64, d1: f64) -> (f64, f64, f64) {
    let (mut s1, mut s2, mut s3) = (0.0, 0.0, 0.0);
    let m = d0 as usize;
    for k in 1..=m {
        let f = k as f64 / d0;
        let b = 1.0 / (n - d1 + f * d1);
        s1 += b;
        s2 += b * b;
        s3 += f * b * b;
    }
    (s1 / d0, s2 / d0, s3 / d0)
}

/// The cumulative hazard with the Fleming-Harrington correction for ties and its model-based
/// standard error (R's `ctype = 2`: `std.chaz` from `sum (d1 / d0) b_k^2`).
fn fh_hazard(data: &SurvData, by_exit: &[u32], table: &RiskTable) -> (Vec<f64>, Vec<f64>) {
    let d0 = event_rows(data, by_exit, table);
    let (mut h, mut v) = (0.0, 0.0);
    let mut cumhaz = Vec::with_capacity(table.len());
    let mut se = Vec::with_capacity(table.len());
    for j in 0..table.len() {
        let (n, d1) = (table.n_risk[j], table.n_event[j]);
        if d0[j] > 0.0 && d1 > 0.0 {
            let (s1, s2, _) = fh_terms(n, d0[j], d1);
            h += d1 * s1;
            v += d1 * s2;
        }
        cumhaz.push(h);
        se.push(v.sqrt());
    }
    (cumhaz, se)
}

/// Kaplan-Meier, Greenwood and Nelson-Aalen from a risk table.
pub fn from_table(table: RiskTable, opts: &KmOptions) -> KmCurve {
    let m = table.len();
    let (mut surv, mut se_surv, mut se_log, mut lower, mut upper) = (vec![0.0; m], vec![0.0; m], vec![0.0; m], vec![0.0; m], vec![0.0; m]);
    let (mut cumhaz, mut se_cumhaz) = (vec![0.0; m], vec![0.0; m]);
    let out = Estimates {
        surv: &mut surv,
        se_surv: &mut se_surv,
        lower: &mut lower,
        upper: &mut upper,
        se_log: Some(&mut se_log),
        hazard: Some((&mut cumhaz, &mut se_cumhaz)),
    };
    estimates(&table.n_risk, &table.n_event, opts, out);
    KmCurve { table, surv, se_surv, se_log, lower, upper, cumhaz, se_cumhaz }
}

/// The columns [`estimates`] writes, each as long as the risk table; `se_log` and the hazard
/// (Nelson-Aalen and its standard error) only where wanted.
pub struct Estimates<'a> {
    pub surv: &'a mut [f64],
    pub se_surv: &'a mut [f64],
    pub lower: &'a mut [f64],
    pub upper: &'a mut [f64],
    pub se_log: Option<&'a mut [f64]>,
    pub hazard: Option<(&'a mut [f64], &'a mut [f64])>,
}

/// Kaplan-Meier with Greenwood's variance, its limits, and Nelson-Aalen with its variance, from
/// the numbers at risk and the events at each time: one pass, written into `out`.
pub fn estimates(n_risk: &[f64], n_event: &[f64], opts: &KmOptions, mut out: Estimates<'_>) {
    let z = crate::dist::z_for_level(opts.conf_level);
    let (mut s, mut gw, mut h, mut vh) = (1.0, 0.0, 0.0, 0.0);
    let (mut sg, mut sv) = (0.0, 0.0);
    // The limits change only where S(t) or its standard error does (event times): censoring-only
    // rows repeat the row before.
    let mut prev: Option<(f64, f64, (f64, f64))> = None;
    let mut track = ExpTrack::default();
    let with_hazard = out.hazard.is_some();
    for (j, (&n, &d)) in n_risk.iter().zip(n_event).enumerate() {
        if d > 0.0 {
            s *= (n - d) / n;
            gw += d / (n * (n - d));
            sg = gw.sqrt();
            if with_hazard {
                h += d / n;
                vh += d / (n * n);
                sv = vh.sqrt();
            }
        }
        let lim = match prev {
            Some((ps, pe, l)) if ps == s && pe == sg => l,
            _ if opts.conf_type == ConfType::Log => log_limits(s, track.exp(z * sg)),
            _ => limits(s, sg, opts.conf_type, z),
        };
        prev = Some((s, sg, lim));
        out.surv[j] = s;
        out.se_surv[j] = s * sg;
        (out.lower[j], out.upper[j]) = lim;
        if let Some(se_log) = out.se_log.as_deref_mut() {
            se_log[j] = sg;
        }
        if let Some((cumhaz, se_cumhaz)) = out.hazard.as_mut() {
            cumhaz[j] = h;
            se_cumhaz[j] = sv;
        }
    }
}

/// Neumaier-compensated running sum: the at-risk sums below are updated by many additions and
/// removals, and compensation keeps their tail values accurate.
#[derive(Default, Clone, Copy)]
struct Acc {
    s: f64,
    c: f64,
}

impl Acc {
    #[inline]
    fn add(&mut self, x: f64) {
        let t = self.s + x;
        if self.s.abs() >= x.abs() {
            self.c += (self.s - t) + x;
        } else {
            self.c += (x - t) + self.s;
        }
        self.s = t;
    }
    #[inline]
    fn get(&self) -> f64 {
        self.s + self.c
    }
}

/// What an infinitesimal-jackknife standard error is of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// S(t): with `A(t) = sum_{t_j <= t} d_j / (n_j (n_j - d_j))` and `B_i = A(entry_i)`, a row
    /// still at risk at t has `U_i / S = A(t) - B_i`; a row that left at `x_i <= t` has the
    /// constant `A(x_i) - B_i - event_i / (n - d)(x_i)`; `var S(t) = S(t)^2 sum_i (w_i U_i / S)^2`.
    Survival,
    /// The tie-corrected hazard of `ctype = 2`: a row at risk at a time with `d0` event rows of
    /// weight `d1` among `n` has the derivative `-d1 sum b_k^2 / d0`, and an event row adds
    /// `sum b_k / d0 - d1 sum (k / d0) b_k^2 / d0` (see [`fh_terms`]).
    CumHazFh,
    /// The Nelson-Aalen H(t) (R's robust `std.chaz`): the same with `A(t) = sum d_j / n_j^2`, the
    /// jump `1 / n` and no factor S(t).
    CumHaz,
}

/// The infinitesimal-jackknife standard error of S(t) (or of H(t)) with the influence summed within clusters:
/// `var S(t) = S(t)^2 sum_g u_g(t)^2`, `u_g(t) = A(t) W_g + V_g`, where W_g is the weight of the
/// cluster's rows still at risk and V_g collects `-w B` of those and the frozen influence of the
/// rows that left. The three sums over clusters are updated as rows enter and leave: O(n + m).
#[allow(clippy::too_many_arguments)]
fn ij_variance_clustered(data: &SurvData, w: Option<&[f64]>, by_exit: &[u32], by_entry: Option<&[u32]>, table: &RiskTable, surv: &[f64], cluster: (&[u32], usize), target: Target) -> Vec<f64> {
    let (codes, g_n) = cluster;
    let wt = |i: usize| w.map_or(1.0, |w| w[i]);
    let m = table.len();
    struct Sums {
        wg: Vec<f64>,
        vg: Vec<f64>,
        sw2: Acc,
        swv: Acc,
        sv2: Acc,
    }
    impl Sums {
        fn change(&mut self, g: usize, dw: f64, dv: f64) {
            let (w0, v0) = (self.wg[g], self.vg[g]);
            let (w1, v1) = (w0 + dw, v0 + dv);
            self.sw2.add(w1 * w1 - w0 * w0);
            self.swv.add(w1 * v1 - w0 * v0);
            self.sv2.add(v1 * v1 - v0 * v0);
            self.wg[g] = w1;
            self.vg[g] = v1;
        }
    }
    let mut sums = Sums { wg: vec![0.0; g_n], vg: vec![0.0; g_n], sw2: Acc::default(), swv: Acc::default(), sv2: Acc::default() };
    if by_entry.is_none() {
        for &i in by_exit {
            sums.change(codes[i as usize] as usize, wt(i as usize), 0.0);
        }
    }
    let mut out = Vec::with_capacity(m);
    let (mut p, mut q) = (0usize, 0usize);
    let mut a = 0.0;
    let mut dead = false;
    for j in 0..m {
        let t = table.time[j];
        if let (Some(entry), Some(be)) = (data.entry, by_entry) {
            while p < be.len() && entry[be[p] as usize] < t {
                let i = be[p] as usize;
                sums.change(codes[i] as usize, wt(i), -wt(i) * a);
                p += 1;
            }
        }
        let (n, d) = (table.n_risk[j], table.n_event[j]);
        // the at-risk part of the influence grows by the increment of `a`; an event row leaving
        // at t also carries `jump`
        let jump = match target {
            Target::CumHaz => {
                if d > 0.0 {
                    a += d / (n * n);
                }
                1.0 / n
            }
            Target::CumHazFh => {
                let d0 = by_exit[q..].iter().take_while(|&&i| data.exit[i as usize] == t).filter(|&&i| data.event[i as usize] == 1).count() as f64;
                if d0 > 0.0 && d > 0.0 {
                    let (s1, s2, s3) = fh_terms(n, d0, d);
                    a += d * s2;
                    s1 - d * s3 + d * s2
                } else {
                    0.0
                }
            }
            Target::Survival => {
                if d > 0.0 {
                    if n - d <= 0.0 {
                        dead = true;
                    } else {
                        a += d / (n * (n - d));
                    }
                }
                if dead { 0.0 } else { 1.0 / (n - d) }
            }
        };
        while q < by_exit.len() && data.exit[by_exit[q] as usize] == t {
            let i = by_exit[q] as usize;
            let own = if data.event[i] == 1 { jump } else { 0.0 };
            sums.change(codes[i] as usize, -wt(i), wt(i) * (a - own));
            q += 1;
        }
        let v = (a * a * sums.sw2.get() + 2.0 * a * sums.swv.get() + sums.sv2.get()).max(0.0).sqrt();
        out.push(match target {
            Target::Survival if dead || surv[j] == 0.0 => 0.0,
            Target::Survival => surv[j] * v,
            _ => v,
        });
    }
    out
}

/// R's `findq` (survival:::findq): the smallest x at which the step function y reaches p, with the
/// midpoint rule where y equals p (within `tol`) over an interval. NaN values of y are skipped,
/// as R's `approx` does. Returns NaN where R gives NA.
pub fn findq(x: &[f64], y: &[f64], p: f64, tol: f64) -> f64 {
    let ymax = y.iter().copied().filter(|v| !v.is_nan()).fold(f64::NEG_INFINITY, f64::max);
    if ymax < p {
        return f64::NAN;
    }
    let xmax = *x.last().unwrap();
    // Drop duplicated y values (NaN counts as a duplicate of NaN), keeping the first, as R's
    // duplicated(). On a monotone curve without NaN (1 - S always, the limits nearly always) the
    // duplicates are neighbours; otherwise a set keeps this linear.
    let mut xs = Vec::with_capacity(x.len());
    let mut ys = Vec::with_capacity(y.len());
    if y.windows(2).all(|w| w[0] <= w[1]) && !y.iter().any(|v| v.is_nan()) {
        for (&xi, &yi) in x.iter().zip(y) {
            if ys.last() != Some(&yi) {
                xs.push(xi);
                ys.push(yi);
            }
        }
    } else {
        let mut seen = std::collections::HashSet::with_capacity(y.len());
        for (&xi, &yi) in x.iter().zip(y) {
            let key = if yi.is_nan() { f64::NAN.to_bits() } else { (yi + 0.0).to_bits() };
            if seen.insert(key) {
                xs.push(xi);
                ys.push(yi);
            }
        }
    }
    let last_y = *ys.last().unwrap();
    // approx(y + off, 1:n, p, "constant", f = 1) on the non-NA points: approx orders the points
    // by y, so this is the point with the smallest y such that y + off >= p; NA outside the range
    // (rule = 1). The confidence curves need not be monotone, so the order matters.
    let first_at_least = |off: f64| -> Option<usize> {
        let mut best: Option<usize> = None;
        let mut lowest = f64::INFINITY;
        for (k, &v) in ys.iter().enumerate() {
            if v.is_nan() {
                continue;
            }
            lowest = lowest.min(v);
            if v + off >= p && best.is_none_or(|b| v < ys[b]) {
                best = Some(k);
            }
        }
        if p < lowest + off {
            None
        } else {
            best
        }
    };
    if p == 0.0 {
        return xs[0];
    }
    let i1 = first_at_least(tol);
    let i2 = first_at_least(-tol);
    if !last_y.is_nan() && (p - last_y).abs() < tol {
        return match i1 {
            Some(k) => (xs[k] + xmax) / 2.0,
            None => f64::NAN,
        };
    }
    match (i1, i2) {
        (Some(a), Some(b)) => (xs[a] + xs[b]) / 2.0,
        _ => f64::NAN,
    }
}

/// R's default tolerance in `quantile.survfit`: `sqrt(.Machine$double.eps)`.
pub const QUANTILE_TOL: f64 = 1.4901161193847656e-08;

/// The time by which a share `p` has had the event (1 - S(t) = p; p = 0.5 is the median) with
/// its limits from the confidence curves, as R's `quantile.survfit`. Returns (time, lower, upper).
pub fn quantile(time: &[f64], surv: &[f64], lower: &[f64], upper: &[f64], p: f64) -> (f64, f64, f64) {
    (quantile_time(time, surv, p), quantile_time(time, lower, p), quantile_time(time, upper, p))
}

/// The point estimate of [`quantile`] alone (of `surv`, or of one confidence curve).
pub fn quantile_time(time: &[f64], surv: &[f64], p: f64) -> f64 {
    let mut x = Vec::with_capacity(time.len() + 1);
    x.push(0.0f64.min(time.first().copied().unwrap_or(0.0)));
    x.extend_from_slice(time);
    let y: Vec<f64> = std::iter::once(0.0).chain(surv.iter().map(|s| 1.0 - s)).collect();
    findq(&x, &y, p, QUANTILE_TOL)
}

/// Row in force at time t (the last distinct time <= t); `None` before the first.
pub fn row_at(time: &[f64], t: f64) -> Option<usize> {
    let k = time.partition_point(|&x| x <= t);
    if k == 0 {
        None
    } else {
        Some(k - 1)
    }
}

/// Restricted mean survival time up to `tau` and its standard error, as R's
/// `print(fit, rmean = tau)`: the area under S from 0 to tau, with variance
/// `sum_{t_j <= tau} d_j / (n_j (n_j - d_j)) (int_{t_j}^{tau} S)^2`.
pub fn rmst(time: &[f64], surv: &[f64], n_risk: &[f64], n_event: &[f64], tau: f64) -> (f64, f64) {
    let start = 0.0f64.min(time.first().copied().unwrap_or(0.0));
    let keep = time.partition_point(|&x| x <= tau);
    // Rectangles under the step function, from start to tau.
    let mut area = 0.0;
    let mut prev_t = start;
    let mut prev_s = 1.0;
    let mut rect = Vec::with_capacity(keep + 1);
    for j in 0..keep {
        let r = (time[j] - prev_t) * prev_s;
        rect.push(r);
        area += r;
        prev_t = time[j];
        prev_s = surv[j];
    }
    let r = (tau - prev_t) * prev_s;
    rect.push(r);
    area += r;
    // Variance: walk back from tau accumulating the area to the right of each time.
    let mut right = 0.0;
    let mut var = 0.0;
    for j in (0..keep).rev() {
        right += rect[j + 1];
        let (n, d) = (n_risk[j], n_event[j]);
        let hh = if n - d == 0.0 { 0.0 } else { d / (n * (n - d)) };
        var += right * right * hh;
    }
    (area + start, var.sqrt())
}

impl KmCurve {
    pub fn quantile(&self, p: f64) -> (f64, f64, f64) {
        quantile(&self.table.time, &self.surv, &self.lower, &self.upper, p)
    }

    /// The time alone, without its limits.
    pub fn quantile_time(&self, p: f64) -> f64 {
        quantile_time(&self.table.time, &self.surv, p)
    }

    pub fn rmst(&self, tau: f64) -> (f64, f64) {
        rmst(&self.table.time, &self.surv, &self.table.n_risk, &self.table.n_event, tau)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> (Vec<f64>, Vec<u8>, Vec<f64>) {
        (
            vec![1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0],
            vec![1, 1, 0, 1, 0, 1, 1, 1],
            vec![1.0, 2.0, 1.0, 0.5, 1.0, 1.0, 3.0, 1.0],
        )
    }

    // R 4.2.2, survival 3.5-3: summary(survfit(Surv(t, e) ~ 1), censored = TRUE)
    #[test]
    fn test_r_unweighted_greenwood() {
        let (t, e, _) = example();
        let d = SurvData::new(&t, &e, None, None).unwrap();
        let c = &kaplan_meier(&d, None, &KmOptions::default())[0];
        let want_s = [0.875, 0.75, 0.6, 0.6, 0.2, 0.0];
        let want_se = [0.1169268, 0.1530931, 0.1816590, 0.1816590, 0.1741647];
        for j in 0..6 {
            assert!((c.surv[j] - want_s[j]).abs() < 1e-15);
        }
        for j in 0..5 {
            assert!((c.se_surv[j] - want_se[j]).abs() < 5e-8);
        }
        assert!(c.se_surv[5].is_nan());
        assert!((c.lower[0] - 0.67338194).abs() < 5e-9);
        assert!((c.se_cumhaz[5] - 1.1394101).abs() < 5e-8);
    }

    // R: survfit(Surv(t, e) ~ 1, weights = w, robust = TRUE)$std.err
    #[test]
    fn test_r_weighted_infinitesimal_jackknife() {
        let (t, e, w) = example();
        let d = SurvData::new(&t, &e, None, Some(&w)).unwrap();
        let opts = KmOptions { robust: true, ..Default::default() };
        let c = &kaplan_meier(&d, d.weight, &opts)[0];
        let want = [0.09404282, 0.18151924, 0.18795402, 0.18795402, 0.13180637, 0.0];
        for j in 0..6 {
            assert!((c.se_surv[j] - want[j]).abs() < 5e-9, "{j}: {}", c.se_surv[j]);
        }
    }

    #[test]
    fn test_r_median_and_rmst() {
        let (t, e, _) = example();
        let d = SurvData::new(&t, &e, None, None).unwrap();
        let c = &kaplan_meier(&d, None, &KmOptions::default())[0];
        // R: quantile(fit, 0.5) -> 5, lower 3, upper NA
        let (m, lo, hi) = c.quantile(0.5);
        assert_eq!((m, lo), (5.0, 3.0));
        assert!(hi.is_nan());
        // R: print(fit, rmean = 4): rmean 3.225, se(rmean) 0.3870360125
        let (r, se) = c.rmst(4.0);
        assert!((r - 3.225).abs() < 1e-12);
        assert!((se - 0.3870360125).abs() < 1e-10);
    }

    #[test]
    fn grid_and_sorted_paths_agree() {
        // Delayed entry, weights, groups: the grid path (kaplan_meier) against the sorted one.
        let n = 500;
        let t: Vec<f64> = (0..n).map(|i| 1.0 + ((i * 7919) % 23) as f64).collect();
        let s: Vec<f64> = (0..n).map(|i| if i % 3 == 0 { ((i * 31) % 5) as f64 - 0.5 } else { 0.0 }).collect();
        let s: Vec<f64> = s.iter().zip(&t).map(|(&a, &b)| a.min(b - 0.25)).collect();
        let e: Vec<u8> = (0..n).map(|i| ((i * 13) % 4 != 0) as u8).collect();
        let w: Vec<f64> = (0..n).map(|i| 0.5 + ((i * 17) % 7) as f64 / 3.0).collect();
        let g: Vec<u32> = (0..n).map(|i| (i % 3) as u32).collect();
        let d = SurvData::new(&t, &e, Some(&s), Some(&w)).unwrap().with_groups(&g, 3).unwrap();
        let opts = KmOptions::default();
        let fast = kaplan_meier(&d, d.weight, &opts);
        let blocks = Blocks::new(&d, d.group, 3);
        for gi in 0..3 {
            let (ex, en) = blocks.block(gi);
            let slow = curve(&d, d.weight, ex, en, &opts);
            assert_eq!(fast[gi].table.time, slow.table.time);
            for j in 0..slow.surv.len() {
                assert!((fast[gi].table.n_risk[j] - slow.table.n_risk[j]).abs() < 1e-12);
                assert!((fast[gi].surv[j] - slow.surv[j]).abs() < 1e-14);
                assert!((fast[gi].se_surv[j] - slow.se_surv[j]).abs() < 1e-14);
            }
        }
    }

    // R: survfit(Surv(t, e) ~ 1, cluster = c[, weights = w])$std.err (robust, on the S scale)
    #[test]
    fn test_r_cluster_robust() {
        let t = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0, 7.0, 8.0];
        let e = [1u8, 1, 0, 1, 0, 1, 1, 1, 0, 1];
        let c = [0u32, 0, 1, 1, 2, 2, 0, 1, 2, 0];
        let w = [1.0, 2.0, 1.0, 0.5, 1.0, 1.0, 3.0, 1.0, 1.0, 2.0];
        let d = SurvData::new(&t, &e, None, None).unwrap();
        let cur = &kaplan_meier_clustered(&d, None, &KmOptions::default(), Some((&c, 3)))[0];
        let want = [0.07348469, 0.14696938, 0.12618518, 0.12618518, 0.08522730, 0.09513087, 0.09513087, 0.0];
        for j in 0..8 {
            assert!((cur.se_surv[j] - want[j]).abs() < 5e-9, "{j}: {}", cur.se_surv[j]);
        }
        let dw = SurvData::new(&t, &e, None, Some(&w)).unwrap();
        let cur = &kaplan_meier_clustered(&dw, dw.weight, &KmOptions::default(), Some((&c, 3)))[0];
        let want = [0.03701163, 0.11103488, 0.08780991, 0.08780991, 0.09661755, 0.05744315, 0.05744315, 0.0];
        for j in 0..8 {
            assert!((cur.se_surv[j] - want[j]).abs() < 5e-9, "w {j}: {}", cur.se_surv[j]);
        }
    }

    #[test]
    fn findq_midpoint_on_flat_half() {
        // S = 0.5 on [2, 4): the median is (2 + 4) / 2 = 3, as R.
        let x = [0.0, 1.0, 2.0, 4.0];
        let y = [0.0, 0.25, 0.5, 1.0];
        assert_eq!(findq(&x, &y, 0.5, QUANTILE_TOL), 3.0);
    }
}
