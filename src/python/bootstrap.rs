//! Bindings of the bootstrap engine: the parallel run with progress and Ctrl-C, resampling
//! weights, boot.ci intervals and the BCa acceleration.

use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::cox::{fit_prepared, CoxInput, CoxOptions, Prepared, Ties};
use crate::error::Error;
use crate::bootstrap::Control;
use crate::optim::NewtonOptions;
use crate::nonparametric::{ConfType, KmOptions, LogrankOptions};
use crate::SurvData;

use super::convert::*;

/// Runs `work` on a scoped thread while this thread, holding the GIL only briefly, reports
/// progress to `callback(done)` and turns Ctrl-C into a cancel request and a KeyboardInterrupt.
pub(crate) fn with_progress<T: Send>(py: Python<'_>, control: &Control, callback: Option<&Bound<'_, PyAny>>, work: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
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
#[pyo3(signature = (estimator, exit, event, entry=None, weight=None, group=None, n_groups=1, strata=None, n_strata=1, x=None, offset=None, ties="efron", times=Vec::new(), quantiles=Vec::new(), taus=Vec::new(), conf_type="log", conf_level=0.95, rho=0.0, gamma=0.0, scheme="ordinary", scheme_codes=None, n_scheme_codes=0, cluster_strata=None, n_resamples=1000, seed=0, n_threads=1, jackknife=true, progress=None, aft_kind=None, aft_t2=None, dist="weibull", causes=None, first_replicate=0, iptw_treatment=None, iptw_z=None, estimand="ate", stabilized=true, truncate=None, n_arms=2, x_values=None, n_values=0))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn bootstrap<'py>(
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
    cluster_strata: Option<U32<'py>>,
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
    x_values: Option<PyReadonlyArray2<'py, f64>>,
    n_values: usize,
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
    let cs = cluster_strata.as_ref().map(slice).transpose()?;
    let (xs, p) = match &x {
        Some(a) => (Some(a.as_slice().map_err(|_| PyValueError::new_err("x must be C-contiguous"))?), a.shape()[1]),
        None => (None, 0),
    };
    let xv = x_values.as_ref().map(|a| a.as_slice().map_err(|_| PyValueError::new_err("x_values must be C-contiguous"))).transpose()?;
    let ties = Ties::parse(ties).map_err(to_py)?;
    let opts = KmOptions { robust: false, conf_type: ConfType::parse(conf_type).map_err(to_py)?, conf_level, ctype2: false };
    let n = exit.len();
    let scheme = parse_scheme(scheme, sc, n_scheme_codes, cs)?;
    let bayes = matches!(scheme, Scheme::Bayesian { .. });
    if bayes && ties == Ties::Exact {
        return Err(PyValueError::new_err("ties='exact' counts rows as whole copies; the Bayesian bootstrap's Dirichlet weights are not whole numbers"));
    }
    let (units, n_units) = jackknife_units(&scheme, n);
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
            let t0 = stats::aft_statistic(&obs, x, p, aft_dist, weight.unwrap_or(&ones), &nopt, None)
                .ok_or_else(|| Error::Degenerate("the model does not converge on the full data".into()))?;
            let k = t0.len();
            // each replicate starts at the full-data estimate (coefficients, log scale)
            let theta0 = t0[..k / 2].to_vec();
            let stat = |w: &[f64], _: &[f64]| stats::aft_statistic(&obs, x, p, aft_dist, w, &nopt, Some(&theta0));
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
                let prep = stats::KmPrepared::new(&d);
                let t0 = stats::km_statistic(&d, weight, &spec, None);
                run_all(k, t0, &|w, _| Some(stats::km_statistic(&d, Some(w), &spec, Some(&prep))))
            }
            "cumulative_incidence" => {
                let (cc, k) = crate::competing::cif::cause_codes(causes.ok_or_else(|| Error::InvalidArgument("causes missing".into()))?)?;
                let t0 = stats::cif_statistic(&d, &cc, k, &times, weight, None);
                let blocks = crate::nonparametric::risk::Blocks::new(&d, d.group, d.n_groups);
                run_all(t0.len(), t0, &|w, _| Some(stats::cif_statistic(&d, &cc, k, &times, Some(w), Some(&blocks))))
            }
            "logrank" => {
                let lo = LogrankOptions { rho, gamma, timefix: false };
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
            "cox_adjusted" => {
                let x = xs.ok_or_else(|| Error::InvalidArgument("cox_adjusted needs x".into()))?;
                let designs = xv.ok_or_else(|| Error::InvalidArgument("cox_adjusted needs x_values (C-contiguous)".into()))?;
                if offset.is_some() || designs.len() != n_values * n * p {
                    return Err(Error::InvalidArgument("cox_adjusted takes no offset and n_values designs of n x p".into()));
                }
                let inp = CoxInput { data: d, x, p, offset };
                let prep = Prepared::new(inp, ties)?;
                let full = fit_prepared(&prep, &CoxOptions { ties, ..Default::default() })?;
                let spec = stats::AdjustedSpec { designs, n_values, times: &times, strata };
                let nopt = NewtonOptions::default();
                let t0 = stats::cox_adjusted_statistic(&prep, &full, None, &spec, &nopt)
                    .ok_or_else(|| Error::Degenerate("the adjusted curves are undefined on the full data".into()))?;
                run_all(2 * spec.len(), t0, &|w, counts| {
                    stats::cox_adjusted_statistic(&prep, &full, Some((w, if bayes { None } else { Some(counts) }, counts)), &spec, &nopt)
                })
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
    result_dict(py, t0, out, jack)
}

/// The bootstrap of a whole panel pipeline (see `stats::PanelSpec`): persons resampled (within
/// arms, or clusters within arms); per outcome `o` its rows' persons `out_person[o]`, durations,
/// events and entries; the occupancy from the intervals of `SpellTable.occupancy_intervals`.
#[pyfunction]
#[pyo3(signature = (n_persons, group, n_groups, out_person, out_exit, out_event, out_entry, times, iv=None, n_states=0, horizon=0, occ_times=Vec::new(), scheme="ordinary", scheme_codes=None, n_scheme_codes=0, cluster_strata=None, n_resamples=1000, seed=0, n_threads=1, jackknife=false, progress=None, first_replicate=0))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn bootstrap_panel<'py>(
    py: Python<'py>,
    n_persons: usize,
    group: U32<'py>,
    n_groups: usize,
    out_person: Vec<U32<'py>>,
    out_exit: Vec<F64<'py>>,
    out_event: Vec<PyReadonlyArray1<'py, u8>>,
    out_entry: Vec<F64<'py>>,
    times: Vec<f64>,
    iv: Option<PyReadonlyArray2<'py, i64>>,
    n_states: usize,
    horizon: usize,
    occ_times: Vec<usize>,
    scheme: &str,
    scheme_codes: Option<U32<'py>>,
    n_scheme_codes: usize,
    cluster_strata: Option<U32<'py>>,
    n_resamples: usize,
    seed: u64,
    n_threads: usize,
    jackknife: bool,
    progress: Option<Bound<'py, PyAny>>,
    first_replicate: usize,
) -> PyResult<Bound<'py, PyDict>> {
    use crate::bootstrap::{self as bs, stats, Resampler, Scheme};
    let group = slice(&group)?;
    let n_out = out_person.len();
    if out_exit.len() != n_out || out_event.len() != n_out || out_entry.len() != n_out || group.len() != n_persons {
        return Err(PyValueError::new_err("one person, exit, event and entry array per outcome; one group per person"));
    }
    let persons: Vec<&[u32]> = out_person.iter().map(slice).collect::<PyResult<_>>()?;
    let exits: Vec<&[f64]> = out_exit.iter().map(slice).collect::<PyResult<_>>()?;
    let events: Vec<&[u8]> = out_event.iter().map(slice).collect::<PyResult<_>>()?;
    let entries: Vec<&[f64]> = out_entry.iter().map(slice).collect::<PyResult<_>>()?;
    let sc = scheme_codes.as_ref().map(slice).transpose()?;
    let cs = cluster_strata.as_ref().map(slice).transpose()?;
    let scheme = parse_scheme(scheme, sc, n_scheme_codes, cs)?;
    let (units, n_units) = jackknife_units(&scheme, n_persons);
    let intervals = match &iv {
        Some(a) => {
            let v = a.as_slice().map_err(|_| PyValueError::new_err("iv must be C-contiguous"))?;
            if a.shape()[1] != 6 {
                return Err(PyValueError::new_err("iv needs six columns"));
            }
            let ok = |x: i64, hi: i64| (0..=hi).contains(&x);
            let iv: Vec<(u32, u32, u32, u32, u8, i16)> = v
                .chunks_exact(6)
                .map(|r| {
                    if ok(r[0], n_persons as i64 - 1) && ok(r[1], n_groups as i64 - 1) && ok(r[2], horizon as i64) && ok(r[3], horizon as i64)
                        && ok(r[4], n_states as i64 - 1) && (r[5] < 0 || ok(r[5], n_states as i64 - 1)) {
                        Ok((r[0] as u32, r[1] as u32, r[2] as u32, r[3] as u32, r[4] as u8, r[5] as i16))
                    } else {
                        Err(PyValueError::new_err("occupancy interval out of range"))
                    }
                })
                .collect::<PyResult<_>>()?;
            if occ_times.iter().any(|&t| t > horizon) {
                return Err(PyValueError::new_err("occupancy times beyond the horizon"));
            }
            Some(crate::spells::occupancy::Intervals { iv, n_groups, n_states, horizon })
        }
        None => None,
    };
    let control = Control::default();
    let work = || -> Result<_, Error> {
        // each outcome row's group: its person's arm
        let mut codes = Vec::with_capacity(n_out);
        for (o, (&pp, ((ex, ev), en))) in persons.iter().zip(exits.iter().zip(&events).zip(&entries)).enumerate() {
            if pp.iter().any(|&p| p as usize >= n_persons) || ex.len() != pp.len() || ev.len() != pp.len() || en.len() != pp.len() {
                return Err(Error::InvalidArgument(format!("outcome {o}: person codes out of range or arrays of unequal length")));
            }
            codes.push(pp.iter().map(|&p| group[p as usize]).collect::<Vec<u32>>());
        }
        let mut outcomes = Vec::with_capacity(n_out);
        for (o, codes) in codes.iter().enumerate() {
            let (pp, ex, ev, en) = (persons[o], exits[o], events[o], entries[o]);
            let has_entry = en.iter().any(|&e| e != 0.0);
            let data = SurvData::new(ex, ev, has_entry.then_some(en), None)?.with_groups(codes, n_groups)?;
            let prep = stats::KmPrepared::new(&data);
            outcomes.push(stats::PanelOutcome { person: pp, data, prep });
        }
        let spec = stats::PanelSpec { outcomes, n_groups, times: times.clone(), occupancy: intervals.as_ref().map(|iv| (iv, occ_times.clone())) };
        let t0 = stats::panel_statistic(&spec, None).ok_or_else(|| Error::Degenerate("a group has nobody observed at the origin".into()))?;
        let k = t0.len();
        let stat = |w: &[f64], _: &[f64]| stats::panel_statistic(&spec, Some(w));
        let resampler = Resampler::new(n_persons, scheme)?;
        let out = bs::run(&resampler, None, first_replicate, n_resamples, seed, k, n_threads, &control, &stat)?;
        let jack = if jackknife { Some(bs::jackknife(&units, n_units, None, k, n_threads, &control, &stat)?) } else { None };
        Ok((t0, out, jack))
    };
    let (t0, out, jack) = with_progress(py, &control, progress.as_ref(), work)?;
    result_dict(py, t0, out, jack)
}

