"""Accelerated failure time models (R's ``survreg``), over the Rust core (src/parametric)."""

from __future__ import annotations

import dataclasses

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._input import Frame, check_level, check_rank, core_call
from ._result import Result, handout, register_kernel, result
from ._glmm import RandomIntercept, fit_random_intercept
from ._model import (TestResult, _chisq_test, _coef_table, _cr2_estimating, _design, _few_clusters,
                     _inverse_sqrt_quadrature, _newdata_design, _small_sample_table, _t_table)
from .errors import ConvergenceWarning, DegenerateDataError, InputError

DISTS = ("weibull", "exponential", "lognormal", "loglogistic", "gaussian", "logistic")
_TIME_SCALE = ("gaussian", "logistic")  # linear on time itself, not on log time


@result
class AftFit(Result):
    """A fitted accelerated failure time model; built by :func:`aft`."""

    dist: str
    terms: list[str]
    coef: pd.Series
    scale: float
    var: pd.DataFrame
    loglik: tuple[float, float]
    iter: int
    converged: bool
    n: int
    conf_level: float
    aic: float
    _summary: pd.DataFrame
    lr_test: TestResult
    _spec: Any
    strata: str | None = None
    scales: pd.Series | None = None
    naive_var: pd.DataFrame | None = None
    n_clusters: int = 0
    _cluster_derivs: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def _from_core(cls, r: dict[str, Any], terms: list[str], dist: str, conf_level: float, n: int, spec: Any,
                   strata: str | None = None, strata_levels: list[Any] | None = None,
                   n_clusters: int = 0) -> AftFit:
        p = len(terms)
        free = dist != "exponential"
        if strata is not None and free and strata_levels is not None:
            scale_names = [f"Log(scale)[{lv}]" for lv in strata_levels]
        else:
            scale_names = ["Log(scale)"] if free else []
        names = terms + scale_names
        q = len(names)
        coef = pd.Series(r["coef"], index=terms, name="coef")
        scale = float(r["scale"])
        var = pd.DataFrame(np.asarray(r["var"]).reshape(q, q), index=names, columns=names)
        naive_var = var
        rv = r.get("robust_var")
        if rv is not None:  # as R's survreg(cluster = ): var is the sandwich, naive_var the model's
            var = pd.DataFrame(np.asarray(rv).reshape(q, q), index=names, columns=names)
        loglik = tuple(float(v) for v in r["loglik"])
        n_iter = int(r["iter"])
        converged = bool(r["converged"])
        all_scales = np.asarray(r.get("scales", [scale]), dtype=float)
        est = np.concatenate([coef.to_numpy(), np.log(all_scales[:len(scale_names)]) if free else []])
        scales = (pd.Series(all_scales, index=pd.Index(strata_levels, name=strata), name="scale")
                  if strata is not None and strata_levels is not None else None)
        out = cls(dist=dist, terms=terms, coef=coef, scale=scale, var=var, loglik=loglik, iter=n_iter,
                  converged=converged, n=n, conf_level=conf_level, aic=-2 * loglik[1] + 2 * q,
                  _summary=_coef_table(est, np.sqrt(np.diag(naive_var.to_numpy())),
                                       np.sqrt(np.diag(var.to_numpy())) if rv is not None else None, names, conf_level),
                  lr_test=_chisq_test(2 * (loglik[1] - loglik[0]), p - 1), _spec=spec, strata=strata, scales=scales,
                  naive_var=naive_var, n_clusters=n_clusters,
                  _cluster_derivs=((np.asarray(r["cluster_score"]).reshape(n_clusters, q),
                                    np.asarray(r["cluster_info"]).reshape(n_clusters, q, q))
                                   if "cluster_score" in r else None))
        if not converged:
            warnings.warn(f"the {dist} model did not converge in {n_iter} iterations", ConvergenceWarning,
                          stacklevel=3)
        return out

    @property
    def summary(self) -> pd.DataFrame:
        """One row per term, ``(Intercept)`` first and ``Log(scale)`` last (not for the
        exponential): ``coef, se, z, p_value, lower, upper``."""
        return handout(self._summary)

    def small_sample_summary(self, correction: str = "CR1") -> pd.DataFrame:
        """Cluster-robust inference for few clusters, per coefficient and log scale: ``coef, se,
        df, t, p_value, lower, upper``. Needs a model fitted with ``cluster=``.

        ``"CR1"``: the sandwich times G / (G - 1) with t tests and intervals on G - 1 degrees of
        freedom. ``"CR2"``: Bell and McCaffrey's bias-reduced linearisation with Satterthwaite
        degrees of freedom per parameter, through the estimating equations (the model has no
        rows to take leverages from): each cluster's score ``U_g`` is adjusted to
        ``(I - J_g M)^(-1/2) U_g`` with ``J_g`` its information and ``M`` the model-based
        variance, which is CR2 of the symmetric working model wherever there is a design (see
        :meth:`duurzaam.CoxFit.small_sample_summary`), and the df are Satterthwaite's with
        cluster scores of covariance ``delta_gh J_g - J_g M J_h``. For at most 2,000 clusters.

        Examples
        --------
        >>> import warnings, duurzaam as dz
        >>> r = dz.datasets.load_rossi()
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", dz.FewClustersWarning)
        ...     fit = dz.aft(r.assign(town=r.index % 12), "week", "arrest", ["fin", "age"], cluster="town")
        >>> s = fit.small_sample_summary("CR2")
        >>> bool((s["df"] < 11).all() and (s["se"] > fit.summary["robust_se"]).all())
        True
        """
        if self.n_clusters < 2:
            raise InputError("small_sample_summary needs a model fitted with cluster=")
        est = self._summary["coef"].to_numpy()
        if correction == "CR2":
            if self._cluster_derivs is None:
                raise InputError(f"CR2 is offered for at most {AFT_CR2_MAX_CLUSTERS} clusters (this model has "
                                 f"{self.n_clusters}); with that many, CR1 is as good")
            U, J = self._cluster_derivs
            assert self.naive_var is not None
            V, df = _cr2_estimating(U, lambda g: J[g], self.naive_var.to_numpy(), np.arange(U.shape[1]))
            return _t_table(est, np.sqrt(np.diag(V)), df, list(self._summary.index), self.conf_level)
        return _small_sample_table(est, self.var.to_numpy(), self.n_clusters, list(self._summary.index),
                                   self.conf_level, correction)

    def _x(self, newdata: Any) -> np.ndarray:
        x = _newdata_design(newdata, self._spec, self.terms[1:])
        return np.column_stack([np.ones(len(x)), x])

    def predict_survival(self, newdata: Any, times: float | Sequence[float]) -> pd.DataFrame:
        """S(t | x) for each row of ``newdata`` at ``times`` (one column per time)."""
        eta = self._x(newdata) @ self.coef.to_numpy()
        ts = np.atleast_1d(np.asarray(times, dtype=np.float64))
        y = ts if self.dist in _TIME_SCALE else np.log(ts)
        z = (y[None, :] - eta[:, None]) / self.scale
        return pd.DataFrame(_survivor(self.dist, z), columns=ts)

    def predict_median(self, newdata: Any) -> np.ndarray:
        """Median time for each row of ``newdata``: exp(x'b + scale * w_0.5) (x'b for the
        gaussian and logistic models, which are on the time scale)."""
        w = {"weibull": math.log(math.log(2)), "exponential": math.log(math.log(2))}.get(self.dist, 0.0)
        m = self._x(newdata) @ self.coef.to_numpy() + self.scale * w
        return m if self.dist in _TIME_SCALE else np.exp(m)

    def summary_text(self) -> str:
        """The fit printed in the layout of R's ``print(survreg(...))``, as text.

        Examples
        --------
        >>> import duurzaam as dz
        >>> print(dz.aft(dz.datasets.load_rossi(), "week", "arrest", ["fin"]).summary_text().splitlines()[0])
        Coefficients:
        """
        from .rprint import aft_text

        return aft_text(self)

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
    if dist in ("loglogistic", "logistic"):
        return 1.0 / (1.0 + np.exp(z))
    from math import erfc, sqrt

    return np.vectorize(lambda v: 0.5 * erfc(v / sqrt(2)))(z)


