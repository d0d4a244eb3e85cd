//! Profiling harness for the cumulative incidence on 1e6 monthly rows, 4 groups, 2 causes.
//! cargo run --release --example profile_cif
use duurzaam::competing::cif::cause_codes;
use duurzaam::competing::{cumulative_incidence, gray_test};
use duurzaam::SurvData;
use std::time::Instant;

fn main() {
    let n = 1_000_000usize;
    let mut exit = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    let mut group = Vec::with_capacity(n);
    let mut state = 12345u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..n {
        exit.push((1 + next() % 36) as f64);
        status.push((next() % 3) as f64);
        group.push((next() % 4) as u32);
    }
    for _ in 0..3 {
        let t0 = Instant::now();
        let (codes, k) = cause_codes(&status).unwrap();
        let t1 = Instant::now();
        let any: Vec<u8> = codes.iter().map(|&c| (c > 0) as u8).collect();
        let d = SurvData::new(&exit, &any, None, None).unwrap().with_groups(&group, 4).unwrap();
        let t2 = Instant::now();
        let c = cumulative_incidence(&d, &codes, k);
        let t3 = Instant::now();
        let g = gray_test(&exit, &codes, &group, 4, None, 1, 1, 0.0).unwrap();
        let t4 = Instant::now();
        println!(
            "codes {:?} data {:?} cif {:?} gray {:?} ({} times, stat {:.3})",
            t1 - t0,
            t2 - t1,
            t3 - t2,
            t4 - t3,
            c[0].time.len(),
            g.statistic
        );
    }
}
