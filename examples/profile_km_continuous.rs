//! Phase timings on 1e6 untied rows in 4 groups (developer profile, not a test):
//! cargo run --release --example profile_km_continuous
use duurzaam::nonparametric::risk::SortedRecords;
use duurzaam::nonparametric::{kaplan_meier, kaplan_meier_stacked, KmOptions};
use duurzaam::SurvData;
use std::time::Instant;

mod common;

fn main() {
    let n = 1_000_000usize;
    let (t, e, g) = common::km_data(n);
    let d = SurvData::new(&t, &e, None, None).unwrap().with_groups(&g, 4).unwrap();
    let opts = KmOptions::default();
    for _ in 0..5 {
        let t0 = Instant::now();
        let mut recs = SortedRecords::new(&d, None, |i| d.group_of(i), 4);
        let t1 = Instant::now();
        let moved = recs.timefix();
        let t2 = Instant::now();
        let lens: Vec<usize> = (0..4).map(|c| recs.table_len(c)).collect();
        let t3 = Instant::now();
        let st = kaplan_meier_stacked(&d, None, &opts, None, false, true);
        let t4 = Instant::now();
        println!(
            "sorted records {:?} timefix {:?} (moved: {moved}) table lengths {:?} stacked, all of it {:?} ({} rows, {:?})",
            t1 - t0, t2 - t1, t3 - t2, t4 - t3, st.len, lens
        );
    }
    let (mut best, mut best_curves) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..15 {
        let t0 = Instant::now();
        let st = kaplan_meier_stacked(&d, None, &opts, None, false, true);
        best = best.min(t0.elapsed().as_secs_f64());
        assert_eq!(st.offsets.len(), 5);
        let t0 = Instant::now();
        let km = kaplan_meier(&d, None, &opts);
        best_curves = best_curves.min(t0.elapsed().as_secs_f64());
        assert_eq!(km.len(), 4);
    }
    println!("kaplan_meier_stacked with timefix, best of 15: {:.1} ms; kaplan_meier (curves): {:.1} ms", best * 1e3, best_curves * 1e3);
}
