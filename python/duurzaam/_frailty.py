"""Shared frailty for the Cox model (municipalities, case workers), as R's ``coxph(... +
frailty(cluster, distribution = ))``: a penalised partial likelihood with one log-frailty ``w_j``
per cluster.

- gamma (variance theta, nu = 1 / theta): penalty ``nu sum(w_j - exp(w_j))``; theta maximises
  R's marginal log-likelihood ``c.loglik`` = PPL + the gamma correction (Therneau and Grambsch
  2000, section 9.6; R's ``frailty.gammacon``), profiled over fixed-theta fits to the true
  optimum (R's own outer iteration stops short of it).
- gaussian (variance theta): penalty ``-sum(w_j^2) / (2 theta)``; theta solves R's REML equation
  ``sum(w^2) / (G - trace(H^-1_ww) / theta) = theta``.

The fixed-theta fit is a Newton iteration on (beta, w) with the core's Cox log-likelihood, score
and information (Efron or Breslow ties) on the covariates and cluster indicators. Variances follow
R: the penalised information with, for more than 5 clusters (R's sparse frailty), only the
diagonal of the frailty block; ``var`` is the beta block of its inverse, ``var2`` that minus
``B' P B`` (the sandwich ``H^-1 I H^-1``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _core
from .errors import ConvergenceWarning, DegenerateDataError


def _gammacon(d: np.ndarray, nu: float) -> float:
    """R's correction of the penalised log-likelihood to the gamma marginal one."""
    d = d.astype(float)
    if nu > 1e7 * d.max():
        term1 = float(np.sum(d * d) / nu)
    else:
        term1 = float(np.sum(d + nu * np.log(nu / (nu + d))))
    # sum over clusters of log Gamma(nu + d) - log Gamma(nu) - d log(nu + d)
    term2 = float(np.sum([math.lgamma(nu + k) - math.lgamma(nu) - k * math.log(nu + k) for k in d if k > 0]))
    return term1 + term2


class _Penalised:
    """Fixed-theta fits of one data set, warm-started from the nearest earlier theta."""

    def __init__(self, args: dict[str, Any], x: np.ndarray, codes: np.ndarray, n_clusters: int, dist: str,
                 ties: str) -> None:
        self.args = {k: v for k, v in args.items() if k != "x"}
        self.p = x.shape[1]
        self.G = n_clusters
        z = np.zeros((len(codes), n_clusters))
        z[np.arange(len(codes)), codes] = 1.0
        self.X = np.ascontiguousarray(np.hstack([x, z]))
        self.dist = dist
        self.ties = ties
        self.d = np.bincount(codes, weights=(np.asarray(args["event"]) > 0).astype(float), minlength=n_clusters)
        self.sparse = n_clusters > 5
        self.cache: dict[float, dict[str, Any]] = {}

    def _penalty(self, w: np.ndarray, theta: float) -> tuple[float, np.ndarray, np.ndarray]:
        """Penalty added to the log-likelihood, its gradient and minus its second derivative."""
        if self.dist == "gamma":
            nu = 1.0 / theta
            ew = np.exp(w)
            return nu * float(np.sum(w - ew)), nu * (1.0 - ew), nu * ew
        return -float(np.sum(w * w)) / (2 * theta), -w / theta, np.full(len(w), 1.0 / theta)

    def fit(self, theta: float) -> dict[str, Any]:
        if theta in self.cache:
            return self.cache[theta]
        q = self.p + self.G
        if self.cache:
            near = min(self.cache, key=lambda t: abs(math.log(t) - math.log(theta)))
            b = self.cache[near]["coef"].copy()
        else:
            b = np.zeros(q)
        ev = self._evaluate(b, theta)
        converged = False
        for _ in range(200):
            step = np.linalg.solve(ev["H"], ev["u"])
            new = b + step
            ev_new = self._evaluate(new, theta)
            halvings = 0
            while ev_new["ppl"] < ev["ppl"] - 1e-12 * abs(ev["ppl"]) and halvings < 30:
                step = step / 2
                new = b + step
                ev_new = self._evaluate(new, theta)
                halvings += 1
            small = np.max(np.abs(step)) < 1e-10 * (1 + np.max(np.abs(new)))
            flat = abs(ev_new["ppl"] - ev["ppl"]) <= 1e-13 * abs(ev_new["ppl"])
            b, ev = new, ev_new
            if small or (flat and np.max(np.abs(step)) < 1e-7):
                converged = True
                break
        if self.dist == "gamma":  # R's recentring: mean(exp(w)) = 1 (true at the optimum)
            b[self.p:] -= math.log(np.mean(np.exp(b[self.p:])))
        out = {"coef": b, "converged": converged, **self._variances(ev), "ll": ev["ll"], "ppl": ev["ppl"]}
        w = b[self.p:]
        if self.dist == "gamma":
            nu = 1.0 / theta
            # R's coxfit$loglik: PL + nu sum(w), with w recentred
            out["c_loglik"] = ev["ll"] + nu * float(np.sum(w)) + _gammacon(self.d, nu)
        out["fsum"] = float(np.sum(w * w))
        self.cache[theta] = out
        return out

    def _evaluate(self, b: np.ndarray, theta: float) -> dict[str, Any]:
        e = _core.cox_evaluate(x=self.X, coef=b.tolist(), ties=self.ties, **self.args)
        q = len(b)
        info = np.asarray(e["info"]).reshape(q, q)
        pen, grad, second = self._penalty(b[self.p:], theta)
        u = np.asarray(e["score"]).copy()
        u[self.p:] += grad
        H = info.copy()
        H[self.p:, self.p:] += np.diag(second)
        return {"ll": float(e["loglik"]), "ppl": float(e["loglik"]) + pen, "u": u, "H": H, "info": info,
                "second": second}

    def _variances(self, ev: dict[str, Any]) -> dict[str, Any]:
        p = self.p
        H = ev["H"].copy()
        if self.sparse:  # R keeps only the diagonal of the frailty block (a sparse frailty)
            off = ~np.eye(self.G, dtype=bool)
            H[p:, p:][off] = 0.0
        Hinv = np.linalg.inv(H)
        var = Hinv[:p, :p]
        B = Hinv[p:, :p]
        var2 = var - B.T @ (ev["second"][:, None] * B)
        return {"var": var, "var2": var2, "trH": float(np.trace(Hinv[p:, p:])), "fvar": np.diag(Hinv[p:, p:]).copy()}


