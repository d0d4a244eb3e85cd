"""The bootstrap's Dask backend against the local one on this machine: the same 2,000 Cox
resamples (1e4 rows, 10 covariates) on 2 local threads and on a LocalCluster of 2 worker
processes, bit-identical results; the difference is Dask's overhead (scatter, scheduling,
transfer), which a real cluster repays when the work outgrows one machine.

Run: python benches/bench_dask.py [--n 10000] [--resamples 2000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import duurzaam as dz


def make(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10))
    t = rng.exponential(np.exp(-x @ np.linspace(-0.3, 0.3, 10)))
    c = rng.exponential(1.5, n)
    df = pd.DataFrame(x, columns=[f"x{j}" for j in range(10)])
    df["time"], df["event"] = np.minimum(t, c), (t <= c).astype(int)
    return df


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--resamples", type=int, default=2000)
    args = ap.parse_args()
    from distributed import Client, LocalCluster

    d = make(args.n)
    covs = [f"x{j}" for j in range(10)]
    kw = dict(n_resamples=args.resamples, seed=1, progress=False, jackknife=False)
    t0 = time.perf_counter()
    local = dz.bootstrap(dz.cox, d, "time", "event", covs, n_jobs=2, **kw)
    t_local = time.perf_counter() - t0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, Client(cl) as c:
        t0 = time.perf_counter()
        remote = dz.bootstrap(dz.cox, d, "time", "event", covs, backend="dask", client=c, **kw)
        t_dask = time.perf_counter() - t0
    same = np.array_equal(local.replicates.to_numpy(), remote.replicates.to_numpy())
    print(f"## Cox bootstrap, {args.resamples:,} resamples, n = {args.n:,}, 10 covariates")
    print(f"local, 2 threads            {t_local:7.2f} s")
    print(f"Dask LocalCluster, 2 procs  {t_dask:7.2f} s   (overhead {t_dask / t_local:.2f}x; identical: {same})")


if __name__ == "__main__":
    main()
