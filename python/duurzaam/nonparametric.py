"""Kaplan-Meier, Nelson-Aalen and the log-rank test: thin wrappers over the Rust core."""

from __future__ import annotations

import warnings

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .errors import DegenerateDataError, DegenerateDataWarning, InputError

#: The most groups a k-sample test compares (its variance is a k x k matrix).
MAX_GROUPS = 1000

from . import _core
from ._input import Frame, _positional, check_level, check_values, core_call, fix_times, optional_codes
from ._model import _z
from ._result import Result, handout, register_kernel, result

_CONF_TYPES = ("log", "log-log", "plain")


def _common(data: Any, duration: str, event: str, entry: str | None, weights: str | None,
            timefix: bool = True) -> tuple[Frame, dict[str, Any], dict[str, str | None]]:
    frame = Frame(data)
    names: dict[str, str | None] = {"duration": duration, "event": event, "entry": entry, "weights": weights}
    exit_, entry_ = fix_times(frame.numeric(duration), frame.numeric(entry) if entry is not None else None, timefix,
                              (duration, entry))
    cols: dict[str, Any] = {
        "exit": exit_,
        "event": frame.event(event),
        "entry": entry_,
        "weight": frame.numeric(weights) if weights is not None else None,
    }
    return frame, cols, names


#: The columns of the core's stacked curves (``_core.kaplan_meier``), in their order; the
#: last two (the Nelson-Aalen hazard) only when asked for.
_COLUMNS = ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper", "cumhaz",
            "std_err_cumhaz")
_KM_COLUMNS = _COLUMNS[:8]


def _curves(data: Any, duration: str, event: str, group: str | None, entry: str | None, weights: str | None,
            robust: bool | None, conf_type: str, conf_level: float,
            cluster: str | None = None, timefix: bool = True,
            ctype: int = 1, hazard: bool = False) -> tuple[np.ndarray, list[dict[str, Any]], list[Any], bool]:
    """The core's curves of all groups stacked in one block (one row per column of ``_COLUMNS``,
    the Nelson-Aalen columns with ``hazard``), each group's curve as views of it, the group
    levels and whether the variance is the infinitesimal jackknife (``robust=None``: R's survfit
    default, on with a cluster or non-integer case weights)."""
    if ctype not in (1, 2):
        raise InputError(f"ctype must be 1 (Nelson-Aalen) or 2 (Fleming-Harrington's correction for ties), not {ctype!r}")
    # without entry times the core applies R's timefix on its sorted times (no sort of its own)
    core_timefix = timefix and entry is None
    frame, cols, names = _common(data, duration, event, entry, weights, timefix and not core_timefix)
    w = cols["weight"]
    robust = cluster is not None or (bool(robust) if robust is not None else
                                     w is not None and bool(np.any(w != np.floor(w))))
    codes, levels, n_groups = optional_codes(frame, group)
    if group is not None:
        names["group"] = group
    cl, n_cl = None, 0
    if cluster is not None:
        cl, cl_levels = frame.clusters(cluster)
        n_cl = len(cl_levels)
    block, offsets, rows = core_call(_core.kaplan_meier, names, frame, cols["exit"], cols["event"], cols["entry"],
                                     cols["weight"], codes, n_groups, robust, conf_type, conf_level, cluster=cl,
                                     n_clusters=n_cl, ctype=ctype, hazard=hazard,
                                     timefix=core_timefix)
    return block, _views(block, offsets, rows), levels, robust


def _views(block: np.ndarray, offsets: Sequence[int], rows: Sequence[int]) -> list[dict[str, Any]]:
    """Each group's curve as a dict of views of the stacked block, with its number of data rows."""
    return [{"n_rows": n, **{name: block[j, a:b] for j, name in enumerate(_COLUMNS[:len(block)])}}
            for a, b, n in zip(offsets[:-1], offsets[1:], rows)]