def _aft_inputs(frame: Frame, data: Any, duration: str | None, event: str | None, covariates: Any,
                lower: str | None, upper: str | None, weights: str | None) -> tuple:
    """Observation kinds (0 exact, 1 right, 2 left, 3 interval), the two times, the design with
    its intercept, term names, formula spec and weights, validated."""
    n = len(frame)
    if lower is not None or upper is not None:
        if lower is None or upper is None or duration is not None or event is not None:
            raise InputError("give either duration and event, or lower and upper (with duration=None, event=None)")
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
            raise InputError("give duration and event (or lower and upper)")
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
        check_rank(x, terms)
    X = np.ascontiguousarray(np.column_stack([np.ones(n), x]))
    w = frame.numeric(weights) if weights is not None else None
    if w is not None:
        bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
        if bad.size:
            raise InputError(f"column '{weights}': weight is not positive ({frame.where(int(bad[0]))})",
                             column=weights, row=int(bad[0]))
    return (np.ascontiguousarray(kind), np.ascontiguousarray(t1, dtype=np.float64),
            np.ascontiguousarray(t2, dtype=np.float64), X, terms, spec, w)


def aft(data: Any, duration: str | None, event: str | None, covariates: str | Sequence[str], *,
        dist: str = "weibull", lower: str | None = None, upper: str | None = None, weights: str | None = None,
        conf_level: float = 0.95, max_iter: int = 30, strata: str | None = None, cluster: str | None = None) -> AftFit:
    """Accelerated failure time model, as R's ``survreg``: ``log T = x'b + scale * W``.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame or dict of 1-D arrays
    duration, event : str or None
        Right-censored data: time (> 0) and 0/1 event.
    covariates : list of str or str
        Numeric columns, or a formula right-hand side (formulaic); an intercept is added.
    dist : {"weibull", "exponential", "lognormal", "loglogistic", "gaussian", "logistic"}
        ``"gaussian"`` (a Tobit model) and ``"logistic"`` are linear on time itself, the others on
        log time, as R's ``survreg(dist = )``.
    lower, upper : str, optional
        Interval-censored data instead of duration/event: the event happened in
        ``(lower, upper]``; ``lower`` 0 (or missing) means left-censored at ``upper``, ``upper``
        missing (or infinite) right-censored at ``lower``, equal values an exact time.
    weights : str, optional
        Case weights.
    strata : str, optional
        A scale per level of this column, as R's ``+ strata(column)`` in ``survreg`` (the
        coefficients are shared): ``fit.scales``, and ``Log(scale)[level]`` rows in the summary.
    cluster : str, optional
        Clusters (municipalities): the sandwich variance summed within clusters, as R's
        ``survreg(..., cluster = )`` (``var``; ``naive_var`` the model's; the summary adds
        ``robust_se``); below 20 clusters a :class:`~duurzaam.FewClustersWarning` and
        ``fit.small_sample_summary()`` (CR1, t on G - 1 df; or CR2 with Satterthwaite df). With case weights the scores are
        weighted, and interval-censored rows use the exact derivative (R does neither; see
        docs/differences_from_r.md).

    Examples
    --------
    >>> import duurzaam as dz
    >>> fit = dz.aft(dz.datasets.load_rossi(), "week", "arrest", ["fin", "age", "prio"])
    >>> fit.summary["coef"].round(4).tolist()
    [3.7738, 0.2495, 0.0478, -0.0698, -0.3367]
    """
    if dist not in DISTS:
        raise InputError(f"dist must be one of {', '.join(DISTS)}, not {dist!r}")
    conf_level = check_level(conf_level)
    frame = Frame(data)
    n = len(frame)
    names: dict[str, str | None] = {"duration": duration, "event": event, "weights": weights}
    kind, t1, t2, X, terms, spec, w = _aft_inputs(frame, data, duration, event, covariates, lower, upper, weights)
    s_codes, s_levels = (None, None)
    if strata is not None:
        names["strata"] = strata
        s_codes, s_levels = frame.codes(strata)
    cl, n_cl = None, 0
    if cluster is not None:
        cl, cl_levels = frame.clusters(cluster)
        n_cl = len(cl_levels)
    r = core_call(_core.aft_fit, names, frame, kind, t1, t2, X, dist, weight=w, max_iter=int(max_iter),
                  strata=s_codes, n_strata=len(s_levels) if s_levels is not None else 1, cluster=cl, n_clusters=n_cl,
                  cluster_info=0 < n_cl <= AFT_CR2_MAX_CLUSTERS)
    _few_clusters(n_cl, wild=False)
    return AftFit._from_core(r, ["(Intercept)"] + terms, dist, conf_level, n, spec, strata, s_levels, n_cl)


