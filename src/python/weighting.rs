//! Bindings for the propensity model and the IPTW weights.

use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::{slice, to_py};
use crate::optim::NewtonOptions;
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
    if n_arms > 2 {
        if est != Estimand::Ate {
            return Err(PyValueError::new_err("with more than two arms only the ATE weights are defined"));
        }
        let n = a.len();
        let out = py
            .detach(|| -> Result<_, crate::Error> {
                let arm: Vec<u32> = a.iter().map(|&v| v as u32).collect();
                let opts = NewtonOptions { max_iter: 50, eps: 1e-10, step_tol: 1e-10 };
                let f = weighting::multinomial(&arm, n_arms, zs, q, weight, None, &opts)?;
                let prob = weighting::predict_multinomial(&f.beta, n_arms, zs, q, n);
                let mut w = weighting::ipw_multi(&arm, &prob, n_arms, stabilized, weight)?;
                if let Some((lo, hi)) = truncate {
                    weighting::truncate(&mut w, weight, lo, hi);
                }
                let own: Vec<f64> = arm.iter().enumerate().map(|(i, &c)| prob[i * n_arms + c as usize]).collect();
                Ok((own, prob, w, f))
            })
            .map_err(to_py)?;
        let (own, prob, w, f) = out;
        let d = PyDict::new(py);
        d.set_item("propensity", own.into_pyarray(py))?;
        d.set_item("prob", prob.into_pyarray(py))?;
        d.set_item("weights", w.into_pyarray(py))?;
        d.set_item("coef", f.beta.into_pyarray(py))?;
        d.set_item("var", f.var.into_pyarray(py))?;
        d.set_item("loglik", f.loglik)?;
        d.set_item("converged", f.converged)?;
        d.set_item("iter", f.iter)?;
        return Ok(d);
    }
    let out = py
        .detach(|| -> Result<_, crate::Error> {
            let (ps, fit) = match given {
                Some(p) => (p.to_vec(), None),
                None => {
                    let opts = NewtonOptions { max_iter: 25, eps: 1e-10, step_tol: 1e-10 };
                    let f = weighting::logistic(a, zs, q, weight, &opts)?;
                    (weighting::predict(&f.beta, zs, q), Some(f))
                }
            };
            let mut w = weighting::ipw(a, &ps, est, stabilized, weight)?;
            if let Some((lo, hi)) = truncate {
                weighting::truncate(&mut w, weight, lo, hi);
            }
            Ok((ps, w, fit))
        })
        .map_err(to_py)?;
    let (ps, w, fit) = out;
    let d = PyDict::new(py);
    d.set_item("propensity", ps.into_pyarray(py))?;
    d.set_item("weights", w.into_pyarray(py))?;
    if let Some(f) = fit {
        d.set_item("coef", f.beta.into_pyarray(py))?;
        d.set_item("var", f.var.into_pyarray(py))?;
        d.set_item("loglik", f.loglik)?;
        d.set_item("converged", f.converged)?;
        d.set_item("iter", f.iter)?;
    }
    Ok(d)
}
