//! Bindings for Gray's test, cmprsk's cumulative-incidence variance and the Fine-Gray model.

use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::convert::*;
use crate::error::Error;
use crate::SurvData;
use crate::competing;
use crate::optim::NewtonOptions;

/// Gray's test for one cause: (statistic, df, p_value).
#[pyfunction]
#[pyo3(signature = (time, status, group, n_groups, cause, rho=0.0, strata=None, n_strata=1))]
#[allow(clippy::too_many_arguments)]
pub fn gray_test(
    py: Python<'_>,
    time: PyReadonlyArray1<'_, f64>,
    status: PyReadonlyArray1<'_, u8>,
    group: PyReadonlyArray1<'_, u32>,
    n_groups: usize,
    cause: u8,
    rho: f64,
    strata: Option<PyReadonlyArray1<'_, u32>>,
    n_strata: usize,
) -> PyResult<(f64, usize, f64)> {
    let (time, status, group) = (slice(&time)?, slice(&status)?, slice(&group)?);
    let strata = strata.as_ref().map(slice).transpose()?;
    let t = interruptible(py, || competing::gray_test(time, status, group, n_groups, strata, n_strata, cause, rho))?;
    Ok((t.statistic, t.df, t.p_value))
}

type Arrays3<'py> = (Bound<'py, numpy::PyArray1<f64>>, Bound<'py, numpy::PyArray1<f64>>, Bound<'py, numpy::PyArray1<f64>>);

/// cmprsk's variance of the cumulative incidence of `cause` (rows sorted by time, one group):
/// (times with an event of the cause, incidence, variance).
#[pyfunction]
pub fn cmprsk_variance<'py>(
    py: Python<'py>,
    time: PyReadonlyArray1<'py, f64>,
    status: PyReadonlyArray1<'py, u8>,
    cause: u8,
) -> PyResult<Arrays3<'py>> {
    let (time, status) = (slice(&time)?, slice(&status)?);
    let (t, f, v) = py.detach(|| competing::cmprsk_variance(time, status, cause));
    Ok((t.into_pyarray(py), f.into_pyarray(py), v.into_pyarray(py)))
}

/// The Fine-Gray model (cmprsk::crr).
#[pyfunction]
#[pyo3(signature = (time, status, x, cause=1, max_iter=50, eps=1e-10))]
pub fn fine_gray<'py>(
    py: Python<'py>,
    time: PyReadonlyArray1<'py, f64>,
    status: PyReadonlyArray1<'py, u8>,
    x: PyReadonlyArray2<'py, f64>,
    cause: u8,
    max_iter: usize,
    eps: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let (time, status) = (slice(&time)?, slice(&status)?);
    let p = x.shape()[1];
    let xs = x.as_slice().map_err(|_| pyo3::exceptions::PyValueError::new_err("x must be C-contiguous"))?;
    let opts = NewtonOptions { max_iter, eps, step_tol: 1e-10 };
    let fit = interruptible(py, || competing::fine_gray(time, status, cause, xs, p, &opts))?;
    let d = PyDict::new(py);
    d.set_item("coef", fit.coef.into_pyarray(py))?;
    d.set_item("var", fit.var.into_pyarray(py))?;
    d.set_item("naive_var", fit.naive_var.into_pyarray(py))?;
    d.set_item("loglik", fit.loglik)?;
    d.set_item("loglik_null", fit.loglik_null)?;
    d.set_item("score", fit.score.into_pyarray(py))?;
    d.set_item("iter", fit.iter)?;
    d.set_item("converged", fit.converged)?;
    d.set_item("time", fit.time.into_pyarray(py))?;
    d.set_item("base_jump", fit.base_jump.into_pyarray(py))?;
    d.set_item("n_events", fit.n_events)?;
    Ok(d)
}

/// Cumulative incidence (Aalen-Johansen) per group: cause codes 0 (censored), 1..k.
#[pyfunction]
#[pyo3(signature = (exit, cause, entry=None, weight=None, group=None, n_groups=1))]
pub(crate) fn cumulative_incidence<'py>(
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
