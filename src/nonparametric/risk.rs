//! Risk sets: sort once, sweep once.
//!
//! For each curve (group) the rows are sorted by exit time and, with delayed entry, by entry time.
//! The weighted number at risk at a time t is the reverse cumulative sum
//! `n(t) = sum_{exit >= t} w - sum_{entry >= t} w`, built in one descending sweep, so the values at
//! the tail (few at risk) are sums of few terms and keep their precision.

use crate::data::SurvData;
use crate::sort::sorted_blocks;

/// The rows of every block (group or stratum) in exit order and, with entry times, in entry order.
#[derive(Debug, Clone)]
pub struct Blocks {
    pub by_exit: Vec<u32>,
    pub exit_off: Vec<usize>,
    pub by_entry: Option<Vec<u32>>,
    pub entry_off: Vec<usize>,
}

impl Blocks {
    /// Sorts `data` once by exit (and entry) time, in blocks defined by `codes`.
    pub fn new(data: &SurvData, codes: Option<&[u32]>, n_codes: usize) -> Self {
        let (by_exit, exit_off) = data
            .whole_range
            .and_then(|(lo, hi)| crate::sort::sorted_blocks_whole(data.exit, lo, hi, codes, n_codes))
            .unwrap_or_else(|| sorted_blocks(data.exit, codes, n_codes));
        let (by_entry, entry_off) = match data.entry {
            Some(entry) => {
                let (o, off) = sorted_blocks(entry, codes, n_codes);
                (Some(o), off)
            }
            None => (None, Vec::new()),
        };
        Blocks { by_exit, exit_off, by_entry, entry_off }
    }

    pub fn n_blocks(&self) -> usize {
        self.exit_off.len() - 1
    }

    /// Rows of block `b` sorted by exit, and by entry when there are entry times.
    pub fn block(&self, b: usize) -> (&[u32], Option<&[u32]>) {
        let ex = &self.by_exit[self.exit_off[b]..self.exit_off[b + 1]];
        let en = self.by_entry.as_ref().map(|o| &o[self.entry_off[b]..self.entry_off[b + 1]]);
        (ex, en)
    }
}

/// Weighted counts at each distinct exit time (events and censorings) of one curve.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskTable {
    pub time: Vec<f64>,
    pub n_risk: Vec<f64>,
    pub n_event: Vec<f64>,
    pub n_censor: Vec<f64>,
}

impl RiskTable {
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Appends one time's counts (the sweeps run from the last time back).
    fn push_row(&mut self, time: f64, n_risk: f64, n_event: f64, n_censor: f64) {
        self.time.push(time);
        self.n_risk.push(n_risk);
        self.n_event.push(n_event);
        self.n_censor.push(n_censor);
    }

    /// Puts rows appended from the last time back into time order.
    fn reverse_rows(&mut self) {
        self.time.reverse();
        self.n_risk.reverse();
        self.n_event.reverse();
        self.n_censor.reverse();
    }

    /// Builds the table for the rows `by_exit` (sorted by exit) with weights `w` (`None`: all 1).
    /// Times at which only zero-weight rows leave get no row.
    pub fn build(data: &SurvData, w: Option<&[f64]>, by_exit: &[u32], by_entry: Option<&[u32]>) -> Self {
        let wt = |i: usize| w.map_or(1.0, |w| w[i]);
        let mut out = RiskTable::default();
        let (mut r_exit, mut r_entry) = (0.0, 0.0);
        let mut p = by_entry.map_or(0, |e| e.len());
        let mut j = by_exit.len();
        while j > 0 {
            let t = data.exit[by_exit[j - 1] as usize];
            let (mut d, mut c) = (0.0, 0.0);
            while j > 0 && data.exit[by_exit[j - 1] as usize] == t {
                let i = by_exit[j - 1] as usize;
                let wi = wt(i);
                r_exit += wi;
                if data.event[i] == 1 {
                    d += wi;
                } else {
                    c += wi;
                }
                j -= 1;
            }
            if let (Some(entry), Some(be)) = (data.entry, by_entry) {
                while p > 0 && entry[be[p - 1] as usize] >= t {
                    r_entry += wt(be[p - 1] as usize);
                    p -= 1;
                }
            }
            if d + c > 0.0 {
                out.push_row(t, r_exit - r_entry, d, c);
            }
        }
        out.reverse_rows();
        out
    }
}

