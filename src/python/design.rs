//! Bindings of the trial simulator used for power by simulation.

use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::bootstrap::with_progress;
use crate::bootstrap::Control;
use crate::design::{self, Analysis, Clusters, Trial};

/// Simulates `n_sims` trials (from trial `first`) and returns the log-rank z of each active arm
/// against the control (`n_sims x k`), the events, the analysis times and the short trials.
#[pyfunction]
#[pyo3(signature = (n, allocation, hazards, dropout, accrual, analysis_time=None, events=None, n_clusters=0, frailty_variance=0.0, randomise_clusters=true, n_sims=1000, seed=0, n_threads=1, first=0, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn simulate_trials<'py>(
    py: Python<'py>,
    n: usize,
    allocation: Vec<f64>,
    hazards: Vec<f64>,
    dropout: Vec<f64>,
    accrual: f64,
    analysis_time: Option<f64>,
    events: Option<usize>,
    n_clusters: usize,
    frailty_variance: f64,
    randomise_clusters: bool,
    n_sims: usize,
    seed: u64,
    n_threads: usize,
    first: usize,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let analysis = match (analysis_time, events) {
        (Some(t), None) => Analysis::Time(t),
        (None, Some(d)) => Analysis::Events(d),
        _ => return Err(super::convert::PyValueError::new_err("give either analysis_time or events")),
    };
    let clusters = (n_clusters > 0).then_some(Clusters { n_clusters, frailty_variance, randomise_clusters });
    let trial = Trial { n, allocation, hazards, dropout, accrual, analysis, clusters };
    let control = Control::default();
    let out = with_progress(py, &control, progress.as_ref(), || design::simulate(&trial, first, n_sims, seed, n_threads, &control))?;
    let d = PyDict::new(py);
    d.set_item("k", out.k)?;
    d.set_item("z", out.z.into_pyarray(py))?;
    d.set_item("events", out.events.into_pyarray(py))?;
    d.set_item("analysis_time", out.analysis_time.into_pyarray(py))?;
    d.set_item("short", out.short.into_pyarray(py))?;
    Ok(d)
}
