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

fn check_codes(field: Field, codes: &[u32], n_levels: usize) -> Result<()> {
    if n_levels == 0 {
        return Err(Error::InvalidArgument(format!("column '{}' has no levels", field.as_str())));
    }
    let mut seen = vec![false; n_levels];
    for (row, &c) in codes.iter().enumerate() {
        if c as usize >= n_levels {
            return Err(Error::InvalidValue { field, row, reason: "code out of range" });
        }
        seen[c as usize] = true;
    }
    if let Some(level) = seen.iter().position(|s| !s) {
        return Err(Error::InvalidArgument(format!(
            "column '{}': level {} has no rows",
            field.as_str(),
            level
        )));
    }
    Ok(())
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
        let clean = exit.iter().fold(true, |ok, &t| ok & (0.0..f64::INFINITY).contains(&t));
        let whole_range = whole_range(exit);
        for (row, &t) in exit.iter().enumerate().filter(|_| !clean) {
            if !t.is_finite() {
                return Err(Error::InvalidValue { field: Field::Duration, row, reason: "value is NaN or infinite" });
            }
            if t < 0.0 {
                return Err(Error::InvalidValue { field: Field::Duration, row, reason: "value is negative" });
            }
        }
        if let Some(row) = event.iter().position(|&e| e > 1) {
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
    pub fn with_groups(mut self, codes: &'a [u32], n_groups: usize) -> Result<Self> {
        check_len(Field::Group, self.len(), codes.len())?;
        check_codes(Field::Group, codes, n_groups)?;
        self.group = Some(codes);
        self.n_groups = n_groups;
        Ok(self)
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
pub fn event_codes<T: Copy + PartialEq + From<u8>>(values: &[T]) -> Result<Vec<u8>> {
    let (zero, one) = (T::from(0u8), T::from(1u8));
    // Branch-free: events are in random order, and a branch per row mispredicts half the time.
    let mut ok = true;
    let out: Vec<u8> = values
        .iter()
        .map(|&v| {
            ok &= (v == zero) | (v == one);
            (v == one) as u8
        })
        .collect();
    if !ok {
        let row = values.iter().position(|&v| v != zero && v != one).unwrap();
        return Err(Error::InvalidValue { field: Field::Event, row, reason: "value is not 0 or 1 (False or True)" });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
