"""CR2 with Satterthwaite df for Cox fits with many event times: the quadrature on the arrowhead
information against the eigen-decomposition per cluster (forced beyond its usual 300 event-time
parameters), on the same fit in the same run. No peer offers CR2 for a Cox model (R's
clubSandwich has none for coxph; its GLM CR2 on the Poisson expansion would need one row per
person and event time at risk).

Run: python benches/bench_cr2.py [--eigen-up-to 3000]
"""

from __future__ import annotations

import argparse
import importlib
import time
import warnings

import numpy as np
import pandas as pd

import duurzaam as dz

cox_module = importlib.import_module("duurzaam.cox")


def make_fit(n: int, p: int, G: int, seed: int = 3):
    """Untied times (Efron: one parameter per event), a cluster frailty of sd 0.3."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    cl = rng.integers(0, G, n)
    t = rng.exponential(1 / np.exp(X @ np.linspace(0.5, -0.5, p) + rng.normal(size=G)[cl] * 0.3))
    c = rng.uniform(0, 2, n)
    d = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)]).assign(time=np.minimum(t, c), e=(t <= c).astype(int), m=cl)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dz.cox(d, "time", "e", [f"x{j}" for j in range(p)], cluster="m"), int(d["e"].sum())


def timed(fit, exact: bool):
    cox_module.CR2_EXACT_TIMES = 10**9 if exact else 0
    t0 = time.perf_counter()
    s = fit.small_sample_summary("CR2")
    return time.perf_counter() - t0, s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eigen-up-to", type=int, default=3000, help="run the eigen-decomposition up to this many events")
    args = ap.parse_args()
    print("| rows | coefficients | clusters | events | quadrature (s) | eigen-decomposition (s) | ratio | largest relative difference |")
    print("|---|---|---|---|---|---|---|---|")
    for n, p, G in [(2000, 3, 14), (5000, 3, 14), (20000, 5, 14), (20000, 10, 30), (100000, 5, 14)]:
        fit, events = make_fit(n, p, G)
        tq, sq = timed(fit, exact=False)
        if events <= args.eigen_up_to:
            te, se = timed(fit, exact=True)
            diff = float(np.max(np.abs(np.r_[sq["se"] / se["se"], sq["df"] / se["df"]] - 1)))
            extra = f"{te:.2f} | {te / tq:.1f} | {diff:.1e}"
        else:
            extra = "- | - | -"
        print(f"| {n:,} | {p} | {G} | {events:,} | {tq:.2f} | {extra} |")


if __name__ == "__main__":
    main()
