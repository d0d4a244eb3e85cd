"""Competing risks: cumulative incidence with 4 groups on 1e6 monthly rows, Gray's test, and the
Fine-Gray model on 1e4 and 1e5 rows, against R (survfit's Aalen-Johansen, cmprsk::cuminc,
cmprsk::crr) and lifelines' AalenJohansenFitter, on the same data in the same run.

Run: python benches/bench_competing.py [--n-cif 1000000] [--n-fg 10000 100000] [--r-timeout 1200]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from common import best, run_r

import duurzaam as dz




def cohort(n: int, seed: int, monthly: bool) -> pd.DataFrame:
    """Leaving benefit: for work (1), for another reason (2), or censored (0), 4 arms, 2 covariates."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 4, n)
    x1 = rng.normal(size=n)
    x2 = rng.integers(0, 2, n).astype(float)
    lp = 0.1 * arm + 0.3 * x1 - 0.2 * x2
    t_work = rng.exponential(14 * np.exp(-lp))
    t_other = rng.exponential(40, n)
    cens = rng.uniform(6, 36, n)
    t = np.minimum(np.minimum(t_work, t_other), cens)
    status = np.where(t == cens, 0, np.where(t == t_work, 1, 2))
    if monthly:
        t = np.ceil(t)
    return pd.DataFrame({"months": t, "status": status, "arm": arm, "x1": x1, "x2": x2})


R_CIF = r"""
suppressPackageStartupMessages({library(survival); library(cmprsk)})
d <- read.csv(commandArgs(TRUE)[1])
d$st <- factor(d$status, 0:2, c("censor", "work", "other"))
a <- system.time(f <- survfit(Surv(months, st) ~ arm, data = d))[["elapsed"]]
b <- system.time(ci <- cuminc(d$months, d$status, d$arm))[["elapsed"]]
cat(a, b, ci$Tests[1, 1], "\n")
"""

R_FG = r"""
suppressPackageStartupMessages(library(cmprsk))
d <- read.csv(commandArgs(TRUE)[1])
el <- system.time(f <- crr(d$months, d$status, cbind(d$x1, d$x2)))[["elapsed"]]
cat(el, f$coef[1], sqrt(f$var[1, 1]), "\n")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-cif", type=int, default=1_000_000)
    ap.add_argument("--n-fg", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--skip-fg", action="store_true")
    ap.add_argument("--r-timeout", type=int, default=1200)
    args = ap.parse_args()

    for monthly in (True, False):
        d = cohort(args.n_cif, 1, monthly=monthly)
        ours = best(lambda: dz.cumulative_incidence(d, "months", "status", group="arm"))
        ours_gray = best(lambda: dz.cumulative_incidence(d, "months", "status", group="arm").gray_test)
        ours_cmprsk = best(lambda: dz.cumulative_incidence(d, "months", "status", group="arm", variance="cmprsk"))
        stat = dz.cumulative_incidence(d, "months", "status", group="arm").gray_test["statistic"].iloc[0]
        print(f"\n## Cumulative incidence, 4 arms, 2 causes, {args.n_cif:,} rows of {'whole months' if monthly else 'continuous times'}")
        print(f"duurzaam (AJ + IJ se + Gray's test)   {ours_gray:8.2f} s   (curves alone {ours:.2f} s; "
              f"cmprsk variance {ours_cmprsk:.2f} s)   Gray statistic cause 1: {stat:.4f}")
        try:
            from lifelines import AalenJohansenFitter

            def lifelines_all():
                for g in range(4):
                    sub = d[d["arm"] == g]
                    for c in (1, 2):
                        AalenJohansenFitter(calculate_variance=True).fit(sub["months"], sub["status"], event_of_interest=c)

            t = best(lifelines_all, 1)
            print(f"lifelines AalenJohansenFitter (8 fits)  {t:8.2f} s   ratio {t / ours_gray:6.1f}x")
        except Exception as e:  # pragma: no cover
            print("lifelines failed:", str(e)[:100])
        r = run_r(R_CIF, d, timeout=args.r_timeout)
        if r:
            print(f"R survfit (multi-state, IJ se)          {r[0]:8.2f} s   ratio {r[0] / ours:6.1f}x")
            print(f"R cmprsk::cuminc (+ Gray's test)        {r[1]:8.2f} s   ratio {r[1] / ours_gray:6.1f}x   statistic {r[2]:.4f}")
        else:
            print("R: not run or timed out")


    for n in ([] if args.skip_fg else args.n_fg):
        for monthly in (False, True):
            f = cohort(n, 2, monthly=monthly)
            ours = best(lambda: dz.fine_gray(f, "months", "status", ["x1", "x2"]))
            fit = dz.fine_gray(f, "months", "status", ["x1", "x2"])
            kind = "whole months" if monthly else "continuous times"
            print(f"\n## Fine-Gray, {n:,} rows, {kind}, 2 covariates")
            print(f"duurzaam   {ours:8.3f} s   coef {fit.coef.iloc[0]:.6f}  se {fit.summary['se'].iloc[0]:.6f}")
            r = run_r(R_FG, f, timeout=args.r_timeout)
            if r:
                print(f"R crr      {r[0]:8.3f} s   ratio {r[0] / ours:8.1f}x   coef {r[1]:.6f}  se {r[2]:.6f}")
            else:
                print(f"R crr      did not finish within {args.r_timeout} s")


if __name__ == "__main__":
    main()
