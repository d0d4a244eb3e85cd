"""IPTW-weighted Cox model with 2,000 bootstrap resamples that refit the propensity model, on 1e5
rows, one thread, against R doing the same (glm + coxph with weights inside boot), in the same run.
R is timed on fewer resamples and its time per resample extrapolated (its loop is linear in the
number of resamples). R is asked for robust = FALSE: with non-integer weights coxph would otherwise
compute the robust variance in every resample (10 s each at 1e5), which the bootstrap does not need.

Run: python benches/bench_iptw.py [--n 100000] [--resamples 2000] [--r-resamples 40]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import duurzaam as dz
from common import run_r


def make(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 28, n).astype(float)
    female = rng.integers(0, 2, n).astype(float)
    prior = rng.poisson(8, n).astype(float)
    low = (rng.random(n) < 0.5).astype(float)
    p = 1 / (1 + np.exp(-(-1 + 0.08 * (age - 22) + 0.3 * female - 0.05 * prior + 0.5 * low)))
    a = (rng.random(n) < p).astype(float)
    lp = -0.3 * a - 0.04 * (age - 22) + 0.2 * female - 0.03 * prior
    t = np.ceil(rng.exponential(1 / (0.06 * np.exp(-lp))))
    c = rng.integers(6, 31, n)
    return pd.DataFrame({"months": np.minimum(t, c), "work": (t <= c).astype(int), "programme": a, "age": age,
                         "female": female, "prior": prior, "low": low})


R_SCRIPT = r"""
suppressPackageStartupMessages({library(survival); library(boot)})
args <- commandArgs(TRUE)
d <- read.csv(args[1]); R <- as.integer(args[2])
stat <- function(d, i) {
  s <- d[i, ]
  ps <- fitted(glm(programme ~ age + female + prior + low, family = binomial, data = s))
  pa <- mean(s$programme)
  s$w <- s$programme * pa / ps + (1 - s$programme) * (1 - pa) / (1 - ps)
  coef(coxph(Surv(months, work) ~ programme, data = s, weights = w, robust = FALSE))   # no sandwich: as ours
}
set.seed(1)
el <- system.time(b <- boot(d, stat, R = R))[["elapsed"]]
cat(el, b$t0, "\n")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--r-resamples", type=int, default=40)
    args = ap.parse_args()
    d = make(args.n)
    covs = ["age", "female", "prior", "low"]
    t0 = time.perf_counter()
    bs = dz.bootstrap(dz.iptw_cox, d, "months", "work", "programme", covs, n_resamples=args.resamples, seed=1,
                      n_jobs=1, progress=False, jackknife=False)
    ours = time.perf_counter() - t0
    print(f"## IPTW Cox + {args.resamples:,} resamples refitting the propensity model, n = {args.n:,}, one thread")
    print(f"duurzaam        {ours:9.1f} s   ({ours / args.resamples * 1000:.1f} ms per resample)   "
          f"coef {bs.estimate.iloc[0]:.6f}")
    r = run_r(R_SCRIPT, d, args.r_resamples)
    if r:
        el, coef = r
        per = el / args.r_resamples
        full = per * args.resamples
        print(f"R glm + coxph in boot: {el:.1f} s for {args.r_resamples} resamples ({per * 1000:.0f} ms each), "
              f"{full:.0f} s extrapolated to {args.resamples:,}; ratio {full / ours:.1f}x   coef {coef:.6f}")


if __name__ == "__main__":
    main()
