//! Sorting: a stable argsort of f64 keys, a stable bucketing by integer codes, and integer
//! factorising. Survival data are sorted at most once per estimate; tied register data are not
//! sorted at all (see `nonparametric::grid`).

/// Maps an f64 to a u64 whose unsigned order is the numeric order (-0.0 and 0.0 map alike).
#[inline]
pub fn key(x: f64) -> u64 {
    let x = if x == 0.0 { 0.0 } else { x };
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// Indices that sort `values` ascending; ties keep their input order (stable). NaN must not occur.
///
/// Sorting (key, index) pairs makes the order total, so the unstable pattern-defeating sort of
/// the standard library (fast on random and on heavily tied keys alike) gives a stable result.
pub fn argsort(values: &[f64]) -> Vec<u32> {
    assert!(values.len() <= u32::MAX as usize, "more rows than u32 indices");
    let mut pairs: Vec<(u64, u32)> = values.iter().enumerate().map(|(i, &v)| (key(v), i as u32)).collect();
    pairs.sort_unstable();
    pairs.into_iter().map(|(_, i)| i).collect()
}

/// Stable counting sort of an index list by integer codes: returns the reordered indices and the
/// start offset of each code (length `n_codes + 1`), so code `c` owns `idx[off[c]..off[c + 1]]`.
pub fn bucket(order: &[u32], codes: &[u32], n_codes: usize) -> (Vec<u32>, Vec<usize>) {
    let mut off = vec![0usize; n_codes + 1];
    for &i in order {
        off[codes[i as usize] as usize + 1] += 1;
    }
    for c in 0..n_codes {
        off[c + 1] += off[c];
    }
    let mut pos = off.clone();
    let mut out = vec![0u32; order.len()];
    for &i in order {
        let c = codes[i as usize] as usize;
        out[pos[c]] = i;
        pos[c] += 1;
    }
    (out, off)
}

/// Sorted order of rows by `values`, split by optional codes (one contiguous block per code).
pub fn sorted_blocks(values: &[f64], codes: Option<&[u32]>, n_codes: usize) -> (Vec<u32>, Vec<usize>) {
    let order = argsort(values);
    match codes {
        Some(c) => bucket(&order, c, n_codes),
        None => {
            let n = order.len();
            (order, vec![0, n])
        }
    }
}

/// As [`sorted_blocks`] for whole-number values in `lo..=hi` (months, days): two counting sorts,
/// no comparisons; the same (stable) order. `None` when the range is too wide for counting.
pub fn sorted_blocks_whole(values: &[f64], lo: f64, hi: f64, codes: Option<&[u32]>, n_codes: usize) -> Option<(Vec<u32>, Vec<usize>)> {
    let n = values.len();
    let span = hi - lo;
    if !(span >= 0.0) || span > (4 * n + 65_536) as f64 {
        return None;
    }
    let keys: Vec<u32> = values.iter().map(|&v| (v - lo) as u32).collect();
    let identity: Vec<u32> = (0..n as u32).collect();
    let (order, _) = bucket(&identity, &keys, span as usize + 1);
    Some(match codes {
        Some(c) => bucket(&order, c, n_codes),
        None => (order, vec![0, n]),
    })
}

/// [`argsort`], by counting when every value is a whole number in a narrow range (register
/// months and days): the same stable order, in linear time.
pub fn argsort_auto(values: &[f64]) -> Vec<u32> {
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let whole = values.iter().all(|&v| v == v.trunc());
    if whole {
        if let Some((order, _)) = sorted_blocks_whole(values, lo, hi, None, 1) {
            return order;
        }
    }
    argsort(values)
}

/// Integer codes 0..k for integer labels, with the sorted distinct labels (pandas' factorize with
/// sort=True, for the common case of integer group columns): the range, then the offsets from
/// its start, which are the codes unless a label inside the range is missing (then a third pass
/// maps them); in parallel chunks for long columns.
pub fn factorize_i64(values: &[i64]) -> (Vec<u32>, Vec<i64>) {
    use rayon::prelude::*;
    if values.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let par = values.len() >= crate::data::PARALLEL_ROWS;
    let range = |c: &[i64]| c.iter().fold((i64::MAX, i64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let (lo, hi) = if par {
        values.par_chunks(values.len().div_ceil(8)).map(range).reduce(|| (i64::MAX, i64::MIN), |(a, b), (c, d)| (a.min(c), b.max(d)))
    } else {
        range(values)
    };
    let span = (hi as i128 - lo as i128) as u128;
    if span < (4 * values.len() + 65_536) as u128 {
        // codes v - lo, with the values seen marked in the same pass (each chunk its own table
        // when there are few labels, or-ed after); they are the codes unless some value in the
        // range is missing, which a second pass maps out
        let offsets = |c: &[i64], out: &mut [u32]| {
            let mut m = vec![false; span as usize + 1];
            for (o, &v) in out.iter_mut().zip(c) {
                let k = (v - lo) as usize;
                m[k] = true;
                *o = k as u32;
            }
            m
        };
        let mut codes = vec![0u32; values.len()];
        let seen = if par && span < 65_536 {
            let or = |mut a: Vec<bool>, b: Vec<bool>| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x |= y);
                a
            };
            let size = values.len().div_ceil(8);
            values.par_chunks(size).zip(codes.par_chunks_mut(size)).map(|(c, o)| offsets(c, o)).reduce_with(or).unwrap()
        } else {
            offsets(values, &mut codes)
        };
        let mut map = vec![u32::MAX; seen.len()];
        let mut levels = Vec::new();
        for (k, _) in seen.iter().enumerate().filter(|(_, &s)| s) {
            map[k] = levels.len() as u32;
            levels.push(lo + k as i64);
        }
        if levels.len() < seen.len() {
            let remap = |c: &mut u32| *c = map[*c as usize];
            if par {
                codes.par_iter_mut().for_each(remap);
            } else {
                codes.iter_mut().for_each(remap);
            }
        }
        (codes, levels)
    } else {
        let mut levels = values.to_vec();
        levels.sort_unstable();
        levels.dedup();
        let codes = values.iter().map(|v| levels.binary_search(v).unwrap() as u32).collect();
        (codes, levels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argsort_matches_std_stable_sort() {
        let v = [3.0, -1.5, 0.0, -0.0, 2.5, 3.0, 1e300, -1e-300, 7.0, 0.5];
        let got = argsort(&v);
        let mut want: Vec<u32> = (0..v.len() as u32).collect();
        want.sort_by(|&a, &b| v[a as usize].partial_cmp(&v[b as usize]).unwrap());
        assert_eq!(got, want);
    }

    #[test]
    fn argsort_monthly_ties_is_stable() {
        let v: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 37) as f64).collect();
        let got = argsort(&v);
        for w in got.windows(2) {
            let (a, b) = (w[0] as usize, w[1] as usize);
            assert!(v[a] < v[b] || (v[a] == v[b] && a < b));
        }
    }

    #[test]
    fn factorize_both_paths() {
        assert_eq!(factorize_i64(&[5, -2, 5, 9]), (vec![1, 0, 1, 2], vec![-2, 5, 9]));
        assert_eq!(factorize_i64(&[i64::MAX, 0, i64::MIN]), (vec![2, 1, 0], vec![i64::MIN, 0, i64::MAX]));
        // long columns: the parallel chunks (few labels) and a wide span
        for spread in [7i64, 3_000_000, -2] {
            // -2: the labels 0 and 2 of the range 0..=2 (one missing)
            let v: Vec<i64> = (0..300_000i64).map(|i| if spread < 0 { i % 2 * 2 } else { (i * 7919 % 1_000_003) % spread - 3 }).collect();
            let (codes, levels) = factorize_i64(&v);
            let mut want = v.clone();
            want.sort_unstable();
            want.dedup();
            assert_eq!(levels, want);
            assert!(v.iter().zip(&codes).all(|(x, &c)| levels[c as usize] == *x));
        }
    }

    #[test]
    fn bucket_is_stable_per_code() {
        let order = vec![4, 0, 3, 1, 2];
        let codes = [1, 0, 1, 0, 0];
        let (idx, off) = bucket(&order, &codes, 2);
        assert_eq!(off, vec![0, 3, 5]);
        assert_eq!(idx, vec![4, 3, 1, 0, 2]);
    }
}
