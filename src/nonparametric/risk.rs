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

/// Risk tables of untied data without delayed entry, one per cell (see [`SortedRecords`]).
pub fn tables_from_records(data: &SurvData, w: Option<&[f64]>, cell: impl Fn(usize) -> usize + Sync, n_cells: usize) -> Vec<RiskTable> {
    use rayon::prelude::*;
    let recs = SortedRecords::new(data, w, cell, n_cells);
    if data.len() >= PARALLEL_RECORDS {
        (0..n_cells).into_par_iter().map(|c| recs.table(c)).collect()
    } else {
        (0..n_cells).map(|c| recs.table(c)).collect()
    }
}

/// Rows from which the cells of [`SortedRecords`] are sorted and swept in parallel.
pub const PARALLEL_RECORDS: usize = 200_000;

/// Untied data without delayed entry read in memory order: each row becomes a (time-and-event
/// key, weight) record, records are bucketed by cell and sorted per cell (cells in parallel), and
/// the sweeps that make the risk tables never jump back into the input columns.
///
/// The key is `time.to_bits() << 1 | event`: times are >= 0, so their bit patterns are below
/// 2^63, ordered like the times, and the shift loses nothing.
pub struct SortedRecords {
    recs: Records,
    off: Vec<usize>,
}

enum Records {
    /// Unweighted rows need only their keys: half the bytes to sort.
    Keys(Vec<u64>),
    Weighted(Vec<(u64, f64)>),
}

impl SortedRecords {
    pub fn new(data: &SurvData, w: Option<&[f64]>, cell: impl Fn(usize) -> usize + Sync, n_cells: usize) -> Self {
        let n = data.len();
        let key = |i: usize| (data.exit[i].to_bits() << 1) | data.event[i] as u64;
        let par = n >= PARALLEL_RECORDS;
        let (recs, off) = match w {
            None => {
                let (mut keys, off) = bucketed(n, n_cells, &cell, &key, par);
                for_each(split_cells(&mut keys, &off), par, |p| p.sort_unstable());
                (Records::Keys(keys), off)
            }
            Some(w) => {
                let (mut recs, off) = bucketed(n, n_cells, &cell, &|i: usize| (key(i), w[i]), par);
                for_each(split_cells(&mut recs, &off), par, |p| p.sort_unstable_by_key(|r| r.0));
                (Records::Weighted(recs), off)
            }
        };
        SortedRecords { recs, off }
    }

    /// R's timefix on the sorted records: the distinct times of all cells (each cell's, merged),
    /// the runs of near-equal times found on them (see [`crate::timefix`]), and every record's
    /// time replaced by the first of its run. The replacement keeps each cell sorted by time
    /// (records of a time that now holds events and censorings may come in any order, which the
    /// sweeps do not mind). Returns whether anything moved.
    pub fn timefix(&mut self) -> bool {
        let k = self.off.len() - 1;
        let par = self.off[k] >= PARALLEL_RECORDS;
        let y: Vec<f64> = self.merged_times(0, k, par).into_iter().map(f64::from_bits).collect();
        if y.len() < 2 {
            return false;
        }
        let (from, to) = crate::timefix::moving_times(&y, crate::timefix::scale(&y), crate::timefix::tolerance());
        if from.is_empty() {
            return false;
        }
        let from: Vec<u64> = from.iter().map(|f| f.to_bits()).collect();
        let to: Vec<u64> = to.iter().map(|t| t.to_bits()).collect();
        match &mut self.recs {
            Records::Keys(v) => for_each(split_cells(v, &self.off), par, |c| snap_keys(c.iter_mut(), &from, &to)),
            Records::Weighted(v) => {
                for_each(split_cells(v, &self.off), par, |c| snap_keys(c.iter_mut().map(|r| &mut r.0), &from, &to))
            }
        }
        true
    }

    /// The distinct times (as bits) of the cells `lo..hi`, sorted: merged in pairs, the halves in
    /// parallel with `par`.
    fn merged_times(&self, lo: usize, hi: usize, par: bool) -> Vec<u64> {
        let cell = |c: usize| self.off[c]..self.off[c + 1];
        match hi - lo {
            0 => Vec::new(),
            1 | 2 => {
                let (a, b) = (cell(lo), if hi - lo == 2 { cell(lo + 1) } else { 0..0 });
                match &self.recs {
                    Records::Keys(v) => merge_split(&v[a], &v[b], &|&k| k >> 1, par),
                    Records::Weighted(v) => merge_split(&v[a], &v[b], &|r| r.0 >> 1, par),
                }
            }
            n => {
                let mid = lo + n / 2;
                let (a, b) = if par {
                    rayon::join(|| self.merged_times(lo, mid, par), || self.merged_times(mid, hi, par))
                } else {
                    (self.merged_times(lo, mid, par), self.merged_times(mid, hi, par))
                };
                merge_split(&a, &b, &|&t| t, par)
            }
        }
    }

