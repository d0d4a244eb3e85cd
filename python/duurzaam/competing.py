"""Competing risks: the cumulative incidence of each cause (Aalen-Johansen), Gray's test, the
Fine-Gray subdistribution hazards model and cause-specific Cox models."""

from __future__ import annotations

import warnings

from functools import cached_property, partial
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._input import Frame, _positional, cause_codes, check_cause, check_level, check_values, core_call, optional_codes
from ._result import Result, handout, register_kernel, result
from .errors import ConvergenceWarning, InputError
from ._model import _coef_table, _design, _newdata_design, _z


@result
class CumulativeIncidence(Result):
    """Cumulative incidence curves per cause (and group); built by :func:`cumulative_incidence`."""

    n_causes: int
    group: str | None
    levels: list[Any]
    conf_level: float
    variance: str
    _gray: Any
    _curves: list[dict[str, np.ndarray]]
    _plain: bool
    _weighted: bool
    _table: pd.DataFrame

    @classmethod
    def _from_core(cls, k: int, curves: list[dict[str, np.ndarray]], group: str | None, levels: list[Any],
                  conf_level: float, gray: Any = None,
                  cmprsk_se: list[np.ndarray] | None = None, plain: bool = True,
                  weighted: bool = False) -> CumulativeIncidence:
        z = _z(conf_level)
        parts = []
        for gi, (lvl, c) in enumerate(zip(levels, curves)):
            m = len(c["time"])
            cif = np.asarray(c["cif"]).reshape(m, k)
            se = np.asarray(c["se"]).reshape(m, k) if cmprsk_se is None else cmprsk_se[gi]
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
        return cls(n_causes=k, group=group, levels=levels, conf_level=conf_level,
                   variance="aalen-johansen" if cmprsk_se is None else "cmprsk", _gray=gray, _curves=curves,
                   _plain=plain, _weighted=weighted, _table=pd.concat(parts, ignore_index=True))

    @property
    def table(self) -> pd.DataFrame:
        """``[group], cause, time, n_risk, n_event, cif, std_err, lower, upper``: one row per
        group, cause and distinct time. The standard error is the infinitesimal jackknife of R's
        ``survfit`` for a multi-state outcome (``variance="aalen-johansen"``) or the delta-method
        variance of R's ``cmprsk::cuminc`` (``variance="cmprsk"``); intervals on the log scale."""
        return handout(self._table)

    @property
    def gray_test(self) -> pd.DataFrame:
        """Gray's k-sample test per cause (``cause, statistic, df, p_value``), as R's
        ``cmprsk::cuminc(..., group, strata, rho)``: stratified when ``strata`` was given.
        Available when the incidence is grouped, without delayed entry or weights (as cmprsk).
        Computed on first use."""
        return handout(self._gray_table)

    @cached_property
    def _gray_table(self) -> pd.DataFrame:
        if isinstance(self._gray, str):
            raise InputError(self._gray)
        out = self._gray() if callable(self._gray) else self._gray
        assert isinstance(out, pd.DataFrame)
        return out

    def at(self, times: Any) -> pd.DataFrame:
        """Cumulative incidence at given times: ``[group], cause, time, cif, std_err, lower, upper``.
        After a group's last follow-up time the incidence is unknown: NaN, as ``cmprsk::timepoints``
        gives NA (not the last value carried forward)."""
        ts = np.atleast_1d(np.asarray(times, dtype=np.float64))
        rows = []
        keys = ["cause"] if self.group is None else [self.group, "cause"]
        for key, part in self._table.groupby(keys, sort=False):
            tt = part["time"].to_numpy()
            for t in ts:
                i = np.searchsorted(tt, t, side="right") - 1
                if i < 0:
                    vals = (0.0, 0.0, np.nan, np.nan)
                elif t > tt[-1]:
                    vals = (np.nan, np.nan, np.nan, np.nan)
                else:
                    vals = tuple(part[c].iloc[i] for c in ("cif", "std_err", "lower", "upper"))
                key = key if isinstance(key, tuple) else (key,)
                rows.append((*key, t, *vals))
        return pd.DataFrame(rows, columns=keys + ["time", "cif", "std_err", "lower", "upper"])

    def _estimate_on(self, rows: dict[str, Any]) -> CumulativeIncidence:
        """The same estimator (and confidence level) on other data: columns t, e, entry."""
        return cumulative_incidence(rows, "t", "e", entry="entry", conf_level=self.conf_level)

    def safe_table(self, round_to: int = 5, min_count: int = 10) -> tuple[pd.DataFrame, Any]:
        """The table recomputed from rounded counts, safe to publish from microdata
        (:func:`duurzaam.disclosure.safe_cif_table`)."""
        from .disclosure import safe_cif_table

        return safe_cif_table(self, round_to=round_to, min_count=min_count)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Curves per cause and group with bands (:func:`duurzaam.plotting.plot_cif`)."""
        from .plotting import plot_cif

        return plot_cif(self, ax, **kwargs)

    def _title(self) -> str:
        return f"Cumulative incidence ({self.n_causes} causes)"

    def _summary_frame(self) -> pd.DataFrame:
        keys = ["cause"] if self.group is None else [self.group, "cause"]
        return self._table.groupby(keys, sort=False).tail(1).set_index(keys)[["time", "cif", "std_err", "lower", "upper"]]


def _gray_test(names: dict[str, Any], frame: Frame, time: np.ndarray, status: np.ndarray, codes: np.ndarray, ng: int,
               k: int, rho: float, scodes: np.ndarray | None, n_strata: int) -> pd.DataFrame:
    """Gray's test for each cause (run when :attr:`CumulativeIncidence.gray_test` is first read)."""
    rows = []
    for c in range(1, k + 1):
        stat, df, p = core_call(_core.gray_test, names, frame, time, status, codes, ng, c, rho, scodes, n_strata)
        rows.append((c, stat, df, p))
    return pd.DataFrame(rows, columns=["cause", "statistic", "df", "p_value"])


