//! Register panel (one row per person per period) to spells (maximal runs of one state).
//!
//! Rules, in the order they apply:
//! 1. Rows are ordered by (person, period); a panel already in that order is not sorted again.
//!    Two rows for one person and period are an error.
//! 2. A *run* is a stretch of rows of one person in one state over consecutive periods. A period
//!    with no row, or a row whose state is [`UNOBSERVED`], is not observed.
//! 3. Runs of state `s` separated by at most `max_gap[s]` periods (observed in other states or not
//!    observed at all), or by at most `max_unobserved` periods that are all unobserved, are joined
//!    into one spell; the periods in between belong to that spell
//!    (`n_bridged` counts them) and to no other spell.
//! 4. Every observed row belongs to exactly one spell (`row_spell`), or to none when its state is
//!    unobserved and it was not bridged.
//! 5. Each spell records how it ended: the state of the spell that starts in the next period, or
//!    [`NEXT_UNOBSERVED`] when the next period is not observed but the person has later rows, or
//!    [`NEXT_END`] when the person has no later rows.

use crate::error::{Error, Field, Result};

/// State code of a row that is not observed (missing status).
pub const UNOBSERVED: u8 = u8::MAX;
/// `next` of a spell after which the person's data end.
pub const NEXT_END: i16 = -1;
/// `next` of a spell followed by an unobserved period (the person is observed again later).
pub const NEXT_UNOBSERVED: i16 = -2;

/// The panel columns: person codes 0..n_persons (any order), integer periods, state codes
/// 0..n_states or [`UNOBSERVED`].
#[derive(Debug, Clone, Copy)]
pub struct Panel<'a> {
    pub person: &'a [u32],
    pub period: &'a [i64],
    pub state: &'a [u8],
    pub n_persons: usize,
    pub n_states: usize,
    /// Optional key per row (the employer): a change of key starts a new spell, also within one
    /// state, and gaps are bridged only between runs with the same key. `u32::MAX`: no key.
    pub key: Option<&'a [u32]>,
}

/// Spells in (person, start) order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spells {
    pub person: Vec<u32>,
    pub state: Vec<u8>,
    /// First and last period of the spell (inclusive).
    pub start: Vec<i64>,
    pub end: Vec<i64>,
    /// Panel rows inside the spell (its own and bridged ones).
    pub n_rows: Vec<u32>,
    /// Periods inside the spell not observed in the spell's state (bridged gaps).
    pub n_bridged: Vec<u32>,
    /// State of the following spell, or [`NEXT_END`] / [`NEXT_UNOBSERVED`].
    pub next: Vec<i16>,
    /// First index of each person's spells: spells of person p are `first[p]..first[p + 1]`.
    pub first: Vec<usize>,
    /// First and last observed period of each person (`i64::MIN` for a person with no observed row).
    pub person_first: Vec<i64>,
    pub person_last: Vec<i64>,
    /// First and last period of the whole panel.
    pub panel_first: i64,
    pub panel_last: i64,
    /// For each input row, its spell, or `u32::MAX` for an unobserved row outside every spell.
    pub row_spell: Option<Vec<u32>>,
    /// The key (employer) of each spell (`u32::MAX`: none); empty without keys.
    pub key: Vec<u32>,
}

impl Spells {
    pub fn len(&self) -> usize {
        self.person.len()
    }

    pub fn is_empty(&self) -> bool {
        self.person.is_empty()
    }

    /// Length of spell `i` in periods, bridged periods included.
    pub fn duration(&self, i: usize) -> i64 {
        self.end[i] - self.start[i] + 1
    }

    /// Spell index range of person `p`.
    pub fn of(&self, p: usize) -> std::ops::Range<usize> {
        self.first[p]..self.first[p + 1]
    }
}

struct Run {
    state: u8,
    key: u32,
    start: i64,
    end: i64,
    rows: u32,
    /// Position in `order` of the run's first row.
    at: usize,
}

