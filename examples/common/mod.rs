//! What the developer profiles share: a small xorshift generator (no dependency, the same numbers
//! on every machine) and the data sets they time.
#![allow(dead_code)]

/// Uniform numbers in [0, 1) from a 64-bit xorshift generator.
pub fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Untied survival data for a Cox model: n x p centred uniform covariates (row-major),
/// exponential times with mean 12, 70% events.
pub fn cox_data(n: usize, p: usize) -> (Vec<f64>, Vec<f64>, Vec<u8>) {
    let mut u = uniform(88172645463325252);
    let x: Vec<f64> = (0..n * p).map(|_| u() - 0.5).collect();
    let t: Vec<f64> = (0..n).map(|_| -12.0 * u().ln()).collect();
    let e: Vec<u8> = (0..n).map(|_| (u() < 0.7) as u8).collect();
    (x, t, e)
}

/// Untied times on (0, 1000) in 4 groups, 60% events: times, events, group codes.
pub fn km_data(n: usize) -> (Vec<f64>, Vec<u8>, Vec<u32>) {
    let mut u = uniform(88172645463325252);
    let t: Vec<f64> = (0..n).map(|_| 1000.0 * u()).collect();
    let e: Vec<u8> = (0..n).map(|_| (u() < 0.6) as u8).collect();
    let g: Vec<u32> = (0..n).map(|_| (u() * 4.0) as u32).collect();
    (t, e, g)
}
