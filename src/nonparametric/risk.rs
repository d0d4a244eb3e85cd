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

/// Rows from which the cells of [`SortedRecords`] are sorted and swept in parallel (the
/// package's one threshold, [`crate::data::PARALLEL_ROWS`]).
pub const PARALLEL_RECORDS: usize = crate::data::PARALLEL_ROWS;

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

    /// R's timefix on the sorted records: the runs of near-equal times among the distinct
    /// times of all cells (see [`crate::timefix`]), and every record's time replaced by the first
    /// of its run. The replacement keeps each cell sorted by time (records of a time that now
    /// holds events and censorings may come in any order, which the sweeps do not mind). Returns
    /// whether anything moved.
    ///
    /// The distinct times are never listed whole: the time axis is cut into parts (at quantiles
    /// of the largest cell, all records of a time in one part; the parts in parallel with many
    /// records), each part's distinct times are merged from the cells in one pass and, as they
    /// come, summed for the tolerance's scale and searched for the steps that could be close;
    /// only those and the steps between parts go on to [`crate::timefix::Runs`].
    pub fn timefix(&mut self) -> bool {
        use crate::timefix::{AbsSum, Runs};
        use rayon::prelude::*;
        let k = self.off.len() - 1;
        let par = self.off[k] >= PARALLEL_RECORDS;
        let tol = crate::timefix::tolerance();
        let Some(big) = (0..k).max_by_key(|&c| self.cell_len(c)) else { return false };
        // times >= 0: the largest is the largest cell end, and it bounds the mean
        let max_time = (0..k).filter(|&c| self.cell_len(c) > 0).map(|c| self.record(c, self.cell_len(c) - 1).0).fold(0.0, f64::max);
        let gap = Runs::candidate_gap(max_time, tol);
        let wanted = if par { 16 } else { 1 };
        let mut cuts: Vec<u64> = (1..wanted).map(|p| self.time_bits(big, self.cell_len(big) * p / wanted)).collect();
        cuts.dedup();
        // start of part p in cell c: bounds[c][p]
        let bounds: Vec<Vec<usize>> = (0..k)
            .map(|c| {
                let mut b = vec![0];
                b.extend(cuts.iter().map(|&cut| self.partition(c, cut)));
                b.push(self.cell_len(c));
                b
            })
            .collect();
        let scan = |pool: &mut Vec<Vec<f64>>, p: usize| -> PartScan {
            let mut part = PartScan { sum: AbsSum::default(), ends: None, close: Vec::new() };
            let mut last = f64::NAN;
            let mut emit = |t: f64| {
                part.sum.push(t);
                // false for the first time (last is NaN)
                if t - last <= gap {
                    part.close.push((last, t));
                }
                last = t;
            };
            match &self.recs {
                Records::Keys(v) => distinct_each(&self.part(v, &bounds, p), &|&k| k >> 1, pool, &mut emit),
                Records::Weighted(v) => distinct_each(&self.part(v, &bounds, p), &|r| r.0 >> 1, pool, &mut emit),
            }
            if part.sum.count() > 0 {
                let first = (0..k).filter(|&c| bounds[c][p] < bounds[c][p + 1]).map(|c| self.record(c, bounds[c][p]).0).fold(f64::INFINITY, f64::min);
                part.ends = Some((first, last));
            }
            part
        };
        let n_parts = cuts.len() + 1;
        let parts: Vec<PartScan> = if par {
            (0..n_parts).into_par_iter().with_min_len(n_parts.div_ceil(rayon::current_num_threads())).map_init(Default::default, scan).collect()
        } else {
            let mut pool = Vec::new();
            (0..n_parts).map(|p| scan(&mut pool, p)).collect()
        };
        let mut sum = AbsSum::default();
        parts.iter().for_each(|p| sum.join(&p.sum));
        if sum.count() < 2 {
            return false;
        }
        let mut runs = Runs::new(sum.mean(), tol);
        let mut last: Option<f64> = None;
        for part in &parts {
            let Some((lo, hi)) = part.ends else { continue };
            if let Some(prev) = last {
                runs.step(prev, lo);
            }
            part.close.iter().for_each(|&(a, b)| runs.step(a, b));
            last = Some(hi);
        }
        let (from, to) = runs.moving();
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

    /// The time (as bits) of the `j`-th record of cell `c`.
    fn time_bits(&self, c: usize, j: usize) -> u64 {
        self.record(c, j).0.to_bits()
    }

    /// Records of cell `c` with a time below `bits`.
    fn partition(&self, c: usize, bits: u64) -> usize {
        let cell = self.off[c]..self.off[c + 1];
        match &self.recs {
            Records::Keys(v) => v[cell].partition_point(|&k| k >> 1 < bits),
            Records::Weighted(v) => v[cell].partition_point(|r| r.0 >> 1 < bits),
        }
    }

    /// Part `p` of every cell's records.
    fn part<'a, R>(&self, v: &'a [R], bounds: &[Vec<usize>], p: usize) -> Vec<&'a [R]> {
        bounds.iter().enumerate().map(|(c, b)| &v[self.off[c] + b[p]..self.off[c] + b[p + 1]]).collect()
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
            // every time has weight: the number of distinct times, counted without a branch
            Records::Keys(k) => match &k[lo..hi] {
                [] => 0,
                k => 1 + k.windows(2).map(|w| (w[0] >> 1 != w[1] >> 1) as usize).sum::<usize>(),
            },
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
    // zeroed by the kernel as the fill first touches it (not by a memset here first)
    let mut buf: Vec<T> = crate::mem::fresh_zeroed(n);
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

