"""Cox models with a shared frailty at register scale: 1e5 persons, 10 covariates, 350
municipalities (continuous times), gamma and gaussian, duurzaam against R's coxph(... +
frailty(municipality, distribution = )) on the same data in the same run.

duurzaam estimates the gamma variance at the maximum of R's marginal likelihood (profiled: more
fits than R's default outer iteration, which stops short of it); R is timed with its defaults.

Run: python benches/bench_frailty.py [--n 100000] [--clusters 350]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time

import numpy as np
import pandas as pd

import duurzaam as dz


def make(n: int, G: int, p: int = 10, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    g = rng.integers(0, G, n)
    frail = rng.gamma(1 / 0.3, 0.3, G)
    t = rng.exponential(12 / (frail[g] * np.exp(x @ np.linspace(-0.2, 0.2, p))))
    c = rng.uniform(1, 36, n)
    d = pd.DataFrame(x, columns=[f"x{j}" for j in range(p)])
    d["time"], d["event"], d["municipality"] = np.minimum(t, c), (t <= c).astype(int), g + 1
    return d


R = """
d <- read.csv("{path}")
suppressPackageStartupMessages(library(survival))
f <- as.formula(paste("Surv(time, event) ~", paste0("x", 0:9, collapse = " + "),
                      "+ frailty(municipality, distribution = '{dist}')"))
t <- system.time(fit <- coxph(f, data = d))[["elapsed"]]
cat(t, fit$history[[1]]$theta, coef(fit)[1], "\\n")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--clusters", type=int, default=350)
    a = ap.parse_args()
    d = make(a.n, a.clusters)
    covs = [f"x{j}" for j in range(10)]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "frailty.csv")
        d.to_csv(path, index=False)
        for dist in ("gamma", "gaussian"):
            t0 = time.perf_counter()
            fit = dz.cox(d, "time", "event", covs, frailty="municipality", frailty_dist=dist)
            ours = time.perf_counter() - t0
            line = (f"{dist}: duurzaam {ours:.2f} s (theta {fit.frailty_variance:.4f}, x0 {fit.coef.iloc[0]:.5f})")
            if shutil.which("Rscript"):
                out = subprocess.run(["Rscript", "-e", R.replace("{path}", path).replace("{dist}", dist)],
                                     capture_output=True, text=True, check=True).stdout.split()
                r = float(out[0])
                line += f"; R coxph {r:.2f} s (theta {float(out[1]):.4f}, x0 {float(out[2]):.5f}): {r / ours:.1f}x"
            print(line, flush=True)


if __name__ == "__main__":
    main()
