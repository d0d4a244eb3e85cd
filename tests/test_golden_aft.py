"""dz.aft against R's survreg (tests/golden/aft.json from make_golden_aft.R): right-censored
rossi and lung, and generated monthly interval-censored data with left and right censoring and
weights; coefficients, scale, variance and log-likelihoods to 1e-6."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from conftest import arr, assert_close, golden, load_dataset

AFT = golden("aft.json")
CASES = {c["name"]: c for c in AFT["cases"]}


def fit(case):
    data = load_dataset(case["dataset"])
    return dz.aft(data, case["duration"], case["event"], case["covariates"], dist=case["dist"], lower=case["lower"],
                  upper=case["upper"], weights=case["weights"], strata=case.get("strata"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_r_survreg(name):
    case = CASES[name]
    f = fit(case)
    q = len(f.var)
    assert_close(f.coef, arr(case["coef"]), rtol=1e-6, atol=1e-9, what="coef")
    scales = f.scales.to_numpy() if f.scales is not None else np.array([f.scale])
    assert_close(scales, np.atleast_1d(arr(case["scale"])), rtol=1e-6, what="scale")
    assert_close(f.var.to_numpy(), arr(case["var"]).reshape(q, q), rtol=1e-5, atol=1e-10, what="var")
    assert_close(f.loglik, arr(case["loglik"]), rtol=1e-8, what="loglik")
    assert f.converged
    assert list(f.summary.index)[0] == "(Intercept)"


def test_bad_input_and_prediction():
    r = dz.datasets.load_rossi()
    with pytest.raises(ValueError, match="dist"):
        dz.aft(r, "week", "arrest", ["fin"], dist="gamma")
    bad = r.assign(week=r["week"].astype(float))
    bad.loc[3, "week"] = 0.0
    with pytest.raises(ValueError, match=r"column 'week'.*row 3"):
        dz.aft(bad, "week", "arrest", ["fin"])
    f = dz.aft(r, "week", "arrest", ["fin", "age"])
    s = f.predict_survival(r.head(2), [10, 52])
    assert s.shape == (2, 2) and (np.diff(s.to_numpy(), axis=1) < 0).all()
    med = f.predict_median(r.head(2))
    s_med = f.predict_survival(r.head(1), [med[0]]).iloc[0, 0]
    assert abs(s_med - 0.5) < 1e-12


@pytest.mark.parametrize("case", AFT["robust"], ids=lambda c: c["name"])
def test_cluster_robust_variance(case):
    """survreg(cluster = ) on unweighted right-censored data; with weights and for interval rows
    the sandwich by hand in R from its own score residuals, weighted and with the interval rows'
    log-scale score sign corrected (R gets both wrong; docs/differences_from_r.md)."""
    import warnings

    data = load_dataset(case["dataset"])
    k = {"town": 14, "grp": 30}[case["cluster"]]
    data = data.assign(**{case["cluster"]: np.arange(1, len(data) + 1) % k},
                       w=0.5 + (np.arange(1, len(data) + 1) % 7) / 4)
    kw = dict(lower="lower", upper="upper") if case["dataset"] == "gen_interval" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dz.FewClustersWarning)
        f = dz.aft(data, None if kw else "week", None if kw else "arrest", case["covariates"], dist=case["dist"],
                   weights=case["weights"], cluster=case["cluster"], **kw)
    q = len(f.var)
    assert_close(f.var.to_numpy(), arr(case["var"]).reshape(q, q), rtol=1e-5, atol=1e-12, what="robust var")
    assert_close(f.naive_var.to_numpy(), arr(case["naive_var"]).reshape(q, q), rtol=1e-5, atol=1e-12, what="naive")
    assert "robust_se" in f.summary.columns
    ss = f.small_sample_summary()
    G = k
    np.testing.assert_allclose(ss["se"].to_numpy(), np.sqrt(np.diag(f.var.to_numpy()) * G / (G - 1)), rtol=1e-12)
    assert (ss["df"] == G - 1).all()
