//! Bindings of the parametric core: AFT models and the discrete-time hazard model.

use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::Error;
use crate::optim::NewtonOptions;

use super::convert::*;

/// An accelerated failure time model. `kind`: 0 exact, 1 right-censored, 2 left-censored,
/// 3 interval-censored (t1, t2); times on the original scale.
#[pyfunction]
#[pyo3(signature = (kind, t1, t2, x, dist, weight=None, max_iter=30, eps=1e-9, strata=None, n_strata=1, cluster=None, n_clusters=0, cluster_info=false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn aft_fit<'py>(
    py: Python<'py>,
    kind: PyReadonlyArray1<'py, u8>,
    t1: F64<'py>,
    t2: F64<'py>,
    x: PyReadonlyArray2<'py, f64>,
    dist: &str,
    weight: Option<F64<'py>>,
    max_iter: usize,
    eps: f64,
    strata: Option<U32<'py>>,
    n_strata: usize,
    cluster: Option<U32<'py>>,
    n_clusters: usize,
    cluster_info: bool,
) -> PyResult<Bound<'py, PyDict>> {
    use crate::parametric::{cluster_derivatives, fit, robust_var, AftInput, Dist, Obs};
    let dist = Dist::parse(dist).map_err(to_py)?;
    let (kind, t1, t2) = (slice(&kind)?, slice(&t1)?, slice(&t2)?);
    let xs = x.as_slice().map_err(|_| PyValueError::new_err("x must be C-contiguous"))?;
    let p = x.shape()[1];
    let weight = weight.as_ref().map(slice).transpose()?;
    let strata = strata.as_ref().map(slice).transpose()?;
    let cluster = cluster.as_ref().map(slice).transpose()?;
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
            let strata = strata.map(|s| (s, n_strata));
            if let Some((s, k)) = strata {
                if s.len() != obs.len() || s.iter().any(|&c| c as usize >= k) {
                    return Err(Error::InvalidArgument("bad strata codes".into()));
                }
            }
            let inp = AftInput { obs: &obs, x: xs, p, weight, strata };
            let full = fit(inp, dist, &opts)?;
            let rvar = match cluster {
                Some(c) => {
                    let mut theta = full.coef.clone();
                    if full.var.len() > p * p {
                        theta.extend(full.scales.iter().map(|s| s.ln()));
                    }
                    let derivs = if cluster_info { Some(cluster_derivatives(&inp, dist, &theta, c, n_clusters, true)?) } else { None };
                    Some((robust_var(&inp, dist, &theta, &full.var, c, n_clusters)?, derivs))
                }
                None => None,
            };
            let ones = vec![1.0; obs.len()];
            let null = fit(AftInput { obs: &obs, x: &ones, p: 1, weight, strata }, dist, &opts)?;
            Ok((full, null.loglik, rvar))
        })?;
    let (f, null, rvar) = r;
    let out = PyDict::new(py);
    out.set_item("coef", f.coef.into_pyarray(py))?;
    out.set_item("scale", f.scale)?;
    out.set_item("scales", f.scales.into_pyarray(py))?;
    out.set_item("var", f.var.into_pyarray(py))?;
    out.set_item("loglik", (null, f.loglik))?;
    out.set_item("iter", f.iter)?;
    out.set_item("converged", f.converged)?;
    if let Some((v, derivs)) = rvar {
        out.set_item("robust_var", v.into_pyarray(py))?;
        if let Some((u, j)) = derivs {
            out.set_item("cluster_score", u.into_pyarray(py))?;
            out.set_item("cluster_info", j.into_pyarray(py))?;
        }
    }
    Ok(out)
}

/// Discrete-time hazard model on person-periods generated in the core.
#[pyfunction]
#[pyo3(signature = (duration, event, x, link="logit", degree=None, entry=None, weight=None, cluster=None, n_clusters=0, max_iter=50, eps=1e-10))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn discrete_hazard<'py>(
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