fn validate(panel: &Panel<'_>, max_gap: &[i64]) -> Result<()> {
    let n = panel.person.len();
    if n == 0 {
        return Err(Error::Empty);
    }
    for (field, len) in [
        (Field::Period, panel.period.len()),
        (Field::Status, panel.state.len()),
    ] {
        if len != n {
            return Err(Error::LengthMismatch {
                field,
                expected: n,
                found: len,
            });
        }
    }
    if let Some(k) = panel.key {
        if k.len() != n {
            return Err(Error::LengthMismatch { field: Field::Status, expected: n, found: k.len() });
        }
    }
    if panel.n_states == 0 || panel.n_states >= UNOBSERVED as usize {
        return Err(Error::InvalidArgument(format!(
            "between 1 and 254 states are allowed, not {}",
            panel.n_states
        )));
    }
    if max_gap.len() != panel.n_states {
        return Err(Error::InvalidArgument(format!(
            "max_gap has {} entries for {} states",
            max_gap.len(),
            panel.n_states
        )));
    }
    if max_gap.iter().any(|&g| g < 0) {
        return Err(Error::InvalidArgument("max_gap must be >= 0".into()));
    }
    for (row, &p) in panel.person.iter().enumerate() {
        if p as usize >= panel.n_persons {
            return Err(Error::InvalidValue {
                field: Field::Person,
                row,
                reason: "person code out of range",
            });
        }
    }
    for (row, &s) in panel.state.iter().enumerate() {
        if s != UNOBSERVED && s as usize >= panel.n_states {
            return Err(Error::InvalidValue {
                field: Field::Status,
                row,
                reason: "state code out of range",
            });
        }
    }
    for (row, &t) in panel.period.iter().enumerate() {
        if !(-(1i64 << 40)..(1i64 << 40)).contains(&t) {
            return Err(Error::InvalidValue {
                field: Field::Period,
                row,
                reason: "period out of range",
            });
        }
    }
    Ok(())
}

/// Row order by (person, period): `None` when the panel is already in that order.
fn row_order(panel: &Panel<'_>) -> Option<Vec<u32>> {
    let (pe, t) = (panel.person, panel.period);
    let sorted = (1..pe.len()).all(|i| (pe[i - 1], t[i - 1]) <= (pe[i], t[i]));
    if sorted {
        return None;
    }
    let mut idx: Vec<u32> = (0..pe.len() as u32).collect();
    idx.sort_unstable_by_key(|&i| (pe[i as usize], t[i as usize]));
    Some(idx)
}