@result
class DiscreteHazardFit(Result):
    """A fitted discrete-time hazard model; built by :func:`discrete_hazard`."""

    link: str
    degree: int | None
    t_max: int
    terms: list[str]
    coef: pd.Series
    naive_var: pd.DataFrame
    var: pd.DataFrame
    loglik: float
    person_periods: int
    iter: int
    converged: bool
    conf_level: float
    _summary: pd.DataFrame
    _spec: Any
    _n_base: int
    _covariates: Any
    n_clusters: int = 0
    _rows: dict[str, Any] | None = None
    frailty: str | None = None
    frailty_variance: float | None = None
    frailty_variance_se: float | None = None
    frailties: pd.Series | None = None
    n_quadrature: int | None = None

    @classmethod
    def _from_core(cls, r: dict[str, Any], terms: list[str], link: str, degree: int | None, conf_level: float,
                  spec: Any, covariates: Any, n_clusters: int = 0,
                  rows: dict[str, Any] | None = None) -> DiscreteHazardFit:
        t_max = int(r["n_periods"])
        base = [f"period[{t}]" for t in range(1, t_max + 1)] if degree is None else \
            ["(Intercept)"] + ["t" if j == 1 else f"t^{j}" for j in range(1, degree + 1)]
        names = base + terms
        q = len(names)
        coef = pd.Series(r["coef"], index=names, name="coef")
        naive_var = pd.DataFrame(np.asarray(r["var"]).reshape(q, q), index=names, columns=names)
        rv = r.get("robust_var")
        var = pd.DataFrame(np.asarray(rv).reshape(q, q), index=names, columns=names) if rv is not None else naive_var
        n_iter = int(r["iter"])
        converged = bool(r["converged"])
        summary = _coef_table(coef.to_numpy(), np.sqrt(np.diag(naive_var.to_numpy())),
                              np.sqrt(np.diag(var.to_numpy())) if rv is not None else None, names, conf_level)
        out = cls(link=link, degree=degree, t_max=t_max, terms=names, coef=coef, naive_var=naive_var, var=var,
                  loglik=float(r["loglik"]), person_periods=int(r["person_periods"]), iter=n_iter,
                  converged=converged, conf_level=conf_level, _summary=summary, _spec=spec, _n_base=len(base),
                  _covariates=covariates, n_clusters=n_clusters, _rows=rows)
        if not converged:
            warnings.warn(f"the discrete-time model did not converge in {n_iter} iterations", ConvergenceWarning,
                          stacklevel=3)
        return out

    def small_sample_summary(self, correction: str = "CR1") -> pd.DataFrame:
        """Cluster-robust inference for few clusters, per term: ``coef, se, df, t, p_value,
        lower, upper``. Needs a model fitted with ``cluster=``.

        ``"CR1"``: the cluster sandwich times G / (G - 1) with t on G - 1 degrees of freedom (R
        clubSandwich's ``vcovCR(type = "CR1")`` and ``coef_test(test = "naive-t")``).
        ``"CR2"``: Bell and McCaffrey's bias-reduced linearisation with Satterthwaite degrees of
        freedom per coefficient (Pustejovsky and Tipton 2018; clubSandwich's ``vcovCR(type =
        "CR2")`` and ``coef_test(test = "Satterthwaite")`` for the same glm on the person-periods,
        with its working model and inverse-variance target), the recommended choice with few or
        unequal clusters. A cluster of up to 1,500 person-periods takes an eigen-decomposition of
        its n_g x n_g matrix; a larger one the inverse square root as an integral evaluated by
        the trapezoidal rule, one q x q system per node (equal to the eigen-decomposition to
        about 1e-10; about 1 s per 37,500 person-periods with 26 terms). A parameter that one
        cluster alone determines (a period in which only it is at risk, a covariate varying
        within it alone: a leverage of 1) gets clubSandwich's pseudo-inverse both ways.

        Examples
        --------
        >>> import warnings, duurzaam as dz
        >>> d = dz.datasets.load_rossi().assign(month=lambda x: (x.week + 3) // 4, town=lambda x: x.index % 12)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", dz.FewClustersWarning)
        ...     fit = dz.discrete_hazard(d, "month", "arrest", ["fin", "age"], cluster="town", baseline="poly")
        >>> s = fit.small_sample_summary("CR2")
        >>> bool(s.loc["fin", "df"] < 11)
        True
        """
        if self.n_clusters < 2:
            raise InputError("small_sample_summary needs a model fitted with cluster=")
        if correction == "CR2":
            return _cr2_table(self)
        return _small_sample_table(self.coef.to_numpy(), self.var.to_numpy(), self.n_clusters, list(self.terms),
                                   self.conf_level, correction)

    @property
    def summary(self) -> pd.DataFrame:
        """Baseline terms (``period[t]``, or ``(Intercept)``, ``t``, ``t^2``, ... in units of
        t / t_max), then the covariates: ``coef, se, [robust_se], z, p_value, lower, upper`` (on the
        link scale: log-odds for logit, log hazard ratio for cloglog)."""
        return handout(self._summary)

    def predict_hazard(self, newdata: Any, periods: Sequence[int] | None = None) -> pd.DataFrame:
        """Hazard of each newdata row in each period (default 1..t_max): one column per period."""
        ts = np.arange(1, self.t_max + 1) if periods is None else np.asarray(periods, dtype=int)
        if np.any(ts < 1) or (self.degree is None and np.any(ts > self.t_max)):
            raise InputError(f"periods must lie in 1..{self.t_max} for a per-period baseline")
        b = self.coef.to_numpy()
        if self.degree is None:
            base = b[ts - 1]
        else:
            u = ts / self.t_max
            base = sum(b[j] * u**j for j in range(self.degree + 1))
        x = _newdata_design(newdata, self._spec, [] if isinstance(self._covariates, str) else self._covariates)
        eta = base[None, :] + (x @ b[self._n_base:])[:, None]
        h = 1 / (1 + np.exp(-eta)) if self.link == "logit" else -np.expm1(-np.exp(eta))
        return pd.DataFrame(h, columns=ts)

    def predict_survival(self, newdata: Any, periods: Sequence[int] | None = None) -> pd.DataFrame:
        """Probability of no event through each period: the product of 1 - hazard."""
        ts = np.arange(1, self.t_max + 1) if periods is None else np.asarray(periods, dtype=int)
        h = self.predict_hazard(newdata, np.arange(1, ts.max() + 1))
        s = np.cumprod(1 - h.to_numpy(), axis=1)
        return pd.DataFrame(s[:, ts - 1], columns=ts)

    def _title(self) -> str:
        base = "per-period baseline" if self.degree is None else f"polynomial baseline of degree {self.degree}"
        return f"Discrete-time hazard model ({self.link} link, {base})"

    def _facts(self) -> list[tuple[str, str]]:
        out = [("person-periods", str(self.person_periods)), ("log-likelihood", f"{self.loglik:.4f}")]
        if self.frailty is not None and self.frailties is not None:
            out.append(("random intercept", f"{self.frailty}: variance {self.frailty_variance:.4g} (se "
                        f"{self.frailty_variance_se:.3g}) over {len(self.frailties)} clusters, "
                        f"{self.n_quadrature}-point adaptive Gauss-Hermite"))
        return out

    def _summary_frame(self) -> pd.DataFrame:
        return self._summary


