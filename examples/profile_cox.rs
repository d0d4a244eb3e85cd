//! Phase timings of the Cox fit on 1e5 rows x 10 covariates (developer profile, not a test):
//! cargo run --release --example profile_cox
use duurzaam::cox::{concordance, fit, CoxInput, CoxOptions, Prepared, Ties};
use duurzaam::SurvData;
use std::time::Instant;

mod common;

fn main() {
    let n: usize = std::env::args().nth(1).map_or(100_000, |a| a.parse().unwrap());
    let p = 10usize;
    let (x, t, e) = common::cox_data(n, p);
    let data = SurvData::new(&t, &e, None, None).unwrap();
    let inp = CoxInput { data, x: &x, p, offset: None };
    for _ in 0..3 {
        let t0 = Instant::now();
        let prep = Prepared::new(inp, Ties::Efron).unwrap();
        let t1 = Instant::now();
        let ev = prep.evaluate(&vec![0.1; p]);
        let t2 = Instant::now();
        let f = fit(inp, &CoxOptions::default()).unwrap();
        let t3 = Instant::now();
        let c = concordance(&data, &f.linear_predictor, None);
        let t4 = Instant::now();
        let sing = duurzaam::cox::fit::singular_terms(&prep);
        let t6 = Instant::now();
        let eta = prep.eta_sorted(&vec![0.1; p]);
        let t7 = Instant::now();
        let mut cnt = 0usize;
        prep.sweep(&eta, false, |dt| cnt += dt.ndead);
        let t8 = Instant::now();
        println!("eta {:?} bare sweep {:?} ({cnt})", t7 - t6, t8 - t7);
        let t5 = Instant::now();
        println!("prepare {:?} one evaluation {:?} fit {:?} ({} iter) concordance {:?} singular {:?} [{} {} {}]",
                 t1 - t0, t2 - t1, t3 - t2, f.iter, t4 - t3, t5 - t4, ev.loglik, c.concordance, sing.len());
    }
}
