//! The only place that speaks Python: extract arrays, release the GIL for the core, convert the
//! results, map core errors to exceptions. No statistics here.

use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::cox::{baseline_prepared, fit_prepared, residuals_prepared, robust_var_prepared, CoxInput, CoxOptions, Prepared, Ties};
use crate::error::Error;
use crate::bootstrap::Control;
use crate::optim::NewtonOptions;
use crate::nonparametric::{self as np_, ConfType, KmOptions, LogrankOptions};
use crate::SurvData;

mod competing;
mod spells;
mod weighting;

create_exception!(_core, CoreError, PyValueError, "An error reported by the duurzaam core.");
create_exception!(_core, CoreInputError, CoreError, "A bad value in an input column: args = (field, row, reason).");
create_exception!(_core, CoreDegenerateError, CoreError, "The data cannot support the computation.");
create_exception!(_core, CoreSingularError, CoreError, "Singular design: args = (column indices,).");

fn to_py(e: Error) -> PyErr {
    match e {
        Error::InvalidValue { field, row, reason } => CoreInputError::new_err((field.as_str(), row, reason)),
        Error::Degenerate(m) => CoreDegenerateError::new_err(m),
        Error::Singular(cols) => CoreSingularError::new_err((cols,)),
        other => CoreError::new_err(other.to_string()),
    }
}

type F64<'py> = PyReadonlyArray1<'py, f64>;

/// An event column as numpy gives it: bool (as uint8), int64 or float64; validated to 0/1 codes
/// in one pass, without the caller converting it first.
#[derive(FromPyObject)]
enum EventArray<'py> {
    U8(PyReadonlyArray1<'py, u8>),
    I64(PyReadonlyArray1<'py, i64>),
    F64(PyReadonlyArray1<'py, f64>),
}

enum EventSlice<'a> {
    U8(&'a [u8]),
    I64(&'a [i64]),
    F64(&'a [f64]),
}

impl EventArray<'_> {
    fn slice(&self) -> PyResult<EventSlice<'_>> {
        Ok(match self {
            EventArray::U8(a) => EventSlice::U8(slice(a)?),
            EventArray::I64(a) => EventSlice::I64(slice(a)?),
            EventArray::F64(a) => EventSlice::F64(slice(a)?),
        })
    }
}

impl EventSlice<'_> {
    fn codes(&self) -> Result<Vec<u8>, Error> {
        match self {
            EventSlice::U8(v) => crate::data::event_codes(v),
            EventSlice::I64(v) => crate::data::event_codes(v),
            EventSlice::F64(v) => crate::data::event_codes(v),
        }
    }
}
type U32<'py> = PyReadonlyArray1<'py, u32>;

fn slice<'a, T: numpy::Element>(a: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    a.as_slice().map_err(|_| PyValueError::new_err("arrays must be contiguous"))
}

/// Curve arrays must be non-empty and of one length (the core indexes them together).
fn same_lengths(lens: &[usize]) -> PyResult<()> {
    if lens[0] == 0 || lens.iter().any(|&l| l != lens[0]) {
        return Err(PyValueError::new_err("curve arrays must be non-empty and of equal length"));
    }
    Ok(())
}

fn rows_per_code(codes: Option<&[u32]>, k: usize, n: usize) -> Vec<usize> {
    match codes {
        None => vec![n],
        Some(c) => {
            let mut out = vec![0usize; k];
            c.iter().for_each(|&g| out[g as usize] += 1);
            out
        }
    }
}

/// Kaplan-Meier (and Nelson-Aalen) curves, one dict of arrays per group.
#[pyfunction]
#[pyo3(signature = (exit, event, entry=None, weight=None, group=None, n_groups=1, robust=false, conf_type="log", conf_level=0.95, cluster=None, n_clusters=0))]
#[allow(clippy::too_many_arguments)]
fn kaplan_meier<'py>(
    py: Python<'py>,
    exit: F64<'py>,
    event: EventArray<'py>,
    entry: Option<F64<'py>>,
    weight: Option<F64<'py>>,
    group: Option<U32<'py>>,
    n_groups: usize,
    robust: bool,
    conf_type: &str,
    conf_level: f64,
    cluster: Option<U32<'py>>,
    n_clusters: usize,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let cluster = cluster.as_ref().map(slice).transpose()?;
    let conf_type = ConfType::parse(conf_type).map_err(to_py)?;
    if !(conf_level > 0.0 && conf_level < 1.0) {
        return Err(PyValueError::new_err("conf_level must lie strictly between 0 and 1"));
    }
    let (exit, event_s) = (slice(&exit)?, event.slice()?);
    let entry = entry.as_ref().map(slice).transpose()?;
    let weight = weight.as_ref().map(slice).transpose()?;
    let group = group.as_ref().map(slice).transpose()?;
    let opts = KmOptions { robust, conf_type, conf_level };
    let curves = interruptible(py, || -> Result<_, Error> {
            let event = event_s.codes()?;
            let mut d = SurvData::new(exit, &event, entry, weight)?;
            if let Some(g) = group {
                d = d.with_groups(g, n_groups)?;
            }
            if let Some(c) = cluster {
                if c.len() != d.len() || c.iter().any(|&g| g as usize >= n_clusters) {
                    return Err(Error::InvalidArgument("bad cluster codes".into()));
                }
            }
            let cl = cluster.map(|c| (c, n_clusters));
            Ok((np_::km::kaplan_meier_clustered(&d, d.weight, &opts, cl), rows_per_code(group, n_groups, d.len())))
        })?;
    let (curves, rows) = curves;
    curves
        .into_iter()
        .zip(rows)
        .map(|(c, n_rows)| {
            let out = PyDict::new(py);
            out.set_item("n_rows", n_rows)?;
            out.set_item("time", c.table.time.into_pyarray(py))?;
            out.set_item("n_risk", c.table.n_risk.into_pyarray(py))?;
            out.set_item("n_event", c.table.n_event.into_pyarray(py))?;
            out.set_item("n_censor", c.table.n_censor.into_pyarray(py))?;
            out.set_item("survival", c.surv.into_pyarray(py))?;
            out.set_item("std_err", c.se_surv.into_pyarray(py))?;
            out.set_item("se_log", c.se_log.into_pyarray(py))?;
            out.set_item("lower", c.lower.into_pyarray(py))?;
            out.set_item("upper", c.upper.into_pyarray(py))?;
            out.set_item("cumhaz", c.cumhaz.into_pyarray(py))?;
            out.set_item("std_err_cumhaz", c.se_cumhaz.into_pyarray(py))?;
            Ok(out)
        })
        .collect()
}

