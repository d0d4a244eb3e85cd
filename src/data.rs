//! The one validated data type every estimator consumes: (entry, exit, event, weight, group).
//!
//! Validation happens once, here, at the edge; the kernels below assume clean input (the habit of
//! R survival's C code). Columns are borrowed, never copied: a bootstrap replicate reuses the same
//! `SurvData` with its own weight vector.

use crate::error::{Error, Field, Result};

/// Validated survival data, borrowed from the caller.
#[derive(Debug, Clone, Copy)]
pub struct SurvData<'a> {
    /// Exit time (duration), finite and >= 0.
    pub exit: &'a [f64],
    /// 1 = event at `exit`, 0 = censored.
    pub event: &'a [u8],
    /// Entry time for delayed entry (left truncation): at risk on (entry, exit].
    pub entry: Option<&'a [f64]>,
    /// Case weights, finite and > 0.
    pub weight: Option<&'a [f64]>,
    /// Group codes 0..n_groups (curves for KM, arms for the log-rank test).
    pub group: Option<&'a [u32]>,
    pub n_groups: usize,
    /// Strata codes 0..n_strata (log-rank strata).
    pub strata: Option<&'a [u32]>,
    pub n_strata: usize,
    /// `Some((lo, hi))` when every exit time is a whole number (months, weeks, days): found in
    /// the validation pass, it lets the estimators count on a grid instead of sorting.
    pub whole_range: Option<(f64, f64)>,
}

fn check_len(field: Field, expected: usize, found: usize) -> Result<()> {
    if expected != found {
        return Err(Error::LengthMismatch { field, expected, found });
    }
    Ok(())
}

/// The rows per level of valid codes (every level used).
fn check_codes(field: Field, codes: &[u32], n_levels: usize) -> Result<Vec<usize>> {
    if n_levels == 0 {
        return Err(Error::InvalidArgument(format!("column '{}' has no levels", field.as_str())));
    }
    let counts = code_counts(codes, n_levels).map_err(|row| Error::InvalidValue { field, row, reason: "code out of range" })?;
    if let Some(level) = counts.iter().position(|&k| k == 0) {
        return Err(Error::InvalidArgument(format!(
            "column '{}': level {} has no rows",
            field.as_str(),
            level
        )));
    }
    Ok(counts)
}

/// How many rows each code `0..k` has; `Err(row)` for the first code that is not below `k`.
/// The range is checked by a maximum (vectorised); with up to 65,536 codes the counts go to
/// four interleaved tables (a row that repeats the previous code does not wait for its
/// increment), in parallel chunks for long columns.
pub fn code_counts(codes: &[u32], k: usize) -> std::result::Result<Vec<usize>, usize> {
    use rayon::prelude::*;
    if !all_chunks(codes, |c| (c.iter().fold(0u32, |m, &x| m.max(x)) as usize) < k) {
        return Err(codes.iter().position(|&c| c as usize >= k).unwrap());
    }
    let ways = if k <= 1 << 16 { 4 } else { 1 };
    let count = |chunk: &[u32]| {
        if ways == 1 {
            let mut t = vec![0usize; k];
            chunk.iter().for_each(|&c| t[c as usize] += 1);
            return t;
        }
        let mut t = vec![0usize; 4 * k];
        let mut quads = chunk.chunks_exact(4);
        for q in &mut quads {
            for (j, &c) in q.iter().enumerate() {
                t[j * k + c as usize] += 1;
            }
        }
        quads.remainder().iter().for_each(|&c| t[c as usize] += 1);
        (0..k).map(|c| t[c] + t[k + c] + t[2 * k + c] + t[3 * k + c]).collect::<Vec<usize>>()
    };
    let add = |mut a: Vec<usize>, b: Vec<usize>| {
        a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        a
    };
    Ok(if codes.len() >= PARALLEL_ROWS && k <= 1 << 16 {
        codes.par_chunks(codes.len().div_ceil(8)).map(count).reduce_with(add).unwrap()
    } else {
        count(codes)
    })
}

/// `Some((lo, hi))` when every time is a whole number (a cast round trip instead of trunc(), a
/// libm call on baseline x86-64); stops at the first that is not.
fn whole_range(exit: &[f64]) -> Option<(f64, f64)> {
    let whole = exit.iter().all(|&t| t < 4.5e15 && (t as i64) as f64 == t);
    whole.then(|| exit.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &t| (lo.min(t), hi.max(t))))
}