#: Periods of a discrete-time model with one baseline parameter per period, at most.
MAX_PERIODS_PER_PARAMETER = 2_000
#: Periods of a discrete-time model with a polynomial baseline, at most (work grows with them).
MAX_PERIODS = 100_000


def discrete_hazard(data: Any, duration: str, event: str, covariates: str | Sequence[str] = (), *,
                    entry: str | None = None, link: str = "logit", baseline: str = "period", degree: int = 3,
                    weights: str | None = None, cluster: str | None = None, frailty: str | None = None,
                    n_quadrature: int = 25, conf_level: float = 0.95) -> DiscreteHazardFit:
    """Discrete-time hazard model for monthly (or weekly) data: ``g(h_t) = alpha(t) + x'b`` over
    the person-periods ``entry + 1, ..., duration`` (generated in the core, never stored).

    Parameters
    ----------
    duration : str
        Whole number >= 1: the period of the event, or the last period observed.
    event : str
        1 if the event happened in period ``duration``.
    covariates : list of str or str
        Person-level numeric columns or a formula right-hand side.
    entry : str, optional
        Periods already survived before observation starts (delayed entry).
    link : {"logit", "cloglog"}
        cloglog gives hazard ratios of the underlying continuous-time proportional hazards model.
    baseline : {"period", "poly"}
        One parameter per period, or a polynomial of ``degree`` in t / t_max.
    cluster : str, optional
        Cluster-robust (sandwich) standard errors.
    frailty : str, optional
        A random intercept per level of this column (municipality, case worker): ``g(h) =
        alpha(t) + x'b + u_i`` with ``u_i ~ N(0, sigma^2)``, a shared frailty on the link scale,
        fitted by maximum marginal likelihood as R's ``lme4::glmer(... + (1 | column), family =
        binomial(link), nAGQ = n_quadrature)``. ``fit.frailty_variance`` is sigma^2 (with
        ``frailty_variance_se``), ``fit.frailties`` each cluster's predicted effect (the
        conditional mode, lme4's ``ranef``); coefficients are conditional on the cluster
        (predictions are for a cluster with effect 0). glmer's own optimiser stops short of the
        optimum (about 1e-5 in the coefficients); at its true optimum it agrees with this fit.
    n_quadrature : int
        Nodes of the adaptive Gauss-Hermite quadrature per cluster (5 to 100; 25 gives the
        integral to about ten digits; glmer's Laplace default, one node, is not offered).

    Examples
    --------
    >>> import duurzaam as dz
    >>> d = dz.datasets.load_rossi().assign(month=lambda x: (x.week + 3) // 4)
    >>> fit = dz.discrete_hazard(d, "month", "arrest", ["fin", "age"], link="cloglog", baseline="poly")
    >>> fit.summary.loc["fin", "coef"].round(3)
    np.float64(-0.329)
    """
    if link not in ("logit", "cloglog"):
        raise InputError(f"link must be 'logit' or 'cloglog', not {link!r}")
    if baseline not in ("period", "poly"):
        raise InputError(f"baseline must be 'period' or 'poly', not {baseline!r}")
    conf_level = check_level(conf_level)
    frame = Frame(data)
    names: dict[str, str | None] = {"duration": duration, "event": event, "weights": weights}

    def whole(col: str, low: int) -> np.ndarray:
        v = frame.numeric(col)
        bad = np.flatnonzero(~np.isfinite(v) | (v != np.round(v)) | (v < low) | (v > 2**31))
        if bad.size:
            raise InputError(f"column '{col}': periods must be whole numbers >= {low} ({frame.where(int(bad[0]))})",
                             column=col, row=int(bad[0]))
        return np.ascontiguousarray(v, dtype=np.uint32)

    dur = whole(duration, 1)
    ent = whole(entry, 0) if entry is not None else None
    last = int(dur.max()) if dur.size else 0
    limit = MAX_PERIODS_PER_PARAMETER if baseline == "period" else MAX_PERIODS
    if last > limit:
        row = int(np.argmax(dur))
        raise InputError(f"column '{duration}' reaches period {last} (row {row}); "
                         + (f"baseline='period' estimates one parameter per period and takes at most {limit}: "
                            "use baseline='poly' or coarser periods" if baseline == "period" else
                            f"the discrete-time model takes periods up to {limit}: use coarser periods"),
                         column=duration, row=row)
    if ent is not None:
        bad = np.flatnonzero(ent >= dur)
        if bad.size:
            raise InputError(f"column '{entry}': entry is not before the last period ({frame.where(int(bad[0]))})",
                             column=entry, row=int(bad[0]))
    if isinstance(covariates, (list, tuple)) and len(covariates) == 0:
        x, terms, spec = np.empty((len(frame), 0)), [], None
    else:
        x, terms, spec, _ = _design(frame, data, covariates)
        check_rank(x, terms)
    w = frame.numeric(weights) if weights is not None else None
    if w is not None:
        bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
        if bad.size:
            raise InputError(f"column '{weights}': weight is not a positive finite number (row {int(bad[0])})",
                             column=weights, row=int(bad[0]))
    cl, n_cl = (None, 0)
    if cluster is not None and frailty is not None:
        raise InputError("cluster and frailty: a random intercept already models the clustering; give one of them")
    if cluster is not None:
        cl, levels = frame.clusters(cluster)
        n_cl = len(levels)
    r = core_call(_core.discrete_hazard, names, frame, dur, frame.event(event), np.ascontiguousarray(x, dtype=np.float64),
                  link=link, degree=None if baseline == "period" else int(degree), entry=ent, weight=w, cluster=cl,
                  n_clusters=n_cl)
    if frailty is not None:
        fcodes, flevels = frame.codes(frailty)
        rows = {"duration": dur, "event": frame.event(event), "entry": ent, "x": x, "weight": w}
        fit0 = DiscreteHazardFit._from_core(r, terms, link, None if baseline == "period" else int(degree), conf_level,
                                            spec, covariates)
        return _random_intercept(fit0, rows, fcodes, list(flevels), frailty, int(n_quadrature))
    _few_clusters(n_cl, wild=False)
    rows = None if cl is None else {"duration": dur, "event": frame.event(event), "entry": ent, "x": x, "weight": w,
                                    "cluster": cl}
    return DiscreteHazardFit._from_core(r, terms, link, None if baseline == "period" else int(degree), conf_level,
                                        spec, covariates, n_cl, rows)


