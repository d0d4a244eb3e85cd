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


# Newton steps use the full information of the indicator design below this many multiply-adds
# per evaluation (n (p + G)^2), else the core's sparse derivatives.
_DENSE_LIMIT = 3e8


class _Penalised:
    """Fixed-theta fits of one data set, warm-started from the nearest earlier theta."""

    def __init__(self, args: dict[str, Any], x: np.ndarray, codes: np.ndarray, n_clusters: int, dist: str,
                 ties: str) -> None:
        # rows in the order the core sweeps them (stratum, then exit time descending), once: every
        # evaluation's sort then finds them sorted, and reads them in memory order
        strata = args.get("strata")
        order = np.lexsort((-np.asarray(args["exit"], dtype=np.float64),
                            np.zeros(len(codes)) if strata is None else np.asarray(strata)))
        self.args = {k: (np.ascontiguousarray(np.asarray(v)[order]) if isinstance(v, np.ndarray) and v.ndim == 1
                         and len(v) == len(order) else v)
                     for k, v in args.items() if k not in ("x", "offset")}
        x = np.asarray(x)[order]
        codes = np.asarray(codes)[order]
        self.p = x.shape[1]
        self.G = n_clusters
        self.sparse = n_clusters > 5  # as R: a sparse frailty term above 5 clusters (for the variances)
        self.x = np.ascontiguousarray(x, dtype=np.float64)
        self.codes = np.ascontiguousarray(codes, dtype=np.uint32)
        # Newton steps with the full information where the indicator design is small (quadratic
        # convergence), else with the sparse derivatives (never building the indicators)
        self.dense = not self.sparse or len(codes) * (self.p + n_clusters) ** 2 < _DENSE_LIMIT
        if self.dense:
            z = np.zeros((len(codes), n_clusters))
            z[np.arange(len(codes)), codes] = 1.0
            self.X = np.ascontiguousarray(np.hstack([x, z]))
        self.dist = dist
        self.ties = ties
        self.d = np.bincount(codes, weights=(np.asarray(self.args["event"]) > 0).astype(float), minlength=n_clusters)
        self.cache: dict[float, dict[str, Any]] = {}

    def _penalty(self, w: np.ndarray, theta: float) -> tuple[float, np.ndarray, np.ndarray]:
        """Penalty added to the log-likelihood, its gradient and minus its second derivative."""
        if self.dist == "gamma":
            nu = 1.0 / theta
            ew = np.exp(w)
            return nu * float(np.sum(w - ew)), nu * (1.0 - ew), nu * ew
        return -float(np.sum(w * w)) / (2 * theta), -w / theta, np.full(len(w), 1.0 / theta)

    def fit(self, theta: float, tol: float = 1e-10) -> dict[str, Any]:
        """The fit at theta, to steps below ``tol`` (the search over theta asks for less than the
        final fit), warm-started from the nearest earlier theta."""
        if theta in self.cache and self.cache[theta]["tol"] <= tol:
            return self.cache[theta]
        q = self.p + self.G
        if self.cache:
            near = min(self.cache, key=lambda t: abs(math.log(t) - math.log(theta)))
            b = self.cache[near]["coef"].copy()
        else:
            b = np.zeros(q)
        ev = self._evaluate(b, theta)
        converged = False
        for _ in range(500):
            try:
                step = self._step(ev)
            except np.linalg.LinAlgError:
                raise DegenerateDataError("the penalised information of the frailty model is singular (a covariate "
                                          "constant within clusters, or clusters without events)") from None
            new = self._recentre(b + step)
            ev_new = self._evaluate(new, theta)
            halvings = 0
            while ev_new["ppl"] < ev["ppl"] - 1e-12 * abs(ev["ppl"]) and halvings < 30:
                step = step / 2
                new = self._recentre(b + step)
                ev_new = self._evaluate(new, theta)
                halvings += 1
            step = new - b
            small = np.max(np.abs(step)) < tol * (1 + np.max(np.abs(new)))
            flat = abs(ev_new["ppl"] - ev["ppl"]) <= 1e-13 * abs(ev_new["ppl"])
            b, ev = new, ev_new
            if small or (flat and np.max(np.abs(step)) < 1e-7):
                converged = True
                break
        # b is recentred as R's (every step is: mean(exp(w)) = 1 for gamma, mean(w) = 0 for gaussian)
        out = {"coef": b, "converged": converged, **self._variances(ev), "ll": ev["ll"], "ppl": ev["ppl"], "tol": tol}
        w = b[self.p:]
        if self.dist == "gamma":
            nu = 1.0 / theta
            # R's coxfit$loglik: PL + nu sum(w), with w recentred
            out["c_loglik"] = ev["ll"] + nu * float(np.sum(w)) + _gammacon(self.d, nu)
        out["fsum"] = float(np.sum(w * w))
        self.cache[theta] = out
        return out

    def _recentre(self, b: np.ndarray) -> np.ndarray:
        """The exact optimum along the common shift of all log-frailties, which the partial
        likelihood cannot see and the penalty alone fixes (mean(exp(w)) = 1 for gamma, mean(w) = 0
        for gaussian; R recentres too). The sparse Newton step, blind to the coupling of the
        frailties, converges slowly in that one direction without it."""
        out = b.copy()
        w = out[self.p:]
        out[self.p:] = w - (math.log(np.mean(np.exp(w))) if self.dist == "gamma" else float(np.mean(w)))
        return out

    def _evaluate(self, b: np.ndarray, theta: float) -> dict[str, Any]:
        p, G = self.p, self.G
        pen, grad, second = self._penalty(b[p:], theta)
        if not self.dense:
            # the frailty columns are never built: sparse derivatives from the core
            e = _core.cox_frailty_eval(x=self.x, group=self.codes, n_groups=G, beta=b[:p].tolist(),
                                       w=b[p:].tolist(), ties=self.ties, **self.args)
            u = np.concatenate([np.asarray(e["u_beta"]), np.asarray(e["u_w"]) + grad])
            return {"ll": float(e["loglik"]), "ppl": float(e["loglik"]) + pen, "u": u,
                    "bb": np.asarray(e["i_bb"]).reshape(p, p), "bw": np.asarray(e["i_bw"]).reshape(p, G),
                    "D": np.asarray(e["i_ww"]) + second, "second": second}
        e = _core.cox_evaluate(x=self.X, coef=b.tolist(), ties=self.ties, **self.args)
        q = len(b)
        info = np.asarray(e["info"]).reshape(q, q)
        u = np.asarray(e["score"]).copy()
        u[p:] += grad
        H = info.copy()
        H[p:, p:] += np.diag(second)
        return {"ll": float(e["loglik"]), "ppl": float(e["loglik"]) + pen, "u": u, "H": H, "second": second}

    def _step(self, ev: dict[str, Any]) -> np.ndarray:
        """The Newton step; for a sparse term through the Schur complement of the diagonal
        frailty block (as R's sparse Cholesky), O(G p^2)."""
        if self.dense:
            return np.linalg.solve(ev["H"], ev["u"])
        p = self.p
        ub, uw = ev["u"][:p], ev["u"][p:]
        bw, D = ev["bw"], ev["D"]
        schur = ev["bb"] - (bw / D) @ bw.T
        db = np.linalg.solve(schur, ub - bw @ (uw / D)) if p else np.zeros(0)
        dw = (uw - bw.T @ db) / D
        return np.concatenate([db, dw])

    def _variances(self, ev: dict[str, Any]) -> dict[str, Any]:
        p = self.p
        if not self.dense:
            # the inverse of [[bb, bw], [bw', diag(D)]] by blocks
            bw, D = ev["bw"], ev["D"]
            try:
                var = np.linalg.inv(ev["bb"] - (bw / D) @ bw.T)
            except np.linalg.LinAlgError:
                raise DegenerateDataError("the penalised information of the frailty model is singular") from None
            B = -(bw.T / D[:, None]) @ var  # the frailty-coefficient block, G x p
            fvar = 1.0 / D + np.einsum("gp,pq,gq->g", bw.T / D[:, None], var, bw.T / D[:, None])
            var2 = var - B.T @ (ev["second"][:, None] * B)
            return {"var": var, "var2": var2, "trH": float(np.sum(fvar)), "fvar": fvar}
        H = ev["H"].copy()
        if self.sparse:  # R keeps only the diagonal of the frailty block (a sparse frailty)
            off = ~np.eye(self.G, dtype=bool)
            H[p:, p:][off] = 0.0
        try:
            Hinv = np.linalg.inv(H)
        except np.linalg.LinAlgError:
            raise DegenerateDataError("the penalised information of the frailty model is singular") from None
        var = Hinv[:p, :p]
        B = Hinv[p:, :p]
        var2 = var - B.T @ (ev["second"][:, None] * B)
        return {"var": var, "var2": var2, "trH": float(np.trace(Hinv[p:, p:])), "fvar": np.diag(Hinv[p:, p:]).copy()}


