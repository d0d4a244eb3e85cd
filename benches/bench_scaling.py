"""How the bootstrap scales with threads: 2,000 resamples of (a) a Cox model with 10 covariates on
1e4 rows with continuous (untied) times and (b) Kaplan-Meier S(t), the median and the RMST per arm
(4 arms, 1e5 rows, untied), with 1, 2, 4, ... threads; the PyPI `survival` port's
`bootstrap_cox_ci` on the same Cox data with the same thread counts (RAYON_NUM_THREADS, each in
its own process), when it is installed. Also checks that every thread count gives bit-identical
replicates.

Run: python benches/bench_scaling.py [--threads 1 2 4 8 16] [--resamples 2000] [--json out.json]

Times are the least of --repeat wall-clock runs of the whole bootstrap call.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd

COVS = [f"x{j}" for j in range(10)]


def make_cox(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 10))
    t = rng.exponential(12 / np.exp(X @ np.linspace(-0.3, 0.3, 10)))
    c = rng.uniform(3, 36, n)
    df = pd.DataFrame(X, columns=COVS)
    df["time"] = np.minimum(t, c)
    df["event"] = (t <= c).astype(int)
    return df


def make_km(n: int, seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 4, n)
    t = rng.exponential(12 * (1 + 0.1 * arm))
    c = rng.uniform(3, 36, n)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "arm": arm})


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


PORT = """
import sys, time, numpy as np
sys.path.insert(0, {bench!r})
from bench_scaling import make_cox, COVS
import survival.validation as v
df = make_cox({n})
X = df[COVS].to_numpy().tolist()
t, e = df["time"].tolist(), df["event"].astype(int).tolist()
best = 1e300
for _ in range({repeat}):
    t0 = time.perf_counter()
    v.bootstrap_cox_ci(t, e, X, n_bootstrap={R}, seed=1)
    best = min(best, time.perf_counter() - t0)
print(best)
"""


def port(n: int, R: int, threads: int, repeat: int) -> float | None:
    try:
        import survival.validation  # noqa: F401
    except ImportError:
        return None
    code = PORT.format(bench=os.path.dirname(os.path.abspath(__file__)), n=n, R=R, repeat=repeat)
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=1200)
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        return None
    return float(out.stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--cox-rows", type=int, default=10_000)
    ap.add_argument("--km-rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-port", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()

    import duurzaam as dz

    cox_df, km_df = make_cox(a.cox_rows), make_km(a.km_rows)
    R = a.resamples
    rows, first = [], {}
    for th in a.threads:
        tc, bc = best(lambda: dz.bootstrap(dz.cox, cox_df, "time", "event", COVS, n_resamples=R, seed=1, n_jobs=th,
                                           progress=False, jackknife=False), a.repeat)
        tk, bk = best(lambda: dz.bootstrap(dz.kaplan_meier, km_df, "time", "event", "arm", times=[6, 12],
                                           quantiles=[0.5], tau=[24], n_resamples=R, seed=1, n_jobs=th,
                                           progress=False, jackknife=False), a.repeat)
        reps = {"cox": bc.replicates.to_numpy(), "km": bk.replicates.to_numpy()}
        if not first:
            first = reps
        same = all(np.array_equal(first[k], reps[k], equal_nan=True) for k in reps)
        tp = None if a.no_port else port(a.cox_rows, R, th, a.repeat)
        rows.append({"threads": th, "cox_s": tc, "km_s": tk, "port_cox_s": tp, "identical_to_first": same})
        print(json.dumps(rows[-1]), flush=True)
    base = rows[0]
    print(f"\n{R} resamples; Cox {a.cox_rows} x 10 untied; KM {a.km_rows} rows, 4 arms, untied; "
          f"{os.cpu_count()} CPUs")
    print("| threads | Cox bootstrap | speed-up | KM bootstrap | speed-up | port's bootstrap_cox_ci | speed-up | "
          "port / duurzaam | replicates identical |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        p = r["port_cox_s"]
        pb = base["port_cox_s"]
        ps = f"{p:.2f} s | {pb / p:.2f}x | {p / r['cox_s']:.1f}x" if p else "- | - | -"
        print(f"| {r['threads']} | {r['cox_s']:.2f} s | {base['cox_s'] / r['cox_s']:.2f}x | {r['km_s']:.3f} s | "
              f"{base['km_s'] / r['km_s']:.2f}x | {ps} | {'yes' if r['identical_to_first'] else 'NO'} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
