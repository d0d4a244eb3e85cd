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
}
