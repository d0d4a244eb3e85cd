"""What every model shares, below the estimators: the covariate design (through the formula
grammar), coefficient tables, chi-square and normal tests. Imports nothing above the input
layer."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _formula
from ._input import Frame
from .errors import DegenerateDataError, InputError


def _z(conf_level: float) -> float:
    """The standard normal quantile of a two-sided interval."""
    return NormalDist().inv_cdf(1.0 - (1.0 - conf_level) / 2.0)


@dataclass(frozen=True)
class TestResult:
    """A chi-square test: ``statistic`` on ``df`` degrees of freedom."""

    statistic: float
    df: int
    p_value: float

    def __repr__(self) -> str:
        return f"chi-square {self.statistic:.4f} on {self.df} df, p = {self.p_value:.4g}"


def _chisq_test(stat: float, df: int) -> TestResult:
    return TestResult(float(stat), int(df), float(_core.chisq_sf(float(stat), float(df))))


def _norm_two_sided(z: np.ndarray) -> np.ndarray:
    return np.array([math.erfc(abs(v) / math.sqrt(2)) for v in np.atleast_1d(z)])


def _pandas(frame: Frame, data: Any) -> pd.DataFrame:
    """The user's data as a pandas DataFrame with a default index (for formulaic)."""
    return frame.to_pandas()


def _design(frame: Frame, data: Any, covariates: str | Sequence[str]) -> tuple[np.ndarray, list[str], Any, dict[str, list[int]] | None]:
    """The covariate matrix (C order, float64) and its term names. A string is a formula
    right-hand side for formulaic (categorical coding, interactions); a list names numeric
    columns. Missing values are an error naming the column and row, never dropped."""
    if isinstance(covariates, str):
        x, names, spec, spans = _formula.design(covariates, _pandas(frame, data))
    else:
        names = list(covariates)
        if not names:
            raise InputError("covariates is empty")
        cols = []
        for name in names:
            col = frame.numeric(name)
            bad = np.flatnonzero(~np.isfinite(col))
            if bad.size:
                raise InputError(f"column '{name}': value is NaN or infinite ({frame.where(int(bad[0]))})",
                                 column=name, row=int(bad[0]))
            cols.append(col)
        x = np.ascontiguousarray(np.column_stack(cols))
        spec, spans = None, None
    if x.shape[1] == 0:
        raise InputError("the model has no covariates")
    return x, names, spec, spans


def _quad(a: np.ndarray, u: np.ndarray) -> float:
    """u' a^-1 u; a singular ``a`` is a :class:`DegenerateDataError`."""
    try:
        return float(u @ np.linalg.solve(a, u))
    except np.linalg.LinAlgError:
        raise DegenerateDataError("the information matrix of the proportional-hazards test is singular "
                                  "(too few events, or a term that is constant at the event times)") from None


def _coef_table(b: np.ndarray, se_model: np.ndarray, se_robust: np.ndarray | None, names: list[str],
                conf_level: float) -> pd.DataFrame:
    """``coef, se, [robust_se], z, p_value, lower, upper`` per term; z, p and the interval use the
    robust standard error when there is one."""
    se = se_model if se_robust is None else se_robust
    z = b / se
    zc = _z(conf_level)
    out = pd.DataFrame({"coef": b, "se": se_model}, index=pd.Index(names, name="term"))
    if se_robust is not None:
        out["robust_se"] = se_robust
    out["z"] = z
    out["p_value"] = _norm_two_sided(z)
    out["lower"] = b - zc * se
    out["upper"] = b + zc * se
    return out


def _few_clusters(n_clusters: int, wild: bool = True) -> None:
    """Warns that a cluster-robust variance from fewer than 20 clusters is too small."""
    import warnings

    from .errors import FewClustersWarning

    if 0 < n_clusters < 20:
        warnings.warn(f"only {n_clusters} clusters: cluster-robust standard errors are too small with fewer than 20; "
                      "use fit.small_sample_summary() (CR1, t on G - 1 df, or 'CR2')"
                      + (" or fit.wild_bootstrap()" if wild else ""), FewClustersWarning, stacklevel=3)


def _small_sample_table(b: np.ndarray, var_robust: np.ndarray, n_clusters: int, names: list[str], conf_level: float,
                        correction: str) -> pd.DataFrame:
    """CR1 (the cluster sandwich times G / (G - 1)) with t on G - 1 degrees of freedom, per
    term: ``coef, se, df, t, p_value, lower, upper`` (``"CR0"``: no scaling, still t)."""
    if correction not in ("CR0", "CR1"):
        raise InputError(f"correction must be 'CR1', 'CR2' or 'CR0', not {correction!r}")
    G = int(n_clusters)
    if G < 2:
        raise InputError("small-sample corrections need a cluster= column with at least two clusters")
    scale = G / (G - 1) if correction == "CR1" else 1.0
    se = np.sqrt(np.diag(var_robust) * scale)
    return _t_table(b, se, np.full(len(b), float(G - 1)), names, conf_level)


def _t_table(b: np.ndarray, se: np.ndarray, df: np.ndarray, names: list[str], conf_level: float) -> pd.DataFrame:
    """``coef, se, df, t, p_value, lower, upper`` per term, t on ``df`` degrees of freedom."""
    t = b / se
    p = np.array([2 * _core.t_sf(abs(v), d) if np.isfinite(v) and np.isfinite(d) else np.nan for v, d in zip(t, df)])
    q = np.array([_core.t_quantile(1 - (1 - conf_level) / 2, d) if np.isfinite(d) else np.nan for d in df])
    return pd.DataFrame({"coef": b, "se": se, "df": df, "t": t, "p_value": p, "lower": b - q * se,
                         "upper": b + q * se}, index=pd.Index(names, name="term"))


