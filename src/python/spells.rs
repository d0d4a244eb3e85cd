//! Bindings for the panel-to-spells core: a handle on the built spells that the outcome rules and
//! the occupancy estimator reuse without crossing the boundary again.

use numpy::{IntoPyArray, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::convert::{interruptible, slice};
use crate::error::Error;
use crate::spells::{self, EventAt, Outcome, Spells};

/// Spells built from a panel, held in the core.
#[pyclass(module = "duurzaam._core", frozen)]
pub struct SpellTable {
    inner: Spells,
}

fn outcome_dict<'py>(py: Python<'py>, o: Outcome) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("duration", o.duration.into_pyarray(py))?;
    d.set_item("event", o.event.into_pyarray(py))?;
    d.set_item("entry", o.entry.into_pyarray(py))?;
    d.set_item("reason", o.reason.into_pyarray(py))?;
    d.set_item("lower", o.lower.into_pyarray(py))?;
    d.set_item("upper", o.upper.into_pyarray(py))?;
    Ok(d)
}

#[pymethods]
impl SpellTable {
    /// The spell columns as arrays (and, when built with keep_rows, each row's spell).
    fn arrays<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.inner;
        let d = PyDict::new(py);
        d.set_item("person", s.person.clone().into_pyarray(py))?;
        d.set_item("state", s.state.clone().into_pyarray(py))?;
        d.set_item("start", s.start.clone().into_pyarray(py))?;
        d.set_item("end", s.end.clone().into_pyarray(py))?;
        d.set_item("n_rows", s.n_rows.clone().into_pyarray(py))?;
        d.set_item("n_bridged", s.n_bridged.clone().into_pyarray(py))?;
        if !s.key.is_empty() {
            d.set_item("key", s.key.clone().into_pyarray(py))?;
        }
        d.set_item("next", s.next.clone().into_pyarray(py))?;
        d.set_item("person_first", s.person_first.clone().into_pyarray(py))?;
        d.set_item("person_last", s.person_last.clone().into_pyarray(py))?;
        d.set_item("panel_first", s.panel_first)?;
        d.set_item("panel_last", s.panel_last)?;
        if let Some(r) = &s.row_spell {
            d.set_item("row_spell", r.clone().into_pyarray(py))?;
        }
        Ok(d)
    }

    #[pyo3(signature = (origin, target, min_len, confirmed, horizon=None))]
    fn first_entry<'py>(
        &self,
        py: Python<'py>,
        origin: PyReadonlyArray1<'py, i64>,
        target: Vec<bool>,
        min_len: i64,
        confirmed: bool,
        horizon: Option<i64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let origin = slice(&origin)?;
        let at = if confirmed {
            EventAt::Confirmed
        } else {
            EventAt::Start
        };
        let o = interruptible(py, || spells::first_entry(&self.inner, origin, &target, min_len, at, horizon))?;
        outcome_dict(py, o)
    }

    #[pyo3(signature = (origin, from_state, cause, confirm, confirm_lag, other, horizon=None))]
    #[allow(clippy::too_many_arguments)]
    fn exit_from<'py>(
        &self,
        py: Python<'py>,
        origin: PyReadonlyArray1<'py, i64>,
        from_state: u8,
        cause: Vec<u8>,
        confirm: Vec<bool>,
        confirm_lag: i64,
        other: u8,
        horizon: Option<i64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let origin = slice(&origin)?;
        let o = interruptible(py, || {
                spells::exit_from(
                    &self.inner,
                    origin,
                    from_state,
                    &cause,
                    &confirm,
                    confirm_lag,
                    other,
                    horizon,
                )
            })?;
        outcome_dict(py, o)
    }

    #[pyo3(signature = (origin, group, n_groups, n_states, horizon, weight=None, std_err=true))]
    #[allow(clippy::too_many_arguments)]
    fn occupancy<'py>(
        &self,
        py: Python<'py>,
        origin: PyReadonlyArray1<'py, i64>,
        group: PyReadonlyArray1<'py, u32>,
        n_groups: usize,
        n_states: usize,
        horizon: usize,
        weight: Option<PyReadonlyArray1<'py, f64>>,
        std_err: bool,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let (origin, group) = (slice(&origin)?, slice(&group)?);
        let weight = weight.as_ref().map(slice).transpose()?;
        let occ = interruptible(py, || {
                spells::occupancy(
                    &self.inner,
                    origin,
                    group,
                    n_groups,
                    weight,
                    n_states,
                    horizon,
                    std_err,
                )
            })?;
        occ.into_iter()
            .map(|o| {
                let d = PyDict::new(py);
                d.set_item("pstate", o.pstate.into_pyarray(py))?;
                d.set_item("n_risk", o.n_risk.into_pyarray(py))?;
                d.set_item("n_transition", o.n_transition.into_pyarray(py))?;
                d.set_item("n_censor", o.n_censor.into_pyarray(py))?;
                d.set_item("std_err", o.std_err.into_pyarray(py))?;
                Ok(d)
            })
            .collect()
    }

    /// Each person's counting-process intervals for the occupancy, `(person, group, a, b, state,
    /// next)` per row (`next < 0`: left observation), for the bootstrap of a panel pipeline.
    fn occupancy_intervals<'py>(
        &self,
        py: Python<'py>,
        origin: PyReadonlyArray1<'py, i64>,
        group: PyReadonlyArray1<'py, u32>,
        n_groups: usize,
        n_states: usize,
        horizon: usize,
    ) -> PyResult<Bound<'py, numpy::PyArray2<i64>>> {
        let (origin, group) = (slice(&origin)?, slice(&group)?);
        let iv = interruptible(py, || spells::occupancy::intervals(&self.inner, origin, group, n_groups, n_states, horizon))?;
        let flat: Vec<i64> = iv.iv.iter().flat_map(|&(p, g, a, b, s, nx)| [p as i64, g as i64, a as i64, b as i64, s as i64, nx as i64]).collect();
        let m = iv.iv.len();
        numpy::PyArray1::from_vec(py, flat).reshape([m, 6])
    }
}

/// Builds spells from panel columns: person codes, integer periods, state codes (255 = unobserved).
#[pyfunction]
#[pyo3(signature = (person, period, state, n_persons, n_states, max_gap, max_unobserved=0, keep_rows=false, key=None))]
#[allow(clippy::too_many_arguments)]
pub fn build_spells<'py>(
    py: Python<'py>,
    person: PyReadonlyArray1<'py, u32>,
    period: PyReadonlyArray1<'py, i64>,
    state: PyReadonlyArray1<'py, u8>,
    n_persons: usize,
    n_states: usize,
    max_gap: Vec<i64>,
    max_unobserved: i64,
    keep_rows: bool,
    key: Option<PyReadonlyArray1<'py, u32>>,
) -> PyResult<SpellTable> {
    let (person, period, state) = (slice(&person)?, slice(&period)?, slice(&state)?);
    let key = key.as_ref().map(slice).transpose()?;
    let inner = interruptible(py, || -> Result<Spells, Error> {
            let panel = spells::Panel {
                person,
                period,
                state,
                n_persons,
                n_states,
                key,
            };
            spells::build_spells(&panel, &max_gap, max_unobserved, keep_rows)
        })?;
    Ok(SpellTable { inner })
}