def cumulative_incidence(data: Any, duration: str, event: str, group: str | None = None, *,
                         strata: str | None = None, entry: str | None = None, weights: str | None = None,
                         conf_level: float = 0.95, variance: str = "aalen-johansen",
                         rho: float = 0.0) -> CumulativeIncidence:
    """Cumulative incidence of each cause in the presence of the others (Aalen-Johansen), as R's
    ``survfit(Surv(time, factor(status)) ~ group)``, with Gray's test between the groups.

    ``event`` holds 0 for censored and 1, 2, ..., k for the causes (e.g. 1 = work, 2 = other
    exit); every cause must occur. Groups, delayed entry (``entry``) and case weights.

    Parameters
    ----------
    strata : str, optional
        Strata for Gray's test (the curves are per ``group``).
    variance : {"aalen-johansen", "cmprsk"}
        The infinitesimal-jackknife standard error of R's ``survfit`` (default; any data), or the
        delta-method variance of R's ``cmprsk::cuminc`` (no weights or delayed entry).
    rho : float
        Power of the weight ``(1 - F(t-))^rho`` in Gray's test (cmprsk's ``rho``; 0 by default).

    Examples
    --------
    >>> import duurzaam as dz
    >>> d = {"months": [1, 2, 2, 3, 4, 5, 5, 6, 7, 8], "exit": [1, 2, 0, 1, 0, 2, 1, 1, 0, 2],
    ...      "arm": ["a", "b", "a", "b", "a", "b", "a", "b", "a", "b"]}
    >>> ci = dz.cumulative_incidence(d, "months", "exit", group="arm")
    >>> ci.at(7)["cif"].round(4).tolist()
    [0.6, 0.0, 0.4, 0.4]
    >>> ci.at(8)["cif"].round(4).tolist()  # after arm a's last follow-up (7): unknown, as in cmprsk
    [nan, nan, 0.4, 0.6]
    >>> ci.gray_test.columns.tolist()
    ['cause', 'statistic', 'df', 'p_value']
    """
    if variance not in ("aalen-johansen", "cmprsk"):
        raise InputError(f"variance must be 'aalen-johansen' or 'cmprsk', not {variance!r}")
    if not (np.isfinite(rho) and rho >= 0):
        raise InputError(f"rho must be finite and >= 0, not {rho!r}")
    conf_level = check_level(conf_level)
    frame = Frame(data)
    names: dict[str, str | None] = {"duration": duration, "event": event, "entry": entry, "weights": weights}
    codes, levels, ng = optional_codes(frame, group)
    if group is not None:
        names["group"] = group
    time = frame.numeric(duration)
    status = frame.numeric(event)
    entry_col = frame.numeric(entry) if entry else None
    if entry_col is not None and np.all(entry_col == 0):
        entry_col = None  # everyone enters at 0: no delayed entry (Gray's test and cmprsk's variance apply)
    k, curves = core_call(_core.cumulative_incidence, names, frame, time, status, entry=entry_col,
                          weight=frame.numeric(weights) if weights else None, group=codes, n_groups=ng)
    plain = entry_col is None and weights is None
    st = status.astype(np.uint8)
    gray: Any = "Gray's test compares groups: give group="
    if strata is not None and group is None:
        raise InputError("strata are for Gray's test between groups: give group= too")
    if group is not None:
        if not plain:
            gray = "Gray's test (as cmprsk) is for data without delayed entry or weights"
        else:
            scodes, _, n_strata = optional_codes(frame, strata)
            gray = partial(_gray_test, names, frame, time, st, codes, ng, k, float(rho), scodes, n_strata)
    cmprsk_se = None
    if variance == "cmprsk":
        if not plain:
            raise InputError("variance='cmprsk' is for data without delayed entry or weights (as cmprsk::cuminc)")
        cmprsk_se = []
        gcodes = np.zeros(len(time), dtype=np.int64) if codes is None else codes
        for gi, c in enumerate(curves):
            sel = np.flatnonzero(gcodes == gi)
            order = sel[np.argsort(time[sel], kind="stable")]
            tt, ss = np.ascontiguousarray(time[order]), np.ascontiguousarray(st[order])
            se = np.zeros((len(c["time"]), k))
            for j in range(k):
                et, _, var = _core.cmprsk_variance(tt, ss, j + 1)
                idx = np.searchsorted(et, c["time"], side="right") - 1
                se[:, j] = np.where(idx >= 0, np.sqrt(var[np.maximum(idx, 0)]), 0.0)
            cmprsk_se.append(se)
    return CumulativeIncidence._from_core(k, curves, group, levels, conf_level, gray=gray, cmprsk_se=cmprsk_se,
                                          plain=plain, weighted=weights is not None)


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
    e, k = cause_codes(frame, event)
    cause = check_cause(cause, k, event)
    indicator = (e == cause).astype(np.int64)
    name = f"{event}=={cause}"
    return cox(frame.with_column(name, indicator), duration, name, covariates, **kwargs)


