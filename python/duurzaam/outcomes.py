"""Outcome rules on spells: each turns a register's spells into one analysis row per person (or
per spell) under a stated rule, with everyone dropped or censored counted. :class:`Spells`
(:mod:`duurzaam.spells`) inherits these methods; the rules are documented on each."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._input import core_call
from ._spellcodes import _NO_ORIGIN, _REASONS
from .errors import EmptyDataError, ImmortalTimeWarning, InputError


def _dropped(reasons: np.ndarray) -> dict[str, int]:
    """How many persons each drop reason (core codes >= 10) removed."""
    codes, n = np.unique(reasons, return_counts=True)
    return {_REASONS[int(c)]: int(k) for c, k in zip(codes, n)}


class OutcomeRules:
    """The outcome rules of :class:`duurzaam.spells.Spells`: ``time_to``, ``time_to_first``,
    ``time_to_exit`` and ``spell_durations``, and ``event_origin`` for origins from the panel."""

    def _covariates(self, out: pd.DataFrame, persons: np.ndarray, covariates: Sequence[str] | None) -> None:
        """Adds each covariate (its value on the person's first panel row) for the rows' persons,
        with an :class:`ImmortalTimeWarning` for a covariate that changes within persons."""
        for c in covariates or []:
            out[c] = self._person_values(c).iloc[persons].reset_index(drop=True)
            values = pd.Series(self._frame.raw(c))
            changes = values.groupby(self._person_codes, sort=False).nunique(dropna=True) > 1
            if changes.any():
                warnings.warn(
                    f"column '{c}' changes within {int(changes.sum())} person(s); the outcome takes its value on each "
                    "person's first row. A value measured after the origin (total coaching hours, a course "
                    "completed) credits people with the time it took to reach it (immortal time): split the "
                    "follow-up with Spells.counting_process for a covariate that changes",
                    ImmortalTimeWarning, stacklevel=3)

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
        self._covariates(out, idx, covariates)
        dropped = _dropped(reason[~keep])
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
                covariates: Sequence[str] | None = None, censoring: str = "right") -> pd.DataFrame:
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

        Months missing from the register before the event: follow-up for right-censored data
        ends where the event's occurrence becomes unknown, at the last observed period before the
        gap (the first job may have started in the gap). With ``censoring="interval"`` the same
        persons are interval-censored instead: when a qualifying spell is observed after the gap
        at time ``u``, the event lies in ``(c, u]``; so is a person whose gap comes right after
        the origin, who has no time at risk as right-censored data.

        Returns
        -------
        pandas.DataFrame
            One row per person kept: ``person, duration, event, entry, reason`` and the
            ``covariates`` (values on the person's first panel row). With
            ``censoring="interval"``: ``person, lower, upper, entry, reason`` and the covariates,
            the event in ``(lower, upper]`` (``lower == upper``: an exact time; ``upper``
            missing: right-censored at ``lower``), for :func:`duurzaam.aft` with ``lower=`` and
            ``upper=``; ``entry`` is informational there (AFT models ignore delayed entry). ``attrs["dropped"]`` counts
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
        if censoring not in ("right", "interval"):
            raise InputError(f"censoring must be 'right' or 'interval', not {censoring!r}")
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
        if censoring == "interval":
            return self._interval(res, covariates, rule)
        return self._finish(res, covariates, rule)

    def _interval(self, res: dict[str, np.ndarray], covariates: Sequence[str] | None, rule: str) -> pd.DataFrame:
        """The outcome as interval-censored rows: everyone kept, and those dropped for no time at
        risk whose event is bounded by a spell seen after a gap."""
        reason = res["reason"].copy()
        lower, upper = res["lower"], res["upper"]
        bounded = (reason == 14) & np.isfinite(upper)
        reason[bounded] = 2  # their right-censoring was at a gap in the data
        keep = (reason < 10) & np.isfinite(lower)
        idx = np.flatnonzero(keep)
        text = np.array([_REASONS.get(int(r), str(r)) for r in reason[idx]], dtype=object)
        gap = (reason[idx] == 2) & np.isfinite(upper[idx])
        text[gap] = "event in a gap in the data or at upper"
        up = upper[idx].copy()
        up[~np.isfinite(up)] = np.nan
        out = pd.DataFrame({
            self._person: np.asarray(self.persons)[idx],
            "lower": lower[idx],
            "upper": up,
            "entry": np.where(np.isfinite(res["entry"][idx]), res["entry"][idx], 0.0),
            "reason": text,
        })
        self._covariates(out, idx, covariates)
        out.attrs["dropped"] = _dropped(reason[~keep])
        out.attrs["rule"] = rule + "; interval-censored across gaps in the data"
        if not len(out):
            raise EmptyDataError(f"no person is left under the rule ({rule})")
        return out

    def time_to_first(self, destinations: Mapping[Any, int] | Sequence[Any], *,
                      origin: str | Mapping[Any, Any] | pd.Series, horizon: int | None = None,
                      covariates: Sequence[str] | None = None) -> pd.DataFrame:
        """Time from the origin to the first of several destinations, whatever state the person
        starts in: the competing destinations that :func:`cumulative_incidence` and
        :func:`fine_gray` take (``event`` 0 = censored, else the destination's cause code).

        ``destinations`` maps states to cause codes 1..k (several states may share a code:
        ``{"work": 1, "education": 2, "moved away": 3, "deceased": 3}``) or lists the states
        (each its own code, in the order given). The event is the start of the first spell in any
        destination state that starts after the origin, and the cause is the state that spell is
        in. The rules are those of :meth:`time_to` (with ``min_duration=1``): gaps in the data end
        follow-up where the first destination becomes unknown, ``horizon`` censors
        administratively, and persons already in a destination state at the origin (or at their
        first observed period after it) are dropped and counted, as are persons without an origin.
        The origin may be a person-level column or an event in the panel
        (:meth:`event_origin`: the month a subsidised job ends, a job starts).

        Returns
        -------
        pandas.DataFrame
            ``person, duration, event, cause, entry, reason`` and the ``covariates``; ``cause``
            names the destination. ``attrs`` as :meth:`time_to`, and ``attrs["causes"]`` maps the
            codes to their states.

        Examples
        --------
        >>> import duurzaam as dz
        >>> sp = dz.spells(dz.datasets.four_arm_panel(n_persons=300, seed=2), "person_id", "month", "status")
        >>> d = sp.time_to_first({"work": 1, "education": 2}, origin="programme_start")
        >>> d.attrs["causes"]
        {1: 'work', 2: 'education'}
        """
        if isinstance(destinations, Mapping):
            pairs = [(st, int(c)) for st, c in destinations.items()]
        else:
            pairs = [(st, k + 1) for k, st in enumerate(destinations)]
        if not pairs:
            raise InputError("destinations is empty")
        codes = sorted({c for _, c in pairs})
        if codes != list(range(1, len(codes) + 1)):
            raise InputError(f"cause codes must be 1..k, not {codes}")
        cause_of = np.zeros(len(self.states), dtype=np.int64)
        labels: dict[int, list[str]] = {c: [] for c in codes}
        for st, c in pairs:
            code = self._state_code(st, "destination")
            if cause_of[code]:
                raise InputError(f"destination {st!r} is given twice")
            cause_of[code] = c
            labels[c].append(str(st))
        o = self._origin(origin)
        res = dict(core_call(self._core.first_entry, {}, self._frame, o, [bool(c) for c in cause_of], 1, False,
                             None if horizon is None else int(horizon)))
        # The cause: the state of the spell that starts at the event (origin + duration).
        event = np.asarray(res["event"]).astype(np.int64)
        hit = np.flatnonzero((event == 1) & (np.asarray(res["reason"]) < 10))
        a = self._arrays
        at = o[hit] + np.asarray(res["duration"])[hit].astype(np.int64)
        pos = self._spell_at(hit, at)
        if (pos < 0).any() or (a["start"][np.maximum(pos, 0)] != at).any():  # pragma: no cover
            raise AssertionError("an event without a destination spell")  # an event is a spell start
        cause = cause_of[a["state"][pos]]
        if (cause == 0).any():  # pragma: no cover
            raise AssertionError("an event in a state that is not a destination")
        event[hit] = cause
        res["event"] = event
        names = {c: ", ".join(v) for c, v in labels.items()}
        rule = (f"time from {origin if isinstance(origin, str) else 'origin'} to the first spell in any of "
                + "; ".join(f"{c} = {n}" for c, n in names.items()) + ", event at its start")
        return self._finish(res, covariates, rule, causes=names)

    def event_origin(self, state: Any | Iterable[Any], *, at: str = "end", occurrence: str = "first",
                     after: str | Mapping[Any, Any] | pd.Series | None = None, min_duration: int = 1) -> pd.Series:
        """An origin from an event in the panel, per person: the first (or last) period of the
        first (or last) spell in ``state`` lasting at least ``min_duration`` periods, optionally
        only among spells that start after ``after`` (a person-level origin). Pass it as
        ``origin=`` to the outcome rules: "the month the subsidised job ended", "the month work
        started".

        With ``at="end"`` only spells seen to end count (followed by an observed state): a spell
        still running at the end of the data or before a gap has no known end. Persons without
        a qualifying spell get no origin (missing); the outcome rules drop and count them.
        ``attrs["counts"]`` says how many persons got an origin and why the others did not.

        Examples
        --------
        >>> import duurzaam as dz
        >>> sp = dz.spells(dz.datasets.four_arm_panel(n_persons=300, seed=2), "person_id", "month", "status")
        >>> job_start = sp.event_origin("work", at="start", after="programme_start")
        >>> d = sp.time_to_first(["benefit"], origin=job_start)  # time from the first job to benefit
        >>> int(d["event"].max())
        1
        """
        if at not in ("start", "end"):
            raise InputError(f"at must be 'start' or 'end', not {at!r}")
        if occurrence not in ("first", "last"):
            raise InputError(f"occurrence must be 'first' or 'last', not {occurrence!r}")
        targets = [state] if isinstance(state, str) or not isinstance(state, Iterable) else list(state)
        mask = np.zeros(len(self.states), dtype=bool)
        for t in targets:
            mask[self._state_code(t, "state")] = True
        a = self._arrays
        sel = mask[a["state"]] & (a["end"] - a["start"] + 1 >= int(min_duration))
        counts = {"spells in the state": int(sel.sum())}
        if after is not None:
            ap = self._origin(after)[a["person"]]
            before = sel & ((ap == _NO_ORIGIN) | (a["start"] <= ap))
            sel &= ~before
            counts["spells starting at or before 'after' (or without it)"] = int(before.sum())
        if at == "end":
            running = sel & (a["next"] < 0)
            sel &= ~running
            counts["spells without an observed end (end of data or a gap)"] = int(running.sum())
        idx = np.flatnonzero(sel)  # spells in person, start order
        persons = a["person"][idx]
        if occurrence == "first":
            first = np.ones(len(idx), dtype=bool)
            first[1:] = persons[1:] != persons[:-1]
        else:
            first = np.ones(len(idx), dtype=bool)
            first[:-1] = persons[1:] != persons[:-1]
        idx = idx[first]
        when = a["end"][idx] if at == "end" else a["start"][idx]
        values = pd.Series(self._clock.back(when))
        kind = values.dtype.kind
        dtype = "Int64" if kind in "iu" else values.dtype if kind in "Mf" else object  # room for "no origin"
        out = pd.Series([None] * len(self.persons), index=pd.Index(self.persons, name=self._person), dtype=dtype,
                        name="origin")
        out.iloc[a["person"][idx]] = values.to_numpy()
        counts["persons with an origin"] = int(len(idx))
        counts["persons without one"] = int(len(self.persons) - len(idx))
        out.attrs["counts"] = counts
        out.attrs["rule"] = (f"{at} of the {occurrence} spell in {', '.join(map(str, targets))} lasting at least "
                             f"{int(min_duration)} period(s)" + (" after the origin" if after is not None else ""))
        return out

    def counting_process(self, outcome: pd.DataFrame, columns: Sequence[str], *,
                         origin: str | Mapping[Any, Any] | pd.Series, lag: int = 1,
                         missing: str = "error") -> pd.DataFrame:
        """Splits each person's follow-up where a time-varying covariate changes: counting-process
        rows ``(person, start, stop, event, columns...)`` for :func:`cox` (``entry="start"``,
        ``cluster=`` the person), :func:`discrete_hazard` and the multi-state models, as R's
        ``tmerge(..., tdc())``.

        ``outcome`` is a right-censored outcome of the same spells (:meth:`time_to`,
        :meth:`time_to_first`, :meth:`time_to_exit`) and ``origin`` the origin it was built
        from. Rules: on the interval ``(t - 1, t]`` since the origin a covariate takes the value
        of period ``origin + t - lag``: with the default ``lag = 1`` the value of the period
        before the interval ends, known before the event it may explain (``lag = 0`` uses the
        event's own period). A period without a row (or a missing value) keeps the last value
        observed before it. Rows are split only where a value changes; follow-up starts at
        ``entry``, and the event sits on the person's last row. A person without any value at or
        before the start of follow-up is an error (``missing="error"``) or gets missing values
        until the first one (``missing="keep"``). The outcome's other columns (fixed
        covariates) are carried to every row of the person.

        Immortal time: a fixed covariate measured after the origin (total coaching hours,
        "completed the course") credits the person with the time it took to reach it; give such
        a quantity here as it accrues (hours so far, completed yet) instead.

        Examples
        --------
        >>> import duurzaam as dz
        >>> panel = dz.datasets.four_arm_panel(n_persons=200, seed=2)
        >>> since = panel["month"].dt.to_period("M") - panel["programme_start"].dt.to_period("M")
        >>> panel["coached"] = (since.map(lambda m: m.n) >= panel["person_id"] % 5).astype(int)
        >>> sp = dz.spells(panel, "person_id", "month", "status")
        >>> d = sp.time_to("work", origin="programme_start", covariates=["arm"])
        >>> rows = sp.counting_process(d, ["coached"], origin="programme_start")
        >>> rows.columns.tolist()
        ['person_id', 'start', 'stop', 'event', 'coached', 'arm']
        >>> fit = dz.cox(rows, "stop", "event", "coached + C(arm)", entry="start", cluster="person_id")
        """
        if missing not in ("error", "keep"):
            raise InputError(f"missing must be 'error' or 'keep', not {missing!r}")
        lag = int(lag)
        if lag < 0:
            raise InputError("lag must be >= 0")
        need = [self._person, "duration", "event", "entry"]
        absent = [c for c in need if c not in outcome.columns]
        if absent:
            raise InputError(f"outcome lacks column(s) {absent}: pass a right-censored outcome of these spells "
                             "(time_to, time_to_first or time_to_exit)")
        columns = list(columns)
        if not columns:
            raise InputError("columns is empty")
        clash = [c for c in columns if c in ("start", "stop", "event", self._person)]
        if clash:
            raise InputError(f"column(s) {clash} would overwrite the counting-process columns")
        pidx = pd.Index(self.persons).get_indexer(outcome[self._person])
        if (pidx < 0).any():
            row = int(np.flatnonzero(pidx < 0)[0])
            raise InputError(f"outcome row {row}: its person is not in the panel", column=self._person, row=row)
        o = self._origin(origin)[pidx]
        if (o == _NO_ORIGIN).any():
            row = int(np.flatnonzero(o == _NO_ORIGIN)[0])
            raise InputError(f"outcome row {row}: its person has no origin", row=row)
        entry = outcome["entry"].to_numpy(dtype=np.float64)
        stop = outcome["duration"].to_numpy(dtype=np.float64)
        if not (np.all(entry == np.floor(entry)) and np.all(stop == np.floor(stop))):
            raise InputError("counting_process splits whole periods; the outcome's times are not whole numbers")
        # Panel rows of the outcome's persons: the time from which each value is in force.
        out_row = np.full(len(self.persons), -1, dtype=np.int64)
        out_row[pidx] = np.arange(len(pidx))
        k = out_row[self._person_codes]
        rows = np.flatnonzero(k >= 0)
        k = k[rows]
        t_from = (self._row_periods[rows] - o[k]) + (lag - 1)
        frame = pd.DataFrame({"_k": k, "_t": t_from})
        for c in columns:
            frame[c] = pd.Series(self._frame.raw(c)).iloc[rows].to_numpy()
        # Each covariate keeps its last observed value over periods without one (as tdc()).
        frame = frame.sort_values(["_k", "_t"], kind="stable")
        frame[columns] = frame.groupby("_k", sort=False)[columns].ffill()
        # A value in force from before the entry counts from the entry; values from the stop on
        # never apply; of several values at one start time the last holds.
        frame = frame[frame["_t"].to_numpy() < stop[frame["_k"].to_numpy()]]
        frame["_t"] = np.maximum(frame["_t"].to_numpy(), entry[frame["_k"].to_numpy()])
        frame = frame[~frame.duplicated(["_k", "_t"], keep="last")]
        # Split only where something changes (missing equals missing).
        kk = frame["_k"].to_numpy()
        same = np.zeros(len(frame), dtype=bool)
        same[1:] = kk[1:] == kk[:-1]
        for c in columns:
            v = frame[c]
            eq = v.eq(v.shift()).to_numpy() | (v.isna() & v.shift().isna()).to_numpy()
            same &= eq
        frame = frame[~same]
        # Persons without a value of every covariate at the start of follow-up.
        firsts = frame[~frame["_k"].duplicated()]
        first_missing = firsts[columns].isna().any(axis=1).to_numpy()
        late = firsts["_t"].to_numpy() > entry[firsts["_k"].to_numpy()]
        no_value = np.setdiff1d(np.arange(len(pidx)), frame["_k"].to_numpy())
        if missing == "error" and (late.any() or first_missing.any() or no_value.size):
            bad = np.concatenate([firsts["_k"].to_numpy()[late | first_missing], no_value])
            raise InputError(f"{len(bad)} person(s) have no value of {columns} at the start of follow-up (the "
                             f"first is outcome row {int(bad.min())}); pass missing='keep' to give them missing "
                             "values until the first one", row=int(bad.min()))
        if late.any() or no_value.size:  # missing="keep": missing values until the first one
            lead = pd.DataFrame({"_k": np.concatenate([firsts["_k"].to_numpy()[late], no_value]),
                                 "_t": np.concatenate([entry[firsts["_k"].to_numpy()[late]], entry[no_value]])})
            frame = pd.concat([lead, frame], ignore_index=True).sort_values(["_k", "_t"], kind="stable")
        kk = frame["_k"].to_numpy()
        start = frame["_t"].to_numpy()
        nxt = np.empty(len(frame))
        last = np.ones(len(frame), dtype=bool)
        last[:-1] = kk[1:] != kk[:-1]
        nxt[:-1] = start[1:]
        nxt[last] = stop[kk[last]]
        ev = np.where(last, outcome["event"].to_numpy()[kk], 0)
        out = pd.DataFrame({self._person: outcome[self._person].to_numpy()[kk], "start": start, "stop": nxt,
                            "event": ev.astype(np.int64)})
        for c in columns:
            out[c] = frame[c].to_numpy()
        fixed = [c for c in outcome.columns if c not in need + ["reason", "cause"] + columns]
        for c in fixed:
            out[c] = outcome[c].to_numpy()[kk]
        out.attrs["rule"] = (f"follow-up split where {', '.join(columns)} change(s); the value of period origin + t - "
                             f"{lag} holds on (t - 1, t]; last value carried over periods without one")
        out.attrs["persons"] = int(len(pidx))
        return out

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

    def transitions(self, *, origin: str | Mapping[Any, Any] | pd.Series, covariates: Sequence[str] | None = None,
                    states: Mapping[Any, Any] | None = None, censored: str = "censored",
                    horizon: float | None = None) -> pd.DataFrame:
        """Rows for a multi-state model (:func:`duurzaam.multistate_cox`): one row per person per
        stay from the origin, ``person, entry, exit, from_state, to_state`` (times in periods since
        the origin; a stay in periods ``s .. e`` covers ``(s - origin, e + 1 - origin]``).

        Rules: the state at the origin is the first row (a stay that began before the origin
        enters at 0); a stay ends in the next observed state, or is ``censored`` where the next
        state is unknown (a gap in the data, leaving the panel, the panel's end, ``horizon``); after
        a gap the person re-enters in the state of their next stay (a gap in time, not a
        transition). Persons without an origin, or with no stay after it, are dropped and counted
        in ``attrs["dropped"]``.

        Parameters
        ----------
        states : mapping, optional
            Merge states (``{"education": "other"}``); consecutive stays in one merged state
            become one stay.
        covariates : list of str, optional
            Person-level columns (their value on the person's first row).
        horizon : float, optional
            End follow-up at this many periods since the origin.

        Examples
        --------
        >>> import duurzaam as dz
        >>> panel = dz.datasets.four_arm_panel(n_persons=200, seed=1)
        >>> sp = dz.spells(panel, "person_id", "month", "status")
        >>> rows = sp.transitions(origin="programme_start", states={"education": "other"})
        >>> rows.columns.tolist()
        ['person_id', 'entry', 'exit', 'from_state', 'to_state']
        """
        a = self._arrays
        o = self._origin(origin)
        person = a["person"].astype(np.int64)
        op = o[person]
        has_origin = op != _NO_ORIGIN
        start = np.where(has_origin, a["start"] - np.where(has_origin, op, 0), 0)
        end = np.where(has_origin, a["end"] - np.where(has_origin, op, 0) + 1, 0)
        labels = np.asarray(self.states, dtype=object)
        merge = dict(states or {})
        unknown = [k for k in merge if k not in self.states]
        if unknown:
            raise InputError(f"states= merges {unknown!r}, which are not states of the panel "
                             f"(states: {', '.join(map(str, self.states))})")
        mapped = np.array([merge.get(v, v) for v in labels], dtype=object)
        if censored in set(mapped.tolist()):
            raise InputError(f"censored={censored!r} is also a state of the panel: choose another label")
        frm = mapped[a["state"]]
        nxt = a["next"]
        to = np.where(nxt >= 0, mapped[np.clip(nxt, 0, None)], censored).astype(object)
        keep = has_origin & (end > 0)
        entry = np.maximum(start, 0).astype(float)
        exit_ = end.astype(float)
        if horizon is not None:
            h = float(horizon)
            if not h > 0:
                raise InputError(f"horizon must be positive, not {horizon!r}")
            keep &= entry < h
            to = np.where(exit_ > h, censored, to).astype(object)
            exit_ = np.minimum(exit_, h)
        idx = np.flatnonzero(keep)
        p, en, ex, fr, tt = person[idx], entry[idx], exit_[idx], frm[idx], to[idx]
        # join consecutive stays in one merged state (a move into a merged-away state)
        if len(idx):
            joins = np.zeros(len(idx), dtype=bool)
            joins[1:] = (p[1:] == p[:-1]) & (fr[1:] == fr[:-1]) & (tt[:-1] == fr[1:]) & (ex[:-1] == en[1:])
            group = np.cumsum(~joins) - 1
            first = np.flatnonzero(~joins)
            last = np.r_[first[1:] - 1, len(idx) - 1]
            p, en, fr, ex, tt = p[first], en[first], fr[first], ex[last], tt[last]
            del group
        out = pd.DataFrame({self._person: np.asarray(self.persons, dtype=object)[p] if len(p) else [],
                            "entry": en, "exit": ex, "from_state": fr, "to_state": tt})
        if len(p):
            out[self._person] = out[self._person].astype(pd.Series(self.persons).dtype)
        self._covariates(out, p, covariates)
        with_rows = np.zeros(len(self.persons), dtype=bool)
        with_rows[p] = True
        no_origin = int(np.sum(o == _NO_ORIGIN))
        dropped = {"no origin": no_origin, "no stay after the origin": int(np.sum(~with_rows)) - no_origin}
        out.attrs["dropped"] = {k: v for k, v in dropped.items() if v}
        out.attrs["censored"] = censored
        if not len(out):
            raise EmptyDataError("no stays after the origin; dropped: "
                                 + "; ".join(f"{r}: {n}" for r, n in dropped.items()))
        return out

    def recurrent(self, state: Any | Iterable[Any], *, origin: str | Mapping[Any, Any] | pd.Series,
                  covariates: Sequence[str] | None = None, horizon: float | None = None,
                  states: Mapping[Any, Any] | None = None) -> pd.DataFrame:
        """Recurrent-event rows: every entry into ``state`` after the origin (every return to
        work, or with ``state="benefit"`` every return to benefit, a job lost), for Andersen-Gill,
        PWP and frailty models.

        Rules: a person is at risk of the event while outside ``state`` (time in ``state`` is
        not at risk: nobody returns to work while working); each stay outside it is a row
        ``(entry, exit]`` in periods since the origin, with ``event`` 1 where it ended in
        ``state``; ``episode`` numbers the events a person is at risk for (1 before the first
        event, 2 before the second, ...); ``gap_entry``/``gap_exit`` restart the clock where each
        episode begins, on leaving ``state`` (for PWP gap time). A stay in ``state`` first seen
        after a gap in the data still ends an episode (the return happened at an unknown time:
        the row before the gap is censored there). Built from :meth:`transitions` (same origin, gap and
        censoring rules); persons in ``state`` at the origin enter the risk set when they leave it.

        Use: Andersen-Gill ``dz.cox(rows, "exit", "event", x, entry="entry", cluster=person)``;
        PWP total time adds ``strata="episode"``; PWP gap time uses ``gap_entry``/``gap_exit``.

        Examples
        --------
        >>> import duurzaam as dz
        >>> panel = dz.datasets.four_arm_panel(n_persons=200, seed=1)
        >>> rows = dz.spells(panel, "person_id", "month", "status").recurrent("work", origin="programme_start")
        >>> rows.columns.tolist()
        ['person_id', 'entry', 'exit', 'event', 'episode', 'gap_entry', 'gap_exit', 'from_state']
        """
        targets = set(state) if isinstance(state, (list, tuple, set, frozenset)) else {state}
        for t in targets:
            self._state_code(t, "state")
        tr = self.transitions(origin=origin, covariates=covariates, horizon=horizon, states=states)
        merged = {(states or {}).get(t, t) for t in targets}
        in_state = tr["from_state"].isin(merged).to_numpy()
        pid = tr[self._person].to_numpy()
        same_next = np.r_[pid[1:] == pid[:-1], False]
        keep = ~in_state
        rows = tr.loc[keep].reset_index(drop=True)
        event = rows["to_state"].isin(merged).to_numpy().astype(np.int64)
        # an episode ends with the event, or where the next stay is in the state though its entry
        # fell in a gap of the data; the next one begins on leaving the state
        ends = (event == 1) | (same_next & np.r_[in_state[1:], False])[keep]
        person = rows[self._person].to_numpy()
        first = np.r_[True, person[1:] != person[:-1]]
        before = np.cumsum(ends) - ends
        episode = before - np.repeat(before[first], np.diff(np.r_[np.flatnonzero(first), len(rows)])) + 1
        begins = first | np.r_[False, ends[:-1]]
        block = np.cumsum(begins) - 1
        clock0 = rows["entry"].to_numpy()[np.flatnonzero(begins)][block]
        out = pd.DataFrame({self._person: rows[self._person], "entry": rows["entry"], "exit": rows["exit"],
                            "event": event, "episode": episode, "gap_entry": rows["entry"] - clock0,
                            "gap_exit": rows["exit"] - clock0, "from_state": rows["from_state"]})
        for c in covariates or []:
            out[c] = rows[c].to_numpy()
        out.attrs.update(tr.attrs)
        out.attrs["rule"] = f"every entry into {', '.join(map(str, sorted(map(str, targets))))} after the origin"
        return out

    def employer_continuity(self, from_state: Any, to_state: Any = "work", *, within: int = 0,
                            origin: str | Mapping[Any, Any] | pd.Series | None = None) -> pd.DataFrame:
        """Who stays with the employer: for every spell in ``from_state`` (a subsidised job) whose
        end is observed, the first spell in ``to_state`` that starts within ``within`` periods
        after it ends, and whether its employer is the same ("55% in a regular job within six
        months, 40% with the same employer"). Needs spells built with ``employer=``.

        Returns one row per ``from_state`` spell: ``person, start, end, employer, next_state``
        (the state right after), ``next_start``, ``next_employer`` (of the first ``to_state``
        spell in the window, else missing), ``months_between``, ``outcome`` ("same employer",
        "other employer", "no job within the window", or "not observed" where the data end or
        have a gap before the window closes). With ``origin``, only spells ending after it.

        Examples
        --------
        >>> import pandas as pd, duurzaam as dz
        >>> panel = pd.DataFrame({"id": [1, 1, 1, 2, 2, 2], "month": [1, 2, 3, 1, 2, 3],
        ...                       "status": ["subsidised", "work", "work", "subsidised", "benefit", "work"],
        ...                       "employer": ["A", "A", "A", "B", None, "C"]})
        >>> sp = dz.spells(panel, "id", "month", "status", employer="employer")
        >>> sp.employer_continuity("subsidised", within=1)["outcome"].tolist()
        ['same employer', 'other employer']
        """
        if self._employer is None:
            raise InputError("employer_continuity needs spells built with employer= (the employer column)")
        if isinstance(within, bool) or not isinstance(within, (int, np.integer)) or within < 0:
            raise InputError(f"within must be a whole number of periods >= 0, not {within!r}")
        f = self._state_code(from_state, "from_state")
        w = self._state_code(to_state, "to_state")
        a = self._arrays
        t = self._table
        emp_col = self._employer
        person, state, start, end, nxt = a["person"], a["state"], a["start"], a["end"], a["next"]
        idx = np.flatnonzero(state == f)
        if origin is not None:
            o = self._origin(origin)
            op = o[person[idx]]
            idx = idx[(op != _NO_ORIGIN) & (end[idx] >= op)]
        rows = []
        labels = np.asarray(self.states, dtype=object)
        reasons = self._end_reasons(idx)
        for k, i in enumerate(idx.tolist()):
            p = person[i]
            # spells of the same person after this one, in order
            j = i + 1
            found = None
            while j < len(person) and person[j] == p and start[j] <= end[i] + 1 + within:
                if state[j] == w:
                    found = j
                    break
                j += 1
            if found is not None:
                same = t[emp_col].iloc[found] == t[emp_col].iloc[i] and pd.notna(t[emp_col].iloc[i])
                outcome = "same employer" if same else "other employer"
            else:
                # was the whole window observed? follow the chain of adjacent spells
                last_seen, j = end[i], i
                while j < len(person) and person[j] == p and nxt[j] >= 0 and last_seen < end[i] + 1 + within:
                    j += 1
                    last_seen = end[j]
                outcome = "no job within the window" if last_seen >= end[i] + 1 + within else "not observed"
            rows.append((self.persons[p], self._clock.back(np.array([start[i]]))[0], self._clock.back(np.array([end[i]]))[0],
                         t[emp_col].iloc[i], labels[nxt[i]] if nxt[i] >= 0 else reasons[k],
                         None if found is None else self._clock.back(np.array([start[found]]))[0],
                         None if found is None else t[emp_col].iloc[found],
                         None if found is None else int(start[found] - end[i] - 1), outcome))
        out = pd.DataFrame(rows, columns=[self._person, "start", "end", "employer", "next_state", "next_start",
                                          "next_employer", "months_between", "outcome"])
        out["months_between"] = out["months_between"].astype("Int64")
        return out

    def spell_durations(self, state: Any, *, ends_in: Any | Iterable[Any],
                        origin: str | Mapping[Any, Any] | pd.Series | None = None, first_only: bool = True,
                        within: int = 0, covariates: Sequence[str] | None = None,
                        running_at_origin: str = "drop") -> pd.DataFrame:
        """Durations of spells in ``state`` with the event "the spell ended in ``ends_in``":
        "uitval", the time from the start of a job to the return to benefit.

        A spell that ends in another observed state is censored at its end (the return to benefit
        did not happen while in work); one running at the end of the data or before a gap is
        censored there. Spells that start in the panel's first period (left-censored: their start
        is unknown) are dropped and counted. With ``origin``, only spells starting after each
        person's origin count; ``first_only`` keeps the first such spell per person.

        A spell already running at the origin (a job held when the programme starts) is dropped
        and counted (``running_at_origin="drop"``), or kept as a left-truncated spell
        (``"entry"``): its duration still counts from its start, and it is at risk from
        ``entry`` = the periods it had lasted at the origin (origin - start + 1) on, so
        :func:`kaplan_meier` with ``entry="entry"`` gives the right risk sets. A running spell
        whose start is unknown (it starts in the panel's first period) or that ends at the origin
        is still dropped and counted.

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
        if running_at_origin not in ("drop", "entry"):
            raise InputError(f"running_at_origin must be 'drop' or 'entry', not {running_at_origin!r}")
        entry = np.zeros(len(a["person"]))
        if origin is not None:
            o = self._origin(origin)
            op = o[a["person"]]
            before = sel & ((op == _NO_ORIGIN) | (a["start"] <= op))
            if running_at_origin == "entry":
                running = before & (op != _NO_ORIGIN) & (a["end"] > op)
                entry[running] = (op[running] - a["start"][running] + 1).astype(np.float64)
                before &= ~running
                counts["spell starts at or before the origin and ends by it"] = int(before.sum())
            else:
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
            "entry": entry[idx],
            "reason": reason,
        })
        self._covariates(out, a["person"][idx], covariates)
        if running_at_origin == "entry":
            out.attrs["left_truncated"] = int((entry[idx] > 0).sum())
        out.attrs["dropped"] = counts
        cens = pd.Series(reason[event == 0]).value_counts(sort=False)
        out.attrs["censoring"] = {str(k): int(v) for k, v in cens.sort_index().items()}
        out.attrs["rule"] = (f"duration of {'first ' if first_only else ''}{state} spells; event: next state in "
                             f"{', '.join(map(str, ends))}" + (f" within {within} period(s)" if within else ""))
        if not len(out):
            raise EmptyDataError(f"no {state} spell is left under the rule ({out.attrs['rule']})")
        return out


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
