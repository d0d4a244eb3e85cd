"""CR2 with Satterthwaite degrees of freedom for the Cox, IPTW-Cox and AFT models
(tests/golden/cr2.json from make_golden_cr2.R). Cox: by hand in R on the Poisson glm whose
likelihood is Breslow's partial likelihood (the rows at risk at each event time, an intercept per
event time), or the quasi-Poisson glm whose profile is Efron's (d sub-times per time with d tied
deaths), with n_g x n_g hat matrices; the R script checks that this hand computation is
clubSandwich's CR2 for least squares and that the glm has coxph's coefficients and robust
variance. AFT: R's own per-row derivatives of survreg (residuals type "matrix")."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from conftest import GOLDEN, golden

G = golden("cr2.json")
COLS = ("coef", "se", "df", "t", "p_value")


@pytest.fixture(scope="module")
def data():
    d = pd.read_csv(GOLDEN / "data" / "few_clusters.csv")
    return d.assign(w=G["cox_weighted"]["weights"], entry=np.minimum(d["months"] - 1, np.arange(len(d)) % 4))


def _fit(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dz.FewClustersWarning)
        return f(*args, **kwargs)


def _check(s, want, cols=COLS, rtol=1e-8):
    for c in cols:
        np.testing.assert_allclose(s[c].to_numpy(), np.atleast_1d(want[c]), rtol=rtol, err_msg=c)


def test_cox_cr2_breslow_is_the_poisson_forms(data):
    fit = _fit(dz.cox, data, "months", "work", ["arm", "age"], cluster="municipality", ties="breslow")
    s = fit.small_sample_summary("CR2")
    _check(s, G["cox_breslow"], COLS + ("lower", "upper"))
    np.testing.assert_allclose(fit.summary["robust_se"], G["cox_breslow"]["robust_se"], rtol=1e-8)
    # more than the sandwich, fewer degrees of freedom than G - 1
    c1 = fit.small_sample_summary("CR1")
    assert (s["se"] > fit.summary["robust_se"]).all() and (s["df"] < 13).all()
    assert not np.allclose(s["se"], c1["se"], rtol=1e-3)


def test_cox_cr2_with_weights_and_iptw_cox(data):
    fit = _fit(dz.cox, data, "months", "work", ["arm"], cluster="municipality", ties="breslow", weights="w")
    _check(fit.small_sample_summary("CR2"), G["cox_weighted"])
    # the same weights from dz.iptw (ATE, not stabilised: a logistic model of arm on age)
    iw = _fit(dz.iptw_cox, data, "months", "work", "arm", ["age"], cluster="municipality", ties="breslow",
              stabilized=False)
    _check(iw.small_sample_summary("CR2"), G["cox_weighted"])


def test_cox_cr2_with_entry_and_strata(data):
    fit = _fit(dz.cox, data, "months", "work", ["age"], cluster="municipality", ties="breslow", entry="entry",
               strata="arm")
    _check(fit.small_sample_summary("CR2"), G["cox_entry_strata"])


def test_cox_cr2_untied_efron_is_breslows(data):
    g = G["cox_untied"]
    u = data.iloc[g["rows"]].assign(time=g["time"])
    fit = _fit(dz.cox, u, "time", "work", ["arm", "age"], cluster="municipality")  # Efron, no ties
    _check(fit.small_sample_summary("CR2"), g)


def test_cox_cr2_efron_with_ties_is_its_quasi_poisson_forms(data):
    """Efron's partial likelihood with tied deaths: d sub-times per tied time (R by hand on the
    expanded rows, which reproduce coxph's Efron estimate and robust variance)."""
    s4 = data.iloc[G["cox_efron"]["rows"]]
    fit = _fit(dz.cox, s4, "months", "work", ["arm", "age"], cluster="municipality")  # ties="efron"
    _check(fit.small_sample_summary("CR2"), G["cox_efron"], COLS + ("lower", "upper"))
    np.testing.assert_allclose(fit.summary["robust_se"], G["cox_efron"]["robust_se"], rtol=1e-8)
    w = _fit(dz.cox, s4, "months", "work", ["age"], cluster="municipality", weights="w", entry="entry", strata="arm")
    _check(w.small_sample_summary("CR2"), G["cox_efron_weighted_entry_strata"])
    # Efron's and Breslow's CR2 differ on tied data
    b = _fit(dz.cox, s4, "months", "work", ["arm", "age"], cluster="municipality", ties="breslow")
    assert not np.allclose(b.small_sample_summary("CR2")["se"], fit.small_sample_summary("CR2")["se"], rtol=1e-4)