def _random_intercept(fit0: DiscreteHazardFit, rows: dict[str, Any], codes: np.ndarray, levels: list[Any],
                      frailty: str, n_quadrature: int) -> DiscreteHazardFit:
    """The discrete-time model with a normal random intercept per cluster (see ``_glmm``), from
    the fit without it as the start."""
    X, y, who, prior = _person_periods(rows, fit0.degree, fit0.t_max)
    if len(levels) < 2:
        raise InputError(f"column '{frailty}': a random intercept needs at least two clusters", column=frailty)
    model = RandomIntercept(X, y, prior, np.asarray(codes, dtype=np.int64)[who], len(levels), fit0.link, n_quadrature)
    r = fit_random_intercept(model, fit0.coef.to_numpy())
    q = X.shape[1]
    try:
        V = np.linalg.inv(r["info"])
    except np.linalg.LinAlgError:
        raise DegenerateDataError("the random-intercept model has a singular information matrix") from None
    sigma = float(r["sigma"])
    names = fit0.terms
    coef = pd.Series(r["theta"][:q], index=names, name="coef")
    var = pd.DataFrame(V[:q, :q], index=names, columns=names)
    summary = _coef_table(coef.to_numpy(), np.sqrt(np.diag(V[:q, :q])), None, names, fit0.conf_level)
    if not r["converged"]:
        warnings.warn("the random-intercept model did not converge" + (
            " (the cluster variance runs to 0: there is no clustering to model)" if sigma < 1e-4 else ""),
            ConvergenceWarning, stacklevel=3)
    return dataclasses.replace(
        fit0, coef=coef, naive_var=var, var=var, loglik=float(r["loglik"]), iter=int(r["iter"]),
        converged=bool(r["converged"]), _summary=summary, frailty=frailty, frailty_variance=sigma**2,
        frailty_variance_se=float(2 * sigma**2 * np.sqrt(V[q, q])), n_quadrature=n_quadrature,
        frailties=pd.Series(r["modes"], index=pd.Index(levels, name=frailty), name="effect"))


