"""Hostile input to the design functions, the multi-state Cox model and the frailty model: any
combination of numbers, NaN, infinities, strings, lists, empty or degenerate data gives a result
or one of the package's errors (DuurzaamError: InputError, DegenerateDataError), never another
exception. Seeded, so a failure reproduces."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pandas as pd

import duurzaam as dz
from duurzaam.errors import DuurzaamError

D = dz.design
VALUES = [0, 1, -1, 0.5, 2, 12, 1e-9, 1e9, float("nan"), float("inf"), -float("inf"), None, "x", True, [1, 2], 3]


def _foreign(calls, n, seed):
    rng = random.Random(seed)
    bad = []
    for _ in range(n):
        f = rng.choice(calls)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f(rng)
        except DuurzaamError:
            pass
        except Exception as e:  # noqa: BLE001 - the point of the test
            bad.append(f"{type(e).__name__}: {e}")
    return bad


def test_design_functions_refuse_bad_values_with_our_errors():
    def p(rng):
        return rng.choice(VALUES)

    calls = [
        lambda r: D.logrank_sample_size(p(r), median_control=p(r), accrual_time=p(r), follow_up_time=p(r),
                                        alpha=r.choice([0.05, p(r)]), power=r.choice([0.8, p(r)]),
                                        dropout_rate=r.choice([0, p(r)]), dropout_time=p(r),
                                        method=r.choice(["schoenfeld", "x"]), sided=r.choice([2, p(r)])),
        lambda r: D.logrank_power(p(r), events=p(r), n=p(r), median_control=p(r), accrual_time=p(r)),
        lambda r: D.minimum_detectable_hazard_ratio(p(r), median_control=p(r), accrual_time=p(r),
                                                    follow_up_time=p(r), milestone=p(r)),
        lambda r: D.milestone_sample_size(p(r), p(r), milestone=p(r), accrual_time=p(r), follow_up_time=p(r)),
        lambda r: D.rmst_sample_size(p(r), median_control=p(r), tau=p(r), accrual_time=p(r), follow_up_time=p(r)),
        lambda r: D.simulate_power(r.choice([p(r), [1.2, p(r)]]), n=r.choice([50, p(r)]), median_control=p(r),
                                   accrual_time=p(r), follow_up_time=r.choice([12, p(r)]),
                                   clusters=r.choice([None, 5, p(r)]), frailty_variance=r.choice([None, 0.2, p(r)]),
                                   n_sims=r.choice([20, p(r)]), progress=False),
        lambda r: D.power_curve(hazard_ratios=r.choice([[1.2, 1.4], p(r)]), n=r.choice([100, p(r)]),
                                median_control=p(r), accrual_time=p(r), follow_up_time=p(r)),
    ]
    assert _foreign(calls, 800, 5) == []


def test_multistate_and_frailty_refuse_bad_data_with_our_errors():
    nrng = np.random.default_rng(3)

    def multistate(r):
        n = r.choice([1, 2, 5, 20, 60])
        states = r.choice([["a", "b"], ["a", "b", "c"], [1, 2], ["a"]])
        d = pd.DataFrame({"id": nrng.integers(0, r.choice([1, 3, 10]), n),
                          "entry": nrng.uniform(0, 5, n).round(r.choice([0, 1, 3])),
                          "from": [r.choice(states) for _ in range(n)],
                          "to": [r.choice(states + ["censored"] + ([None] if r.random() < 0.1 else [])) for _ in range(n)],
                          "x": nrng.normal(size=n) if r.random() < 0.9 else [r.choice([np.nan, 1.0, "q"]) for _ in range(n)],
                          "s": nrng.integers(0, 2, n)})
        d["exit"] = d["entry"] + nrng.choice([0.5, 1.0, 0.0, -1.0, np.inf], n, p=[0.4, 0.4, 0.1, 0.05, 0.05])
        f = dz.multistate_cox(d, "entry", "exit", "from", "to", r.choice([["x"], "C(s)"]), id="id",
                              strata=r.choice([None, "s"]), ties=r.choice(["efron", "breslow"]))
        f.predict_occupancy(d.head(2), r.choice([[1.0], [-1.0]]), initial_state=r.choice(states + ["zz"]))

    def frailty(r):
        n = r.choice([1, 3, 10, 40])
        d = pd.DataFrame({"t": nrng.exponential(5, n).round(r.choice([0, 2])) + r.choice([0, 0, -1]),
                          "e": nrng.integers(0, 2, n) if r.random() < 0.9 else nrng.choice([0, 1, 2, np.nan], n),
                          "x": nrng.normal(size=n), "g": nrng.integers(0, r.choice([1, 2, 4, 8]), n)})
        kw = {"frailty": "g", "frailty_dist": r.choice(["gamma", "gaussian"])}
        if r.random() < 0.2:
            kw["frailty_variance"] = r.choice([0.5, 1e-8, 1e6, 0.0, np.nan])
        dz.cox(d, "t", "e", r.choice([["x"], "x + C(g)"]), **kw)

    assert _foreign([multistate], 150, 7) == []
    assert _foreign([frailty], 80, 8) == []


def test_discrete_frailty_cr2_and_the_panel_bootstrap_refuse_bad_data_with_our_errors():
    nrng = np.random.default_rng(5)

    def discrete(r):
        n = r.choice([1, 3, 12, 60])
        d = pd.DataFrame({"m": nrng.integers(1, r.choice([2, 6, 13]), n) + r.choice([0, 0, 0, -1]),
                          "e": nrng.integers(0, 2, n) if r.random() < 0.9 else nrng.choice([0, 1, np.nan], n),
                          "x": nrng.normal(size=n) * r.choice([1, 0, 1e6]),
                          "g": nrng.integers(0, r.choice([1, 2, 4, 9]), n)})
        if r.random() < 0.5:
            f = dz.discrete_hazard(d, "m", "e", ["x"], frailty="g", link=r.choice(["logit", "cloglog"]),
                                   baseline=r.choice(["period", "poly"]), n_quadrature=r.choice([25, 5, 1, 200]))
            f.summary, f.frailties, f.predict_survival(d.head(2))
        else:
            f = dz.discrete_hazard(d, "m", "e", ["x"], cluster="g", link=r.choice(["logit", "cloglog"]),
                                   baseline=r.choice(["period", "poly"]))
            f.small_sample_summary(r.choice(["CR2", "CR1", "CR3"]))

    def cr2(r):
        n = r.choice([1, 3, 12, 60])
        d = pd.DataFrame({"m": nrng.integers(1, r.choice([2, 6, 13]), n) + r.choice([0, 0, 0, -1]) + r.choice([0, 0.5]),
                          "e": nrng.integers(0, 2, n) if r.random() < 0.9 else nrng.choice([0, 1, np.nan], n),
                          "x": nrng.normal(size=n) * r.choice([1, 0, 1e6]),
                          "w": r.choice([np.ones(n), nrng.uniform(0, 3, n), np.zeros(n)]),
                          "g": nrng.integers(0, r.choice([1, 2, 4, 9]), n)})
        if r.random() < 0.5:
            f = dz.cox(d, "m", "e", ["x"], cluster="g", ties=r.choice(["breslow", "efron"]),
                       weights=r.choice([None, "w"]), strata=r.choice([None, "g"]))
        else:
            f = dz.aft(d, "m", "e", ["x"], cluster="g", dist=r.choice(["weibull", "lognormal", "exponential"]))
        f.small_sample_summary(r.choice(["CR2", "CR2", "CR1"]))

    panel = dz.datasets.four_arm_panel(n_persons=60, seed=2)
    sp = dz.spells(panel, "person_id", "month", "status")
    work = sp.time_to("work", origin="programme_start")

    def pipeline(r):
        outs = r.choice([{"w": work}, {"w": work.head(r.choice([0, 1, 5]))}, {"w": work.assign(duration=np.nan)},
                         {"w": work.assign(event=2)}, {}, {"w": panel}, {"w": work.iloc[::-1]}])
        dz.bootstrap_panel(sp, outs, group=r.choice(["arm", "municipality", "nope"]),
                           times=r.choice([[6], [-1], [np.nan], [], [1e9]]),
                           ratios=r.choice([None, {"r": ("w", "w")}, {"r": ("w", "x")}]),
                           origin=r.choice([None, "programme_start"]), occupancy_times=r.choice([(), [6], [-2], [10**6]]),
                           cluster=r.choice([None, "municipality"]), n_resamples=r.choice([5, 1, 0]),
                           seed=r.choice([1, -1]), progress=False)

    assert _foreign([discrete], 120, 9) == []
    assert _foreign([cr2], 200, 11) == []
    assert _foreign([pipeline], 120, 10) == []
