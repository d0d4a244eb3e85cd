"""Accelerated failure time models (R's ``survreg``), over the Rust core (src/parametric)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._input import Frame, check_level, core_call
from ._result import Result
from .cox import ConvergenceWarning, _chisq_test, _design, _norm_two_sided
from .errors import InputError
from .nonparametric import _z

DISTS = ("weibull", "exponential", "lognormal", "loglogistic")


class AftFit(Result):
    """A fitted accelerated failure time model; built by :func:`aft`."""

    def __init__(self, r: dict[str, Any], terms: list[str], dist: str, conf_level: float, n: int, spec: Any) -> None:
        p = len(terms)
        free = dist != "exponential"
        names = terms + (["Log(scale)"] if free else [])
        q = len(names)
        self.dist = dist
        self.terms = terms
        self.coef = pd.Series(r["coef"], index=terms, name="coef")
        self.scale = float(r["scale"])
        self.var = pd.DataFrame(np.asarray(r["var"]).reshape(q, q), index=names, columns=names)
        self.loglik = tuple(float(v) for v in r["loglik"])
        self.iter = int(r["iter"])
        self.converged = bool(r["converged"])
        self.n = n
        self.conf_level = conf_level
        self.aic = -2 * self.loglik[1] + 2 * q
        est = np.concatenate([self.coef.to_numpy(), [math.log(self.scale)] if free else []])
        se = np.sqrt(np.diag(self.var.to_numpy()))
        z = est / se
        zc = _z(conf_level)
        self._summary = pd.DataFrame({"coef": est, "se": se, "z": z, "p_value": _norm_two_sided(z),
                                      "lower": est - zc * se, "upper": est + zc * se},
                                     index=pd.Index(names, name="term"))
        self.lr_test = _chisq_test(2 * (self.loglik[1] - self.loglik[0]), p - 1)
        self._spec = spec
        self._freeze()
        if not self.converged:
            warnings.warn(f"the {dist} model did not converge in {self.iter} iterations", ConvergenceWarning,
                          stacklevel=3)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per term, ``(Intercept)`` first and ``Log(scale)`` last (not for the
        exponential): ``coef, se, z, p_value, lower, upper``."""
        return self._summary.copy()

    def _x(self, newdata: Any) -> np.ndarray:
        frame = Frame(newdata)
        if self._spec is not None:
            nd = newdata.to_pandas() if frame._kind == "polars" else pd.DataFrame(newdata) if frame._kind == "dict" else newdata
            mm = self._spec.get_model_matrix(nd.reset_index(drop=True))
            x = mm.drop(columns=[c for c in mm.columns if c == "Intercept"]).to_numpy(dtype=np.float64)
        else:
            x = np.column_stack([frame.numeric(c) for c in self.terms[1:]]) if len(self.terms) > 1 else np.empty((len(frame), 0))
        return np.column_stack([np.ones(len(x)), x])

    def predict_survival(self, newdata: Any, times: float | Sequence[float]) -> pd.DataFrame:
        """S(t | x) for each row of ``newdata`` at ``times`` (one column per time)."""
        eta = self._x(newdata) @ self.coef.to_numpy()
        ts = np.atleast_1d(np.asarray(times, dtype=np.float64))
        z = (np.log(ts)[None, :] - eta[:, None]) / self.scale
        return pd.DataFrame(_survivor(self.dist, z), columns=ts)

    def predict_median(self, newdata: Any) -> np.ndarray:
        """Median time for each row of ``newdata``: exp(x'b + scale * w_0.5)."""
        w = {"weibull": math.log(math.log(2)), "exponential": math.log(math.log(2)), "lognormal": 0.0,
             "loglogistic": 0.0}[self.dist]
        return np.exp(self._x(newdata) @ self.coef.to_numpy() + self.scale * w)

    def _title(self) -> str:
        return f"Accelerated failure time model ({self.dist})"

    def _facts(self) -> list[tuple[str, str]]:
        return [("n", str(self.n)), ("scale", f"{self.scale:.4g}"),
                ("log-likelihood", f"{self.loglik[1]:.4f} (intercept only {self.loglik[0]:.4f})"),
                ("AIC", f"{self.aic:.2f}"), ("likelihood ratio test", repr(self.lr_test))]

    def _summary_frame(self) -> pd.DataFrame:
        return self._summary


def _survivor(dist: str, z: np.ndarray) -> np.ndarray:
    if dist in ("weibull", "exponential"):
        return np.exp(-np.exp(z))
    if dist == "loglogistic":
        return 1.0 / (1.0 + np.exp(z))
    from math import erfc, sqrt

    return np.vectorize(lambda v: 0.5 * erfc(v / sqrt(2)))(z)