#: Clusters at most for the AFT model's CR2 (each cluster's information is kept with the fit).
AFT_CR2_MAX_CLUSTERS = 2000

#: Person-periods of one cluster up to which CR2 takes the eigen-decomposition of its n_g x n_g
#: matrix; larger clusters take the integral of the inverse square root (:func:`_cr2_large`).
CR2_EXACT_ROWS = 1_500


def _person_periods(r: dict[str, Any], degree: int | None,
                    t_max: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The person-periods of a discrete-time model as the core builds them: the design (baseline
    columns, then the covariates), the event indicator, each row's person and its case weight."""
    dur = r["duration"].astype(np.int64)
    ent = r["entry"].astype(np.int64) if r["entry"] is not None else np.zeros(len(dur), dtype=np.int64)
    n_pp = dur - ent
    who = np.repeat(np.arange(len(dur)), n_pp)
    offs = np.repeat(np.cumsum(n_pp) - n_pp, n_pp)
    t = np.arange(len(who)) - offs + ent[who] + 1
    y = ((t == dur[who]) & (np.asarray(r["event"])[who] > 0)).astype(np.float64)
    if degree is None:
        base = (t[:, None] == np.arange(1, t_max + 1)[None, :]).astype(np.float64)
    else:
        u = t / t_max
        base = np.column_stack([u**j for j in range(degree + 1)])
    X = np.column_stack([base, np.asarray(r["x"], dtype=np.float64)[who]])
    prior = np.ones(len(who)) if r["weight"] is None else np.asarray(r["weight"], dtype=np.float64)[who]
    return X, y, who, prior


def _cr2_table(fit: DiscreteHazardFit) -> pd.DataFrame:
    """CR2 and Satterthwaite degrees of freedom of a discrete-time model, as clubSandwich for the
    glm on its person-periods: working design ``X~ = (dmu/deta) X``, weights ``W = w / V(mu)``,
    target ``Theta = W^-1``, response residuals ``y - mu``; per cluster the adjustment
    ``A = D (D (Theta - X~ M X~') D)^(-1/2) D`` with ``D = Theta^(1/2)`` and ``M`` the inverse
    information, the variance ``M (sum_g E_g e_g e_g' E_g') M`` with ``E_g = X~_g' W_g A_g``."""
    r = fit._rows
    assert r is not None
    X, y, who, prior = _person_periods(r, fit.degree, fit.t_max)
    cl = np.asarray(r["cluster"])[who]
    b = fit.coef.to_numpy()
    eta = X @ b
    if fit.link == "logit":
        mu = 1 / (1 + np.exp(-eta))
        d = mu * (1 - mu)
    else:
        mu = -np.expm1(-np.exp(eta))
        d = np.exp(eta - np.exp(eta))
    v = mu * (1 - mu)
    Xt = d[:, None] * X
    with np.errstate(divide="ignore", invalid="ignore"):
        w = prior / v
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(Xt))):
        raise DegenerateDataError("CR2: fitted hazards of 0 or 1 in some person-periods (complete separation); "
                                  "the working weights are infinite")
    try:
        M = np.linalg.inv(Xt.T @ (w[:, None] * Xt))
        L = np.linalg.cholesky(M)
    except np.linalg.LinAlgError:
        raise DegenerateDataError("CR2: the information of the person-period model is singular (fitted hazards of "
                                  "0 or 1, or a term without variation)") from None
    q = X.shape[1]
    G = fit.n_clusters
    comps = np.empty((q, G))
    H = np.empty((q, q, G))      # H[i, :, g]: row i of M E_g X~_g L
    Gsq = np.empty((q, G))       # row sums of squares of M E_g Theta_g^(1/2)
    for g in range(G):
        idx = np.flatnonzero(cl == g)
        xg, th = Xt[idx], 1.0 / w[idx]
        dg = np.sqrt(th)
        if len(idx) > CR2_EXACT_ROWS:
            E = _cr2_large(th, xg, L)
        else:
            dx = dg[:, None] * xg
            gm = np.diag(th**2) - dx @ M @ dx.T
            try:
                val, vec = np.linalg.eigh(gm)
            except np.linalg.LinAlgError:
                raise DegenerateDataError(f"CR2: the adjustment of cluster {g} cannot be computed") from None
            pw = np.where(val > 1e-12, val, np.inf) ** -0.5
            A = dg[:, None] * ((vec * pw) @ vec.T) * dg[None, :]
            E = (xg * w[idx][:, None]).T @ A
        comps[:, g] = E @ (y[idx] - mu[idx])
        ME = M @ E
        H[:, :, g] = ME @ xg @ L
        Gsq[:, g] = ((ME * dg[None, :]) ** 2).sum(axis=1)
    V = M @ (comps @ comps.T) @ M
    se = np.sqrt(np.diag(V))
    df = np.empty(q)
    for i in range(q):
        P = -H[i].T @ H[i]
        P[np.diag_indices(G)] += Gsq[i]
        df[i] = 2 * np.trace(P) ** 2 / (2 * np.sum(P**2))
    return _t_table(b, se, df, list(fit.terms), fit.conf_level)


