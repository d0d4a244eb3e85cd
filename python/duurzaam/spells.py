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

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._input import Frame, core_call
from ._result import Result, handout, result
from .errors import EmptyDataError, InputError
from .occupancy import Occupancy, OccupancyRules
from .outcomes import OutcomeRules, drop_summary

from ._spellcodes import _NEXT_END, _NO_ORIGIN


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
        if self.kind == "yyyymm":
            ordinals = np.asarray(ordinals, dtype=np.int64)
            return (ordinals // 12 + 1970) * 100 + ordinals % 12 + 1
        if self.kind == "period":
            maker = getattr(pd.PeriodIndex, "from_ordinals", None)
            idx = maker(ordinals, freq=self.freq) if maker else pd.PeriodIndex(ordinal=ordinals, freq=self.freq)
            return pd.Series(idx)
        return ordinals


#: Integers from these bounds, every one with a month 01..12 in its last two digits, are read as
#: CBS-style YYYYMM months (a panel of month counts never reaches 1900-01 = 190001).
_YYYYMM_RANGE = (190001, 299912)


def _yyyymm(arr: np.ndarray) -> bool:
    """Whether whole numbers look like YYYYMM months (all of them, in range, months 1..12)."""
    return bool(arr.size) and bool(np.all((arr >= _YYYYMM_RANGE[0]) & (arr <= _YYYYMM_RANGE[1])
                                          & (arr % 100 >= 1) & (arr % 100 <= 12)))


def _to_periods(values: Any, name: str, clock: _Clock | None = None,
                fmt: str = "auto") -> tuple[np.ndarray, _Clock]:
    """Integer periods (months since 1970-01 for calendar months) from an integer, YYYYMM integer,
    datetime, pandas Period or text ("2024-03", "202403", "2024-03-15") column. With ``clock``
    (the panel's), other columns (the origin) are read the way the panel's periods were."""
    s = _series(values)
    if fmt not in ("auto", "yyyymm", "count"):
        raise InputError(f"period_format must be 'auto', 'yyyymm' or 'count', not {fmt!r}")
    if clock is not None:
        fmt = {"yyyymm": "yyyymm", "integer": "count"}.get(clock.kind, fmt)
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
        ints = arr.astype(np.int64)
        if fmt == "yyyymm" or (fmt == "auto" and _yyyymm(ints)):
            month = ints % 100
            bad = np.flatnonzero((month < 1) | (month > 12) | (ints < _YYYYMM_RANGE[0]) | (ints > _YYYYMM_RANGE[1]))
            if bad.size:
                raise InputError(f"column '{name}': not a YYYYMM month (row {int(bad[0])})", column=name, row=int(bad[0]))
            out = (ints // 100 - 1970) * 12 + month - 1
            got = _Clock("yyyymm")
        else:
            if fmt == "auto" and np.any(ints >= 100_000):
                row = int(np.argmax(ints >= 100_000))
                raise InputError(
                    f"column '{name}' mixes values that look like YYYYMM months with others (row {row}): give "
                    "period_format='yyyymm' (CBS-style months) or period_format='count' (period numbers)",
                    column=name, row=row)
            out = ints
            got = _Clock("integer")
    elif pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
        text = s.astype("string").str.strip()
        if text.isna().any():
            row = int(np.flatnonzero(text.isna().to_numpy())[0])
            raise InputError(f"column '{name}' has a missing period (row {row})", column=name, row=row)
        compact = text.str.fullmatch(r"\d{6}").fillna(False).to_numpy()
        text = text.where(~compact, text.str.slice(0, 4) + "-" + text.str.slice(4, 6))
        try:
            idx = pd.PeriodIndex(pd.to_datetime(text, format="ISO8601"), freq="M")
        except (ValueError, TypeError):
            good = pd.to_datetime(text, format="ISO8601", errors="coerce").isna().to_numpy()
            row = int(np.flatnonzero(good)[0]) if good.any() else 0
            raise InputError(f"column '{name}': not a month or date (\"2024-03\", \"202403\" or \"2024-03-15\") "
                             f"(row {row})", column=name, row=row) from None
        out = idx.asi8.astype(np.int64)
        got = _Clock("period", idx.freq)
    else:
        raise InputError(f"column '{name}' must hold integers, YYYYMM months, dates or pandas Periods (dtype {s.dtype})",
                         column=name)
    if clock is not None and (clock.kind != got.kind or clock.freq != got.freq):
        raise InputError(f"column '{name}' holds {got.kind} periods but the panel's period column holds {clock.kind}", column=name)
    return np.ascontiguousarray(out), got


@result
class Spells(OutcomeRules, OccupancyRules, Result):
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

    _core: Any
    _arrays: dict[str, np.ndarray]
    persons: list[Any]
    states: list[Any]
    _clock: _Clock
    _frame: Frame
    _person_codes: np.ndarray
    _person: str
    _counts: dict[str, int]
    _period: str
    _employer: str | None = None
    _employers: list[Any] | None = None

    @classmethod
    def _from_core(cls, core: Any, persons: list[Any], states: list[Any], clock: _Clock, frame: Frame,
                  person_codes: np.ndarray, counts: dict[str, int], person: str, period: str,
                  employer: str | None = None, employers: list[Any] | None = None) -> Spells:
        return cls(_core=core, _arrays=core.arrays(), persons=persons, states=states, _clock=clock, _frame=frame,
                   _person_codes=person_codes, _person=person, _counts=counts, _period=period, _employer=employer,
                   _employers=employers)

    # -- the spell table -------------------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:
        return handout(self._table)

    @cached_property
    def _table(self) -> pd.DataFrame:
        a = self._arrays
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
        if self._employer is not None and "key" in a:
            emp = np.asarray(list(self._employers or []) + [None], dtype=object)
            k = a["key"].astype(np.int64)
            t.insert(3, self._employer, emp[np.where(k >= len(emp) - 1, len(emp) - 1, k)])
        return t

    def _end_reasons(self, idx: np.ndarray) -> np.ndarray:
        """How spells ``idx`` ended: the next state, "gap in the data", "end of panel" or "left the
        panel"."""
        a = self._arrays
        nxt = a["next"][idx]
        labels = np.asarray(self.states, dtype=object)
        reason = np.where(nxt >= 0, labels[np.clip(nxt, 0, None)], "gap in the data").astype(object)
        if "key" in a:  # the same state again: a change of employer
            reason[(nxt >= 0) & (nxt == a["state"][idx])] = "new employer"
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
        return _series(self._frame.raw(column)).iloc[self._first_rows].reset_index(drop=True)

    @cached_property
    def _row_periods(self) -> np.ndarray:
        """The period of every panel row, as integers (read again from the panel when needed)."""
        return _to_periods(self._frame.raw(self._period), self._period, self._clock)[0]

    def _spell_at(self, persons: np.ndarray, periods: np.ndarray) -> np.ndarray:
        """The spell (its position in the spell arrays) that person code ``persons[i]`` is in at
        ``periods[i]``, or -1 (unobserved, or a gap that ends a spell). Spells are in person and
        start order, so one binary search each."""
        a = self._arrays
        span = int(a["panel_last"]) - int(a["panel_first"]) + 2
        key = a["person"].astype(np.int64) * span + (a["start"] - a["panel_first"])
        want = np.asarray(persons, dtype=np.int64) * span + (np.asarray(periods) - a["panel_first"])
        k = np.searchsorted(key, want, side="right") - 1
        kk = np.maximum(k, 0)
        inside = (k >= 0) & (a["person"][kk] == persons) & (periods <= a["end"][kk])
        return np.where(inside, k, -1)

    @cached_property
    def _row_states(self) -> np.ndarray:
        """The state code of each panel row's spell (-1 for a row in no spell)."""
        k = self._spell_at(self._person_codes, self._row_periods)
        return np.where(k >= 0, self._arrays["state"][np.maximum(k, 0)].astype(np.int64), -1)

    @cached_property
    def _first_rows(self) -> np.ndarray:
        """Each person's first row, found once."""
        return np.unique(self._person_codes, return_index=True)[1]

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


def spells(data: Any, person: str, period: str, status: str, *, max_gap: int | Mapping[Any, int] = 0,
           max_unobserved: int = 0, missing: Iterable[Any] | None = None, hours: str | None = None, min_hours: float | None = None,
           hours_bands: Mapping[Any, float] | None = None,
           earnings: str | None = None, min_earnings: float | None = None, work: Any = "work",
           below_threshold: Any = "work below threshold", keep_rows: bool = False, employer: str | None = None,
           period_format: str = "auto") -> Spells:
    """Builds employment spells from a long register panel (one row per person per period).

    Parameters
    ----------
    data : pandas or polars DataFrame, or dict of arrays
        The panel; rows in any order.
    person, period, status : str
        Column names. ``period`` holds integers (month numbers), CBS-style YYYYMM integers
        (``202403``), dates (taken to their month), pandas Periods, or text ("2024-03", "202403",
        "2024-03-15", as read from a CSV). ``status`` holds the state labels.
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
    employer : str, optional
        The employer of each row (missing where there is none, e.g. on benefit): a change of
        employer starts a new spell (its end reason reads "new employer"), a gap is bridged only
        back to the same employer, and the spell table gets the employer of each spell. Outcomes that ask for work in a run
        (``time_to("work", min_duration=6)``) still count adjacent jobs as one run; job
        retention (``spell_durations``) becomes retention with one employer, and
        :meth:`Spells.employer_continuity` says who stays with the employer of a job.
    period_format : {"auto", "yyyymm", "count"}
        How integer periods are read. ``"auto"``: as YYYYMM months when every value is one
        (190001 to 299912, months 01 to 12; December to January is then one month), as period
        numbers when all are below 100000, and an error otherwise, never a silent misreading.
        The origin column is read the same way as ``period``.

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
    periods, clock = _to_periods(frame.raw(period), period, fmt=period_format)
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
            if not np.any(codes == w_code):
                # every work row is in a band or below the threshold: no empty "work" state remains
                labels = labels[:w_code] + labels[w_code + 1:]
                codes = np.where(codes > w_code, codes - 1, codes)
                if isinstance(max_gap, Mapping) and work in max_gap:  # a gap for work holds for each band
                    max_gap = {**{k: v for k, v in max_gap.items() if k != work},
                               **{lab: max_gap[work] for _, lab in bands}}
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
    key = None
    employers: list[Any] = []
    if employer is not None:
        # the employer of every row that has one (work, a subsidised job); missing elsewhere
        emp = pd.Series(frame.raw(employer)).reset_index(drop=True)
        e_codes, uniq = pd.factorize(emp, sort=True)
        key = np.where(e_codes < 0, np.iinfo(np.uint32).max, e_codes).astype(np.uint32)
        employers = list(uniq)
        work_codes = [labels.index(work)] if work in labels else []
        counts["work rows without an employer"] = int(np.sum(np.isin(codes, work_codes) & (e_codes < 0)))
    core = core_call(_core.build_spells, names, frame, np.ascontiguousarray(pcodes, dtype=np.uint32), periods,
                     np.ascontiguousarray(state), len(persons), len(labels), gaps, int(max_unobserved), keep_rows,
                     key=key)
    return Spells._from_core(core, persons, labels, clock, frame, np.asarray(pcodes), counts, person, period,
                             employer, employers if employer is not None else None)


__all__ = ["spells", "Spells", "Occupancy", "drop_summary"]
