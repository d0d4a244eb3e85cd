//! Phase timings of the Kaplan-Meier path on 1e6 tied rows (a developer's profile, not a test):
//! cargo run --release --example profile_km
use duurzaam::nonparametric::grid::Grid;
use duurzaam::nonparametric::{kaplan_meier, KmOptions};
use duurzaam::SurvData;
use std::time::Instant;

fn main() {
    let n = 1_000_000usize;
    let t: Vec<f64> = (0..n).map(|i| 1.0 + ((i as u64 * 2654435761) % 1095) as f64).collect();
    let e: Vec<f64> = (0..n).map(|i| ((i * 7) % 3 != 0) as u8 as f64).collect();
    let g: Vec<u32> = (0..n).map(|i| ((i as u64 * 40503) % 4) as u32).collect();
    for _ in 0..8 {
        let t0 = Instant::now();
        let ev = duurzaam::data::event_codes(&e[..]).unwrap();
        let t1 = Instant::now();
        let d = SurvData::new(&t, &ev, None, None).unwrap().with_groups(&g, 4).unwrap();
        let t2 = Instant::now();
        let t3 = Instant::now();
        let grid = Grid::build(&d, None, |i| d.group_of(i), 4).unwrap();
        let t4 = Instant::now();
        let km = kaplan_meier(&d, None, &KmOptions::default());
        let t5 = Instant::now();
        println!(
            "events {:?} validate {:?} - {:?} grid {:?} km total {:?} ({} {})",
            t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, grid.m, km.len()
        );
    }
}

