//! Bindings of the nonparametric core: Kaplan-Meier, its quantiles and RMST, the log-rank test.

use numpy::{IntoPyArray, PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::Error;
use crate::nonparametric::{self as np_, ConfType, KmOptions, LogrankOptions};
use crate::SurvData;

use super::convert::*;

/// The stacked columns (one row each), the offsets of the groups' rows, the data rows per group.
type Stacked<'py> = (Bound<'py, PyArray2<f64>>, Vec<usize>, Vec<usize>);

/// Kaplan-Meier (and with `hazard` Nelson-Aalen) curves of all groups stacked in one table:
/// (a 2-D array of the columns `nonparametric::stack::COLUMNS`, one row per column, the offsets
/// of the groups' rows, the number of data rows per group). `timefix`: R's timefix of the exit
/// times in the core (only without entry times).
#[pyfunction]
#[pyo3(signature = (exit, event, entry=None, weight=None, group=None, n_groups=1, robust=false, conf_type="log", conf_level=0.95, cluster=None, n_clusters=0, ctype=1, hazard=false, timefix=false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn kaplan_meier<'py>(
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
    ctype: u8,
    hazard: bool,
    timefix: bool,
) -> PyResult<Stacked<'py>> {
    if ctype != 1 && ctype != 2 {
        return Err(PyValueError::new_err("ctype must be 1 or 2"));
    }
    if timefix && entry.is_some() {
        return Err(PyValueError::new_err("timefix in the core is for exit times alone: fix entry and exit times together first"));
    }
    let cluster = cluster.as_ref().map(slice).transpose()?;
    let conf_type = ConfType::parse(conf_type).map_err(to_py)?;
    if !(conf_level > 0.0 && conf_level < 1.0) {
        return Err(PyValueError::new_err("conf_level must lie strictly between 0 and 1"));
    }
    let (exit, event_s) = (slice(&exit)?, event.slice()?);
    let entry = entry.as_ref().map(slice).transpose()?;
    let weight = weight.as_ref().map(slice).transpose()?;
    let group = group.as_ref().map(slice).transpose()?;
    let opts = KmOptions { robust, conf_type, conf_level, ctype2: ctype == 2 };
    let (st, rows) = interruptible(py, || -> Result<_, Error> {
        let event = event_s.codes()?;
        let mut d = SurvData::new(exit, &event, entry, weight)?;
        let mut rows = vec![d.len()];
        if let Some(g) = group {
            (d, rows) = d.with_groups_counted(g, n_groups)?;
        }
        if let Some(c) = cluster {
            if c.len() != d.len() || c.iter().any(|&g| g as usize >= n_clusters) {
                return Err(Error::InvalidArgument("bad cluster codes".into()));
            }
        }
        let cl = cluster.map(|c| (c, n_clusters));
        Ok((np_::kaplan_meier_stacked(&d, d.weight, &opts, cl, hazard, timefix), rows))
    })?;
    let shape = [st.n_cols, st.len];
    Ok((st.data.into_pyarray(py).reshape(shape)?, st.offsets, rows))
}

/// Upper tail of the chi-square distribution (R's pchisq(x, df, lower.tail = FALSE)).
#[pyfunction]
pub(crate) fn chisq_sf(x: f64, df: f64) -> f64 {
    crate::dist::chisq_sf(x, df)
}

/// Upper tail of Student's t (R's pt(x, df, lower.tail = FALSE)).
#[pyfunction]
pub(crate) fn t_sf(x: f64, df: f64) -> f64 {
    crate::dist::t_sf(x, df)
}

/// Quantile of Student's t (R's qt(p, df)).
#[pyfunction]
pub(crate) fn t_quantile(p: f64, df: f64) -> f64 {
    crate::dist::qt(p, df)
}

/// Quantile of one curve with its limits: (time, lower, upper), NaN where R gives NA.
#[pyfunction]
pub(crate) fn km_quantile(time: F64<'_>, surv: F64<'_>, lower: F64<'_>, upper: F64<'_>, p: f64) -> PyResult<(f64, f64, f64)> {
    if !(0.0..=1.0).contains(&p) {
        return Err(PyValueError::new_err("quantile probabilities must lie in [0, 1]"));
    }
    let (t, s, l, u) = (slice(&time)?, slice(&surv)?, slice(&lower)?, slice(&upper)?);
    same_lengths(&[t.len(), s.len(), l.len(), u.len()])?;
    Ok(np_::km::quantile(t, s, l, u, p))
}

/// Restricted mean up to tau of one curve and its standard error.
#[pyfunction]
pub(crate) fn km_rmst(time: F64<'_>, surv: F64<'_>, n_risk: F64<'_>, n_event: F64<'_>, tau: f64) -> PyResult<(f64, f64)> {
    let (t, s, r, d) = (slice(&time)?, slice(&surv)?, slice(&n_risk)?, slice(&n_event)?);
    same_lengths(&[t.len(), s.len(), r.len(), d.len()])?;
    if !(tau.is_finite() && tau > 0.0) {
        return Err(PyValueError::new_err("tau must be finite and positive"));
    }
    Ok(np_::km::rmst(t, s, r, d, tau))
}

/// The k-sample (Fleming-Harrington weighted) log-rank test.
#[pyfunction]
#[pyo3(signature = (exit, event, group, n_groups, entry=None, weight=None, strata=None, n_strata=1, rho=0.0, gamma=0.0, timefix=false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn logrank<'py>(
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
    timefix: bool,
) -> PyResult<Bound<'py, PyDict>> {
    if timefix && entry.is_some() {
        return Err(PyValueError::new_err("timefix in the core is for exit times alone: fix entry and exit times together first"));
    }
    let (exit, event_s, group) = (slice(&exit)?, event.slice()?, slice(&group)?);
    let entry = entry.as_ref().map(slice).transpose()?;
    let weight = weight.as_ref().map(slice).transpose()?;
    let strata = strata.as_ref().map(slice).transpose()?;
    let r = interruptible(py, || -> Result<_, Error> {
            let event = event_s.codes()?;
            let (mut d, rows) = SurvData::new(exit, &event, entry, weight)?.with_groups_counted(group, n_groups)?;
            if let Some(s) = strata {
                d = d.with_strata(s, n_strata)?;
            }
            Ok((np_::logrank(&d, d.weight, &LogrankOptions { rho, gamma, timefix })?, rows))
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
