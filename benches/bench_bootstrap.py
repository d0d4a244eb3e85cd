"""The bootstrap: 2,000 resamples of (a) the KM median and the RMST at 24 months per arm and
(b) a Cox model with 10 covariates, on 1e4 and 1e5 rows; duurzaam against a lifelines loop and
R's boot::boot in the same run, and duurzaam's speed-up from 1 to 2 threads.

Run: python benches/bench_bootstrap.py [--sizes 10000 100000] [--resamples 2000]
                                        [--peer-resamples 50] [--threads 1 2]

The slow peers run fewer resamples (--peer-resamples) and their time is extrapolated linearly to
--resamples; the table says so. Times are wall-clock of the whole bootstrap call.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from common import run_r

COVS = [f"x{j}" for j in range(10)]


def make(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, n)
    X = np.column_stack([rng.normal(size=n) if j % 2 == 0 else rng.integers(0, 2, n).astype(float) for j in range(10)])
    X[:, 1] = arm
    t = np.ceil(rng.exponential(14 / np.exp(X @ np.linspace(-0.3, 0.3, 10))))
    c = rng.integers(6, 37, n)
    df = pd.DataFrame(X, columns=COVS)
    df["months"] = np.minimum(t, c).astype(float)
    df["job"] = (t <= c).astype(int)
    df["arm"] = arm
    return df


def time_it(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def ours(df: pd.DataFrame, R: int, threads: int) -> tuple[float, float]:
    import duurzaam as dz

    km = time_it(lambda: dz.bootstrap(dz.kaplan_meier, df, "months", "job", group="arm", quantiles=[0.5], tau=[24],
                                      n_resamples=R, seed=1, n_jobs=threads, progress=False, jackknife=False))
    cx = time_it(lambda: dz.bootstrap(dz.cox, df, "months", "job", COVS, n_resamples=R, seed=1, n_jobs=threads,
                                      progress=False, jackknife=False))
    return km, cx


def lifelines_loop(df: pd.DataFrame, R: int) -> tuple[float, float]:
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    rng = np.random.default_rng(1)

    def km_once(d):
        for _, part in d.groupby("arm"):
            k = KaplanMeierFitter().fit(part["months"], part["job"])
            k.median_survival_time_
            restricted_mean_survival_time(k, t=24)

    def km():
        for _ in range(R):
            km_once(df.iloc[rng.integers(0, len(df), len(df))])

    def cx():
        for _ in range(R):
            CoxPHFitter().fit(df.iloc[rng.integers(0, len(df), len(df))][COVS + ["months", "job"]], "months", "job")

    return time_it(km), time_it(cx)


R_SCRIPT = r"""
suppressPackageStartupMessages({library(survival); library(boot)})
a <- commandArgs(TRUE); d <- read.csv(a[1]); R <- as.integer(a[2])
km_stat <- function(d, i) {
  f <- survfit(Surv(months, job) ~ arm, data = d[i, ])
  c(quantile(f, 0.5)$quantile, summary(f, rmean = 24)$table[, "rmean"])
}
f <- as.formula(paste("Surv(months, job) ~", paste(sprintf("x%d", 0:9), collapse = " + ")))
cox_stat <- function(d, i) coef(coxph(f, data = d[i, ]))
set.seed(1)
t1 <- system.time(boot(d, km_stat, R = R))[["elapsed"]]
t2 <- system.time(boot(d, cox_stat, R = R))[["elapsed"]]
cat(t1, t2, "\n")
"""


def r_boot(df: pd.DataFrame, R: int) -> tuple[float, float]:
    r = run_r(R_SCRIPT, df, R)
    if r is None:
        raise RuntimeError("Rscript not found")
    return r[0], r[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--peer-resamples", type=int, default=50)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--skip", nargs="*", default=[])
    args = ap.parse_args()
    R, r = args.resamples, args.peer_resamples
    for n in args.sizes:
        df = make(n)
        print(f"\n## n = {n:,}, {R} resamples (peers: {r}, extrapolated x{R / r:g})")
        print(f"{'who':<26}{'KM median+RMST (s)':>20}{'Cox 10 cov (s)':>16}")
        base = None
        for th in args.threads:
            km, cx = ours(df, R, th)
            base = base or (km, cx)
            print(f"{'duurzaam, ' + str(th) + ' thread(s)':<26}{km:>20.3f}{cx:>16.3f}"
                  f"   speed-up x{base[0] / km:.2f} / x{base[1] / cx:.2f}")
        for name, fn in (("lifelines loop", lifelines_loop), ("R boot::boot", r_boot)):
            if name.split()[0] in args.skip:
                continue
            try:
                km, cx = fn(df, r)
            except Exception as e:
                print(f"{name:<26}  failed: {e}")
                continue
            f = R / r
            print(f"{name + ' (extrap.)':<26}{km * f:>20.1f}{cx * f:>16.1f}"
                  f"   ratio x{km * f / base[0]:.0f} / x{cx * f / base[1]:.0f} (vs 1 thread)")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