@pytest.fixture
def quadrature(monkeypatch):
    """The quadrature on the arrowhead information for every model (beyond CR2_EXACT_TIMES
    event-time parameters otherwise)."""
    cox_module = importlib.import_module("duurzaam.cox")  # the module, not the function dz.cox
    monkeypatch.setattr(cox_module, "CR2_EXACT_TIMES", 0)
    return cox_module


def test_cox_cr2_by_quadrature_is_rs(data, quadrature):
    """The same golden values through the quadrature: Breslow, weights, entry with strata,
    Efron's sub-times with weights, entry and strata."""
    fit = _fit(dz.cox, data, "months", "work", ["arm", "age"], cluster="municipality", ties="breslow")
    _check(fit.small_sample_summary("CR2"), G["cox_breslow"], COLS + ("lower", "upper"))
    fit = _fit(dz.cox, data, "months", "work", ["arm"], cluster="municipality", ties="breslow", weights="w")
    _check(fit.small_sample_summary("CR2"), G["cox_weighted"])
    fit = _fit(dz.cox, data, "months", "work", ["age"], cluster="municipality", ties="breslow", entry="entry",
               strata="arm")
    _check(fit.small_sample_summary("CR2"), G["cox_entry_strata"])
    s4 = data.iloc[G["cox_efron"]["rows"]]
    fit = _fit(dz.cox, s4, "months", "work", ["arm", "age"], cluster="municipality")
    _check(fit.small_sample_summary("CR2"), G["cox_efron"], COLS + ("lower", "upper"))
    w = _fit(dz.cox, s4, "months", "work", ["age"], cluster="municipality", weights="w", entry="entry", strata="arm")
    _check(w.small_sample_summary("CR2"), G["cox_efron_weighted_entry_strata"])


def test_cox_cr2_quadrature_equals_the_eigen_decomposition(quadrature):
    """Untied and tied times, Efron's sub-times, delayed entry, weights and many small clusters
    (some own the last event times alone: leverage 1, eliminated exactly): the quadrature equals
    the eigen-decomposition per cluster to 1e-9."""
    rng = np.random.default_rng(11)
    n = 400
    d = pd.DataFrame({"x": rng.normal(size=n), "z": rng.integers(0, 2, n), "c": rng.integers(0, 9, n),
                      "w": rng.uniform(0.5, 2, n), "s": rng.uniform(0, 0.3, n)})
    t = rng.exponential(np.exp(-0.5 * d["x"] + 0.3 * d["z"]))
    cens = rng.uniform(0, 4, n)
    d = d.assign(t=np.minimum(t, cens), e=(t < cens).astype(int))
    # the six longest times are events in one cluster: the last event times have only its rows
    # at risk
    last = np.argsort(d["t"].to_numpy())[-6:]
    d.loc[last, "c"] = 9
    d.loc[last, "e"] = 1
    d = d.assign(tm=np.ceil(d["t"] * 8), s=np.minimum(d["s"], d["t"] / 2))
    for kw in (dict(duration="t"), dict(duration="tm"), dict(duration="tm", ties="breslow"),
               dict(duration="t", entry="s", weights="w"), dict(duration="tm", weights="w", strata="z")):
        kw = dict(kw)
        cov = ["x"] if "strata" in kw else ["x", "z"]
        fit = _fit(dz.cox, d, kw.pop("duration"), "e", cov, cluster="c", **kw)
        by_quadrature = fit.small_sample_summary("CR2")
        quadrature.CR2_EXACT_TIMES = 10**9
        exact = fit.small_sample_summary("CR2")
        quadrature.CR2_EXACT_TIMES = 0
        for c in ("se", "df", "p_value"):
            np.testing.assert_allclose(by_quadrature[c], exact[c], rtol=1e-9, err_msg=f"{kw} {c}")


