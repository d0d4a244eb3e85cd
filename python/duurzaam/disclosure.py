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

    def __str__(self) -> str:
        lines = [f"counts rounded to multiples of {self.round_to}; counts below {self.min_count} suppressed",
                 f"rows: {self.rows_in} in, {self.rows_out} out; cells suppressed: {self.cells_suppressed}"]
        return "\n".join(lines + self.notes)


def _round(x: np.ndarray, base: int) -> np.ndarray:
    # round half up, so that rounding never produces a systematic zero for small counts
    return np.floor(np.asarray(x, dtype=float) / base + 0.5) * base


def round_counts(table: pd.DataFrame, columns: Sequence[str], *, round_to: int = 5,
                 min_count: int = 10) -> tuple[pd.DataFrame, DisclosureReport]:
    """Rounds the count ``columns`` to multiples of ``round_to`` and suppresses counts below
    ``min_count`` (shown as missing, with a boolean ``<column>_suppressed`` flag).

    Examples
    --------
    >>> import pandas as pd
    >>> from duurzaam.disclosure import round_counts
    >>> t, rep = round_counts(pd.DataFrame({"arm": ["a", "b"], "n": [123, 7]}), ["n"])
    >>> t["n"].tolist(), t["n_suppressed"].tolist(), rep.cells_suppressed
    ([125.0, nan], [False, True], 1)
    """
    if round_to < 1 or min_count < 0:
        raise ValueError("round_to must be >= 1 and min_count >= 0")
    out = table.copy()
    rep = DisclosureReport(round_to, min_count, rows_in=len(table), rows_out=len(table))
    for c in columns:
        raw = out[c].to_numpy(dtype=float)
        low = raw < min_count
        out[c] = np.where(low, np.nan, _round(raw, round_to))
        out[f"{c}_suppressed"] = low
        rep.cells_suppressed += int(low.sum())
    return out, rep


def safe_km_table(km: KaplanMeier, *, round_to: int = 5, min_count: int = 10) -> tuple[pd.DataFrame, DisclosureReport]:
    """A Kaplan-Meier table safe to publish: per group, the cumulative numbers of events and
    censorings are rounded, the curve and its Greenwood standard error are recomputed from the
    rounded counts (times where nothing changes after rounding are merged away), and the curve
    stops before the number at risk falls below ``min_count``. Intervals are on the log scale.
    """
    from .nonparametric import _z

    t = km.table
    z = _z(km.conf_level)
    rep = DisclosureReport(round_to, min_count, rows_in=len(t))
    parts = []
    groups = [None] if km.group is None else km.levels
    for lvl in groups:
        part = t if km.group is None else t[t[km.group] == lvl]
        n0 = _round(part["n_risk"].iloc[0], round_to)
        cum_d = _round(part["n_event"].cumsum().to_numpy(), round_to)
        cum_c = _round(part["n_censor"].cumsum().to_numpy(), round_to)
        d = np.diff(np.concatenate([[0.0], cum_d]))
        c = np.diff(np.concatenate([[0.0], cum_c]))
        keep = (d > 0) | (c > 0)
        time, d, c = part["time"].to_numpy()[keep], d[keep], c[keep]
        n = n0 - np.concatenate([[0.0], np.cumsum(d + c)[:-1]])
        ok = n >= min_count
        if not ok.all():
            stop = int(np.argmin(ok))
            rep.notes.append(f"{'curve' if lvl is None else f'group {lvl}'}: stopped at time {time[stop]:g}, "
                             f"where fewer than {min_count} were at risk")
            time, d, c, n = time[:stop], d[:stop], c[:stop], n[:stop]
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.cumprod(1 - d / n)
            gw = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0))
            se = s * np.sqrt(gw)
            lower = np.exp(np.log(s) - z * np.sqrt(gw))
            upper = np.minimum(np.exp(np.log(s) + z * np.sqrt(gw)), 1.0)
        frame = pd.DataFrame({"time": time, "n_risk": n, "n_event": d, "n_censor": c, "survival": s,
                              "std_err": se, "lower": lower, "upper": upper})
        if km.group is not None:
            frame.insert(0, km.group, lvl)
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    rep.rows_out = len(out)
    if rep.rows_out < rep.rows_in:
        rep.notes.append(f"{rep.rows_in - rep.rows_out} time points merged or cut by rounding and suppression")
    return out, rep


