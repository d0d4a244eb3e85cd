//! The exact partial likelihood for tied event times (R's `ties = "exact"`, Kalbfleisch and
//! Prentice's discrete-time likelihood, the conditional logistic likelihood of matched
//! case-control studies).
//!
//! At an event time with `d` events among the rows at risk, the contribution is
//! `exp(sum of eta over the d events) / e_d(r)`, where `e_d(r)` is the elementary symmetric
//! polynomial of degree d of the risk scores `r_i = exp(eta_i)`: the sum, over every set of d
//! rows at risk, of the product of their scores. It is the coefficient of `z^d` in
//! `prod_i (1 + r_i z)`, built one row at a time (Gail, Lubin and Rubinstein, 1981):
//! `E_k <- E_k + r E_{k-1}`, with the gradient `G_k` and the Hessian `H_k` of `E_k` with respect
//! to beta following by the product rule. A time with one event reduces to `S0 = sum r`, taken
//! from the running sums; the polynomial is built only where events are tied, at a cost of
//! O(n_risk d p^2) there.
//!
//! Case weights have no meaning in this likelihood (as in R, they must all be 1); a bootstrap
//! replicate's integer multiplicities are copies of a row, and a row with m copies enters the
//! polynomial as `(1 + r z)^m`.

use crate::cox::fit::Prepared;
use crate::optim::Eval;

/// Work space for the polynomial at one event time: `E_k`, `G_k` (p values each) and the lower
/// triangles of `H_k` (p x p each, row-major), for k = 0..=d.
struct Poly {
    p: usize,
    e: Vec<f64>,
    g: Vec<f64>,
    h: Vec<f64>,
}

impl Poly {
    fn new(p: usize) -> Self {
        Poly { p, e: Vec::new(), g: Vec::new(), h: Vec::new() }
    }

    fn reset(&mut self, d: usize) {
        let p = self.p;
        self.e.clear();
        self.e.resize(d + 1, 0.0);
        self.e[0] = 1.0;
        self.g.clear();
        self.g.resize((d + 1) * p, 0.0);
        self.h.clear();
        self.h.resize((d + 1) * p * p, 0.0);
    }

    /// Multiplies the polynomial by `(1 + r z)` for a row with (scaled) score `r` and centred
    /// covariates `x`; degrees above `d` are not kept.
    fn add(&mut self, r: f64, x: &[f64]) {
        let p = self.p;
        let d = self.e.len() - 1;
        for k in (1..=d).rev() {
            let ek1 = self.e[k - 1];
            if ek1 == 0.0 && self.g[(k - 1) * p..k * p].iter().all(|&v| v == 0.0) {
                continue;
            }
            let (lo, hi) = self.h.split_at_mut(k * p * p);
            let h_prev = &lo[(k - 1) * p * p..];
            let h_k = &mut hi[..p * p];
            let (glo, ghi) = self.g.split_at_mut(k * p);
            let g_prev = &glo[(k - 1) * p..];
            let g_k = &mut ghi[..p];
            // H_k += r (H_{k-1} + x G_{k-1}' + G_{k-1} x' + E_{k-1} x x'), lower triangle
            for a in 0..p {
                let (xa, ga) = (x[a], g_prev[a]);
                let row = a * p;
                for (((hk, &hp), &xb), &gb) in h_k[row..=row + a].iter_mut().zip(&h_prev[row..=row + a]).zip(&x[..=a]).zip(&g_prev[..=a]) {
                    *hk += r * (hp + xa * gb + ga * xb + ek1 * xa * xb);
                }
            }
            // G_k += r (G_{k-1} + E_{k-1} x)
            for ((gk, &gp), &xa) in g_k.iter_mut().zip(g_prev).zip(x) {
                *gk += r * (gp + ek1 * xa);
            }
            self.e[k] += r * ek1;
        }
    }
}

