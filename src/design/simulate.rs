//! Simulated trials: persons enter uniformly over the accrual period, are randomised (as persons
//! or as whole clusters) to a control arm and k active arms, have exponential times to the event
//! (times a gamma frailty shared within their cluster) and to dropout, and are analysed at a
//! calendar time or when a number of events has been observed, with a log-rank test of every
//! active arm against the control (its variance cluster-robust when clusters are given).
//!
//! Trial `r` of a run with seed `s` draws from its own ChaCha8 stream (`seed_from_u64(s)`,
//! `set_stream(r)`), as the bootstrap's replicates do: the same trials whichever thread runs them.

use std::sync::atomic::Ordering;

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::bootstrap::Control;
use crate::error::{Error, Result};

/// When the trial is analysed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Analysis {
    /// At this calendar time since the first person entered (accrual + follow-up).
    Time(f64),
    /// When this many events have been observed in all arms together (at the end of follow-up of
    /// everyone if fewer ever occur; such trials are counted in `short`).
    Events(usize),
}

/// Clusters (municipalities, case workers) with a shared gamma frailty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clusters {
    pub n_clusters: usize,
    /// Variance of the gamma frailty (mean 1); 0 for none.
    pub frailty_variance: f64,
    /// Whole clusters are randomised (true) or persons within clusters (false).
    pub randomise_clusters: bool,
}

#[derive(Debug, Clone)]
pub struct Trial {
    /// Persons in the trial.
    pub n: usize,
    /// Allocation weights per arm, arm 0 the control (any positive scale).
    pub allocation: Vec<f64>,
    /// Event hazard per arm (per unit of time).
    pub hazards: Vec<f64>,
    /// Dropout hazard per arm (0 for none).
    pub dropout: Vec<f64>,
    /// Persons enter uniformly over `[0, accrual]` (0: all at once).
    pub accrual: f64,
    pub analysis: Analysis,
    pub clusters: Option<Clusters>,
}

/// Per trial: the log-rank z of each active arm against the control (row-major `n_sims x k`,
/// positive when the arm has more events than expected, NaN where a comparison has no events),
/// the events observed, the calendar time of the analysis, and whether fewer events than
/// planned occurred.
#[derive(Debug, Clone)]
pub struct SimOutput {
    pub z: Vec<f64>,
    pub k: usize,
    pub events: Vec<u32>,
    pub analysis_time: Vec<f64>,
    pub short: Vec<bool>,
}

/// Counts per arm by the largest remainder, so that they add up to `n`.
fn split(n: usize, weights: &[f64]) -> Vec<usize> {
    let total: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| n as f64 * w / total).collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut left = n - counts.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &j in order.iter().cycle() {
        if left == 0 {
            break;
        }
        counts[j] += 1;
        left -= 1;
    }
    counts
}

fn exp_draw(rng: &mut ChaCha8Rng, rate: f64) -> f64 {
    if rate <= 0.0 {
        return f64::INFINITY;
    }
    -(1.0 - rng.random::<f64>()).ln() / rate
}

