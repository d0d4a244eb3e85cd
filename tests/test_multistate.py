"""dz.multistate_cox and Spells.transitions: coefficients, both variances and predicted occupancy
against R's multi-state coxph and survfit (tests/golden/multistate.json from
tests/golden/make_golden_multistate.R), the occupancy's standard errors against a seeded
simulation (coverage) and the bootstrap, and the rows built from a panel."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from conftest import GOLDEN, golden
from duurzaam.errors import InputError
from duurzaam.multistate import _expm

G = golden("multistate.json")
ARMS = ["control", "more guidance", "remote guidance (app)", "tailored guidance"]


def _data():
    ms = pd.read_csv(GOLDEN / "data" / "multistate.csv")
    ms["arm"] = pd.Categorical(ms["arm"], categories=ARMS)
    nd = pd.DataFrame(G["newdata"])
    nd["arm"] = pd.Categorical(nd["arm"], categories=ARMS)
    return ms, nd


def _r_term(t: str) -> str:
    return f"C(arm)[T.{t[3:]}]" if t.startswith("arm") else t


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_coefficients_and_variances_are_rs(ties):
    ms, _ = _data()
    g = G[ties]
    fit = dz.multistate_cox(ms, "entry", "exit", "from_state", "to_state", "age + female + C(arm)", id="person_id",
                            ties=ties)
    s = fit.summary.set_index(["transition", "term"])
    assert len(s) == len(g["coef"]) == 30
    for tr, term, coef, se, rse in zip(g["transition"], g["term"], g["coef"], g["se"], g["robust_se"]):
        row = s.loc[(tr, _r_term(term))]
        assert row["coef"] == pytest.approx(coef, rel=1e-6, abs=1e-9)
        assert row["se"] == pytest.approx(se, rel=1e-6)
        assert row["robust_se"] == pytest.approx(rse, rel=1e-6)
    assert fit.loglik == pytest.approx(tuple(g["loglik"]), rel=1e-9)
    assert fit.states == ["benefit", "other", "work"]


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_predicted_occupancy_is_rs(ties):
    ms, nd = _data()
    fit = dz.multistate_cox(ms, "entry", "exit", "from_state", "to_state", "age + female + C(arm)", id="person_id",
                            ties=ties)
    occ = fit.predict_occupancy(nd, G["times"], initial_state="benefit")
    for o in G[ties]["occupancy"]:
        got = occ[(occ["row"] == o["row"]) & (occ["state"] == o["state"])].sort_values("time")
        np.testing.assert_allclose(got["probability"], o["probability"], atol=1e-7, rtol=0)
    total = occ.groupby(["row", "time"])["probability"].sum()
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    assert (occ["std_err"] > 0).all() and (occ["lower"] <= occ["probability"]).all()
    # a mixed start is the mixture of the pure starts (the product integral is linear in p0)
    mixed = fit.predict_occupancy(nd, [12], initial_state={"benefit": 0.25, "work": 0.75}, std_err=False)
    b = fit.predict_occupancy(nd, [12], initial_state="benefit", std_err=False)
    w = fit.predict_occupancy(nd, [12], initial_state="work", std_err=False)
    np.testing.assert_allclose(mixed["probability"], 0.25 * b["probability"] + 0.75 * w["probability"], atol=1e-12)


# -- a known Markov model: the truth is exp(Q t) ------------------------------------------------
Q0 = {(0, 1): 0.06, (0, 2): 0.02, (1, 0): 0.04, (1, 2): 0.01, (2, 0): 0.03}
BETA = {(0, 1): 0.5, (1, 0): -0.3}
NAMES = ["benefit", "work", "other"]


def _q(x: int) -> np.ndarray:
    q = np.zeros((3, 3))
    for (a, b), lam in Q0.items():
        q[a, b] = lam * math.exp(BETA.get((a, b), 0.0) * x)
    return q - np.diag(q.sum(axis=1))


def _simulate(n: int, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for i in range(n):
        x = int(rng.random() < 0.5)
        c, t, s, q = rng.uniform(12, 36), 0.0, 0, _q(x)
        while True:
            rate = -q[s, s]
            dt = rng.exponential(1 / rate)
            if t + dt >= c:
                rows.append((i, t, c, NAMES[s], "censored", x))
                break
            nxt = int(rng.choice(3, p=q[s].clip(0) / rate))
            rows.append((i, t, t + dt, NAMES[s], NAMES[nxt], x))
            t, s = t + dt, nxt
    return pd.DataFrame(rows, columns=["id", "entry", "exit", "from_state", "to_state", "x"])


def test_occupancy_intervals_cover_in_a_seeded_simulation():
    """300 simulated data sets of 300 persons from a Markov model with a covariate: the 95%
    intervals of the predicted occupancy (2 persons x 2 times x 3 states) cover the true
    exp(Q t) probabilities 93-97% of the time, and the mean standard error is the spread of the
    estimates within 10%."""
    rng = np.random.default_rng(2026)
    nd = pd.DataFrame({"x": [0, 1]})
    times = [6.0, 12.0]
    truth = {(x, t): (np.array([1.0, 0, 0]) @ _expm(_q(x) * t)) for x in (0, 1) for t in times}
    hits, ses, ests = [], [], []
    for _ in range(300):
        d = _simulate(300, rng)
        fit = dz.multistate_cox(d, "entry", "exit", "from_state", "to_state", ["x"], id="id")
        occ = fit.predict_occupancy(nd, times, initial_state="benefit")
        true = [truth[(int(r), t)][NAMES.index(s)] for r, t, s in zip(occ["row"], occ["time"], occ["state"])]
        hits.append(((occ["lower"] <= true) & (np.asarray(true) <= occ["upper"])).to_numpy())
        ses.append(occ["std_err"].to_numpy())
        ests.append(occ["probability"].to_numpy())
    coverage = np.mean(hits)
    assert 0.93 <= coverage <= 0.97, coverage
    ratio = np.mean(ses, axis=0) / np.std(ests, axis=0, ddof=1)
    assert np.all(np.abs(ratio - 1) < 0.10), ratio


def test_occupancy_standard_errors_agree_with_the_bootstrap():
    rng = np.random.default_rng(7)
    d = _simulate(300, rng)
    nd = pd.DataFrame({"x": [0, 1]})
    fit = dz.multistate_cox(d, "entry", "exit", "from_state", "to_state", ["x"], id="id")
    occ = fit.predict_occupancy(nd, [6, 12], initial_state="benefit")

    def stat(df):
        f = dz.multistate_cox(df, "entry", "exit", "from_state", "to_state", ["x"], id="id")
        o = f.predict_occupancy(nd, [6, 12], initial_state="benefit", std_err=False)
        return pd.Series(o["probability"].to_numpy(), index=[f"{r}/{t}/{s}" for r, t, s in zip(o.row, o.time, o.state)])

    B = 150
    bs = dz.bootstrap(stat, d, n_resamples=B, scheme="cluster", cluster="id", seed=1, progress=False)
    ratio = bs.summary["se"].to_numpy() / occ["std_err"].to_numpy()
    mc = 1 / math.sqrt(2 * (B - 1))  # relative Monte Carlo error of a bootstrap standard error
    assert np.all(np.abs(ratio - 1) < 3 * mc + 0.03), ratio
    assert abs(np.mean(ratio) - 1) < 0.06


def test_stratified_prediction_uses_the_strata_baselines():
    ms, nd = _data()
    ms["region"] = np.where(ms["person_id"] % 2 == 0, "north", "south")
    fit = dz.multistate_cox(ms, "entry", "exit", "from_state", "to_state", ["age", "female"], id="person_id",
                            strata="region")
    new = pd.DataFrame({"age": [30, 30], "female": [1, 1], "region": ["north", "south"]})
    occ = fit.predict_occupancy(new, [12], initial_state="benefit")
    a = occ[occ["row"] == 0]["probability"].to_numpy()
    b = occ[occ["row"] == 1]["probability"].to_numpy()
    assert not np.allclose(a, b) and np.isclose(a.sum(), 1) and np.isclose(b.sum(), 1)
    assert occ["std_err"].notna().all()


def test_transitions_from_a_hand_built_panel():
    # person 1: benefit 1-3, work 4-5, benefit 6-8 (panel ends at 8); origin month 2
    # person 2: benefit 1-2, education 3-4, other 5-6, missing 7, work 8; origin 1
    # person 3: no origin
    rows = []
    for m, s in zip(range(1, 9), ["benefit"] * 3 + ["work"] * 2 + ["benefit"] * 3):
        rows.append((1, m, s, 2))
    for m, s in zip(range(1, 9), ["benefit", "benefit", "education", "education", "other", "other", None, "work"]):
        if s is not None:
            rows.append((2, m, s, 1))
    rows += [(3, m, "benefit", None) for m in range(1, 9)]
    panel = pd.DataFrame(rows, columns=["pid", "month", "status", "origin"])
    panel["origin"] = panel["origin"].astype("Int64")
    sp = dz.spells(panel, "pid", "month", "status")
    out = sp.transitions(origin="origin", states={"education": "other"})
    want = pd.DataFrame({
        "pid": [1, 1, 1, 2, 2, 2],
        "entry": [0.0, 2, 4, 0, 2, 7],
        "exit": [2.0, 4, 7, 2, 6, 8],
        "from_state": ["benefit", "work", "benefit", "benefit", "other", "work"],
        "to_state": ["work", "benefit", "censored", "other", "censored", "censored"],
    })
    pd.testing.assert_frame_equal(out.reset_index(drop=True), want, check_dtype=False)
    assert out.attrs["dropped"] == {"no origin": 1}
    capped = sp.transitions(origin="origin", horizon=3)
    assert capped["exit"].max() == 3 and (capped.loc[capped["exit"] == 3, "to_state"] == "censored").all()


def test_transitions_feed_the_model():
    panel = dz.datasets.four_arm_panel(n_persons=300, seed=3)
    rows = dz.spells(panel, "person_id", "month", "status").transitions(
        origin="programme_start", states={"education": "other"}, covariates=["arm", "age"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = dz.multistate_cox(rows, "entry", "exit", "from_state", "to_state", "C(arm) + age", id="person_id")
    # a sparse transition's warning says which transition it is about
    assert all(" -> " in str(w.message) for w in caught if issubclass(w.category, dz.ConvergenceWarning))
    assert set(fit.summary["transition"]) >= {"benefit -> work", "work -> benefit"}
    assert "Multi-state Cox model" in repr(fit)


@pytest.mark.parametrize("change,match", [
    (lambda d: d.assign(exit=np.where(d.index == 4, d["entry"], d["exit"])), "row 4"),
    (lambda d: d.assign(to_state=np.where(d.index == 2, d["from_state"], d["to_state"])), "row 2"),
    (lambda d: d.assign(from_state=np.where(d.index == 3, "censored", d["from_state"])), "censoring label"),
    (lambda d: d.assign(to_state=np.where(d.index == 5, None, d["to_state"])), "missing"),
    (lambda d: d.assign(to_state="censored"), "no transitions"),
])
def test_bad_rows_raise(change, match):
    ms, _ = _data()
    with pytest.raises((InputError, dz.DegenerateDataError), match=match):
        dz.multistate_cox(change(ms), "entry", "exit", "from_state", "to_state", ["age"], id="person_id")


def test_bad_prediction_requests_raise():
    ms, nd = _data()
    fit = dz.multistate_cox(ms, "entry", "exit", "from_state", "to_state", ["age"], id="person_id")
    with pytest.raises(InputError, match="not a state"):
        fit.predict_occupancy(nd, [6], initial_state="prison")
    with pytest.raises(InputError, match="add up to 1"):
        fit.predict_occupancy(nd, [6], initial_state={"benefit": 0.5})
    with pytest.raises(InputError):
        fit.predict_occupancy(nd.drop(columns="age"), [6], initial_state="benefit")


# -- recurrent spells ------------------------------------------------------------------------------
R = golden("recurrent.json")


def _recurrent():
    rec = pd.read_csv(GOLDEN / "data" / "recurrent.csv")
    rec["arm"] = pd.Categorical(rec["arm"], categories=ARMS)
    return rec


@pytest.mark.parametrize("model,kw", [
    ("andersen_gill", dict(duration="exit", entry="entry")),
    ("pwp_total", dict(duration="exit", entry="entry", strata="episode")),
    ("pwp_gap", dict(duration="gap_exit", entry="gap_entry", strata="episode")),
])
def test_recurrent_models_are_rs(model, kw):
    rec = _recurrent()
    want = R[model]
    dur = kw.pop("duration")
    fit = dz.cox(rec, dur, "event", "C(arm) + age + female", cluster="person_id", **kw)
    np.testing.assert_allclose(fit.coef.to_numpy(), want["coef"], rtol=1e-6)
    np.testing.assert_allclose(fit.summary["se"], want["se"], rtol=1e-6)
    np.testing.assert_allclose(fit.summary["robust_se"], want["robust_se"], rtol=1e-6)
    assert fit.loglik == pytest.approx(tuple(want["loglik"]), rel=1e-9)
    assert fit.n_events == want["n_events"] == R["n_events"]


def test_recurrent_rows_follow_the_transitions():
    """Each stay outside work is a row; episodes count earlier returns to work; the gap clock
    starts where the episode starts: recomputed here from the transitions, person by person."""
    panel = dz.datasets.four_arm_panel(n_persons=300, seed=5)
    sp = dz.spells(panel, "person_id", "month", "status")
    tr = sp.transitions(origin="programme_start")
    rec = sp.recurrent("work", origin="programme_start")
    expect = []
    for pid, g in tr.groupby("person_id", sort=False):
        episode, clock = 1, None
        for row in g.itertuples(index=False):
            if row.from_state == "work":  # a stay in work ends the episode, seen entering it or not
                if clock is not None:
                    episode += 1
                clock = None
                continue
            if clock is None:
                clock = row.entry
            event = int(row.to_state == "work")
            expect.append((pid, row.entry, row.exit, event, episode, row.entry - clock, row.exit - clock))
            if event:
                episode, clock = episode + 1, None
    want = pd.DataFrame(expect, columns=["person_id", "entry", "exit", "event", "episode", "gap_entry", "gap_exit"])
    pd.testing.assert_frame_equal(rec[want.columns].reset_index(drop=True), want, check_dtype=False)
