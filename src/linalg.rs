//! Small dense linear algebra for k x k systems (k = number of groups or covariates).

use crate::error::{Error, Result};

/// The sandwich `B M B'` of square row-major p x p matrices (robust variances: B the inverse
/// information, M the sum of outer products of the score residuals).
pub fn sandwich(bread: &[f64], meat: &[f64], p: usize) -> Vec<f64> {
    let mut tmp = vec![0.0; p * p];
    for a in 0..p {
        for b in 0..p {
            tmp[a * p + b] = (0..p).map(|c| bread[a * p + c] * meat[c * p + b]).sum();
        }
    }
    let mut out = vec![0.0; p * p];
    for a in 0..p {
        for b in 0..p {
            out[a * p + b] = (0..p).map(|c| tmp[a * p + c] * bread[b * p + c]).sum();
        }
    }
    out
}

/// Solves `a x = b` for a square row-major matrix by Gaussian elimination with partial pivoting.
/// Returns an error when the matrix is singular to working precision (as R's `solve`).
pub fn solve(a: &[f64], b: &[f64]) -> Result<Vec<f64>> {
    let n = b.len();
    assert_eq!(a.len(), n * n);
    let mut m = a.to_vec();
    let mut x = b.to_vec();
    if m.iter().chain(x.iter()).any(|v| !v.is_finite()) {
        return Err(Error::Degenerate("the variance matrix or the vector is not finite".into()));
    }
    let scale = m.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    if scale == 0.0 {
        return Err(Error::Degenerate("the variance matrix is zero or not finite".into()));
    }
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| m[i * n + col].abs().total_cmp(&m[j * n + col].abs()))
            .expect("col < n");
        if m[piv * n + col].abs() <= scale * f64::EPSILON * n as f64 {
            return Err(Error::Degenerate("the variance matrix is singular".into()));
        }
        if piv != col {
            for k in 0..n {
                m.swap(col * n + k, piv * n + k);
            }
            x.swap(col, piv);
        }
        let p = m[col * n + col];
        for r in col + 1..n {
            let f = m[r * n + col] / p;
            if f != 0.0 {
                for k in col..n {
                    m[r * n + k] -= f * m[col * n + k];
                }
                x[r] -= f * x[col];
            }
        }
    }
    for col in (0..n).rev() {
        let mut s = x[col];
        for k in col + 1..n {
            s -= m[col * n + k] * x[k];
        }
        x[col] = s / m[col * n + col];
    }
    Ok(x)
}

/// Rows gathered per block of [`WeightedGram`].
const GRAM_BLOCK: usize = 128;

/// Accumulates `sum_i c_i x_i x_i'` (lower triangle of a row-major p x p matrix) over rows pushed
/// one at a time. Rows are gathered in blocks and transposed to columns, so the products run as
/// long dot products that vectorise instead of p short loops per row. The order of the sums
/// depends only on the order of the rows, never on threads.
pub struct WeightedGram {
    p: usize,
    cols: Vec<[f64; GRAM_BLOCK]>,
    scaled: Vec<[f64; GRAM_BLOCK]>,
    len: usize,
    sum: Vec<f64>,
}

impl WeightedGram {
    pub fn new(p: usize) -> Self {
        WeightedGram { p, cols: vec![[0.0; GRAM_BLOCK]; p], scaled: vec![[0.0; GRAM_BLOCK]; p], len: 0, sum: vec![0.0; p * p] }
    }

    #[inline]
    pub fn push(&mut self, c: f64, x: &[f64]) {
        let n = self.len;
        assert!(n < GRAM_BLOCK); // always (flushed when full); lets the stores go unchecked
        for ((col, sc), &xa) in self.cols.iter_mut().zip(self.scaled.iter_mut()).zip(x) {
            col[n] = xa;
            sc[n] = c * xa;
        }
        self.len += 1;
        if self.len == GRAM_BLOCK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just now).
            unsafe { self.flush_avx2() };
            return;
        }
        self.flush_body();
    }

    /// The same arithmetic in the same order with 256-bit registers: the four running sums of
    /// [`dot`] fill one register, and no fused multiply-add is enabled, so the results are
    /// identical to the plain path's, bit for bit.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn flush_avx2(&mut self) {
        self.flush_body();
    }

    #[inline(always)]
    fn flush_body(&mut self) {
        let (p, n) = (self.p, self.len);
        for a in 0..p {
            let sa = &self.scaled[a][..n];
            for b in 0..=a {
                self.sum[a * p + b] += dot(sa, &self.cols[b][..n]);
            }
        }
        self.len = 0;
    }

    /// The lower triangle of the sum (the upper one is zero).
    pub fn finish(mut self) -> Vec<f64> {
        self.flush();
        self.sum
    }
}

/// Lanes of [`dot`]: sixteen independent running sums, enough to keep the adds of four 256-bit
/// (or eight 128-bit) registers in flight.
const LANES: usize = 16;

/// Dot product with sixteen running sums in a fixed order, so that it vectorises without the
/// compiler reordering any addition (the result depends on the inputs alone).
#[inline(always)]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let full = n / LANES * LANES;
    let mut s = [0.0; LANES];
    for i in (0..full).step_by(LANES) {
        let x: &[f64; LANES] = a[i..i + LANES].try_into().unwrap();
        let y: &[f64; LANES] = b[i..i + LANES].try_into().unwrap();
        for l in 0..LANES {
            s[l] += x[l] * y[l];
        }
    }
    let tail: f64 = a[full..n].iter().zip(&b[full..n]).map(|(x, y)| x * y).sum();
    let mut w = LANES;
    while w > 1 {
        w /= 2;
        for l in 0..w {
            s[l] += s[l + w];
        }
    }
    s[0] + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_hand_system() {
        // 2x + y = 5, x + 3y = 10  ->  x = 1, y = 3
        let x = solve(&[2.0, 1.0, 1.0, 3.0], &[5.0, 10.0]).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-15 && (x[1] - 3.0).abs() < 1e-15);
        assert!(solve(&[1.0, 2.0, 2.0, 4.0], &[1.0, 2.0]).is_err());
    }

    #[test]
    fn nan_in_the_matrix_is_an_error_not_a_panic() {
        // Gray's test with rho = NaN used to reach an unwrap on partial_cmp here.
        assert!(solve(&[f64::NAN, 1.0, 1.0, 3.0], &[5.0, 10.0]).is_err());
        assert!(solve(&[2.0, 1.0, 1.0, 3.0], &[f64::NAN, 10.0]).is_err());
        assert!(solve(&[f64::INFINITY, 1.0, 1.0, 3.0], &[5.0, 10.0]).is_err());
    }

    #[test]
    fn weighted_gram_equals_the_row_by_row_sum() {
        let p = 3;
        let rows: Vec<[f64; 3]> = (0..300).map(|i| [i as f64 * 0.1, ((i * 7) % 11) as f64 - 5.0, 1.0 / (1.0 + i as f64)]).collect();
        let mut g = WeightedGram::new(p);
        let mut direct = vec![0.0; p * p];
        for (i, x) in rows.iter().enumerate() {
            let c = 0.5 + (i % 3) as f64;
            g.push(c, x);
            for a in 0..p {
                for b in 0..=a {
                    direct[a * p + b] += c * x[a] * x[b];
                }
            }
        }
        let got = g.finish();
        for a in 0..p {
            for b in 0..p {
                let want = if b <= a { direct[a * p + b] } else { 0.0 };
                assert!((got[a * p + b] - want).abs() <= 1e-12 * want.abs().max(1.0), "{a},{b}");
            }
        }
    }
}