def aft(data: Any, duration: str | None, event: str | None, covariates: str | Sequence[str], *,
        dist: str = "weibull", lower: str | None = None, upper: str | None = None, weights: str | None = None,
        conf_level: float = 0.95, max_iter: int = 30) -> AftFit:
    """Accelerated failure time model, as R's ``survreg``: ``log T = x'b + scale * W``.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame or dict of 1-D arrays
    duration, event : str or None
        Right-censored data: time (> 0) and 0/1 event.
    covariates : list of str or str
        Numeric columns, or a formula right-hand side (formulaic); an intercept is added.
    dist : {"weibull", "exponential", "lognormal", "loglogistic"}
    lower, upper : str, optional
        Interval-censored data instead of duration/event: the event happened in
        ``(lower, upper]``; ``lower`` 0 (or missing) means left-censored at ``upper``, ``upper``
        missing (or infinite) right-censored at ``lower``, equal values an exact time.
    weights : str, optional
        Case weights.

    Examples
    --------
    >>> import duurzaam as dz
    >>> fit = dz.aft(dz.datasets.load_rossi(), "week", "arrest", ["fin", "age", "prio"])
    >>> fit.summary["coef"].round(4).tolist()
    [3.7738, 0.2495, 0.0478, -0.0698, -0.3367]
    """
    if dist not in DISTS:
        raise ValueError(f"dist must be one of {', '.join(DISTS)}, not {dist!r}")
    conf_level = check_level(conf_level)
    frame = Frame(data)
    n = len(frame)
    names: dict[str, str | None] = {"duration": duration, "event": event, "weights": weights}
    if lower is not None or upper is not None:
        if lower is None or upper is None or duration is not None or event is not None:
            raise ValueError("give either duration and event, or lower and upper (with duration=None, event=None)")
        lo = frame.numeric(lower)
        hi = frame.numeric(upper)
        hi_missing = ~np.isfinite(hi)
        lo_missing = np.isnan(lo) | (lo == 0)
        bad = np.flatnonzero((~lo_missing & (lo < 0)) | (lo_missing & hi_missing) | (~lo_missing & ~hi_missing & (hi < lo))
                             | (~hi_missing & (hi <= 0)))
        if bad.size:
            raise InputError(f"columns '{lower}'/'{upper}': not a valid interval ({frame.where(int(bad[0]))})",
                             column=lower, row=int(bad[0]))
        kind = np.where(hi_missing, 1, np.where(lo_missing, 2, np.where(lo == hi, 0, 3))).astype(np.uint8)
        t1, t2 = np.where(lo_missing, 0.0, lo), np.where(hi_missing, 0.0, hi)
    else:
        if duration is None or event is None:
            raise ValueError("give duration and event (or lower and upper)")
        t = frame.numeric(duration)
        bad = np.flatnonzero(~np.isfinite(t) | (t <= 0))
        if bad.size:
            raise InputError(f"column '{duration}': times must be finite and > 0 for a parametric model "
                             f"({frame.where(int(bad[0]))})", column=duration, row=int(bad[0]))
        e = frame.numeric(event)
        bad = np.flatnonzero((e != 0) & (e != 1))
        if bad.size:
            raise InputError(f"column '{event}': value is not 0 or 1 (False or True) ({frame.where(int(bad[0]))})",
                             column=event, row=int(bad[0]))
        kind = np.where(e == 1, 0, 1).astype(np.uint8)
        t1, t2 = t, t
    if isinstance(covariates, (list, tuple)) and len(covariates) == 0:
        x, terms, spec = np.empty((n, 0)), [], None
    else:
        x, terms, spec, _ = _design(frame, data, covariates)
    X = np.ascontiguousarray(np.column_stack([np.ones(n), x]))
    w = frame.numeric(weights) if weights is not None else None
    if w is not None:
        bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
        if bad.size:
            raise InputError(f"column '{weights}': weight is not positive ({frame.where(int(bad[0]))})",
                             column=weights, row=int(bad[0]))
    r = core_call(_core.aft_fit, names, frame, np.ascontiguousarray(kind), np.ascontiguousarray(t1, dtype=np.float64),
                  np.ascontiguousarray(t2, dtype=np.float64), X, dist, weight=w, max_iter=int(max_iter))
    return AftFit(r, ["(Intercept)"] + terms, dist, conf_level, n, spec)
