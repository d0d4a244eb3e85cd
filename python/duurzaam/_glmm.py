"""A random intercept per cluster (municipality, case worker) in the discrete-time hazard model:
``g(h_ijt) = alpha(t) + x'b + u_i`` with ``u_i ~ N(0, sigma^2)``, the shared frailty of monthly
register data on the link scale, as R's ``lme4::glmer(... + (1 | cluster), family = binomial)``.

The marginal log-likelihood is, per cluster, ``log of the integral of exp(l_i(u)) phi(u; sigma)``
over u, computed by adaptive Gauss-Hermite quadrature: the nodes centred at the conditional mode of
u and scaled by the curvature there (so 25 nodes give the integral to many digits; glmer's
``nAGQ``). Newton-Raphson runs on ``(beta, log sigma)`` with the nodes placed again at every step;
the score and the information are those of the quadrature sum (Louis's identity: the expected
second derivative minus the variance of the score under each cluster's posterior weights), so the
optimum and its variance are those of the marginal likelihood itself. The conditional modes are
the predicted cluster effects (lme4's ``ranef``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import DegenerateDataError, InputError


def _loglik_terms(eta: np.ndarray, y: np.ndarray, link: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per person-period: log f(y | eta), its first and second derivatives in eta."""
    if link == "logit":
        mu = 1 / (1 + np.exp(-eta))
        ll = np.where(y > 0, -np.logaddexp(0, -eta), -np.logaddexp(0, eta))
        return ll, y - mu, -mu * (1 - mu)
    m = np.exp(np.minimum(eta, 700.0))
    em1 = np.expm1(m)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ll1 = np.log(-np.expm1(-m))               # log mu
        d1 = np.where(m > 1e-300, m / em1, 1.0)    # d log mu / d eta = m / (e^m - 1)
        d2 = np.where(m > 1e-300, m * (em1 - m * (em1 + 1)) / em1**2, 0.0)
        d2 = np.where(m > 700, -m, d2)
        d1 = np.where(m > 700, 0.0, d1)
    ll = np.where(y > 0, ll1, -m)
    return ll, np.where(y > 0, d1, -m), np.where(y > 0, d2, -m)


#: Fewest quadrature nodes: the score and information are those of the quadrature sum with the
#: nodes held where they were placed, which equal the marginal likelihood's to the quadrature's
#: accuracy; the Laplace approximation (one node) moves with its node and would need its own.
MIN_NODES = 5
#: The smallest log sigma evaluated: a variance running to 0 (no clustering) stops there.
LOG_SIGMA_MIN = -20.0
#: The largest (a standard deviation of 22,000 on the link scale: every cluster all or nothing).
LOG_SIGMA_MAX = 10.0


