//! The parallel bootstrap: resampling schemes that produce a weight vector per replicate (never a
//! copy of the data), an engine that runs replicates on rayon threads with one random stream per
//! replicate (so results do not depend on the number of threads), the statistics of each
//! estimator on weighted data, and the intervals of R's `boot.ci`.

pub mod engine;
pub mod intervals;
pub mod resample;
pub mod stats;

pub use engine::{jackknife, run, BootOutput, Control, JACK_MAX};
pub use resample::{Resampler, Scheme};