impl<'a> SurvData<'a> {
    /// Validates the columns and returns the data; the first offending row is named in the error.
    pub fn new(
        exit: &'a [f64],
        event: &'a [u8],
        entry: Option<&'a [f64]>,
        weight: Option<&'a [f64]>,
    ) -> Result<Self> {
        let n = exit.len();
        if n == 0 {
            return Err(Error::Empty);
        }
        check_len(Field::Event, n, event.len())?;
        // Validity in one branch-free pass (the row-by-row search for the culprit runs only when
        // something is wrong); then whether the times are whole numbers, which continuous times
        // answer at their first value, and only then their range.
        // `&` of comparisons, not `contains` (which short-circuits): the loop vectorises; NaN
        // fails both
        #[allow(clippy::manual_range_contains)]
        let clean = all_chunks(exit, |c| c.iter().fold(true, |ok, &t| ok & (t >= 0.0) & (t < f64::INFINITY)));
        let whole_range = whole_range(exit);
        for (row, &t) in exit.iter().enumerate().filter(|_| !clean) {
            if !t.is_finite() {
                return Err(Error::InvalidValue { field: Field::Duration, row, reason: "value is NaN or infinite" });
            }
            if t < 0.0 {
                return Err(Error::InvalidValue { field: Field::Duration, row, reason: "value is negative" });
            }
        }
        if event.iter().fold(0u8, |m, &e| m.max(e)) > 1 {
            let row = event.iter().position(|&e| e > 1).unwrap();
            return Err(Error::InvalidValue { field: Field::Event, row, reason: "value is not 0 or 1" });
        }
        if let Some(entry) = entry {
            check_len(Field::Entry, n, entry.len())?;
            for (row, (&s, &t)) in entry.iter().zip(exit).enumerate() {
                if !s.is_finite() {
                    return Err(Error::InvalidValue { field: Field::Entry, row, reason: "value is NaN or infinite" });
                }
                if s >= t {
                    return Err(Error::InvalidValue { field: Field::Entry, row, reason: "entry is not before the exit time" });
                }
            }
        }
        if let Some(w) = weight {
            check_len(Field::Weight, n, w.len())?;
            for (row, &x) in w.iter().enumerate() {
                if !x.is_finite() {
                    return Err(Error::InvalidValue { field: Field::Weight, row, reason: "value is NaN or infinite" });
                }
                if x <= 0.0 {
                    return Err(Error::InvalidValue { field: Field::Weight, row, reason: "weight is not positive" });
                }
            }
        }
        Ok(SurvData { exit, event, entry, weight, group: None, n_groups: 1, strata: None, n_strata: 1, whole_range })
    }

    /// The same data with other exit times of the same validity (R's timefix moved some times
    /// to an equal-enough earlier one): only the range of whole numbers is found again.
    pub fn with_exit<'b>(&self, exit: &'b [f64]) -> SurvData<'b>
    where
        'a: 'b,
    {
        debug_assert_eq!(exit.len(), self.exit.len());
        SurvData { exit, whole_range: whole_range(exit), ..*self }
    }

    /// Adds group codes (0..n_groups); every level must have at least one row.
    pub fn with_groups(self, codes: &'a [u32], n_groups: usize) -> Result<Self> {
        Ok(self.with_groups_counted(codes, n_groups)?.0)
    }

    /// [`Self::with_groups`], with the number of rows in each group (counted by the check).
    pub fn with_groups_counted(mut self, codes: &'a [u32], n_groups: usize) -> Result<(Self, Vec<usize>)> {
        check_len(Field::Group, self.len(), codes.len())?;
        let rows = check_codes(Field::Group, codes, n_groups)?;
        self.group = Some(codes);
        self.n_groups = n_groups;
        Ok((self, rows))
    }

    /// Adds strata codes (0..n_strata); every level must have at least one row.
    pub fn with_strata(mut self, codes: &'a [u32], n_strata: usize) -> Result<Self> {
        check_len(Field::Strata, self.len(), codes.len())?;
        check_codes(Field::Strata, codes, n_strata)?;
        self.strata = Some(codes);
        self.n_strata = n_strata;
        Ok(self)
    }

    pub fn len(&self) -> usize {
        self.exit.len()
    }

    pub fn is_empty(&self) -> bool {
        self.exit.is_empty()
    }

    #[inline]
    pub fn w(&self, i: usize) -> f64 {
        match self.weight {
            Some(w) => w[i],
            None => 1.0,
        }
    }

    #[inline]
    pub fn group_of(&self, i: usize) -> usize {
        self.group.map_or(0, |g| g[i] as usize)
    }

    #[inline]
    pub fn stratum_of(&self, i: usize) -> usize {
        self.strata.map_or(0, |s| s[i] as usize)
    }
}

/// Event indicators given as numbers (0/1; booleans arrive as 0/1) turned into codes, naming the
/// first row that is neither.
pub fn event_codes<T: Copy + PartialEq + From<u8> + Sync>(values: &[T]) -> Result<Vec<u8>> {
    use rayon::prelude::*;
    let (zero, one) = (T::from(0u8), T::from(1u8));
    // Branch-free: events are in random order, and a branch per row mispredicts half the time.
    let code = |chunk: &[T], out: &mut [u8]| {
        let mut ok = true;
        for (o, &v) in out.iter_mut().zip(chunk) {
            ok &= (v == zero) | (v == one);
            *o = (v == one) as u8;
        }
        ok
    };
    let mut out = vec![0u8; values.len()];
    let ok = if values.len() >= PARALLEL_ROWS {
        let size = values.len().div_ceil(8);
        values.par_chunks(size).zip(out.par_chunks_mut(size)).map(|(c, o)| code(c, o)).reduce(|| true, |a, b| a & b)
    } else {
        code(values, &mut out)
    };
    if !ok {
        let row = values.iter().position(|&v| v != zero && v != one).unwrap();
        return Err(Error::InvalidValue { field: Field::Event, row, reason: "value is not 0 or 1 (False or True)" });
    }
    Ok(out)
}

