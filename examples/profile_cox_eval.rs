//! Time of one Cox evaluation (log-likelihood, score, information) on n rows x 10 covariates,
//! averaged over repeated calls (developer profile, not a test):
//! cargo run --release --example profile_cox_eval [n]
use duurzaam::cox::{CoxInput, Prepared, Ties};
use duurzaam::SurvData;
use std::time::Instant;

mod common;

fn main() {
    let n: usize = std::env::args().nth(1).map_or(10_000, |a| a.parse().unwrap());
    let p = 10usize;
    let (x, t, e) = common::cox_data(n, p);
    let data = SurvData::new(&t, &e, None, None).unwrap();
    let prep = Prepared::new(CoxInput { data, x: &x, p, offset: None }, Ties::Efron).unwrap();
    let beta = vec![0.1; p];
    let reps = 300;
    let mut ll = 0.0;
    let t0 = Instant::now();
    for _ in 0..reps {
        ll += prep.evaluate(&beta).loglik;
    }
    let el = t0.elapsed() / reps;
    let eta = prep.eta_sorted(&beta);
    let t1 = Instant::now();
    let mut cnt = 0usize;
    for _ in 0..reps {
        prep.sweep(&eta, false, |dt| cnt += dt.ndead);
    }
    println!("one evaluation {el:?}; bare sweep {:?} [{ll} {cnt}]", t1.elapsed() / reps);
}