/// Upper tail of the chi-square distribution (R's pchisq(x, df, lower.tail = FALSE)).
#[pyfunction]
fn chisq_sf(x: f64, df: f64) -> f64 {
    crate::dist::chisq_sf(x, df)
}

/// Integer labels to codes 0..k and the sorted distinct labels.
#[pyfunction]
fn factorize_i64<'py>(py: Python<'py>, values: PyReadonlyArray1<'py, i64>) -> PyResult<(Bound<'py, numpy::PyArray1<u32>>, Bound<'py, numpy::PyArray1<i64>>)> {
    let v = slice(&values)?;
    let (codes, levels) = py.detach(|| crate::sort::factorize_i64(v));
    Ok((codes.into_pyarray(py), levels.into_pyarray(py)))
}

/// Quantile of one curve with its limits: (time, lower, upper), NaN where R gives NA.
#[pyfunction]
fn km_quantile(time: F64<'_>, surv: F64<'_>, lower: F64<'_>, upper: F64<'_>, p: f64) -> PyResult<(f64, f64, f64)> {
    if !(0.0..=1.0).contains(&p) {
        return Err(PyValueError::new_err("quantile probabilities must lie in [0, 1]"));
    }
    let (t, s, l, u) = (slice(&time)?, slice(&surv)?, slice(&lower)?, slice(&upper)?);
    same_lengths(&[t.len(), s.len(), l.len(), u.len()])?;
    Ok(np_::km::quantile(t, s, l, u, p))
}

/// Restricted mean up to tau of one curve and its standard error.
#[pyfunction]
fn km_rmst(time: F64<'_>, surv: F64<'_>, n_risk: F64<'_>, n_event: F64<'_>, tau: f64) -> PyResult<(f64, f64)> {
    let (t, s, r, d) = (slice(&time)?, slice(&surv)?, slice(&n_risk)?, slice(&n_event)?);
    same_lengths(&[t.len(), s.len(), r.len(), d.len()])?;
    if !(tau.is_finite() && tau > 0.0) {
        return Err(PyValueError::new_err("tau must be finite and positive"));
    }
    Ok(np_::km::rmst(t, s, r, d, tau))
}

/// The k-sample (Fleming-Harrington weighted) log-rank test.
#[pyfunction]
#[pyo3(signature = (exit, event, group, n_groups, entry=None, weight=None, strata=None, n_strata=1, rho=0.0, gamma=0.0))]
#[allow(clippy::too_many_arguments)]
fn logrank<'py>(
    py: Python<'py>,
    exit: F64<'py>,
    event: EventArray<'py>,
    group: U32<'py>,
    n_groups: usize,
    entry: Option<F64<'py>>,
    weight: Option<F64<'py>>,
    strata: Option<U32<'py>>,
    n_strata: usize,
    rho: f64,
    gamma: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let (exit, event_s, group) = (slice(&exit)?, event.slice()?, slice(&group)?);
    let entry = entry.as_ref().map(slice).transpose()?;
    let weight = weight.as_ref().map(slice).transpose()?;
    let strata = strata.as_ref().map(slice).transpose()?;
    let r = interruptible(py, || -> Result<_, Error> {
            let event = event_s.codes()?;
            let mut d = SurvData::new(exit, &event, entry, weight)?.with_groups(group, n_groups)?;
            if let Some(s) = strata {
                d = d.with_strata(s, n_strata)?;
            }
            Ok((np_::logrank(&d, d.weight, &LogrankOptions { rho, gamma })?, rows_per_code(Some(group), n_groups, d.len())))
        })?;
    let (r, rows) = r;
    let out = PyDict::new(py);
    out.set_item("n", rows.into_pyarray(py))?;
    out.set_item("observed", r.observed.into_pyarray(py))?;
    out.set_item("expected", r.expected.into_pyarray(py))?;
    out.set_item("var", r.var.into_pyarray(py))?;
    out.set_item("statistic", r.statistic)?;
    out.set_item("df", r.df)?;
    out.set_item("p_value", r.p_value)?;
    Ok(out)
}

/// The arrays of a Cox model, borrowed from Python for the duration of one call.
struct CoxArgs<'py> {
    exit: F64<'py>,
    event: EventArray<'py>,
    x: PyReadonlyArray2<'py, f64>,
    entry: Option<F64<'py>>,
    weight: Option<F64<'py>>,
    strata: Option<U32<'py>>,
    n_strata: usize,
    offset: Option<F64<'py>>,
}

/// Plain slices of [`CoxArgs`], which may cross into `detach`.
struct CoxSlices<'a> {
    exit: &'a [f64],
    event: EventSlice<'a>,
    x: &'a [f64],
    p: usize,
    entry: Option<&'a [f64]>,
    weight: Option<&'a [f64]>,
    strata: Option<&'a [u32]>,
    n_strata: usize,
    offset: Option<&'a [f64]>,
}