/// Builds the spells of every person. `max_gap[s]` is the longest interruption (in periods) that
/// does not end a spell of state `s`; `max_unobserved` the longest stretch of unobserved periods
/// alone (no row, or an unobserved state) that does not end a spell of any state. With
/// `keep_rows`, `row_spell` maps rows to spells.
pub fn build_spells(
    panel: &Panel<'_>,
    max_gap: &[i64],
    max_unobserved: i64,
    keep_rows: bool,
) -> Result<Spells> {
    validate(panel, max_gap)?;
    if max_unobserved < 0 {
        return Err(Error::InvalidArgument("max_unobserved must be >= 0".into()));
    }
    let n = panel.person.len();
    let order = row_order(panel);
    let row = |k: usize| -> usize {
        match &order {
            Some(o) => o[k] as usize,
            None => k,
        }
    };
    let mut out = Spells {
        person_first: vec![i64::MIN; panel.n_persons],
        person_last: vec![i64::MIN; panel.n_persons],
        first: Vec::with_capacity(panel.n_persons + 1),
        panel_first: i64::MAX,
        panel_last: i64::MIN,
        row_spell: keep_rows.then(|| vec![u32::MAX; n]),
        ..Default::default()
    };
    let mut runs: Vec<Run> = Vec::new();
    let mut k = 0usize;
    for p in 0..panel.n_persons {
        out.first.push(out.person.len());
        // Rows of person p are order positions k..k_end.
        let k0 = k;
        while k < n && panel.person[row(k)] as usize == p {
            k += 1;
        }
        if k == k0 {
            continue;
        }
        runs.clear();
        for j in k0..k {
            let r = row(j);
            let (t, s) = (panel.period[r], panel.state[r]);
            let key = panel.key.map_or(u32::MAX, |k| k[r]);
            if j > k0 && panel.period[row(j - 1)] == t {
                return Err(Error::InvalidValue {
                    field: Field::Period,
                    row: r,
                    reason: "a second row for the same person and period",
                });
            }
            match runs.last_mut() {
                Some(last) if last.state == s && last.key == key && last.end + 1 == t => {
                    last.end = t;
                    last.rows += 1;
                }
                _ => runs.push(Run {
                    state: s,
                    key,
                    start: t,
                    end: t,
                    rows: 1,
                    at: j,
                }),
            }
        }
        let observed: Vec<&Run> = runs.iter().filter(|r| r.state != UNOBSERVED).collect();
        if let (Some(a), Some(b)) = (observed.first(), observed.last()) {
            out.person_first[p] = a.start;
            out.person_last[p] = b.end;
            out.panel_first = out.panel_first.min(a.start);
            out.panel_last = out.panel_last.max(b.end);
        }
        let mut i = 0;
        while i < runs.len() {
            let s = runs[i].state;
            if s == UNOBSERVED {
                i += 1;
                continue;
            }
            let gap = max_gap[s as usize];
            let reach = gap.max(max_unobserved);
            let (start, mut end, mut last) = (runs[i].start, runs[i].end, i);
            let mut j = i + 1;
            // Whether everything since the spell's current end is unobserved (holes, or rows
            // with an unobserved state): such a stretch may be bridged up to `max_unobserved`.
            let mut only_unobserved = true;
            while j < runs.len() && runs[j].start - end - 1 <= reach {
                let interruption = runs[j].start - end - 1;
                if runs[j].state == s && runs[j].key == runs[i].key && (interruption <= gap || only_unobserved) {
                    end = runs[j].end;
                    last = j;
                    only_unobserved = true;
                } else if runs[j].state != UNOBSERVED {
                    only_unobserved = false;
                }
                j += 1;
            }
            let rows: u32 = runs[i..=last].iter().map(|r| r.rows).sum();
            let own: i64 = runs[i..=last]
                .iter()
                .filter(|r| r.state == s)
                .map(|r| r.end - r.start + 1)
                .sum();
            let next = match runs.get(last + 1) {
                None => NEXT_END,
                Some(r) if r.start == end + 1 && r.state != UNOBSERVED => r.state as i16,
                Some(_) => NEXT_UNOBSERVED,
            };
            let id = out.person.len() as u32;
            if let Some(rs) = out.row_spell.as_mut() {
                let (a, b) = (runs[i].at, runs[last].at + runs[last].rows as usize);
                for jj in a..b {
                    rs[row(jj)] = id;
                }
            }
            out.person.push(p as u32);
            out.state.push(s);
            if panel.key.is_some() {
                out.key.push(runs[i].key);
            }
            out.start.push(start);
            out.end.push(end);
            out.n_rows.push(rows);
            out.n_bridged.push((end - start + 1 - own) as u32);
            out.next.push(next);
            i = last + 1;
        }
    }
    out.first.push(out.person.len());
    if out.panel_first > out.panel_last {
        return Err(Error::Degenerate(
            "no row of the panel has an observed status".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel<'a>(
        person: &'a [u32],
        period: &'a [i64],
        state: &'a [u8],
        n_persons: usize,
    ) -> Panel<'a> {
        Panel {
            key: None,
            person,
            period,
            state,
            n_persons,
            n_states: 3,
        }
    }

    #[test]
    fn a_change_of_employer_starts_a_spell_and_gaps_bridge_only_the_same_employer() {
        // work (state 1) with employers 7 7 8 8 | benefit | work 8, and a one-period gap:
        // periods 0..3 work (7, 7, 8, 8), 4 benefit, 5 work 8, then 7 work 9 (period 6 missing)
        let person = [0u32; 7];
        let period = [0, 1, 2, 3, 4, 5, 7];
        let state = [1u8, 1, 1, 1, 0, 1, 1];
        let key = [7u32, 7, 8, 8, u32::MAX, 8, 9];
        let mut p = panel(&person, &period, &state, 1);
        p.key = Some(&key);
        let s = build_spells(&p, &[0, 1, 0], 1, false).unwrap();
        // the benefit month bridges 8 .. 8 (max_gap 1 for work), the gap before employer 9 does not
        assert_eq!(s.state, vec![1, 1, 1]);
        assert_eq!(s.key, vec![7, 8, 9]);
        assert_eq!((s.start.clone(), s.end.clone()), (vec![0, 2, 7], vec![1, 5, 7]));
        assert_eq!(s.next, vec![1, NEXT_UNOBSERVED, NEXT_END]);
        // without keys: one work spell 0..5 and one from 7
        let plain = build_spells(&panel(&person, &period, &state, 1), &[0, 1, 0], 1, false).unwrap();
        assert_eq!(plain.start, vec![0]);
        assert!(plain.key.is_empty());
    }

    #[test]
    fn runs_gaps_and_endings() {
        // person 0: states 0 0 1 0 0 _ 2 (period 5 missing), person 1: 1 1 (starts late)
        let person = [0, 0, 0, 0, 0, 0, 1, 1];
        let period = [0, 1, 2, 3, 4, 6, 3, 4];
        let state = [0, 0, 1, 0, 0, 2, 1, 1];
        let no_gap =
            build_spells(&panel(&person, &period, &state, 2), &[0, 0, 0], 0, true).unwrap();
        assert_eq!(no_gap.state, vec![0, 1, 0, 2, 1]);
        assert_eq!(no_gap.start, vec![0, 2, 3, 6, 3]);
        assert_eq!(no_gap.end, vec![1, 2, 4, 6, 4]);
        assert_eq!(no_gap.next, vec![1, 0, NEXT_UNOBSERVED, NEXT_END, NEXT_END]);
        assert_eq!(no_gap.first, vec![0, 4, 5]);
        // A one-period interruption of state 0 is bridged: one spell 0..4 holding the state-1 row.
        let gap = build_spells(&panel(&person, &period, &state, 2), &[1, 0, 0], 0, true).unwrap();
        assert_eq!(gap.state, vec![0, 2, 1]);
        assert_eq!(
            (gap.start[0], gap.end[0], gap.n_rows[0], gap.n_bridged[0]),
            (0, 4, 5, 1)
        );
        assert_eq!(
            gap.row_spell.as_ref().unwrap(),
            &vec![0, 0, 0, 0, 0, 1, 2, 2]
        );
        assert_eq!((gap.panel_first, gap.panel_last), (0, 6));
        assert_eq!((gap.person_first[1], gap.person_last[1]), (3, 4));
    }

    #[test]
    fn unsorted_input_gives_the_same_spells() {
        let person = [1, 0, 0, 1, 0];
        let period = [4, 2, 0, 3, 1];
        let state = [1, 0, 0, 1, UNOBSERVED];
        let a = build_spells(&panel(&person, &period, &state, 2), &[1, 0, 0], 0, false).unwrap();
        assert_eq!(a.state, vec![0, 1]);
        assert_eq!((a.start[0], a.end[0], a.n_bridged[0]), (0, 2, 1));
        // Only unobserved periods bridged: a missing month inside a benefit spell, not a job.
        let person = [0, 0, 0, 0, 0, 0];
        let period = [0, 1, 2, 3, 4, 5];
        let state = [0, UNOBSERVED, 0, 1, 0, 0];
        let b = build_spells(&panel(&person, &period, &state, 1), &[0, 0, 0], 1, false).unwrap();
        assert_eq!(b.state, vec![0, 1, 0]);
        assert_eq!((b.start[0], b.end[0], b.n_bridged[0]), (0, 2, 1));
        let dup = build_spells(&panel(&[0, 0], &[1, 1], &[0, 0], 1), &[0, 0, 0], 0, false);
        assert!(matches!(
            dup,
            Err(Error::InvalidValue {
                field: Field::Period,
                ..
            })
        ));
    }
}