/// The units the jackknife leaves out one at a time: clusters under the cluster schemes, rows
/// (persons) otherwise.
fn jackknife_units(scheme: &crate::bootstrap::Scheme, n: usize) -> (Vec<u32>, usize) {
    use crate::bootstrap::Scheme;
    match *scheme {
        Scheme::Cluster { codes, n_clusters, .. } => (codes.to_vec(), n_clusters),
        Scheme::Bayesian { cluster: Some((codes, k)) } => (codes.to_vec(), k),
        _ => ((0..n as u32).collect(), n),
    }
}

/// What a core bootstrap hands back: the estimate, the replicates (row-major), the number of
/// values, the failed replicates and, when asked, the jackknife values and its number of groups.
fn result_dict<'py>(py: Python<'py>, t0: Vec<f64>, out: crate::bootstrap::BootOutput, jack: Option<(Vec<f64>, usize)>) -> PyResult<Bound<'py, PyDict>> {
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
#[pyo3(signature = (n, scheme, codes, n_codes, seed, replicate, cluster_strata=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn resample_weights<'py>(py: Python<'py>, n: usize, scheme: &str, codes: Option<U32<'py>>, n_codes: usize, seed: u64, replicate: u64, cluster_strata: Option<U32<'py>>) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
    use crate::bootstrap::Resampler;
    let c = codes.as_ref().map(slice).transpose()?;
    let cs = cluster_strata.as_ref().map(slice).transpose()?;
    let scheme = parse_scheme(scheme, c, n_codes, cs)?;
    let r = Resampler::new(n, scheme).map_err(to_py)?;
    let mut w = vec![0.0; n];
    r.weights(seed, replicate, &mut w);
    Ok(w.into_pyarray(py))
}

