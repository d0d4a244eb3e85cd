//! Bindings of the Cox core: fit, residuals and baseline, concordance, cox.zph.

use numpy::{IntoPyArray, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::cox::{baseline_prepared, fit_prepared, residuals_prepared, robust_var_prepared, CoxInput, CoxOptions, Prepared, Ties};
use crate::error::Error;
use crate::optim::NewtonOptions;
use crate::SurvData;

use super::convert::*;

/// The arrays of a Cox model, borrowed from Python for the duration of one call.
pub(crate) struct CoxArgs<'py> {
    pub(crate) exit: F64<'py>,
    pub(crate) event: EventArray<'py>,
    pub(crate) x: PyReadonlyArray2<'py, f64>,
    pub(crate) entry: Option<F64<'py>>,
    pub(crate) weight: Option<F64<'py>>,
    pub(crate) strata: Option<U32<'py>>,
    pub(crate) n_strata: usize,
    pub(crate) offset: Option<F64<'py>>,
}

/// Plain slices of [`CoxArgs`], which may cross into `detach`.
pub(crate) struct CoxSlices<'a> {
    pub(crate) exit: &'a [f64],
    pub(crate) event: EventSlice<'a>,
    pub(crate) x: &'a [f64],
    pub(crate) p: usize,
    pub(crate) entry: Option<&'a [f64]>,
    pub(crate) weight: Option<&'a [f64]>,
    pub(crate) strata: Option<&'a [u32]>,
    pub(crate) n_strata: usize,
    pub(crate) offset: Option<&'a [f64]>,
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
pub(crate) fn cox_fit<'py>(
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

/// The Cox log partial likelihood, its score and information at `coef` (for penalised fits
/// built in Python: shared frailty).
#[pyfunction]
#[pyo3(signature = (exit, event, x, coef, entry=None, weight=None, strata=None, n_strata=1, offset=None, ties="efron"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn cox_evaluate<'py>(
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
    let e = interruptible(py, || {
        sl.with_input(&mut codes, |inp| {
            if coef.len() != inp.p {
                return Err(Error::InvalidArgument(format!("coef has {} values for {} covariates", coef.len(), inp.p)));
            }
            Ok(Prepared::new(inp, ties)?.evaluate(&coef))
        })
    })?;
    let out = PyDict::new(py);
    out.set_item("loglik", e.loglik)?;
    out.set_item("score", e.score.into_pyarray(py))?;
    out.set_item("info", e.info.into_pyarray(py))?;
    Ok(out)
}

/// The partial likelihood of x beta + w[group] and its sparse derivatives (see
/// `crate::cox::frailty`): loglik, u_beta, u_w, i_bb (p x p), i_bw (p x G), i_ww (diagonal).
#[pyfunction]
#[pyo3(signature = (exit, event, x, group, n_groups, beta, w, entry=None, weight=None, strata=None, n_strata=1, ties="efron"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn cox_frailty_eval<'py>(
    py: Python<'py>,
    exit: F64<'py>,
    event: EventArray<'py>,
    x: PyReadonlyArray2<'py, f64>,
    group: U32<'py>,
    n_groups: usize,
    beta: Vec<f64>,
    w: Vec<f64>,
    entry: Option<F64<'py>>,
    weight: Option<F64<'py>>,
    strata: Option<U32<'py>>,
    n_strata: usize,
    ties: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let ties = Ties::parse(ties).map_err(to_py)?;
    let args = CoxArgs { exit, event, x, entry, weight, strata, n_strata, offset: None };
    let sl = args.slices()?;
    let group = slice(&group)?;
    let mut codes = Vec::new();
    let e = interruptible(py, || {
        sl.with_input(&mut codes, |inp| crate::cox::frailty_eval(&inp.data, inp.x, inp.p, group, n_groups, &beta, &w, ties))
    })?;
    let out = PyDict::new(py);
    out.set_item("loglik", e.loglik)?;
    out.set_item("u_beta", e.u_beta.into_pyarray(py))?;
    out.set_item("u_w", e.u_w.into_pyarray(py))?;
    out.set_item("i_bb", e.i_bb.into_pyarray(py))?;
    out.set_item("i_bw", e.i_bw.into_pyarray(py))?;
    out.set_item("i_ww", e.i_ww.into_pyarray(py))?;
    Ok(out)
}

/// Harrell's concordance of a linear predictor, as R's coxph reports it:
/// (concordant, discordant, tied_x, tied_y, tied_xy, concordance, std_err).
#[pyfunction]
#[pyo3(signature = (exit, event, lp, entry=None, weight=None, strata=None, n_strata=1, cluster=None, n_clusters=0))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn concordance<'py>(
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
pub(crate) fn cox_details<'py>(
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
pub(crate) fn cox_zph<'py>(
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

/// Predicted survival of many rows (rows x times, flattened), or with `average` their mean
/// curve, from the linear predictors and the baseline cumulative hazard.
#[pyfunction]
#[pyo3(signature = (lp, base_time, base_cumhaz, times, stratum=None, base_stratum=None, n_strata=1, average=false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn cox_predict<'py>(
    py: Python<'py>,
    lp: F64<'py>,
    base_time: F64<'py>,
    base_cumhaz: F64<'py>,
    times: F64<'py>,
    stratum: Option<U32<'py>>,
    base_stratum: Option<U32<'py>>,
    n_strata: usize,
    average: bool,
) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
    let (lp, bt, bh, ts) = (slice(&lp)?, slice(&base_time)?, slice(&base_cumhaz)?, slice(&times)?);
    let st = stratum.as_ref().map(slice).transpose()?;
    let bs = base_stratum.as_ref().map(slice).transpose()?;
    let out = interruptible(py, || {
        if average {
            crate::cox::mean_survival(lp, st, bt, bh, bs, n_strata, ts)
        } else {
            crate::cox::predict_survival(lp, st, bt, bh, bs, n_strata, ts)
        }
    })?;
    Ok(out.into_pyarray(py))
}