fn normal_draw(rng: &mut ChaCha8Rng) -> f64 {
    // Box-Muller; one of the pair is used, so that each call consumes a fixed number of draws.
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Gamma(shape, scale 1) by Marsaglia and Tsang (2000); shapes below 1 through `U^(1/shape)`.
fn gamma_draw(rng: &mut ChaCha8Rng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u = 1.0 - rng.random::<f64>();
        return gamma_draw(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal_draw(rng);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = 1.0 - rng.random::<f64>();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

fn check(t: &Trial) -> Result<()> {
    let arms = t.allocation.len();
    let bad = |m: &str| Err(Error::InvalidArgument(m.to_string()));
    if arms < 2 || t.hazards.len() != arms || t.dropout.len() != arms {
        return bad("a trial needs a control and at least one active arm, with a hazard and a dropout hazard for each");
    }
    if t.n < 2 {
        return bad("a trial needs at least two persons");
    }
    if t.allocation.iter().any(|&a| !(a.is_finite() && a > 0.0)) {
        return bad("allocation weights must be positive");
    }
    if t.hazards.iter().any(|&h| !(h.is_finite() && h > 0.0)) || t.dropout.iter().any(|&h| !(h.is_finite() && h >= 0.0)) {
        return bad("hazards must be positive and dropout hazards non-negative");
    }
    if !(t.accrual.is_finite() && t.accrual >= 0.0) {
        return bad("the accrual time must be non-negative");
    }
    match t.analysis {
        Analysis::Time(x) if !(x.is_finite() && x > 0.0) => return bad("the analysis time must be positive"),
        Analysis::Events(0) => return bad("the planned number of events must be positive"),
        _ => {}
    }
    if let Some(c) = t.clusters {
        if c.n_clusters == 0 || c.n_clusters > t.n {
            return bad("the number of clusters must be between 1 and the number of persons");
        }
        if c.randomise_clusters && c.n_clusters < arms {
            return bad("randomising clusters needs at least one cluster per arm");
        }
        if !(c.frailty_variance.is_finite() && c.frailty_variance >= 0.0) {
            return bad("the frailty variance must be non-negative");
        }
    }
    Ok(())
}

/// Per-thread buffers, reused across the trials a worker runs.
struct Work {
    arm: Vec<u8>,
    cluster: Vec<u32>,
    entry: Vec<f64>,
    event_at: Vec<f64>,
    drop_at: Vec<f64>,
    time: Vec<f64>,
    status: Vec<bool>,
    order: Vec<u32>,
    cal: Vec<f64>,
    frailty: Vec<f64>,
    /// Cluster sums of the log-rank score residuals, `k x n_clusters`.
    score: Vec<f64>,
}

impl Work {
    fn new(n: usize, g: usize, k: usize) -> Self {
        Work {
            arm: vec![0; n],
            cluster: vec![0; n],
            entry: vec![0.0; n],
            event_at: vec![0.0; n],
            drop_at: vec![0.0; n],
            time: vec![0.0; n],
            status: vec![false; n],
            order: Vec::with_capacity(n),
            cal: Vec::with_capacity(n),
            frailty: vec![1.0; g],
            score: vec![0.0; k * g],
        }
    }
}

struct TrialResult {
    z: Vec<f64>,
    events: u32,
    analysis_time: f64,
    short: bool,
}

/// Fixed layout of one trial: arm and cluster of every person (the same in every trial).
struct Layout {
    arm: Vec<u8>,
    cluster: Vec<u32>,
    n_clusters: usize,
}

fn layout(t: &Trial) -> Layout {
    let arms = t.allocation.len();
    match t.clusters {
        None => {
            let counts = split(t.n, &t.allocation);
            let arm = counts.iter().enumerate().flat_map(|(j, &c)| std::iter::repeat_n(j as u8, c)).collect();
            Layout { arm, cluster: vec![0; t.n], n_clusters: 1 }
        }
        Some(c) => {
            let g = c.n_clusters;
            // person i belongs to cluster i mod g: cluster sizes differ by at most one
            let cluster: Vec<u32> = (0..t.n).map(|i| (i % g) as u32).collect();
            let arm = if c.randomise_clusters {
                let per_arm = split(g, &t.allocation);
                let cluster_arm: Vec<u8> = per_arm.iter().enumerate().flat_map(|(j, &m)| std::iter::repeat_n(j as u8, m)).collect();
                cluster.iter().map(|&k| cluster_arm[k as usize]).collect()
            } else {
                // persons within clusters: arm blocks over persons, so every cluster holds every arm
                let counts = split(t.n, &t.allocation);
                counts.iter().enumerate().flat_map(|(j, &m)| std::iter::repeat_n(j as u8, m)).collect()
            };
            debug_assert!(arms <= u8::MAX as usize);
            Layout { arm, cluster, n_clusters: g }
        }
    }
}

fn one_trial(t: &Trial, lay: &Layout, rng: &mut ChaCha8Rng, w: &mut Work) -> TrialResult {
    let n = t.n;
    let k = t.allocation.len() - 1;
    let g = lay.n_clusters;
    w.arm.copy_from_slice(&lay.arm);
    w.cluster.copy_from_slice(&lay.cluster);
    let theta = t.clusters.map_or(0.0, |c| c.frailty_variance);
    for f in w.frailty.iter_mut() {
        *f = if theta > 0.0 { gamma_draw(rng, 1.0 / theta) * theta } else { 1.0 };
    }
    for i in 0..n {
        let a = w.arm[i] as usize;
        w.entry[i] = t.accrual * rng.random::<f64>();
        w.event_at[i] = exp_draw(rng, t.hazards[a] * w.frailty[w.cluster[i] as usize]);
        w.drop_at[i] = exp_draw(rng, t.dropout[a]);
    }
    // calendar time of the analysis
    let (cal, short) = match t.analysis {
        Analysis::Time(x) => (x, false),
        Analysis::Events(d) => {
            w.cal.clear();
            for i in 0..n {
                if w.event_at[i] <= w.drop_at[i] {
                    w.cal.push(w.entry[i] + w.event_at[i]);
                }
            }
            if w.cal.len() < d {
                (f64::INFINITY, true)
            } else {
                let (_, nth, _) = w.cal.select_nth_unstable_by(d - 1, |a, b| a.total_cmp(b));
                (*nth, false)
            }
        }
    };
    w.order.clear();
    let mut events = 0u32;
    for i in 0..n {
        let window = cal - w.entry[i];
        if window <= 0.0 {
            continue; // not yet entered at the analysis
        }
        // in calendar terms, as the analysis time was found: the planned event itself counts
        let ev = w.event_at[i] <= w.drop_at[i] && w.entry[i] + w.event_at[i] <= cal;
        w.time[i] = if ev { w.event_at[i] } else { w.drop_at[i].min(window) };
        w.status[i] = ev;
        events += ev as u32;
        w.order.push(i as u32);
    }
    let time = &w.time;
    w.order.sort_unstable_by(|&a, &b| time[a as usize].total_cmp(&time[b as usize]));

    // one sweep in time order over all arms: at-risk counts per arm, pair statistics per arm
    let mut at_risk = vec![0usize; k + 1];
    for &i in &w.order {
        at_risk[w.arm[i as usize] as usize] += 1;
    }
    let robust = t.clusters.is_some();
    let mut o_e = vec![0.0; k];
    let mut var = vec![0.0; k];
    // cumulative sum of d/n and d*zbar/n per pair, for the score residuals
    let mut cum_a = vec![0.0; k];
    let mut cum_b = vec![0.0; k];
    if robust {
        w.score[..k * g].iter_mut().for_each(|x| *x = 0.0);
    }
    let mut deaths = vec![0usize; k + 1];
    let mut s = 0;
    let m = w.order.len();
    while s < m {
        let t0 = w.time[w.order[s] as usize];
        let mut e = s;
        deaths.iter_mut().for_each(|d| *d = 0);
        while e < m && w.time[w.order[e] as usize] == t0 {
            let i = w.order[e] as usize;
            if w.status[i] {
                deaths[w.arm[i] as usize] += 1;
            }
            e += 1;
        }
        let d0 = deaths[0];
        for j in 0..k {
            let dj = deaths[j + 1];
            let d = (d0 + dj) as f64;
            let nj = at_risk[j + 1] as f64;
            let nn = nj + at_risk[0] as f64;
            if d > 0.0 {
                let zbar = nj / nn;
                o_e[j] += dj as f64 - d * zbar;
                if nn > 1.0 {
                    var[j] += d * zbar * (1.0 - zbar) * (nn - d) / (nn - 1.0);
                }
                cum_a[j] += d / nn;
                cum_b[j] += d * zbar / nn;
            }
        }
        if robust {
            for q in s..e {
                let i = w.order[q] as usize;
                let a = w.arm[i] as usize;
                let c = w.cluster[i] as usize;
                let mut add = |j: usize, zi: f64| {
                    let nj = at_risk[j + 1] as f64;
                    let zbar = nj / (nj + at_risk[0] as f64);
                    let u = if w.status[i] { zi - zbar } else { 0.0 } - (zi * cum_a[j] - cum_b[j]);
                    w.score[j * g + c] += u;
                };
                if a == 0 {
                    (0..k).for_each(|j| add(j, 0.0));
                } else {
                    add(a - 1, 1.0);
                }
            }
        }
        for q in s..e {
            at_risk[w.arm[w.order[q] as usize] as usize] -= 1;
        }
        s = e;
    }
    let z = (0..k)
        .map(|j| {
            let v = if robust { w.score[j * g..(j + 1) * g].iter().map(|u| u * u).sum::<f64>() } else { var[j] };
            if v > 0.0 {
                o_e[j] / v.sqrt()
            } else {
                f64::NAN
            }
        })
        .collect();
    let analysis_time = if cal.is_finite() { cal } else { w.order.iter().map(|&i| w.entry[i as usize] + w.time[i as usize]).fold(0.0, f64::max) };
    TrialResult { z, events, analysis_time, short }
}

/// Simulates trials `first .. first + n_sims` with `n_threads` threads; `control.done` counts
/// finished trials and `control.cancel` stops the run.
pub fn simulate(t: &Trial, first: usize, n_sims: usize, seed: u64, n_threads: usize, control: &Control) -> Result<SimOutput> {
    check(t)?;
    let lay = layout(t);
    let k = t.allocation.len() - 1;
    let g = lay.n_clusters;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n_threads.max(1))
        .build()
        .map_err(|e| Error::InvalidArgument(format!("cannot start threads: {e}")))?;
    let rows: Vec<Option<TrialResult>> = pool.install(|| {
        (0..n_sims)
            .into_par_iter()
            .map_init(
                || Work::new(t.n, g, k),
                |w, r| {
                    if control.cancel.load(Ordering::Relaxed) {
                        return None;
                    }
                    let mut rng = ChaCha8Rng::seed_from_u64(seed);
                    rng.set_stream((first + r) as u64);
                    let out = one_trial(t, &lay, &mut rng, w);
                    control.done.fetch_add(1, Ordering::Relaxed);
                    Some(out)
                },
            )
            .collect()
    });
    if control.cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    let mut out = SimOutput { z: Vec::with_capacity(n_sims * k), k, events: Vec::with_capacity(n_sims), analysis_time: Vec::with_capacity(n_sims), short: Vec::with_capacity(n_sims) };
    for row in rows.into_iter().flatten() {
        out.z.extend_from_slice(&row.z);
        out.events.push(row.events);
        out.analysis_time.push(row.analysis_time);
        out.short.push(row.short);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_arm(hr: f64, analysis: Analysis) -> Trial {
        Trial { n: 400, allocation: vec![1.0, 1.0], hazards: vec![0.1, 0.1 * hr], dropout: vec![0.0, 0.0], accrual: 12.0, analysis, clusters: None }
    }

    #[test]
    fn split_adds_up_by_largest_remainder() {
        assert_eq!(split(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(split(7, &[2.0, 1.0]), vec![5, 2]);
        assert_eq!(split(2000, &[1.0; 4]).iter().sum::<usize>(), 2000);
    }

    #[test]
    fn same_trials_with_1_and_3_threads_and_in_blocks() {
        let t = two_arm(0.7, Analysis::Time(24.0));
        let a = simulate(&t, 0, 40, 7, 1, &Control::default()).unwrap();
        let b = simulate(&t, 0, 40, 7, 3, &Control::default()).unwrap();
        assert_eq!(a.z.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), b.z.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        let c = simulate(&t, 25, 15, 7, 2, &Control::default()).unwrap();
        assert_eq!(&a.z[25..], &c.z[..]);
    }

    #[test]
    fn events_driven_analysis_stops_at_the_planned_event() {
        let t = two_arm(0.7, Analysis::Events(150));
        let out = simulate(&t, 0, 50, 3, 2, &Control::default()).unwrap();
        assert!(out.events.iter().all(|&e| e == 150), "{:?}", out.events);
        assert!(out.short.iter().all(|&s| !s));
        let t = two_arm(0.7, Analysis::Events(401));
        let out = simulate(&t, 0, 5, 3, 1, &Control::default()).unwrap();
        assert!(out.short.iter().all(|&s| s) && out.events.iter().all(|&e| e == 400));
    }

    #[test]
    fn logrank_z_matches_a_direct_computation() {
        // one trial recomputed by brute force: O - E and V summed over distinct event times
        let t = Trial { n: 60, allocation: vec![1.0, 1.0], hazards: vec![0.1, 0.05], dropout: vec![0.02, 0.02], accrual: 6.0, analysis: Analysis::Time(18.0), clusters: None };
        let lay = layout(&t);
        let mut w = Work::new(t.n, 1, 1);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let got = one_trial(&t, &lay, &mut rng, &mut w).z[0];
        let mut obs: Vec<(f64, bool, u8)> = (0..t.n).filter(|&i| w.entry[i] < 18.0).map(|i| (w.time[i], w.status[i], w.arm[i])).collect();
        obs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut oe, mut v) = (0.0, 0.0);
        for &(ti, st, _) in &obs {
            if !st {
                continue;
            }
            let n1 = obs.iter().filter(|o| o.0 >= ti && o.2 == 1).count() as f64;
            let n = obs.iter().filter(|o| o.0 >= ti).count() as f64;
            let d1 = obs.iter().filter(|o| o.0 == ti && o.1 && o.2 == 1).count() as f64;
            oe += d1 - n1 / n;
            v += n1 / n * (1.0 - n1 / n);
        }
        assert!((got - oe / v.sqrt()).abs() < 1e-12, "{got} vs {}", oe / v.sqrt());
    }

    #[test]
    fn robust_score_residuals_sum_to_o_minus_e() {
        // with one person per cluster the cluster-robust variance is the sum of squared score
        // residuals, and the residuals add up to O - E: check the latter through the z's sign and
        // that the robust and model variances are close on a large trial
        let mut t = two_arm(0.8, Analysis::Time(24.0));
        t.n = 4000;
        let plain = simulate(&t, 0, 1, 5, 1, &Control::default()).unwrap();
        t.clusters = Some(Clusters { n_clusters: 4000, frailty_variance: 0.0, randomise_clusters: false });
        let robust = simulate(&t, 0, 1, 5, 1, &Control::default()).unwrap();
        let (a, b) = (plain.z[0], robust.z[0]);
        assert!(a.signum() == b.signum() && (a / b - 1.0).abs() < 0.05, "{a} vs {b}");
    }

    #[test]
    fn gamma_draws_have_mean_and_variance() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for &theta in &[0.25_f64, 2.0] {
            let x: Vec<f64> = (0..200_000).map(|_| gamma_draw(&mut rng, 1.0 / theta) * theta).collect();
            let m = x.iter().sum::<f64>() / x.len() as f64;
            let v = x.iter().map(|y| (y - m) * (y - m)).sum::<f64>() / (x.len() - 1) as f64;
            assert!((m - 1.0).abs() < 0.01 && (v - theta).abs() < 0.04 * theta, "theta {theta}: mean {m} var {v}");
        }
    }

    #[test]
    fn bad_designs_are_refused() {
        let mut t = two_arm(0.7, Analysis::Time(24.0));
        t.hazards[1] = 0.0;
        assert!(simulate(&t, 0, 1, 1, 1, &Control::default()).is_err());
        let mut t = two_arm(0.7, Analysis::Time(24.0));
        t.clusters = Some(Clusters { n_clusters: 1, frailty_variance: 0.1, randomise_clusters: true });
        assert!(simulate(&t, 0, 1, 1, 1, &Control::default()).is_err());
    }
}
