//! Runs the replicates on a rayon pool. Each replicate gets its own weight buffer (reused per
//! worker), computes the statistic on the shared data, and writes its row of the replicate
//! matrix; a replicate whose statistic fails (no events, no convergence) is recorded as failed,
//! never dropped or averaged in. Progress is an atomic counter the caller may poll; setting the
//! cancel flag stops the run at the next replicate.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use super::resample::Resampler;
use crate::error::{Error, Result};

/// Shared run state: the caller polls `done` and may set `cancel`.
#[derive(Default)]
pub struct Control {
    pub done: AtomicUsize,
    pub cancel: AtomicBool,
}

#[derive(Debug, Clone)]
pub struct BootOutput {
    /// Replicate values, row-major `n_rep x k`; NaN rows where `failed`.
    pub t: Vec<f64>,
    pub k: usize,
    pub failed: Vec<bool>,
}

/// Runs replicates `first .. first + n_rep` of `stat` (weights, replicate counts -> k values, or
/// `None` when the replicate fails) with `n_threads` threads. `base_weight` multiplies the
/// replicate counts (case weights); `stat` gets the product and the counts themselves. Replicate
/// `r` always draws from stream `r`, so blocks run anywhere (threads, Dask workers) and joined in
/// order give the same replicates as one run.
#[allow(clippy::too_many_arguments)]
pub fn run<F>(
    resampler: &Resampler,
    base_weight: Option<&[f64]>,
    first: usize,
    n_rep: usize,
    seed: u64,
    k: usize,
    n_threads: usize,
    control: &Control,
    stat: F,
) -> Result<BootOutput>
where
    F: Fn(&[f64], &[f64]) -> Option<Vec<f64>> + Sync,
{
    let n = resampler.n();
    let pool = pool(n_threads)?;
    let rows: Vec<Option<Vec<f64>>> = pool.install(|| {
        (0..n_rep)
            .into_par_iter()
            .map_init(
                || (vec![0.0; n], vec![0.0; n]),
                |(counts, w), r| {
                    if control.cancel.load(Ordering::Relaxed) {
                        return None;
                    }
                    resampler.weights(seed, (first + r) as u64, counts);
                    match base_weight {
                        Some(b) => w.iter_mut().zip(counts.iter()).zip(b).for_each(|((x, c), y)| *x = c * y),
                        None => w.copy_from_slice(counts),
                    }
                    let out = stat(w, counts).filter(|v| v.len() == k);
                    control.done.fetch_add(1, Ordering::Relaxed);
                    out
                },
            )
            .collect()
    });
    if control.cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    let mut t = Vec::with_capacity(n_rep * k);
    let mut failed = Vec::with_capacity(n_rep);
    for row in rows {
        match row {
            Some(v) => {
                t.extend_from_slice(&v);
                failed.push(false);
            }
            None => {
                t.extend(std::iter::repeat_n(f64::NAN, k));
                failed.push(true);
            }
        }
    }
    Ok(BootOutput { t, k, failed })
}

fn pool(n_threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n_threads.max(1))
        .build()
        .map_err(|e| Error::InvalidArgument(format!("cannot start threads: {e}")))
}

/// Most leave-out groups of the jackknife; with more units (rows or clusters), unit u goes to
/// group u mod JACK_MAX and whole groups are left out (a grouped jackknife).
pub const JACK_MAX: usize = 2000;

/// Leave-one-unit-out (or leave-one-group-out) estimates for the BCa acceleration: rows of unit
/// `unit[i]` get weight zero in turn. Returns `n_groups x k` values (NaN rows where the
/// statistic fails) and the number of groups.
pub fn jackknife<F>(unit: &[u32], n_units: usize, base_weight: Option<&[f64]>, k: usize, n_threads: usize, control: &Control, stat: F) -> Result<(Vec<f64>, usize)>
where
    F: Fn(&[f64], &[f64]) -> Option<Vec<f64>> + Sync,
{
    let n = unit.len();
    let g = n_units.min(JACK_MAX);
    let pool = pool(n_threads)?;
    let rows: Vec<Vec<f64>> = pool.install(|| {
        (0..g)
            .into_par_iter()
            .map_init(
                || (vec![0.0; n], vec![0.0; n]),
                |(counts, w), grp| {
                    if control.cancel.load(Ordering::Relaxed) {
                        return vec![f64::NAN; k];
                    }
                    for i in 0..n {
                        counts[i] = if unit[i] as usize % g == grp { 0.0 } else { 1.0 };
                        w[i] = counts[i] * base_weight.map_or(1.0, |b| b[i]);
                    }
                    stat(w, counts).filter(|v| v.len() == k).unwrap_or_else(|| vec![f64::NAN; k])
                },
            )
            .collect()
    });
    if control.cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    Ok((rows.concat(), g))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootstrap::resample::Scheme;

    #[test]
    fn same_bytes_with_1_2_and_4_threads() {
        let x: Vec<f64> = (0..200).map(|i| ((i * 37) % 101) as f64 / 7.0).collect();
        let r = Resampler::new(200, Scheme::Ordinary).unwrap();
        let mean = |w: &[f64], _: &[f64]| {
            let s: f64 = w.iter().zip(&x).map(|(a, b)| a * b).sum();
            Some(vec![s / w.iter().sum::<f64>()])
        };
        let outs: Vec<Vec<u64>> = [1, 2, 4]
            .iter()
            .map(|&th| {
                let o = run(&r, None, 0, 300, 42, 1, th, &Control::default(), mean).unwrap();
                o.t.iter().map(|v| v.to_bits()).collect()
            })
            .collect();
        assert_eq!(outs[0], outs[1]);
        assert_eq!(outs[0], outs[2]);
        // Blocks of replicates joined in order are the same run (the distributed backend).
        let mut joined: Vec<u64> = Vec::new();
        for (first, len) in [(0, 120), (120, 7), (127, 173)] {
            let o = run(&r, None, first, len, 42, 1, 2, &Control::default(), mean).unwrap();
            joined.extend(o.t.iter().map(|v| v.to_bits()));
        }
        assert_eq!(joined, outs[0]);
    }

    #[test]
    fn failures_are_recorded_not_dropped() {
        let r = Resampler::new(10, Scheme::Ordinary).unwrap();
        let o = run(&r, None, 0, 20, 1, 2, 2, &Control::default(), |w, _| if w[0] > 0.0 { None } else { Some(vec![1.0, 2.0]) }).unwrap();
        assert_eq!(o.failed.len(), 20);
        assert!(o.failed.iter().any(|&f| f));
        for (i, &f) in o.failed.iter().enumerate() {
            assert_eq!(o.t[2 * i].is_nan(), f);
        }
    }
}
