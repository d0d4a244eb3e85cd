"""Inference with few clusters (14 municipalities): CR1 with t on G - 1 df for the Cox model (by
hand in R from coxph's robust variance) and the discrete-time hazard model (R clubSandwich), the
wild cluster score bootstrap of Cox coefficients (by hand in R, all 2^14 sign vectors), and the
warning below 20 clusters (tests/golden/few_clusters.json from make_golden_few_clusters.R)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from conftest import GOLDEN, golden

G = golden("few_clusters.json")


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(GOLDEN / "data" / "few_clusters.csv")


def test_fewer_than_20_clusters_warn(data):
    with pytest.warns(dz.FewClustersWarning, match="only 14 clusters"):
        dz.cox(data, "months", "work", ["arm", "age"], cluster="municipality")
    with pytest.warns(dz.FewClustersWarning, match="only 14 clusters"):
        dz.discrete_hazard(data, "months", "work", ["arm", "age"], cluster="municipality")
    many = data.assign(person=np.arange(len(data)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", dz.FewClustersWarning)
        dz.cox(many, "months", "work", ["arm", "age"], cluster="person")


def test_cox_cr1_with_t_is_the_hand_computation(data):
    with pytest.warns(dz.FewClustersWarning):
        fit = dz.cox(data, "months", "work", ["arm", "age"], cluster="municipality")
    s = fit.small_sample_summary()
    want = G["cox_cr1"]
    for col in ("coef", "se", "t", "p_value", "lower", "upper"):
        np.testing.assert_allclose(s[col].to_numpy(), want[col], rtol=1e-6, err_msg=col)
    assert (s["df"] == G["n_clusters"] - 1).all()
    # wider than the plain robust interval
    assert (s["upper"] - s["lower"] > fit.summary["upper"] - fit.summary["lower"]).all()


def test_cox_wild_cluster_bootstrap_is_the_hand_computation(data):
    with pytest.warns(dz.FewClustersWarning):
        fit = dz.cox(data, "months", "work", ["arm", "age"], cluster="municipality")
    wb = fit.wild_bootstrap(n_resamples=20000)
    for want in G["cox_wild"]:
        row = wb.loc[want["term"]]
        assert row["statistic"] == pytest.approx(want["statistic"], rel=1e-6)
        assert row["p_value"] == pytest.approx(want["p_value"], abs=1e-12)  # every sign vector: exact
        assert row["n_draws"] == want["n_draws"] == 2**14
    # sampled sign vectors (fewer draws than 2^G), reproducible by seed, close to the exact p-value
    a = fit.wild_bootstrap(["arm"], n_resamples=4000, seed=3)
    b = fit.wild_bootstrap(["arm"], n_resamples=4000, seed=3)
    assert a.equals(b) and a.loc["arm", "n_draws"] == 4000
    assert abs(a.loc["arm", "p_value"] - wb.loc["arm", "p_value"]) < 4 * np.sqrt(0.27 * 0.73 / 4000)
    webb = fit.wild_bootstrap(["arm"], weights="webb", n_resamples=4000, seed=3)
    assert 0 < webb.loc["arm", "p_value"] < 1


def test_discrete_hazard_cr1_is_clubsandwichs(data):
    with pytest.warns(dz.FewClustersWarning):
        fit = dz.discrete_hazard(data, "months", "work", ["arm", "age"], cluster="municipality")
    s = fit.small_sample_summary().loc[["arm", "age"]]
    want = G["discrete_cr1"]
    np.testing.assert_allclose(s["coef"].to_numpy(), want["coef"], rtol=1e-6)
    np.testing.assert_allclose(s["se"].to_numpy(), want["se"], rtol=1e-6)
    np.testing.assert_allclose(s["t"].to_numpy(), want["t"], rtol=1e-6)
    np.testing.assert_allclose(s["df"].to_numpy(), want["df"])
    np.testing.assert_allclose(s["p_value"].to_numpy(), want["p_value"], rtol=1e-6)


def test_small_sample_needs_clusters(data):
    fit = dz.cox(data, "months", "work", ["arm", "age"])
    with pytest.raises(dz.InputError, match="cluster="):
        fit.small_sample_summary()
    with pytest.raises(dz.InputError, match="cluster="):
        fit.wild_bootstrap()


def test_iptw_cox_with_clusters_is_the_weighted_cox_model_with_them(data):
    """The IPTW Cox model with cluster= is dz.cox on the IPTW weights with the same clusters (the
    golden cox cluster variance is R's), and takes CR1 for few clusters."""
    d = data.assign(age_band=(data["age"] > 40).astype(int))
    iw = dz.iptw(d, "arm", ["age_band"])
    with pytest.warns(dz.FewClustersWarning):
        fit = dz.iptw_cox(d, "months", "work", "arm", ["age_band"], cluster="municipality")
    with pytest.warns(dz.FewClustersWarning):
        ref = dz.cox(d.assign(w=iw.weights.to_numpy()), "months", "work", ["arm"], weights="w", cluster="municipality")
    np.testing.assert_allclose(fit.coef.to_numpy(), ref.coef.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(fit.var.to_numpy(), ref.var.to_numpy(), rtol=1e-10)
    assert fit.small_sample_summary()["df"].iloc[0] == 13


@pytest.mark.parametrize("link", ["logit", "cloglog"])
def test_discrete_hazard_cr2_with_satterthwaite_is_clubsandwichs(data, link):
    with pytest.warns(dz.FewClustersWarning):
        fit = dz.discrete_hazard(data, "months", "work", ["arm", "age"], cluster="municipality", link=link)
    s = fit.small_sample_summary("CR2")
    want = G["discrete_cr2" if link == "logit" else "discrete_cr2_cloglog"]
    assert len(s) == len(want["terms"])  # every period and both covariates, in R's order
    np.testing.assert_allclose(s["coef"].to_numpy(), want["coef"], rtol=1e-6)
    np.testing.assert_allclose(s["se"].to_numpy(), want["se"], rtol=1e-6)
    np.testing.assert_allclose(s["t"].to_numpy(), want["t"], rtol=1e-6)
    np.testing.assert_allclose(s["df"].to_numpy(), want["df"], rtol=1e-6)
    np.testing.assert_allclose(s["p_value"].to_numpy(), want["p_value"], rtol=1e-6)
    # CR2 is not CR1: larger standard errors and fewer degrees of freedom than G - 1 here
    c1 = fit.small_sample_summary("CR1")
    assert (s["df"] < G["n_clusters"] - 1).all() and not np.allclose(s["se"], c1["se"], rtol=1e-3)


@pytest.mark.parametrize("link", ["logit", "cloglog"])
def test_discrete_hazard_cr2_of_large_clusters_by_quadrature(data, link, monkeypatch):
    """Clusters above CR2_EXACT_ROWS person-periods take the integral of the inverse square root
    instead of the n_g x n_g eigen-decomposition: forced on every cluster here, the same numbers
    as the eigen-decomposition (to 1e-9) and as clubSandwich."""
    import importlib

    parametric = importlib.import_module("duurzaam.parametric")
    with pytest.warns(dz.FewClustersWarning):
        fit = dz.discrete_hazard(data, "months", "work", ["arm", "age"], cluster="municipality", link=link)
    exact = fit.small_sample_summary("CR2")
    monkeypatch.setattr(parametric, "CR2_EXACT_ROWS", 10)
    quad = fit.small_sample_summary("CR2")
    for col in ("se", "df", "t", "p_value", "lower", "upper"):
        np.testing.assert_allclose(quad[col].to_numpy(), exact[col].to_numpy(), rtol=1e-9, err_msg=col)
    want = G["discrete_cr2" if link == "logit" else "discrete_cr2_cloglog"]
    np.testing.assert_allclose(quad["se"].to_numpy(), want["se"], rtol=1e-6)
    np.testing.assert_allclose(quad["df"].to_numpy(), want["df"], rtol=1e-6)


@pytest.mark.parametrize("link", ["logit", "cloglog"])
def test_discrete_hazard_cr2_leverage_one_in_a_large_cluster(monkeypatch, link):
    """A period in which only one cluster is still at risk is determined by that cluster alone
    (a leverage of 1): its direction gets 0 (clubSandwich's pseudo-inverse), by the
    eigen-decomposition and by the quadrature alike (forced on every cluster), also for a
    covariate that varies within one cluster alone."""
    import importlib

    parametric = importlib.import_module("duurzaam.parametric")
    rng = np.random.default_rng(4)
    n = 600
    town = rng.integers(0, 6, n)
    months = rng.integers(1, 9, n)
    months[town == 0] = rng.integers(1, 11, (town == 0).sum())  # months 9 and 10 in town 0 only
    months[np.flatnonzero(town == 0)[:3]] = 10
    d = pd.DataFrame({"months": months, "work": rng.integers(0, 2, n), "x": rng.normal(size=n), "town": town})
    d["z"] = np.where(town == 2, rng.normal(size=n), 0.0)
    for cov in (["x"], ["x", "z"]):
        with pytest.warns(dz.FewClustersWarning):
            fit = dz.discrete_hazard(d, "months", "work", cov, cluster="town", link=link)
        monkeypatch.setattr(parametric, "CR2_EXACT_ROWS", 1_500)
        exact = fit.small_sample_summary("CR2")
        monkeypatch.setattr(parametric, "CR2_EXACT_ROWS", 10)
        quad = fit.small_sample_summary("CR2")
        for col in ("se", "df"):
            np.testing.assert_allclose(quad[col].to_numpy(), exact[col].to_numpy(), rtol=1e-9, err_msg=f"{cov} {col}")
        assert np.isfinite(exact.loc["x", ["se", "df"]].to_numpy(dtype=float)).all()

