//! Spells to one analysis row per person: the outcome definitions evaluators use.
//!
//! Clock: time is counted in periods from each person's origin `o` (the programme start, or the
//! start of the benefit spell). An event "in period `o + t`" happens at time `t`: a job that
//! starts in the month after the programme month is at time 1; a person on benefit in months
//! `o..=e` who is off benefit in month `e + 1` leaves at time `e + 1 - o` (the months on benefit).
//! A person observed through period `c` without the event is censored at the last time at which
//! the event is known not to have happened. A person first observed in period `f > o` enters at
//! `f - o` (delayed entry). Times beyond `horizon` are censored there.

use super::build::{Spells, NEXT_END, NEXT_UNOBSERVED};
use crate::error::{Error, Result};

/// Why a person's row ended as it did (or was dropped). Codes cross into Python as u8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Reason {
    Event = 0,
    /// The person's data end (end of the panel, or the person left it).
    CensoredEnd = 1,
    /// The next period is not observed (a gap in the person's rows).
    CensoredUnobserved = 2,
    /// The data end before the rule can decide (a job too short so far; an exit not yet confirmed).
    CensoredUndetermined = 3,
    /// Administrative censoring at the horizon.
    CensoredHorizon = 4,
    DropNoOrigin = 10,
    DropNoDataAfterOrigin = 11,
    /// In the target state at the origin (or at the first observed period after it).
    DropInTargetAtStart = 12,
    /// Not in the state the exit is from at the origin (or at the first observed period after it).
    DropNotInFromState = 13,
    /// No time at risk: censored at or before entry.
    DropNoFollowUp = 14,
}

impl Reason {
    pub fn is_dropped(self) -> bool {
        self as u8 >= 10
    }
}

/// When the event of a "first spell of at least `min_len` periods" outcome happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventAt {
    /// At the start of the qualifying spell.
    Start,
    /// At the end of its `min_len`-th period, when it is known to qualify.
    Confirmed,
}

/// One row per person (persons in code order); dropped persons carry their reason and NaN times.
///
/// `lower` and `upper` give the same outcome as interval-censored data, `T` in `(lower, upper]`:
/// an event at `t` is `(t, t)`, a censoring at `c` is `(c, inf)`, and a censoring at a gap in
/// the data followed later by a qualifying spell at `u` is `(c, u)`: the event happened in the
/// gap or at `u`. They are set for persons dropped for having no time at risk too (a gap right
/// after the origin), who carry information only in this form; NaN for the other drops.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub duration: Vec<f64>,
    pub event: Vec<u8>,
    pub entry: Vec<f64>,
    pub reason: Vec<u8>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

impl Outcome {
    fn with_len(n: usize) -> Self {
        Outcome {
            duration: vec![f64::NAN; n],
            event: vec![0; n],
            entry: vec![f64::NAN; n],
            reason: vec![0; n],
            lower: vec![f64::NAN; n],
            upper: vec![f64::NAN; n],
        }
    }

    fn set(
        &mut self,
        p: usize,
        entry: i64,
        time: i64,
        event: u8,
        reason: Reason,
        horizon: Option<i64>,
    ) {
        let (time, event, reason) = match horizon {
            Some(h) if time > h => (h, 0, Reason::CensoredHorizon),
            _ => (time, event, reason),
        };
        self.lower[p] = time as f64;
        self.upper[p] = if event > 0 { time as f64 } else { f64::INFINITY };
        if time <= entry {
            self.reason[p] = Reason::DropNoFollowUp as u8;
            return;
        }
        self.duration[p] = time as f64;
        self.entry[p] = entry as f64;
        self.event[p] = event;
        self.reason[p] = reason as u8;
    }

    fn drop(&mut self, p: usize, reason: Reason) {
        self.reason[p] = reason as u8;
    }
}

fn check_origin(spells: &Spells, origin: &[i64]) -> Result<()> {
    let n_persons = spells.first.len() - 1;
    if origin.len() != n_persons {
        return Err(Error::InvalidArgument(format!(
            "origin has {} values for {} persons",
            origin.len(),
            n_persons
        )));
    }
    Ok(())
}

/// The first spell of person `p` that reaches the origin (ends at or after it), if the person has
/// an origin and data after it; otherwise the drop reason.
fn first_spell(spells: &Spells, p: usize, o: i64) -> std::result::Result<usize, Reason> {
    if o == i64::MIN {
        return Err(Reason::DropNoOrigin);
    }
    if spells.person_last[p] == i64::MIN || spells.person_last[p] < o {
        return Err(Reason::DropNoDataAfterOrigin);
    }
    let range = spells.of(p);
    let k = range.start + spells.end[range.clone()].partition_point(|&e| e < o);
    Ok(k)
}