    /// Records in cell `c`.
    pub fn cell_len(&self, c: usize) -> usize {
        self.off[c + 1] - self.off[c]
    }

    /// The `j`-th record of cell `c` in key order: (time, event, weight).
    #[inline]
    pub fn record(&self, c: usize, j: usize) -> (f64, bool, f64) {
        let (k, w) = match &self.recs {
            Records::Keys(v) => (v[self.off[c] + j], 1.0),
            Records::Weighted(v) => v[self.off[c] + j],
        };
        (f64::from_bits(k >> 1), k & 1 == 1, w)
    }

    /// Rows of the risk table of cell `c`.
    pub fn table_len(&self, c: usize) -> usize {
        let (lo, hi) = (self.off[c], self.off[c + 1]);
        match &self.recs {
            Records::Keys(k) => sweep(&k[lo..hi], |&k| (k, 1.0), |_, _, _, _| {}),
            Records::Weighted(r) => sweep(&r[lo..hi], |&r| r, |_, _, _, _| {}),
        }
    }

    /// Writes the risk table of cell `c` into four columns of [`Self::table_len`] rows.
    pub fn write_table(&self, c: usize, time: &mut [f64], n_risk: &mut [f64], n_event: &mut [f64], n_censor: &mut [f64]) {
        let (lo, hi) = (self.off[c], self.off[c + 1]);
        let mut p = time.len();
        let mut put = |t: f64, n: f64, d: f64, cens: f64| {
            p -= 1;
            (time[p], n_risk[p], n_event[p], n_censor[p]) = (t, n, d, cens);
        };
        match &self.recs {
            Records::Keys(k) => sweep(&k[lo..hi], |&k| (k, 1.0), &mut put),
            Records::Weighted(r) => sweep(&r[lo..hi], |&r| r, &mut put),
        };
    }

    /// The risk table of cell `c`.
    pub fn table(&self, c: usize) -> RiskTable {
        let m = self.table_len(c);
        let mut t = RiskTable { time: vec![0.0; m], n_risk: vec![0.0; m], n_event: vec![0.0; m], n_censor: vec![0.0; m] };
        self.write_table(c, &mut t.time, &mut t.n_risk, &mut t.n_event, &mut t.n_censor);
        t
    }
}

/// Replaces the time bits of keys sorted by time that are in `from` (sorted) by the matching
/// `to`, keeping the event bit: one merge-like pass.
fn snap_keys<'a>(keys: impl Iterator<Item = &'a mut u64>, from: &[u64], to: &[u64]) {
    let mut p = 0;
    for key in keys {
        let tb = *key >> 1;
        while p < from.len() && from[p] < tb {
            p += 1;
        }
        if p < from.len() && from[p] == tb {
            *key = (to[p] << 1) | (*key & 1);
        }
    }
}

