"""Gray's test, cmprsk's cumulative-incidence variance and the Fine-Gray model against R's cmprsk
(tests/golden/finegray.json from make_golden_finegray.R): mgus2 and a generated work-versus-other
exit cohort with ties, strata, rho = 1, censoring groups and both causes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from conftest import GOLDEN, arr, assert_close, golden, load_dataset

G = golden("finegray.json")
DATA = {"mgus2": load_dataset("mgus2"), "compete": pd.read_csv(GOLDEN / "data" / "gen_compete_fg.csv")}


def data_of(name: str) -> pd.DataFrame:
    return DATA["mgus2"] if name.startswith("mgus2") else DATA["compete"]


@pytest.mark.parametrize("case", G["gray"], ids=lambda c: c["name"])
def test_gray_test_matches_cuminc(case):
    d = data_of(case["name"])
    ci = dz.cumulative_incidence(d, case["time"], case["status"], group=case["group"], strata=case["strata"],
                                 rho=case["rho"], variance="cmprsk")
    t = ci.gray_test
    assert t["cause"].tolist() == [int(c) for c in case["cause"]]
    assert_close(t["statistic"], arr(case["statistic"]), what="statistic")
    assert_close(t["p_value"], arr(case["p_value"]), what="p_value")
    assert t["df"].tolist() == [int(x) for x in case["df"]]


@pytest.mark.parametrize("case", [c for c in G["gray"] if c["strata"] is None and c["rho"] == 0], ids=lambda c: c["name"])
def test_cmprsk_variance_matches_cuminc(case):
    d = data_of(case["name"])
    ci = dz.cumulative_incidence(d, case["time"], case["status"], group=case["group"], variance="cmprsk")
    t = ci.table
    for curve in case["curves"]:
        grp, cause = curve["name"].rsplit(" ", 1)
        part = t[(t[case["group"]].astype(str) == grp) & (t["cause"] == int(cause)) & (t["n_event"] > 0)]
        assert_close(part["time"], arr(curve["time"]), what=f"{curve['name']} time")
        assert_close(part["cif"], arr(curve["est"]), what=f"{curve['name']} estimate")
        assert_close(part["std_err"] ** 2, arr(curve["var"]), what=f"{curve['name']} variance")


@pytest.mark.parametrize("case", G["fine_gray"], ids=lambda c: c["name"])
def test_fine_gray_matches_crr(case):
    d = data_of(case["name"]).copy()
    if case["name"].startswith("mgus2"):
        d = d.assign(months=d["etime"], status=d["event"], male=(d["sex"] == "M").astype(int))
    covs = case["covariates"] if isinstance(case["covariates"], list) else [case["covariates"]]
    fit = dz.fine_gray(d, "months", "status", covs, cause=int(case["cause"]))
    p = len(covs)
    assert_close(fit.coef, arr(case["coef"]), rtol=1e-6, what="coef")
    assert_close(fit.var.to_numpy(), arr(case["var"]).reshape(p, p), rtol=1e-6, what="robust variance")
    assert_close(fit.loglik[1], case["loglik"], rtol=1e-8, what="log pseudo-likelihood")
    base = fit.baseline_cumhaz()
    assert_close(base["time"], arr(case["uftime"]), what="failure times")
    assert_close(np.diff(np.r_[0.0, base["cumhaz"]]), arr(case["bfitj"]), rtol=1e-6, what="bfitj")
    newx = np.atleast_2d(np.asarray(case["newx"], dtype=float))
    if newx.shape[1] != p:
        newx = newx.T
    pred = fit.predict_cumulative_incidence(pd.DataFrame(newx, columns=covs), base["time"])
    assert_close(pred.to_numpy().T, np.atleast_2d(np.asarray(case["predict"], dtype=float)), rtol=1e-6,
                 what="predicted incidence")


def test_fine_gray_without_competing_events_is_the_breslow_cox_model():
    rossi = dz.datasets.load_rossi()
    fg = dz.fine_gray(rossi, "week", "arrest", ["fin", "age", "prio"])
    cx = dz.cox(rossi, "week", "arrest", ["fin", "age", "prio"], ties="breslow")
    np.testing.assert_allclose(fg.coef, cx.coef, rtol=1e-8)
    np.testing.assert_allclose(fg.loglik[1], cx.loglik[1], rtol=1e-10)
    # without competing events the censoring term is what remains of crr's sandwich; the model
    # based part equals Cox's inverse information
    np.testing.assert_allclose(fg.naive_se, cx.summary["se"], rtol=1e-7)


def test_bad_input_for_competing_risks():
    d = DATA["compete"]
    with pytest.raises(dz.InputError, match="cause must be a whole number from 1 to 2"):
        dz.fine_gray(d, "months", "status", ["x1"], cause=3)
    with pytest.raises(dz.InputError, match="column 'status'.*whole number"):
        dz.fine_gray(d.assign(status=d["status"] + 0.5), "months", "status", ["x1"])
    with pytest.raises(ValueError, match="variance='cmprsk'.*delayed entry"):
        dz.cumulative_incidence(load_dataset("gen_compete"), "months", "status", entry="entry", variance="cmprsk")
    ci = dz.cumulative_incidence(load_dataset("gen_compete"), "months", "status", group="arm", entry="entry")
    with pytest.raises(ValueError, match="Gray's test"):
        ci.gray_test
    with pytest.raises(ValueError, match="give group="):
        dz.cumulative_incidence(d, "months", "status", strata="region")


def test_a_constant_covariate_is_a_singular_design():
    d = DATA["compete"].assign(one=1.0)
    with pytest.raises(dz.errors.SingularDesignError, match="'one'"):
        dz.fine_gray(d, "months", "status", ["x1", "one"])
