//! The fast path for tied (register) data: distinct times are ranked once, and weighted counts
//! are added into a dense (cell x distinct time) grid in one sequential pass over the rows; the
//! curves and tests then sweep the grid. No row-level sort at all when the times are whole
//! numbers in a modest range (months, weeks, days), which is what register data are.
//!
//! Used when the grid is not much larger than the data (`cells * m <= 4 n + 65536`); otherwise
//! the estimators sort rows per block (`risk::Blocks`).

use super::risk::RiskTable;
use crate::data::SurvData;
use crate::sort::argsort;

/// Distinct values, ascending, and each row's rank among them.
#[derive(Debug, Clone)]
pub struct TimeIndex {
    pub times: Vec<f64>,
    pub rank: Vec<u32>,
}

impl TimeIndex {
    pub fn new(values: &[f64]) -> Self {
        Self::integer(values).unwrap_or_else(|| Self::sorted(values))
    }

    /// Whole numbers in a range not much wider than the data: a counting pass, no sort.
    fn integer(values: &[f64]) -> Option<Self> {
        let n = values.len();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &v in values {
            if v != v.trunc() {
                return None;
            }
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let span = hi - lo;
        if !(span.is_finite() && span < (4 * n + 65_536) as f64) {
            return None;
        }
        let span = span as usize + 1;
        let mut map = vec![u32::MAX; span];
        for &v in values {
            map[(v - lo) as usize] = 0;
        }
        let mut times = Vec::new();
        for (k, slot) in map.iter_mut().enumerate() {
            if *slot == 0 {
                *slot = times.len() as u32;
                times.push(lo + k as f64);
            }
        }
        let rank = values.iter().map(|&v| map[(v - lo) as usize]).collect();
        Some(TimeIndex { times, rank })
    }

    fn sorted(values: &[f64]) -> Self {
        let order = argsort(values);
        let mut rank = vec![0u32; values.len()];
        let mut times: Vec<f64> = Vec::new();
        for &i in &order {
            let v = values[i as usize];
            if times.last() != Some(&v) {
                times.push(v);
            }
            rank[i as usize] = (times.len() - 1) as u32;
        }
        TimeIndex { times, rank }
    }

    pub fn len(&self) -> usize {
        self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// For each entry time, the number of distinct times <= it: the row is at risk from that
    /// rank on.
    pub fn entry_positions(&self, entry: &[f64]) -> Vec<u32> {
        entry.iter().map(|&e| self.times.partition_point(|&t| t <= e) as u32).collect()
    }
}

/// Whether a dense grid of `cells` x `m` is worth it for `n` rows.
pub fn use_grid(n: usize, cells: usize, m: usize) -> bool {
    cells.saturating_mul(m) <= 4 * n + 65_536
}

/// Weighted event, censoring and entry counts per (cell, distinct time).
#[derive(Debug, Clone)]
pub struct Grid {
    pub m: usize,
    pub n_cells: usize,
    pub event: Vec<f64>,
    pub censor: Vec<f64>,
    /// Weight entering at each position (length `m + 1` per cell), with delayed entry.
    pub enter: Option<Vec<f64>>,
}

impl Grid {
    pub fn build(
        data: &SurvData,
        w: Option<&[f64]>,
        tix: &TimeIndex,
        entry_pos: Option<&[u32]>,
        cell: impl Fn(usize) -> usize,
        n_cells: usize,
    ) -> Self {
        let m = tix.len();
        let mut event = vec![0.0; n_cells * m];
        let mut censor = vec![0.0; n_cells * m];
        let mut enter = entry_pos.map(|_| vec![0.0; n_cells * (m + 1)]);
        for i in 0..data.len() {
            let wi = w.map_or(1.0, |w| w[i]);
            let c = cell(i);
            let k = c * m + tix.rank[i] as usize;
            if data.event[i] == 1 {
                event[k] += wi;
            } else {
                censor[k] += wi;
            }
            if let (Some(en), Some(pos)) = (enter.as_mut(), entry_pos) {
                en[c * (m + 1) + pos[i] as usize] += wi;
            }
        }
        Grid { m, n_cells, event, censor, enter }
    }

    /// Weighted number at risk of a cell at every distinct time (descending reverse sums).
    pub fn at_risk(&self, c: usize) -> Vec<f64> {
        let m = self.m;
        let mut out = vec![0.0; m];
        let (mut r_exit, mut r_entry) = (0.0, 0.0);
        for j in (0..m).rev() {
            r_exit += self.event[c * m + j] + self.censor[c * m + j];
            if let Some(en) = &self.enter {
                r_entry += en[c * (m + 1) + j + 1];
            }
            out[j] = r_exit - r_entry;
        }
        out
    }

    /// The risk table of one cell: the distinct times at which it has rows leaving.
    pub fn table(&self, c: usize, tix: &TimeIndex) -> RiskTable {
        let risk = self.at_risk(c);
        let m = self.m;
        let mut t = RiskTable::default();
        for j in 0..m {
            let (d, cz) = (self.event[c * m + j], self.censor[c * m + j]);
            if d + cz > 0.0 {
                t.time.push(tix.times[j]);
                t.n_risk.push(risk[j]);
                t.n_event.push(d);
                t.n_censor.push(cz);
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_sorted_paths_agree() {
        let v = [3.0, 1.0, 7.0, 3.0, 0.0, 7.0];
        let a = TimeIndex::integer(&v).unwrap();
        let b = TimeIndex::sorted(&v);
        assert_eq!(a.times, vec![0.0, 1.0, 3.0, 7.0]);
        assert_eq!(a.times, b.times);
        assert_eq!(a.rank, b.rank);
        assert!(TimeIndex::integer(&[0.5, 1.0]).is_none());
        assert!(TimeIndex::integer(&[0.0, 1e12]).is_none());
        assert_eq!(a.entry_positions(&[-1.0, 0.0, 2.5, 7.0]), vec![0, 1, 2, 4]);
    }
}