/// The records `rec(i)` of rows `0..n` bucketed by cell, each cell's in row order, with the
/// cells' offsets. With `par` the rows are counted and written in chunks in parallel, each chunk
/// into its own part of every cell (the same result).
fn bucketed<T: Copy + Default + Send>(n: usize, n_cells: usize, cell: &(impl Fn(usize) -> usize + Sync), rec: &(impl Fn(usize) -> T + Sync), par: bool) -> (Vec<T>, Vec<usize>) {
    use rayon::prelude::*;
    let size = if par { n.div_ceil(8) } else { n }.max(1);
    let ranges: Vec<std::ops::Range<usize>> = (0..n).step_by(size).map(|a| a..(a + size).min(n)).collect();
    let count = |r: &std::ops::Range<usize>| {
        let mut k = vec![0usize; n_cells];
        r.clone().for_each(|i| k[cell(i)] += 1);
        k
    };
    let counts: Vec<Vec<usize>> = if par { ranges.par_iter().map(count).collect() } else { ranges.iter().map(count).collect() };
    let mut off = vec![0usize; n_cells + 1];
    for c in 0..n_cells {
        off[c + 1] = off[c] + counts.iter().map(|k| k[c]).sum::<usize>();
    }
    let mut buf: Vec<T> = crate::mem::with_capacity(n);
    buf.resize(n, T::default());
    // each chunk's part of each cell, cells in order and within a cell the chunks in order
    let mut parts: Vec<Vec<&mut [T]>> = ranges.iter().map(|_| Vec::with_capacity(n_cells)).collect();
    let mut rest: &mut [T] = &mut buf;
    for c in 0..n_cells {
        for (part, k) in parts.iter_mut().zip(&counts) {
            let (head, tail) = rest.split_at_mut(k[c]);
            part.push(head);
            rest = tail;
        }
    }
    let fill = |(r, mut part): (&std::ops::Range<usize>, Vec<&mut [T]>)| {
        let mut pos = vec![0usize; n_cells];
        for i in r.clone() {
            let c = cell(i);
            part[c][pos[c]] = rec(i);
            pos[c] += 1;
        }
    };
    if par {
        ranges.par_iter().zip(parts).for_each(fill);
    } else {
        ranges.iter().zip(parts).for_each(fill);
    }
    (buf, off)
}

/// As [`merge_distinct`], large lists in two halves in parallel with `par`: split at the median
/// value of the longer list (everything below it in both lists first), each half written into
/// its own part of the output, the second moved down to follow the first.
fn merge_split<R: Sync>(a: &[R], b: &[R], key: &(impl Fn(&R) -> u64 + Sync), par: bool) -> Vec<u64> {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    if !par || long.len() + short.len() < PARALLEL_RECORDS {
        return merge_distinct(a, b, key);
    }
    let pivot = key(&long[long.len() / 2]);
    let (i, j) = (long.partition_point(|r| key(r) < pivot), short.partition_point(|r| key(r) < pivot));
    let total = long.len() + short.len();
    let mut out: Vec<u64> = crate::mem::with_capacity(total);
    let buf = &mut out.spare_capacity_mut()[..total];
    let (low, high) = buf.split_at_mut(i + j);
    let (n_low, n_high) = rayon::join(|| merge_into(&long[..i], &short[..j], key, low), || merge_into(&long[i..], &short[j..], key, high));
    buf.copy_within(i + j..i + j + n_high, n_low);
    // SAFETY: merge_into wrote the first n_low and (moved down behind them) n_high values
    unsafe { out.set_len(n_low + n_high) };
    out
}

/// The distinct values `key(r)` (below `u64::MAX`) of two lists of records sorted by them,
/// in order.
fn merge_distinct<R>(a: &[R], b: &[R], key: impl Fn(&R) -> u64) -> Vec<u64> {
    // written straight into fresh capacity: zeroing it first (calloc from the heap) would touch
    // every page twice
    let total = a.len() + b.len();
    let mut out: Vec<u64> = crate::mem::with_capacity(total);
    let n = merge_into(a, b, key, &mut out.spare_capacity_mut()[..total]);
    // SAFETY: merge_into wrote the first n values
    unsafe { out.set_len(n) };
    out
}

/// Writes the distinct values `key(r)` (below `u64::MAX`) of two lists of records sorted by
/// them into `out` (at least as long as both lists), in order; returns how many. Branch-free:
/// each step writes the smaller head and moves on when it is new.
fn merge_into<R>(a: &[R], b: &[R], key: impl Fn(&R) -> u64, out: &mut [std::mem::MaybeUninit<u64>]) -> usize {
    assert!(out.len() >= a.len() + b.len());
    let (mut i, mut j, mut o) = (0, 0, 0);
    let mut last = u64::MAX;
    let mut put = |m: u64| {
        // o is at most the number of values read before this one: within bounds
        out[o].write(m);
        o += (m != last) as usize;
        last = m;
    };
    while i < a.len() && j < b.len() {
        let (x, y) = (key(&a[i]), key(&b[j]));
        put(x.min(y));
        i += (x <= y) as usize;
        j += (y <= x) as usize;
    }
    a[i..].iter().chain(&b[j..]).for_each(|r| put(key(r)));
    o
}

/// `f` on every item: in parallel (rayon) with `par`, else in order on the calling thread.
pub(crate) fn for_each<T: Send>(items: Vec<T>, par: bool, f: impl Fn(T) + Sync + Send) {
    use rayon::prelude::*;
    if par {
        items.into_par_iter().for_each(f);
    } else {
        items.into_iter().for_each(f);
    }
}