/// Risk tables of untied data without delayed entry, one per cell, read in memory order: each
/// row becomes a (time-and-event key, weight) record, records are bucketed by cell and sorted per
/// cell (cells in parallel), and the sweep never jumps back into the input columns.
///
/// The key is `time.to_bits() << 1 | event`: times are >= 0, so their bit patterns are below
/// 2^63, ordered like the times, and the shift loses nothing.
pub fn tables_from_records(data: &SurvData, w: Option<&[f64]>, cell: impl Fn(usize) -> usize, n_cells: usize) -> Vec<RiskTable> {
    use rayon::prelude::*;
    let n = data.len();
    let mut off = vec![0usize; n_cells + 1];
    for i in 0..n {
        off[cell(i) + 1] += 1;
    }
    for c in 0..n_cells {
        off[c + 1] += off[c];
    }
    let key = |i: usize| (data.exit[i].to_bits() << 1) | data.event[i] as u64;
    // Unweighted rows need only their keys: half the bytes to sort.
    match w {
        None => {
            let mut pos = off.clone();
            let mut keys = vec![0u64; n];
            for i in 0..n {
                let c = cell(i);
                keys[pos[c]] = key(i);
                pos[c] += 1;
            }
            let slices = split_cells(&mut keys, &off);
            let sweep = |part: &mut [u64]| {
                part.sort_unstable();
                sweep_sorted(part.len(), |j| (part[j], 1.0))
            };
            if n >= 200_000 {
                slices.into_par_iter().map(sweep).collect()
            } else {
                slices.into_iter().map(sweep).collect()
            }
        }
        Some(w) => {
            let mut pos = off.clone();
            let mut recs = vec![(0u64, 0.0f64); n];
            for (i, &wi) in w.iter().enumerate().take(n) {
                let c = cell(i);
                recs[pos[c]] = (key(i), wi);
                pos[c] += 1;
            }
            let slices = split_cells(&mut recs, &off);
            let sweep = |part: &mut [(u64, f64)]| {
                part.sort_unstable_by_key(|r| r.0);
                sweep_sorted(part.len(), |j| part[j])
            };
            if n >= 200_000 {
                slices.into_par_iter().map(sweep).collect()
            } else {
                slices.into_iter().map(sweep).collect()
            }
        }
    }
}

/// The cells' parts of `v` (cell c holds `off[c]..off[c + 1]`).
fn split_cells<'v, T>(v: &'v mut [T], off: &[usize]) -> Vec<&'v mut [T]> {
    let mut slices = Vec::with_capacity(off.len() - 1);
    let mut rest = v;
    for c in 0..off.len() - 1 {
        let (head, tail) = rest.split_at_mut(off[c + 1] - off[c]);
        slices.push(head);
        rest = tail;
    }
    slices
}

/// The risk table of `len` records sorted by key, read from the last back: `rec(j)` is the
/// j-th (key, weight).
fn sweep_sorted(len: usize, rec: impl Fn(usize) -> (u64, f64)) -> RiskTable {
    let mut t = RiskTable::default();
    let mut r_exit = 0.0;
    let mut j = len;
    while j > 0 {
        let tb = rec(j - 1).0 >> 1;
        let (mut d, mut c) = (0.0, 0.0);
        while j > 0 && rec(j - 1).0 >> 1 == tb {
            let (k, wi) = rec(j - 1);
            let we = wi * (k & 1) as f64;
            d += we;
            c += wi - we;
            j -= 1;
        }
        r_exit += d + c;
        if d + c > 0.0 {
            t.push_row(f64::from_bits(tb), r_exit, d, c);
        }
    }
    t.reverse_rows();
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_counted_risk_sets_with_delayed_entry() {
        // The example of tests/golden (R: survfit(Surv(s, t, e) ~ 1)): n.risk 5 6 5 4 3 1.
        let t = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0];
        let e = [1u8, 1, 0, 1, 0, 1, 1, 1];
        let s = [0.0, 0.0, 1.0, 1.0, 0.0, 2.0, 0.0, 0.0];
        let d = SurvData::new(&t, &e, Some(&s), None).unwrap();
        let b = Blocks::new(&d, None, 1);
        let (ex, en) = b.block(0);
        let rt = RiskTable::build(&d, None, ex, en);
        assert_eq!(rt.time, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(rt.n_risk, vec![5.0, 6.0, 5.0, 4.0, 3.0, 1.0]);
        assert_eq!(rt.n_event, vec![1.0, 1.0, 1.0, 0.0, 2.0, 1.0]);
        assert_eq!(rt.n_censor, vec![0.0, 1.0, 0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn records_and_sorted_rows_agree() {
        let t = [1.5, 0.25, 2.0, 2.0, 0.25, 3.75, 1.5, 0.0];
        let e = [1u8, 1, 0, 1, 0, 1, 1, 0];
        let w = [1.0, 2.5, 1.0, 0.5, 1.0, 3.0, 1.0, 2.0];
        let g = [0u32, 1, 0, 1, 0, 1, 0, 1];
        let d = SurvData::new(&t, &e, None, Some(&w)).unwrap().with_groups(&g, 2).unwrap();
        let fast = tables_from_records(&d, d.weight, |i| d.group_of(i), 2);
        let b = Blocks::new(&d, d.group, 2);
        for c in 0..2 {
            let (ex, en) = b.block(c);
            assert_eq!(fast[c], RiskTable::build(&d, d.weight, ex, en));
        }
    }
}