@result
class FineGrayFit(Result):
    """A Fine-Gray subdistribution hazards model, built by :func:`fine_gray`.

    Attributes
    ----------
    summary : pandas.DataFrame
        As :attr:`CoxFit.summary`: ``coef, exp_coef`` (subdistribution hazard ratio), ``se``
        (the robust standard error of ``cmprsk::crr``), ``z, p_value`` and intervals.
    naive_se : pandas.Series
        The model-based standard error (inverse information), for reference.
    loglik : tuple
        Log pseudo-likelihood at zero and at the estimate.
    """

    terms: list[str]
    cause: int
    coef: pd.Series
    var: pd.DataFrame
    naive_se: pd.Series
    loglik: tuple[float, float]
    n: int
    n_events: int
    converged: bool
    conf_level: float
    _summary: pd.DataFrame
    _base: pd.DataFrame
    _spec: Any

    @classmethod
    def _from_core(cls, res: dict[str, Any], terms: list[str], cause: int, conf_level: float, spec: Any,
                  n: int) -> FineGrayFit:
        p = len(terms)
        b = np.asarray(res["coef"])
        var = np.asarray(res["var"]).reshape(p, p)
        naive = np.asarray(res["naive_var"]).reshape(p, p)
        converged = bool(res["converged"])
        tab = _coef_table(b, np.sqrt(np.diag(var)), None, terms, conf_level)
        tab.insert(1, "exp_coef", np.exp(b))
        tab["exp_lower"] = np.exp(tab["lower"])
        tab["exp_upper"] = np.exp(tab["upper"])
        out = cls(terms=terms, cause=cause, coef=pd.Series(b, index=terms, name="coef"),
                  var=pd.DataFrame(var, index=terms, columns=terms),
                  naive_se=pd.Series(np.sqrt(np.diag(naive)), index=terms, name="naive_se"),
                  loglik=(float(res["loglik_null"]), float(res["loglik"])), n=n, n_events=int(res["n_events"]),
                  converged=converged, conf_level=conf_level, _summary=tab,
                  _base=pd.DataFrame({"time": res["time"], "cumhaz": np.cumsum(res["base_jump"])}), _spec=spec)
        bad = [t for t, v, s in zip(terms, b, np.sqrt(np.diag(var))) if not (np.isfinite(v) and np.isfinite(s))]
        if not converged or bad:
            warnings.warn("the Fine-Gray model did not converge" + (f" (terms {', '.join(map(repr, bad))} have no "
                          "finite estimate)" if bad else "") + ": do not report these coefficients",
                          ConvergenceWarning, stacklevel=3)
        return out

    @property
    def summary(self) -> pd.DataFrame:
        return handout(self._summary)

    def baseline_cumhaz(self) -> pd.DataFrame:
        """The baseline cumulative subdistribution hazard at the failure times of the cause
        (covariates at zero), the cumulative sum of crr's ``bfitj``."""
        return handout(self._base)

    def predict_cumulative_incidence(self, newdata: Any, times: Any) -> pd.DataFrame:
        """Predicted cumulative incidence ``1 - exp(-H0(t) exp(x'b))`` of the cause for each row
        of ``newdata`` at ``times``, as R's ``predict.crr``. One row per newdata row, one column
        per time."""
        x = _newdata_design(newdata, self._spec, self.terms)
        lp = x @ self.coef.to_numpy()
        ts = np.atleast_1d(np.asarray(times, dtype=np.float64))
        k = np.searchsorted(self._base["time"].to_numpy(), ts, side="right") - 1
        h = np.where(k >= 0, self._base["cumhaz"].to_numpy()[np.maximum(k, 0)], 0.0)
        return pd.DataFrame(1.0 - np.exp(-np.outer(np.exp(lp), h)), columns=ts)

    def _title(self) -> str:
        return f"Fine-Gray model (cause {self.cause})"

    def _facts(self) -> list[tuple[str, str]]:
        return [("n", str(self.n)), ("events of the cause", str(self.n_events)),
                ("log pseudo-likelihood", f"{self.loglik[1]:.4f} (null {self.loglik[0]:.4f})"),
                ("converged", str(self.converged))]

    def _summary_frame(self) -> pd.DataFrame:
        return self._summary