/// The cells' parts of `v` (cell c holds `off[c]..off[c + 1]`).
pub(crate) fn split_cells<'v, T>(v: &'v mut [T], off: &[usize]) -> Vec<&'v mut [T]> {
    let mut slices = Vec::with_capacity(off.len() - 1);
    let mut rest = v;
    for c in 0..off.len() - 1 {
        let (head, tail) = rest.split_at_mut(off[c + 1] - off[c]);
        slices.push(head);
        rest = tail;
    }
    slices
}

/// The risk table of records sorted by key, read from the last back: `put(time, n_risk,
/// n_event, n_censor)` for each time with weight, last time first; returns how many.
fn sweep<R>(recs: &[R], rec: impl Fn(&R) -> (u64, f64), mut put: impl FnMut(f64, f64, f64, f64)) -> usize {
    let mut rows = 0;
    let mut r_exit = 0.0;
    let mut j = recs.len();
    while j > 0 {
        let tb = rec(&recs[j - 1]).0 >> 1;
        let (mut d, mut c) = (0.0, 0.0);
        while j > 0 {
            let (k, wi) = rec(&recs[j - 1]);
            if k >> 1 != tb {
                break;
            }
            let we = wi * (k & 1) as f64;
            d += we;
            c += wi - we;
            j -= 1;
        }
        r_exit += d + c;
        if d + c > 0.0 {
            put(f64::from_bits(tb), r_exit, d, c);
            rows += 1;
        }
    }
    rows
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
    fn chunked_bucketing_keeps_row_order() {
        let n = 10_007;
        let cell = |i: usize| (i * 7919 + i / 13) % 5;
        let rec = |i: usize| (i as u64, cell(i));
        let (seq, off) = bucketed(n, 5, &cell, &rec, false);
        let (par, off_par) = bucketed(n, 5, &cell, &rec, true);
        assert_eq!(seq, par);
        assert_eq!(off, off_par);
        for c in 0..5 {
            let part = &seq[off[c]..off[c + 1]];
            assert!(part.iter().all(|r| r.1 == c) && part.windows(2).all(|w| w[0].0 < w[1].0));
        }
        assert_eq!(off[5], n);
    }

    /// R's timefix on the sorted records (merged per cell, in parallel at this size) equals
    /// timefix of the whole column first: near-equal times across and within cells, exact ties,
    /// and times that become equal to others.
    #[test]
    fn timefix_on_records_equals_timefix_of_the_column() {
        let n = 250_000;
        let mut u = crate::testutil::uniform(0x9E3779B97F4A7C15);
        let mut t: Vec<f64> = (0..n).map(|_| 500.0 * u()).collect();
        for i in (0..n).step_by(97) {
            t[i] = t[(i * 31 + 5) % n] * (1.0 + 3e-10); // near-equal, mostly in another cell
        }
        for i in (0..n).step_by(1001) {
            t[i] = t[(i + 1) % n]; // exact ties
        }
        let e: Vec<u8> = (0..n).map(|i| (i % 3 != 0) as u8).collect();
        let g: Vec<u32> = (0..n).map(|i| ((i * 2654435761) % 4) as u32).collect();
        let w: Vec<f64> = (0..n).map(|i| 0.5 + (i % 5) as f64).collect();
        let fixed = crate::timefix::fix(&t).expect("some times move");
        let d = SurvData::new(&t, &e, None, None).unwrap().with_groups(&g, 4).unwrap();
        let df = d.with_exit(&fixed);
        for wt in [None, Some(&w[..])] {
            let mut recs = SortedRecords::new(&d, wt, |i| d.group_of(i), 4);
            assert!(recs.timefix());
            let want = SortedRecords::new(&df, wt, |i| df.group_of(i), 4);
            for c in 0..4 {
                assert_eq!(recs.table(c), want.table(c));
            }
        }
    }

    #[test]
    fn split_merge_equals_the_plain_merge() {
        let a: Vec<u64> = (0..300_000u64).map(|i| i * 3 / 2).collect();
        let b: Vec<u64> = (0..200_000u64).map(|i| i * 2 + 1).collect();
        let want = merge_distinct(&a, &b, |&k| k);
        assert_eq!(merge_split(&a, &b, &|&k| k, true), want);
        assert_eq!(merge_split(&b, &a, &|&k| k, true), want);
        assert!(want.windows(2).all(|w| w[0] < w[1]));
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