impl CoxArgs<'_> {
    fn slices(&self) -> PyResult<CoxSlices<'_>> {
        Ok(CoxSlices {
            exit: slice(&self.exit)?,
            event: self.event.slice()?,
            x: self.x.as_slice().map_err(|_| PyValueError::new_err("the covariate matrix must be C-contiguous"))?,
            p: self.x.shape()[1],
            entry: self.entry.as_ref().map(slice).transpose()?,
            weight: self.weight.as_ref().map(slice).transpose()?,
            strata: self.strata.as_ref().map(slice).transpose()?,
            n_strata: self.n_strata,
            offset: self.offset.as_ref().map(slice).transpose()?,
        })
    }
}

impl CoxSlices<'_> {
    /// Validates and hands the core its input (the event codes are owned by `codes`).
    fn with_input<T>(&self, codes: &mut Vec<u8>, f: impl FnOnce(CoxInput) -> Result<T, Error>) -> Result<T, Error> {
        *codes = self.event.codes()?;
        let mut d = SurvData::new(self.exit, codes, self.entry, self.weight)?;
        if let Some(s) = self.strata {
            d = d.with_strata(s, self.n_strata)?;
        }
        f(CoxInput { data: d, x: self.x, p: self.p, offset: self.offset })
    }
}

/// Fits a Cox model; with `robust` or a cluster also the sandwich variance.
#[pyfunction]
#[pyo3(signature = (exit, event, x, entry=None, weight=None, strata=None, n_strata=1, offset=None, cluster=None, n_clusters=0, robust=false, ties="efron", max_iter=20, eps=1e-9, init=None))]
#[allow(clippy::too_many_arguments)]
fn cox_fit<'py>(
    py: Python<'py>,
    exit: F64<'py>,
    event: EventArray<'py>,
    x: PyReadonlyArray2<'py, f64>,
    entry: Option<F64<'py>>,
    weight: Option<F64<'py>>,
    strata: Option<U32<'py>>,
    n_strata: usize,
    offset: Option<F64<'py>>,
    cluster: Option<U32<'py>>,
    n_clusters: usize,
    robust: bool,
    ties: &str,
    max_iter: usize,
    eps: f64,
    init: Option<Vec<f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let ties = Ties::parse(ties).map_err(to_py)?;
    let args = CoxArgs { exit, event, x, entry, weight, strata, n_strata, offset };
    let sl = args.slices()?;
    let cluster = cluster.as_ref().map(slice).transpose()?;
    let opts = CoxOptions { ties, newton: NewtonOptions { max_iter, eps, step_tol: 0.0 }, init };
    let mut codes = Vec::new();
    let (fit, rvar) = interruptible(py, || {
            sl.with_input(&mut codes, |inp| {
                let prep = Prepared::new(inp, ties)?;
                let fit = fit_prepared(&prep, &opts)?;
                let rvar = if robust || cluster.is_some() {
                    let cl = cluster.map(|c| (c, n_clusters));
                    if let Some((c, k)) = cl {
                        if c.len() != inp.data.len() || c.iter().any(|&g| g as usize >= k) {
                            return Err(Error::InvalidArgument("bad cluster codes".into()));
                        }
                    }
                    Some(robust_var_prepared(&prep, &fit.coef, &fit.var, cl))
                } else {
                    None
                };
                Ok((fit, rvar))
            })
        })?;
    let out = PyDict::new(py);
    out.set_item("coef", fit.coef.into_pyarray(py))?;
    out.set_item("var", fit.var.into_pyarray(py))?;
    out.set_item("loglik_init", fit.loglik_init)?;
    out.set_item("loglik", fit.loglik)?;
    out.set_item("score_test", fit.score_test)?;
    out.set_item("iter", fit.iter)?;
    out.set_item("converged", fit.converged)?;
    out.set_item("means", fit.means.into_pyarray(py))?;
    out.set_item("infinite", fit.infinite)?;
    out.set_item("linear_predictor", fit.linear_predictor.into_pyarray(py))?;
    out.set_item("n_events", fit.n_events)?;
    if let Some(v) = rvar {
        out.set_item("robust_var", v.into_pyarray(py))?;
    }

    Ok(out)
}

/// Harrell's concordance of a linear predictor, as R's coxph reports it:
/// (concordant, discordant, tied_x, tied_y, tied_xy, concordance, std_err).
#[pyfunction]
#[pyo3(signature = (exit, event, lp, entry=None, weight=None, strata=None, n_strata=1, cluster=None, n_clusters=0))]
#[allow(clippy::too_many_arguments)]
fn concordance<'py>(
    py: Python<'py>,
    exit: F64<'py>,
    event: EventArray<'py>,
    lp: F64<'py>,
    entry: Option<F64<'py>>,
    weight: Option<F64<'py>>,
    strata: Option<U32<'py>>,
    n_strata: usize,
    cluster: Option<U32<'py>>,
    n_clusters: usize,
) -> PyResult<(f64, f64, f64, f64, f64, f64, f64)> {
    let (exit, ev, lp) = (slice(&exit)?, event.slice()?, slice(&lp)?);
    let entry = entry.as_ref().map(slice).transpose()?;
    let weight = weight.as_ref().map(slice).transpose()?;
    let strata = strata.as_ref().map(slice).transpose()?;
    let cluster = cluster.as_ref().map(slice).transpose()?;
    let c = interruptible(py, || -> Result<_, Error> {
            let codes = ev.codes()?;
            let mut d = SurvData::new(exit, &codes, entry, weight)?;
            if let Some(s) = strata {
                d = d.with_strata(s, n_strata)?;
            }
            if lp.len() != d.len() || cluster.is_some_and(|c| c.len() != d.len() || c.iter().any(|&g| g as usize >= n_clusters)) {
                return Err(Error::InvalidArgument("lp or cluster has the wrong length or codes".into()));
            }
            Ok(crate::cox::concordance(&d, lp, cluster.map(|c| (c, n_clusters))))
        })?;
    Ok((c.concordant, c.discordant, c.tied_x, c.tied_y, c.tied_xy, c.concordance, c.std_err))
}

