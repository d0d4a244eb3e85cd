//! Helpers of the unit tests.

/// A seeded xorshift stream of uniforms in [0, 1) for test data.
pub fn uniform(mut s: u64) -> impl FnMut() -> f64 {
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}