def fine_gray(data: Any, duration: str, event: str, covariates: Any, *, cause: int = 1,
              conf_level: float = 0.95, max_iter: int = 50) -> FineGrayFit:
    """The Fine-Gray proportional subdistribution hazards model for one cause, as R's
    ``cmprsk::crr``: coefficients, the robust variance (including the term for the estimated
    censoring distribution), the log pseudo-likelihood and predicted cumulative incidence.

    Parameters
    ----------
    event : str
        0 censored, 1..k causes.
    covariates : list of str or formula
        As :func:`duurzaam.cox`.
    cause : int
        The cause of interest (crr's ``failcode``).
    max_iter : int
        Newton-Raphson iterations at most (crr's ``maxiter``); a fit that does not converge gives
        a :class:`ConvergenceWarning`.

    Runs in O(n log n + n p^2) (crr's loops are quadratic in n or worse). crr's ``cengroup``
    (censoring distributions per group) is not offered: cmprsk 2.2-11 computes its variance
    with an estimator that is not documented, and an unchecked variance is not shipped.

    Examples
    --------
    >>> import duurzaam as dz
    >>> d = {"months": [2, 3, 3, 5, 8, 9, 12, 12, 4, 6, 7, 10], "exit": [1, 2, 1, 0, 1, 2, 0, 1, 1, 2, 0, 1],
    ...      "arm": [0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0]}
    >>> fit = dz.fine_gray(d, "months", "exit", ["arm"], cause=1)
    >>> fit.summary.columns.tolist()[:3]
    ['coef', 'exp_coef', 'se']
    """
    conf_level = check_level(conf_level)
    frame = Frame(data)
    names: dict[str, str | None] = {"duration": duration, "event": event}
    time = frame.numeric(duration)
    status = frame.numeric(event)
    bad = np.flatnonzero(~np.isfinite(time) | (time < 0))
    if bad.size:
        raise InputError(f"column '{duration}': duration is NaN, infinite or negative ({frame.where(int(bad[0]))})",
                         column=duration, row=int(bad[0]))
    codes = core_call(_core_cause_codes, names, frame, status)
    cause = check_cause(cause, max(int(codes.max()), 1), event)
    if not np.any(codes == cause):
        raise InputError(f"column '{event}' has no events of cause {cause}", column=event)
    x, terms, spec, _ = _design(frame, data, covariates)
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or not 1 <= max_iter <= 10_000:
        raise InputError(f"max_iter must be a whole number from 1 to 10000, not {max_iter!r}")
    res = core_call(_core.fine_gray, names, frame, time, codes, x, int(cause), max_iter=int(max_iter), terms=terms)
    return FineGrayFit._from_core(res, terms, int(cause), conf_level, spec, len(time))


