"""IPTW against R (tests/golden/iptw.json from make_golden_iptw.R): the propensity model as glm,
ATE (plain and stabilised), ATT and truncated weights, standardised mean differences, effective
sample sizes, the weighted Kaplan-Meier (survfit with weights, robust) and the weighted Cox model
(coxph with weights, robust = TRUE); the core bootstrap of the IPTW Cox model against the same
replicates done in Python; the adjusted survival curves against a hand computation in R."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from conftest import GOLDEN, arr, assert_close, golden

G = golden("iptw.json")
D = pd.read_csv(GOLDEN / "data" / "gen_iptw.csv")
PS = "age + female + prior + C(edu)"


def test_propensity_model_and_weights_match_glm():
    iw = dz.iptw(D, "programme", PS, stabilized=False)
    assert_close(iw.model["coef"], arr(G["glm_coef"]), rtol=1e-6, what="glm coef")
    assert_close(iw.model["se"], arr(G["glm_se"]), rtol=1e-6, what="glm se")
    assert_close(iw.propensity, arr(G["ps"]), rtol=1e-6, what="propensity")
    assert_close(iw.weights, arr(G["w_ate"]), rtol=1e-6, what="ATE weights")
    sw = dz.iptw(D, "programme", PS)
    assert_close(sw.weights, arr(G["w_sate"]), rtol=1e-6, what="stabilised ATE weights")
    assert_close(dz.iptw(D, "programme", PS, estimand="att").weights, arr(G["w_att"]), rtol=1e-6, what="ATT")
    assert_close(dz.iptw(D, "programme", PS, truncate=(0.05, 0.95)).weights, arr(G["w_trunc"]), rtol=1e-6,
                 what="truncated weights")
    assert_close(sw.balance["smd_before"], arr(G["smd_before"]), rtol=1e-8, what="SMD before")
    assert_close(sw.balance["smd_after"], arr(G["smd_after"]), rtol=1e-5, atol=1e-9, what="SMD after")
    assert_close(sw.ess["ess"], arr(G["ess"]), rtol=1e-6, what="ESS")


def test_weighted_km_and_cox_match_r():
    d = D.assign(w=dz.iptw(D, "programme", PS).weights)
    km = dz.kaplan_meier(d, "months", "work", group="programme", weights="w", robust=True)
    at = km.survival_at([6, 12])
    assert_close(at["survival"], arr(G["km_surv"]), rtol=1e-6, what="weighted KM")
    assert_close(at["std_err"], arr(G["km_se"]), rtol=1e-6, what="weighted KM robust se")
    fit = dz.iptw_cox(D, "months", "work", "programme", PS)
    assert_close(fit.coef, arr(G["cox_coef"]), rtol=1e-6, what="IPTW Cox coef")
    assert_close(fit.summary["robust_se"], arr(G["cox_robust_se"]), rtol=1e-6, what="IPTW Cox robust se")


def test_core_bootstrap_refits_the_propensity_model_like_the_python_path():
    core = dz.bootstrap(dz.iptw_cox, D, "months", "work", "programme", PS, n_resamples=40, seed=3, progress=False)
    slow = dz.bootstrap(lambda d: float(dz.iptw_cox(d, "months", "work", "programme", PS).coef.iloc[0]), D,
                        n_resamples=40, seed=3, progress=False, jackknife=False)
    np.testing.assert_allclose(core.replicates.to_numpy()[:, 0], slow.replicates.to_numpy()[:, 0], rtol=1e-6)
    trunc = dz.bootstrap(dz.iptw_cox, D, "months", "work", "programme", PS, truncate=0.05, n_resamples=20, seed=3,
                         progress=False)
    assert trunc.estimate.iloc[0] == pytest.approx(dz.iptw_cox(D, "months", "work", "programme", PS,
                                                               truncate=0.05).coef.iloc[0], rel=1e-9)


def test_several_arms_match_multinom_and_coxph():
    iw = dz.iptw(D, "edu", "age + female + prior")
    assert iw.arms == ["high", "low", "middle"]
    assert_close(iw.probabilities.to_numpy(), np.asarray(G["multi_prob"], dtype=float), rtol=1e-6,
                 what="multinomial probabilities")
    assert_close(iw.model["coef"].to_numpy().reshape(2, 4), np.asarray(G["multi_coef"], dtype=float), rtol=1e-5,
                 what="multinomial coefficients")
    assert_close(iw.weights, arr(G["multi_w"]), rtol=1e-6, what="multi-arm ATE weights")
    fit = dz.iptw_cox(D, "months", "work", "edu", "age + female + prior")
    assert_close(fit.coef, arr(G["multi_cox_coef"]), rtol=1e-6, what="multi-arm IPTW Cox")
    assert_close(fit.summary["robust_se"], arr(G["multi_cox_robust_se"]), rtol=1e-6, what="robust se")
    with pytest.raises(ValueError, match="more than two arms"):
        dz.iptw(D, "edu", ["age"], estimand="att")


def test_bad_treatment_column():
    with pytest.raises(dz.InputError, match="column 'edu' has one arm only"):
        dz.iptw(D[D["edu"] == "low"], "edu", ["age"])
    with pytest.raises(dz.InputError, match="column 'prior': treatment must be 0 or 1"):
        dz.iptw(D, "prior", ["age"])
    with pytest.raises(ValueError, match="estimand"):
        dz.iptw(D, "programme", ["age"], estimand="atc")


def test_adjusted_survival_matches_a_hand_computation_in_r():
    fit = dz.cox(D, "months", "work", "programme + age + female + prior + C(edu)")
    adj = fit.adjusted_survival(D, "programme", G["adj_times"])
    want = np.asarray(G["adjusted"], dtype=float)  # rows: times; columns: programme 0, 1
    assert_close(adj["survival"].to_numpy().reshape(2, -1).T, want, rtol=1e-6, what="adjusted survival")
    boot = dz.adjusted_survival(D, "months", "work", "programme + age + female + prior + C(edu)", "programme", [12],
                                n_resamples=30, seed=2, progress=False)
    assert (boot["lower"] <= boot["survival"]).all() and (boot["survival"] <= boot["upper"]).all()
    assert boot.loc[boot["programme"] == 1, "diff_lower"].iloc[0] < boot.loc[boot["programme"] == 1, "difference"].iloc[0]


def test_perfect_separation_is_reported_not_returned():
    d = {"a": [0, 0, 0, 1, 1, 1], "x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]}
    with pytest.raises(dz.DegenerateDataError, match="separates treated and untreated"):
        dz.iptw(d, "a", ["x"])


@pytest.mark.parametrize("scheme", ["ordinary", "stratified", "cluster"])
def test_adjusted_curves_bootstrap_in_the_core_equals_the_python_refit(scheme):
    # The core kernel (refit, baseline and averaged prediction per replicate) against the refit
    # through the Python estimator on the resampled DataFrame, replicate by replicate.
    from duurzaam.adjusted import _adjusted_curves

    d = D.assign(region=np.arange(len(D)) % 12)
    args = ("months", "work", "programme + age + female + C(edu)", "programme", [6.0, 12.0, 24.0], [0, 1])
    opts = dict(n_resamples=25, seed=4, scheme=scheme, progress=False, jackknife=False,
                strata="programme" if scheme == "stratified" else None,
                cluster="region" if scheme == "cluster" else None)
    core = dz.bootstrap(_adjusted_curves, d, *args, **opts)
    slow = dz.bootstrap(lambda df: _adjusted_curves(df, *args), d, **opts)
    assert list(core.estimate.index) == list(slow.estimate.index)
    assert_close(core.estimate.to_numpy(), slow.estimate.to_numpy(), rtol=1e-12, what="full-data curves")
    assert_close(core.replicates.to_numpy(), slow.replicates.to_numpy(), rtol=1e-7, what="replicate curves")
    assert core.failed == slow.failed == 0


def test_adjusted_survival_refuses_missing_or_repeated_values():
    # a missing arm used to give two NaN "values" and a length error deep in pandas
    r = dz.datasets.load_rossi()
    r["arm"] = r["fin"].astype(float)
    r.loc[3, "arm"] = np.nan
    fit = dz.cox(r.dropna(), "week", "arrest", ["age", "prio", "arm"])
    with pytest.raises(dz.InputError, match="column 'arm' is missing in row 3"):
        dz.adjusted_survival(r, "week", "arrest", ["age", "prio"], "arm", [26], n_resamples=5, progress=False)
    with pytest.raises(dz.InputError, match="distinct"):
        fit.adjusted_survival(r.dropna(), "arm", [26], values=[0.0, 0.0])
    # times that print alike are told apart in the bootstrap's labels
    t = dz.adjusted_survival(r.dropna(), "week", "arrest", ["age", "prio", "arm"], "arm", [26.0000001, 26.0000002],
                             n_resamples=20, seed=1, progress=False)
    assert len(t) == 4 and t["lower"].notna().all()