/// Residuals and the baseline cumulative hazard at given coefficients.
#[pyfunction]
#[pyo3(signature = (exit, event, x, coef, entry=None, weight=None, strata=None, n_strata=1, offset=None, ties="efron"))]
#[allow(clippy::too_many_arguments)]
fn cox_details<'py>(
    py: Python<'py>,
    exit: F64<'py>,
    event: EventArray<'py>,
    x: PyReadonlyArray2<'py, f64>,
    coef: Vec<f64>,
    entry: Option<F64<'py>>,
    weight: Option<F64<'py>>,
    strata: Option<U32<'py>>,
    n_strata: usize,
    offset: Option<F64<'py>>,
    ties: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let ties = Ties::parse(ties).map_err(to_py)?;
    let args = CoxArgs { exit, event, x, entry, weight, strata, n_strata, offset };
    let sl = args.slices()?;
    let mut codes = Vec::new();
    let (res, base) = interruptible(py, || {
            sl.with_input(&mut codes, |inp| {
                if coef.len() != inp.p {
                    return Err(Error::InvalidArgument("coef has the wrong length".into()));
                }
                let prep = Prepared::new(inp, ties)?;
                Ok((residuals_prepared(&prep, &coef), baseline_prepared(&prep, &coef)))
            })
        })?;
    let out = PyDict::new(py);
    out.set_item("martingale", res.martingale.into_pyarray(py))?;
    out.set_item("score", res.score.into_pyarray(py))?;
    out.set_item("schoenfeld", res.schoenfeld.into_pyarray(py))?;
    out.set_item("schoenfeld_rows", res.schoenfeld_rows.into_pyarray(py))?;
    out.set_item("schoenfeld_time", res.schoenfeld_time.into_pyarray(py))?;
    out.set_item("schoenfeld_stratum", res.schoenfeld_stratum.into_pyarray(py))?;
    out.set_item("base_stratum", base.stratum.into_pyarray(py))?;
    out.set_item("base_time", base.time.into_pyarray(py))?;
    out.set_item("base_cumhaz", base.cumhaz.into_pyarray(py))?;
    Ok(out)
}

/// Score and information of the cox.zph test at given coefficients.
#[pyfunction]
#[pyo3(signature = (exit, event, x, coef, entry=None, weight=None, strata=None, n_strata=1, offset=None, ties="efron", transform="km"))]
#[allow(clippy::too_many_arguments)]
fn cox_zph<'py>(
    py: Python<'py>,
    exit: F64<'py>,
    event: EventArray<'py>,
    x: PyReadonlyArray2<'py, f64>,
    coef: Vec<f64>,
    entry: Option<F64<'py>>,
    weight: Option<F64<'py>>,
    strata: Option<U32<'py>>,
    n_strata: usize,
    offset: Option<F64<'py>>,
    ties: &str,
    transform: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let ties = Ties::parse(ties).map_err(to_py)?;
    let tr = crate::cox::Transform::parse(transform).map_err(to_py)?;
    let args = CoxArgs { exit, event, x, entry, weight, strata, n_strata, offset };
    let sl = args.slices()?;
    let mut codes = Vec::new();
    let z = interruptible(py, || {
            sl.with_input(&mut codes, |inp| {
                if coef.len() != inp.p {
                    return Err(Error::InvalidArgument("coef has the wrong length".into()));
                }
                let prep = Prepared::new(inp, ties)?;
                Ok(crate::cox::zph(&prep, &coef, tr))
            })
        })?;
    let out = PyDict::new(py);
    out.set_item("u", z.u.into_pyarray(py))?;
    out.set_item("imat", z.imat.into_pyarray(py))?;
    out.set_item("g", z.g.into_pyarray(py))?;
    Ok(out)
}

/// Runs one core call on a scoped thread, without the GIL, while this thread checks for Ctrl-C
/// every 20 ms: an interrupt sets the call's flag (iterative fits stop at their next iteration,
/// see [`crate::interrupt`]) and raises KeyboardInterrupt once the worker has stopped.
pub(crate) fn interruptible<T: Send>(py: Python<'_>, work: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    std::thread::scope(|scope| {
        let inner = flag.clone();
        let handle = scope.spawn(move || crate::interrupt::with_flag(inner, work));
        loop {
            let finished = py.detach(|| {
                for _ in 0..20 {
                    if handle.is_finished() {
                        return true;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                handle.is_finished()
            });
            if finished {
                break;
            }
            if let Err(e) = py.check_signals() {
                flag.store(true, std::sync::atomic::Ordering::Relaxed);
                let _ = handle.join();
                return Err(e);
            }
        }
        match handle.join() {
            Ok(r) => r.map_err(to_py),
            Err(_) => Err(CoreError::new_err("a core computation panicked")),
        }
    })
}