def _core_cause_codes(status: np.ndarray) -> np.ndarray:
    """Cause codes as uint8, validated: whole numbers 0..250."""
    bad = np.flatnonzero(~np.isfinite(status) | (status < 0) | (status > 250) | (status != np.round(status)))
    if bad.size:
        raise _core.CoreInputError("event", int(bad[0]), "cause is not a whole number 0 (censored), 1, 2, ...")
    return np.ascontiguousarray(status.astype(np.uint8))


def _bootstrap_kernel(frame: Frame, data: Any, args: tuple, kwargs: dict, quantities: dict[str, Any]) -> tuple[dict, pd.DataFrame]:
    """The core bootstrap statistic of this estimator and the labels of its output (see duurzaam.bootstrap)."""
    times = quantities["times"]

    duration, event, group = _positional(args, kwargs, ("duration", "event", "group"), "cumulative_incidence")
    entry, weights = kwargs.pop("entry", None), kwargs.pop("weights", None)
    if kwargs:
        raise TypeError(f"unexpected arguments for cumulative_incidence: {', '.join(kwargs)}")
    if not times:
        raise InputError("give times= for the cumulative incidence to bootstrap")
    codes8, k = cause_codes(frame, event)
    causes = codes8.astype(np.float64)
    codes, levels, ng = optional_codes(frame, group)
    times = check_values(times, "times")
    rows = [(f"cif(cause={c}, t={t:g})", "" if lvl is None else str(lvl))
            for lvl in levels for c in range(1, k + 1) for t in times]
    table = pd.DataFrame(rows, columns=["quantity", "group"])
    table.insert(0, "quantity_id", [f"{q} [{g}]" if g else q for q, g in rows])
    call = dict(estimator="cumulative_incidence", exit=frame.numeric(duration),
                event=np.ascontiguousarray(causes > 0, dtype=np.uint8), causes=causes,
                entry=frame.numeric(entry) if entry else None, weight=frame.numeric(weights) if weights else None,
                group=codes, n_groups=ng, times=times,
                _names={"duration": duration, "event": event, "entry": entry, "weights": weights, "group": group})
    return call, table


register_kernel(cumulative_incidence, _bootstrap_kernel)
