//! Bindings for the propensity model and the IPTW weights.

use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::convert::{interruptible, slice};
use crate::weighting::{self, Estimand};

/// Propensity model (logistic, with an intercept) and IPTW weights.
#[pyfunction]
#[pyo3(signature = (treatment, z, estimand="ate", stabilized=true, truncate=None, propensity=None, weight=None, n_arms=2))]
#[allow(clippy::too_many_arguments)]
pub fn iptw<'py>(
    py: Python<'py>,
    treatment: PyReadonlyArray1<'py, f64>,
    z: PyReadonlyArray2<'py, f64>,
    estimand: &str,
    stabilized: bool,
    truncate: Option<(f64, f64)>,
    propensity: Option<PyReadonlyArray1<'py, f64>>,
    weight: Option<PyReadonlyArray1<'py, f64>>,
    n_arms: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let a = slice(&treatment)?;
    let q = z.shape()[1];
    let zs = z.as_slice().map_err(|_| PyValueError::new_err("z must be C-contiguous"))?;
    let given = propensity.as_ref().map(slice).transpose()?;
    let weight = weight.as_ref().map(slice).transpose()?;
    let est = match estimand {
        "ate" => Estimand::Ate,
        "att" => Estimand::Att,
        other => return Err(PyValueError::new_err(format!("estimand must be 'ate' or 'att', not '{other}'"))),
    };
    let opts = weighting::IptwOptions { estimand: est, stabilized, truncate };
    let (propensity, prob, weights, model) = interruptible(py, || -> Result<_, crate::Error> {
            match given {
                // scores estimated elsewhere (two arms): only the weights
                Some(ps) => {
                    let mut w = weighting::ipw(a, ps, opts.estimand, opts.stabilized, weight)?;
                    if let Some((lo, hi)) = opts.truncate {
                        weighting::truncate(&mut w, weight, lo, hi);
                    }
                    Ok((ps.to_vec(), None, w, None))
                }
                None => {
                    let f = weighting::iptw_fit(a, zs, q, n_arms, &opts, weight, None)?;
                    Ok((f.propensity, f.prob, f.weights, Some(f.model)))
                }
            }
        })?;
    let d = PyDict::new(py);
    d.set_item("propensity", propensity.into_pyarray(py))?;
    d.set_item("weights", weights.into_pyarray(py))?;
    if let Some(p) = prob {
        d.set_item("prob", p.into_pyarray(py))?;
    }
    if let Some(f) = model {
        d.set_item("coef", f.beta.into_pyarray(py))?;
        d.set_item("var", f.var.into_pyarray(py))?;
        d.set_item("loglik", f.loglik)?;
        d.set_item("converged", f.converged)?;
        d.set_item("iter", f.iter)?;
    }
    Ok(d)
}