def _cr2_estimating(U: np.ndarray, info: Any, M: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CR2 (Bell and McCaffrey's bias-reduced linearisation) and Satterthwaite degrees of
    freedom for an estimator defined by estimating equations, from each cluster's score ``U_g``
    (``U[g]``), its information ``J_g`` (``info(g)``, the negative derivative of ``U_g``) and the
    inverse of the total information ``M``.

    In a model with a design (a GLM, the Poisson form of a Cox model) the cluster's adjusted
    score ``Z_g' (I - H_gg)^(-1/2) e_g`` of the symmetric working model (``Z = W^(1/2) X``,
    ``e`` the standardised residuals, ``H = Z M Z'``) equals ``(I - J_g M)^(-1/2) U_g``, since
    ``Z_g' f(Z_g M Z_g') = f(Z_g' Z_g M) Z_g'`` for any function on the spectrum; the square root
    is taken as ``L^-T f(L' J_g L) L'`` with ``M = L L'``, and a direction with leverage 1 (a
    parameter that one cluster alone determines) gets 0, as the pseudo-inverse of clubSandwich.
    The degrees of freedom are Satterthwaite's under the working model, where the cluster
    scores have covariance ``delta_gh J_g - J_g M J_h`` (the n-dimensional formula of
    Pustejovsky and Tipton (2018) in the reduced form). Returns the variance of the parameters
    ``keep`` and their degrees of freedom."""
    G, q = U.shape
    k = len(keep)
    try:
        L = np.linalg.cholesky(M)
    except np.linalg.LinAlgError:
        raise DegenerateDataError("CR2: the information matrix is singular") from None
    comps = np.empty((G, k))
    s = np.empty((G, k))
    T = np.empty((k, q, G))
    Lk = L.T[:, keep]
    for g in range(G):
        J = info(g)
        S = L.T @ J @ L
        lam, Q = np.linalg.eigh((S + S.T) / 2)
        gap = 1.0 - lam
        f = np.where(gap > 1e-10, 1.0 / np.sqrt(np.maximum(gap, 1e-300)), 0.0)
        LF = L @ ((Q * f) @ Q.T)
        comps[g] = (LF @ (L.T @ U[g]))[keep]
        qg = LF @ Lk                      # q x k: (I - M J_g)^(-1/2) M e_j per kept parameter j
        Jq = J @ qg
        s[g] = np.einsum("ij,ij->j", qg, Jq)
        T[:, :, g] = (L.T @ Jq).T
    V = comps.T @ comps
    df = np.empty(k)
    for j in range(k):
        P = -T[j].T @ T[j]
        P[np.diag_indices(G)] += s[:, j]
        df[j] = np.trace(P) ** 2 / np.sum(P**2)
    return V, df


def _inverse_sqrt_quadrature(solve: Callable[[float], np.ndarray], j_inv: np.ndarray, lo: float,
                             hi: float) -> np.ndarray:
    """``(2 / pi) int_R e^s (e^(2s) J + K)^(-1) r ds``, the inverse square root of the pencil
    ``(K, J)`` applied to ``r`` (``sum_i mu_i^(-1/2) v_i v_i' r`` over its J-orthonormal
    eigenvectors: for ``J = I``, ``K^(-1/2) r``), from ``solve(e2) = (e2 J + K)^-1 r`` and
    ``j_inv = J^-1 r``. The integrand is analytic in the strip |Im s| < pi / 2, so the trapezoidal
    rule with a step of at most 0.3 is accurate to about e^(-pi^2 / 0.3); it runs from ``lo`` to
    ``hi``, 12 beyond half the log of the least and largest eigenvalue, and the tails beyond are
    ``e^lo K^-1 r`` and ``e^-hi J^-1 r`` (next terms e^-36 smaller), the endpoints with the
    Euler-Maclaurin correction ``-h^2 / 12 (f'(hi) - f'(lo))`` (next term about 1e-10)."""
    n = int(math.ceil((hi - lo) / 0.3))
    h = (hi - lo) / n
    acc = np.zeros_like(j_inv)
    for k in range(n + 1):
        s = lo + k * h
        acc += (0.5 if k in (0, n) else 1.0) * math.exp(s) * solve(math.exp(2 * s))
    acc *= h
    k_inv = solve(0.0)
    acc += math.exp(lo) * k_inv + math.exp(-hi) * j_inv                       # the tails
    acc -= h * h / 12 * (-math.exp(-hi) * j_inv - math.exp(lo) * k_inv)       # Euler-Maclaurin
    return (2 / math.pi) * acc


def _newdata_design(newdata: Any, spec: Any, columns: Sequence[str]) -> np.ndarray:
    """The covariate matrix of new data: through the formula's model spec (same coding as the
    fit), or the numeric ``columns``."""
    frame = Frame(newdata)
    if spec is not None:
        return spec.matrix(_pandas(frame, newdata))
    cols = list(columns)
    return np.column_stack([frame.numeric(c) for c in cols]) if cols else np.empty((len(frame), 0))
