//! The fast path for tied (register) data: weighted counts are added into a dense
//! (cell x distinct time) grid in one sequential pass over the rows, and the curves and tests sweep
//! the grid. When the exit times are whole numbers in a modest range (months, weeks, days: what
//! register data are) there is no sort at all: a row's column is `time - min`, and empty columns
//! are dropped afterwards. Other times are ranked by one radix sort.
//!
//! Used when the grid is not much larger than the data; otherwise the estimators sort rows per
//! block (`risk::Blocks`). A cell is a group (Kaplan-Meier) or a stratum x group (log-rank).

use super::risk::RiskTable;
use crate::data::SurvData;
use crate::sort::argsort;

/// Weighted event, censoring and entry counts per (cell, distinct exit time).
#[derive(Debug, Clone)]
pub struct Grid {
    /// The distinct exit times, ascending (columns of the grid).
    pub times: Vec<f64>,
    pub m: usize,
    pub n_cells: usize,
    pub event: Vec<f64>,
    pub censor: Vec<f64>,
    /// Weight entering at each position (length `m + 1` per cell), with delayed entry: a row
    /// whose entry time has `p` distinct exit times at or before it is at risk from column `p`.
    pub enter: Option<Vec<f64>>,
}

/// Adds a row's weight to the event or the censoring count without a branch (the event column of
/// real data is in random order, where a branch mispredicts half the time).
#[inline(always)]
fn add(event: &mut [f64], censor: &mut [f64], k: usize, e: u8, w: f64) {
    let we = w * e as f64;
    event[k] += we;
    censor[k] += w - we;
}

impl Grid {
    /// The grid, or `None` when the exit times are not whole numbers in a range of at most
    /// `(4 n + 65536) / cells` (untied or widely spread times: sorting rows per block is faster
    /// than a grid that is mostly empty).
    pub fn build(data: &SurvData, w: Option<&[f64]>, cell: impl Fn(usize) -> usize, n_cells: usize) -> Option<Self> {
        Self::build_with(data, w, cell, n_cells, false)
    }

    /// As [`Grid::build`], but ranking non-whole times by a sort when `sort_untied` is set and
    /// the grid stays within `4 n + 65536` cells.
    pub fn build_with(data: &SurvData, w: Option<&[f64]>, cell: impl Fn(usize) -> usize, n_cells: usize, sort_untied: bool) -> Option<Self> {
        let n = data.len();
        let limit = 4 * n + 65_536;
        let wt = |i: usize| w.map_or(1.0, |w| w[i]);
        let span = data.whole_range.map(|(lo, hi)| (lo, (hi - lo) as usize + 1)).filter(|&(_, s)| s.saturating_mul(n_cells) <= limit);
        let (times, event, censor) = if let Some((lo, s)) = span {
            let mut event = vec![0.0; n_cells * s];
            let mut censor = vec![0.0; n_cells * s];
            for i in 0..n {
                let k = cell(i) * s + (data.exit[i] - lo) as usize;
                add(&mut event, &mut censor, k, data.event[i], wt(i));
            }
            // Keep the columns in which some row leaves.
            let keep: Vec<usize> = (0..s)
                .filter(|&j| (0..n_cells).any(|c| event[c * s + j] + censor[c * s + j] > 0.0))
                .collect();
            let compress = |v: &[f64]| -> Vec<f64> {
                (0..n_cells).flat_map(|c| keep.iter().map(move |&j| v[c * s + j])).collect()
            };
            let times = keep.iter().map(|&j| lo + j as f64).collect();
            (times, compress(&event), compress(&censor))
        } else {
            if !sort_untied || n_cells.saturating_mul(n) > limit {
                return None;
            }
            let order = argsort(data.exit);
            let mut rank = vec![0u32; n];
            let mut times: Vec<f64> = Vec::new();
            for &i in &order {
                let v = data.exit[i as usize];
                if times.last() != Some(&v) {
                    times.push(v);
                }
                rank[i as usize] = (times.len() - 1) as u32;
            }
            let m = times.len();
            let mut event = vec![0.0; n_cells * m];
            let mut censor = vec![0.0; n_cells * m];
            for (i, &r) in rank.iter().enumerate() {
                add(&mut event, &mut censor, cell(i) * m + r as usize, data.event[i], wt(i));
            }
            (times, event, censor)
        };
        let m = times.len();
        let enter = data.entry.map(|entry| {
            let mut en = vec![0.0; n_cells * (m + 1)];
            for i in 0..n {
                let p = times.partition_point(|&t| t <= entry[i]);
                en[cell(i) * (m + 1) + p] += wt(i);
            }
            en
        });
        Some(Grid { times, m, n_cells, event, censor, enter })
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
    pub fn table(&self, c: usize) -> RiskTable {
        let risk = self.at_risk(c);
        let m = self.m;
        let mut t = RiskTable::default();
        for (j, &r) in risk.iter().enumerate() {
            let (d, cz) = (self.event[c * m + j], self.censor[c * m + j]);
            if d + cz > 0.0 {
                t.time.push(self.times[j]);
                t.n_risk.push(r);
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
    fn whole_and_sorted_times_give_the_same_grid() {
        let t = [3.0, 1.0, 7.0, 3.0, 0.0, 7.0];
        let e = [1u8, 0, 1, 1, 0, 0];
        let s = [-1.0, 0.0, 2.5, 0.0, -2.0, 6.5];
        let whole = SurvData::new(&t, &e, Some(&s), None).unwrap();
        let mut sorted = whole;
        sorted.whole_range = None;
        let a = Grid::build(&whole, None, |i| i % 2, 2).unwrap();
        let b = Grid::build_with(&sorted, None, |i| i % 2, 2, true).unwrap();
        assert!(Grid::build(&sorted, None, |i| i % 2, 2).is_none());
        assert_eq!(a.times, vec![0.0, 1.0, 3.0, 7.0]);
        assert_eq!((&a.times, &a.event, &a.censor, &a.enter), (&b.times, &b.event, &b.censor, &b.enter));
        // Row 2 enters at 2.5: two exit times (0, 1) lie before it, so it is at risk from column 2.
        assert_eq!(a.enter.as_ref().unwrap()[2], 1.0);
        assert!(Grid::build_with(&sorted, None, |i| i % 6, 10_000_000, true).is_none());
    }
}
