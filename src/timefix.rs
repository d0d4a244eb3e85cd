//! R's `timefix` (survival's `aeqSurv`): distinct times closer than a tolerance, absolutely or
//! relative to the mean of the absolute distinct times, are one time, the first of their run.
//! The runs are found on the sorted distinct times; then every value that moves is replaced,
//! found through a small open-addressing table of the (few) moving values instead of a search
//! through all distinct times.

/// R's tolerance: the square root of the machine epsilon.
pub fn tolerance() -> f64 {
    f64::EPSILON.sqrt()
}

/// The scale of the relative tolerance, R's `mean(abs(y))` over the distinct times: a
/// compensated sum, so that every caller (the Python layer's `fix_times` and the core's own
/// timefix) decides borderline runs alike.
pub fn scale(y: &[f64]) -> f64 {
    // four interleaved compensated sums (independent chains), then their total
    let mut acc = [(0.0f64, 0.0f64); 4];
    let add = |(s, c): &mut (f64, f64), x: f64| {
        let t = *s + x;
        *c += if s.abs() >= x.abs() { (*s - t) + x } else { (x - t) + *s };
        *s = t;
    };
    let mut quads = y.chunks_exact(4);
    for q in &mut quads {
        for (a, &v) in acc.iter_mut().zip(q) {
            add(a, v.abs());
        }
    }
    for &v in quads.remainder() {
        add(&mut acc[0], v.abs());
    }
    let mut total = (0.0, 0.0);
    for (s, c) in acc {
        add(&mut total, s);
        add(&mut total, c);
    }
    (total.0 + total.1) / y.len() as f64
}

/// R's timefix of one column of times (no NaN): `None` when nothing moves, otherwise the
/// column with every time replaced by the first of its run.
pub fn fix(values: &[f64]) -> Option<Vec<f64>> {
    use rayon::slice::ParallelSliceMut;
    let mut y: Vec<f64> = values.iter().map(|&v| v + 0.0).collect();
    if y.len() >= 200_000 {
        y.par_sort_unstable_by(f64::total_cmp);
    } else {
        y.sort_unstable_by(f64::total_cmp);
    }
    y.dedup();
    if y.len() < 2 {
        return None;
    }
    let (from, to) = moving_times(&y, scale(&y), tolerance());
    snap(values, &from, &to)
}

/// R's timefix of a data set's exit times: [`fix`], except that whole numbers below
/// 1 / tolerance (months, days) are at least 1 apart, absolutely and relative to their mean, so
/// nothing moves and they are not sorted. `None` when nothing moves.
pub fn fix_exit(data: &crate::SurvData) -> Option<Vec<f64>> {
    if data.whole_range.is_some_and(|(_, hi)| hi * tolerance() < 1.0) {
        return None;
    }
    fix(data.exit)
}

/// The distinct times that move and where to: from `y` (sorted, distinct, finite), with
/// `scale` the mean of |y| and `tol` the tolerance, the pairs (time, first time of its run) for
/// every time that is not the first of its run, in ascending order.
pub fn moving_times(y: &[f64], scale: f64, tol: f64) -> (Vec<f64>, Vec<f64>) {
    let (mut from, mut to) = (Vec::new(), Vec::new());
    let mut first = match y.first() {
        Some(&v) => v,
        None => return (from, to),
    };
    // dy / scale <= tol decided by a product where rounding cannot matter (a margin of 4 ulps
    // each way), by R's division otherwise
    let lim = tol * scale;
    let (sure_no, sure_yes) = (lim * (1.0 + 4.0 * f64::EPSILON), lim * (1.0 - 4.0 * f64::EPSILON));
    for w in y.windows(2) {
        let dy = w[1] - w[0];
        let relative = if dy > sure_no { false } else if dy < sure_yes { true } else { dy / scale <= tol };
        if dy <= tol || relative {
            from.push(w[1]);
            to.push(first);
        } else {
            first = w[1];
        }
    }
    (from, to)
}

