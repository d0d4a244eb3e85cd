"""dz.design against rpact (tests/golden/design.json from tests/golden/make_golden_design.R):
the log-rank sample size and power over a grid, rpact's simulated power of a two-arm and a four-arm
trial, R's simulated variance of the Kaplan-Meier estimate and the RMST under censoring, and
mvtnorm's Dunnett critical values."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import numpy as np
import pytest

import duurzaam as dz
from conftest import golden
from duurzaam.design import _dunnett_critical
from duurzaam.errors import InputError

G = golden("design.json")
D = dz.design


def _ss(c):
    return D.logrank_sample_size(c["hazard_ratio"], median_control=c["median_control"], accrual_time=c["accrual_time"],
                                 follow_up_time=c["follow_up_time"], alpha=c["alpha"], power=c["power"],
                                 allocation=c["allocation"], dropout_rate=c["dropout_rate"],
                                 dropout_time=c["dropout_time"], method=c["method"], sided=c["sided"])


@pytest.mark.parametrize("i", range(len(G["sample_size"])))
def test_sample_size_is_rpacts(i):
    c = G["sample_size"][i]
    ss = _ss(c)
    # closed forms on both sides: agreement to rounding
    assert ss.events == pytest.approx(c["events"], rel=1e-10)
    assert ss.n == pytest.approx(c["n"], rel=1e-10)
    assert ss.study_duration == pytest.approx(c["study_duration"], rel=1e-12)
    a = c["allocation"]
    assert ss.n_treatment == math.ceil(c["n"] * a / (1 + a) - 1e-9) and ss.n_control == math.ceil(c["n"] / (1 + a) - 1e-9)
    assert ss.events_needed == math.ceil(c["events"] - 1e-9) and ss.n_total == ss.n_treatment + ss.n_control


@pytest.mark.parametrize("i", range(len(G["power"])))
def test_power_is_rpacts(i):
    c = G["power"][i]
    pw = D.logrank_power(c["hazard_ratio"], events=c["events"], n=c["n"], median_control=c["median_control"],
                         accrual_time=c["accrual_time"], alpha=c["alpha"], allocation=c["allocation"],
                         sided=c["sided"], dropout_rate=c["dropout_rate"], dropout_time=c["dropout_time"],
                         method=c["method"])
    assert pw.power == pytest.approx(c["power"], abs=1e-12)
    # rpact finds the analysis time iteratively
    assert pw.analysis_time == pytest.approx(c["analysis_time"], rel=1e-6)


def test_power_at_the_designed_events_is_the_target():
    ss = D.logrank_sample_size(0.75, median_control=10, accrual_time=8, follow_up_time=10, allocation=2,
                               dropout_rate=0.05, dropout_time=12, power=0.9)
    pw = D.logrank_power(0.75, events=ss.events, n=ss.n, median_control=10, accrual_time=8, allocation=2,
                         dropout_rate=0.05, dropout_time=12)
    assert pw.power == pytest.approx(0.9, abs=1e-3)  # the far tail of the two-sided test adds ~1e-7
    assert pw.analysis_time == pytest.approx(18, rel=1e-9)


@pytest.mark.parametrize("direction,method", [("increase", "schoenfeld"), ("decrease", "schoenfeld"),
                                              ("increase", "freedman")])
def test_minimum_detectable_hazard_ratio_has_the_power_asked(direction, method):
    md = D.minimum_detectable_hazard_ratio(350, median_control=9, accrual_time=6, follow_up_time=12, power=0.85,
                                           direction=direction, method=method, milestone=6)
    assert (md.hazard_ratio > 1) == (direction == "increase")
    # the rpact-checked power at that hazard ratio, with the events 350 persons give under it
    pw = D.logrank_power(md.hazard_ratio, events=md.events, n=350, median_control=9, accrual_time=6, method=method)
    assert pw.analysis_time == pytest.approx(18, rel=1e-8)
    assert pw.power == pytest.approx(0.85, abs=1e-6)
    lam = math.log(2) / 9
    assert md.share_control == pytest.approx(1 - math.exp(-lam * 6), rel=1e-12)
    assert md.difference == pytest.approx(math.exp(-lam * 6) - math.exp(-lam * md.hazard_ratio * 6), rel=1e-12)
    # fewer persons, a larger detectable effect
    smaller = D.minimum_detectable_hazard_ratio(200, median_control=9, accrual_time=6, follow_up_time=12, power=0.85,
                                                direction=direction, method=method)
    assert abs(math.log(smaller.hazard_ratio)) > abs(math.log(md.hazard_ratio))


def test_milestone_without_censoring_is_the_two_proportion_formula():
    # milestone within the shortest follow-up and no dropout: Var = p (1 - p) / n per arm
    ss = D.milestone_sample_size(0.45, 0.55, milestone=12, accrual_time=6, follow_up_time=12)
    z = 1.959963984540054 + 0.8416212335729143
    want = z**2 * 2 * (0.45 * 0.55 + 0.55 * 0.45) / 0.1**2
    assert ss.variance_control == pytest.approx(0.45 * 0.55, rel=1e-12)
    assert ss.n == pytest.approx(want, rel=1e-12)
    assert (ss.n_treatment, ss.n_control) == (math.ceil(want / 2), math.ceil(want / 2))


@pytest.mark.parametrize("i", [0, 1])
def test_estimand_variances_match_rs_simulated_variance(i):
    """n x the variance of survfit's S(12) and RMST(12) over 10,000 simulated arms of 400 with
    late entry and dropout (so follow-up ends before the milestone for some): the asymptotic
    variances agree within 4 Monte Carlo standard errors (the s.e. of a variance is about
    var * sqrt(2 / (reps - 1)))."""
    c = G["km_variance"][i]
    lam = math.log(2) / c["median_control"] * c["hazard_ratio"]
    p = 1 - math.exp(-lam * c["at"])
    ms = D.milestone_sample_size(p, 0.9 if p < 0.8 else 0.5, milestone=c["at"], accrual_time=c["accrual_time"],
                                 follow_up_time=c["follow_up_time"], dropout_rate=c["dropout_rate"],
                                 dropout_time=c["dropout_time"])
    rm = D.rmst_sample_size(1.5, median_control=c["median_control"] / c["hazard_ratio"], tau=c["at"],
                            accrual_time=c["accrual_time"], follow_up_time=c["follow_up_time"],
                            dropout_rate=c["dropout_rate"], dropout_time=c["dropout_time"])
    rel = 4 * math.sqrt(2 / (c["reps"] - 1))
    assert ms.variance_control == pytest.approx(c["n_var_survival"], rel=rel)
    assert rm.variance_control == pytest.approx(c["n_var_rmst"], rel=rel)
    assert rm.value_control == pytest.approx(c["mean_rmst"], rel=0.01)
    # censoring costs: the same shares without it need fewer persons
    plain = D.milestone_sample_size(ms.value_control, ms.value_treatment, milestone=c["at"], accrual_time=0,
                                    follow_up_time=c["at"] + 1)
    assert plain.n < ms.n


def test_rmst_difference_and_variance_without_censoring():
    # no censoring before tau: Var(RMST) per person = Var(min(T, tau)) for exponential T
    lam, tau = math.log(2) / 12, 18
    rm = D.rmst_sample_size(2.0, median_control=12, tau=tau, accrual_time=0, follow_up_time=tau + 1)
    mean = (1 - math.exp(-lam * tau)) / lam
    second = 2 * (1 - math.exp(-lam * tau) * (1 + lam * tau)) / lam**2  # E[min(T, tau)^2]
    assert rm.value_control == pytest.approx(mean, rel=1e-12)
    assert rm.variance_control == pytest.approx(second - mean**2, rel=1e-10)


def test_two_arm_simulation_agrees_with_rpacts_and_the_formula():
    c = G["sim_two_arm"]
    sim = D.simulate_power(c["hazard_ratio"], n=c["n"], median_control=c["median_control"],
                           accrual_time=c["accrual_time"], events=c["events"], alpha=c["alpha"], sided=c["sided"],
                           n_sims=20000, seed=11, progress=False)
    se = math.sqrt(sim.mc_se_any**2 + c["power"] * (1 - c["power"]) / c["n_sims"])
    assert abs(sim.power_any - c["power"]) < 4 * se
    assert sim.events_mean == c["events"] and sim.n_short == 0
    assert sim.analysis_time_mean == pytest.approx(c["analysis_time"], rel=0.01)
    pw = D.logrank_power(c["hazard_ratio"], events=c["events"], n=c["n"], median_control=c["median_control"],
                         accrual_time=c["accrual_time"], alpha=c["alpha"], sided=1)
    assert abs(sim.power_any - pw.power) < 4 * sim.mc_se_any + 0.005


@pytest.mark.parametrize("i", [0, 1])
def test_four_arm_simulation_agrees_with_rpacts(i):
    c = G["sim_multi"][i]
    correction = {"dunnett": "dunnett", "bonferroni": "holm"}[c["test"]]  # rpact's closed tests
    sim = D.simulate_power(c["hazard_ratios"], n=4000, median_control=12, accrual_time=12, events=c["events"],
                           alpha=c["alpha"], sided=c["sided"], correction=correction, n_sims=20000, seed=5,
                           progress=False)
    for ours, se, theirs in zip(sim.table["power"], sim.table["mc_se"], c["reject_per_arm"]):
        assert abs(ours - theirs) < 4 * math.sqrt(se**2 + theirs * (1 - theirs) / c["n_sims"]), (ours, theirs)
    theirs = c["reject_any"]
    assert abs(sim.power_any - theirs) < 4 * math.sqrt(sim.mc_se_any**2 + theirs * (1 - theirs) / c["n_sims"])


@pytest.mark.parametrize("correction", ["dunnett", "holm", "bonferroni"])
def test_family_wise_error_under_the_global_null(correction):
    sim = D.simulate_power([1.0, 1.0, 1.0], n=900, median_control=12, accrual_time=6, follow_up_time=12,
                           correction=correction, n_sims=6000, seed=2, progress=False)
    assert abs(sim.power_any - 0.05) < 4 * math.sqrt(0.05 * 0.95 / 6000) + 0.003
    if correction == "bonferroni":
        assert sim.power_any < 0.05 + 4 * sim.mc_se_any
    none = D.simulate_power([1.0, 1.0, 1.0], n=900, median_control=12, accrual_time=6, follow_up_time=12,
                            correction="none", n_sims=6000, seed=2, progress=False)
    assert none.power_any > 0.1  # three uncorrected tests: about 0.12


def test_dunnett_critical_values_are_mvtnorms():
    for case in G["dunnett"]:
        lams = np.sqrt(np.asarray(case["arms"]) / (np.asarray(case["arms"]) + case["control"]))
        assert _dunnett_critical(lams, case["alpha"], case["sided"]) == pytest.approx(case["critical"], abs=2e-4)


def test_cluster_randomisation_keeps_alpha_and_costs_power():
    common = dict(n=2000, median_control=12, accrual_time=12, follow_up_time=12, clusters=60, n_sims=4000, seed=3,
                  progress=False)
    null = D.simulate_power(1.0, frailty_variance=0.3, **common)
    assert abs(null.power_any - 0.05) < 4 * math.sqrt(0.05 * 0.95 / 4000)
    plain = D.simulate_power(1.3, **{**common, "clusters": None})
    clustered = D.simulate_power(1.3, frailty_variance=0.3, **common)
    persons = D.simulate_power(1.3, frailty_variance=0.3, randomise="persons", **common)
    assert clustered.power_any < persons.power_any - 0.3 and persons.power_any <= plain.power_any + 0.01
    # icc as Kendall's tau: theta = 2 tau / (1 - tau)
    via_icc = D.simulate_power(1.3, icc=0.3 / 2.3, **common)
    assert np.array_equal(via_icc.z, clustered.z)


def test_simulation_is_reproducible_whatever_the_threads():
    kw = dict(n=500, median_control=12, accrual_time=6, follow_up_time=12, n_sims=300, seed=9, progress=False)
    a = D.simulate_power([1.3, 1.1], n_jobs=1, **kw)
    b = D.simulate_power([1.3, 1.1], n_jobs=2, **kw)
    assert np.array_equal(a.z, b.z)
    c = D.simulate_power([1.3, 1.1], n_jobs=2, **{**kw, "seed": 10})
    assert not np.array_equal(a.z, c.z)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.power_any = 1.0  # type: ignore[misc]


def test_power_curve_is_the_analytic_power():
    pc = D.power_curve(hazard_ratios=[1.2, 1.4, 1.6], n=400, median_control=12, accrual_time=6, follow_up_time=12)
    t = pc.table
    assert t["power"].is_monotonic_increasing
    for hr, ev, p in t[["hazard_ratio", "events", "power"]].itertuples(index=False):
        pw = D.logrank_power(hr, events=ev, n=400, median_control=12, accrual_time=6)
        assert pw.power == pytest.approx(p, abs=1e-12) and pw.analysis_time == pytest.approx(18, rel=1e-9)
    by_n = D.power_curve(hazard_ratios=1.3, n=[200, 400, 800], median_control=12, accrual_time=6, follow_up_time=12)
    assert by_n.x == "n" and by_n.table["power"].is_monotonic_increasing


@pytest.mark.parametrize("call,match", [
    (lambda: D.logrank_sample_size(1.0, median_control=12, accrual_time=6, follow_up_time=6), "no effect"),
    (lambda: D.logrank_sample_size(0.7, median_control=12, accrual_time=6, follow_up_time=6, alpha=1.5), "alpha"),
    (lambda: D.logrank_sample_size(0.7, median_control=12, accrual_time=6, follow_up_time=6, dropout_rate=0.1),
     "dropout_time"),
    (lambda: D.logrank_sample_size(0.7, median_control=-1, accrual_time=6, follow_up_time=6), "median_control"),
    (lambda: D.logrank_sample_size(0.7, median_control=12, accrual_time=6, follow_up_time=6, sided=3), "sided"),
    (lambda: D.logrank_sample_size(0.7, median_control=12, accrual_time=6, follow_up_time=6, method="x"), "method"),
    (lambda: D.logrank_power(0.7, events=500, n=400, median_control=12, accrual_time=6), "at most"),
    (lambda: D.minimum_detectable_hazard_ratio(1, median_control=12, accrual_time=6, follow_up_time=6, power=0.99),
     "cannot"),
    (lambda: D.milestone_sample_size(0.4, 0.4, milestone=6, accrual_time=6, follow_up_time=6), "no difference"),
    (lambda: D.milestone_sample_size(0.4, 0.5, milestone=30, accrual_time=6, follow_up_time=6), "end of the study"),
    (lambda: D.simulate_power(1.2, n=100, median_control=12, accrual_time=6), "follow_up_time"),
    (lambda: D.simulate_power([1.2, 1.1], n=100, median_control=12, accrual_time=6, follow_up_time=6, allocation=2),
     "single allocation"),
    (lambda: D.simulate_power(1.2, n=100, median_control=12, accrual_time=6, follow_up_time=6, icc=0.1), "clusters"),
    (lambda: D.simulate_power([1.2, 0.8], n=100, median_control=12, accrual_time=6, follow_up_time=6, sided=1),
     "direction"),
    (lambda: D.simulate_power(1.2, n=100, median_control=12, accrual_time=6, follow_up_time=6, clusters=1), "cluster"),
    (lambda: D.simulate_power(1.2, n=100, median_control=12, accrual_time=6, follow_up_time=6, seed=-1), "seed"),
    (lambda: D.power_curve(hazard_ratios=[1.2, 1.3], n=[100, 200], median_control=12, accrual_time=6,
                           follow_up_time=6), "either"),
])
def test_bad_designs_raise_input_errors(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_repr_reads():
    ss = D.logrank_sample_size(1.3, median_control=9, accrual_time=6, follow_up_time=12)
    text = repr(ss)
    assert "events: 456.10 -> 457" in text and "314 treatment, 314 control" in text


def test_cli_design(tmp_path):
    run = [sys.executable, "-m", "duurzaam", "design"]
    out = subprocess.run(run + ["sample-size", "--hazard-ratio", "0.7", "--median-control", "12", "--accrual-time", "12",
                                "--follow-up-time", "12", "--json"], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    assert got["events"] == pytest.approx(246.78710, rel=1e-6) and got["n_total"] == 430
    fig = tmp_path / "curve.png"
    subprocess.run(run + ["curve", "--hazard-ratios", "1.2", "1.4", "1.6", "--n", "400", "--median-control", "12",
                          "--accrual-time", "6", "--follow-up-time", "12", "--out", str(fig)], check=True,
                   capture_output=True)
    assert fig.stat().st_size > 10_000
    bad = subprocess.run(run + ["power", "--hazard-ratio", "0.7", "--events", "900", "--n", "400",
                                "--median-control", "12", "--accrual-time", "12"], capture_output=True, text=True)
    assert bad.returncode == 2 and "at most" in bad.stderr
