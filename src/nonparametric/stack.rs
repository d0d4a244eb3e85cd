//! All curves of a Kaplan-Meier estimate in one table: the columns of every group stacked, each
//! column contiguous, in one allocation. This is the layout of the table users get (one row per
//! group and distinct time), so the Python layer wraps it without copying, and each group's
//! curve is a slice of it.
//!
//! Untied data without delayed entry (the common case of continuous times) is swept straight
//! into the table: records sorted per group, each group's rows counted, the table allocated
//! once, and the groups filled in parallel. Every other case computes the curves as
//! [`kaplan_meier_clustered`] does and copies them in.

use rayon::prelude::*;

use super::km::{estimates, kaplan_meier_clustered, Estimates, KmCurve, KmOptions};
use super::risk::{for_each, split_cells, SortedRecords, PARALLEL_RECORDS};
use crate::data::SurvData;

/// Column names in their order; the last two (the Nelson-Aalen hazard and its standard error)
/// only with `hazard`.
pub const COLUMNS: [&str; 10] = [
    "time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper", "cumhaz", "std_err_cumhaz",
];

/// Stacked curves: column `j` is `data[j * len..(j + 1) * len]`, group `g` holds the rows
/// `offsets[g]..offsets[g + 1]` of every column.
#[derive(Debug, Clone, PartialEq)]
pub struct KmStack {
    pub len: usize,
    pub n_cols: usize,
    pub offsets: Vec<usize>,
    pub data: Vec<f64>,
}

impl KmStack {
    fn zeroed(lens: &[usize], hazard: bool) -> Self {
        let mut offsets = Vec::with_capacity(lens.len() + 1);
        offsets.push(0);
        for &m in lens {
            offsets.push(offsets.last().unwrap() + m);
        }
        let len = *offsets.last().unwrap();
        let n_cols = if hazard { 10 } else { 8 };
        KmStack { len, n_cols, offsets, data: crate::mem::fresh_zeroed(n_cols * len) }
    }

    /// Column `j` (see [`COLUMNS`]).
    pub fn column(&self, j: usize) -> &[f64] {
        &self.data[j * self.len..(j + 1) * self.len]
    }

    /// Column `j` of group `g`.
    pub fn part(&self, j: usize, g: usize) -> &[f64] {
        &self.column(j)[self.offsets[g]..self.offsets[g + 1]]
    }

    /// Each group's parts of every column, to be filled independently.
    fn groups_mut(&mut self) -> Vec<Vec<&mut [f64]>> {
        let k = self.offsets.len() - 1;
        let mut out: Vec<Vec<&mut [f64]>> = (0..k).map(|_| Vec::with_capacity(self.n_cols)).collect();
        for col in self.data.chunks_mut(self.len.max(1)).take(self.n_cols) {
            for (parts, part) in out.iter_mut().zip(split_cells(col, &self.offsets)) {
                parts.push(part);
            }
        }
        out
    }
}

/// The curves of [`kaplan_meier_clustered`] as one stacked table; `hazard` adds the Nelson-Aalen
/// columns. With `timefix` the exit times first get R's timefix (there must be no entry times:
/// with them the caller fixes both columns together), on the sorted records where the data take
/// that path, which saves a sort of all times.
pub fn kaplan_meier_stacked(data: &SurvData, w: Option<&[f64]>, opts: &KmOptions, cluster: Option<(&[u32], usize)>, hazard: bool, timefix: bool) -> KmStack {
    debug_assert!(!timefix || data.entry.is_none(), "timefix of exit times alone");
    let plain = !opts.robust && !opts.ctype2 && cluster.is_none() && data.entry.is_none();
    if plain && data.whole_range.is_none() {
        return from_records(data, w, opts, hazard, timefix);
    }
    match timefix.then(|| crate::timefix::fix_exit(data)).flatten() {
        Some(exit) => stack(&kaplan_meier_clustered(&data.with_exit(&exit), w, opts, cluster), hazard),
        None => stack(&kaplan_meier_clustered(data, w, opts, cluster), hazard),
    }
}

/// Untied data without delayed entry: each group's risk table written into the stack, then its
/// estimates beside it.
fn from_records(data: &SurvData, w: Option<&[f64]>, opts: &KmOptions, hazard: bool, timefix: bool) -> KmStack {
    let k = data.n_groups;
    let mut recs = SortedRecords::new(data, w, |i| data.group_of(i), k);
    if timefix {
        recs.timefix();
    }
    let par = data.len() >= PARALLEL_RECORDS;
    let lens: Vec<usize> = if par {
        (0..k).into_par_iter().map(|g| recs.table_len(g)).collect()
    } else {
        (0..k).map(|g| recs.table_len(g)).collect()
    };
    let mut st = KmStack::zeroed(&lens, hazard);
    let fill = |(g, mut parts): (usize, Vec<&mut [f64]>)| {
        let [time, n_risk, n_event, n_censor, surv, se_surv, lower, upper, rest @ ..] = &mut parts[..] else {
            unreachable!("a stack has at least 8 columns")
        };
        recs.write_table(g, time, n_risk, n_event, n_censor);
        let hazard = match rest {
            [cumhaz, se_cumhaz] => Some((&mut **cumhaz, &mut **se_cumhaz)),
            _ => None,
        };
        estimates(n_risk, n_event, opts, Estimates { surv, se_surv, lower, upper, se_log: None, hazard });
    };
    for_each(st.groups_mut().into_iter().enumerate().collect(), par, fill);
    st
}