def safe_cif_table(ci: Any, *, round_to: int = 5, min_count: int = 10) -> tuple[pd.DataFrame, DisclosureReport]:
    """A cumulative incidence table safe to publish: per group, the cumulative numbers of events of
    each cause and of censorings are rounded, the Aalen-Johansen curves and their
    infinitesimal-jackknife standard errors are recomputed from the rounded counts (as if those
    were the data), times where nothing changes after rounding merge away, and the curves stop
    before the number at risk falls below ``min_count``. For data without delayed entry or
    weights.

    Examples
    --------
    >>> import duurzaam as dz
    >>> d = dz.datasets.subsidised_job_exits()
    >>> t, rep = dz.cumulative_incidence(d, "months", "exit", group="route").safe_table(round_to=5)
    >>> bool((t["n_event"] % 5 == 0).all())
    True
    """
    from .competing import cumulative_incidence

    if not ci._plain:
        raise ValueError("safe tables of the cumulative incidence are for data without delayed entry or weights")
    k = ci.n_causes
    rep = DisclosureReport(round_to, min_count, rows_in=len(ci.table))
    parts = []
    groups = [None] if ci.group is None else ci.levels
    for lvl, c in zip(groups, ci._curves):
        time = np.asarray(c["time"], dtype=float)
        m = len(time)
        cause = np.asarray(c["n_cause"], dtype=float).reshape(m, k)
        cens = np.asarray(c["n_censor"], dtype=float)
        n0 = _round(float(c["n_risk"][0]), round_to)
        cum = np.column_stack([_round(np.cumsum(cause[:, j]), round_to) for j in range(k)] +
                              [_round(np.cumsum(cens), round_to)])
        counts = np.diff(np.vstack([np.zeros(k + 1), cum]), axis=0)
        keep = counts.sum(axis=1) > 0
        time, counts = time[keep], counts[keep]
        exits = counts.sum(axis=1)
        at_risk = n0 - np.concatenate([[0.0], np.cumsum(exits)[:-1]])
        ok = at_risk >= min_count
        if not ok.all():
            stop = int(np.argmin(ok))
            rep.notes.append(f"{'curves' if lvl is None else f'group {lvl}'}: stopped at time {time[stop]:g}, "
                             f"where fewer than {min_count} were at risk")
            time, counts = time[:stop], counts[:stop]
        if not len(time):
            continue
        # the rounded counts as data: one row per person, cause 0 = censored
        codes = np.r_[np.arange(1, k + 1), 0]
        reps = counts.astype(np.int64)
        t_rows = np.repeat(np.repeat(time, k + 1), reps.ravel())
        e_rows = np.repeat(np.tile(codes, len(time)), reps.ravel())
        # those still at risk after the last kept time leave (censored) just after it
        rest = int(n0 - reps.sum())
        if rest > 0:
            t_rows = np.r_[t_rows, np.full(rest, np.nextafter(time[-1], np.inf))]
            e_rows = np.r_[e_rows, np.zeros(rest, dtype=np.int64)]
        present = [j for j in range(1, k + 1) if (e_rows == j).any()]
        if not present:
            continue
        remap = {j: i + 1 for i, j in enumerate(present)}
        e_use = np.array([remap.get(int(v), 0) for v in e_rows])
        sub = cumulative_incidence({"t": t_rows, "e": e_use}, "t", "e", conf_level=ci.conf_level).table
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


__all__ = ["DisclosureReport", "round_counts", "safe_km_table", "safe_cif_table"]
