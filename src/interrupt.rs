//! Stopping a long core call from outside (Ctrl-C in Python) without any Python in the core.
//!
//! The caller runs the work inside [`with_flag`] on a thread of its own and sets the flag when the
//! user interrupts; iterative algorithms poll [`requested`] once per iteration and return
//! [`Error::Cancelled`](crate::Error::Cancelled). The flag is per thread, so two calls running at
//! the same time do not stop each other.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

thread_local! {
    static FLAG: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Runs `work` with `flag` as this thread's interrupt flag.
pub fn with_flag<T>(flag: Arc<AtomicBool>, work: impl FnOnce() -> T) -> T {
    let previous = FLAG.with(|f| f.replace(Some(flag)));
    let out = work();
    FLAG.with(|f| *f.borrow_mut() = previous);
    out
}

/// Whether the caller asked this thread's work to stop.
pub fn requested() -> bool {
    FLAG.with(|f| f.borrow().as_ref().is_some_and(|a| a.load(Ordering::Relaxed)))
}

/// `Err(Cancelled)` when an interrupt was requested.
pub fn check() -> crate::Result<()> {
    if requested() {
        Err(crate::Error::Cancelled)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_is_seen_only_inside_with_flag_on_its_thread() {
        let flag = Arc::new(AtomicBool::new(false));
        assert!(!requested());
        with_flag(flag.clone(), || {
            assert!(check().is_ok());
            flag.store(true, Ordering::Relaxed);
            assert!(matches!(check(), Err(crate::Error::Cancelled)));
            std::thread::scope(|s| {
                s.spawn(|| assert!(!requested())).join().unwrap();
            });
        });
        assert!(!requested());
    }

    #[test]
    fn newton_stops_when_interrupted() {
        use crate::optim::{newton, Eval, NewtonOptions};
        let flag = Arc::new(AtomicBool::new(true));
        let f = |b: &[f64]| Eval { loglik: -1.0 - (b[0] - 3.0).powi(2), score: vec![-2.0 * (b[0] - 3.0)], info: vec![2.0], scale: vec![] };
        let r = with_flag(flag, || newton(f, &[0.0], &NewtonOptions::default()));
        assert!(matches!(r, Err(crate::Error::Cancelled)));
    }
}
