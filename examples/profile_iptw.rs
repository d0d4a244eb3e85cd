//! Phase timings of one IPTW Cox bootstrap replicate on 1e5 rows (a developer's profile):
//! cargo run --release --example profile_iptw
use duurzaam::bootstrap::stats::{cox_statistic, iptw_weights, IptwSpec};
use duurzaam::bootstrap::{Resampler, Scheme};
use duurzaam::cox::{fit_prepared, CoxInput, CoxOptions, Prepared, Ties};
use duurzaam::optim::NewtonOptions;
use duurzaam::weighting::{Estimand, IptwOptions};
use duurzaam::SurvData;
use std::time::Instant;

fn main() {
    let n = 100_000usize;
    let mut s = 7u64;
    let mut u = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut z = Vec::with_capacity(n * 4);
    let mut a = Vec::with_capacity(n);
    let mut t = Vec::with_capacity(n);
    let mut e = Vec::with_capacity(n);
    for _ in 0..n {
        let row = [18.0 + (u() * 10.0).floor(), (u() < 0.5) as u8 as f64, (u() * 16.0).floor(), (u() < 0.5) as u8 as f64];
        let p = 1.0 / (1.0 + (-(-1.0 + 0.08 * (row[0] - 22.0) + 0.3 * row[1] - 0.05 * row[2] + 0.5 * row[3])).exp());
        let ai = (u() < p) as u8 as f64;
        z.extend_from_slice(&row);
        a.push(ai);
        t.push((1.0 + u() * 30.0).floor());
        e.push((u() < 0.6) as u8);
    }
    let opts = IptwOptions { estimand: Estimand::Ate, stabilized: true, truncate: None };
    let spec = IptwSpec { treatment: &a, z: &z, q: 4, arms: 2, opts, init: None };
    let w0 = iptw_weights(&spec, None).unwrap();
    let d = SurvData::new(&t, &e, None, Some(&w0)).unwrap();
    let prep = Prepared::new(CoxInput { data: d, x: &a, p: 1, offset: None }, Ties::Efron).unwrap();
    let full = fit_prepared(&prep, &CoxOptions::default()).unwrap();
    let r = Resampler::new(n, Scheme::Ordinary).unwrap();
    let mut counts = vec![0.0; n];
    for rep in 0..5 {
        let t0 = Instant::now();
        r.weights(1, rep, &mut counts);
        let t1 = Instant::now();
        let w = iptw_weights(&spec, Some(&counts)).unwrap();
        let t2 = Instant::now();
        let wf: Vec<f64> = w.iter().zip(&counts).map(|(x, c)| x * c).collect();
        let c = cox_statistic(&prep, &full, &wf, Some(&counts), &NewtonOptions::default()).unwrap();
        let t3 = Instant::now();
        println!("resample {:?} propensity {:?} cox {:?} ({:.4})", t1 - t0, t2 - t1, t3 - t2, c[0]);
    }
}
