"""Every result is a frozen dataclass: its fields are listed by ``dataclasses.fields``, assigning
or deleting one raises, what is derived on first use is computed once, and results pickle."""

from __future__ import annotations

import contextlib
import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from duurzaam._result import Result

RESULTS = ["KaplanMeier", "NelsonAalen", "Logrank", "CoxFit", "AftFit", "DiscreteHazardFit", "CumulativeIncidence",
           "FineGrayFit", "Spells", "Occupancy", "Iptw", "BootstrapResult", "Evaluation", "MultiStateCoxFit",
           "design.SampleSize", "design.Power", "design.MinimumDetectable", "design.EstimandSampleSize",
           "design.SimulatedPower", "design.PowerCurve"]


@pytest.mark.parametrize("name", RESULTS)
def test_every_result_class_is_a_frozen_dataclass(name):
    cls = dz
    for part in name.split("."):
        cls = getattr(cls, part)
    assert issubclass(cls, Result)
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen
    assert "__setattr__" not in Result.__dict__  # no hand-made immutability left


def _results():
    r = dz.datasets.load_rossi()
    r = r.assign(cause=np.where(r["arrest"] == 1, 1 + (r["age"] > 25), 0))
    yield dz.kaplan_meier(r, "week", "arrest", "fin")
    yield dz.nelson_aalen(r, "week", "arrest")
    yield dz.logrank(r, "week", "arrest", "fin")
    yield dz.cox(r, "week", "arrest", ["fin", "age", "prio"])
    yield dz.aft(r, "week", "arrest", ["fin", "age"])
    yield dz.cumulative_incidence(r, "week", "cause", "fin")
    yield dz.fine_gray(r, "week", "cause", ["fin", "age"])
    yield dz.iptw(r, "fin", ["age", "prio"])
    yield dz.bootstrap(dz.kaplan_meier, r, "week", "arrest", times=[26], n_resamples=20, seed=1, progress=False)
    ms = pd.DataFrame({"id": [1, 1, 2, 3, 3, 4, 5, 6], "entry": [0, 2, 0, 0, 1, 0, 0, 0],
                       "exit": [2, 5, 3, 1, 4, 6, 2, 5], "x": [0, 0, 1, 1, 1, 0, 1, 0],
                       "from_state": ["a", "b", "a", "a", "b", "a", "a", "a"],
                       "to_state": ["b", "censored", "b", "b", "a", "censored", "b", "censored"]})
    yield dz.multistate_cox(ms, "entry", "exit", "from_state", "to_state", ["x"], id="id")
    d = dict(median_control=12, accrual_time=6, follow_up_time=12)
    yield dz.design.logrank_sample_size(1.3, **d)
    yield dz.design.logrank_power(1.3, events=200, n=400, median_control=12, accrual_time=6)
    yield dz.design.minimum_detectable_hazard_ratio(400, **d)
    yield dz.design.milestone_sample_size(0.4, 0.5, milestone=12, accrual_time=6, follow_up_time=12)
    yield dz.design.simulate_power(1.3, n=200, n_sims=20, progress=False, **d)
    yield dz.design.power_curve(hazard_ratios=[1.2, 1.4], n=300, **d)


@pytest.mark.parametrize("res", list(_results()), ids=lambda x: type(x).__name__)
def test_fields_cannot_be_changed_and_results_pickle(res):
    fields = dataclasses.fields(res)
    assert fields
    public = [f.name for f in fields if not f.name.startswith("_")]
    assert public
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(res, public[0], None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        delattr(res, public[0])
    with pytest.raises(AttributeError):  # FrozenInstanceError is an AttributeError, as before
        setattr(res, "something_new", 1)
    back = pickle.loads(pickle.dumps(res))
    assert type(back) is type(res)
    assert repr(back) == repr(res)


def test_what_is_derived_on_first_use_is_computed_once():
    r = dz.datasets.load_rossi()
    fit = dz.cox(r, "week", "arrest", ["fin", "age"])
    assert fit.concordance_detail is fit.concordance_detail
    km = dz.kaplan_meier(r, "week", "arrest")
    # the Kaplan-Meier table is stacked afresh from the curves on each access (cheaper than a
    # cached table copied for each caller): equal each time, never the same object
    assert km.table is not km.table and km.table.equals(km.table)
    t = km.table  # its own data: changing it leaves the result alone
    t.loc[0, "survival"] = -1.0
    assert km.table.loc[0, "survival"] != -1.0
    b = dz.bootstrap(dz.kaplan_meier, r, "week", "arrest", times=[26], n_resamples=20, seed=1, progress=False,
                     jackknife=True)
    assert b.acceleration is b.acceleration


@pytest.mark.parametrize("cow", [False, True])
def test_tables_handed_out_never_change_the_result(cow):
    # Under copy-on-write (pandas 3) the table is a shallow copy; without it a deep one.
    major = int(pd.__version__.split(".")[0])
    if major >= 3 and not cow:
        pytest.skip("pandas 3 always copies on write")
    ctx = pd.option_context("mode.copy_on_write", cow) if major < 3 else contextlib.nullcontext()
    with ctx:
        r = dz.datasets.load_rossi()
        km = dz.kaplan_meier(r, "week", "arrest", "fin")
        fit = dz.cox(r, "week", "arrest", ["fin", "age"])
        for get in (lambda: km.table, lambda: fit.summary):
            t = get()
            before = get().iloc[0, -1]
            t.iloc[0, -1] = -99.0
            t.iloc[:, -1] *= 2
            assert get().iloc[0, -1] == before