/// Time from the origin to the first spell in a `target` state that lasts at least `min_len`
/// periods (bridged periods count) and starts after the origin. Adjacent spells in target states
/// (part-time work followed by full-time work) count as one run.
///
/// A shorter target spell that ended in an observed state does not count and the search goes on;
/// one still running when the data end (or before a gap) leaves the outcome undetermined: censored
/// just before its start (`Start`) or at its last observed period (`Confirmed`). Persons in a
/// target state at the origin (or at their first observed period after it) are dropped.
pub fn first_entry(
    spells: &Spells,
    origin: &[i64],
    target: &[bool],
    min_len: i64,
    event_at: EventAt,
    horizon: Option<i64>,
) -> Result<Outcome> {
    check_origin(spells, origin)?;
    if min_len < 1 {
        return Err(Error::InvalidArgument(format!(
            "min_duration must be at least 1, not {min_len}"
        )));
    }
    let n_persons = origin.len();
    let mut out = Outcome::with_len(n_persons);
    for p in 0..n_persons {
        let o = origin[p];
        let i = match first_spell(spells, p, o) {
            Ok(i) => i,
            Err(r) => {
                out.drop(p, r);
                continue;
            }
        };
        let is_target = |j: usize| {
            target
                .get(spells.state[j] as usize)
                .copied()
                .unwrap_or(false)
        };
        if is_target(i) {
            out.drop(p, Reason::DropInTargetAtStart);
            continue;
        }
        let entry = (spells.start[i] - o).max(0);
        let confirmed = event_at == EventAt::Confirmed;
        let end_p = spells.of(p).end;
        let mut j = i;
        while j < end_p {
            let (s, mut e, mut next) = (spells.start[j], spells.end[j], spells.next[j]);
            if is_target(j) {
                // Adjacent spells in target states (part-time then full-time work) are one run.
                while j + 1 < end_p && next >= 0 && is_target(j + 1) {
                    j += 1;
                    e = spells.end[j];
                    next = spells.next[j];
                }
                if e - s + 1 >= min_len {
                    let t = if confirmed { s + min_len - o } else { s - o };
                    out.set(p, entry, t, 1, Reason::Event, horizon);
                    break;
                }
                if next == NEXT_END || next == NEXT_UNOBSERVED {
                    let t = if confirmed { e + 1 - o } else { s - 1 - o };
                    out.set(p, entry, t, 0, Reason::CensoredUndetermined, horizon);
                    break;
                }
            } else if next == NEXT_END || next == NEXT_UNOBSERVED {
                let t = if confirmed { e + 1 - o } else { e - o };
                let r = if next == NEXT_END {
                    Reason::CensoredEnd
                } else {
                    Reason::CensoredUnobserved
                };
                out.set(p, entry, t, 0, r, horizon);
                if next == NEXT_UNOBSERVED {
                    // After the gap: the first qualifying run bounds the event from above.
                    if let Some(u) = first_run_after(spells, j + 1, end_p, &is_target, min_len) {
                        let u = if confirmed { u + min_len - o } else { u - o };
                        if horizon.is_none_or(|h| u <= h) {
                            out.upper[p] = u as f64;
                        }
                    }
                }
                break;
            }
            j += 1;
        }
    }
    Ok(out)
}

/// The start of the first run of target spells from spell `j` on that is observed to last at
/// least `min_len` periods (adjacent target spells count as one run): whatever happened in the
/// gaps before it, the first qualifying run started at or before it.
fn first_run_after(spells: &Spells, mut j: usize, end_p: usize, is_target: &impl Fn(usize) -> bool, min_len: i64) -> Option<i64> {
    while j < end_p {
        if is_target(j) {
            let (s, mut e, mut next) = (spells.start[j], spells.end[j], spells.next[j]);
            while j + 1 < end_p && next >= 0 && is_target(j + 1) {
                j += 1;
                e = spells.end[j];
                next = spells.next[j];
            }
            if e - s + 1 >= min_len {
                return Some(s);
            }
        }
        j += 1;
    }
    None
}