def _confint(S: np.ndarray, se: np.ndarray, conf_type: str, z: float, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits as R's ``survfit_confint``: ``se`` of log S; the lower limit's standard
    error times ``scale`` (R's ``conf.lower``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            se2 = se * S * z
            lower, upper = np.maximum(S - se2 * scale, 0.0), np.minimum(S + se2, 1.0)
        elif conf_type == "log":
            xx = np.where(S == 0, np.nan, S)
            lower = np.where(se == 0, S, np.exp(np.log(xx) - z * se * scale))
            upper = np.minimum(np.where(se == 0, S, np.exp(np.log(xx) + z * se)), 1.0)
        else:  # log-log
            xx = np.where((S == 0) | (S == 1), np.nan, S)
            se2 = z * se / np.log(xx)
            lower = np.where(se == 0, S, np.exp(-np.exp(np.log(-np.log(xx)) - se2 * scale)))
            upper = np.where(se == 0, S, np.exp(-np.exp(np.log(-np.log(xx)) + se2)))
    return lower, upper


def _restyle(block: np.ndarray, curves: list[dict[str, Any]], method: str, conf_lower: str, conf_type: str,
             conf_level: float) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The Fleming-Harrington estimate (R's stype = 2, ctype = 1: exp(-Nelson-Aalen), standard
    error of log S the Tsiatis one, R's std.chaz) and the Peto or Dorey-Korn lower limits (R's
    ``conf.lower``) from the core's curves, written into a copy of the block."""
    if method == "kaplan-meier" and conf_lower == "usual":
        return block, curves
    z = _z(conf_level)
    block = block.copy()
    curves = _views(block, [0] + list(np.cumsum([len(c["time"]) for c in curves])), [c["n_rows"] for c in curves])
    for c in curves:
        if method == "fleming-harrington":
            S = np.exp(-c["cumhaz"])
            se = c["std_err_cumhaz"].copy()
        else:
            S = c["survival"].copy()
            with np.errstate(divide="ignore", invalid="ignore"):
                se = np.where(S > 0, c["std_err"] / S, np.nan)
        n_risk = c["n_risk"]
        if conf_lower == "modified":
            # n at risk at the last event time (or the curve's first time): Dorey and Korn (1987)
            mark = c["n_event"] > 0
            if len(mark):
                mark[0] = True
            last = np.maximum.accumulate(np.where(mark, np.arange(len(mark)), 0))
            scale = np.sqrt(n_risk[last] / n_risk)
        elif conf_lower == "peto":
            with np.errstate(divide="ignore", invalid="ignore"):
                selow = np.sqrt((1 - S) / n_risk)
                scale = np.where(selow == 0, 1.0, selow / se)
        else:
            scale = np.ones(len(S))
        lower, upper = _confint(S, se, conf_type, z, scale)
        if method == "kaplan-meier":  # where S = 0 the core's limits stand
            zero = S == 0
            lower = np.where(zero, c["lower"], lower)
            upper = np.where(zero, c["upper"], upper)
        c["survival"][:], c["std_err"][:], c["lower"][:], c["upper"][:] = S, S * se, lower, upper
    return block, curves


def _wrap(block: np.ndarray, columns: Sequence[str], group: str | None, levels: list[Any],
          curves: list[dict[str, Any]]) -> pd.DataFrame:
    """One table from the stacked block's rows (each a column, all groups one after another),
    wrapped by pandas without copying, the group label repeated in front."""
    out = pd.DataFrame(block.T, columns=list(columns), copy=False)
    if group is not None:
        labels = np.repeat(pd.Series(levels).to_numpy(), [len(c["time"]) for c in curves])
        # a fresh array no one else holds: wrapped, not copied (pandas copies a bare array)
        out.insert(0, group, pd.Series(labels, copy=False))
    return out


@result
class KaplanMeier(Result):
    """Kaplan-Meier estimate of the survival function, one curve per group.

    Built by :func:`kaplan_meier`. ``table`` has one row per distinct time (event and censoring
    times), as R's ``summary(survfit(...), censored = TRUE)``.
    """

    _block: np.ndarray
    _curves: list[dict[str, np.ndarray]]
    group: str | None
    levels: list[Any]
    _n: np.ndarray
    conf_type: str
    conf_level: float
    robust: bool
    weighted: bool
    method: str = "kaplan-meier"
    conf_lower: str = "usual"

    @cached_property
    def _table(self) -> pd.DataFrame:
        return _wrap(self._block[:len(_KM_COLUMNS)], _KM_COLUMNS, self.group, self.levels, self._curves)

    @property
    def table(self) -> pd.DataFrame:
        """One row per group and distinct time: ``[group], time, n_risk, n_event, n_censor,
        survival, std_err, lower, upper``; ``std_err`` is the standard error of S(t)."""
        return handout(self._table)

    def _frame(self, rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
        out = pd.DataFrame(rows, columns=["_group"] + columns)
        if self.group is None:
            out = out.drop(columns="_group")
        else:
            out = out.rename(columns={"_group": self.group})
        return out

    def quantile(self, q: float | Sequence[float]) -> pd.DataFrame:
        """Time by which a share ``q`` has had the event (``1 - S(t) = q``; the median is
        ``q = 0.5``), with the limits R's ``quantile.survfit`` gives (Brookmeyer-Crowley: where
        the confidence curves cross). NaN where R gives NA.

        Returns ``[group], quantile, time, lower, upper``.
        """
        qs = np.atleast_1d(np.asarray(q, dtype=np.float64))
        if np.any(~np.isfinite(qs)) or np.any((qs < 0) | (qs > 1)):
            raise InputError("quantiles must lie in [0, 1]")
        rows = []
        for lvl, c in zip(self.levels, self._curves):
            for p in qs:
                t, lo, hi = _core.km_quantile(c["time"], c["survival"], c["lower"], c["upper"], float(p))
                rows.append({"_group": lvl, "quantile": float(p), "time": t, "lower": lo, "upper": hi})
        return self._frame(rows, ["quantile", "time", "lower", "upper"])

    def median(self) -> pd.DataFrame:
        """Median time to the event with its confidence interval: ``[group], median, lower, upper``."""
        out = self.quantile(0.5).drop(columns="quantile").rename(columns={"time": "median"})
        return out

    def survival_at(self, times: float | Sequence[float], *, extend: bool = False) -> pd.DataFrame:
        """S(t) at given times: ``[group], time, survival, std_err, lower, upper``.

        Before the first time S = 1. After the last observed time of a group the curve is not
        known and the row holds NaN, unless ``extend=True`` carries the last value forward
        (R's ``summary(fit, times, extend = TRUE)``).
        """
        ts = np.atleast_1d(np.asarray(times, dtype=np.float64))
        if np.any(~np.isfinite(ts)):
            raise InputError("times must be finite")
        rows = []
        for lvl, c in zip(self.levels, self._curves):
            idx = np.searchsorted(c["time"], ts, side="right") - 1
            last = c["time"][-1]
            for t, k in zip(ts, idx):
                if k < 0:
                    vals = (1.0, 0.0, 1.0, 1.0)
                elif t > last and not extend:
                    vals = (np.nan,) * 4
                else:
                    vals = (c["survival"][k], c["std_err"][k], c["lower"][k], c["upper"][k])
                rows.append({"_group": lvl, "time": float(t), "survival": vals[0], "std_err": vals[1], "lower": vals[2], "upper": vals[3]})
        return self._frame(rows, ["time", "survival", "std_err", "lower", "upper"])

    def rmst(self, tau: float | Sequence[float]) -> pd.DataFrame:
        """Restricted mean survival time: the area under S from 0 to ``tau``, the expected time
        without the event within the first ``tau`` time units.

        Standard error as R's ``print(survfit(...), rmean = tau)``; the interval is
        ``rmst -+ z * std_err``. Returns ``[group], tau, rmst, std_err, lower, upper``.
        """
        taus = np.atleast_1d(np.asarray(tau, dtype=np.float64))
        if np.any(~np.isfinite(taus)) or np.any(taus <= 0):
            raise InputError("tau must be finite and positive")
        z = _z(self.conf_level)
        rows = []
        for lvl, c in zip(self.levels, self._curves):
            for t in taus:
                r, se = _core.km_rmst(c["time"], c["survival"], c["n_risk"], c["n_event"], float(t))
                rows.append({"_group": lvl, "tau": float(t), "rmst": r, "std_err": se, "lower": r - z * se, "upper": r + z * se})
        return self._frame(rows, ["tau", "rmst", "std_err", "lower", "upper"])

    def to_frame(self) -> pd.DataFrame:
        """The full table (one row per group and distinct time)."""
        return self.table

    def safe_table(self, round_to: int = 5, min_count: int = 10) -> tuple[pd.DataFrame, Any]:
        """The table recomputed from rounded counts, safe to publish from microdata, and a report
        of what was rounded, merged and suppressed (:func:`duurzaam.disclosure.safe_km_table`)."""
        from .disclosure import safe_km_table

        return safe_km_table(self, round_to=round_to, min_count=min_count)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Curves with confidence bands and a number-at-risk table; see
        :func:`duurzaam.plotting.plot_km` for the options (``share_event=True``: 1 - S)."""
        from .plotting import plot_km

        return plot_km(self, ax, **kwargs)

    def rmst_contrast(self, tau: float, reference: Any = None) -> pd.DataFrame:
        """Difference and ratio of the RMST up to ``tau`` of each group against ``reference``
        (default: the first level), with analytic intervals: the difference's variance is the sum
        of the two (independent groups), the ratio's interval is computed on the log scale by the
        delta method. Returns ``group, reference, tau, difference, diff_se, diff_lower,
        diff_upper, ratio, ratio_lower, ratio_upper``. For bootstrap intervals use
        ``dz.bootstrap(dz.kaplan_meier, ..., tau=[tau])``."""
        if self.group is None:
            raise InputError("RMST contrasts need groups (kaplan_meier(..., group=...))")
        ref = self.levels[0] if reference is None else reference
        if ref not in self.levels:
            raise InputError(f"reference {ref!r} is not a level of '{self.group}'")
        r = self.rmst(tau).set_index(self.group)
        z = _z(self.conf_level)
        rows = []
        for lvl in self.levels:
            if lvl == ref:
                continue
            a, b = r.loc[lvl], r.loc[ref]
            diff, se = a["rmst"] - b["rmst"], float(np.hypot(a["std_err"], b["std_err"]))
            ratio = a["rmst"] / b["rmst"]
            se_log = float(np.hypot(a["std_err"] / a["rmst"], b["std_err"] / b["rmst"]))
            rows.append((lvl, ref, float(tau), diff, se, diff - z * se, diff + z * se, ratio,
                         ratio * np.exp(-z * se_log), ratio * np.exp(z * se_log)))
        return pd.DataFrame(rows, columns=["group", "reference", "tau", "difference", "diff_se", "diff_lower",
                                           "diff_upper", "ratio", "ratio_lower", "ratio_upper"])

    def survival_contrast(self, times: Any, reference: Any = None) -> pd.DataFrame:
        """Difference in S(t) (and so, with the sign turned, in the share with the event: "in
        work") of each group against ``reference`` (default: the first level) at ``times``,
        with analytic intervals on the plain scale: the variance of the difference is the sum of
        the two groups' variances (independent groups; Greenwood, or the infinitesimal jackknife
        with ``robust=True``). Returns ``group, reference, time, survival, reference_survival,
        difference, diff_se, diff_lower, diff_upper``. For bootstrap intervals use
        ``dz.bootstrap(dz.kaplan_meier, ..., times=times)``.

        Examples
        --------
        >>> import duurzaam as dz
        >>> km = dz.kaplan_meier(dz.datasets.load_rossi(), "week", "arrest", group="fin")
        >>> km.survival_contrast([52])["difference"].round(3).tolist()
        [0.083]
        """
        if self.group is None:
            raise InputError("survival contrasts need groups (kaplan_meier(..., group=...))")
        ref = self.levels[0] if reference is None else reference
        if ref not in self.levels:
            raise InputError(f"reference {ref!r} is not a level of '{self.group}'")
        at = self.survival_at(times)
        z = _z(self.conf_level)
        base = at[at[self.group] == ref].set_index("time")
        rows = []
        for lvl in self.levels:
            if lvl == ref:
                continue
            part = at[at[self.group] == lvl].set_index("time")
            for t in part.index:
                a, b = part.loc[t], base.loc[t]
                diff = a["survival"] - b["survival"]
                se = float(np.hypot(a["std_err"], b["std_err"]))
                rows.append((lvl, ref, float(t), a["survival"], b["survival"], diff, se, diff - z * se, diff + z * se))
        return pd.DataFrame(rows, columns=["group", "reference", "time", "survival", "reference_survival",
                                           "difference", "diff_se", "diff_lower", "diff_upper"])

    def summary_text(self) -> str:
        """The result printed in the layout of R's print method (``print(fit)`` in R), as text.

        Examples
        --------
        >>> import duurzaam as dz
        >>> print(dz.kaplan_meier(dz.datasets.load_rossi(), "week", "arrest", group="fin").summary_text().splitlines()[0].split())
        ['n', 'events', 'median', '0.95LCL', '0.95UCL']
        """
        from .rprint import km_text

        return km_text(self)

    def _title(self) -> str:
        return "Kaplan-Meier estimate" if self.method == "kaplan-meier" else "Fleming-Harrington estimate (exp(-H))"

    def _facts(self) -> list[tuple[str, str]]:
        var = "infinitesimal jackknife" if self.robust else (
            "Greenwood" if self.method == "kaplan-meier" else "Tsiatis (of the Nelson-Aalen hazard)")
        lower = {"usual": "", "modified": ", Dorey-Korn lower limit", "peto": ", Peto lower limit"}[self.conf_lower]
        return [("variance", var), ("interval", f"{self.conf_level:.0%} {self.conf_type}{lower}")]

    def _summary_frame(self) -> pd.DataFrame:
        med = self.median()
        ev = [float(c["n_event"].sum()) for c in self._curves]
        out = pd.DataFrame({"n": self._n, "events": ev, "median": med["median"].to_numpy(),
                            "lower": med["lower"].to_numpy(), "upper": med["upper"].to_numpy()})
        if self.group is not None:
            out.index = pd.Index(self.levels, name=self.group)
        return out


def kaplan_meier(data: Any, duration: str, event: str, group: str | None = None, *,
                 entry: str | None = None, weights: str | None = None, robust: bool | None = None,
                 conf_type: str = "log", conf_level: float = 0.95, cluster: str | None = None,
                 timefix: bool = True, method: str = "kaplan-meier", conf_lower: str = "usual",
                 ctype: int = 1) -> KaplanMeier:
    """Kaplan-Meier estimate of the survival function, as R's ``survfit``.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame or dict of 1-D arrays
    duration : str
        Column with the time to the event or to censoring (finite, >= 0).
    event : str
        Column with 1 (or True) for an event, 0 (or False) for censoring.
    group : str, optional
        Column whose levels get a curve each (sorted; pandas categories keep their order).
    entry : str, optional
        Column with the entry time for delayed entry (left truncation): a row is at risk on
        ``(entry, duration]``.
    weights : str, optional
        Column with positive case weights; the counts in the table become weighted sums.
    robust : bool, optional
        Use the infinitesimal-jackknife variance (R's ``robust = TRUE``) instead of Greenwood's.
        By default as R's ``survfit``: on with a ``cluster`` or with non-integer case weights
        (sampling or IPTW weights, on whose arbitrary scale Greenwood's variance depends), off
        otherwise (integer weights count repeated rows). The standard error of the cumulative
        hazard (``nelson_aalen``, R's ``std.chaz``) follows the same choice.
    conf_type : {"log", "log-log", "plain"}
        Scale of the pointwise confidence interval; ``"log"`` is R's default.
    conf_level : float
        Level of the confidence intervals.
    cluster : str, optional
        Cluster column (municipality, case worker): the infinitesimal-jackknife variance with the
        influence summed within clusters, as R's ``survfit(..., cluster = )``; implies ``robust``.
    timefix : bool
        As R (``timefix = TRUE``): times closer than sqrt(machine epsilon), absolutely or relative
        to their mean, are one time (times from date arithmetic: ``sqrt(2)^2`` is 2), each the
        smallest of its group. Also for :func:`nelson_aalen`, :func:`logrank` and :func:`cox`.
    method : {"kaplan-meier", "fleming-harrington"}
        ``"fleming-harrington"``: S(t) = exp(-H(t)) with H the Nelson-Aalen cumulative hazard and
        the Tsiatis variance, as R's ``survfit(stype = 2, ctype = 1)`` (never reaches 0; closer to
        the truth in small risk sets at the tail).
    conf_lower : {"usual", "modified", "peto"}
        The lower limit as R's ``conf.lower``: ``"modified"`` is Dorey and Korn's (1987): its
        standard error times sqrt(n at the last event time / n at risk), so that the limit does
        not rise in the flat stretches of a curve where few remain; ``"peto"`` uses Peto's
        variance S(1 - S)/n.
    ctype : {1, 2}
        The cumulative hazard behind ``method="fleming-harrington"`` (R's ``ctype``): 1 the
        Nelson-Aalen increment d/n; 2 Fleming and Harrington's correction for ties, d tied events
        among n at risk adding 1/n + 1/(n-1) + ... + 1/(n-d+1) (as if the events came one after
        another, Efron's approximation), with its variance (both with case weights as R does).
        With ``method="fleming-harrington"`` and ``ctype=2`` this is R's ``stype = 2, ctype = 2``.

    Returns
    -------
    KaplanMeier

    Examples
    --------
    >>> import duurzaam as dz
    >>> d = {"months": [2, 3, 3, 5, 8, 12], "employed": [1, 1, 0, 1, 0, 1]}
    >>> km = dz.kaplan_meier(d, "months", "employed")
    >>> km.table[["time", "n_risk", "survival"]].round(4).values.tolist()[:2]
    [[2.0, 6.0, 0.8333], [3.0, 5.0, 0.6667]]
    >>> float(km.median()["median"].iloc[0])
    5.0
    """
    if conf_type not in _CONF_TYPES:
        raise InputError(f"conf_type must be one of {', '.join(_CONF_TYPES)}, not {conf_type!r}")
    if method not in ("kaplan-meier", "fleming-harrington"):
        raise InputError(f"method must be 'kaplan-meier' or 'fleming-harrington', not {method!r}")
    if conf_lower not in ("usual", "modified", "peto"):
        raise InputError(f"conf_lower must be 'usual', 'modified' or 'peto', not {conf_lower!r}")
    conf_level = check_level(conf_level)
    block, curves, levels, robust = _curves(data, duration, event, group, entry, weights, robust, conf_type,
                                            conf_level, cluster, timefix, ctype,
                                            hazard=method == "fleming-harrington")
    block, curves = _restyle(block, curves, method, conf_lower, conf_type, conf_level)
    n = np.array([c["n_rows"] for c in curves])
    return KaplanMeier(block, curves, group, levels, n, conf_type, conf_level, robust, weights is not None, method,
                       conf_lower)


@result
class NelsonAalen(Result):
    """Nelson-Aalen estimate of the cumulative hazard; built by :func:`nelson_aalen`."""

    group: str | None
    levels: list[Any]
    _table: pd.DataFrame

    @property
    def table(self) -> pd.DataFrame:
        """``[group], time, n_risk, n_event, n_censor, cumhaz, std_err``; the variance is
        ``sum d / n^2`` (R's ``survfit(...)$std.chaz``)."""
        return handout(self._table)

    def to_frame(self) -> pd.DataFrame:
        """The full table."""
        return self.table

    def _title(self) -> str:
        return "Nelson-Aalen cumulative hazard"

    def _summary_frame(self) -> pd.DataFrame:
        key = [self.group] if self.group is not None else []
        last = self._table.groupby(key, sort=False).tail(1) if key else self._table.tail(1)
        return last.set_index(key) if key else last.reset_index(drop=True)


def nelson_aalen(data: Any, duration: str, event: str, group: str | None = None, *, entry: str | None = None,
                 weights: str | None = None, robust: bool | None = None, cluster: str | None = None,
                 timefix: bool = True, ctype: int = 1) -> NelsonAalen:
    """Nelson-Aalen estimate of the cumulative hazard, as R's ``survfit(...)$cumhaz`` and
    ``$std.chaz``: the standard error is ``sqrt(sum d / n^2)``, or with ``robust`` (by default as
    :func:`kaplan_meier`: with a ``cluster`` or non-integer weights) the infinitesimal jackknife.
    With ``ctype=2`` (R's ``ctype = 2``) tied events are counted one after another: d events among
    n at risk add ``1/n + 1/(n-1) + ... + 1/(n-d+1)`` (the hazard of Efron's approximation, what
    R's ``survfit`` of a Cox model with Efron ties uses), variance ``sum 1/(n-k)^2``; with case
    weights and the infinitesimal jackknife as R.

    Arguments as :func:`kaplan_meier`.

    Examples
    --------
    >>> import duurzaam as dz
    >>> d = {"months": [2, 3, 3, 5], "employed": [1, 1, 0, 1]}
    >>> dz.nelson_aalen(d, "months", "employed").table["cumhaz"].round(4).tolist()
    [0.25, 0.5833, 1.5833]
    """
    block, curves, levels, _ = _curves(data, duration, event, group, entry, weights, robust, "log", 0.95, cluster,
                                       timefix, ctype, hazard=True)
    table = _wrap(block[[0, 1, 2, 3, 8, 9]], ("time", "n_risk", "n_event", "n_censor", "cumhaz", "std_err"), group,
                  levels, curves)
    return NelsonAalen(group, levels, table)


@result
class Logrank(Result):
    """A k-sample log-rank (Fleming-Harrington) test; built by :func:`logrank`."""

    statistic: float
    df: int
    p_value: float
    rho: float
    gamma: float
    group: str
    strata: str | None
    _table: pd.DataFrame
    _var: pd.DataFrame

    @classmethod
    def _from_core(cls, r: dict[str, Any], group: str, levels: list[Any], n: np.ndarray, rho: float, gamma: float,
                   strata: str | None) -> Logrank:
        k = len(levels)
        obs, exp = r["observed"], r["expected"]
        var = np.asarray(r["var"]).reshape(k, k)
        with np.errstate(divide="ignore", invalid="ignore"):
            table = pd.DataFrame({
                "group": levels, "n": n, "observed": obs, "expected": exp,
                "(O-E)^2/E": (obs - exp) ** 2 / exp, "(O-E)^2/V": (obs - exp) ** 2 / np.diag(var),
            })
        return cls(float(r["statistic"]), int(r["df"]), float(r["p_value"]), rho, gamma, group, strata, table,
                   pd.DataFrame(var, index=levels, columns=levels))

    @property
    def table(self) -> pd.DataFrame:
        """``group, n, observed, expected, (O-E)^2/E, (O-E)^2/V``; with FH weights (rho or gamma
        not 0) observed and expected are weighted sums, as R's ``survdiff``."""
        return handout(self._table)

    @property
    def var(self) -> pd.DataFrame:
        """Variance matrix of observed - expected."""
        return handout(self._var)

    def trend(self, scores: Any = None) -> Any:
        """Log-rank test for trend over ordered groups (e.g. increasing intensity of guidance):
        ``(s'(O - E))^2 / (s' V s)`` on 1 df, with ``scores`` s per group in table order
        (default 1, 2, ..., k). Returns a :class:`duurzaam.TestResult`."""
        from ._model import _chisq_test

        k = len(self._table)
        s = np.arange(1, k + 1, dtype=float) if scores is None else np.asarray(scores, dtype=float)
        if s.shape != (k,) or not np.isfinite(s).all():
            raise InputError(f"scores must be {k} finite numbers, one per group")
        d = self._table["observed"].to_numpy() - self._table["expected"].to_numpy()
        return _chisq_test(float((s @ d) ** 2 / (s @ self._var.to_numpy() @ s)), 1)

    def to_frame(self) -> pd.DataFrame:
        """The observed/expected table with the test in every row (``statistic, df, p_value``)."""
        return self.table.assign(statistic=self.statistic, df=self.df, p_value=self.p_value)

    def summary_text(self) -> str:
        """The result printed in the layout of R's print method (``print(fit)`` in R), as text.

        Examples
        --------
        >>> import duurzaam as dz
        >>> print(dz.logrank(dz.datasets.load_rossi(), "week", "arrest", "fin").summary_text().splitlines()[0].split())
        ['N', 'Observed', 'Expected', '(O-E)^2/E', '(O-E)^2/V']
        """
        from .rprint import logrank_text

        return logrank_text(self)

    def _title(self) -> str:
        if self.rho == 0 and self.gamma == 0:
            return "Log-rank test"
        return f"Fleming-Harrington test (rho={self.rho:g}, gamma={self.gamma:g})"

    def _facts(self) -> list[tuple[str, str]]:
        facts = [("chi-square", f"{self.statistic:.4f} on {self.df} df"), ("p-value", f"{self.p_value:.4g}")]
        if self.strata is not None:
            facts.append(("strata", self.strata))
        return facts

    def _summary_frame(self) -> pd.DataFrame:
        return self._table.set_index("group")


def pairwise_logrank(data: Any, duration: str, event: str, group: str, *, reference: Any = None,
                     adjust: str = "holm", **kwargs: Any) -> pd.DataFrame:
    """Log-rank tests between pairs of groups: all pairs, or each group against ``reference``,
    with p-values adjusted by ``"holm"`` (default), ``"bonferroni"`` or ``"none"``. Other keyword
    arguments go to :func:`logrank` (strata, rho, gamma, entry, weights).

    Returns ``group_1, group_2, statistic, p_value, p_adjusted``.

    Examples
    --------
    >>> import duurzaam as dz
    >>> r = dz.datasets.load_rossi()
    >>> dz.pairwise_logrank(r.assign(prio_band=r["prio"].clip(upper=3)), "week", "arrest", "prio_band").shape[1]
    5
    """
    if adjust not in ("holm", "bonferroni", "none"):
        raise InputError(f"adjust must be 'holm', 'bonferroni' or 'none', not {adjust!r}")
    frame = Frame(data)
    codes, levels = frame.codes(group)
    if reference is not None and reference not in levels:
        raise InputError(f"reference {reference!r} is not a level of column '{group}'")
    if reference is None:
        pairs = [(a, b) for i, a in enumerate(levels) for b in levels[i + 1:]]
    else:
        pairs = [(reference, b) for b in levels if b != reference]
    df = frame.to_pandas()
    labels = np.asarray(levels, dtype=object)[codes]
    rows = []
    for a, b in pairs:
        sub = df[(labels == a) | (labels == b)]
        if isinstance(sub[group].dtype, pd.CategoricalDtype):  # the other arms have no rows here
            sub = sub.assign(**{group: sub[group].cat.remove_unused_categories()})
        try:
            lr = logrank(sub, duration, event, group, **kwargs)
        except DegenerateDataError as e:
            warnings.warn(f"log-rank test of {a!r} against {b!r} is undefined ({e}): its row holds NaN and it "
                          "is left out of the adjustment", DegenerateDataWarning, stacklevel=2)
            rows.append((a, b, np.nan, np.nan))
            continue
        rows.append((a, b, lr.statistic, lr.p_value))
    out = pd.DataFrame(rows, columns=["group_1", "group_2", "statistic", "p_value"])
    p_all = out["p_value"].to_numpy(dtype=float)
    ok = np.isfinite(p_all)
    p = p_all[ok]
    m = len(p)
    if adjust == "bonferroni":
        adj = np.minimum(1.0, p * m)
    elif adjust == "holm":
        order = np.argsort(p, kind="stable")
        stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
        adj = np.empty(m)
        adj[order] = np.minimum(1.0, stepped)
    else:
        adj = p.copy()
    full = np.full(len(p_all), np.nan)
    full[ok] = adj
    out["p_adjusted"] = full
    return out


def logrank(data: Any, duration: str, event: str, group: str, *, strata: str | None = None, rho: float = 0.0,
            gamma: float = 0.0, entry: str | None = None, weights: str | None = None, timefix: bool = True) -> Logrank:
    """k-sample log-rank test with Fleming-Harrington weights ``S(t-)^rho (1 - S(t-))^gamma``.

    ``rho = gamma = 0`` is the log-rank test and ``rho = 1`` the Peto-Peto test, as R's
    ``survdiff``; S is the pooled Kaplan-Meier within each stratum. With ``strata`` the test
    compares groups within strata and sums over them. Delayed entry is allowed. Weights are
    frequency weights: an integer weight equals repeating the row.

    Examples
    --------
    >>> import duurzaam as dz
    >>> d = {"months": [1, 2, 2, 3, 4, 5, 5, 6], "employed": [1, 1, 0, 1, 0, 1, 1, 1],
    ...      "arm": ["a", "b", "a", "b", "a", "b", "a", "b"]}
    >>> lr = dz.logrank(d, "months", "employed", "arm")
    >>> lr.df, round(lr.statistic, 8)
    (1, 2.369e-05)
    """
    for name, v in (("rho", rho), ("gamma", gamma)):
        if not (np.isfinite(v) and v >= 0):
            raise InputError(f"{name} must be finite and >= 0, not {v!r}")
    # without entry times the core applies R's timefix (on its sorted times where it sorts them)
    core_timefix = timefix and entry is None
    frame, cols, names = _common(data, duration, event, entry, weights, timefix and not core_timefix)
    names["group"] = group
    codes, levels = frame.codes(group)
    if len(levels) < 2:
        raise InputError(f"column '{group}' has only one group; the log-rank test compares two or more", column=group)
    if len(levels) > MAX_GROUPS:
        raise InputError(f"column '{group}' has {len(levels)} groups; the log-rank test compares at most {MAX_GROUPS} "
                         "(is it an id column?)", column=group)
    s_codes, _, n_strata = optional_codes(frame, strata)
    if strata is not None:
        names["strata"] = strata
    r = core_call(_core.logrank, names, frame, cols["exit"], cols["event"], codes, len(levels), cols["entry"],
                  cols["weight"], s_codes, n_strata, float(rho), float(gamma), timefix=core_timefix)
    if not np.any(np.asarray(cols["event"]) != 0):
        raise DegenerateDataError(f"column '{event}' has no events: there is nothing for the log-rank test to compare")
    if not np.isfinite(r["statistic"]) or int(r["df"]) == 0 or not np.isfinite(r["p_value"]):
        raise DegenerateDataError("the log-rank statistic is undefined: no group differs from the others in who is "
                                  "at risk at the event times (zero variance)")
    return Logrank._from_core(r, group, levels, r["n"], float(rho), float(gamma), strata)


def _km_bootstrap_kernel(frame: Frame, data: Any, args: tuple, kwargs: dict, quantities: dict[str, Any]) -> tuple[dict, pd.DataFrame]:
    """The core bootstrap statistic of this estimator and the labels of its output (see duurzaam.bootstrap)."""
    times, quantiles, tau = quantities["times"], quantities["quantiles"], quantities["tau"]

    duration, event, group = _positional(args, kwargs, ("duration", "event", "group"), "kaplan_meier")
    entry = kwargs.pop("entry", None)
    weights = kwargs.pop("weights", None)
    conf_type = kwargs.pop("conf_type", "log")
    timefix = bool(kwargs.pop("timefix", True))
    if kwargs.pop("method", "kaplan-meier") != "kaplan-meier":
        raise InputError("the core bootstrap of kaplan_meier is of the Kaplan-Meier estimate; bootstrap the "
                         "Fleming-Harrington estimate as a Python function (lambda d: ...)")
    kwargs.pop("conf_lower", None)  # the lower limits do not enter the replicates
    if kwargs:
        raise TypeError(f"unexpected arguments for kaplan_meier: {', '.join(kwargs)}")
    times = check_values(times if times is not None else [], "times")
    quantiles = check_values(quantiles if quantiles is not None else [0.5], "quantiles", low_open=True, high=1.0,
                             high_open=True)
    taus = check_values(tau if tau is not None else [], "tau", low_open=True)
    _, cols, names = _common(data, duration, event, entry, weights, timefix)
    codes, levels, ng = optional_codes(frame, group)
    if group is not None:
        names["group"] = group
    rows = []
    for lvl in levels:
        g = "" if lvl is None else str(lvl)
        rows += [(f"survival(t={t:g})", g) for t in times]
        rows += [("median" if q == 0.5 else f"quantile({q:g})", g) for q in quantiles]
        rows += [(f"rmst(tau={t:g})", g) for t in taus]
    ref = str(levels[0])
    for lvl in levels[1:]:
        g = f"{lvl} - {ref}"
        rows += [(f"survival_diff(t={t:g})", g) for t in times]
        for t in taus:
            rows += [(f"rmst_diff(tau={t:g})", g), (f"rmst_ratio(tau={t:g})", g)]
    table = pd.DataFrame(rows, columns=["quantity", "group"])
    table.insert(0, "quantity_id", [f"{q} [{g}]" if g else q for q, g in rows])
    call = dict(estimator="kaplan_meier", exit=cols["exit"], event=cols["event"], entry=cols["entry"],
                weight=cols["weight"], group=codes, n_groups=ng, times=times, quantiles=quantiles, taus=taus,
                conf_type=conf_type, _names=names)
    return call, table


def _logrank_bootstrap_kernel(frame: Frame, data: Any, args: tuple, kwargs: dict, quantities: dict[str, Any]) -> tuple[dict, pd.DataFrame]:
    """The core bootstrap statistic of this estimator and the labels of its output (see duurzaam.bootstrap)."""

    duration, event, group = args[:3]
    strata = kwargs.pop("strata", None)
    rho, gamma = float(kwargs.pop("rho", 0.0)), float(kwargs.pop("gamma", 0.0))
    entry, weights = kwargs.pop("entry", None), kwargs.pop("weights", None)
    _, cols, names = _common(data, duration, event, entry, weights, bool(kwargs.pop("timefix", True)))
    codes, levels = frame.codes(group)
    s_codes, _, ns = optional_codes(frame, strata)
    call = dict(estimator="logrank", exit=cols["exit"], event=cols["event"], entry=cols["entry"], weight=cols["weight"],
                group=codes, n_groups=len(levels), strata=s_codes, n_strata=ns, rho=rho, gamma=gamma, _names=names)
    return call, pd.DataFrame({"quantity_id": ["chisq"], "quantity": ["chisq"], "group": [""]})


register_kernel(kaplan_meier, _km_bootstrap_kernel)
register_kernel(logrank, _logrank_bootstrap_kernel)
