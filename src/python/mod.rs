//! The only place that speaks Python: extract arrays, release the GIL for the core, convert the
//! results, map core errors to exceptions. No statistics here. One file per family of the core,
//! mirroring it; this file only registers the module.

use pyo3::prelude::*;

mod bootstrap;
mod competing;
mod convert;
mod cox;
mod design;
mod nonparametric;
mod parametric;
mod spells;
mod weighting;

use convert::{CoreDegenerateError, CoreError, CoreInputError, CoreSingularError};

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CoreError", m.py().get_type::<CoreError>())?;
    m.add("CoreInputError", m.py().get_type::<CoreInputError>())?;
    m.add("CoreDegenerateError", m.py().get_type::<CoreDegenerateError>())?;
    m.add_function(wrap_pyfunction!(nonparametric::kaplan_meier, m)?)?;
    m.add_function(wrap_pyfunction!(nonparametric::km_quantile, m)?)?;
    m.add_function(wrap_pyfunction!(convert::factorize_i64, m)?)?;
    m.add_function(wrap_pyfunction!(convert::timefix_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(convert::timefix_snap, m)?)?;
    m.add_function(wrap_pyfunction!(nonparametric::km_rmst, m)?)?;
    m.add_function(wrap_pyfunction!(nonparametric::logrank, m)?)?;
    m.add_function(wrap_pyfunction!(cox::cox_fit, m)?)?;
    m.add_function(wrap_pyfunction!(nonparametric::chisq_sf, m)?)?;
    m.add_function(wrap_pyfunction!(nonparametric::t_sf, m)?)?;
    m.add_function(wrap_pyfunction!(nonparametric::t_quantile, m)?)?;
    m.add_function(wrap_pyfunction!(cox::cox_details, m)?)?;
    m.add_function(wrap_pyfunction!(cox::cox_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(cox::cox_frailty_eval, m)?)?;
    m.add_function(wrap_pyfunction!(cox::cox_zph, m)?)?;
    m.add_function(wrap_pyfunction!(cox::cox_predict, m)?)?;
    m.add_function(wrap_pyfunction!(cox::concordance, m)?)?;
    m.add_function(wrap_pyfunction!(parametric::aft_fit, m)?)?;
    m.add_function(wrap_pyfunction!(parametric::discrete_hazard, m)?)?;
    m.add_function(wrap_pyfunction!(competing::cumulative_incidence, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap::bootstrap, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap::bootstrap_panel, m)?)?;
    m.add_function(wrap_pyfunction!(spells::build_spells, m)?)?;
    m.add_function(wrap_pyfunction!(competing::gray_test, m)?)?;
    m.add_function(wrap_pyfunction!(competing::cmprsk_variance, m)?)?;
    m.add_function(wrap_pyfunction!(competing::fine_gray, m)?)?;
    m.add_function(wrap_pyfunction!(weighting::iptw, m)?)?;
    m.add_class::<spells::SpellTable>()?;
    m.add_function(wrap_pyfunction!(bootstrap::boot_interval, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap::resample_weights, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap::bca_acceleration, m)?)?;
    m.add_function(wrap_pyfunction!(design::simulate_trials, m)?)?;
    m.add("CoreSingularError", m.py().get_type::<CoreSingularError>())?;
    Ok(())
}
