"""Statistical disclosure control for tables and curves made from register microdata.

Counts are rounded to a base (5 or 10) and counts below a minimum (10 by default) are suppressed:
shown as missing and flagged, never as 0. Kaplan-Meier curves are recomputed from rounded
cumulative event and censoring counts, so that no step of the published curve reveals a single
person; the curve stops where fewer than the minimum remain at risk. Each function returns the
safe table and a short report for the export checklist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _lang
from ._model import _z
from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .nonparametric import KaplanMeier


@dataclass
class DisclosureReport:
    """What was done to a table before export."""

    round_to: int
    min_count: int
    rows_in: int = 0
    rows_out: int = 0
    cells_suppressed: int = 0
    notes: list[str] = field(default_factory=list)
    #: per group level (None without groups): the time from which the published curve is cut
    stopped: dict[Any, float] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"counts rounded to multiples of {self.round_to}; counts below {self.min_count} suppressed",
                 f"rows: {self.rows_in} in, {self.rows_out} out; cells suppressed: {self.cells_suppressed}"]
        return "\n".join(lines + self.notes)


def _check(round_to: Any, min_count: Any) -> tuple[int, int]:
    if isinstance(round_to, bool) or not isinstance(round_to, (int, np.integer)) or round_to < 1:
        raise InputError(f"round_to must be a whole number >= 1 (5 or 10 for register data), not {round_to!r}")
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 0:
        raise InputError(f"min_count must be a whole number >= 0, not {min_count!r}")
    return int(round_to), int(min_count)


@dataclass(frozen=True)
class DisclosurePolicy:
    """One statistical disclosure control policy for everything that leaves the machine.

    The rules are those of the statistical offices' remote-access output checks (CBS, Eurostat's
    SDC guidelines for microdata output):

    * **rounding**: every count (persons, person-months, spells, events, numbers at risk) is rounded
      to a multiple of ``round_to`` (half up), so that differencing two tables never gives an exact
      count;
    * **minimum cell count**: a count below ``min_count`` is not published: missing and flagged in
      tables, written ``"<10"`` in text and under figures, never 0 or itself;
    * **curves from rounded counts** (the "minimum events per step" rule of published Kaplan-Meier
      curves): curves are recomputed from rounded cumulative counts, so every step is a multiple of
      ``round_to`` events, and stop before fewer than ``min_count`` remain at risk;
    * **estimates** (shares, coefficients, test statistics) derived from the data are rounded to
      ``decimals`` decimals, shares to ``share_decimals``; a share whose denominator is below
      ``min_count`` is suppressed.

    Examples
    --------
    >>> from duurzaam.disclosure import DisclosurePolicy
    >>> p = DisclosurePolicy(round_to=5, min_count=10)
    >>> p.count(1234), p.count_text(1234), p.count_text(7)
    (1235.0, '1,235', '<10')
    """

    round_to: int = 5
    min_count: int = 10
    decimals: int = 3
    share_decimals: int = 3

    def __post_init__(self) -> None:
        _check(self.round_to, self.min_count)
        for name in ("decimals", "share_decimals"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v <= 12:
                raise InputError(f"{name} must be a whole number from 0 to 12, not {v!r}")

    def count(self, x: Any) -> Any:
        """A count (or array of counts) rounded, or NaN below the minimum."""
        a = np.asarray(x, dtype=float)
        out = np.where(a < self.min_count, np.nan, _round(a, self.round_to))
        return float(out) if out.ndim == 0 else out

    def count_text(self, x: float, lang: str = "en") -> str:
        """A count as published text: rounded with thousands separators, or "<min_count"."""
        return _lang.count(self.count(x), lang, below=f"<{self.min_count}")

    def counts(self, table: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, DisclosureReport]:
        """:func:`round_counts` under this policy."""
        return round_counts(table, columns, round_to=self.round_to, min_count=self.min_count)

    def estimates(self, table: pd.DataFrame, columns: Sequence[str], *, share: bool = False) -> pd.DataFrame:
        """The estimate ``columns`` rounded to ``decimals`` (``share_decimals`` for shares)."""
        out = table.copy()
        for c in columns:
            if c in out.columns:
                out[c] = out[c].astype(float).round(self.share_decimals if share else self.decimals)
        return out


def _round(x: Any, base: int) -> np.ndarray:
    # round half up, so that rounding never produces a systematic zero for small counts
    return np.floor(np.asarray(x, dtype=float) / base + 0.5) * base


def round_counts(table: pd.DataFrame, columns: Sequence[str], *, round_to: int = 5,
                 min_count: int = 10) -> tuple[pd.DataFrame, DisclosureReport]:
    """Rounds the count ``columns`` to multiples of ``round_to`` and suppresses counts below
    ``min_count`` (shown as missing, with a boolean ``<column>_suppressed`` flag). The rounded
    counts are integers (pandas' nullable ``Int64``), so a CSV shows ``125``, not ``125.0``.

    Examples
    --------
    >>> import pandas as pd
    >>> from duurzaam.disclosure import round_counts
    >>> t, rep = round_counts(pd.DataFrame({"arm": ["a", "b"], "n": [123, 7]}), ["n"])
    >>> t["n"].tolist(), t["n_suppressed"].tolist(), rep.cells_suppressed
    ([125, <NA>], [False, True], 1)
    """
    round_to, min_count = _check(round_to, min_count)
    out = table.copy()
    rep = DisclosureReport(round_to, min_count, rows_in=len(table), rows_out=len(table))
    for c in columns:
        raw = out[c].to_numpy(dtype=float)
        low = ~(raw >= min_count)  # NaN counts stay suppressed
        out[c] = pd.array(np.where(low, np.nan, _round(raw, round_to)), dtype="Float64").round().astype("Int64")
        out[f"{c}_suppressed"] = low
        rep.cells_suppressed += int(low.sum())
    return out, rep


def safe_km_table(km: KaplanMeier, *, round_to: int = 5, min_count: int = 10) -> tuple[pd.DataFrame, DisclosureReport]:
    """A Kaplan-Meier table safe to publish: per group, the cumulative numbers of entries, of
    events and of exits (events and censorings) are rounded to multiples of ``round_to``; the
    number at risk is rounded entries minus rounded exits before each time, the events at a time
    are the step in rounded cumulative events (never more than those at risk), and the curve and
    its Greenwood standard error are recomputed from these counts. The result is a valid survival
    curve (non-increasing, between 0 and 1) in which every step is a multiple of ``round_to``
    events. Times where nothing changes after rounding merge away, and the curve stops before the
    number at risk falls below ``min_count``; a group too small for any row is left out and
    named in the report. Intervals are on the log scale.

    Examples
    --------
    >>> import duurzaam as dz
    >>> km = dz.kaplan_meier(dz.datasets.load_rossi(), "week", "arrest", group="fin")
    >>> t, rep = km.safe_table(round_to=5, min_count=10)
    >>> bool((t["n_event"] % 5 == 0).all() and (t["n_event"] <= t["n_risk"]).all())
    True
    """
    round_to, min_count = _check(round_to, min_count)
    t = km.table
    z = _z(km.conf_level)
    rep = DisclosureReport(round_to, min_count, rows_in=len(t))
    parts = []
    groups = [None] if km.group is None else km.levels
    for lvl in groups:
        part = t if km.group is None else t[t[km.group] == lvl]
        name = "curve" if lvl is None else f"group {lvl}"
        n = part["n_risk"].to_numpy(dtype=float)
        d = part["n_event"].to_numpy(dtype=float)
        c = part["n_censor"].to_numpy(dtype=float)
        out_before = np.concatenate([[0.0], np.cumsum(d + c)[:-1]])
        cum_entry = _round(n + out_before, round_to)      # entered by each time
        cum_d = _round(np.cumsum(d), round_to)
        cum_x = _round(np.cumsum(d + c), round_to)        # left the risk set by each time
        keep = (np.diff(np.concatenate([[0.0], cum_d])) > 0) | (np.diff(np.concatenate([[0.0], cum_x])) > 0)
        time = part["time"].to_numpy()[keep]
        cum_entry, cum_d, cum_x = cum_entry[keep], cum_d[keep], cum_x[keep]
        prev_d = np.concatenate([[0.0], cum_d[:-1]])
        prev_x = np.concatenate([[0.0], cum_x[:-1]])
        n_r = np.maximum(cum_entry - prev_x, 0.0)
        d_r = np.minimum(cum_d - prev_d, n_r)
        c_r = np.maximum(cum_x - prev_x - d_r, 0.0)
        ok = n_r >= max(min_count, 1)
        if not ok.all():
            stop = int(np.argmin(ok))
            if stop:
                rep.notes.append(f"{name}: stopped at time {time[stop]:g}, where fewer than {min_count} were at risk")
            rep.stopped[lvl] = float(time[stop])
            time, n_r, d_r, c_r = time[:stop], n_r[:stop], d_r[:stop], c_r[:stop]
        if not len(time):
            rep.notes.append(f"{name}: too few persons to publish any part of the curve")
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.cumprod(1 - d_r / n_r)
            gw = np.cumsum(np.where(d_r > 0, d_r / (n_r * (n_r - d_r)), 0.0))
            se = np.where(s > 0, s * np.sqrt(gw), np.nan)  # as R: undefined once the curve reaches 0
            lower = np.where(s > 0, np.exp(np.log(s) - z * np.sqrt(gw)), np.nan)
            upper = np.where(s > 0, np.minimum(np.exp(np.log(s) + z * np.sqrt(gw)), 1.0), np.nan)
        frame = pd.DataFrame({"time": time, "n_risk": n_r, "n_event": d_r, "n_censor": c_r, "survival": s,
                              "std_err": se, "lower": lower, "upper": upper})
        if km.group is not None:
            frame.insert(0, km.group, lvl)
        parts.append(frame)
    cols = ([km.group] if km.group is not None else []) + ["time", "n_risk", "n_event", "n_censor", "survival",
                                                          "std_err", "lower", "upper"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    rep.rows_out = len(out)
    if rep.rows_out < rep.rows_in:
        rep.notes.append(f"{rep.rows_in - rep.rows_out} time points merged or cut by rounding and suppression")
    return out, rep


def safe_at(table: pd.DataFrame, times: Sequence[float], value_columns: Sequence[str],
            by: Sequence[str] = (), *, before: float = np.nan,
            stopped: dict[Any, float] | None = None) -> pd.DataFrame:
    """Values of a published (step-function) table at ``times``: the last row at or before each
    time, per ``by`` group; ``before`` before a group's first row (1 for survival, 0 for an
    incidence); NaN from the time a group's curve was cut (``stopped``, from the
    :class:`DisclosureReport`, keyed by the first ``by`` column's level)."""
    rows = []
    groups = [((), table)] if not by else [(k if isinstance(k, tuple) else (k,), g)
                                          for k, g in table.groupby(list(by), sort=False, observed=True)]
    stopped = stopped or {}
    for key, g in groups:
        g = g.sort_values("time")
        tt = g["time"].to_numpy(dtype=float)
        cut = stopped.get(key[0] if key else None, np.inf)
        for t in times:
            i = int(np.searchsorted(tt, float(t), side="right")) - 1
            row = dict(zip(by, key))
            row["time"] = t
            for c in value_columns:
                row[c] = np.nan if float(t) >= cut else (g[c].to_numpy(dtype=float)[i] if i >= 0 else before)
            rows.append(row)
    return pd.DataFrame(rows, columns=list(by) + ["time"] + list(value_columns))


