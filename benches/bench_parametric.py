"""Weibull AFT on 1e5 rows against lifelines' WeibullAFTFitter, R's survreg and `survival` from
PyPI in the same run, and the discrete-time hazard model on about 1e6 person-months.

Run: python benches/bench_parametric.py [--n 100000] [--persons 100000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from common import best, run_r

COVS = ["x0", "x1", "x2", "x3", "x4"]


def make(n: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    t = np.exp(2.5 + X @ np.array([0.2, -0.1, 0.3, 0.0, 0.15]) + 0.7 * np.log(rng.exponential(size=n)))
    c = rng.uniform(1, 60, n)
    df = pd.DataFrame(X, columns=COVS)
    df["time"] = np.minimum(t, c)
    df["event"] = (t <= c).astype(int)
    return df




R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1])
f <- Surv(time, event) ~ x0 + x1 + x2 + x3 + x4
el <- min(sapply(1:3, function(i) system.time(survreg(f, data = d, dist = "weibull"))[["elapsed"]]))
cat(el, coef(survreg(f, data = d, dist = "weibull"))[2], "\n")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--persons", type=int, default=100_000)
    args = ap.parse_args()
    import duurzaam as dz

    df = make(args.n)
    print(f"## Weibull AFT, n = {args.n:,}, 5 covariates")
    rows = []
    ours = best(lambda: dz.aft(df, "time", "event", COVS))
    c_ours = dz.aft(df, "time", "event", COVS).coef["x0"]
    rows.append(("duurzaam", ours, c_ours))
    try:
        from lifelines import WeibullAFTFitter

        t = best(lambda: WeibullAFTFitter().fit(df, "time", "event"), 1)
        rows.append(("lifelines", t, float("nan")))
    except Exception as e:  # pragma: no cover
        print("lifelines failed:", e)
    try:
        import survival

        t = best(lambda: survival.survreg("Surv(time, event) ~ " + " + ".join(COVS), data=df, dist="weibull"), 3)
        rows.append(("survival (PyPI)", t, float("nan")))
    except Exception as e:
        print("survival (PyPI) failed:", str(e)[:100])
    r = run_r(R_SCRIPT, df)
    if r:
        rows.append(("R survreg", r[0], r[1]))
    print(f"{'peer':<18}{'seconds':>10}{'ratio':>8}  coef[x0]")
    for name, t, c in rows:
        print(f"{name:<18}{t:>10.3f}{t / ours:>8.1f}  {c:.6f}")

    rng = np.random.default_rng(2)
    n = args.persons
    months = np.minimum(rng.geometric(0.06, n), rng.integers(6, 25, n))
    panel = pd.DataFrame({"months": months, "job": (rng.random(n) < 0.7).astype(int),
                          "arm": rng.integers(0, 2, n), "age": rng.integers(18, 65, n).astype(float)})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    fit = dz.discrete_hazard(panel, "months", "job", ["arm", "age"], link="cloglog")
    el = time.perf_counter() - t0
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(f"\n## Discrete-time hazard (cloglog, one parameter per month), {n:,} persons, "
          f"{fit.person_periods:,} person-months: {el:.2f} s, {fit.iter} iterations, peak memory growth {grown:.0f} MB")


if __name__ == "__main__":
    main()
