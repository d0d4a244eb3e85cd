"""Competing risks: the cumulative incidence of each cause (Aalen-Johansen)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._input import Frame, check_level, core_call
from ._result import Result
from .nonparametric import _z


class CumulativeIncidence(Result):
    """Cumulative incidence curves per cause (and group); built by :func:`cumulative_incidence`."""

    def __init__(self, k: int, curves: list[dict[str, np.ndarray]], group: str | None, levels: list[Any],
                 conf_level: float) -> None:
        z = _z(conf_level)
        parts = []
        for lvl, c in zip(levels, curves):
            m = len(c["time"])
            cif = np.asarray(c["cif"]).reshape(m, k)
            se = np.asarray(c["se"]).reshape(m, k)
            nc = np.asarray(c["n_cause"]).reshape(m, k)
            for j in range(k):
                p, s = cif[:, j], se[:, j]
                with np.errstate(divide="ignore", invalid="ignore"):
                    lse = np.where(s == 0, 0.0, s / p)
                    lower = np.where(p > 0, np.exp(np.log(p) - z * lse), np.nan)
                    upper = np.where(p > 0, np.minimum(np.exp(np.log(p) + z * lse), 1.0), np.nan)
                part = pd.DataFrame({"cause": j + 1, "time": c["time"], "n_risk": c["n_risk"], "n_event": nc[:, j],
                                     "cif": p, "std_err": s, "lower": lower, "upper": upper})
                if group is not None:
                    part.insert(0, group, lvl)
                parts.append(part)
        self.n_causes = k
        self.group = group
        self.levels = levels
        self.conf_level = conf_level
        self._table = pd.concat(parts, ignore_index=True)
        self._freeze()

    @property
    def table(self) -> pd.DataFrame:
        """``[group], cause, time, n_risk, n_event, cif, std_err, lower, upper``: one row per
        group, cause and distinct time. The standard error is the infinitesimal jackknife of R's
        ``survfit`` for a multi-state outcome; intervals on the log scale, as R."""
        return self._table.copy()

    @property
    def gray_test(self) -> pd.DataFrame:
        """Gray's k-sample test per cause: not available in this version."""
        raise NotImplementedError("Gray's test is not implemented yet")

    def at(self, times: Any) -> pd.DataFrame:
        """Cumulative incidence at given times: ``[group], cause, time, cif, std_err, lower, upper``."""
        ts = np.atleast_1d(np.asarray(times, dtype=np.float64))
        rows = []
        keys = ["cause"] if self.group is None else [self.group, "cause"]
        for key, part in self._table.groupby(keys, sort=False):
            tt = part["time"].to_numpy()
            for t in ts:
                i = np.searchsorted(tt, t, side="right") - 1
                if i < 0:
                    vals = (0.0, 0.0, np.nan, np.nan)
                else:
                    vals = tuple(part[c].iloc[i] for c in ("cif", "std_err", "lower", "upper"))
                key = key if isinstance(key, tuple) else (key,)
                rows.append((*key, t, *vals))
        return pd.DataFrame(rows, columns=keys + ["time", "cif", "std_err", "lower", "upper"])

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Curves per cause and group with bands (:func:`duurzaam.plotting.plot_cif`)."""
        from .plotting import plot_cif

        return plot_cif(self, ax, **kwargs)

    def _title(self) -> str:
        return f"Cumulative incidence ({self.n_causes} causes)"

    def _summary_frame(self) -> pd.DataFrame:
        keys = ["cause"] if self.group is None else [self.group, "cause"]
        return self._table.groupby(keys, sort=False).tail(1).set_index(keys)[["time", "cif", "std_err", "lower", "upper"]]


def cumulative_incidence(data: Any, duration: str, event: str, *, group: str | None = None,
                         strata: str | None = None, entry: str | None = None, weights: str | None = None,
                         conf_level: float = 0.95) -> CumulativeIncidence:
    """Cumulative incidence of each cause in the presence of the others (Aalen-Johansen), as R's
    ``survfit(Surv(time, factor(status)) ~ group)``.

    ``event`` holds 0 for censored and 1, 2, ..., k for the causes (e.g. 1 = work, 2 = other
    exit); every cause must occur. Groups, delayed entry (``entry``) and case weights.

    Examples
    --------
    >>> import duurzaam as dz
    >>> d = {"months": [1, 2, 2, 3, 4, 5, 5, 6, 7, 8], "exit": [1, 2, 0, 1, 0, 2, 1, 1, 0, 2]}
    >>> ci = dz.cumulative_incidence(d, "months", "exit")
    >>> ci.at(8)["cif"].round(4).tolist()
    [0.4886, 0.5114]
    """
    if strata is not None:
        raise NotImplementedError("strata (for Gray's test) are not implemented yet")
    conf_level = check_level(conf_level)
    frame = Frame(data)
    names: dict[str, str | None] = {"duration": duration, "event": event, "entry": entry, "weights": weights}
    codes, levels, ng = None, [None], 1
    if group is not None:
        names["group"] = group
        codes, levels = frame.codes(group)
        ng = len(levels)
    k, curves = core_call(_core.cumulative_incidence, names, frame, frame.numeric(duration), frame.numeric(event),
                          entry=frame.numeric(entry) if entry else None,
                          weight=frame.numeric(weights) if weights else None, group=codes, n_groups=ng)
    return CumulativeIncidence(k, curves, group, levels, conf_level)


def cause_specific_cox(data: Any, duration: str, event: str, covariates: Any, *, cause: int = 1, **kwargs: Any) -> Any:
    """Cause-specific Cox model: :func:`duurzaam.cox` with ``event == cause`` as the event and the
    other causes as censoring (the hazard of leaving benefit for work among those still on
    benefit). Takes every option of :func:`duurzaam.cox`.

    Examples
    --------
    >>> import duurzaam as dz
    >>> d = {"months": [2, 3, 3, 5, 8, 9, 12, 12, 4, 6], "exit": [1, 2, 1, 0, 1, 2, 0, 1, 1, 2],
    ...      "arm": [0, 0, 1, 1, 0, 1, 0, 1, 1, 0]}
    >>> fit = dz.cause_specific_cox(d, "months", "exit", ["arm"], cause=1)
    >>> fit.n_events
    5.0
    """
    from .cox import cox

    frame = Frame(data)
    e = frame.numeric(event)
    if not np.any(e == cause):
        raise ValueError(f"column '{event}' has no events of cause {cause}")
    indicator = (e == cause).astype(np.int64)
    name = f"{event}=={cause}"
    if frame._kind == "pandas":
        d = data.assign(**{name: indicator})
    elif frame._kind == "polars":
        import polars as pl

        d = data.with_columns(pl.Series(name, indicator))
    else:
        d = {**data, name: indicator}
    return cox(d, duration, name, covariates, **kwargs)