def _cr2_large(th: np.ndarray, xg: np.ndarray, L: np.ndarray) -> np.ndarray:
    """``E_g = X~_g' W_g A_g`` of :func:`_cr2_table` without an n_g x n_g matrix, for a large
    cluster: ``A = Theta^(1/2) B^(-1/2) Theta^(1/2)`` with ``B = Theta^2 - V V'`` (diagonal minus
    rank q, ``V = Theta^(1/2) X~ L``), so ``E' = A W X~ = Theta^(1/2) B^(-1/2) W^(1/2) X~`` needs
    ``B^(-1/2)`` applied to q columns only: the integral ``(2 / pi) int_R e^s (e^(2s) + B)^(-1)
    ds`` of :func:`duurzaam._model._inverse_sqrt_quadrature`, each node one solve with a
    diagonal-minus-rank-q matrix (Woodbury: a q x q system).

    A parameter that the cluster alone determines (a period in which only it is at risk: a
    leverage of 1) makes ``B`` singular; clubSandwich's pseudo-inverse gives its direction 0.
    The null space is ``Theta^-2 V c`` for ``V' Theta^-2 V c = c``: it gets the eigenvalue
    ``c0 = max Theta^2`` (``B + c0 P_N``, still diagonal plus low rank), and ``c0^(-1/2) P_N``
    is taken off the result."""
    lam0 = th**2
    q = xg.shape[1]
    V = (np.sqrt(th)[:, None] * xg) @ L
    R = xg / np.sqrt(th)[:, None]          # W^(1/2) X~ with W = 1 / Theta
    K0 = V.T @ (V / lam0[:, None])
    kval, kvec = np.linalg.eigh((K0 + K0.T) / 2)
    null = kval >= 1 - 1e-10
    c0 = float(lam0.max())
    N = np.linalg.qr((V / lam0[:, None]) @ kvec[:, null])[0] if null.any() else np.empty((len(th), 0))
    k = N.shape[1]
    UR = np.hstack([V, N, R])
    inner = np.diag(np.r_[-np.ones(q), np.full(k, 1 / c0)])    # C^-1 of B' = diag - V V' + c0 N N'

    def solve(lam: np.ndarray) -> np.ndarray:
        """(diag(lam) - V V' + c0 N N')^-1 R."""
        S = UR / lam[:, None]
        C = UR[:, :q + k].T @ S
        return S[:, q + k:] - S[:, :q + k] @ np.linalg.solve(inner + C[:, :q + k], C[:, q + k:])

    kmax = float(kval[~null].max()) if (~null).any() else 0.0
    lo = 0.5 * math.log(lam0.min() * (1 - kmax)) - 12
    hi = 0.5 * math.log(lam0.max()) + 12
    acc = _inverse_sqrt_quadrature(lambda e2: solve(lam0 + e2), R, lo, hi)
    if k:  # the leverage-1 directions: 0, as the pseudo-inverse
        acc -= c0**-0.5 * (N @ (N.T @ R))
    return (np.sqrt(th)[:, None] * acc).T


