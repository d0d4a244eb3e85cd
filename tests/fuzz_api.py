"""Fuzzes every public function with hostile data and arguments (hypothesis).

Run as a script, in its own process (tests/test_fuzz.py does, with a memory limit), so that a Rust
panic, an abort or a runaway allocation is seen as a failure instead of killing pytest:

    python tests/fuzz_api.py --examples 20000

Allowed outcomes of a call: a result, a duurzaam error (``DuurzaamError``: ``InputError``,
``DegenerateDataError``, ...) or a warning of ours. Anything else is a failure: a raw library
exception (``IndexError``, ``LinAlgError``, ``OverflowError``, ...), a panic, an abort (the
process dies), a p-value or coefficient that is NaN without a warning, an error message that
prints an index label (the data are given a citizen-service-number-like index).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import traceback
import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

import duurzaam as dz
from duurzaam.errors import DuurzaamError

OURS = (DuurzaamError,)
OUR_WARNINGS = (dz.ConvergenceWarning, dz.BootstrapWarning, dz.errors.DegenerateDataWarning)
LABEL = "BSN"  # index labels look like this; no message may contain it

DURATIONS = [0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 5.5, 12.0, 24.0, 36.0, 1e9, -1.0, math.nan, math.inf]
EVENTS = [0, 0, 1, 1, 1, 2, 2, 3, math.nan, 2.5, -1, 1e9, -math.inf]
WEIGHTS = [1.0, 1.0, 2.0, 0.5, 3.25, 0.0, -1.0, math.nan, 1e300]
ENTRIES = [0.0, 0.0, 0.5, 1.0, 2.0, math.nan, -1.0, 1e9]
XS = [0.0, 1.0, -1.0, 2.5, 1e6, -3.0, 1e-300, 7.0, math.nan, math.inf]
GROUPS = [0, 1, 1, 2, 3]


@st.composite
def datasets(draw):
    n = draw(st.integers(0, 24))
    clean = draw(st.booleans())  # half the cases: valid values only, so the estimators really run

    def col(values, valid):
        pool = values[:valid] if clean else values
        return np.array(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)), dtype=float)

    d = {
        "t": col(DURATIONS, 10),
        "e": col(EVENTS, 8 if draw(st.booleans()) else 5),
        "w": col(WEIGHTS, 5),
        "en": col(ENTRIES, 5),
        "x1": col(XS, 8),
        "x2": col(XS, 8),
    }
    if clean:
        d["en"] = np.minimum(d["en"], d["t"] / 2)
    kind = draw(st.sampled_from(["ints", "strings", "ids", "constant", "missing"]))
    g = draw(st.lists(st.sampled_from(GROUPS), min_size=n, max_size=n))
    if kind == "strings":
        d["g"] = np.array([f"arm {v}" for v in g], dtype=object)
    elif kind == "ids":
        d["g"] = np.arange(n)
    elif kind == "constant":
        d["g"] = np.zeros(n, dtype=np.int64)
    elif kind == "missing" and n:
        gg = np.array(g, dtype=float)
        gg[draw(st.integers(0, n - 1))] = math.nan
        d["g"] = gg
    else:
        d["g"] = np.array(g, dtype=np.int64)
    d["c"] = np.array(draw(st.lists(st.sampled_from([0, 0, 1, 2]), min_size=n, max_size=n)), dtype=np.int64)
    if draw(st.booleans()):
        d["x2"] = 2.0 * d["x1"]  # collinear
    form = draw(st.sampled_from(["pandas", "pandas", "dict", "dup", "scalar"]))
    if form == "dict":
        return d
    if form == "scalar":
        return {**d, "x1": 1.0}
    df = pd.DataFrame(d, index=pd.Index([f"{LABEL}{100000000 + i}" for i in range(n)]))
    if form == "dup" and n:
        df = pd.concat([df, df[["x1"]]], axis=1)
    return df


PARAMS = st.fixed_dictionaries({
    "rho": st.sampled_from([0.0, 1.0, 0.5, math.nan, math.inf, -1.0]),
    "tau": st.sampled_from([5.0, 12.0, 36.0, -1.0, 0.0, math.nan, math.inf]),
    "q": st.sampled_from([0.5, 0.25, 2.0, -1.0, 0.0, 1.0, math.nan]),
    "times": st.sampled_from([[1.0, 6.0], [0.0], [-1.0], [math.nan], [1e9], []]),
    "seed": st.sampled_from([1, 0, -1, 2**70, 12345]),
    "conf": st.sampled_from([0.95, 0.9, 1.5, 0.0, math.nan]),
    "cause": st.sampled_from([1, 2, 0, -1, 7, 1.5]),
    "resamples": st.sampled_from([3, 0, -5]),
    "round_to": st.sampled_from([5, 1, 0, -5, 10]),
})


def calls(d, p):
    """(name, thunk) for every public function and the main result methods."""
    def km():
        k = dz.kaplan_meier(d, "t", "e", group="g" if p["rho"] else None, conf_level=p["conf"])
        k.median(), k.quantile(p["q"]), k.survival_at(p["times"]), k.rmst(p["tau"]), k.table, k.summary_text()
        k.safe_table(round_to=p["round_to"])
        if k.group is not None:
            k.rmst_contrast(p["tau"]), k.survival_contrast(p["times"])
        return k

    def km_weighted():
        return dz.kaplan_meier(d, "t", "e", group="g", entry="en", weights="w", robust=True).table

    def na():
        return dz.nelson_aalen(d, "t", "e", group="g", entry="en", weights="w", ctype=2 if p["rho"] else 1).table

    def lr():
        r = dz.logrank(d, "t", "e", "g", rho=p["rho"], entry="en" if p["q"] == 0.5 else None)
        r.trend() if r.df >= 1 else None
        return r

    def pw():
        return dz.pairwise_logrank(d, "t", "e", "g")

    def cx():
        f = dz.cox(d, "t", "e", ["x1", "x2"], entry="en" if p["q"] == 0.5 else None, cluster="c" if p["rho"] else None)
        f.summary, f.concordance, f.baseline_cumhaz(), f.predict_survival(d, p["times"]), f.residuals("deviance")
        f.ph_test()
        return f

    def cx_exact():
        f = dz.cox(d, "t", "e", ["x1", "x2"], entry="en" if p["q"] == 0.5 else None, ties="exact")
        f.summary, f.baseline_cumhaz(), f.predict_survival(d, p["times"]), f.residuals("martingale")
        return f

    def cx_formula():
        return dz.cox(d, "t", "e", "C(g) + x1", strata="c", weights="w").summary

    def af():
        return dz.aft(d, "t", "e", ["x1", "x2"], dist="weibull" if p["rho"] else "lognormal").summary

    def cif():
        c = dz.cumulative_incidence(d, "t", "e", group="g" if p["q"] == 0.5 else None, entry="en")
        c.at(p["times"]), c.table
        if c.group is not None:
            c.gray_test
        return c

    def gray():
        return dz.cumulative_incidence(d, "t", "e", group="g", strata="c" if p["q"] == 0.5 else None,
                                       rho=p["rho"]).gray_test

    def csc():
        return dz.cause_specific_cox(d, "t", "e", ["x1"], cause=p["cause"]).summary

    def fg():
        f = dz.fine_gray(d, "t", "e", ["x1", "x2"], cause=p["cause"])
        return f.summary, f.predict_cumulative_incidence(d, p["times"])

    def dh():
        month = np.where(np.isfinite(d["t"]), np.ceil(np.abs(d["t"])), d["t"]) if isinstance(d, dict) else None
        data = {**d, "m": month} if month is not None else d.assign(m=np.ceil(d["t"].abs().to_numpy()))
        return dz.discrete_hazard(data, "m", "e", ["x1", "x2"], weights="w" if p["rho"] else None).summary

    def ip():
        return dz.iptw(d, "g", ["x1", "x2"]).weights

    def ipc():
        return dz.iptw_cox(d, "t", "e", "g", ["x1"]).summary

    def panel():
        # the fuzz data read as a register panel: persons c, periods t, status e, origin en
        sp = dz.spells(d, "c", "t", "e")
        sp.event_origin(sp.states[0], at="end" if p["rho"] else "start", after="en" if p["q"] == 0.5 else None)
        out = sp.time_to_first(sp.states[:2], origin="en")
        sp.counting_process(out, ["x1"], origin="en", missing="keep" if p["rho"] else "error")
        sp.mean_over_time("x1", origin="en", group="g" if p["rho"] else None, horizon=int(p["resamples"]),
                          fill=0 if p["q"] == 0.5 else None, n_resamples=p["resamples"], seed=p["seed"])
        return out

    def adjusted():
        return dz.adjusted_survival(d, "t", "e", ["x1"], "g", p["times"], n_resamples=p["resamples"], seed=p["seed"],
                                    progress=False)

    def boot(estimator, *args, **kw):
        def run():
            return dz.bootstrap(estimator, d, *args, n_resamples=p["resamples"], seed=p["seed"], progress=False,
                                **kw).summary
        return run

    return [
        ("kaplan_meier", km), ("kaplan_meier weighted", km_weighted), ("nelson_aalen", na), ("logrank", lr),
        ("pairwise_logrank", pw), ("cox", cx), ("cox exact", cx_exact), ("cox formula", cx_formula), ("aft", af),
        ("cumulative_incidence", cif), ("gray_test", gray), ("cause_specific_cox", csc), ("fine_gray", fg),
        ("discrete_hazard", dh), ("iptw", ip), ("iptw_cox", ipc),
        ("bootstrap km", boot(dz.kaplan_meier, "t", "e", group="g", times=p["times"], quantiles=[p["q"]],
                              tau=[p["tau"]])),
        ("bootstrap cox", boot(dz.cox, "t", "e", ["x1"], scheme="cluster", cluster="c")),
        ("bootstrap logrank", boot(dz.logrank, "t", "e", "g")),
        ("bootstrap cif", boot(dz.cumulative_incidence, "t", "e")),
        ("panel outcomes", panel), ("adjusted_survival", adjusted),
    ]


def nan_without_warning(name, result, caught):
    """A p-value or coefficient that is NaN and no warning said why."""
    if any(issubclass(w.category, OUR_WARNINGS) for w in caught):
        return False
    values = []
    if isinstance(result, dz.Logrank):
        values = [result.p_value, result.statistic]
    elif isinstance(result, pd.DataFrame) and name in ("cox formula", "aft", "cause_specific_cox", "iptw_cox"):
        values = list(result["coef"]) + list(result["p_value"])
    return any(isinstance(v, float) and math.isnan(v) for v in values)


def accepted_bad_input(name, d, p):
    """Inputs that must not give a result: a collinear design, or invalid weights where used."""
    x1, x2 = np.asarray(d["x1"], dtype=float), np.asarray(d["x2"], dtype=float)
    collinear = len(x1) > 0 and bool(np.allclose(x2, 2 * x1, equal_nan=True))
    if collinear and name in ("aft", "iptw", "discrete_hazard"):
        return "a collinear design was accepted"
    w = np.asarray(d["w"], dtype=float)
    uses_weights = name in ("kaplan_meier weighted", "nelson_aalen", "cox formula") or (name == "discrete_hazard" and p["rho"])
    if uses_weights and len(w) and not (np.isfinite(w) & (w > 0)).all():
        return "invalid weights were accepted"
    return None


FAILURES: list[str] = []
CASES = [0]


def check(d, p):
    for name, thunk in calls(d, p):
        CASES[0] += 1
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = thunk()
            except OURS as e:
                if LABEL in str(e):
                    FAILURES.append(f"{name}: message shows an index label: {e}")
                continue
            except BaseException as e:  # noqa: BLE001 - a panic is a BaseException
                if isinstance(e, KeyboardInterrupt):
                    raise
                tb = traceback.format_exc(limit=-8)
                FAILURES.append(f"{name}: {type(e).__name__}: {e}\n{tb}")
                continue
        why = accepted_bad_input(name, d, p)
        if why and not any(issubclass(w.category, OUR_WARNINGS) for w in caught):
            FAILURES.append(f"{name}: {why}")
        if nan_without_warning(name, result, caught):
            FAILURES.append(f"{name}: NaN p-value or coefficient without a warning")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20261126)
    args = ap.parse_args()

    @seed(args.seed)
    @settings(max_examples=args.examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(datasets(), PARAMS)
    def run(d, p):
        check(d, p)

    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    distinct = sorted({f.split("\n")[0][:160] for f in FAILURES})
    for f in distinct[:60]:
        print("FAIL", f)
    if FAILURES:
        first = FAILURES[0]
        print("first failure in full:\n" + first)
    print(f"fuzz: {CASES[0]} calls in {args.examples} examples, {len(FAILURES)} failures "
          f"({len(distinct)} distinct) in {seconds:.1f} s")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