class RandomIntercept:
    """The marginal likelihood of a binary GLM with a normal random intercept per cluster."""

    def __init__(self, X: np.ndarray, y: np.ndarray, w: np.ndarray, cluster: np.ndarray, n_clusters: int,
                 link: str, n_quadrature: int) -> None:
        if not MIN_NODES <= n_quadrature <= 100:
            raise InputError(f"n_quadrature must be between {MIN_NODES} and 100, not {n_quadrature} (the score is "
                             "that of the quadrature sum with its nodes held, which needs enough nodes to be exact)")
        # rows sorted by cluster once: every per-cluster sum is then one reduceat over segments
        order = np.argsort(cluster, kind="stable")
        self.X, self.y, self.w, self.cl = X[order], y[order], w[order], cluster[order]
        self.G, self.link = n_clusters, link
        self.starts = np.searchsorted(self.cl, np.arange(n_clusters))
        if np.any(np.diff(np.append(self.starts, len(self.cl))) == 0):
            raise InputError("every cluster of a random intercept needs person-periods")
        x, wk = np.polynomial.hermite.hermgauss(n_quadrature)
        self.nodes, self.log_wk = x, np.log(wk)

    def _sum(self, v: np.ndarray) -> np.ndarray:
        return np.add.reduceat(v, self.starts, axis=0)

    def modes(self, eta0: np.ndarray, sigma: float, start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Each cluster's conditional mode of u and the curvature of its log posterior there."""
        u = np.zeros(self.G) if start is None else start.copy()
        s2 = sigma * sigma

        def f(u: np.ndarray) -> np.ndarray:
            ll, _, _ = _loglik_terms(eta0 + u[self.cl], self.y, self.link)
            return self._sum(self.w * ll) - u * u / (2 * s2)

        cur = f(u)
        for _ in range(100):
            _, d1, d2 = _loglik_terms(eta0 + u[self.cl], self.y, self.link)
            g = self._sum(self.w * d1) - u / s2
            h = self._sum(self.w * d2) - 1 / s2
            step = -g / h
            t = 1.0
            for _ in range(30):
                new = f(u + t * step)
                ok = new >= cur - 1e-12 * np.abs(cur)
                if ok.all():
                    break
                t /= 2
            u = u + t * step
            cur = f(u)
            if np.max(np.abs(t * step)) < 1e-12 * (1 + np.max(np.abs(u))):
                break
        _, _, d2 = _loglik_terms(eta0 + u[self.cl], self.y, self.link)
        return u, -(self._sum(self.w * d2) - 1 / s2)

    def evaluate(self, beta: np.ndarray, log_sigma: float, modes: np.ndarray | None = None,
                 second: bool = True) -> dict[str, Any]:
        """Log-likelihood, score and information in ``(beta, log sigma)`` with nodes placed at
        the conditional modes for these parameters."""
        log_sigma = min(max(log_sigma, LOG_SIGMA_MIN), LOG_SIGMA_MAX)
        sigma = math.exp(log_sigma)
        eta0 = self.X @ beta
        u_hat, curv = self.modes(eta0, sigma, modes)
        tau = math.sqrt(2) / np.sqrt(curv)
        K, p = len(self.nodes), self.X.shape[1]
        b = u_hat[:, None] + tau[:, None] * self.nodes[None, :]             # G x K
        logw = np.empty((self.G, K))
        d1s = np.empty((len(self.y), K))
        d2s = np.empty((len(self.y), K)) if second else None
        for k in range(K):
            ll, d1, d2 = _loglik_terms(eta0 + b[self.cl, k], self.y, self.link)
            logw[:, k] = self._sum(self.w * ll)
            d1s[:, k] = self.w * d1
            if second:
                d2s[:, k] = self.w * d2
        logphi = -0.5 * math.log(2 * math.pi) - log_sigma - b * b / (2 * sigma * sigma)
        logw += logphi + self.log_wk[None, :] + self.nodes[None, :] ** 2 + np.log(tau)[:, None]
        top = logw.max(axis=1)
        loglik_i = top + np.log(np.exp(logw - top[:, None]).sum(axis=1))
        pi = np.exp(logw - loglik_i[:, None])                                 # posterior weights
        # per cluster and node: the score in beta (sum of x d1) and in log sigma
        sb = np.stack([self._sum(self.X * d1s[:, k, None]) for k in range(K)], axis=1)    # G x K x p
        ss = -1 + b * b / (sigma * sigma)                                                    # G x K
        g_all = np.concatenate([sb, ss[:, :, None]], axis=2)                                # G x K x (p+1)
        mean_g = np.einsum("gk,gkq->gq", pi, g_all)
        score = mean_g.sum(axis=0)
        out: dict[str, Any] = {"loglik": float(loglik_i.sum()), "score": score, "modes": u_hat, "sigma": sigma}
        if second:
            r2 = (d2s * pi[self.cl]).sum(axis=1)
            hbb = (self.X * r2[:, None]).T @ self.X
            hss = np.sum(pi * (-2 * b * b / (sigma * sigma)))
            e_gg = np.einsum("gk,gkq,gkr->qr", pi, g_all, g_all)
            var_g = e_gg - mean_g.T @ mean_g
            H = np.zeros((p + 1, p + 1))
            H[:p, :p] = hbb
            H[p, p] = hss
            out["info"] = -(H + var_g)
        return out


def fit_random_intercept(model: RandomIntercept, beta0: np.ndarray, sigma0: float = 0.5, max_iter: int = 100,
                         tol: float = 1e-10) -> dict[str, Any]:
    """Newton-Raphson on ``(beta, log sigma)`` with step halving; the nodes are placed again at
    every step (from the previous modes)."""
    theta = np.append(beta0, math.log(sigma0))
    p = len(beta0)
    cur = model.evaluate(theta[:p], theta[p])
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(cur["info"], cur["score"])
        except np.linalg.LinAlgError:
            raise DegenerateDataError("the random-intercept model has a singular information matrix") from None
        t = 1.0
        for _ in range(40):
            cand = theta + t * step
            if not np.all(np.isfinite(cand)):
                t /= 2
                continue
            new = model.evaluate(cand[:p], cand[p], cur["modes"])
            if np.isfinite(new["loglik"]) and new["loglik"] >= cur["loglik"] - 1e-10 * abs(cur["loglik"]):
                break
            t /= 2
        theta, cur = cand, new
        theta[p] = min(max(theta[p], LOG_SIGMA_MIN), LOG_SIGMA_MAX)
        if np.max(np.abs(t * step)) < tol:
            # the final evaluation with nodes placed at these parameters
            cur = model.evaluate(theta[:p], theta[p], cur["modes"])
            return {"theta": theta, "iter": it, "converged": True, **cur}
        if theta[p] < math.log(1e-5):
            break
    return {"theta": theta, "iter": max_iter, "converged": False, **cur}