/// Runs `work` on a scoped thread while this thread, holding the GIL only briefly, reports
/// progress to `callback(done)` and turns Ctrl-C into a cancel request and a KeyboardInterrupt.
fn with_progress<T: Send>(py: Python<'_>, control: &Control, callback: Option<&Bound<'_, PyAny>>, work: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    std::thread::scope(|scope| {
        let handle = scope.spawn(work);
        loop {
            let finished = py.detach(|| {
                for _ in 0..10 {
                    if handle.is_finished() {
                        return true;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                handle.is_finished()
            });
            if let Err(e) = py.check_signals() {
                control.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                let _ = handle.join();
                return Err(e);
            }
            if let Some(cb) = callback {
                cb.call1((control.done.load(std::sync::atomic::Ordering::Relaxed),))?;
            }
            if finished {
                break;
            }
        }
        match handle.join() {
            Ok(r) => r.map_err(to_py),
            Err(_) => Err(CoreError::new_err("a bootstrap worker panicked")),
        }
    })
}

/// Bootstraps an estimator entirely in the core: returns the full-data values `t0`, the
/// replicate matrix `t` (n_resamples x k, values then variances), the failed replicates and the
/// jackknife values for the BCa acceleration.
#[pyfunction]
#[pyo3(signature = (estimator, exit, event, entry=None, weight=None, group=None, n_groups=1, strata=None, n_strata=1, x=None, offset=None, ties="efron", times=Vec::new(), quantiles=Vec::new(), taus=Vec::new(), conf_type="log", conf_level=0.95, rho=0.0, gamma=0.0, scheme="ordinary", scheme_codes=None, n_scheme_codes=0, n_resamples=1000, seed=0, n_threads=1, jackknife=true, progress=None, aft_kind=None, aft_t2=None, dist="weibull", causes=None, first_replicate=0, iptw_treatment=None, iptw_z=None, estimand="ate", stabilized=true, truncate=None, n_arms=2))]
#[allow(clippy::too_many_arguments)]
fn bootstrap<'py>(
    py: Python<'py>,
    estimator: &str,
    exit: F64<'py>,
    event: EventArray<'py>,
    entry: Option<F64<'py>>,
    weight: Option<F64<'py>>,
    group: Option<U32<'py>>,
    n_groups: usize,
    strata: Option<U32<'py>>,
    n_strata: usize,
    x: Option<PyReadonlyArray2<'py, f64>>,
    offset: Option<F64<'py>>,
    ties: &str,
    times: Vec<f64>,
    quantiles: Vec<f64>,
    taus: Vec<f64>,
    conf_type: &str,
    conf_level: f64,
    rho: f64,
    gamma: f64,
    scheme: &str,
    scheme_codes: Option<U32<'py>>,
    n_scheme_codes: usize,
    n_resamples: usize,
    seed: u64,
    n_threads: usize,
    jackknife: bool,
    progress: Option<Bound<'py, PyAny>>,
    aft_kind: Option<PyReadonlyArray1<'py, u8>>,
    aft_t2: Option<F64<'py>>,
    dist: &str,
    causes: Option<F64<'py>>,
    first_replicate: usize,
    iptw_treatment: Option<F64<'py>>,
    iptw_z: Option<PyReadonlyArray2<'py, f64>>,
    estimand: &str,
    stabilized: bool,
    truncate: Option<(f64, f64)>,
    n_arms: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let iptw_a = iptw_treatment.as_ref().map(slice).transpose()?;
    let (iptw_zs, iptw_q) = match &iptw_z {
        Some(a) => (Some(a.as_slice().map_err(|_| PyValueError::new_err("iptw_z must be C-contiguous"))?), a.shape()[1]),
        None => (None, 0),
    };
    let estimand = match estimand {
        "ate" => crate::weighting::Estimand::Ate,
        "att" => crate::weighting::Estimand::Att,
        other => return Err(PyValueError::new_err(format!("estimand must be 'ate' or 'att', not '{other}'"))),
    };
    let causes = causes.as_ref().map(slice).transpose()?;
    use crate::bootstrap::{self as bs, stats, Control, Resampler, Scheme};
    let aft_kind = aft_kind.as_ref().map(slice).transpose()?;
    let aft_t2 = aft_t2.as_ref().map(slice).transpose()?;
    let aft_dist = crate::parametric::Dist::parse(dist).map_err(to_py)?;
    let exit = slice(&exit)?;
    let ev = event.slice()?;
    let entry = entry.as_ref().map(slice).transpose()?;
    let weight = weight.as_ref().map(slice).transpose()?;
    let group = group.as_ref().map(slice).transpose()?;
    let strata = strata.as_ref().map(slice).transpose()?;
    let offset = offset.as_ref().map(slice).transpose()?;
    let sc = scheme_codes.as_ref().map(slice).transpose()?;
    let (xs, p) = match &x {
        Some(a) => (Some(a.as_slice().map_err(|_| PyValueError::new_err("x must be C-contiguous"))?), a.shape()[1]),
        None => (None, 0),
    };
    let ties = Ties::parse(ties).map_err(to_py)?;
    let opts = KmOptions { robust: false, conf_type: ConfType::parse(conf_type).map_err(to_py)?, conf_level };
    let n = exit.len();
    let scheme = match (scheme, sc) {
        ("ordinary", _) => Scheme::Ordinary,
        ("stratified", Some(c)) => Scheme::Stratified { codes: c, n_strata: n_scheme_codes },
        ("cluster", Some(c)) => Scheme::Cluster { codes: c, n_clusters: n_scheme_codes },
        ("bayesian", c) => Scheme::Bayesian { cluster: c.map(|c| (c, n_scheme_codes)) },
        (other, _) => return Err(PyValueError::new_err(format!("unknown scheme '{other}' (or its codes are missing)"))),
    };
    let bayes = matches!(scheme, Scheme::Bayesian { .. });
    let (units, n_units): (Vec<u32>, usize) = match scheme {
        Scheme::Cluster { codes, n_clusters } => (codes.to_vec(), n_clusters),
        Scheme::Bayesian { cluster: Some((codes, k)) } => (codes.to_vec(), k),
        _ => ((0..n as u32).collect(), n),
    };
    let control = Control::default();
    let mut codes_buf = Vec::new();
    let work = || -> Result<_, Error> {
        if estimator == "aft" {
            // Observations coded by the Python layer (validated there); no SurvData.
            let (kind, t2) = (aft_kind.unwrap_or(&[]), aft_t2.unwrap_or(&[]));
            let obs: Vec<crate::parametric::Obs> = kind
                .iter()
                .zip(exit.iter().zip(t2))
                .map(|(&k, (&a, &b))| match k {
                    0 => crate::parametric::Obs::Exact(a),
                    1 => crate::parametric::Obs::Right(a),
                    2 => crate::parametric::Obs::Left(b),
                    _ => crate::parametric::Obs::Interval(a, b),
                })
                .collect();
            let x = xs.ok_or_else(|| Error::InvalidArgument("aft needs x".into()))?;
            let resampler = Resampler::new(n, scheme)?;
            let nopt = NewtonOptions { max_iter: 30, eps: 1e-9, step_tol: 1e-9 };
            let ones = vec![1.0; n];
            let t0 = stats::aft_statistic(&obs, x, p, aft_dist, weight.unwrap_or(&ones), &nopt)
                .ok_or_else(|| Error::Degenerate("the model does not converge on the full data".into()))?;
            let k = t0.len();
            let stat = |w: &[f64], _: &[f64]| stats::aft_statistic(&obs, x, p, aft_dist, w, &nopt);
            let out = bs::run(&resampler, weight, first_replicate, n_resamples, seed, k, n_threads, &control, &stat)?;
            let jack = if jackknife { Some(bs::jackknife(&units, n_units, weight, k, n_threads, &control, &stat)?) } else { None };
            return Ok((t0, out, jack));
        }
        codes_buf = ev.codes()?;
        let mut d = SurvData::new(exit, &codes_buf, entry, weight)?;
        if let Some(g) = group {
            d = d.with_groups(g, n_groups)?;
        }
        if let Some(s) = strata {
            d = d.with_strata(s, n_strata)?;
        }
        let resampler = Resampler::new(n, scheme)?;
        let run_all = |k: usize, t0: Vec<f64>, stat: &(dyn Fn(&[f64], &[f64]) -> Option<Vec<f64>> + Sync)| -> Result<_, Error> {
            // n_resamples = 0: only the jackknife (asked for later, when a BCa interval is wanted).
            let out = bs::run(&resampler, weight, first_replicate, n_resamples, seed, k, n_threads, &control, stat)?;
            let jack = if jackknife { Some(bs::jackknife(&units, n_units, weight, k, n_threads, &control, stat)?) } else { None };
            Ok((t0, out, jack))
        };
        match estimator {
            "kaplan_meier" => {
                let spec = stats::KmSpec { times: times.clone(), quantiles: quantiles.clone(), taus: taus.clone(), opts };
                let k = 2 * spec.len(d.n_groups);
                let t0 = stats::km_statistic(&d, weight, &spec);
                run_all(k, t0, &|w, _| Some(stats::km_statistic(&d, Some(w), &spec)))
            }
            "cumulative_incidence" => {
                let (cc, k) = crate::competing::cif::cause_codes(causes.ok_or_else(|| Error::InvalidArgument("causes missing".into()))?)?;
                let t0 = stats::cif_statistic(&d, &cc, k, &times, weight);
                run_all(t0.len(), t0, &|w, _| Some(stats::cif_statistic(&d, &cc, k, &times, Some(w))))
            }
            "logrank" => {
                let lo = LogrankOptions { rho, gamma };
                let t0 = stats::logrank_statistic(&d, weight, &lo).ok_or_else(|| Error::Degenerate("the log-rank test fails on the full data".into()))?;
                run_all(2, t0, &|w, _| stats::logrank_statistic(&d, Some(w), &lo))
            }
            "cox" => {
                let x = xs.ok_or_else(|| Error::InvalidArgument("cox needs x".into()))?;
                let inp = CoxInput { data: d, x, p, offset };
                let prep = Prepared::new(inp, ties)?;
                let full = fit_prepared(&prep, &CoxOptions { ties, ..Default::default() })?;
                let mut t0 = full.coef.clone();
                t0.extend((0..p).map(|j| full.var[j * p + j]));
                let nopt = NewtonOptions::default();
                run_all(2 * p, t0, &|w, counts| stats::cox_statistic(&prep, &full, w, if bayes { None } else { Some(counts) }, &nopt))
            }
            "iptw_cox" => {
                let x = xs.ok_or_else(|| Error::InvalidArgument("iptw_cox needs x".into()))?;
                let treatment = iptw_a.ok_or_else(|| Error::InvalidArgument("iptw_cox needs the treatment".into()))?;
                let z = iptw_zs.ok_or_else(|| Error::InvalidArgument("iptw_cox needs the propensity covariates".into()))?;
                let wopts = crate::weighting::IptwOptions { estimand, stabilized, truncate };
                let full = crate::weighting::iptw_fit(treatment, z, iptw_q, n_arms, &wopts, None, None)?;
                if !full.model.converged {
                    return Err(Error::Degenerate("the propensity model does not converge on the full data".into()));
                }
                let w0 = full.weights;
                // replicates start the propensity model from its full-data estimate
                let spec = stats::IptwSpec { treatment, z, q: iptw_q, arms: n_arms, opts: wopts, init: Some(full.model.beta) };
                let mut dw = d;
                dw.weight = Some(&w0);
                let inp = CoxInput { data: dw, x, p, offset };
                let prep = Prepared::new(inp, ties)?;
                let full = fit_prepared(&prep, &CoxOptions { ties, ..Default::default() })?;
                let mut t0 = full.coef.clone();
                t0.extend((0..p).map(|j| full.var[j * p + j]));
                let nopt = NewtonOptions::default();
                run_all(2 * p, t0, &|_, counts| stats::iptw_cox_statistic(&prep, &full, &spec, counts, !bayes, &nopt))
            }
            other => Err(Error::InvalidArgument(format!("cannot bootstrap '{other}' in the core"))),
        }
    };
    let (t0, out, jack) = with_progress(py, &control, progress.as_ref(), work)?;
    let dict = PyDict::new(py);
    dict.set_item("t0", t0.into_pyarray(py))?;
    dict.set_item("t", out.t.into_pyarray(py))?;
    dict.set_item("k", out.k)?;
    dict.set_item("failed", out.failed.into_pyarray(py))?;
    if let Some((j, g)) = jack {
        dict.set_item("jack", j.into_pyarray(py))?;
        dict.set_item("jack_groups", g)?;
    }
    Ok(dict)
}

/// The weights of one replicate (counts, or Dirichlet weights times n), for the Python path.
#[pyfunction]
#[pyo3(signature = (n, scheme, codes, n_codes, seed, replicate))]
fn resample_weights<'py>(py: Python<'py>, n: usize, scheme: &str, codes: Option<U32<'py>>, n_codes: usize, seed: u64, replicate: u64) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
    use crate::bootstrap::{Resampler, Scheme};
    let c = codes.as_ref().map(slice).transpose()?;
    let scheme = match (scheme, c) {
        ("ordinary", _) => Scheme::Ordinary,
        ("stratified", Some(c)) => Scheme::Stratified { codes: c, n_strata: n_codes },
        ("cluster", Some(c)) => Scheme::Cluster { codes: c, n_clusters: n_codes },
        ("bayesian", c) => Scheme::Bayesian { cluster: c.map(|c| (c, n_codes)) },
        (other, _) => return Err(PyValueError::new_err(format!("unknown scheme '{other}' (or its codes are missing)"))),
    };
    let r = Resampler::new(n, scheme).map_err(to_py)?;
    let mut w = vec![0.0; n];
    r.weights(seed, replicate, &mut w);
    Ok(w.into_pyarray(py))
}

