"""Comparing a programme group with a comparison group that was not randomised: inverse probability
of treatment weighting (IPTW).

:func:`iptw` fits the propensity score (a logistic model fitted in the core, as R's
``glm(family = binomial)``, or scores passed in), makes the weights for the average treatment
effect (ATE, stabilised by default) or the effect on the treated (ATT), truncates them at
quantiles when asked, and reports balance (standardised mean differences before and after
weighting) and the effective sample size per arm. The weights go into :func:`kaplan_meier`,
:func:`cox` (with ``robust=True``) and the RMST contrasts; :func:`iptw_cox` does the weighted Cox
model in one call and :func:`duurzaam.bootstrap` resamples it with the propensity model refitted
in every replicate, in Rust.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._formula import quote
from ._input import Frame, check_level, check_rank, core_call, fix_times, optional_codes
from ._model import _coef_table, _design
from ._result import Result, register_kernel, result
from .errors import ConvergenceWarning, DegenerateDataError, InputError


def _treatment(frame: Frame, treatment: str) -> np.ndarray:
    """A binary 0/1 numeric treatment column."""
    a = frame.numeric(treatment)
    bad = np.flatnonzero(~np.isin(a, (0.0, 1.0)))
    if bad.size:
        raise InputError(f"column '{treatment}': treatment must be 0 or 1 ({frame.where(int(bad[0]))})",
                         column=treatment, row=int(bad[0]))
    if a.min() == a.max():
        raise InputError(f"column '{treatment}' has one value only; IPTW compares treated (1) and untreated (0)",
                         column=treatment)
    return np.ascontiguousarray(a)


def _arms(frame: Frame, treatment: str) -> tuple[np.ndarray, list[Any]]:
    """Arm codes (as float) and the arm labels: a numeric column must be 0/1 (two arms); a
    categorical or text column may have two arms or more (sorted levels; categories keep their
    order), the first level the reference."""
    numeric = _is_numeric(frame, treatment)
    if numeric:
        return _treatment(frame, treatment), [0, 1]
    codes, levels = frame.codes(treatment)
    if len(levels) < 2:
        raise InputError(f"column '{treatment}' has one arm only", column=treatment)
    return np.ascontiguousarray(codes, dtype=np.float64), list(levels)


def _smd(x: np.ndarray, a: np.ndarray, w: np.ndarray, sd: np.ndarray) -> np.ndarray:
    t, c = a == 1, a == 0
    m1 = (w[t, None] * x[t]).sum(0) / w[t].sum()
    m0 = (w[c, None] * x[c]).sum(0) / w[c].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return (m1 - m0) / sd


@result
class Iptw(Result):
    """IPTW weights with their propensity model and diagnostics, built by :func:`iptw`.

    Attributes
    ----------
    weights : pandas.Series
        One weight per row of the data (the data's index when it is a pandas DataFrame).
    propensity : pandas.Series
        The propensity score P(treated | covariates).
    model : pandas.DataFrame or None
        The logistic propensity model: ``coef, se, z, p_value`` per term (None when scores were
        passed in).
    balance : pandas.DataFrame
        Per covariate term: ``smd_before, smd_after`` (difference of the treated and untreated
        means over the pooled standard deviation of the unweighted sample, as cobalt's default).
    ess : pandas.DataFrame
        Per arm: ``n`` and the effective sample size ``(sum w)^2 / sum w^2`` after weighting.
    """

    arms: list[Any]
    weights: pd.Series
    propensity: pd.Series
    probabilities: pd.DataFrame | None
    model: pd.DataFrame | None
    balance: pd.DataFrame
    ess: pd.DataFrame
    estimand: str
    stabilized: bool
    truncate: tuple[float, float] | None

    @classmethod
    def _from_core(cls, res: dict[str, Any], a: np.ndarray, z: np.ndarray, terms: list[str], index: pd.Index,
                  estimand: str, stabilized: bool, truncate: tuple[float, float] | None, fitted: bool,
                  case: np.ndarray | None, arms: list[Any] | None = None) -> Iptw:
        arms = arms if arms is not None else [0, 1]
        k = len(arms)
        w = np.asarray(res["weights"])
        probabilities = pd.DataFrame(np.asarray(res["prob"]).reshape(len(a), k), index=index,
                                     columns=[str(v) for v in arms]) if k > 2 else None
        if fitted:
            b = np.asarray(res["coef"])
            npar = len(b)
            se = np.sqrt(np.diag(np.asarray(res["var"]).reshape(npar, npar)))
            names = ["(Intercept)"] + terms
            if k > 2:
                names = [f"{arms[c]}: {t}" for c in range(1, k) for t in names]
            tab = _coef_table(b, se, None, names, 0.95)
            model = tab[["coef", "se", "z", "p_value"]]
        else:
            model = None
        base = np.ones(len(a)) if case is None else case
        codes = a.astype(int)
        if k == 2:
            t, c = codes == 1, codes == 0
            sd = np.sqrt((z[t].var(axis=0, ddof=1) + z[c].var(axis=0, ddof=1)) / 2)
            balance = pd.DataFrame({"smd_before": _smd(z, a, base, sd), "smd_after": _smd(z, a, base * w, sd)},
                                        index=pd.Index(terms, name="term"))
        else:
            # the largest absolute standardised difference over all pairs of arms
            def worst(ww: np.ndarray) -> np.ndarray:
                out = np.zeros(z.shape[1])
                for i in range(k):
                    for j in range(i + 1, k):
                        si, sj = codes == i, codes == j
                        sd = np.sqrt((z[si].var(axis=0, ddof=1) + z[sj].var(axis=0, ddof=1)) / 2)
                        mi = (ww[si, None] * z[si]).sum(0) / ww[si].sum()
                        mj = (ww[sj, None] * z[sj]).sum(0) / ww[sj].sum()
                        with np.errstate(divide="ignore", invalid="ignore"):
                            out = np.maximum(out, np.abs((mi - mj) / sd))
                return out

            balance = pd.DataFrame({"smd_before": worst(base), "smd_after": worst(base * w)},
                                        index=pd.Index(terms, name="term"))
        rows = []
        for arm in range(k):
            sel = codes == arm
            ww = base[sel] * w[sel]
            rows.append((arms[arm], int(sel.sum()), float(ww.sum() ** 2 / (ww ** 2).sum())))
        return cls(arms=arms, weights=pd.Series(w, index=index, name="iptw"),
                   propensity=pd.Series(np.asarray(res["propensity"]), index=index, name="propensity"),
                   probabilities=probabilities, model=model, balance=balance,
                   ess=pd.DataFrame(rows, columns=["arm", "n", "ess"]), estimand=estimand, stabilized=stabilized,
                   truncate=truncate)

    def _title(self) -> str:
        return f"IPTW weights ({self.estimand.upper()}{', stabilised' if self.stabilized and self.estimand == 'ate' else ''})"

    def _facts(self) -> list[tuple[str, str]]:
        w = self.weights
        facts = [("weights", f"min {w.min():.3g}, median {w.median():.3g}, max {w.max():.3g}"),
                 ("effective sample size", ", ".join(f"arm {r.arm}: {r.ess:.1f} of {r.n}" for r in self.ess.itertuples()))]
        if self.truncate:
            facts.append(("truncated at quantiles", f"{self.truncate[0]:g}, {self.truncate[1]:g}"))
        return facts

    def _summary_frame(self) -> pd.DataFrame:
        return self.balance


def iptw(data: Any, treatment: str, covariates: str | Sequence[str] | None = None, *, estimand: str = "ate",
         stabilized: bool = True, truncate: tuple[float, float] | float | None = None, propensity: str | None = None,
         weights: str | None = None) -> Iptw:
    """Inverse probability of treatment weights.

    Parameters
    ----------
    treatment : str
        Column with 1 for the programme group and 0 for the comparison group; or a categorical /
        text column with two arms or more (the first level the reference): then the propensity
        model is multinomial (as ``nnet::multinom``) and the weights are ATE weights
        ``1 / P(own arm | x)``, stabilised by the arm shares.
    covariates : list of str or formula
        The propensity model's covariates (as :func:`duurzaam.cox`); also the terms whose
        balance is reported.
    estimand : {"ate", "att"}
        Weights ``a / ps + (1 - a) / (1 - ps)`` (ATE; ``stabilized`` multiplies by the share
        treated and untreated) or ``a + (1 - a) ps / (1 - ps)`` (ATT).
    truncate : (lo, hi) or float, optional
        Clip the weights to their ``lo`` and ``hi`` quantiles (e.g. ``(0.01, 0.99)``; a float
        ``q`` means ``(q, 1 - q)``).
    propensity : str, optional
        A column of propensity scores estimated elsewhere (the model is then not fitted).
    weights : str, optional
        Case (sampling) weights for the propensity model, the shares and the balance.

    Examples
    --------
    >>> import duurzaam as dz
    >>> rossi = dz.datasets.load_rossi()
    >>> iw = dz.iptw(rossi, "fin", ["age", "prio", "wexp"])
    >>> bool((iw.balance["smd_after"].abs() < 0.05).all())
    True
    """
    if estimand not in ("ate", "att"):
        raise InputError(f"estimand must be 'ate' or 'att', not {estimand!r}")
    frame = Frame(data)
    a, arms = _arms(frame, treatment)
    if len(arms) > 2 and (estimand != "ate" or propensity is not None):
        raise InputError("with more than two arms, IPTW here is the ATE from a fitted multinomial propensity model")
    if covariates is None and propensity is None:
        raise InputError("give the propensity model's covariates, or a propensity column")
    if covariates is not None:
        z, terms, _, _ = _design(frame, data, covariates)
        check_rank(z, terms)
    else:
        z, terms = np.empty((len(a), 0)), []
    case = frame.numeric(weights) if weights else None
    tr = None
    if truncate is not None:
        tr = (float(truncate), 1.0 - float(truncate)) if np.isscalar(truncate) else (float(truncate[0]), float(truncate[1]))
        if not 0.0 <= tr[0] < tr[1] <= 1.0:
            raise InputError(f"truncate quantiles must satisfy 0 <= lo < hi <= 1, not {tr}")
    ps = frame.numeric(propensity) if propensity else None
    names = {"weights": propensity or weights, "group": treatment}
    try:
        res = core_call(_core.iptw, names, frame, a, np.ascontiguousarray(z), estimand, bool(stabilized), tr, ps, case,
                        len(arms))
    except InputError as e:
        if ps is not None or "propensity score" not in str(e):
            raise
        raise DegenerateDataError(
            f"the propensity model separates treated and untreated (a fitted score of 0 or 1, {frame.where(e.row or 0)}): "
            "some covariate predicts the treatment perfectly; drop or coarsen it") from None
    if ps is None and not res.get("converged", True):
        import warnings

        warnings.warn("the propensity model did not converge (near separation of treated and untreated?): "
                      "check iw.model and iw.balance", ConvergenceWarning, stacklevel=2)
    index = data.index if isinstance(data, pd.DataFrame) else pd.RangeIndex(len(a))
    return Iptw._from_core(res, a, z, terms, index, estimand, bool(stabilized), tr, ps is None, case, arms)


def iptw_cox(data: Any, duration: str, event: str, treatment: str, covariates: str | Sequence[str], *,
             outcome: Sequence[str] | None = None, estimand: str = "ate", stabilized: bool = True,
             truncate: tuple[float, float] | float | None = None, entry: str | None = None,
             strata: str | None = None, ties: str = "efron", conf_level: float = 0.95,
             cluster: str | None = None) -> Any:
    """The IPTW-weighted Cox model of the treatment effect: :func:`iptw` weights from
    ``covariates``, then ``dz.cox(data, duration, event, [treatment] + outcome, weights=...,
    robust=True)`` (the robust variance, as R's ``coxph(..., weights = w, robust = TRUE)``), or
    with ``cluster=`` (municipalities) the sandwich summed within clusters, with
    ``small_sample_summary()`` (CR1, t on G - 1 df; or CR2 with Satterthwaite df) for few of
    them.
    ``dz.bootstrap(dz.iptw_cox, ...)`` refits the propensity model in every replicate.

    Examples
    --------
    >>> import duurzaam as dz
    >>> fit = dz.iptw_cox(dz.datasets.load_rossi(), "week", "arrest", "fin", ["age", "prio", "wexp"])
    >>> fit.summary.index.tolist()
    ['fin']
    """
    from .cox import cox

    iw = iptw(data, treatment, covariates, estimand=estimand, stabilized=stabilized, truncate=truncate)
    frame = Frame(data)
    d = frame.with_column("_iptw", iw.weights.to_numpy())
    terms: Any = [treatment] + list(outcome or [])
    if len(iw.arms) > 2 or not _is_numeric(frame, treatment):
        terms = " + ".join([f"C({quote(treatment)})"] + [quote(c) for c in outcome or []])
    return cox(d, duration, event, terms, weights="_iptw", robust=True, entry=entry,
               strata=strata, ties=ties, conf_level=check_level(conf_level), cluster=cluster)


def _is_numeric(frame: Frame, column: str) -> bool:
    raw = frame.raw(column)
    if isinstance(raw, pd.Series):
        return pd.api.types.is_numeric_dtype(raw.dtype) and not isinstance(raw.dtype, pd.CategoricalDtype)
    if hasattr(raw, "dtype") and hasattr(raw.dtype, "is_numeric"):
        return bool(raw.dtype.is_numeric())
    return np.asarray(raw).dtype.kind in "biuf"


__all__ = ["iptw", "iptw_cox", "Iptw"]


def _bootstrap_kernel(frame: Frame, data: Any, args: tuple, kwargs: dict, quantities: dict[str, Any]) -> tuple[dict, pd.DataFrame]:
    """The core bootstrap statistic of this estimator and the labels of its output (see duurzaam.bootstrap)."""

    duration, event, treatment, covariates = args[:4]
    outcome = list(kwargs.pop("outcome", None) or [])
    estimand, stabilized = kwargs.pop("estimand", "ate"), bool(kwargs.pop("stabilized", True))
    truncate = kwargs.pop("truncate", None)
    entry, strata, ties = kwargs.pop("entry", None), kwargs.pop("strata", None), kwargs.pop("ties", "efron")
    if kwargs:
        raise TypeError(f"unexpected arguments for iptw_cox: {', '.join(kwargs)}")
    if truncate is not None:
        truncate = (float(truncate), 1.0 - float(truncate)) if np.isscalar(truncate) else tuple(map(float, truncate))
    a, arms = _arms(frame, treatment)
    z, _, _, _ = _design(frame, data, covariates)
    if len(arms) > 2 or not _is_numeric(frame, treatment):
        x, terms, _, _ = _design(frame, data, " + ".join([f"C({quote(treatment)})"] + [quote(c) for c in outcome]))
    else:
        terms = [treatment] + outcome
        x, _, _, _ = _design(frame, data, terms)
    s_codes, _, ns = optional_codes(frame, strata)
    names = {"duration": duration, "event": event, "entry": entry, "strata": strata, "group": treatment}
    exit_, entry_ = fix_times(frame.numeric(duration), frame.numeric(entry) if entry else None, True, (duration, entry))
    call = dict(estimator="iptw_cox", exit=exit_, event=frame.event(event), x=x,
                entry=entry_, strata=s_codes, n_strata=ns, ties=ties,
                iptw_treatment=a, iptw_z=np.ascontiguousarray(z), estimand=estimand, stabilized=stabilized,
                truncate=truncate, n_arms=len(arms), _names=names)
    return call, pd.DataFrame({"quantity_id": terms, "quantity": terms, "group": [""] * len(terms)})


register_kernel(iptw_cox, _bootstrap_kernel)
