//! Phase timings on 1e6 untied rows in 4 groups (developer profile, not a test):
//! cargo run --release --example profile_km_continuous
use duurzaam::nonparametric::grid::Grid;
use duurzaam::nonparametric::risk::Blocks;
use duurzaam::nonparametric::{kaplan_meier, KmOptions};
use duurzaam::sort::argsort;
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
    for _ in 0..3 {
        let t0 = Instant::now();
        let o = argsort(&t);
        let t1 = Instant::now();
        let grid = Grid::build_with(&d, None, |i| d.group_of(i), 4, true).unwrap();
        let t2 = Instant::now();
        let tabs: Vec<_> = (0..4).map(|c| grid.table(c)).collect();
        let t3 = Instant::now();
        let b = Blocks::new(&d, d.group, 4);
        let t4 = Instant::now();
        let km = kaplan_meier(&d, None, &KmOptions::default());
        let t5 = Instant::now();
        println!(
            "argsort {:?} grid {:?} tables {:?} blocks {:?} km {:?} ({} {} {})",
            t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, o.len(), tabs.len(), b.n_blocks() + km.len()
        );
    }
}
