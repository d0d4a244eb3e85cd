"""The Cox proportional hazards model: thin wrapper over the Rust core (src/cox)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._input import Frame, check_level, check_seed, check_values, core_call, fix_times, optional_codes
from ._result import Result, handout, register_kernel, result
from .errors import ConvergenceWarning, DegenerateDataError, InputError
from ._model import (TestResult, _chisq_test, _coef_table, _design, _few_clusters, _newdata_design,  # noqa: F401
                     _norm_two_sided, _quad, _small_sample_table, _cr2_estimating, _inverse_sqrt_quadrature, _t_table)


@dataclass(frozen=True)
class Concordance:
    """Harrell's concordance as R's coxph reports it: counts of comparable pairs and C with its
    (infinitesimal-jackknife) standard error."""

    concordant: float
    discordant: float
    tied_x: float
    tied_y: float
    tied_xy: float
    concordance: float
    std_err: float


@result
class CoxFit(Result):
    """A fitted Cox proportional hazards model; built by :func:`cox`."""

    terms: list[str]
    coef: pd.Series
    naive_var: pd.DataFrame
    robust: bool
    var: pd.DataFrame
    loglik: tuple[float, float]
    iter: int
    converged: bool
    means: pd.Series
    n: int
    n_events: float
    ties: str
    strata: str | None
    conf_level: float
    infinite_terms: list[str]
    linear_predictor: np.ndarray
    _args: dict[str, Any]
    _strata_levels: list[Any] | None
    _covariates: Any
    _cluster: np.ndarray | None
    _n_clusters: int
    _model_spec: Any
    _term_spans: Any
    _offset_name: str | None
    _summary: pd.DataFrame
    lr_test: TestResult
    score_test: TestResult
    wald_test: TestResult
    frailty: str | None = None
    frailty_dist: str | None = None
    frailty_variance: float | None = None
    frailties: pd.Series | None = None

    @classmethod
    def _from_core(cls, r: dict[str, Any], names: list[str], args: dict[str, Any], strata_levels: list[Any] | None,
                  strata: str | None, ties: str, robust: bool, conf_level: float, n: int, covariates: Any,
                  cluster: np.ndarray | None, n_clusters: int, spec: Any, spans: Any, offset: str | None) -> CoxFit:
        p = len(names)
        coef = pd.Series(r["coef"], index=names, name="coef")
        naive_var = pd.DataFrame(np.asarray(r["var"]).reshape(p, p), index=names, columns=names)
        rv = r.get("robust_var")
        var = pd.DataFrame(np.asarray(rv).reshape(p, p), index=names, columns=names) if rv is not None else naive_var
        loglik = (float(r["loglik_init"]), float(r["loglik"]))
        n_iter = int(r["iter"])
        converged = bool(r["converged"])
        infinite_terms = [names[j] for j in r["infinite"]]

        b = coef.to_numpy()
        summary = _coef_table(b, np.sqrt(np.diag(naive_var.to_numpy())),
                              np.sqrt(np.diag(var.to_numpy())) if rv is not None else None, names, conf_level)
        with np.errstate(over="ignore"):  # an infinite coefficient is warned about below
            summary.insert(1, "exp_coef", np.exp(b))
            summary["exp_lower"] = np.exp(summary["lower"])
            summary["exp_upper"] = np.exp(summary["upper"])
        try:
            vinv_b = np.linalg.solve(var.to_numpy(), b)
            wald = float(b @ vinv_b)
        except np.linalg.LinAlgError:
            wald = math.nan
        out = cls(terms=names, coef=coef, naive_var=naive_var, robust=robust, var=var, loglik=loglik,
                  iter=n_iter, converged=converged, means=pd.Series(r["means"], index=names), n=n,
                  n_events=float(r["n_events"]), ties=ties, strata=strata, conf_level=conf_level,
                  infinite_terms=infinite_terms, linear_predictor=np.asarray(r["linear_predictor"]), _args=args,
                  _strata_levels=strata_levels, _covariates=covariates, _cluster=cluster, _n_clusters=n_clusters,
                  _model_spec=spec, _term_spans=spans, _offset_name=offset, _summary=summary,
                  lr_test=_chisq_test(2 * (loglik[1] - loglik[0]), p),
                  score_test=_chisq_test(float(r["score_test"]), p), wald_test=_chisq_test(wald, p))
        if not math.isfinite(wald):
            warnings.warn("the variance matrix is singular: the Wald test is undefined (NaN); the standard errors "
                          "of some terms are not identified", ConvergenceWarning, stacklevel=3)
        if not converged:
            warnings.warn(f"the Cox model did not converge in {n_iter} iterations", ConvergenceWarning, stacklevel=3)
        if infinite_terms:
            warnings.warn(
                "the log-likelihood converged before the coefficient(s) of "
                + ", ".join(repr(t) for t in infinite_terms)
                + " did: they may be infinite (monotone likelihood, e.g. no events in one group)",
                ConvergenceWarning, stacklevel=3)
        return out

    @cached_property
    def concordance_detail(self) -> Concordance:
        """Harrell's concordance with its counts and standard error (computed on first use)."""
        a = self._args
        c = _core.concordance(a["exit"], a["event"], self.linear_predictor, entry=a["entry"], weight=a["weight"],
                              strata=a["strata"], n_strata=a["n_strata"], cluster=self._cluster,
                              n_clusters=self._n_clusters)
        return Concordance(*map(float, c))

    @property
    def concordance(self) -> float:
        """Harrell's C of the linear predictor, as R's ``fit$concordance["concordance"]``."""
        return self.concordance_detail.concordance

    @property
    def summary(self) -> pd.DataFrame:
        """One row per term: ``coef, exp_coef, se, [robust_se], z, p_value, lower, upper,
        exp_lower, exp_upper``; z, p and the intervals use the robust standard error when there
        is one (as R)."""
        return handout(self._summary)

    def _detail(self) -> dict[str, Any]:
        return self._details

    @cached_property
    def _details(self) -> dict[str, Any]:
        return _core.cox_details(coef=self.coef.to_numpy().tolist(), ties=self.ties, **self._args)

    def residuals(self, type: str = "martingale") -> np.ndarray:
        """Residuals as R's ``residuals.coxph``: ``martingale``, ``deviance``, ``score``,
        ``schoenfeld``, ``scaledsch`` or ``dfbeta`` (multiplied by the case weights, as R's
        default). Per row in input order (score, dfbeta: n x p); Schoenfeld residuals have one
        row per event, in time order within strata."""
        if self.ties == "exact" and type in ("score", "schoenfeld", "scaledsch", "dfbeta"):
            raise InputError(f"{type} residuals are not defined for the exact partial likelihood (as in R); "
                             "refit with ties='efron'")
        d = self._detail()
        p = len(self.terms)
        ev = np.asarray(self._args["event"], dtype=np.float64)
        if type == "martingale":
            return d["martingale"].copy()
        if type == "deviance":
            m = d["martingale"]
            with np.errstate(divide="ignore", invalid="ignore"):
                inner = m + np.where(ev > 0, ev * np.log(np.where(ev > 0, ev - m, 1.0)), 0.0)
            return np.sign(m) * np.sqrt(-2 * inner)
        score = d["score"].reshape(-1, p)
        if type == "score":
            return score.copy()
        if type == "dfbeta":  # weighted by the case weights, as R's default
            w = self._args["weight"]
            dfb = score @ self.naive_var.to_numpy()
            return dfb * (w[:, None] if w is not None else 1.0)
        sch = d["schoenfeld"].reshape(-1, p)
        if type == "schoenfeld":
            return sch.copy()
        if type == "scaledsch":
            return sch @ self.naive_var.to_numpy() * sch.shape[0] + self.coef.to_numpy()
        raise InputError(f"unknown residual type {type!r}")

    def ph_test(self, transform: str = "km") -> pd.DataFrame:
        """Test of proportional hazards, as ``cox.zph`` of R survival >= 3: the score test for
        adding ``x * g(t)`` per term, and for all terms together (``GLOBAL``), with g the time
        transformed by ``transform`` ("km": 1 - KM(t-), "identity", "log" or "rank"), centred.

        Returns a table indexed by term and ``GLOBAL``: ``chisq, df, p_value``. A small p-value
        says the hazard ratio of that term changes over time.
        """
        z = _core.cox_zph(coef=self.coef.to_numpy().tolist(), ties=self.ties, transform=transform, **self._args)
        p = len(self.terms)
        imat = np.asarray(z["imat"]).reshape(2 * p, 2 * p)
        u = np.concatenate([np.zeros(p), z["u"]])
        rows = []
        for term, cols in self._term_columns().items():
            kk = list(range(p)) + [p + j for j in cols]
            rows.append((term, _quad(imat[np.ix_(kk, kk)], u[kk]), len(cols)))
        rows.append(("GLOBAL", _quad(imat, u), p))
        out = pd.DataFrame(rows, columns=["term", "chisq", "df"]).set_index("term")
        out["p_value"] = [_core.chisq_sf(c, float(d)) for c, d in zip(out["chisq"], out["df"])]
        return out

    def _term_columns(self) -> dict[str, list[int]]:
        """Columns of each model term (a categorical term spans several columns)."""
        spans = getattr(self, "_term_spans", None)
        if spans:
            return spans
        return {t: [j] for j, t in enumerate(self.terms)}

    def baseline_cumhaz(self) -> pd.DataFrame:
        """Baseline cumulative hazard at every distinct time, for covariates at zero and an offset
        at its mean (R's ``basehaz(fit, centered = FALSE)``): ``[strata], time, cumhaz``."""
        d = self._detail()
        out = pd.DataFrame({"time": d["base_time"], "cumhaz": d["base_cumhaz"]})
        if self.strata is not None:
            out.insert(0, self.strata, np.asarray(self._strata_levels, dtype=object)[d["base_stratum"]])
        return out

    def predict_survival(self, newdata: Any, times: float | Sequence[float]) -> pd.DataFrame:
        """Predicted survival S(t | x) = exp(-H0(t) exp(x'b)) for each row of ``newdata`` (which
        needs the covariate columns, the strata column of a stratified model and the offset
        column of a model with an offset) at ``times``, as R's ``survfit(fit, newdata)``.
        Returns one row per newdata row and one column per time."""
        ts = check_values(times, "times")
        lp, codes = self._linear_predictor(newdata)
        out = self._predict(lp, codes, ts, average=False).reshape(len(lp), len(ts))
        return pd.DataFrame(out, columns=ts)

    def _linear_predictor(self, newdata: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """x'b of new data (with the offset, relative to the fit's mean offset, as R) and the
        stratum code of each row."""
        if self.frailty is not None:
            raise InputError("predictions for new data from a frailty model (which frailty?) are not offered yet; "
                             "fit.frailties holds each cluster's predicted log-frailty")
        frame = Frame(newdata)
        x = _newdata_design(newdata, self._model_spec, self.terms)
        lp = x @ self.coef.to_numpy()
        if self._args["offset"] is not None:  # the baseline is at the mean offset, as R
            lp = lp + frame.numeric(self._offset_name) - float(np.mean(self._args["offset"]))
        codes = None
        if self.strata is not None:
            c = pd.Categorical(pd.Series(frame.raw(self.strata)).to_numpy(), categories=self._strata_levels).codes
            if (c < 0).any():
                raise InputError(f"column '{self.strata}' of newdata has a level the model did not see "
                                 f"(row {int(np.argmax(c < 0))})", column=self.strata)
            codes = np.ascontiguousarray(c, dtype=np.uint32)
        return np.ascontiguousarray(lp, dtype=np.float64), codes

    def _predict(self, lp: np.ndarray, codes: np.ndarray | None, ts: list[float], average: bool) -> np.ndarray:
        d = self._detail()
        bs = d.get("base_stratum")
        return np.asarray(_core.cox_predict(
            lp, np.ascontiguousarray(d["base_time"], dtype=np.float64), np.ascontiguousarray(d["base_cumhaz"], dtype=np.float64),
            np.asarray(ts, dtype=np.float64), stratum=codes,
            base_stratum=np.ascontiguousarray(bs, dtype=np.uint32) if self.strata is not None else None,
            n_strata=len(self._strata_levels) if self.strata is not None else 1, average=average))

    def adjusted_survival(self, data: Any, variable: str, times: Any, values: Sequence[Any] | None = None) -> pd.DataFrame:
        """Adjusted (direct-standardised) survival: for each value of ``variable`` (default: its
        distinct values in ``data``), the average over every row of ``data`` of the predicted
        survival with ``variable`` set to that value, as if everyone had been in that arm.
        Returns ``variable, time, survival`` and, against the first value, ``difference``.
        For intervals, bootstrap the refit with :func:`adjusted_survival`.

        Examples
        --------
        >>> import duurzaam as dz
        >>> rossi = dz.datasets.load_rossi()
        >>> fit = dz.cox(rossi, "week", "arrest", ["fin", "age", "prio"])
        >>> fit.adjusted_survival(rossi, "fin", [52])["survival"].round(3).tolist()
        [0.699, 0.774]
        """
        frame = Frame(data)
        df = frame.to_pandas()
        if variable not in df.columns:
            raise InputError(f"column '{variable}' is not in the data", column=variable)
        if values is None:
            missing = np.flatnonzero(pd.isna(df[variable]).to_numpy())
            if missing.size:
                raise InputError(f"column '{variable}' is missing in row {int(missing[0])}: give values= or drop the "
                                 "row", column=variable, row=int(missing[0]))
            vals = sorted(pd.unique(df[variable]))
        else:
            vals = list(values)
            if any(pd.isna(v) for v in vals) or len({repr(v) for v in vals}) < len(vals):
                raise InputError(f"values= for '{variable}' must be distinct and not missing")
        ts = np.asarray(check_values(times, "times"), dtype=np.float64)
        if not len(ts):
            raise InputError("times is empty: give the times at which to read the curves")
        rows = []
        first = None
        for v in vals:
            col = pd.Series([v] * len(df), dtype=df[variable].dtype) if isinstance(df[variable].dtype, pd.CategoricalDtype) else v
            lp, codes = self._linear_predictor(df.assign(**{variable: col}))
            s = self._predict(lp, codes, list(ts), average=True)
            first = s if first is None else first
            rows += [(v, t, si, si - f) for t, si, f in zip(ts, s, first)]
        return pd.DataFrame(rows, columns=[variable, "time", "survival", "difference"])

    def small_sample_summary(self, correction: str = "CR1") -> pd.DataFrame:
        """Cluster-robust inference for few clusters (14 municipalities, 24 case workers), per
        term: ``coef, se, df, t, p_value, lower, upper``. Needs a model fitted with
        ``cluster=``; see also :meth:`wild_bootstrap`.

        ``"CR1"``: the cluster sandwich times G / (G - 1) with t tests and intervals on G - 1
        degrees of freedom. ``"CR2"``: Bell and McCaffrey's bias-reduced linearisation with
        Satterthwaite degrees of freedom per coefficient, the recommended choice with few or
        unequal clusters. The Cox model has no design of its own to take leverages from; CR2 is
        that of its Poisson form, in which Breslow's partial likelihood is the likelihood of a
        Poisson model on the rows at risk at each event time with one intercept per event time
        (the baseline hazard's jumps) and the same coefficients, and whose cluster sandwich is
        the Cox robust variance: the symmetric working model ``Z = (w mu)^(1/2) X``, adjustment
        ``(I - H_gg)^(-1/2)`` and Satterthwaite's df under it (Pustejovsky and Tipton 2018),
        computed in the dimension of the parameters, coefficients plus event times. Efron's
        partial likelihood (the default) is in the same way the profile of a quasi-Poisson
        likelihood in which a time with d tied deaths is d sub-times, at which the dying rows have
        an event of 1/d and their risk scaled by 1 - j/d (its cluster sandwich is again the
        robust variance), so with Efron's ties there is one parameter per tied death. Up to 300
        such parameters by an eigen-decomposition per cluster; beyond, without any matrix of that
        size, by quadrature of the inverse square root's integral on the arrowhead information
        (equal to 1e-10; 10,600 events with Efron's ties in 14 clusters take about a second,
        time grows with clusters x events x coefficients^2). Weighted fits (``iptw_cox``) use the
        weights as case weights, ignoring that they were estimated (as the robust variance does).

        Examples
        --------
        >>> import warnings, duurzaam as dz
        >>> r = dz.datasets.load_rossi()
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", dz.FewClustersWarning)
        ...     fit = dz.cox(r.assign(town=r.index % 14), "week", "arrest", ["fin", "age"], cluster="town")
        >>> fit.small_sample_summary()["df"].tolist()
        [13.0, 13.0]
        >>> bool((fit.small_sample_summary("CR2")["df"] < 13).all())
        True
        """
        if self._cluster is None:
            raise InputError("small_sample_summary needs a model fitted with cluster=")
        if correction == "CR2":
            V, df = _cr2_cox(self)
            return _t_table(self.coef.to_numpy(), np.sqrt(np.diag(V)), df, self.terms, self.conf_level)
        return _small_sample_table(self.coef.to_numpy(), self.var.to_numpy(), self._n_clusters, self.terms,
                                   self.conf_level, correction)

    def wild_bootstrap(self, terms: Sequence[str] | None = None, *, n_resamples: int = 9999,
                       weights: str = "rademacher", seed: int = 0) -> pd.DataFrame:
        """Wild cluster score bootstrap of each coefficient being 0 (Kline and Santos 2012), for
        few clusters: the model is refitted with the coefficient fixed at 0, each cluster's
        efficient score for it (the score residuals at the restricted estimate, with the
        nuisance coefficients projected out through the information matrix) is summed, and
        the studentised sum ``t = sum s_g / sqrt(sum s_g^2)`` is compared with its values
        under random signs per cluster (Rademacher; all 2^G sign vectors when there are no
        more than ``n_resamples``) or Webb's six-point weights (better below about 12 clusters).

        Returns per term: ``statistic`` (the robust score z), ``p_value`` (the wild bootstrap's,
        two-sided), ``p_asymptotic`` (normal), ``n_clusters``, ``n_draws``, ``weights``.

        Examples
        --------
        >>> import warnings, duurzaam as dz
        >>> r = dz.datasets.load_rossi()
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", dz.FewClustersWarning)
        ...     fit = dz.cox(r.assign(town=r.index % 14), "week", "arrest", ["fin", "age"], cluster="town")
        >>> int(fit.wild_bootstrap(["fin"], n_resamples=20000)["n_draws"].iloc[0])  # all 2^14 sign vectors
        16384
        """
        if self._cluster is None:
            raise InputError("wild_bootstrap needs a model fitted with cluster=")
        if weights not in ("rademacher", "webb"):
            raise InputError(f"weights must be 'rademacher' or 'webb', not {weights!r}")
        if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 99:
            raise InputError(f"n_resamples must be a whole number of at least 99, not {n_resamples!r}")
        seed = check_seed(seed)
        G = self._n_clusters
        a = self._args
        x = np.asarray(a["x"]).reshape(len(a["exit"]), -1)
        p = x.shape[1]
        chosen = list(terms) if terms is not None else list(self.terms)
        for t in chosen:
            if t not in self.terms:
                raise InputError(f"{t!r} is not a term of the model (terms: {', '.join(self.terms)})")
        if weights == "rademacher" and 2**G <= n_resamples:
            signs = ((np.arange(2**G)[:, None] >> np.arange(G)) & 1) * 2.0 - 1.0  # every sign vector
        else:
            rng = np.random.default_rng(seed)
            if weights == "rademacher":
                signs = rng.choice([-1.0, 1.0], size=(n_resamples, G))
            else:
                six = np.sqrt(np.array([0.5, 1.0, 1.5]))
                signs = rng.choice(np.concatenate([-six, six]), size=(n_resamples, G))
        rows = []
        for t in chosen:
            j = self.terms.index(t)
            keep = [k for k in range(p) if k != j]
            beta = np.zeros(p)
            if keep:
                r = _core.cox_fit(**{**a, "x": np.ascontiguousarray(x[:, keep])}, ties=self.ties,
                                  init=[float(v) for v in self.coef.to_numpy()[keep]])
                beta[keep] = r["coef"]
            at = _core.cox_fit(**a, ties=self.ties, init=beta.tolist(), max_iter=0)
            V = np.asarray(at["var"]).reshape(p, p)
            U = np.asarray(_core.cox_details(coef=beta.tolist(), ties=self.ties, **a)["score"]).reshape(-1, p)
            s = U @ V[:, j] / V[j, j]  # the efficient score for coefficient j, per row
            s_g = np.bincount(self._cluster, weights=s, minlength=G)
            stat = float(s_g.sum() / np.sqrt(np.sum(s_g**2)))
            draws = (signs @ s_g) / np.sqrt((signs**2) @ (s_g**2))
            p_wild = float(np.mean(np.abs(draws) >= abs(stat) * (1 - 1e-12)))
            rows.append((t, stat, p_wild, float(_norm_two_sided(np.array([stat]))[0]), G, len(signs), weights))
        return pd.DataFrame(rows, columns=["term", "statistic", "p_value", "p_asymptotic", "n_clusters", "n_draws",
                                           "weights"]).set_index("term")

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Forest plot of the hazard ratios (:func:`duurzaam.plotting.plot_forest`)."""
        from .plotting import plot_forest

        return plot_forest(self, ax, **kwargs)

    def plot_ph(self, term: str, ax: Any = None, **kwargs: Any) -> Any:
        """Scaled Schoenfeld residuals of ``term`` over time (:func:`duurzaam.plotting.plot_schoenfeld`)."""
        from .plotting import plot_schoenfeld

        return plot_schoenfeld(self, term, ax, **kwargs)

    def summary_text(self) -> str:
        """The result printed in the layout of R's print method (``print(fit)`` in R), as text.

        Examples
        --------
        >>> import duurzaam as dz
        >>> print(dz.cox(dz.datasets.load_rossi(), "week", "arrest", ["fin"]).summary_text().splitlines()[0].split())
        ['coef', 'exp(coef)', 'se(coef)', 'z', 'p']
        """
        from .rprint import cox_text

        return cox_text(self)

    def _title(self) -> str:
        return f"Cox proportional hazards model ({self.ties} ties)"

    def _facts(self) -> list[tuple[str, str]]:
        if self.frailty is not None and self.frailties is not None:
            return [("n", f"{self.n} ({self.n_events:g} events)"),
                    ("frailty", f"{self.frailty_dist}, variance {self.frailty_variance:.4g} over {len(self.frailties)} "
                                f"{self.frailty} clusters"),
                    ("Wald test", repr(self.wald_test))]
        return [("n", f"{self.n} ({self.n_events:g} events)"),
                ("concordance", f"{self.concordance:.4f} (se {self.concordance_detail.std_err:.4f})"),
                ("likelihood ratio test", repr(self.lr_test)),
                ("Wald test", repr(self.wald_test)),
                ("score test", repr(self.score_test))]

    def _summary_frame(self) -> pd.DataFrame:
        return self._summary


def cox(data: Any, duration: str, event: str, covariates: str | Sequence[str], *, entry: str | None = None,
        strata: str | None = None, weights: str | None = None, cluster: str | None = None, robust: bool = False,
        ties: str = "efron", offset: str | None = None, conf_level: float = 0.95, max_iter: int = 20,
        eps: float = 1e-9, frailty: str | None = None, frailty_dist: str = "gamma",
        frailty_variance: float | None = None, timefix: bool = True) -> CoxFit:
    """Cox proportional hazards model, as R's ``coxph``.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame or dict of 1-D arrays
    duration, event : str
        Time to the event or censoring, and the 0/1 event indicator.
    covariates : list of str or str
        Numeric columns, or a formula right-hand side such as ``"C(arm) + age"`` (formulaic).
    entry : str, optional
        Entry time: counting-process data ``(entry, duration]`` (delayed entry, time-varying
        covariates on split records).
    strata : str, optional
        A column whose levels get their own baseline hazard.
    weights : str, optional
        Case weights.
    cluster : str, optional
        Cluster identifier (municipality, case worker): robust variance summed over clusters.
    robust : bool
        Sandwich (dfbeta) variance, as R's ``robust = TRUE``.
    ties : {"efron", "breslow", "exact"}
        How tied event times enter the partial likelihood. ``"exact"`` is R's ``ties = "exact"``:
        the exact (discrete-time, conditional logistic) partial likelihood, in which d tied
        events among the rows at risk contribute their risk scores over the sum over all sets of
        d rows at risk (computed by a recursion in O(n d p^2) per tied time, so slow with many
        ties in large risk sets); no case weights, as in R. What follows from an exact fit (the
        baseline hazard, predictions and martingale residuals) uses Breslow's sums, as R's
        ``survfit`` (ctype 1) and ``residuals`` do; there is no robust variance (as in R).
    offset : str, optional
        A column added to the linear predictor with coefficient 1.
    frailty : str, optional
        A shared frailty per level of this column (municipality, case worker), as R's ``+
        frailty(column, distribution = frailty_dist)``: ``fit.frailty_variance`` (theta) and
        ``fit.frailties`` (each cluster's predicted log-frailty). Theta is estimated (gamma: at
        the maximum of R's marginal likelihood ``c.loglik``, which R's own outer iteration stops
        short of; gaussian: R's REML equation), or fixed with ``frailty_variance``. The summary
        has ``se`` (R's ``se(coef)``) and ``se2`` (the sandwich ``H^-1 I H^-1``), z and p from
        ``se``; diagnostics are conditional on the predicted frailties.
    frailty_dist : {"gamma", "gaussian"}
    timefix : bool
        Near-equal times are one time, as R's ``coxph.control(timefix = TRUE)`` (see
        :func:`kaplan_meier`).

    Examples
    --------
    >>> import duurzaam as dz
    >>> rossi = dz.datasets.load_rossi()
    >>> fit = dz.cox(rossi, "week", "arrest", ["fin", "age", "prio"])
    >>> fit.summary["coef"].round(4).tolist()
    [-0.347, -0.0671, 0.0969]
    """
    if ties not in ("efron", "breslow", "exact"):
        raise InputError(f"ties must be 'efron', 'breslow' or 'exact', not {ties!r}")
    if ties == "exact" and weights is not None:
        raise InputError(f"weights: case weights are not defined for the exact partial likelihood (ties='exact'), "
                         f"as in R; use ties='efron' with column {weights!r}")
    if ties == "exact" and (robust or cluster is not None):
        raise InputError("robust/cluster: no robust variance with ties='exact' (its score residuals are not defined; "
                         "R's coxph refuses too); use ties='efron'")
    if ties == "exact" and frailty is not None:
        raise InputError("frailty: the shared frailty model is fitted with ties='efron' or 'breslow', not 'exact'")
    conf_level = check_level(conf_level)
    frame = Frame(data)
    names: dict[str, str | None] = {"duration": duration, "event": event, "entry": entry, "weights": weights,
                                    "strata": strata}
    x, terms, spec, spans = _design(frame, data, covariates)
    exit_, entry_ = fix_times(frame.numeric(duration), frame.numeric(entry) if entry is not None else None, timefix,
                              (duration, entry))
    args: dict[str, Any] = {
        "exit": exit_, "event": frame.event(event), "x": x,
        "entry": entry_,
        "weight": frame.numeric(weights) if weights is not None else None,
        "strata": None, "n_strata": 1,
        "offset": frame.numeric(offset) if offset is not None else None,
    }
    strata_levels = None
    if strata is not None:
        args["strata"], strata_levels = frame.codes(strata)
        args["n_strata"] = len(strata_levels)
    if frailty is not None:
        return _frailty_cox(frame, args, names, terms, spec, spans, frailty, frailty_dist, frailty_variance, ties,
                            strata, strata_levels, cluster, offset, covariates, conf_level)
    cl, n_cl = None, 0
    if cluster is not None:
        cl, cl_levels = frame.clusters(cluster)
        n_cl = len(cl_levels)
    r = core_call(_core.cox_fit, names, frame, cluster=cl, n_clusters=n_cl, robust=bool(robust), ties=ties,
                  max_iter=int(max_iter), eps=float(eps), terms=terms, **args)
    _few_clusters(n_cl)
    return CoxFit._from_core(r, terms, args, strata_levels, strata, ties, bool(robust) or cluster is not None,
                             conf_level, len(frame), covariates, cl, n_cl, spec, spans, offset)


#: Event-time parameters (one per event time, with Efron's ties one per tied death) up to which
#: CR2 takes an eigen-decomposition of coefficients + event-time parameters per cluster; beyond,
#: the quadrature on the arrowhead information (benches/bench_cr2.py: 30x faster at 1,000 events,
#: equal to 4e-11).
CR2_EXACT_TIMES = 300

#: The largest clusters x event-time parameters x (coefficients + 1) of the risk sums that CR2
#: keeps in memory (8 bytes each).
CR2_MAX_CELLS = 60_000_000


def _cr2_cox(fit: CoxFit) -> tuple[np.ndarray, np.ndarray]:
    """CR2 variance and Satterthwaite df of a Cox fit through its Poisson form (see
    :meth:`CoxFit.small_sample_summary`). Breslow: one parameter ``alpha_m`` per (stratum, event
    time), ``exp(alpha_m)`` the hazard jump. Efron: a time with d tied deaths is d sub-times
    j = 0..d-1 at which the dying rows count with their risk times ``c = 1 - j / d`` and an event of
    ``1 / d`` each (the profile of this quasi-Poisson likelihood is Efron's partial likelihood, and
    its cluster sandwich coxph's robust variance). Per cluster g and sub-time m, with ``S0_g(m),
    S1_g(m)`` the weighted risk sums (the dying rows' part scaled by c) and ``Y_g(m)`` the weighted
    events: the score ``U_g = (sum w d x - sum_m dLambda_m S1_g(m), Y_g(m) - dLambda_m S0_g(m))``
    and the information with blocks ``sum w r Lambda x x'``, ``dLambda_m S1_g(m)`` and
    ``diag(dLambda_m S0_g(m))``, where ``Lambda`` is each row's hazard summed over its sub-times
    at risk (times its c)."""
    a = fit._args
    if fit.ties == "exact":
        raise InputError("CR2 needs Breslow's or Efron's partial likelihood; this model has ties='exact'")
    exit_ = np.asarray(a["exit"], dtype=np.float64)
    n = len(exit_)
    x = np.asarray(a["x"], dtype=np.float64).reshape(n, -1)
    p = x.shape[1]
    w = np.ones(n) if a["weight"] is None else np.asarray(a["weight"], dtype=np.float64)
    ev = (np.asarray(a["event"]) > 0) & (w > 0)
    entry = np.full(n, -np.inf) if a["entry"] is None else np.asarray(a["entry"], dtype=np.float64)
    strata = np.zeros(n, dtype=np.int64) if a["strata"] is None else np.asarray(a["strata"], dtype=np.int64)
    cl = np.asarray(fit._cluster, dtype=np.int64)
    G = fit._n_clusters
    xc = x - x.mean(axis=0)
    eta = xc @ fit.coef.to_numpy()
    if a["offset"] is not None:
        eta = eta + np.asarray(a["offset"], dtype=np.float64)
    r = np.exp(eta - eta.max())
    # event times per stratum, numbered 0..T-1 stratum after stratum; each row at risk at the
    # event times lo..hi-1
    lo = np.zeros(n, dtype=np.int64)
    hi = np.zeros(n, dtype=np.int64)
    off = 0
    for h in np.unique(strata):
        rows = strata == h
        times = np.unique(exit_[rows & ev])
        lo[rows] = off + np.searchsorted(times, entry[rows], side="right")
        hi[rows] = off + np.searchsorted(times, exit_[rows], side="right")
        off += len(times)
    T = off
    kev = hi - 1
    deaths = np.bincount(kev[ev], minlength=T)                 # dying rows per event time
    nsub = deaths if fit.ties == "efron" else np.ones(T, dtype=np.int64)
    Q = int(nsub.sum())
    if G * Q * (p + 1) > CR2_MAX_CELLS:
        raise InputError(f"CR2 for the Cox model works with one parameter per event time (with Efron's ties one per "
                         f"tied death): this model has {Q} of them and {G} clusters, {G * Q * (p + 1):,} risk sums "
                         f"per cluster and time (at most {CR2_MAX_CELLS:,}); use CR1 or the wild bootstrap, or "
                         "time in whole months")
    at_risk = lo < hi
    wr = w * r * at_risk
    # per cluster and event time: the risk sums S0, S1 (difference arrays over each row's run of
    # event times) and the dying rows' D0, D1 and weights
    cols = np.column_stack([wr, wr[:, None] * xc])
    B = T + 1
    idx_lo, idx_hi = cl * B + lo, cl * B + hi
    S = np.empty((G * B, p + 1))
    for j in range(p + 1):
        S[:, j] = (np.bincount(idx_lo, weights=cols[:, j], minlength=G * B)
                   - np.bincount(idx_hi, weights=cols[:, j], minlength=G * B))
    S = np.cumsum(S.reshape(G, B, p + 1), axis=1)[:, :T, :]
    de = cl[ev] * T + kev[ev]
    D = np.stack([np.bincount(de, weights=cols[ev, j], minlength=G * T) for j in range(p + 1)], axis=1).reshape(G, T, p + 1)
    dw = np.bincount(de, weights=w[ev], minlength=G * T).reshape(G, T)
    # sub-times: event time tk[m], step j[m] of nsub[tk[m]], the dying rows' factor c = 1 - j / d
    tk = np.repeat(np.arange(T), nsub)
    first = np.cumsum(nsub) - nsub
    step = np.arange(Q) - first[tk]
    frac = step / nsub[tk]
    Ssub = S[:, tk, :] - frac[None, :, None] * D[:, tk, :]     # G x Q x (p + 1)
    Y = dw[:, tk] / nsub[tk][None, :]
    dlam = Y.sum(axis=0) / Ssub[:, :, 0].sum(axis=0)
    # each row's hazard over its sub-times at risk, the dying rows' own time at factor c
    C = np.concatenate([[0.0], np.cumsum(dlam)])
    ends = np.append(first, Q)                                 # event time k's sub-times: ends[k]..ends[k + 1] - 1
    Lam = np.where(at_risk, C[ends[hi]] - C[ends[lo]], 0.0)
    own = np.bincount(tk, weights=frac * dlam, minlength=T)      # sum_j (j / d) dLambda_j per event time
    Lam = Lam - np.where(ev, own[np.maximum(kev, 0)], 0.0)
    q = p + Q
    U = np.empty((G, q))
    m = w * r * Lam
    U[:, :p] = (np.stack([np.bincount(cl, weights=w * ev * xc[:, j], minlength=G) for j in range(p)], axis=1)
                - np.einsum("m,gmj->gj", dlam, Ssub[:, :, 1:]))
    U[:, p:] = Y - dlam[None, :] * Ssub[:, :, 0]
    order = np.argsort(cl, kind="stable")
    starts = np.searchsorted(cl[order], np.arange(G + 1))
    if Q > CR2_EXACT_TIMES:
        # the information is arrowhead: a coefficient block, a border and a diagonal
        parts = [order[starts[g]:starts[g + 1]] for g in range(G)]
        A = np.stack([xc[rows].T @ (m[rows, None] * xc[rows]) for rows in parts])
        return _cr2_arrowhead(U, A, Ssub[:, :, 1:] * dlam[None, :, None], dlam[None, :] * Ssub[:, :, 0])

    def info(g: int) -> np.ndarray:
        J = np.zeros((q, q))
        rows = order[starts[g]:starts[g + 1]]
        xg = xc[rows]
        J[:p, :p] = xg.T @ (m[rows, None] * xg)
        J[:p, p:] = (Ssub[g, :, 1:] * dlam[:, None]).T
        J[p:, :p] = J[:p, p:].T
        J[np.arange(p, q), np.arange(p, q)] = dlam * Ssub[g, :, 0]
        return J

    Jt = sum(info(g) for g in range(G))
    try:
        M = np.linalg.inv(Jt)
    except np.linalg.LinAlgError:
        raise DegenerateDataError("CR2: the information of the Poisson form is singular") from None
    return _cr2_estimating(U, info, M, np.arange(p))


def _cr2_arrowhead(U: np.ndarray, A: np.ndarray, B: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_cr2_estimating` for many event-time parameters, without a dense q x q matrix.

    Each cluster's information ``J_g`` of the Poisson form is arrowhead: a p x p block ``A[g]``
    for the coefficients, a border ``B[g]`` (Q x p) and a diagonal ``D[g]`` for the Q event-time
    parameters; ``J = sum J_g`` too, so ``J^-1`` applied to vectors is an O(Q p^2) elimination
    of the diagonal. The adjusted score ``(I - M J_g)^(-1/2) M U_g`` is the integral
    ``(2 / pi) int_0^inf (t^2 J + K)^(-1) U_g dt`` with ``K = J - J_g`` (the information of the
    other clusters), taken as ``(2 / pi) int_R e^s (e^(2s) J + K)^(-1) U_g ds`` by the
    trapezoidal rule (step 0.3; the integrand is analytic in a strip, as in the discrete-time
    model's quadrature), with closed-form tails and the Euler-Maclaurin endpoint term; each node
    is one arrowhead solve.

    A baseline jump whose risk set lies inside cluster g (``K`` is 0 on its row and column: no
    other cluster informs it) has leverage 1; as the eigen-decomposition (clubSandwich's
    pseudo-inverse), its direction gets 0. These "private" parameters are eliminated exactly:
    with ``E = [I; -J_PP^-1 J_Pr]`` the adjusted score is ``E (2 / pi) int (t^2 J~ + K_rr)^(-1)
    E' U_g dt`` over the remaining parameters r, ``J~`` the Schur complement of ``J_PP`` (the
    coefficient block less ``sum b b' / d`` over the private times): still arrowhead. A
    coefficient direction that only cluster g informs (a covariate varying within it alone) is
    made a coordinate by a change of basis that keeps both matrices arrowhead and eliminated the
    same way (:func:`_pencil_solve`). The same for the vectors ``(I - M J_g)^(-1/2) M e_j`` of
    Satterthwaite's degrees of freedom.
    Equal to the eigen-decomposition to about 1e-10 (tests force this path on small models)."""
    try:
        return _cr2_quadrature(U, A, B, D)
    except np.linalg.LinAlgError:
        raise DegenerateDataError("CR2: the information of the Poisson form (or that of all clusters but one) is "
                                  "singular") from None


def _arrow_solve(a: np.ndarray, b: np.ndarray, d: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solves the arrowhead system ``[[a, b'], [b, diag(d)]] x = rhs`` (columns of rhs) by
    eliminating the diagonal: O(Q p^2)."""
    p = len(a)
    bd = b / d[:, None]
    xb = np.linalg.solve(a - b.T @ bd, rhs[:p] - bd.T @ rhs[p:])
    return np.vstack([xb, rhs[p:] / d[:, None] - bd @ xb])


def _arrow_times(a: np.ndarray, b: np.ndarray, d: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The arrowhead matrix ``[[a, b'], [b, diag(d)]]`` times the columns of v."""
    p = len(a)
    return np.vstack([a @ v[:p] + b.T @ v[p:], b @ v[:p] + d[:, None] * v[p:]])


def _arrow_congruence(a: np.ndarray, b: np.ndarray, d: np.ndarray, R: np.ndarray,
                      S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``T' M T`` for the arrowhead ``M = [[a, b'], [b, diag(d)]]`` and ``T = [[R, 0], [S, I]]``:
    again arrowhead with the same diagonal; returns its coefficient block and border."""
    bR = b @ R
    dS = d[:, None] * S
    return R.T @ a @ R + R.T @ (b.T @ S) + S.T @ bR + S.T @ dS, bR + dS


def _pencil_solve(e2: float, ja: np.ndarray, jb: np.ndarray, jd: np.ndarray, ka: np.ndarray, kb: np.ndarray,
                  kd: np.ndarray, rhs: np.ndarray, nul: np.ndarray) -> np.ndarray:
    """``(e2 J + K)^-1 rhs`` for arrowhead J and K (``kd > 0``), where K's rows and columns of
    the coefficients ``nul`` are 0 and so is rhs: those equations divided by e2, which keeps the
    system regular as e2 goes to 0 (at 0 they say ``J_P. x = 0``, the solution is ``E K_rr^-1
    rhs_r``)."""
    p = len(ja)
    b, d = e2 * jb + kb, e2 * jd + kd
    bd = b / d[:, None]
    S = e2 * ja + ka - b.T @ bd
    c = rhs[:p] - bd.T @ rhs[p:]
    if nul.any():
        S[nul] = ja[nul] - jb[:, nul].T @ bd
        c[nul] = -(jb[:, nul].T @ (rhs[p:] / d[:, None]))
    xb = np.linalg.solve(S, c)
    return np.vstack([xb, rhs[p:] / d[:, None] - bd @ xb])


def _cr2_quadrature(U: np.ndarray, A: np.ndarray, B: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The quadrature of :func:`_cr2_arrowhead`."""
    G, q = U.shape
    p = A.shape[1]
    At, Bt, Dt = A.sum(axis=0), B.sum(axis=0), D.sum(axis=0)
    np.linalg.cholesky(At - Bt.T @ (Bt / Dt[:, None]))  # the whole information is positive definite
    # the pencil's eigenvalues lie in (0, 1]; below 1e-12 only as leverage-1 directions, removed
    lo, hi = 0.5 * math.log(1e-12) - 12, 12.0
    comps = np.empty((G, p))
    Wq = np.empty((G, q, p))                 # J_g q_gj, q_gj = (I - M J_g)^(-1/2) M e_j
    s = np.empty((G, p))
    for g in range(G):
        Kd = Dt - D[g]
        private = Kd <= 1e-10 * Dt           # only cluster g is at risk (to rounding)
        r = ~private
        bP, dP = B[g][private], D[g][private]
        a_tilde = At - bP.T @ (bP / dP[:, None])
        Ka, Kb, Kd = At - A[g], (Bt - B[g])[r], Kd[r]
        Jb, Jd = Bt[r], Dt[r]
        rhs = np.zeros((p + int(r.sum()), p + 1))
        rhs[:p, 0] = U[g, :p] - bP.T @ (U[g, p:][private] / dP)
        rhs[p:, 0] = U[g, p:][r]
        rhs[:p, 1:] = np.eye(p)
        Ja, T = a_tilde, None
        # coefficient directions that no other cluster informs (a covariate that varies within
        # cluster g alone): K's coefficient block, the times eliminated, is singular there.
        # Found relative to J~'s, they are made coordinates by a change of basis that keeps both
        # matrices arrowhead; then they are eliminated as the private times (see _pencil_solve)
        C = np.linalg.cholesky(Ja - Jb.T @ (Jb / Jd[:, None]))
        Ci = np.linalg.inv(C)
        Sk = Ci @ (Ka - Kb.T @ (Kb / Kd[:, None])) @ Ci.T
        mu, vec = np.linalg.eigh((Sk + Sk.T) / 2)
        nul = mu <= 1e-10
        if nul.any():
            R = Ci.T @ vec
            T = (R, np.zeros((len(Kd), p)))
            T[1][:, nul] = -(Kb / Kd[:, None]) @ R[:, nul]
            Ka, Kb = _arrow_congruence(Ka, Kb, Kd, *T)
            Ka[nul], Ka[:, nul], Kb[:, nul] = 0.0, 0.0, 0.0
            Ja, Jb = _arrow_congruence(Ja, Jb, Jd, *T)
            rhs = np.vstack([R.T @ rhs[:p] + T[1].T @ rhs[p:], rhs[p:]])
            # the right-hand sides projected: E' rhs, with E = [I; -J_PP^-1 J_Pr] for these
            z = np.linalg.solve(Ja[np.ix_(nul, nul)], rhs[:p][nul])
            rhs[:p][~nul] -= Ja[np.ix_(~nul, nul)] @ z
            rhs[p:] -= Jb[:, nul] @ z
            rhs[:p][nul] = 0.0
        y = _inverse_sqrt_quadrature(lambda e2: _pencil_solve(e2, Ja, Jb, Jd, Ka, Kb, Kd, rhs, nul),
                                     _arrow_solve(Ja, Jb, Jd, rhs), lo, hi)
        if T is not None:  # back to the coefficients
            y = np.vstack([T[0] @ y[:p], T[1] @ y[:p] + y[p:]])
        comps[g] = y[:p, 0]
        # the full vectors q_gj: the private times' parts from E
        qv = np.zeros((q, p))
        qv[:p] = y[:p, 1:]
        qv[p:][r] = y[p:, 1:]
        qv[p:][private] = -(bP @ y[:p, 1:]) / dP[:, None]
        Wq[g] = _arrow_times(A[g], B[g], D[g], qv)
        s[g] = np.einsum("ij,ij->j", qv, Wq[g])
    V = comps.T @ comps
    df = np.empty(p)
    for j in range(p):
        W = Wq[:, :, j].T                                # q x G
        P = -W.T @ _arrow_solve(At, Bt, Dt, W)
        P[np.diag_indices(G)] += s[:, j]
        df[j] = np.trace(P) ** 2 / np.sum(P**2)
    return V, df


def _frailty_cox(frame: Frame, args: dict[str, Any], names: dict[str, str | None], terms: list[str], spec: Any,
                 spans: Any, frailty: str, dist: str, theta: float | None, ties: str, strata: str | None,
                 strata_levels: list[Any] | None, cluster: str | None, offset: str | None, covariates: Any,
                 conf_level: float) -> CoxFit:
    """The Cox model with a shared frailty (see :mod:`duurzaam._frailty`)."""
    from ._frailty import fit_frailty

    if dist not in ("gamma", "gaussian"):
        raise InputError(f"frailty_dist must be 'gamma' or 'gaussian', not {dist!r}")
    if cluster is not None:
        raise InputError("frailty= and cluster= together are not offered: the frailty models the clustering")
    if offset is not None:
        raise InputError("frailty= with an offset is not offered yet")
    if theta is not None and not (math.isfinite(float(theta)) and float(theta) > 0):
        raise InputError(f"frailty_variance must be a positive number, not {theta!r}")
    codes, levels = frame.clusters(frailty)
    # the inputs checked (errors with the user's names), and the log-likelihood at zero
    ll0 = float(core_call(_core.cox_evaluate, names, frame, x=args["x"], coef=[0.0] * args["x"].shape[1], ties=ties,
                          **{k: v for k, v in args.items() if k != "x"})["loglik"])
    r = fit_frailty(args, codes.astype(np.int64), len(levels), dist, ties, None if theta is None else float(theta))
    p = len(terms)
    b = r["coef"][:p]
    w = r["coef"][p:]
    var = pd.DataFrame(r["var"], index=terms, columns=terms)
    summary = _coef_table(b, np.sqrt(np.diag(r["var"])), None, terms, conf_level)
    summary.insert(2, "se2", np.sqrt(np.diag(r["var2"])))
    summary.insert(1, "exp_coef", np.exp(b))
    summary["exp_lower"] = np.exp(summary["lower"])
    summary["exp_upper"] = np.exp(summary["upper"])
    x = np.asarray(args["x"]).reshape(len(args["exit"]), -1)
    means = x.mean(axis=0)
    frail_args = {**args, "offset": np.ascontiguousarray(w[codes])}
    try:
        wald = float(b @ np.linalg.solve(r["var"], b))
    except np.linalg.LinAlgError:
        wald = math.nan
    nan_test = _chisq_test(math.nan, p)
    ev = np.asarray(args["event"])
    wts = args["weight"] if args["weight"] is not None else np.ones(len(ev))
    return CoxFit(terms=terms, coef=pd.Series(b, index=terms, name="coef"), naive_var=var, robust=False, var=var,
                  loglik=(ll0, float(r["ll"])), iter=0, converged=bool(r["converged"]), means=pd.Series(means, index=terms),
                  n=len(frame), n_events=float(np.sum(wts[ev > 0])), ties=ties, strata=strata, conf_level=conf_level,
                  infinite_terms=[], linear_predictor=(x - means) @ b + w[codes], _args=frail_args,
                  _strata_levels=strata_levels, _covariates=covariates, _cluster=None, _n_clusters=0,
                  _model_spec=spec, _term_spans=spans, _offset_name=None, _summary=summary,
                  lr_test=nan_test, score_test=nan_test, wald_test=_chisq_test(wald, p), frailty=frailty,
                  frailty_dist=dist, frailty_variance=float(r["theta"]),
                  frailties=pd.Series(w, index=pd.Index(levels, name=frailty), name="log_frailty"))


def _bootstrap_kernel(frame: Frame, data: Any, args: tuple, kwargs: dict, quantities: dict[str, Any]) -> tuple[dict, pd.DataFrame]:
    """The core bootstrap statistic of this estimator and the labels of its output (see duurzaam.bootstrap)."""

    duration, event, covariates = args[:3]
    entry, strata, weights = kwargs.pop("entry", None), kwargs.pop("strata", None), kwargs.pop("weights", None)
    offset, ties = kwargs.pop("offset", None), kwargs.pop("ties", "efron")
    x, terms, _, _ = _design(frame, data, covariates)
    names = {"duration": duration, "event": event, "entry": entry, "weights": weights, "strata": strata}
    s_codes, _, ns = optional_codes(frame, strata)
    exit_, entry_ = fix_times(frame.numeric(duration), frame.numeric(entry) if entry else None,
                              bool(kwargs.pop("timefix", True)), (duration, entry))
    call = dict(estimator="cox", exit=exit_, event=frame.event(event), x=x,
                entry=entry_, weight=frame.numeric(weights) if weights else None,
                strata=s_codes, n_strata=ns, offset=frame.numeric(offset) if offset else None, ties=ties, _names=names)
    return call, pd.DataFrame({"quantity_id": terms, "quantity": terms, "group": [""] * len(terms)})


register_kernel(cox, _bootstrap_kernel)
