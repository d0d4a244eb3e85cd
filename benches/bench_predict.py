"""Predicted survival and adjusted curves from a Cox model, against lifelines on the same fit.

    python benches/bench_predict.py

duurzaam's prediction runs in the core (one read of the baseline per stratum and time, rows in
parallel); lifelines' ``predict_survival_function`` is numpy. Both predict 1e5 rows at 10 times
from a 5-covariate model fitted on 1e4 rows; the values are checked to agree. Then adjusted
(direct-standardised) curves by arm with a 2,000-resample bootstrap that refits the model, its
baseline and the averaged prediction in every replicate (the core kernel), on 1e4 rows, against
the same bootstrap through the Python refit (200 resamples, extrapolated x10).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import duurzaam as dz
from common import best


def data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    arm = rng.integers(0, 2, n)
    lp = 0.3 * arm + x @ np.array([0.2, -0.1, 0.05, 0.3])
    t = rng.exponential(np.exp(-lp) * 12)
    c = rng.exponential(20, n)
    d = pd.DataFrame(x, columns=[f"x{j}" for j in range(4)])
    d["arm"] = arm
    d["time"] = np.minimum(t, c)
    d["event"] = (t <= c).astype(int)
    return d


def main() -> None:
    covs = ["arm", "x0", "x1", "x2", "x3"]
    train, new = data(10_000), data(100_000, seed=2)
    times = list(np.linspace(1, 30, 10))
    fit = dz.cox(train, "time", "event", covs)
    t_dz = best(lambda: fit.predict_survival(new, times))
    rows = [("predict_survival 1e5 rows x 10 times", "duurzaam", t_dz)]
    try:
        from lifelines import CoxPHFitter

        cph = CoxPHFitter().fit(train[covs + ["time", "event"]], "time", "event")
        t_ll = best(lambda: cph.predict_survival_function(new[covs], times=times))
        a = fit.predict_survival(new.head(200), times).to_numpy()
        b = cph.predict_survival_function(new[covs].head(200), times=times).to_numpy().T
        rows.append(("predict_survival 1e5 rows x 10 times", "lifelines", t_ll))
        print(f"max |duurzaam - lifelines| over 200 rows: {np.max(np.abs(a - b)):.2e}")
    except ImportError:
        print("lifelines not installed: pip install lifelines")
    t_adj = best(lambda: dz.adjusted_survival(train, "time", "event", covs, "arm", times, n_resamples=2000, seed=1,
                                              progress=False), repeat=2)
    rows.append(("adjusted_survival 1e4 rows, 2,000 resamples", "duurzaam", t_adj))
    from duurzaam.adjusted import _adjusted_curves

    vals = sorted(train["arm"].unique().tolist())
    t_py = best(lambda: dz.bootstrap(lambda d: _adjusted_curves(d, "time", "event", covs, "arm", times, vals), train,
                                     n_resamples=200, seed=1, progress=False, jackknife=False), repeat=1)
    rows.append(("adjusted_survival 1e4 rows, 2,000 resamples", "Python refit per replicate (x10)", 10 * t_py))
    out = pd.DataFrame(rows, columns=["task", "package", "seconds"])
    base = out[out["package"] == "duurzaam"].set_index("task")["seconds"]
    out["x_duurzaam"] = out["seconds"] / out["task"].map(base)
    print(out.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