/// `emit` of the distinct times of lists of records sorted by them, in order: `key(r)` the bits
/// of a time >= 0 (below `u64::MAX`). Up to four lists are merged in one pass; more are merged
/// in four groups first, in buffers taken from and given back to `pool` (kept by the caller:
/// fresh pages cost more than the merge).
fn distinct_each<R>(lists: &[&[R]], key: &impl Fn(&R) -> u64, pool: &mut Vec<Vec<f64>>, emit: impl FnMut(f64)) {
    if lists.len() <= 4 {
        let mut four: [&[R]; 4] = [&[]; 4];
        four[..lists.len()].copy_from_slice(lists);
        return merge4(four, key, emit);
    }
    let q = lists.len().div_ceil(4);
    let mut bufs: Vec<Vec<f64>> = lists
        .chunks(q)
        .map(|group| {
            let mut b = pool.pop().unwrap_or_default();
            b.clear();
            b.reserve(group.iter().map(|l| l.len()).sum());
            // a trait object: one instance of this function for the groups, however deep
            let push: &mut dyn FnMut(f64) = &mut |t| b.push(t);
            distinct_each(group, key, pool, push);
            b
        })
        .collect();
    bufs.resize_with(4, Vec::new);
    merge4([&bufs[0], &bufs[1], &bufs[2], &bufs[3]], &|t: &f64| t.to_bits(), emit);
    pool.extend(bufs);
}

/// `emit` of the distinct times of four lists of records sorted by them (`key(r)` the bits of
/// a time >= 0, below `u64::MAX`), in order: each step takes the smallest head and moves on
/// every list whose head it is, without branching on which, and emits it unless it was the
/// last emitted (a list holds a time more than once when rows are tied). The step waits on the
/// loads it moved to; what `emit` does with the time runs beside that wait.
fn merge4<R>(lists: [&[R]; 4], key: &impl Fn(&R) -> u64, mut emit: impl FnMut(f64)) {
    let mut at = [0usize; 4];
    let head = |c: usize, at: &[usize; 4]| lists[c].get(at[c]).map_or(u64::MAX, key);
    let mut last = u64::MAX;
    loop {
        let h = [head(0, &at), head(1, &at), head(2, &at), head(3, &at)];
        let m = h[0].min(h[1]).min(h[2].min(h[3]));
        if m == u64::MAX {
            break;
        }
        if m != last {
            emit(f64::from_bits(m));
            last = m;
        }
        for c in 0..4 {
            at[c] += (h[c] == m) as usize;
        }
    }
}