/// Curves copied into one stack.
pub fn stack(curves: &[KmCurve], hazard: bool) -> KmStack {
    let lens: Vec<usize> = curves.iter().map(|c| c.table.len()).collect();
    let mut st = KmStack::zeroed(&lens, hazard);
    let par = st.len * st.n_cols >= PARALLEL_RECORDS;
    let copy = |(c, mut parts): (&KmCurve, Vec<&mut [f64]>)| {
        let src: [&[f64]; 10] = [
            &c.table.time, &c.table.n_risk, &c.table.n_event, &c.table.n_censor, &c.surv, &c.se_surv, &c.lower,
            &c.upper, &c.cumhaz, &c.se_cumhaz,
        ];
        for (dst, s) in parts.iter_mut().zip(src) {
            dst.copy_from_slice(s);
        }
    };
    for_each(curves.iter().zip(st.groups_mut()).collect(), par, copy);
    st
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nonparametric::ConfType;

    /// Untied times (continuous) and tied ones, optional weights with some zero, four groups:
    /// the swept stack equals, bit for bit, the curves of the general path (rows sorted by exit
    /// per group, the risk table built from them) copied in; weighted ties to rounding.
    #[test]
    fn swept_stack_equals_the_copied_curves() {
        let n = 3000;
        let mut next = crate::testutil::uniform(88172645463325252);
        let t: Vec<f64> = (0..n).map(|_| -300.0 * next().ln()).collect();
        // and with ties (events and censorings at one time): tenths of a day
        let tied: Vec<f64> = t.iter().map(|&x| (x * 10.0).round() / 10.0 + 0.05).collect();
        let e: Vec<u8> = (0..n).map(|_| (next() < 0.6) as u8).collect();
        let g: Vec<u32> = (0..n).map(|_| (next() * 4.0) as u32).collect();
        let w: Vec<f64> = (0..n).map(|i| if i % 7 == 0 { 0.0 } else { 0.5 + next() }).collect();
        for (t, conf_type) in [(&t, ConfType::Log), (&t, ConfType::LogLog), (&t, ConfType::Plain), (&tied, ConfType::Log)] {
            let d = SurvData::new(t, &e, None, None).unwrap().with_groups(&g, 4).unwrap();
            let opts = KmOptions { conf_type, ..KmOptions::default() };
            for wt in [None, Some(&w[..])] {
                for hazard in [false, true] {
                    let swept = from_records(&d, wt, &opts, hazard, false);
                    let b = crate::nonparametric::Blocks::new(&d, d.group, 4);
                    let curves: Vec<KmCurve> = (0..4).map(|c| {
                        let (ex, en) = b.block(c);
                        crate::nonparametric::km::curve(&d, wt, ex, en, &opts)
                    }).collect();
                    let copied = stack(&curves, hazard);
                    assert_eq!(swept.len, copied.len);
                    assert_eq!(swept.offsets, copied.offsets);
                    for j in 0..swept.n_cols {
                        let (a, b) = (swept.column(j), copied.column(j));
                        // weighted ties: the weights of a time summed in another order (by
                        // event, not by row), equal to rounding
                        let tol = if wt.is_some() && std::ptr::eq(t, &tied) { 1e-13 } else { 0.0 };
                        let same = |p: f64, q: f64| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()) || (p - q).abs() <= tol * q.abs();
                        let bad = a.iter().zip(b).position(|(&p, &q)| !same(p, q));
                        assert!(bad.is_none(), "column {} weighted {} row {:?}", COLUMNS[j], wt.is_some(), bad);
                    }
                }
            }
        }
    }

    /// The copied stack holds each curve's own columns (a hand-checked curve of km.rs's tests).
    #[test]
    fn stack_of_one_curve_is_the_curve() {
        let t = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0];
        let e = [1u8, 1, 0, 1, 0, 1, 1, 1];
        let d = SurvData::new(&t, &e, None, None).unwrap();
        let st = kaplan_meier_stacked(&d, None, &KmOptions::default(), None, true, false);
        assert_eq!(st.offsets, vec![0, 6]);
        assert_eq!(st.part(0, 0), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(st.part(1, 0), &[8.0, 7.0, 5.0, 4.0, 3.0, 1.0]);
        assert_eq!(st.part(3, 0), &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0]);
        let s = st.part(4, 0);
        assert!((s[1] - 0.75).abs() < 1e-15 && s[5] == 0.0);
    }
}
