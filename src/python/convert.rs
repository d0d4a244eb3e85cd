//! Shared conversions: core errors to exceptions, numpy arrays to slices, event columns, and
//! running a core call without the GIL so that Ctrl-C stops it.

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::error::Error;

use pyo3::create_exception;
pub(crate) use pyo3::exceptions::PyValueError;

create_exception!(_core, CoreError, PyValueError, "An error reported by the duurzaam core.");

create_exception!(_core, CoreInputError, CoreError, "A bad value in an input column: args = (field, row, reason).");

create_exception!(_core, CoreDegenerateError, CoreError, "The data cannot support the computation.");

create_exception!(_core, CoreSingularError, CoreError, "Singular design: args = (column indices,).");

pub(crate) fn to_py(e: Error) -> PyErr {
    match e {
        Error::InvalidValue { field, row, reason } => CoreInputError::new_err((field.as_str(), row, reason)),
        Error::Degenerate(m) => CoreDegenerateError::new_err(m),
        Error::Singular(cols) => CoreSingularError::new_err((cols,)),
        other => CoreError::new_err(other.to_string()),
    }
}

pub(crate) type F64<'py> = PyReadonlyArray1<'py, f64>;

/// An event column as numpy gives it: bool (as uint8), int64 or float64; validated to 0/1 codes
/// in one pass, without the caller converting it first.
#[derive(FromPyObject)]
pub(crate) enum EventArray<'py> {
    U8(PyReadonlyArray1<'py, u8>),
    I64(PyReadonlyArray1<'py, i64>),
    F64(PyReadonlyArray1<'py, f64>),
}

pub(crate) enum EventSlice<'a> {
    U8(&'a [u8]),
    I64(&'a [i64]),
    F64(&'a [f64]),
}

impl EventArray<'_> {
    pub(crate) fn slice(&self) -> PyResult<EventSlice<'_>> {
        Ok(match self {
            EventArray::U8(a) => EventSlice::U8(slice(a)?),
            EventArray::I64(a) => EventSlice::I64(slice(a)?),
            EventArray::F64(a) => EventSlice::F64(slice(a)?),
        })
    }
}

impl EventSlice<'_> {
    pub(crate) fn codes(&self) -> Result<Vec<u8>, Error> {
        match self {
            EventSlice::U8(v) => crate::data::event_codes(v),
            EventSlice::I64(v) => crate::data::event_codes(v),
            EventSlice::F64(v) => crate::data::event_codes(v),
        }
    }
}

pub(crate) type U32<'py> = PyReadonlyArray1<'py, u32>;

pub(crate) fn slice<'a, T: numpy::Element>(a: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    a.as_slice().map_err(|_| PyValueError::new_err("arrays must be contiguous"))
}

/// Curve arrays must be non-empty and of one length (the core indexes them together).
pub(crate) fn same_lengths(lens: &[usize]) -> PyResult<()> {
    if lens[0] == 0 || lens.iter().any(|&l| l != lens[0]) {
        return Err(PyValueError::new_err("curve arrays must be non-empty and of equal length"));
    }
    Ok(())
}

/// Integer labels to codes 0..k and the sorted distinct labels.
#[pyfunction]
pub(crate) fn factorize_i64<'py>(py: Python<'py>, values: PyReadonlyArray1<'py, i64>) -> PyResult<(Bound<'py, numpy::PyArray1<u32>>, Bound<'py, numpy::PyArray1<i64>>)> {
    let v = slice(&values)?;
    let (codes, levels) = py.detach(|| crate::sort::factorize_i64(v));
    Ok((codes.into_pyarray(py), levels.into_pyarray(py)))
}

/// R's timefix: the distinct times `y` (sorted) that move and where to (see
/// [`crate::timefix::moving_times`]), with R's tolerance relative to the mean |y|.
#[pyfunction]
pub(crate) fn timefix_pairs<'py>(py: Python<'py>, y: PyReadonlyArray1<'py, f64>) -> PyResult<(Bound<'py, numpy::PyArray1<f64>>, Bound<'py, numpy::PyArray1<f64>>)> {
    let y = slice(&y)?;
    let (from, to) = py.detach(|| crate::timefix::moving_times(y, crate::timefix::scale(y), crate::timefix::tolerance()));
    Ok((from.into_pyarray(py), to.into_pyarray(py)))
}

/// `values` with the moving times replaced, or None when none of them occurs.
#[pyfunction]
pub(crate) fn timefix_snap<'py>(py: Python<'py>, values: PyReadonlyArray1<'py, f64>, moving: PyReadonlyArray1<'py, f64>, target: PyReadonlyArray1<'py, f64>) -> PyResult<Option<Bound<'py, numpy::PyArray1<f64>>>> {
    let (v, f, t) = (slice(&values)?, slice(&moving)?, slice(&target)?);
    if f.len() != t.len() {
        return Err(PyValueError::new_err("timefix_snap: moving and target differ in length"));
    }
    Ok(py.detach(|| crate::timefix::snap(v, f, t)).map(|o| o.into_pyarray(py)))
}

/// Runs one core call on a scoped thread, without the GIL, while this thread checks for Ctrl-C
/// every 20 ms: an interrupt sets the call's flag (iterative fits stop at their next iteration,
/// see [`crate::interrupt`]) and raises KeyboardInterrupt once the worker has stopped. The worker
/// says when it is done over a channel, so the result is taken at once, not at the next tick.
pub(crate) fn interruptible<T: Send>(py: Python<'_>, work: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    use std::sync::mpsc::RecvTimeoutError;
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    std::thread::scope(|scope| {
        let inner = flag.clone();
        let (done, mut wait) = std::sync::mpsc::sync_channel::<()>(1);
        let handle = scope.spawn(move || {
            let out = crate::interrupt::with_flag(inner, work);
            let _ = done.send(());
            out
        });
        loop {
            // the receiver goes into the GIL-free closure and comes back (it is not Sync)
            let (got, rx) = py.detach(move || (wait.recv_timeout(std::time::Duration::from_millis(20)), wait));
            wait = rx;
            // a worker that panicked drops its sender: Disconnected
            if !matches!(got, Err(RecvTimeoutError::Timeout)) {
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