/// One part of the time axis in [`SortedRecords::timefix`]: the sum of its distinct times, its
/// first and last, and the steps between them that could be close.
struct PartScan {
    sum: crate::timefix::AbsSum,
    ends: Option<(f64, f64)>,
    close: Vec<(f64, f64)>,
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
        assert_records_fix_as_the_column(&t, &e, &g, 4, &[None, Some(&w[..])]);
    }

    /// R's timefix on the records of `t` (cells `g`, weights each of `ws`) moves something and
    /// gives every cell the risk table of the column fixed first.
    fn assert_records_fix_as_the_column(t: &[f64], e: &[u8], g: &[u32], k: usize, ws: &[Option<&[f64]>]) {
        let fixed = crate::timefix::fix(t).expect("some times move");
        let d = SurvData::new(t, e, None, None).unwrap().with_groups(g, k).unwrap();
        let df = d.with_exit(&fixed);
        for &wt in ws {
            let mut recs = SortedRecords::new(&d, wt, |i| d.group_of(i), k);
            assert!(recs.timefix());
            let want = SortedRecords::new(&df, wt, |i| df.group_of(i), k);
            for c in 0..k {
                assert_eq!(recs.table(c), want.table(c));
            }
        }
    }

    /// Every time in a run of three near-equal times in three cells of nine, so that the cuts
    /// between parts fall inside runs (the step across a cut joins a run that goes on in the
    /// next part): equal to timefix of the column first.
    #[test]
    fn timefix_on_records_with_runs_across_parts() {
        let m = 90_000;
        let mut u = crate::testutil::uniform(0x2545F4914F6CDD1D);
        let mut t = Vec::with_capacity(3 * m);
        for _ in 0..m {
            let base = 1.0 + 1000.0 * u();
            t.extend([base, base * (1.0 + 1e-10), base * (1.0 + 2e-10)]);
        }
        let n = t.len();
        let e: Vec<u8> = (0..n).map(|i| (i % 5 != 0) as u8).collect();
        let g: Vec<u32> = (0..n).map(|i| ((i / 3 + i % 3 * 4) % 9) as u32).collect();
        let moved = crate::timefix::fix(&t).expect("runs move").iter().zip(&t).filter(|(a, b)| a != b).count();
        assert!(moved >= 2 * m);
        assert_records_fix_as_the_column(&t, &e, &g, 9, &[None]);
    }

    /// Tied times in the records (many copies of one time): R's tolerance is relative to the
    /// mean of the *distinct* times, so a pair of times 1.5 tolerances apart on that scale stays
    /// apart, as in timefix of the column; counting each copy would double the scale and merge
    /// them.
    #[test]
    fn timefix_on_tied_records_uses_the_distinct_times() {
        let tol = crate::timefix::tolerance();
        let mut t: Vec<f64> = (0..1000).map(|i| 0.25 + i as f64).collect();
        let scale = t.iter().sum::<f64>() / 1000.0;
        let a = 10.125;
        t.extend([a, a + 1.5 * tol * scale]);
        t.extend(std::iter::repeat_n(999.25, 60_000));
        let n = t.len();
        let e: Vec<u8> = (0..n).map(|i| (i % 3 == 0) as u8).collect();
        let g: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        assert!(crate::timefix::fix(&t).is_none(), "the pair stays apart on R's scale");
        let d = SurvData::new(&t, &e, None, None).unwrap().with_groups(&g, 2).unwrap();
        for n_cells in [1usize, 2] {
            let cell = |i: usize| if n_cells == 1 { 0 } else { d.group_of(i) };
            let mut recs = SortedRecords::new(&d, None, cell, n_cells);
            assert!(!recs.timefix(), "{n_cells} cells");
        }
    }

    #[test]
    fn distinct_times_of_many_lists() {
        // i (j + 2) / 3: lists 0 and 1 repeat values (tied rows within a list)
        let lists: Vec<Vec<u64>> = (0..5u64).map(|j| (0..3000u64).map(|i| i * (j + 2) / 3).collect()).collect();
        assert!(lists[0].windows(2).any(|w| w[0] == w[1]));
        let mut pool = Vec::new();
        for n in 0..=5 {
            let mut want: Vec<f64> = lists[..n].concat().into_iter().map(|k| k as f64).collect();
            want.sort_unstable_by(f64::total_cmp);
            want.dedup();
            for copies in [1, 3] {
                let slices: Vec<&[u64]> = (0..copies).flat_map(|_| lists[..n].iter().map(|l| &l[..])).collect();
                let mut out = Vec::new();
                distinct_each(&slices, &|&k| (k as f64).to_bits(), &mut pool, |t| out.push(t));
                assert_eq!(out, want);
            }
        }
        assert!(pool.len() >= 4);
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