/// One bootstrap interval as R's boot.ci: kind = percentile | basic | normal | bca | studentized.
#[pyfunction]
#[pyo3(signature = (kind, t0, t, conf, accel=f64::NAN, v0=f64::NAN, v=None))]
fn boot_interval(kind: &str, t0: f64, t: F64<'_>, conf: f64, accel: f64, v0: f64, v: Option<F64<'_>>) -> PyResult<(f64, f64)> {
    use crate::bootstrap::intervals as iv;
    let t = slice(&t)?;
    Ok(match kind {
        "percentile" => iv::percentile(t, conf),
        "basic" => iv::basic(t0, t, conf),
        "normal" => iv::normal(t0, t, conf),
        "bca" => iv::bca(t0, t, conf, accel),
        "studentized" => {
            let v = v.as_ref().ok_or_else(|| PyValueError::new_err("studentized intervals need replicate variances"))?;
            iv::studentized(t0, v0, t, slice(v)?, conf)
        }
        other => return Err(PyValueError::new_err(format!("unknown interval type '{other}'"))),
    })
}

/// Acceleration of the BCa interval from jackknife estimates (leave-one-unit-out).
#[pyfunction]
#[pyo3(signature = (t0, theta_minus, unit_strata=None))]
fn bca_acceleration(t0: f64, theta_minus: F64<'_>, unit_strata: Option<U32<'_>>) -> PyResult<f64> {
    use crate::bootstrap::intervals as iv;
    let us = unit_strata.as_ref().map(slice).transpose()?;
    Ok(iv::acceleration(&iv::jackknife_influence(t0, slice(&theta_minus)?, us)))
}