def _brent_max(f: Any, a: float, b: float, x: float, fx: float, tol: float = 1e-10,
               known: tuple[float, float, float, float] | None = None) -> float:
    """The maximiser of f on [a, b], given an interior point x with value fx: Brent's method
    (parabolic steps through the three best points, golden-section steps when they misbehave).
    ``known = (w, fw, v, fv)``: two more points already evaluated (the bracket's ends), so the
    first step can be parabolic."""
    golden = 0.3819660112501051
    w = v = x
    fw = fv = fx
    d = e = 0.0
    if known is not None:
        w, fw, v, fv = known
        e = b - a
    for _ in range(100):
        m = 0.5 * (a + b)
        tol1 = tol * abs(x) + 1e-12
        if abs(x - m) <= 2 * tol1 - 0.5 * (b - a):
            break
        parabolic = False
        if abs(e) > tol1:
            r = (x - w) * (fv - fx)
            q = (x - v) * (fw - fx)
            pp = (x - v) * q - (x - w) * r
            q = 2 * (q - r)
            if q > 0:
                pp = -pp
            q = abs(q)
            if abs(pp) < abs(0.5 * q * e) and q * (a - x) < pp < q * (b - x):
                e, d = d, pp / q
                u = x + d
                if u - a < 2 * tol1 or b - u < 2 * tol1:
                    d = tol1 if x < m else -tol1
                parabolic = True
        if not parabolic:
            e = (a - x) if x >= m else (b - x)
            d = golden * e
        u = x + (d if abs(d) >= tol1 else (tol1 if d > 0 else -tol1))
        fu = f(u)
        if fu >= fx:
            if u >= x:
                a = x
            else:
                b = x
            v, fv, w, fw, x, fx = w, fw, x, fx, u, fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu >= fw or w == x:
                v, fv, w, fw = w, fw, u, fu
            elif fu >= fv or v in (x, w):
                v, fv = u, fu
    return x