/// Leaving the `from` state after the origin, by destination: `cause[s]` (1..) is the cause code
/// of an exit into state `s`. The person must be in `from` at the origin (or at the first observed
/// period after it). With `confirm_lag = L > 0`, an exit into a state with `confirm[s]` counts as
/// cause `cause[s]` only if the person is in a `confirm` state in period `e + 1 + L` and in `from`
/// in none of the periods `e + 1 ..= e + 1 + L` (`e` the last period in `from`); otherwise it is
/// an exit of cause `other`. When those periods are not all observed, the person is censored just
/// before the exit.
#[allow(clippy::too_many_arguments)]
pub fn exit_from(
    spells: &Spells,
    origin: &[i64],
    from: u8,
    cause: &[u8],
    confirm: &[bool],
    confirm_lag: i64,
    other: u8,
    horizon: Option<i64>,
) -> Result<Outcome> {
    check_origin(spells, origin)?;
    if confirm_lag < 0 {
        return Err(Error::InvalidArgument(format!(
            "confirm_lag must be >= 0, not {confirm_lag}"
        )));
    }
    if cause
        .iter()
        .enumerate()
        .any(|(s, &c)| s != from as usize && c == 0)
        || other == 0
    {
        return Err(Error::InvalidArgument(
            "every destination needs a cause code of at least 1".into(),
        ));
    }
    let n_persons = origin.len();
    let mut out = Outcome::with_len(n_persons);
    for p in 0..n_persons {
        let o = origin[p];
        let i = match first_spell(spells, p, o) {
            Ok(i) => i,
            Err(r) => {
                out.drop(p, r);
                continue;
            }
        };
        if spells.state[i] != from {
            out.drop(p, Reason::DropNotInFromState);
            continue;
        }
        let entry = (spells.start[i] - o).max(0);
        let e = spells.end[i];
        let next = spells.next[i];
        if next == NEXT_END || next == NEXT_UNOBSERVED {
            let r = if next == NEXT_END {
                Reason::CensoredEnd
            } else {
                Reason::CensoredUnobserved
            };
            out.set(p, entry, e - o, 0, r, horizon);
            continue;
        }
        let dest = next as usize;
        let mut code = cause[dest];
        if confirm_lag > 0 && confirm.get(dest).copied().unwrap_or(false) {
            let until = e + 1 + confirm_lag;
            // Walk the following spells over e+1 ..= until.
            let mut covered = e;
            let mut ok = true;
            let mut undetermined = false;
            for j in (i + 1)..spells.of(p).end {
                if spells.start[j] != covered + 1 {
                    undetermined = true;
                    break;
                }
                if spells.state[j] == from {
                    ok = false;
                }
                covered = spells.end[j];
                if covered >= until {
                    if !confirm
                        .get(spells.state[j] as usize)
                        .copied()
                        .unwrap_or(false)
                    {
                        ok = false;
                    }
                    break;
                }
            }
            if covered < until {
                undetermined = true;
            }
            if undetermined && ok {
                out.set(p, entry, e - o, 0, Reason::CensoredUndetermined, horizon);
                continue;
            }
            if !ok {
                code = other;
            }
        }
        out.set(p, entry, e + 1 - o, code, Reason::Event, horizon);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::build::{build_spells, Panel};
    use super::*;

    // states: 0 benefit, 1 work, 2 other
    fn spells_of(rows: &[(u32, i64, u8)], n_persons: usize) -> Spells {
        let person: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let period: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let state: Vec<u8> = rows.iter().map(|r| r.2).collect();
        build_spells(
            &Panel {
                key: None,
                person: &person,
                period: &period,
                state: &state,
                n_persons,
                n_states: 3,
            },
            &[0, 0, 0],
            0,
            false,
        )
        .unwrap()
    }

    #[test]
    fn a_gap_before_the_job_makes_the_event_interval_censored() {
        // p0: benefit 0, (month 1 missing), other 2-4, work 5-8: the first job started in month 1
        //     or in month 5, so T in (0, 5]; right-censored at 0 it has no time at risk.
        // p1: benefit 0-1, (2 missing), other 3, work 4 only, other 5, work 6-7 (end): for jobs of
        //     2+ months T in (1, 6] (the one-month job at 4 does not qualify).
        // p2: benefit 0-2, work 3-5: an exact event at 3, (3, 3].
        let mut rows = vec![(0u32, 0i64, 0u8), (0, 2, 2), (0, 3, 2), (0, 4, 2)];
        rows.extend((5..=8).map(|t| (0u32, t, 1u8)));
        rows.extend([(1, 0, 0), (1, 1, 0), (1, 3, 2), (1, 4, 1), (1, 5, 2), (1, 6, 1), (1, 7, 1)]);
        rows.extend([(2, 0, 0), (2, 1, 0), (2, 2, 0), (2, 3, 1), (2, 4, 1), (2, 5, 1)]);
        let sp = spells_of(&rows, 3);
        let target = [false, true, false];
        let a = first_entry(&sp, &[0, 0, 0], &target, 1, EventAt::Start, None).unwrap();
        assert_eq!(a.reason[0], Reason::DropNoFollowUp as u8);
        assert_eq!((a.lower[0], a.upper[0]), (0.0, 5.0));
        assert_eq!((a.lower[1], a.upper[1]), (1.0, 4.0));
        assert_eq!(a.reason[1], Reason::CensoredUnobserved as u8);
        assert_eq!((a.lower[2], a.upper[2], a.duration[2], a.event[2]), (3.0, 3.0, 3.0, 1));
        let b = first_entry(&sp, &[0, 0, 0], &target, 2, EventAt::Start, None).unwrap();
        assert_eq!((b.lower[1], b.upper[1]), (1.0, 6.0));
        let c = first_entry(&sp, &[0, 0, 0], &target, 2, EventAt::Confirmed, None).unwrap();
        assert_eq!((c.lower[1], c.upper[1]), (2.0, 8.0));
        // a horizon before the later job: right-censored
        let h = first_entry(&sp, &[0, 0, 0], &target, 1, EventAt::Start, Some(3)).unwrap();
        assert_eq!((h.lower[1], h.upper[1]), (1.0, f64::INFINITY));
    }

    #[test]
    fn sustained_work_start_and_confirmed() {
        // p0: benefit 0-2, work 3-4 (too short), benefit 5, work 6-9 (end of data)
        // p1: benefit 0-3, work 4-5, data end (undetermined for k = 3)
        let mut rows = vec![];
        for (t, s) in [0, 0, 0, 1, 1, 0, 1, 1, 1, 1].iter().enumerate() {
            rows.push((0, t as i64, *s));
        }
        for (t, s) in [0, 0, 0, 0, 1, 1].iter().enumerate() {
            rows.push((1, t as i64, *s));
        }
        let sp = spells_of(&rows, 2);
        let target = [false, true, false];
        let a = first_entry(&sp, &[0, 0], &target, 3, EventAt::Start, None).unwrap();
        assert_eq!(a.duration, vec![6.0, 3.0]);
        assert_eq!(a.event, vec![1, 0]);
        assert_eq!(
            a.reason,
            vec![Reason::Event as u8, Reason::CensoredUndetermined as u8]
        );
        let c = first_entry(&sp, &[0, 0], &target, 3, EventAt::Confirmed, None).unwrap();
        assert_eq!(c.duration, vec![9.0, 6.0]);
        let any = first_entry(&sp, &[0, 0], &target, 1, EventAt::Start, None).unwrap();
        assert_eq!(any.duration, vec![3.0, 4.0]);
        assert_eq!(any.event, vec![1, 1]);
        let h = first_entry(&sp, &[0, 0], &target, 1, EventAt::Start, Some(3)).unwrap();
        assert_eq!(
            (h.duration[1], h.event[1], h.reason[1]),
            (3.0, 0, Reason::CensoredHorizon as u8)
        );
    }

    #[test]
    fn exits_with_a_confirmation_lag() {
        // p0: benefit 0-3, work 4-6: exit to work at 4 (confirmed with lag 1)
        // p1: benefit 0-1, work 2, benefit 3: with lag 1 not confirmed -> other
        // p2: benefit 0-2, work 3 then data end: lag 1 undetermined -> censored at 2
        // p3: work at origin: dropped
        let rows = [
            (0, 0, 0),
            (0, 1, 0),
            (0, 2, 0),
            (0, 3, 0),
            (0, 4, 1),
            (0, 5, 1),
            (0, 6, 1),
            (1, 0, 0),
            (1, 1, 0),
            (1, 2, 1),
            (1, 3, 0),
            (2, 0, 0),
            (2, 1, 0),
            (2, 2, 0),
            (2, 3, 1),
            (3, 0, 1),
            (3, 1, 1),
        ];
        let sp = spells_of(&rows, 4);
        let cause = [0, 1, 2];
        let confirm = [false, true, false];
        let lag0 = exit_from(&sp, &[0; 4], 0, &cause, &confirm, 0, 2, None).unwrap();
        assert_eq!(&lag0.duration[..3], &[4.0, 2.0, 3.0]);
        assert_eq!(&lag0.event[..3], &[1, 1, 1]);
        assert_eq!(lag0.reason[3], Reason::DropNotInFromState as u8);
        let lag1 = exit_from(&sp, &[0; 4], 0, &cause, &confirm, 1, 2, None).unwrap();
        assert_eq!(&lag1.duration[..3], &[4.0, 2.0, 2.0]);
        assert_eq!(&lag1.event[..3], &[1, 2, 0]);
        assert_eq!(lag1.reason[2], Reason::CensoredUndetermined as u8);
        // Delayed entry: origin two periods before the first row.
        let late = exit_from(&sp, &[-2, 0, 0, 0], 0, &cause, &confirm, 0, 2, None).unwrap();
        assert_eq!((late.entry[0], late.duration[0]), (2.0, 6.0));
    }
}
