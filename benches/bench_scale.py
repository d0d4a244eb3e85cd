"""Register scale in one process: Kaplan-Meier by 4 arms, the log-rank test and a Cox model with
10 covariates on 1e7 rows of whole months, with wall time and peak memory per step. Each step
runs in a fresh process that loads the columns from .npy files (no transient copies), so its peak
resident memory (ru_maxrss) minus the peak after loading is what the step itself needs, reported
against the size of the columns it uses.

Run: python benches/bench_scale.py [--n 10000000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile

MAKE = r"""
import sys
import numpy as np
n, out = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(1)
X = rng.normal(size=(n, 10))
arm = rng.integers(0, 4, n).astype(np.int32)
lp = X @ np.linspace(-0.2, 0.2, 10) + 0.1 * arm
t = np.ceil(np.minimum(rng.exponential(12 * np.exp(-lp)), rng.uniform(1, 36, n)))
event = (rng.random(n) < 0.7).astype(np.int8)
np.save(f"{out}/months.npy", t); np.save(f"{out}/event.npy", event); np.save(f"{out}/arm.npy", arm)
for j in range(10):
    np.save(f"{out}/x{j}.npy", np.ascontiguousarray(X[:, j]))
"""

STEP = r"""
import json, resource, sys, time
import numpy as np, pandas as pd
import duurzaam as dz
n, step, src = int(sys.argv[1]), sys.argv[2], sys.argv[3]
names = ["months", "event", "arm"] + [f"x{j}" for j in range(10)]
df = pd.DataFrame({c: np.load(f"{src}/{c}.npy") for c in names}, copy=False)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t0 = time.perf_counter()
if step == "km":
    dz.kaplan_meier(df, "months", "event", group="arm").median()
    used = ["months", "event", "arm"]
elif step == "logrank":
    dz.logrank(df, "months", "event", "arm")
    used = ["months", "event", "arm"]
else:
    dz.cox(df, "months", "event", [f"x{j}" for j in range(10)])
    used = ["months", "event"] + [f"x{j}" for j in range(10)]
el = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
cols = int(df[used].memory_usage(index=False).sum())
print(json.dumps({"step": step, "seconds": el, "growth": peak - base, "columns": cols}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    args = ap.parse_args()
    print(f"## {args.n:,} rows, whole months 1..36, 4 arms, 10 covariates (one process per step)")
    print(f"{'step':<10}{'seconds':>9}{'peak growth':>14}{'its columns':>13}{'ratio':>7}")
    tmp = tempfile.mkdtemp()
    subprocess.run([sys.executable, "-c", MAKE, str(args.n), tmp], check=True)
    for step in ("km", "logrank", "cox"):
        out = subprocess.run([sys.executable, "-c", STEP, str(args.n), step, tmp], capture_output=True, text=True,
                             check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{step:<10}{r['seconds']:>9.2f}{r['growth'] / 1e6:>11.0f} MB{r['columns'] / 1e6:>10.0f} MB"
              f"{r['growth'] / r['columns']:>7.2f}")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