def _bootstrap_kernel(frame: Frame, data: Any, args: tuple, kwargs: dict, quantities: dict[str, Any]) -> tuple[dict, pd.DataFrame]:
    """The core bootstrap statistic of this estimator and the labels of its output (see duurzaam.bootstrap)."""

    duration, event, covariates = (list(args) + [None, None, None])[:3]
    covariates = kwargs.pop("covariates", covariates)
    dist = kwargs.pop("dist", "weibull")
    if dist not in DISTS:
        raise InputError(f"dist must be one of {', '.join(DISTS)}, not {dist!r}")
    lower, upper, weights = kwargs.pop("lower", None), kwargs.pop("upper", None), kwargs.pop("weights", None)
    kind, t1, t2, X, terms, _, w = _aft_inputs(frame, data, duration, event, covariates, lower, upper, weights)
    names = ["(Intercept)"] + terms + (["Log(scale)"] if dist != "exponential" else [])
    call = dict(estimator="aft", exit=t1, event=np.zeros(len(t1), dtype=np.uint8), x=X, weight=w, aft_kind=kind,
                aft_t2=t2, dist=dist, _names={"duration": duration, "event": event, "weights": weights})
    return call, pd.DataFrame({"quantity_id": names, "quantity": names, "group": [""] * len(names)})


register_kernel(aft, _bootstrap_kernel)