/// `values` with each value found in `from` replaced by the matching `to` (NaN and others kept);
/// None when nothing changes.
pub fn snap(values: &[f64], from: &[f64], to: &[f64]) -> Option<Vec<f64>> {
    if from.is_empty() {
        return None;
    }
    let bits = (2 * from.len()).next_power_of_two().trailing_zeros().max(4);
    let mask = (1usize << bits) - 1;
    // -0.0 + 0.0 is 0.0: the two zeros are one time, as in numpy's unique
    let key = |v: f64| (v + 0.0).to_bits();
    let slot = |b: u64| ((b.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> (64 - bits)) as usize;
    // keys as bits, u64::MAX (a NaN pattern never stored) marking an empty slot
    let mut keys = vec![u64::MAX; mask + 1];
    let mut vals = vec![0.0; mask + 1];
    // a filter of 32 bits per moving time (2^18 bits for 7,000 of them: the first-level cache):
    // most values do not move, and all but a few percent of them are told so here without a
    // probe of the table
    let fbits = (32 * from.len()).next_power_of_two().trailing_zeros().clamp(12, 24);
    let fslot = |b: u64| ((b.wrapping_mul(0xD6E8_FEB8_6659_FD93)) >> (64 - fbits)) as usize;
    let mut filter = vec![0u64; 1 << (fbits - 6)];
    for (&f, &t) in from.iter().zip(to) {
        let b = key(f);
        let h = fslot(b);
        filter[h >> 6] |= 1 << (h & 63);
        let mut s = slot(b);
        while keys[s] != u64::MAX && keys[s] != b {
            s = (s + 1) & mask;
        }
        keys[s] = b;
        vals[s] = t;
    }
    let mut changed = false;
    let out = values
        .iter()
        .map(|&v| {
            if v.is_nan() {
                return v;
            }
            let b = key(v);
            let h = fslot(b);
            if filter[h >> 6] & (1 << (h & 63)) == 0 {
                return v;
            }
            let mut s = slot(b);
            loop {
                let k = keys[s];
                if k == b {
                    changed = true;
                    return vals[s];
                }
                if k == u64::MAX {
                    return v;
                }
                s = (s + 1) & mask;
            }
        })
        .collect();
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_go_to_their_first_time() {
        let tol = f64::EPSILON.sqrt();
        let two = 2f64.sqrt().powi(2); // 2.0000000000000004
        let y = [1.0, 2.0, two, two + 1e-9, 3.0, 5.0];
        let (from, to) = moving_times(&y, 2.0, tol);
        assert_eq!(from, vec![two, two + 1e-9]);
        assert_eq!(to, vec![2.0, 2.0]);
        let v = [two, 3.0, f64::NAN, two + 1e-9, 2.0, 0.0, -0.0, f64::from_bits(u64::MAX)];
        let out = snap(&v, &from, &to).unwrap();
        assert_eq!(&out[..2], &[2.0, 3.0]);
        assert!(out[2].is_nan() && out[7].is_nan());
        assert_eq!(&out[3..7], &[2.0, 2.0, 0.0, -0.0]);
        // both zeros move when zero does
        let out = snap(&[0.0, -0.0, 1.0], &[0.0], &[-1e-12]).unwrap();
        assert_eq!(out, vec![-1e-12, -1e-12, 1.0]);
        assert!(snap(&[1.0, 3.0], &from, &to).is_none());
        // the whole column at once, with the tolerance relative to the mean time
        let big = [1e9, 1e9 + 1.0, 3.0, 1e9 + 100.0, 1e9 + 1.0];
        assert_eq!(fix(&big).unwrap(), vec![1e9, 1e9, 3.0, 1e9 + 100.0, 1e9]);
        assert!(fix(&[1.0, 2.0, 2.0]).is_none());
        assert!((scale(&[-1.0, 2.0, 3.0]) - 2.0).abs() == 0.0);
        // a table with many entries and collisions
        let from: Vec<f64> = (0..1000).map(|i| i as f64 + 0.5).collect();
        let to: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        let v: Vec<f64> = (0..3000).map(|i| i as f64 * 0.5).collect();
        let out = snap(&v, &from, &to).unwrap();
        for (i, (&a, &b)) in v.iter().zip(&out).enumerate() {
            let want = if i % 2 == 1 && a < 1000.0 { a - 0.5 } else { a };
            assert_eq!(b, want);
        }
    }
}
