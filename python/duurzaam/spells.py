"""From register panels to analysis data: employment spells, outcome definitions, state occupancy.

Evaluators receive one row per person per month with a status (on benefit, in work, education,
other, missing) and a programme start, not durations. :func:`spells` turns such a panel into
spells (consecutive months in one state) in the Rust core; the methods of :class:`Spells` turn the
spells into one analysis row per person under a stated rule, ready for :func:`kaplan_meier`,
:func:`cox` or :func:`cumulative_incidence`, and report who was dropped and why.

The clock
---------
Time counts periods (months) from each person's *origin* (the programme start, or the start of
the benefit spell). An event in period ``origin + t`` is at time ``t``: a job that starts in the
month after the programme month is at time 1; a person on benefit in months ``origin .. e`` who is
off benefit in month ``e + 1`` leaves at time ``e + 1 - origin`` (the months on benefit). A person
without the event is censored at the last time at which the event is known not to have happened.
A person first observed after the origin enters the risk set then (``entry``, delayed entry).

Example
-------
>>> import duurzaam as dz
>>> panel = dz.datasets.four_arm_panel(n_persons=400, seed=1)
>>> sp = dz.spells(panel, "person_id", "month", "status", max_gap={"work": 1})
>>> work6 = sp.time_to("work", origin="programme_start", min_duration=6, covariates=["arm"])
>>> sorted(work6.columns)[:4]
['arm', 'duration', 'entry', 'event']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._input import Frame, check_level, core_call
from ._result import Result
from .errors import BootstrapWarning, DegenerateDataError, EmptyDataError, InputError

# Reason codes of the core (src/spells/outcome.rs).
_REASONS = {
    0: "event",
    1: "end of data",
    2: "gap in the data",
    3: "undetermined at the end of the data",
    4: "administrative censoring (horizon)",
    10: "no origin",
    11: "no data after the origin",
    12: "in the target state at the start",
    13: "not in the state left at the start",
    14: "no time at risk",
}
_NEXT_END, _NEXT_UNOBSERVED = -1, -2
_NO_ORIGIN = np.iinfo(np.int64).min


def _series(raw: Any) -> pd.Series:
    """A column of any backend as a pandas Series with a default index."""
    if isinstance(raw, pd.Series):
        return raw.reset_index(drop=True)
    if hasattr(raw, "to_pandas"):
        return raw.to_pandas().reset_index(drop=True)
    return pd.Series(np.asarray(raw))


class _Clock:
    """How a period column maps to integer periods and back."""

    def __init__(self, kind: str, freq: Any = None) -> None:
        self.kind, self.freq = kind, freq

    def back(self, ordinals: np.ndarray) -> Any:
        if self.kind == "datetime":
            ordinals = np.asarray(ordinals, dtype=np.int64)
            return pd.to_datetime(pd.DataFrame({"year": ordinals // 12 + 1970, "month": ordinals % 12 + 1, "day": 1}))
        if self.kind == "period":
            maker = getattr(pd.PeriodIndex, "from_ordinals", None)
            idx = maker(ordinals, freq=self.freq) if maker else pd.PeriodIndex(ordinal=ordinals, freq=self.freq)
            return pd.Series(idx)
        return ordinals


def _to_periods(values: Any, name: str, clock: _Clock | None = None) -> tuple[np.ndarray, _Clock]:
    """Integer periods from an integer, datetime (to months) or pandas Period column."""
    s = _series(values)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if s.isna().any():
            raise InputError(f"column '{name}' has a missing date (row {int(np.flatnonzero(s.isna())[0])})", column=name)
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)  # the wall-clock month
        out = s.to_numpy().astype("datetime64[M]").astype(np.int64)  # months since 1970-01
        got = _Clock("datetime")
    elif isinstance(s.dtype, pd.PeriodDtype):
        if s.isna().any():
            raise InputError(f"column '{name}' has a missing period (row {int(np.flatnonzero(s.isna())[0])})", column=name)
        out = s.array.asi8.astype(np.int64)
        got = _Clock("period", s.dtype.freq)
    elif pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        arr = s.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(~np.isfinite(arr) | (arr != np.round(arr)))
        if bad.size:
            raise InputError(f"column '{name}': periods must be whole numbers (row {int(bad[0])})", column=name, row=int(bad[0]))
        out = arr.astype(np.int64)
        got = _Clock("integer")
    else:
        raise InputError(f"column '{name}' must hold integers, dates or pandas Periods (dtype {s.dtype})", column=name)
    if clock is not None and (clock.kind != got.kind or clock.freq != got.freq):
        raise InputError(f"column '{name}' holds {got.kind} periods but the panel's period column holds {clock.kind}", column=name)
    return np.ascontiguousarray(out), got


class Spells(Result):
    """Spells built by :func:`spells`; its methods define outcomes on them.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per spell: ``person, spell, state, start, end, duration, n_rows, n_bridged,
        end_reason, left_censored`` (``duration`` in periods, bridged gaps included;
        ``end_reason`` the next state, ``"gap in the data"``, ``"end of panel"`` or
        ``"left the panel"``; ``left_censored`` when the spell starts in the panel's first period).
    states : list
        The state labels, in code order.
    summary_counts : pandas.DataFrame
        What the panel held: persons, rows, unobserved rows, rows reclassified by a threshold.
    """

    def __init__(self, core: Any, persons: list[Any], states: list[Any], clock: _Clock, frame: Frame,
                 person_codes: np.ndarray, counts: dict[str, int], person: str) -> None:
        self._core = core
        self._arrays = core.arrays()
        self.persons = persons
        self.states = states
        self._clock = clock
        self._frame = frame
        self._person_codes = person_codes
        self._person = person
        self._counts = counts
        self._table: pd.DataFrame | None = None
        self._first_rows: np.ndarray | None = None
        self._freeze()

    # -- the spell table -------------------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:
        a = self._arrays
        if self._table is None:
            person = a["person"]
            first = np.searchsorted(person, np.arange(len(self.persons)))
            spell_no = np.arange(len(person)) - first[person]
            labels = np.asarray(self.states, dtype=object)
            reason = self._end_reasons(np.arange(len(person)))
            t = pd.DataFrame({
                "person": np.asarray(self.persons)[person],
                "spell": spell_no,
                "state": labels[a["state"]],
                "start": self._clock.back(a["start"]),
                "end": self._clock.back(a["end"]),
                "duration": a["end"] - a["start"] + 1,
                "n_rows": a["n_rows"].astype(np.int64),
                "n_bridged": a["n_bridged"].astype(np.int64),
                "end_reason": reason,
                "left_censored": a["start"] == a["panel_first"],
            })
            object.__setattr__(self, "_table", t)
        assert self._table is not None
        return self._table.copy()

    def _end_reasons(self, idx: np.ndarray) -> np.ndarray:
        """How spells ``idx`` ended: the next state, "gap in the data", "end of panel" or "left the
        panel"."""
        a = self._arrays
        nxt = a["next"][idx]
        labels = np.asarray(self.states, dtype=object)
        reason = np.where(nxt >= 0, labels[np.clip(nxt, 0, None)], "gap in the data").astype(object)
        ended = nxt == _NEXT_END
        at_panel_end = a["end"][idx] == a["panel_last"]
        reason[ended & at_panel_end] = "end of panel"
        reason[ended & ~at_panel_end] = "left the panel"
        return reason

    @property
    def row_spell(self) -> np.ndarray:
        """For each panel row, the position of its spell in :attr:`table` (-1: an unobserved row in
        no spell). Only when built with ``keep_rows=True``."""
        if "row_spell" not in self._arrays:
            raise AttributeError("build the spells with keep_rows=True to map rows to spells")
        r = self._arrays["row_spell"].astype(np.int64)
        r[r == np.iinfo(np.uint32).max] = -1
        return r

    @property
    def summary_counts(self) -> pd.DataFrame:
        return pd.DataFrame({"count": pd.Series(self._counts)}).rename_axis("what")

    def _title(self) -> str:
        return f"Spells: {len(self._arrays['person'])} spells of {len(self.persons)} persons"

    def _facts(self) -> list[tuple[str, str]]:
        c = self._counts
        return [("panel rows", str(c["rows"])), ("unobserved rows", str(c["unobserved rows"])),
                ("states", ", ".join(map(str, self.states)))]

    def _summary_frame(self) -> pd.DataFrame:
        a = self._arrays
        labels = np.asarray(self.states, dtype=object)
        d = pd.DataFrame({"state": labels[a["state"]], "duration": a["end"] - a["start"] + 1})
        out = d.groupby("state", sort=False)["duration"].agg(spells="size", median_duration="median", mean_duration="mean")
        return out

    # -- helpers ---------------------------------------------------------------------------
    def _state_code(self, label: Any, what: str) -> int:
        try:
            return self.states.index(label)
        except ValueError:
            raise InputError(f"{what} {label!r} is not a state of the panel (states: {', '.join(map(str, self.states))})") from None

    def _person_values(self, column: str) -> pd.Series:
        """A per-person value from a panel column: the value on the person's first row."""
        if self._first_rows is None:  # each person's first row, found once
            object.__setattr__(self, "_first_rows", np.unique(self._person_codes, return_index=True)[1])
        return _series(self._frame.raw(column)).iloc[self._first_rows].reset_index(drop=True)

    def _origin(self, origin: str | Mapping[Any, Any] | pd.Series) -> np.ndarray:
        """Origin period per person (i64::MIN when missing)."""
        n = len(self.persons)
        if isinstance(origin, str):
            s = _series(self._frame.raw(origin))
            present = s.notna().to_numpy()
            codes = self._person_codes[present]
            vals, _ = _to_periods(s[present].reset_index(drop=True), origin, self._clock)
            out = np.full(n, _NO_ORIGIN, dtype=np.int64)
            out[codes] = vals
            # The origin is a person-level value: it must not change within a person.
            differs = np.flatnonzero(out[codes] != vals)
            if differs.size:
                row = int(np.flatnonzero(present)[differs[0]])
                raise InputError(f"column '{origin}' must be constant within a person; it changes at "
                                 f"{self._frame.where(row)}", column=origin, row=row)
            return out
        mapping = pd.Series(origin) if not isinstance(origin, pd.Series) else origin
        vals = mapping.reindex(pd.Index(self.persons))
        present = vals.notna().to_numpy()
        out = np.full(n, _NO_ORIGIN, dtype=np.int64)
        if present.any():
            conv, _ = _to_periods(vals[present].reset_index(drop=True), "origin", self._clock)
            out[present] = conv
        return out

    def _finish(self, res: dict[str, np.ndarray], covariates: Sequence[str] | None, rule: str,
                causes: dict[int, str] | None = None) -> pd.DataFrame:
        reason = res["reason"]
        keep = reason < 10
        ended = reason == 1
        # Split "end of data" into the panel's end and leaving the panel early.
        last = self._arrays["person_last"]
        lab = np.array([_REASONS.get(int(r), str(r)) for r in range(15)], dtype=object)
        text = lab[reason]
        text[ended & (last == self._arrays["panel_last"])] = "end of panel"
        text[ended & (last != self._arrays["panel_last"])] = "left the panel"
        idx = np.flatnonzero(keep)
        out = pd.DataFrame({
            self._person: np.asarray(self.persons)[idx],
            "duration": res["duration"][idx],
            "event": res["event"][idx].astype(np.int64),
            "entry": res["entry"][idx],
            "reason": text[idx],
        })
        if causes is not None:
            names = {0: "censored", **causes}
            out.insert(3, "cause", [names[int(c)] for c in out["event"]])
        for c in covariates or []:
            out[c] = self._person_values(c).iloc[idx].reset_index(drop=True)
        dropped_codes, dropped_n = np.unique(reason[~keep], return_counts=True)
        dropped = {_REASONS[int(c)]: int(k) for c, k in zip(dropped_codes, dropped_n)}
        out.attrs["dropped"] = dropped
        out.attrs["rule"] = rule
        if causes is not None:
            out.attrs["causes"] = dict(causes)
        censored = pd.Series(text[idx][res["event"][idx] == 0]).value_counts()
        out.attrs["censoring"] = {str(k): int(v) for k, v in censored.items()}
        if not len(out):
            raise EmptyDataError(f"no person is left under the rule ({rule}); dropped: "
                                 + "; ".join(f"{r}: {n}" for r, n in dropped.items()))
        return out

    # -- outcome definitions ---------------------------------------------------------------
    def time_to(self, state: Any | Iterable[Any], *, origin: str | Mapping[Any, Any] | pd.Series,
                min_duration: int = 1, event_at: str = "start", horizon: int | None = None,
                covariates: Sequence[str] | None = None) -> pd.DataFrame:
        """Time from the origin to the first spell in ``state`` lasting at least ``min_duration``
        periods: "time to work" (``min_duration=1``) or "time to sustained work"
        (``min_duration=6`` or 12).

        Rules: only spells that start after the origin count; bridged gaps count toward the
        duration. A shorter spell that ended in an observed state does not count and the search
        goes on; a spell still running when the data end (or before a gap) leaves the outcome
        undetermined, and the person is censored just before its start (``event_at="start"``)
        or at its last observed period (``event_at="confirmed"``). With ``event_at="confirmed"``
        the event is at the end of the ``min_duration``-th period of the spell, the moment it is
        known to qualify. Persons in ``state`` at the origin (or at their first observed period
        after it) are dropped and counted. ``horizon`` censors administratively.

        Returns
        -------
        pandas.DataFrame
            One row per person kept: ``person, duration, event, entry, reason`` and the
            ``covariates`` (values on the person's first panel row). ``attrs["dropped"]`` counts
            the persons dropped per reason (a dict), ``attrs["censoring"]`` the censored persons
            per reason, ``attrs["rule"]`` states the rule. :func:`drop_summary` prints them.

        Examples
        --------
        >>> import duurzaam as dz
        >>> sp = dz.spells(dz.datasets.four_arm_panel(n_persons=300, seed=2), "person_id", "month", "status")
        >>> d = sp.time_to("work", origin="programme_start", min_duration=6)
        >>> int(d["event"].sum()) > 0
        True
        """
        if event_at not in ("start", "confirmed"):
            raise InputError(f"event_at must be 'start' or 'confirmed', not {event_at!r}")
        targets = [state] if isinstance(state, str) or not isinstance(state, Iterable) else list(state)
        mask = [False] * len(self.states)
        for t in targets:
            mask[self._state_code(t, "state")] = True
        min_duration = int(min_duration)
        o = self._origin(origin)
        res = core_call(self._core.first_entry, {}, self._frame, o, mask, min_duration, event_at == "confirmed",
                        None if horizon is None else int(horizon))
        rule = (f"time from {origin if isinstance(origin, str) else 'origin'} to the first spell in "
                f"{', '.join(map(str, targets))} lasting at least {min_duration} period(s), event at its "
                f"{'start' if event_at == 'start' else 'end of period ' + str(min_duration)}")
        return self._finish(res, covariates, rule)

    def time_to_exit(self, from_state: Any, *, origin: str | Mapping[Any, Any] | pd.Series,
                     causes: Mapping[Any, int] | None = None, confirm_lag: int = 0,
                     horizon: int | None = None, covariates: Sequence[str] | None = None) -> pd.DataFrame:
        """Time from the origin until the person leaves ``from_state``, by destination: the
        competing exits that :func:`cumulative_incidence` takes (``event`` 0 = censored, 1..k).

        ``causes`` maps destination states to cause codes (``{"work": 1}``); every other
        destination is the next code ("other"). Without ``causes`` each destination state has its
        own code, in state order. ``confirm_lag = L`` applies the statistical offices' rule: an
        exit into a state named in ``causes`` counts as that cause only if the person is in such a
        state ``L`` periods after the first period off ``from_state`` and not back in
        ``from_state`` in between; otherwise it is an "other" exit. When those periods are not
        observed, the person is censored just before the exit.

        The person must be in ``from_state`` at the origin (or at the first observed period after
        it: delayed entry). With the start of the benefit spell as the origin, people already on
        benefit when the panel starts enter late.

        Examples
        --------
        >>> import duurzaam as dz
        >>> sp = dz.spells(dz.datasets.four_arm_panel(n_persons=300, seed=2), "person_id", "month", "status")
        >>> d = sp.time_to_exit("benefit", origin="programme_start", causes={"work": 1}, confirm_lag=1)
        >>> d.attrs["causes"]
        {1: 'work', 2: 'other'}
        """
        f = self._state_code(from_state, "from_state")
        n = len(self.states)
        cause = [0] * n
        confirm = [False] * n
        if causes is None:
            labels: dict[int, str] = {}
            code = 1
            for s in range(n):
                if s != f:
                    cause[s] = code
                    labels[code] = str(self.states[s])
                    code += 1
            other = code
        else:
            codes = sorted(set(int(c) for c in causes.values()))
            if codes != list(range(1, len(codes) + 1)):
                raise InputError(f"cause codes must be 1..k, not {codes}")
            other = len(codes) + 1
            labels = {}
            for st, c in causes.items():
                s = self._state_code(st, "cause state")
                if s == f:
                    raise InputError(f"{st!r} is the state left; it cannot be a destination")
                cause[s] = int(c)
                confirm[s] = True
                labels.setdefault(int(c), str(st))
            for s in range(n):
                if s != f and cause[s] == 0:
                    cause[s] = other
            labels[other] = "other"
        o = self._origin(origin)
        res = core_call(self._core.exit_from, {}, self._frame, o, f, cause, confirm, int(confirm_lag), other,
                        None if horizon is None else int(horizon))
        rule = (f"time from {origin if isinstance(origin, str) else 'origin'} until leaving {from_state}, "
                f"by destination; confirmation lag {int(confirm_lag)}")
        return self._finish(res, covariates, rule, causes=labels)

    def spell_durations(self, state: Any, *, ends_in: Any | Iterable[Any],
                        origin: str | Mapping[Any, Any] | pd.Series | None = None, first_only: bool = True,
                        within: int = 0, covariates: Sequence[str] | None = None) -> pd.DataFrame:
        """Durations of spells in ``state`` with the event "the spell ended in ``ends_in``":
        "uitval", the time from the start of a job to the return to benefit.

        A spell that ends in another observed state is censored at its end (the return to benefit
        did not happen while in work); one running at the end of the data or before a gap is
        censored there. Spells that start in the panel's first period (left-censored: their start
        is unknown) are dropped and counted. With ``origin``, only spells starting after each
        person's origin count; ``first_only`` keeps the first such spell per person.

        ``within = L`` also counts a return through a short detour: the spell ends, and a spell in
        ``ends_in`` starts within ``L`` periods after its first period off ``state`` (a month
        without income, then benefit). When the data end or have a gap before that window closes
        without such a spell, the outcome is undetermined and the spell is censored at its end.

        Examples
        --------
        >>> import duurzaam as dz
        >>> sp = dz.spells(dz.datasets.four_arm_panel(n_persons=300, seed=2), "person_id", "month", "status")
        >>> jobs = sp.spell_durations("work", ends_in="benefit", origin="programme_start")
        >>> set(jobs["event"].unique()) <= {0, 1}
        True
        """
        s = self._state_code(state, "state")
        ends = [ends_in] if isinstance(ends_in, str) or not isinstance(ends_in, Iterable) else list(ends_in)
        end_codes = [self._state_code(e, "ends_in") for e in ends]
        a = self._arrays
        sel = a["state"] == s
        counts: dict[str, int] = {}
        left = sel & (a["start"] == a["panel_first"])
        counts["left-censored spell (start unknown)"] = int(left.sum())
        sel &= ~left
        if origin is not None:
            o = self._origin(origin)
            op = o[a["person"]]
            before = sel & ((op == _NO_ORIGIN) | (a["start"] <= op))
            counts["spell starts at or before the origin"] = int(before.sum())
            sel &= ~before
        idx = np.flatnonzero(sel)
        if first_only and len(idx):
            _, firsts = np.unique(a["person"][idx], return_index=True)
            counts["not the person's first such spell"] = int(len(idx) - len(firsts))
            idx = idx[firsts]
        nxt = a["next"][idx]
        event = np.isin(nxt, end_codes).astype(np.int64)
        reason = self._end_reasons(idx)
        reason[event == 1] = "event"
        if within < 0:
            raise InputError(f"within must be >= 0, not {within}")
        if within > 0 and len(idx):
            # walk the following spells of the same person while they start inside the window
            limit = a["end"][idx] + 1 + int(within)
            found = np.zeros(len(idx), dtype=bool)
            open_ = nxt >= 0  # the walk goes on only over observed, adjacent spells
            cur = idx.copy()
            n_sp = len(a["person"])
            for _ in range(int(within) + 1):
                nxt_i = cur + 1
                ok = open_ & (nxt_i < n_sp) & ~found
                ok[ok] &= (a["person"][nxt_i[ok]] == a["person"][idx[ok]]) & (a["start"][nxt_i[ok]] <= limit[ok])
                hit = ok.copy()
                hit[ok] = np.isin(a["state"][nxt_i[ok]], end_codes)
                found |= hit
                cur = np.where(ok, nxt_i, cur)
                open_ = ok & (a["next"][np.minimum(nxt_i, n_sp - 1)] >= 0)
            newly = found & (event == 0)
            event[newly] = 1
            reason[newly] = "event"
            # not found, window not fully observed: undetermined
            seen_until = np.where(nxt >= 0, a["end"][cur], a["end"][idx])
            undetermined = (event == 0) & (nxt >= 0) & (seen_until < limit) & (a["next"][cur] < 0)
            reason[undetermined] = "undetermined at the end of the data"
        persons = np.asarray(self.persons)[a["person"][idx]]
        out = pd.DataFrame({
            self._person: persons,
            "start": self._clock.back(a["start"][idx]),
            "duration": (a["end"][idx] - a["start"][idx] + 1).astype(np.float64),
            "event": event,
            "entry": np.zeros(len(idx)),
            "reason": reason,
        })
        for c in covariates or []:
            out[c] = self._person_values(c).iloc[a["person"][idx]].reset_index(drop=True)
        out.attrs["dropped"] = counts
        out.attrs["rule"] = (f"duration of {'first ' if first_only else ''}{state} spells; event: next state in "
                             f"{', '.join(map(str, ends))}" + (f" within {within} period(s)" if within else ""))
        if not len(out):
            raise EmptyDataError(f"no {state} spell is left under the rule ({out.attrs['rule']})")
        return out

    def occupancy(self, *, origin: str | Mapping[Any, Any] | pd.Series, group: str | None = None,
                  times: Sequence[int] = (6, 12, 18), weights: str | None = None, n_resamples: int = 0,
                  cluster: str | None = None, seed: int = 0, conf_level: float = 0.95) -> Occupancy:
        """The share of each group in each state at ``times`` periods after the origin: the
        Aalen-Johansen estimate of a multi-state model (as R's ``survfit`` with
        ``Surv(tstart, tstop, state)``, ``id`` and ``istate``), which accounts for persons who
        leave observation, unlike a cross-tab of the panel.

        With ``n_resamples > 0`` the table gets percentile bootstrap intervals (``lower``,
        ``upper``): persons are resampled within each group (as randomised), or whole
        ``cluster`` s (a person-level column such as the municipality), with the streams of
        :func:`duurzaam.bootstrap` (replicate i from stream i of ``seed``).

        Examples
        --------
        >>> import duurzaam as dz
        >>> panel = dz.datasets.four_arm_panel(n_persons=400, seed=3)
        >>> sp = dz.spells(panel, "person_id", "month", "status")
        >>> occ = sp.occupancy(origin="programme_start", group="arm", times=[6, 12])
        >>> occ.at([12]).groupby("arm")["share"].sum().round(6).unique().tolist()
        [1.0]
        """
        o = self._origin(origin)
        if group is None:
            gcodes = np.zeros(len(self.persons), dtype=np.uint32)
            levels: list[Any] = [None]
        else:
            vals = self._person_values(group)
            codes, uniq = pd.factorize(vals, sort=True)
            if (codes < 0).any():
                raise InputError(f"column '{group}' is missing for a person", column=group)
            gcodes = codes.astype(np.uint32)
            levels = list(uniq)
        w = None
        if weights is not None:
            w = np.ascontiguousarray(self._person_values(weights).to_numpy(dtype=np.float64))
            if not (np.isfinite(w) & (w > 0)).all():
                raise InputError(f"column '{weights}' must be positive and finite", column=weights)
        ts = sorted(int(t) for t in times)
        if not ts or ts[0] < 0:
            raise InputError("times must be non-negative whole periods")
        horizon = max(ts[-1], 1)
        curves = core_call(self._core.occupancy, {}, self._frame, o, np.ascontiguousarray(gcodes), len(levels),
                           len(self.states), horizon, w)
        bounds = None
        if n_resamples > 0:
            if cluster is not None:
                ccodes, clv = pd.factorize(self._person_values(cluster), sort=True)
                scheme, codes, n_codes = "cluster", np.ascontiguousarray(ccodes, dtype=np.uint32), len(clv)
            elif group is not None:
                scheme, codes, n_codes = "stratified", np.ascontiguousarray(gcodes), len(levels)
            else:
                scheme, codes, n_codes = "ordinary", None, 0
            reps = []
            failed = 0
            n = len(self.persons)
            for r in range(int(n_resamples)):
                rw = _core.resample_weights(n, scheme, codes, n_codes, int(seed), r)
                wr = rw if w is None else rw * w
                try:
                    cs = self._core.occupancy(o, np.ascontiguousarray(gcodes), len(levels), len(self.states), horizon,
                                              np.ascontiguousarray(wr), False)
                except _core.CoreDegenerateError:
                    failed += 1  # a group without anyone at time 0 in this replicate
                    continue
                reps.append(np.stack([c["pstate"] for c in cs]))
            if failed:
                import warnings


                warnings.warn(f"{failed} of {n_resamples} resamples had a group with nobody at time 0 and were "
                              "left out", BootstrapWarning, stacklevel=2)
            if not reps:
                raise DegenerateDataError("no bootstrap resample of the occupancy succeeded")
            arr = np.stack(reps)
            alpha = (1 - check_level(conf_level)) / 2
            bounds = (np.quantile(arr, alpha, axis=0), np.quantile(arr, 1 - alpha, axis=0))
        return Occupancy(curves, levels, group, list(self.states), horizon, ts, bounds)


def drop_summary(analysis: pd.DataFrame) -> pd.DataFrame:
    """Who was kept, censored and dropped under an outcome rule, as one table for the report.

    Examples
    --------
    >>> import duurzaam as dz
    >>> sp = dz.spells(dz.datasets.four_arm_panel(n_persons=300, seed=2), "person_id", "month", "status")
    >>> dz.drop_summary(sp.time_to("work", origin="programme_start")).columns.tolist()
    ['outcome', 'reason', 'count']
    """
    if "dropped" not in analysis.attrs:
        raise InputError("this DataFrame was not made by a Spells outcome method")
    unit = "spells" if "start" in analysis.columns else "persons"
    rows = [("event", "event", int((analysis["event"] > 0).sum()))]
    rows += [("censored", r, n) for r, n in analysis.attrs.get("censoring", {}).items()]
    rows += [(f"dropped ({unit})", r, n) for r, n in analysis.attrs["dropped"].items()]
    return pd.DataFrame(rows, columns=["outcome", "reason", "count"])


class Occupancy(Result):
    """State occupancy curves per group, built by :meth:`Spells.occupancy`."""

    def __init__(self, curves: list[dict[str, np.ndarray]], levels: list[Any], group: str | None,
                 states: list[Any], horizon: int, times: list[int],
                 bounds: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        k = len(states)
        parts = []
        for gi, (lvl, c) in enumerate(zip(levels, curves)):
            p = c["pstate"].reshape(horizon + 1, k)
            r = c["n_risk"].reshape(horizon + 1, k)
            se = c["std_err"].reshape(horizon + 1, k)
            for j, st in enumerate(states):
                part = pd.DataFrame({"time": np.arange(horizon + 1), "state": st, "share": p[:, j], "std_err": se[:, j],
                                     "n_risk": r[:, j]})
                if bounds is not None:
                    part["lower"] = bounds[0][gi].reshape(horizon + 1, k)[:, j]
                    part["upper"] = bounds[1][gi].reshape(horizon + 1, k)[:, j]
                if group is not None:
                    part.insert(0, group, lvl)
                parts.append(part)
        self.group = group
        self.states = states
        self.times = times
        self._curve = pd.concat(parts, ignore_index=True)
        self._freeze()

    @property
    def table(self) -> pd.DataFrame:
        """``[group], time, state, share, std_err, n_risk`` (and ``lower, upper`` with the
        bootstrap) for every whole period 0..max(times). ``std_err`` is the infinitesimal
        jackknife of R's ``survfit`` for a multi-state model, with persons as the units."""
        return self._curve.copy()

    def at(self, times: Sequence[int] | None = None) -> pd.DataFrame:
        """The shares at the given periods (default: the ``times`` asked for)."""
        ts = self.times if times is None else [int(t) for t in times]
        bad = [t for t in ts if t < 0 or t > self._curve["time"].max()]
        if bad:
            raise InputError(f"times {bad} lie outside 0..{self._curve['time'].max()}")
        return self._curve[self._curve["time"].isin(ts)].reset_index(drop=True)

    def wide(self) -> pd.DataFrame:
        """The shares at ``times`` with one column per state."""
        idx = ([self.group] if self.group else []) + ["time"]
        return self.at().pivot_table(index=idx, columns="state", values="share", sort=False)[self.states]

    def _title(self) -> str:
        return "State occupancy (Aalen-Johansen)"

    def _summary_frame(self) -> pd.DataFrame:
        return self.wide()

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Stacked shares over time per state (one panel per group when grouped)."""
        from .plotting import plot_occupancy

        return plot_occupancy(self, ax=ax, **kwargs)


def spells(data: Any, person: str, period: str, status: str, *, max_gap: int | Mapping[Any, int] = 0,
           max_unobserved: int = 0, missing: Iterable[Any] | None = None, hours: str | None = None, min_hours: float | None = None,
           hours_bands: Mapping[Any, float] | None = None,
           earnings: str | None = None, min_earnings: float | None = None, work: Any = "work",
           below_threshold: Any = "work below threshold", keep_rows: bool = False) -> Spells:
    """Builds employment spells from a long register panel (one row per person per period).

    Parameters
    ----------
    data : pandas or polars DataFrame, or dict of arrays
        The panel; rows in any order.
    person, period, status : str
        Column names. ``period`` holds integers (month numbers), dates (taken to their month) or
        pandas Periods. ``status`` holds the state labels.
    max_gap : int or dict
        The longest interruption, in periods, that does not end a spell: one number for every
        state, or per state (``{"work": 1}``: a one-month interruption does not end a job). The
        interrupting periods (another state, or no row at all) become part of the spell.
    max_unobserved : int
        The longest stretch of unobserved periods alone (no row, or a missing status) that does
        not end a spell of any state: a month missing from the register inside a benefit spell
        does not end it, while a month in work does (unless ``max_gap`` says otherwise).
    missing : iterable, optional
        Status labels that mean "not observed" (missing status values always do). Unobserved
        periods end a spell unless bridged by ``max_gap``.
    hours, min_hours, earnings, min_earnings : optional
        Work thresholds: a ``work`` row with hours below ``min_hours`` or earnings below
        ``min_earnings`` becomes the state ``below_threshold`` (e.g. 12 hours a week for
        part-time work, or a share of the minimum wage). A missing value fails the threshold.
    hours_bands : dict, optional
        Split work by hours a week, e.g. ``{"part-time work": 12, "full-time work": 28}``: a
        work row gets the label of the highest band it reaches, a row below the lowest band
        becomes ``below_threshold``. Adjacent spells in the target states of an outcome count as
        one run, so ``sp.time_to(["part-time work", "full-time work"], min_duration=6)`` is six
        months of work of at least 12 hours, and ``sp.time_to("full-time work")`` full-time work.
    keep_rows : bool
        Keep the row-to-spell map (:attr:`Spells.row_spell`).

    Returns
    -------
    Spells

    Examples
    --------
    >>> import duurzaam as dz
    >>> panel = {"id": [1, 1, 1, 1, 2, 2], "month": [0, 1, 2, 3, 0, 1],
    ...          "status": ["benefit", "work", "benefit", "work", "benefit", "benefit"]}
    >>> dz.spells(panel, "id", "month", "status", max_gap={"work": 1}).table[["person", "state", "start", "end"]]
       person    state  start  end
    0       1  benefit      0    0
    1       1     work      1    3
    2       2  benefit      0    1
    """
    frame = Frame(data)
    pcodes, persons = frame.codes(person)
    periods, clock = _to_periods(frame.raw(period), period)
    st = _series(frame.raw(status))
    unobserved = st.isna().to_numpy()
    if missing is not None:
        unobserved |= st.isin(list(missing)).to_numpy()
    counts = {"persons": len(persons), "rows": len(frame), "unobserved rows": int(unobserved.sum())}
    if isinstance(st.dtype, pd.CategoricalDtype):
        labels = [c for c in st.cat.categories if missing is None or c not in set(missing)]
        codes = pd.Categorical(st.where(~unobserved), categories=labels).codes.astype(np.int64)
    else:
        codes, uniq = pd.factorize(st.where(~unobserved), sort=True)
        labels = list(uniq)
    threshold_rows = np.zeros(len(st), dtype=bool)
    if hours_bands is not None:
        if hours is None:
            raise InputError("hours_bands needs the hours column (hours=)")
        if min_hours is not None:
            raise InputError("give min_hours or hours_bands, not both (the lowest band is the minimum)")
        bands = sorted(((float(v), str(k)) for k, v in hours_bands.items()))
        min_hours = bands[0][0]
    if hours is not None or earnings is not None:
        if work not in labels:
            raise InputError(f"column '{status}' has no state {work!r} to apply the work threshold to", column=status)
        is_work = codes == labels.index(work)
        for col, lim in ((hours, min_hours), (earnings, min_earnings)):
            if col is None:
                continue
            if lim is None:
                raise InputError(f"give a minimum for the column '{col}'")
            v = frame.numeric(col)
            threshold_rows |= is_work & ~(v >= lim)
        if threshold_rows.any():
            if below_threshold in labels:
                raise InputError(f"the state {below_threshold!r} already exists; pick another below_threshold label")
            labels = labels + [below_threshold]
            codes = np.where(threshold_rows, len(labels) - 1, codes)
        if hours_bands is not None:
            # work rows at or above the lowest band get the label of the highest band they reach
            h = frame.numeric(hours)
            w_code = labels.index(work)
            in_work = codes == w_code
            clash = [lab for _, lab in bands if lab in labels]
            if clash:
                raise InputError(f"hours band label(s) {clash} are already states of column '{status}'")
            for lim, lab in bands:
                labels = labels + [lab]
                codes = np.where(in_work & (h >= lim), len(labels) - 1, codes)
            counts.update({f"work rows in band {lab!r}": int((codes == labels.index(lab)).sum()) for _, lab in bands})
    counts["work rows below a threshold"] = int(threshold_rows.sum())
    state = np.where(codes < 0, 255, codes).astype(np.uint8)
    if len(labels) == 0:
        raise EmptyDataError(f"column '{status}' has no observed status")
    if len(labels) > 254:
        raise InputError(f"column '{status}' has {len(labels)} distinct states; at most 254 are allowed", column=status)
    if isinstance(max_gap, Mapping):
        gaps = [0] * len(labels)
        for lab, g in max_gap.items():
            if lab not in labels:
                raise InputError(f"max_gap names {lab!r}, which is not a state in column '{status}'", column=status)
            gaps[labels.index(lab)] = int(g)
    else:
        gaps = [int(max_gap)] * len(labels)
    if min(gaps) < 0:
        raise InputError("max_gap must be >= 0")
    names = {"person": person, "period": period, "status": status}
    if int(max_unobserved) < 0:
        raise InputError("max_unobserved must be >= 0")
    core = core_call(_core.build_spells, names, frame, np.ascontiguousarray(pcodes, dtype=np.uint32), periods,
                     np.ascontiguousarray(state), len(persons), len(labels), gaps, int(max_unobserved), keep_rows)
    return Spells(core, persons, labels, clock, frame, np.asarray(pcodes), counts, person)


__all__ = ["spells", "Spells", "Occupancy", "drop_summary"]