/// An accelerated failure time model. `kind`: 0 exact, 1 right-censored, 2 left-censored,
/// 3 interval-censored (t1, t2); times on the original scale.
#[pyfunction]
#[pyo3(signature = (kind, t1, t2, x, dist, weight=None, max_iter=30, eps=1e-9))]
#[allow(clippy::too_many_arguments)]
fn aft_fit<'py>(
    py: Python<'py>,
    kind: PyReadonlyArray1<'py, u8>,
    t1: F64<'py>,
    t2: F64<'py>,
    x: PyReadonlyArray2<'py, f64>,
    dist: &str,
    weight: Option<F64<'py>>,
    max_iter: usize,
    eps: f64,
) -> PyResult<Bound<'py, PyDict>> {
    use crate::parametric::{fit, AftInput, Dist, Obs};
    let dist = Dist::parse(dist).map_err(to_py)?;
    let (kind, t1, t2) = (slice(&kind)?, slice(&t1)?, slice(&t2)?);
    let xs = x.as_slice().map_err(|_| PyValueError::new_err("x must be C-contiguous"))?;
    let p = x.shape()[1];
    let weight = weight.as_ref().map(slice).transpose()?;
    let r = interruptible(py, || -> Result<_, Error> {
            let obs: Vec<Obs> = kind
                .iter()
                .zip(t1.iter().zip(t2))
                .map(|(&k, (&a, &b))| match k {
                    0 => Obs::Exact(a),
                    1 => Obs::Right(a),
                    2 => Obs::Left(b),
                    _ => Obs::Interval(a, b),
                })
                .collect();
            let opts = NewtonOptions { max_iter, eps, step_tol: 1e-9 };
            let full = fit(AftInput { obs: &obs, x: xs, p, weight }, dist, &opts)?;
            let ones = vec![1.0; obs.len()];
            let null = fit(AftInput { obs: &obs, x: &ones, p: 1, weight }, dist, &opts)?;
            Ok((full, null.loglik))
        })?;
    let (f, null) = r;
    let out = PyDict::new(py);
    out.set_item("coef", f.coef.into_pyarray(py))?;
    out.set_item("scale", f.scale)?;
    out.set_item("var", f.var.into_pyarray(py))?;
    out.set_item("loglik", (null, f.loglik))?;
    out.set_item("iter", f.iter)?;
    out.set_item("converged", f.converged)?;
    Ok(out)
}