def _brent_root(f: Any, a: float, b: float, fa: float, fb: float, tol: float = 1e-12) -> float:
    """A root of f in [a, b] (fa, fb of opposite signs): Brent's method (inverse quadratic
    interpolation and secant steps, bisection when they misbehave)."""
    c, fc = a, fa
    d = e = b - a
    for _ in range(200):
        if (fb > 0) == (fc > 0):
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol1 = 2e-16 * abs(b) + 0.5 * tol * abs(b)
        m = 0.5 * (c - b)
        if abs(m) <= tol1 or fb == 0:
            return b
        if abs(e) >= tol1 and abs(fa) > abs(fb):
            s_ = fb / fa
            if a == c:
                pp, q = 2 * m * s_, 1 - s_
            else:
                q, r = fa / fc, fb / fc
                pp = s_ * (2 * m * q * (q - r) - (b - a) * (r - 1))
                q = (q - 1) * (r - 1) * (s_ - 1)
            if pp > 0:
                q = -q
            pp = abs(pp)
            if 2 * pp < min(3 * m * q - abs(tol1 * q), abs(e * q)):
                e, d = d, pp / q
            else:
                d = e = m
        else:
            d = e = m
        a, fa = b, fb
        b += d if abs(d) > tol1 else (tol1 if m > 0 else -tol1)
        fb = f(b)
    return b


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
            # profile R's c.loglik over log theta: bracket the maximum by walking from theta = 0.5
            # (steps of a factor 4 up, 10 down to the boundary 1e-4), then Brent inside the bracket
            def prof(u: float) -> float:
                # steps below 1e-7 leave c.loglik within about 1e-13 of its value at the optimum
                return pen.fit(math.exp(u), tol=1e-7)["c_loglik"]

            lo_end = math.log(1e-4)
            a, b = math.log(0.5), math.log(2.0)
            fa, fb = prof(a), prof(b)
            if fb >= fa:
                c, fc = b + math.log(4.0), prof(b + math.log(4.0))
                while fc > fb and c < math.log(1e4):
                    a, fa, b, fb = b, fb, c, fc
                    c, fc = c + math.log(4.0), prof(c + math.log(4.0))
                lo, hi, best, fbest = a, c, b, fb
            else:
                c, fc = a, fa  # the maximum lies below 0.5: walk down
                a = max(c - math.log(10.0), lo_end)
                fa = prof(a)
                while fa > fc and a > lo_end:
                    b, fb, c, fc = c, fc, a, fa
                    a = max(a - math.log(10.0), lo_end)
                    fa = prof(a)
                lo, hi, best, fbest = a, b, c, fc
            if fa >= fbest and lo == lo_end:
                theta = math.exp(lo_end)  # the likelihood wants no frailty: the boundary
            else:
                # the profile is flat to rounding within about 1e-5 of its maximum (in log theta): no
                # finer tolerance; the coefficients move by about 1e-6 over that
                theta = math.exp(_brent_max(prof, lo, hi, best, fbest, tol=1e-5))
        else:
            # REML: sum(w^2) / (G - trH / theta) - theta = 0, decreasing through 0 (in log theta)
            def resid(u: float) -> float:
                t = math.exp(u)
                f = pen.fit(t, tol=1e-7)
                denom = n_clusters - f["trH"] / t
                if not denom > 1e-12 * n_clusters:  # theta so small that the frailties are all shrunk away
                    return 1e300 if f["fsum"] > 0 else -t
                return f["fsum"] / denom - t

            # bracket the root from theta = 0.1 (up by factors of 4, or down to the boundary 1e-4)
            lo = math.log(0.1)
            r_lo = resid(lo)
            if r_lo <= 0:
                hi, r_hi = lo, r_lo
                lo = math.log(1e-4)
                r_lo = resid(lo)
            else:
                hi = lo + math.log(4.0)
                r_hi = resid(hi)
                while r_hi > 0 and hi < math.log(1e4):
                    lo, r_lo = hi, r_hi
                    hi += math.log(4.0)
                    r_hi = resid(hi)
            if r_lo <= 0:
                theta = math.exp(lo)  # no frailty variance: the boundary
            else:
                theta = math.exp(_brent_root(resid, lo, hi, r_lo, r_hi, tol=1e-8))
    out = dict(pen.fit(float(theta)))
    out["theta"] = float(theta)
    if not out["converged"]:
        import warnings

        warnings.warn("the penalised frailty fit did not converge", ConvergenceWarning, stacklevel=3)
    return out
