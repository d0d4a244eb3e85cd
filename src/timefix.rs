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
/// timefix, which sums in parts) decides borderline runs alike.
pub fn scale(y: &[f64]) -> f64 {
    let mut s = AbsSum::default();
    s.add(y);
    s.mean()
}

/// A compensated sum of absolute values and their count: four interleaved chains (independent,
/// so they pipeline), each a sum and its running rounding error (Neumaier). Sums of parts added
/// together equal the sum of the whole up to the final rounding of the error terms.
#[derive(Debug, Clone, Copy, Default)]
pub struct AbsSum {
    chains: [(f64, f64); 4],
    n: usize,
}

fn two_sum((s, c): &mut (f64, f64), x: f64) {
    let t = *s + x;
    *c += if s.abs() >= x.abs() { (*s - t) + x } else { (x - t) + *s };
    *s = t;
}

impl AbsSum {
    /// Adds |v| for every value of `y`.
    pub fn add(&mut self, y: &[f64]) {
        y.iter().for_each(|&v| self.push(v));
    }

    /// Adds |v|, to the chains in turn.
    #[inline]
    pub fn push(&mut self, v: f64) {
        two_sum(&mut self.chains[self.n & 3], v.abs());
        self.n += 1;
    }

    /// Adds another sum (of other values) to this one.
    pub fn join(&mut self, other: &AbsSum) {
        for (a, &(s, c)) in self.chains.iter_mut().zip(&other.chains) {
            two_sum(a, s);
            two_sum(a, c);
        }
        self.n += other.n;
    }

    /// How many values were added.
    pub fn count(&self) -> usize {
        self.n
    }

    /// The mean of the absolute values added.
    pub fn mean(&self) -> f64 {
        let mut total = (0.0, 0.0);
        for (s, c) in self.chains {
            two_sum(&mut total, s);
            two_sum(&mut total, c);
        }
        (total.0 + total.1) / self.n as f64
    }
}

/// R's timefix of one column of times (no NaN): `None` when nothing moves, otherwise the
/// column with every time replaced by the first of its run.
pub fn fix(values: &[f64]) -> Option<Vec<f64>> {
    use rayon::slice::ParallelSliceMut;
    let mut y: Vec<f64> = values.iter().map(|&v| v + 0.0).collect();
    if y.len() >= crate::data::PARALLEL_ROWS {
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
    let mut runs = Runs::new(scale, tol);
    for w in y.windows(2) {
        runs.step(w[0], w[1]);
    }
    runs.moving()
}

/// The runs of near-equal times, from the steps between consecutive distinct times in
/// ascending order. Steps known to be far (a gap above [`Runs::candidate_gap`]) may be left
/// out, so that a caller can find the few close ones without listing every step.
#[derive(Debug, Clone)]
pub struct Runs {
    scale: f64,
    tol: f64,
    sure_no: f64,
    sure_yes: f64,
    from: Vec<f64>,
    to: Vec<f64>,
}

impl Runs {
    pub fn new(scale: f64, tol: f64) -> Self {
        // dy / scale <= tol decided by a product where rounding cannot matter (a margin of 4 ulps
        // each way), by R's division otherwise
        let lim = tol * scale;
        let (sure_no, sure_yes) = (lim * (1.0 + 4.0 * f64::EPSILON), lim * (1.0 - 4.0 * f64::EPSILON));
        Runs { scale, tol, sure_no, sure_yes, from: Vec::new(), to: Vec::new() }
    }

    /// A gap above which no step joins a run, for any scale up to `max_scale` (the largest |y|
    /// bounds the mean).
    pub fn candidate_gap(max_scale: f64, tol: f64) -> f64 {
        tol * max_scale.max(1.0) * (1.0 + 16.0 * f64::EPSILON)
    }

    /// The step from `a` to the next distinct time `b`.
    #[inline]
    pub fn step(&mut self, a: f64, b: f64) {
        let dy = b - a;
        let relative = if dy > self.sure_no { false } else if dy < self.sure_yes { true } else { dy / self.scale <= self.tol };
        if dy <= self.tol || relative {
            // a moved itself (the previous step ended at it): b joins a's run
            let first = if self.from.last() == Some(&a) { *self.to.last().unwrap() } else { a };
            self.from.push(b);
            self.to.push(first);
        }
    }

    /// The (time, first time of its run) pairs, ascending.
    pub fn moving(self) -> (Vec<f64>, Vec<f64>) {
        (self.from, self.to)
    }
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