impl<'a> Prepared<'a> {
    /// Log-likelihood, score and information of the exact partial likelihood at `beta`, with
    /// the replicate's multiplicities `mult` (or the weights `ws`, which must then be whole
    /// numbers) as copies of each row.
    pub(crate) fn evaluate_exact(&self, beta: &[f64], ws: &[f64], mult: Option<&[f64]>) -> Eval {
        let p = self.inp.p;
        let eta = self.eta_sorted(beta);
        let copies: &[f64] = mult.unwrap_or(ws);
        let risk: Vec<f64> = copies.iter().zip(&eta).map(|(&c, &e)| if c == 0.0 { 0.0 } else { c * e.exp() }).collect();
        let mut loglik = 0.0;
        let mut u = vec![0.0; p];
        let mut info = vec![0.0; p * p];
        let mut scale = vec![0.0; p];
        let mut a = vec![0.0; p];
        let mut poly = Poly::new(p);
        let mut members: Vec<usize> = Vec::new();
        self.sweep_risk(&risk, copies, mult, true, |dt| {
            let mut d = 0.0;
            for &k in dt.rows {
                let k = k as usize;
                let c = copies[k];
                d += c;
                loglik += c * eta[k];
                for (uk, &x) in u.iter_mut().zip(self.xs(k)) {
                    *uk += c * x;
                }
            }
            if d == 1.0 {
                // One event: Breslow's term with the sums over the risk set.
                let s0 = dt.s0 + dt.d0;
                loglik -= s0.ln();
                for ((ak, &s1), &d1) in a.iter_mut().zip(dt.s1).zip(dt.d1) {
                    *ak = (s1 + d1) / s0;
                }
                for (uk, &ak) in u.iter_mut().zip(&a) {
                    *uk -= ak;
                }
                for k in 0..p {
                    for l in 0..=k {
                        let s2 = (dt.s2[k * p + l] + dt.d2[k * p + l]) / s0;
                        info[k * p + l] += s2 - a[k] * a[l];
                    }
                    scale[k] += (dt.s2[k * p + k] + dt.d2[k * p + k]) / s0;
                }
                return;
            }
            // Tied events: the polynomial over the rows at risk at this time, the scores
            // divided by the largest so that E_d stays within range (E_k scales as c^k, and the
            // ratios G/E and H/E do not change).
            let d = d as usize;
            let (lo, hi) = (self.block_off[dt.stratum], self.block_off[dt.stratum + 1]);
            let first = lo + self.ts[lo..hi].partition_point(|&t| t < dt.time);
            members.clear();
            members.extend((first..hi).filter(|&k| copies[k] != 0.0 && self.entry_sorted(k).is_none_or(|e| e < dt.time)));
            let top = members.iter().map(|&k| eta[k]).fold(f64::NEG_INFINITY, f64::max);
            poly.reset(d);
            for &k in &members {
                let r = (eta[k] - top).exp();
                for _ in 0..copies[k] as usize {
                    poly.add(r, self.xs(k));
                }
            }
            let ed = poly.e[d];
            loglik -= ed.ln() + d as f64 * top;
            let g = &poly.g[d * p..(d + 1) * p];
            let h = &poly.h[d * p * p..];
            for ((uk, ak), &gk) in u.iter_mut().zip(a.iter_mut()).zip(g) {
                *ak = gk / ed;
                *uk -= *ak;
            }
            for k in 0..p {
                for l in 0..=k {
                    info[k * p + l] += h[k * p + l] / ed - a[k] * a[l];
                }
                scale[k] += h[k * p + k] / ed;
            }
        });
        for k in 0..p {
            for l in 0..k {
                info[l * p + k] = info[k * p + l];
            }
        }
        Eval { loglik, score: u, info, scale }
    }

    /// Entry time of the row at a sorted position (counting-process data only).
    #[inline]
    fn entry_sorted(&self, k: usize) -> Option<f64> {
        self.inp.data.entry.map(|en| en[self.order[k] as usize])
    }
}

#[cfg(test)]
mod tests {
    use crate::cox::{fit, CoxInput, CoxOptions, Ties};
    use crate::data::SurvData;

    /// The exact likelihood at one time by brute force over all subsets.
    fn brute(eta: &[f64], at_risk: &[usize], dead: &[usize]) -> f64 {
        let n = at_risk.len();
        let d = dead.len();
        let mut den = 0.0;
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize == d {
                den += (0..n).filter(|i| mask >> i & 1 == 1).map(|i| eta[at_risk[i]]).sum::<f64>().exp();
            }
        }
        dead.iter().map(|&i| eta[i]).sum::<f64>() - den.ln()
    }

    #[test]
    fn test_loglik_equals_brute_force() {
        // times with ties of 2 and 3 events, one covariate
        let t = [1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0];
        let e = [1u8, 1, 1, 1, 1, 0, 1, 0, 1];
        let x = [0.3, -1.0, 2.0, 0.5, 0.0, 1.5, -0.7, 0.2, 1.1];
        let data = SurvData::new(&t, &e, None, None).unwrap();
        let f = fit(CoxInput { data, x: &x, p: 1, offset: None }, &CoxOptions { ties: Ties::Exact, ..Default::default() }).unwrap();
        let b = f.coef[0];
        let eta: Vec<f64> = x.iter().map(|v| v * b).collect();
        let mut ll = 0.0;
        for tt in [1.0, 2.0, 4.0, 5.0] {
            let at_risk: Vec<usize> = (0..9).filter(|&i| t[i] >= tt).collect();
            let dead: Vec<usize> = (0..9).filter(|&i| t[i] == tt && e[i] == 1).collect();
            ll += brute(&eta, &at_risk, &dead);
        }
        assert!((f.loglik - ll).abs() < 1e-12 * ll.abs(), "{} vs {ll}", f.loglik);
    }

    #[test]
    fn test_untied_equals_breslow() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let e = [1u8, 0, 1, 1, 0, 1];
        let x = [0.3, -1.0, 2.0, 0.5, 0.0, 1.5];
        let data = SurvData::new(&t, &e, None, None).unwrap();
        let a = fit(CoxInput { data, x: &x, p: 1, offset: None }, &CoxOptions { ties: Ties::Exact, ..Default::default() }).unwrap();
        let b = fit(CoxInput { data, x: &x, p: 1, offset: None }, &CoxOptions { ties: Ties::Breslow, ..Default::default() }).unwrap();
        assert!((a.coef[0] - b.coef[0]).abs() < 1e-12);
        assert!((a.var[0] - b.var[0]).abs() < 1e-12);
    }
}
