"""Kaplan-Meier with 4 groups and the 4-sample log-rank test: duurzaam against its peers.

Run: python benches/bench_km_logrank.py [--sizes 100000 1000000] [--repeat 3] [--skip lifelines ...]

Every peer gets the same data in the same run; the time is the best of --repeat runs, measured
from a pandas DataFrame (conversions included) to the finished estimate with confidence
intervals (statsmodels stops at survival and its standard error). R is timed inside R with
system.time on data it has already read. Peers: lifelines,
scikit-survival, statsmodels (SurvfuncRight, survdiff), R survival, and `survival` from PyPI.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from common import best, run_r


def make_data(n: int, seed: int = 1, times: str = "days") -> pd.DataFrame:
    """Days to a job in four arms, censored at up to three years: many ties, ~1100 distinct times.
    With times="continuous" the durations are not rounded (no ties)."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 4, n)
    t_event = rng.exponential(300 / (1 + 0.15 * arm))
    t_cens = rng.uniform(30, 1096, n)
    if times == "days":
        t_event, t_cens = np.ceil(t_event), np.floor(t_cens)
    return pd.DataFrame({"days": np.minimum(t_event, t_cens).astype(float),
                         "job": (t_event <= t_cens).astype(int), "arm": arm})


def run_duurzaam(df, repeat):
    import duurzaam as dz
    # .table: the full table with intervals, as R's summary(fit, censored = TRUE) below
    km = best(lambda: dz.kaplan_meier(df, "days", "job", group="arm").table, repeat)
    lr = best(lambda: dz.logrank(df, "days", "job", "arm"), repeat)
    return km, lr


def run_lifelines(df, repeat):
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    def km():
        for g, part in df.groupby("arm"):
            KaplanMeierFitter().fit(part["days"], part["job"])

    return best(km, repeat), best(lambda: multivariate_logrank_test(df["days"], df["arm"], df["job"]), repeat)


def run_sksurv(df, repeat):
    from sksurv.compare import compare_survival
    from sksurv.nonparametric import kaplan_meier_estimator
    from sksurv.util import Surv

    def km():
        for g, part in df.groupby("arm"):
            kaplan_meier_estimator(part["job"].to_numpy().astype(bool), part["days"].to_numpy(), conf_type="log-log")

    def lr():
        y = Surv.from_arrays(df["job"].to_numpy().astype(bool), df["days"].to_numpy())
        compare_survival(y, df["arm"].to_numpy())

    return best(km, repeat), best(lr, repeat)


def run_statsmodels(df, repeat):
    from statsmodels.duration.survfunc import SurvfuncRight, survdiff

    def km():
        for g, part in df.groupby("arm"):
            SurvfuncRight(part["days"].to_numpy(), part["job"].to_numpy())
            # survival and its standard error; statsmodels gives no pointwise interval

    return best(km, repeat), best(lambda: survdiff(df["days"].to_numpy(), df["job"].to_numpy(), df["arm"].to_numpy()), repeat)


def run_survival_pypi(df, repeat):
    import survival

    km = best(lambda: survival.survfit("Surv(days, job) ~ arm", data=df), repeat)
    lr = best(lambda: survival.survdiff("Surv(days, job) ~ arm", data=df), repeat)
    return km, lr


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(TRUE)
d <- read.csv(args[1]); rep <- as.integer(args[2])
best <- function(f) min(sapply(seq_len(rep), function(i) system.time(f())[["elapsed"]]))
km <- best(function() summary(survfit(Surv(days, job) ~ arm, data = d), censored = TRUE))
lr <- best(function() survdiff(Surv(days, job) ~ arm, data = d))
cat(km, lr, "\n")
"""


def r_times(df, repeat):
    r = run_r(R_SCRIPT, df, repeat)
    if r is None:
        raise RuntimeError("Rscript not found")
    return r[0], r[1]


PEERS = {
    "duurzaam": run_duurzaam,
    "lifelines": run_lifelines,
    "scikit-survival": run_sksurv,
    "statsmodels": run_statsmodels,
    "R survival": r_times,
    "survival (PyPI)": run_survival_pypi,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip", nargs="*", default=[])
    ap.add_argument("--times", choices=["days", "continuous"], default="days",
                    help="whole days (register-like ties) or continuous durations")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    results = []
    for n in args.sizes:
        df = make_data(n, times=args.times)
        print(f"\n## n = {n:,} rows, 4 arms, {df['days'].nunique():,} distinct times ({args.times})")
        print(f"{'peer':<18}{'KM (s)':>10}{'ratio':>8}{'log-rank (s)':>14}{'ratio':>8}")
        ours = None
        for name, fn in PEERS.items():
            if name in args.skip:
                continue
            try:
                km, lr = fn(df, args.repeat)
            except Exception as e:  # a missing peer is reported, not fatal
                print(f"{name:<18}  failed: {type(e).__name__}: {e}")
                continue
            if name == "duurzaam":
                ours = (km, lr)
            rk = km / ours[0] if ours else float("nan")
            rl = lr / ours[1] if ours else float("nan")
            print(f"{name:<18}{km:>10.4f}{rk:>8.1f}{lr:>14.4f}{rl:>8.1f}")
            results.append({"n": n, "peer": name, "km_s": km, "logrank_s": lr, "km_ratio": rk, "logrank_ratio": rl})
            sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
