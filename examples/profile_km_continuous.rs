//! Phase timings on 1e6 untied rows in 4 groups (developer profile, not a test):
//! cargo run --release --example profile_km_continuous
use duurzaam::nonparametric::grid::Grid;
use duurzaam::nonparametric::risk::Blocks;
use duurzaam::nonparametric::{kaplan_meier, KmOptions};
use duurzaam::sort::argsort;
use duurzaam::SurvData;
use std::time::Instant;

mod common;

fn main() {
    let n = 1_000_000usize;
    let (t, e, g) = common::km_data(n);
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
    let mut best = f64::INFINITY;
    for _ in 0..15 {
        let t0 = Instant::now();
        let km = kaplan_meier(&d, None, &KmOptions::default());
        best = best.min(t0.elapsed().as_secs_f64());
        assert_eq!(km.len(), 4);
    }
    println!("kaplan_meier, best of 15: {:.1} ms", best * 1e3);
}