def safe_cif_table(ci: Any, *, round_to: int = 5, min_count: int = 10) -> tuple[pd.DataFrame, DisclosureReport]:
    """A cumulative incidence table safe to publish: per group, the cumulative numbers of events of
    each cause and of censorings are rounded, the Aalen-Johansen curves and their
    infinitesimal-jackknife standard errors are recomputed from the rounded counts (as if those
    were the data), times where nothing changes after rounding merge away, and the curves stop
    before the number at risk falls below ``min_count``. With delayed entry the cumulative
    entries are rounded too, and a person entering between two published times enters at the
    earlier one. For data without case weights.

    Examples
    --------
    >>> import duurzaam as dz
    >>> d = dz.datasets.subsidised_job_exits()
    >>> t, rep = dz.cumulative_incidence(d, "months", "exit", group="route").safe_table(round_to=5)
    >>> bool((t["n_event"] % 5 == 0).all())
    True
    """
    round_to, min_count = _check(round_to, min_count)
    if getattr(ci, "_weighted", False):
        raise InputError("safe tables of the cumulative incidence are for data without case weights")
    k = ci.n_causes
    rep = DisclosureReport(round_to, min_count, rows_in=len(ci.table))
    parts = []
    groups = [None] if ci.group is None else ci.levels
    for lvl, c in zip(groups, ci._curves):
        time = np.asarray(c["time"], dtype=float)
        m = len(time)
        cause = np.asarray(c["n_cause"], dtype=float).reshape(m, k)
        cens = np.asarray(c["n_censor"], dtype=float)
        n_risk = np.asarray(c["n_risk"], dtype=float)
        out_before = np.concatenate([[0.0], np.cumsum(cause.sum(axis=1) + cens)[:-1]])
        cum_entry = _round(n_risk + out_before, round_to)          # entered by each time
        cum = np.column_stack([_round(np.cumsum(cause[:, j]), round_to) for j in range(k)] +
                              [_round(np.cumsum(cens), round_to)])
        counts = np.diff(np.vstack([np.zeros(k + 1), cum]), axis=0)
        entries = np.diff(np.concatenate([[0.0], cum_entry]))
        keep = (counts.sum(axis=1) > 0) | (entries > 0)
        time, counts, entries = time[keep], counts[keep], entries[keep]
        # at risk = rounded entries minus the exits before; exits beyond it are cut (censorings first)
        at_risk = np.zeros(len(time))
        gone = 0.0
        for j in range(len(time)):
            at_risk[j] = max(entries[: j + 1].sum() - gone, 0.0)
            excess = counts[j].sum() - at_risk[j]
            for col in [k] + list(range(k - 1, -1, -1)):
                if excess <= 0:
                    break
                cut = min(excess, counts[j, col])
                counts[j, col] -= cut
                excess -= cut
            gone += counts[j].sum()
        ok = (at_risk >= max(min_count, 1)) | (counts.sum(axis=1) == 0)
        if not ok.all():
            stop = int(np.argmin(ok))
            rep.notes.append(f"{'curves' if lvl is None else f'group {lvl}'}: stopped at time {time[stop]:g}, "
                             f"where fewer than {min_count} were at risk")
            rep.stopped[lvl] = float(time[stop])
            time, counts, entries = time[:stop], counts[:stop], entries[:stop]
        if not len(time) or counts[:, :k].sum() == 0:
            rep.notes.append(f"{'curves' if lvl is None else f'group {lvl}'}: too few persons to publish")
            continue
        # the rounded counts as data: one row per person, cause 0 = censored; a person entering
        # between two published times enters at the earlier one; exits pair with entries in order
        codes = np.r_[np.arange(1, k + 1), 0]
        reps = counts.astype(np.int64)
        t_rows = np.repeat(np.repeat(time, k + 1), reps.ravel())
        e_rows = np.repeat(np.tile(codes, len(time)), reps.ravel())
        entry_at = np.concatenate([[min(0.0, time[0] - 1.0)], time[:-1]])
        entry_rows = np.repeat(entry_at, entries.astype(np.int64))
        # those still at risk after the last kept time leave (censored) just after it
        rest = len(entry_rows) - len(t_rows)
        if rest > 0:
            t_rows = np.r_[t_rows, np.full(rest, np.nextafter(time[-1], np.inf))]
            e_rows = np.r_[e_rows, np.zeros(rest, dtype=np.int64)]
        entry_rows = entry_rows[: len(t_rows)]
        present = [j for j in range(1, k + 1) if (e_rows == j).any()]
        if not present:
            continue
        remap = {j: i + 1 for i, j in enumerate(present)}
        e_use = np.array([remap.get(int(v), 0) for v in e_rows])
        sub = ci._estimate_on({"t": t_rows, "e": e_use, "entry": entry_rows}).table
        sub["cause"] = sub["cause"].map({i + 1: j for i, j in enumerate(present)})
        sub = sub[sub["time"].isin(time)]
        if ci.group is not None:
            sub.insert(0, ci.group, lvl)
        parts.append(sub)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ci.table.columns)
    rep.rows_out = len(out)
    if rep.rows_out < rep.rows_in:
        rep.notes.append(f"{rep.rows_in - rep.rows_out} rows merged or cut by rounding and suppression")
    return out, rep


__all__ = ["DisclosurePolicy", "DisclosureReport", "round_counts", "safe_km_table", "safe_cif_table", "safe_at"]
