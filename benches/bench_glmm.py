"""The discrete-time hazard model with a random intercept per municipality
(dz.discrete_hazard(frailty=)) against R's lme4::glmer(... + (1 | town), nAGQ = 25) on the same
person-periods, in the same run. R fits on the person-period rows (built before its clock starts);
duurzaam from the person rows.

Run: python benches/bench_glmm.py [--persons 20000] [--covariates 10] [--towns 100]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from common import run_r

import duurzaam as dz

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
p <- as.integer(args[2])
pp <- d[rep(seq_len(nrow(d)), d$m), ]
pp$t <- sequence(d$m)
pp$y <- as.integer(pp$t == pp$m & pp$e == 1)
pp$u <- pp$t / max(pp$t)
f <- as.formula(paste("y ~ u + I(u^2) + I(u^3) +", paste0("x", 0:(p - 1), collapse = " + "), "+ (1 | town)"))
t0 <- Sys.time()
g <- glmer(f, data = pp, family = binomial(link = "cloglog"), nAGQ = 25)
el <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
cat(el, getME(g, "theta")^2, fixef(g)[5], "\n")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=20_000)
    ap.add_argument("--covariates", type=int, default=10)
    ap.add_argument("--towns", type=int, default=100)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    n, p, g = args.persons, args.covariates, args.towns
    town = rng.integers(0, g, n)
    u = rng.normal(0, 0.5, g)
    x = rng.normal(size=(n, p))
    m = np.exp(-2.5 + x @ np.full(p, 0.1) + u[town])
    t = np.ceil(rng.exponential(1 / m))          # a continuous-time PH model, grouped by month
    c = rng.integers(1, 25, n)
    d = pd.DataFrame(x, columns=[f"x{j}" for j in range(p)]).assign(m=np.minimum(t, c).astype(int),
                                                                     e=(t <= c).astype(int), town=town)
    cov = [f"x{j}" for j in range(p)]
    t0 = time.perf_counter()
    f = dz.discrete_hazard(d, "m", "e", cov, frailty="town", link="cloglog", baseline="poly")
    ours = time.perf_counter() - t0
    print(f"{n:,} persons, {int(d['m'].sum()):,} person-periods, {p} covariates, {g} towns")
    print(f"duurzaam: {ours:.2f} s (variance {f.frailty_variance:.6f}, x0 {f.coef['x0']:.6f})")
    r = run_r(R_SCRIPT, d, p, timeout=3600)
    if r:
        print(f"lme4::glmer nAGQ=25: {r[0]:.2f} s (variance {r[1]:.6f}, x0 {r[2]:.6f}); ratio {r[0] / ours:.1f}x")


if __name__ == "__main__":
    main()