/// Rows from which the checks of a column run in parallel chunks (each pass is a read of
/// memory, which one core does not saturate).
pub const PARALLEL_ROWS: usize = 200_000;

/// `check` of every chunk of `values` (in parallel for long columns): whether all pass.
fn all_chunks<T: Sync>(values: &[T], check: impl Fn(&[T]) -> bool + Sync + Send) -> bool {
    use rayon::prelude::*;
    if values.len() >= PARALLEL_ROWS {
        values.par_chunks(values.len().div_ceil(8)).all(check)
    } else {
        check(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_counts_all_paths() {
        for (n, k) in [(10usize, 3usize), (300_001, 5), (1000, 100_000), (300_000, 70_000)] {
            let codes: Vec<u32> = (0..n).map(|i| ((i * 2_654_435_761) % k) as u32).collect();
            let mut want = vec![0usize; k];
            codes.iter().for_each(|&c| want[c as usize] += 1);
            assert_eq!(code_counts(&codes, k), Ok(want));
            let mut bad = codes.clone();
            bad[n / 2] = k as u32;
            bad[n - 1] = u32::MAX;
            assert_eq!(code_counts(&bad, k), Err(n / 2));
        }
    }

    #[test]
    fn rejects_bad_values_naming_the_row() {
        let t = [1.0, f64::NAN];
        let e = [1u8, 0];
        assert_eq!(
            SurvData::new(&t, &e, None, None).unwrap_err(),
            Error::InvalidValue { field: Field::Duration, row: 1, reason: "value is NaN or infinite" }
        );
        let t = [1.0, 2.0];
        let e = [1u8, 2];
        assert!(matches!(
            SurvData::new(&t, &e, None, None),
            Err(Error::InvalidValue { field: Field::Event, row: 1, .. })
        ));
        let s = [0.0, 2.0];
        assert!(matches!(
            SurvData::new(&t, &[1, 1], Some(&s), None),
            Err(Error::InvalidValue { field: Field::Entry, row: 1, .. })
        ));
        assert!(matches!(
            SurvData::new(&t, &[1, 1], None, Some(&[1.0, -1.0])),
            Err(Error::InvalidValue { field: Field::Weight, row: 1, .. })
        ));
        assert_eq!(SurvData::new(&[], &[], None, None).unwrap_err(), Error::Empty);
        assert!(matches!(
            event_codes(&[0.0f64, 1.0, 0.5]),
            Err(Error::InvalidValue { field: Field::Event, row: 2, .. })
        ));
        assert!(matches!(event_codes(&[f64::NAN]), Err(Error::InvalidValue { row: 0, .. })));
        let d = SurvData::new(&t, &[1, 1], None, None).unwrap();
        assert!(d.with_groups(&[0, 2], 3).is_err());
    }

    /// Long columns are checked in parallel chunks: the first offending row is still the one
    /// named, in the last chunk as in the first.
    #[test]
    fn long_columns_name_the_first_bad_row() {
        let n = 3 * PARALLEL_ROWS;
        for row in [5, n / 2 + 3, n - 1] {
            let mut t = vec![1.5; n];
            t[row] = -0.5;
            t[n - 1 - (row == n - 1) as usize] = f64::INFINITY;
            let e = vec![1u8; n];
            let want_row = row.min(n - 1 - (row == n - 1) as usize);
            let err = SurvData::new(&t, &e, None, None).unwrap_err();
            assert!(matches!(err, Error::InvalidValue { field: Field::Duration, row: r, .. } if r == want_row), "{err:?}");
            let mut ev = vec![1i64; n];
            ev[row] = 7;
            ev[n - 1] = -1;
            assert!(matches!(event_codes(&ev), Err(Error::InvalidValue { field: Field::Event, row: r, .. }) if r == row));
            let mut e8 = vec![0u8; n];
            e8[row] = 2;
            let ones = vec![1.0; n];
            assert!(matches!(SurvData::new(&ones, &e8, None, None), Err(Error::InvalidValue { field: Field::Event, row: r, .. }) if r == row));
            let mut g = vec![1u32; n];
            g[0] = 0;
            g[row.max(1)] = 9;
            let d = SurvData::new(&ones, &e, None, None).unwrap();
            assert!(matches!(d.with_groups(&g, 2), Err(Error::InvalidValue { field: Field::Group, row: r, .. }) if r == row.max(1)));
        }
        let ok: Vec<i64> = (0..n as i64).map(|i| i % 2).collect();
        assert_eq!(event_codes(&ok).unwrap().iter().map(|&x| x as usize).sum::<usize>(), n / 2);
    }
}