/// One bootstrap interval as R's boot.ci: kind = percentile | basic | normal | bca | studentized.
#[pyfunction]
#[pyo3(signature = (kind, t0, t, conf, accel=f64::NAN, v0=f64::NAN, v=None))]
pub(crate) fn boot_interval(kind: &str, t0: f64, t: F64<'_>, conf: f64, accel: f64, v0: f64, v: Option<F64<'_>>) -> PyResult<(f64, f64)> {
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
pub(crate) fn bca_acceleration(t0: f64, theta_minus: F64<'_>, unit_strata: Option<U32<'_>>) -> PyResult<f64> {
    use crate::bootstrap::intervals as iv;
    let us = unit_strata.as_ref().map(slice).transpose()?;
    Ok(iv::acceleration(&iv::jackknife_influence(t0, slice(&theta_minus)?, us)))
}

/// A resampling scheme from its name, unit codes and (clusters within strata) cluster strata.
fn parse_scheme<'a>(name: &str, codes: Option<&'a [u32]>, n_codes: usize, cluster_strata: Option<&'a [u32]>) -> PyResult<crate::bootstrap::Scheme<'a>> {
    use crate::bootstrap::Scheme;
    Ok(match (name, codes) {
        ("ordinary", _) => Scheme::Ordinary,
        ("stratified", Some(c)) => Scheme::Stratified { codes: c, n_strata: n_codes },
        ("cluster", Some(c)) => Scheme::Cluster { codes: c, n_clusters: n_codes, strata: cluster_strata },
        ("bayesian", c) => Scheme::Bayesian { cluster: c.map(|c| (c, n_codes)) },
        (other, _) => return Err(PyValueError::new_err(format!("unknown scheme '{other}' (or its codes are missing)"))),
    })
}