def _golden_max(f: Any, lo: float, hi: float, tol: float = 1e-11) -> float:
    """The maximiser of a unimodal f on [lo, hi] by golden-section search."""
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol * (1 + abs(a) + abs(b)):
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return (a + b) / 2


def fit_frailty(args: dict[str, Any], codes: np.ndarray, n_clusters: int, dist: str, ties: str,
                theta: float | None = None) -> dict[str, Any]:
    """Fits the frailty model; theta estimated (``None``) or fixed. Returns the fixed-theta fit
    at theta with ``theta`` added."""
    if n_clusters < 2:
        raise DegenerateDataError("a frailty term needs at least two clusters")
    x = np.asarray(args["x"]).reshape(len(args["exit"]), -1)
    pen = _Penalised(args, x, codes, n_clusters, dist, ties)
    if theta is None:
        if dist == "gamma":
            # profile R's c.loglik over theta: bracket on a log grid, then golden section
            grid = np.exp(np.linspace(math.log(1e-4), math.log(20.0), 25))
            vals = [pen.fit(float(t))["c_loglik"] for t in grid]
            k = int(np.argmax(vals))
            if k == 0:
                theta = float(grid[0])  # the likelihood wants no frailty: the boundary
            else:
                lo, hi = float(grid[k - 1]), float(grid[min(k + 1, len(grid) - 1)])
                theta = math.exp(_golden_max(lambda lt: pen.fit(math.exp(lt))["c_loglik"], math.log(lo), math.log(hi),
                                             tol=1e-13))
        else:
            # REML: sum(w^2) / (G - trH / theta) - theta = 0, decreasing through 0
            def resid(t: float) -> float:
                f = pen.fit(t)
                return f["fsum"] / (n_clusters - f["trH"] / t) - t

            lo, hi = 1e-4, 1.0
            while resid(hi) > 0 and hi < 1e4:
                hi *= 2
            if resid(lo) <= 0:
                theta = lo
            else:
                for _ in range(200):
                    mid = math.sqrt(lo * hi)
                    if resid(mid) > 0:
                        lo = mid
                    else:
                        hi = mid
                    if hi / lo - 1 < 1e-14:
                        break
                theta = math.sqrt(lo * hi)
    out = dict(pen.fit(float(theta)))
    out["theta"] = float(theta)
    if not out["converged"]:
        import warnings

        warnings.warn("the penalised frailty fit did not converge", ConvergenceWarning, stacklevel=3)
    return out