def test_cox_cr2_quadrature_with_coefficients_one_cluster_informs(quadrature):
    """A covariate that varies within one cluster alone, and two that are equal everywhere but
    in one cluster: coefficient directions with leverage 1 (no other cluster informs them),
    dropped as by the eigen-decomposition's pseudo-inverse; with that cluster also alone at risk
    at the last event times."""
    rng = np.random.default_rng(2)
    n = 300
    d = pd.DataFrame({"x": rng.normal(size=n), "c": rng.integers(0, 6, n)})
    d["z"] = np.where(d["c"] == 0, rng.normal(size=n), 0.0)
    d["u"] = d["x"] + np.where(d["c"] == 3, rng.normal(size=n), 0.0)
    t = rng.exponential(np.exp(-0.5 * d["x"]))
    cens = rng.uniform(0, 3, n)
    d = d.assign(t=np.minimum(t, cens), e=(t < cens).astype(int))
    last = np.argsort(d["t"].to_numpy())[-4:]
    d.loc[last, "c"] = 0
    d.loc[last, "e"] = 1
    for cov in (["x", "z"], ["x", "u"], ["x", "z", "u"]):
        fit = _fit(dz.cox, d, "t", "e", cov, cluster="c")
        by_quadrature = fit.small_sample_summary("CR2")
        quadrature.CR2_EXACT_TIMES = 10**9
        exact = fit.small_sample_summary("CR2")
        quadrature.CR2_EXACT_TIMES = 0
        for c in ("se", "df"):
            np.testing.assert_allclose(by_quadrature[c], exact[c], rtol=1e-9, err_msg=f"{cov} {c}")


def test_cox_cr2_refuses_what_does_not_fit_in_memory(data, monkeypatch):
    cox_module = importlib.import_module("duurzaam.cox")
    b = _fit(dz.cox, data, "months", "work", ["arm"], cluster="municipality", ties="breslow")
    monkeypatch.setattr(cox_module, "CR2_MAX_CELLS", 14 * 24 * 2 - 1)
    with pytest.raises(dz.InputError, match="this model has 24 of them and 14 clusters"):  # 24 event times
        b.small_sample_summary("CR2")
    e = _fit(dz.cox, data, "months", "work", ["arm"], cluster="municipality")
    with pytest.raises(dz.InputError, match=f"this model has {int(data['work'].sum())} of them"):  # one per tied death
        e.small_sample_summary("CR2")
    with pytest.raises(dz.InputError, match="'CR1', 'CR2' or 'CR0'"):
        b.small_sample_summary("CR3")


@pytest.mark.parametrize("dist", ["weibull", "lognormal"])
def test_aft_cr2_is_the_hand_computation(data, dist):
    fit = _fit(dz.aft, data, "months", "work", ["arm", "age"], cluster="municipality", dist=dist)
    want = G[f"aft_{dist}"]
    s = fit.small_sample_summary("CR2")
    assert s.index.tolist() == want["terms"]
    _check(s, want)
    np.testing.assert_allclose(fit.summary["robust_se"], want["robust_se"], rtol=1e-7)


def test_aft_cr2_exponential_and_many_clusters(data, monkeypatch):
    fit = _fit(dz.aft, data, "months", "work", ["arm", "age"], cluster="municipality", dist="exponential")
    s = fit.small_sample_summary("CR2")
    assert s.index.tolist() == ["(Intercept)", "arm", "age"] and (s["df"] < 13).all()
    parametric_module = importlib.import_module("duurzaam.parametric")
    monkeypatch.setattr(parametric_module, "AFT_CR2_MAX_CLUSTERS", 10)
    many = _fit(dz.aft, data, "months", "work", ["arm"], cluster="municipality")
    with pytest.raises(dz.InputError, match="at most 10 clusters"):
        many.small_sample_summary("CR2")


def test_cr2_with_a_cluster_per_event_time_is_finite():
    """A baseline jump that one cluster alone determines (the only rows at risk at the last time)
    has leverage 1; its direction is dropped (pseudo-inverse), not divided by zero."""
    d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8, 9, 12], "e": [1, 1, 0, 1, 1, 1, 0, 1, 1, 1],
                      "x": [0.1, 0.5, 0.2, 0.9, 0.3, 0.7, 0.4, 0.8, 0.6, 0.0], "g": [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]})
    fit = _fit(dz.cox, d, "t", "e", ["x"], cluster="g", ties="breslow")
    s = fit.small_sample_summary("CR2")
    assert np.isfinite(s[["se", "df"]].to_numpy()).all()


def test_cr2_singular_information_is_our_error(data, monkeypatch):
    fit = _fit(dz.cox, data, "months", "work", ["arm"], cluster="municipality", ties="breslow")

    def singular(*a):
        raise np.linalg.LinAlgError("singular")

    monkeypatch.setattr(np.linalg, "inv", singular)
    with pytest.raises(dz.DegenerateDataError, match="singular"):
        fit.small_sample_summary("CR2")
    # the quadrature beyond CR2_EXACT_TIMES event times
    monkeypatch.setattr(importlib.import_module("duurzaam.cox"), "CR2_EXACT_TIMES", 0)
    monkeypatch.setattr(np.linalg, "solve", singular)
    with pytest.raises(dz.DegenerateDataError, match="singular"):
        fit.small_sample_summary("CR2")
