"""Cox model (Efron ties, 10 covariates): duurzaam against its peers, time and peak memory.

Run: python benches/bench_cox.py [--sizes 10000 100000 1000000] [--times continuous months]
                                 [--skip lifelines ...] [--timeout 300]

Each peer runs in its own process on the same generated data (made from the same seed), so that
its peak memory (ru_maxrss) can be read; the time is the fit alone, from a pandas DataFrame to the
coefficients and their variance (R: coxph on a data frame it has already read). Memory is reported
as the peak growth over the process's size once the data were built, in multiples of the input
columns (12 float64 columns). The robust/cluster variance is timed separately (--robust).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
COVS = [f"x{j}" for j in range(10)]

MAKE = """
import numpy as np, pandas as pd
def make(n, times, seed=7):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=n) if j % 2 == 0 else rng.integers(0, 2, n).astype(float) for j in range(10)])
    beta = np.linspace(-0.3, 0.3, 10)
    t = rng.exponential(12 / np.exp(X @ beta))
    c = rng.uniform(1, 36, n)
    time = np.minimum(t, c)
    if times == "months":
        time = np.ceil(time)
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(10)])
    df["time"] = time
    df["event"] = (t <= c).astype(int)
    df["muni"] = rng.integers(0, 300, n)
    return df
"""

PEERS = {
    "duurzaam": """
import duurzaam as dz
def fit(df, robust):
    f = dz.cox(df, "time", "event", COVS, cluster="muni" if robust else None)
    return f.coef.to_numpy()
""",
    "lifelines": """
from lifelines import CoxPHFitter
def fit(df, robust):
    cols = COVS + ["time", "event"] + (["muni"] if robust else [])
    m = CoxPHFitter().fit(df[cols], "time", "event", cluster_col="muni" if robust else None)
    return m.params_.to_numpy()
""",
    "scikit-survival": """
from sksurv.linear_model import CoxPHSurvivalAnalysis
from sksurv.util import Surv
def fit(df, robust):
    if robust:
        raise RuntimeError("no robust variance")
    y = Surv.from_arrays(df["event"].to_numpy().astype(bool), df["time"].to_numpy())
    m = CoxPHSurvivalAnalysis(ties="efron").fit(df[COVS].to_numpy(), y)
    return m.coef_
""",
    "statsmodels": """
from statsmodels.duration.hazard_regression import PHReg
def fit(df, robust):
    m = PHReg(df["time"].to_numpy(), df[COVS].to_numpy(), status=df["event"].to_numpy(), ties="efron")
    r = m.fit(groups=df["muni"].to_numpy()) if robust else m.fit()
    return r.params
""",
    "survival (PyPI)": """
import survival
def fit(df, robust):
    f = "Surv(time, event) ~ " + " + ".join(COVS) + (" + cluster(muni)" if robust else "")
    m = survival.coxph(f, data=df)
    return m.coefficients if hasattr(m, "coefficients") else m
""",
}

RUNNER = """
import resource, sys, time, json
COVS = {covs!r}
{make}
{peer}
n, times, robust = {n}, {times!r}, {robust}
df = make(n, times)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
coef = fit(df, robust)
el = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": el, "peak_growth_mb": (peak - base) / 1024, "coef0": float(list(coef)[0])}}))
"""

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
a <- commandArgs(TRUE); d <- read.csv(a[1]); robust <- a[2] == "1"
f <- as.formula(paste("Surv(time, event) ~", paste(sprintf("x%d", 0:9), collapse = " + ")))
invisible(gc(reset = TRUE))
el <- system.time(fit <- if (robust) coxph(f, data = d, cluster = muni) else coxph(f, data = d))[["elapsed"]]
mem <- sum(gc()[, 6])  # max used (Mb) since reset
cat(el, mem, coef(fit)[1], "\n")
"""


def run_python(peer: str, n: int, times: str, robust: bool, timeout: float) -> dict:
    code = RUNNER.format(covs=COVS, make=MAKE, peer=textwrap.dedent(PEERS[peer]), n=n, times=times, robust=robust)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr else "failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_r(n: int, times: str, robust: bool, timeout: float) -> dict:
    if shutil.which("Rscript") is None:
        raise RuntimeError("Rscript not found")
    ns: dict = {}
    exec(MAKE, ns)
    df = ns["make"](n, times)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        df.to_csv(csv, index=False)
        script = Path(tmp) / "b.R"
        script.write_text(R_SCRIPT)
        out = subprocess.run(["Rscript", str(script), str(csv), "1" if robust else "0"], capture_output=True,
                             text=True, timeout=timeout, check=True)
        el, mem, c0 = map(float, out.stdout.split())
        return {"seconds": el, "peak_growth_mb": mem, "coef0": c0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--times", nargs="+", default=["continuous", "months"], choices=["continuous", "months"])
    ap.add_argument("--robust", action="store_true", help="time the cluster-robust variance instead")
    ap.add_argument("--skip", nargs="*", default=[])
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    results = []
    for times in args.times:
        for n in args.sizes:
            input_mb = n * 12 * 8 / 2**20
            what = "cluster-robust" if args.robust else "model-based"
            print(f"\n## n = {n:,}, times {times}, Efron, 10 covariates, {what} variance "
                  f"(input columns {input_mb:.1f} MB)")
            print(f"{'peer':<18}{'seconds':>10}{'ratio':>8}{'peak MB':>10}{'x input':>9}  coef[0]")
            ours = None
            for peer in ["duurzaam", "lifelines", "scikit-survival", "statsmodels", "R survival", "survival (PyPI)"]:
                if peer in args.skip:
                    continue
                try:
                    r = run_r(n, times, args.robust, args.timeout) if peer == "R survival" else \
                        run_python(peer, n, times, args.robust, args.timeout)
                except subprocess.TimeoutExpired:
                    print(f"{peer:<18}  over {args.timeout:.0f} s")
                    continue
                except Exception as e:
                    print(f"{peer:<18}  failed: {str(e)[:80]}")
                    continue
                if peer == "duurzaam":
                    ours = r["seconds"]
                ratio = r["seconds"] / ours if ours else float("nan")
                print(f"{peer:<18}{r['seconds']:>10.3f}{ratio:>8.1f}{r['peak_growth_mb']:>10.1f}"
                      f"{r['peak_growth_mb'] / input_mb:>9.2f}  {r['coef0']:.6f}")
                sys.stdout.flush()
                results.append({"n": n, "times": times, "peer": peer, **r, "ratio": ratio})
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
