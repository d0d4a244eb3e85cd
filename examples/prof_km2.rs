//! Kaplan-Meier on 1e6 untied rows in 4 groups, repeated (developer profile, not a test):
//! cargo run --release --example prof_km2
use duurzaam::nonparametric::{kaplan_meier, KmOptions};
use duurzaam::SurvData;
use std::time::Instant;

fn main() {
    let n = 1_000_000usize;
    let mut x = 88172645463325252u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let t: Vec<f64> = (0..n).map(|_| 1000.0 * next()).collect();
    let e: Vec<u8> = (0..n).map(|_| (next() < 0.6) as u8).collect();
    let g: Vec<u32> = (0..n).map(|_| (next() * 4.0) as u32).collect();
    let d = SurvData::new(&t, &e, None, None).unwrap().with_groups(&g, 4).unwrap();
    let mut best = f64::INFINITY;
    for _ in 0..15 {
        let t0 = Instant::now();
        let km = kaplan_meier(&d, None, &KmOptions::default());
        best = best.min(t0.elapsed().as_secs_f64());
        assert_eq!(km.len(), 4);
    }
    println!("kaplan_meier, best of 15: {:.1} ms", best * 1e3);
}