/// Discrete-time hazard model on person-periods generated in the core.
#[pyfunction]
#[pyo3(signature = (duration, event, x, link="logit", degree=None, entry=None, weight=None, cluster=None, n_clusters=0, max_iter=50, eps=1e-10))]
#[allow(clippy::too_many_arguments)]
fn discrete_hazard<'py>(
    py: Python<'py>,
    duration: U32<'py>,
    event: EventArray<'py>,
    x: PyReadonlyArray2<'py, f64>,
    link: &str,
    degree: Option<usize>,
    entry: Option<U32<'py>>,
    weight: Option<F64<'py>>,
    cluster: Option<U32<'py>>,
    n_clusters: usize,
    max_iter: usize,
    eps: f64,
) -> PyResult<Bound<'py, PyDict>> {
    use crate::parametric::discrete::{fit, Baseline, DiscreteInput, Link};
    let link = Link::parse(link).map_err(to_py)?;
    let baseline = degree.map_or(Baseline::Period, Baseline::Poly);
    let duration = slice(&duration)?;
    let ev = event.slice()?;
    let xs = x.as_slice().map_err(|_| PyValueError::new_err("x must be C-contiguous"))?;
    let p = x.shape()[1];
    let entry = entry.as_ref().map(slice).transpose()?;
    let weight = weight.as_ref().map(slice).transpose()?;
    let cluster = cluster.as_ref().map(slice).transpose()?;
    let f = interruptible(py, || -> Result<_, Error> {
            let codes = ev.codes()?;
            let inp = DiscreteInput { duration, event: &codes, entry, x: xs, p, weight };
            fit(inp, link, baseline, cluster.map(|c| (c, n_clusters)), &NewtonOptions { max_iter, eps, step_tol: 1e-8 })
        })?;
    let out = PyDict::new(py);
    out.set_item("coef", f.coef.into_pyarray(py))?;
    out.set_item("var", f.var.into_pyarray(py))?;
    if let Some(v) = f.robust_var {
        out.set_item("robust_var", v.into_pyarray(py))?;
    }
    out.set_item("loglik", f.loglik)?;
    out.set_item("n_periods", f.n_periods)?;
    out.set_item("person_periods", f.person_periods)?;
    out.set_item("iter", f.iter)?;
    out.set_item("converged", f.converged)?;
    Ok(out)
}

/// Cumulative incidence (Aalen-Johansen) per group: cause codes 0 (censored), 1..k.
#[pyfunction]
#[pyo3(signature = (exit, cause, entry=None, weight=None, group=None, n_groups=1))]
fn cumulative_incidence<'py>(
    py: Python<'py>,
    exit: F64<'py>,
    cause: F64<'py>,
    entry: Option<F64<'py>>,
    weight: Option<F64<'py>>,
    group: Option<U32<'py>>,
    n_groups: usize,
) -> PyResult<(usize, Vec<Bound<'py, PyDict>>)> {
    let (exit, cause) = (slice(&exit)?, slice(&cause)?);
    let entry = entry.as_ref().map(slice).transpose()?;
    let weight = weight.as_ref().map(slice).transpose()?;
    let group = group.as_ref().map(slice).transpose()?;
    let (k, curves) = interruptible(py, || -> Result<_, Error> {
            let (codes, k) = crate::competing::cif::cause_codes(cause)?;
            let any: Vec<u8> = codes.iter().map(|&c| (c > 0) as u8).collect();
            let mut d = SurvData::new(exit, &any, entry, weight)?;
            if let Some(g) = group {
                d = d.with_groups(g, n_groups)?;
            }
            Ok((k, crate::competing::cumulative_incidence(&d, &codes, k)))
        })?;
    let out = curves
        .into_iter()
        .map(|c| {
            let dict = PyDict::new(py);
            dict.set_item("time", c.time.into_pyarray(py))?;
            dict.set_item("n_risk", c.n_risk.into_pyarray(py))?;
            dict.set_item("n_event", c.n_event.into_pyarray(py))?;
            dict.set_item("n_censor", c.n_censor.into_pyarray(py))?;
            dict.set_item("n_cause", c.n_cause.into_pyarray(py))?;
            dict.set_item("cif", c.cif.into_pyarray(py))?;
            dict.set_item("se", c.se.into_pyarray(py))?;
            Ok(dict)
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok((k, out))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CoreError", m.py().get_type::<CoreError>())?;
    m.add("CoreInputError", m.py().get_type::<CoreInputError>())?;
    m.add("CoreDegenerateError", m.py().get_type::<CoreDegenerateError>())?;
    m.add_function(wrap_pyfunction!(kaplan_meier, m)?)?;
    m.add_function(wrap_pyfunction!(km_quantile, m)?)?;
    m.add_function(wrap_pyfunction!(factorize_i64, m)?)?;
    m.add_function(wrap_pyfunction!(km_rmst, m)?)?;
    m.add_function(wrap_pyfunction!(logrank, m)?)?;
    m.add_function(wrap_pyfunction!(cox_fit, m)?)?;
    m.add_function(wrap_pyfunction!(chisq_sf, m)?)?;
    m.add_function(wrap_pyfunction!(cox_details, m)?)?;
    m.add_function(wrap_pyfunction!(cox_zph, m)?)?;
    m.add_function(wrap_pyfunction!(concordance, m)?)?;
    m.add_function(wrap_pyfunction!(aft_fit, m)?)?;
    m.add_function(wrap_pyfunction!(discrete_hazard, m)?)?;
    m.add_function(wrap_pyfunction!(cumulative_incidence, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap, m)?)?;
    m.add_function(wrap_pyfunction!(spells::build_spells, m)?)?;
    m.add_function(wrap_pyfunction!(competing::gray_test, m)?)?;
    m.add_function(wrap_pyfunction!(competing::cmprsk_variance, m)?)?;
    m.add_function(wrap_pyfunction!(competing::fine_gray, m)?)?;
    m.add_function(wrap_pyfunction!(weighting::iptw, m)?)?;
    m.add_class::<spells::SpellTable>()?;
    m.add_function(wrap_pyfunction!(boot_interval, m)?)?;
    m.add_function(wrap_pyfunction!(resample_weights, m)?)?;
    m.add_function(wrap_pyfunction!(bca_acceleration, m)?)?;
    m.add("CoreSingularError", m.py().get_type::<CoreSingularError>())?;
    Ok(())
}
