"""Cox models with a shared frailty per municipality against R's coxph(... + frailty())
(tests/golden/frailty.json from make_golden_frailty.R): gamma at the maximum of R's marginal
likelihood c.loglik (profiled in R), at a fixed variance, and gaussian by R's REML."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from conftest import GOLDEN, golden

G = golden("frailty.json")


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(GOLDEN / "data" / "few_clusters.csv")


def _check(fit, want, coef_rtol=1e-5):
    np.testing.assert_allclose(fit.coef.to_numpy(), want["coef"], rtol=coef_rtol)
    np.testing.assert_allclose(fit.summary["se"].to_numpy(), want["se"], rtol=1e-4)
    np.testing.assert_allclose(fit.summary["se2"].to_numpy(), want["se2"], rtol=1e-4)
    np.testing.assert_allclose(fit.frailties.to_numpy(), want["frailties"], atol=1e-5)
    assert fit.loglik[1] == pytest.approx(want["loglik"][1], rel=1e-8)


def test_gamma_frailty_at_the_maximum_of_rs_marginal_likelihood(data):
    fit = dz.cox(data, "months", "work", ["arm", "age"], frailty="municipality")
    want = G["gamma"]
    assert fit.frailty_variance == pytest.approx(want["theta"], rel=1e-4)
    _check(fit, want)
    assert list(fit.frailties.index) == sorted(data["municipality"].unique())
    # R's own outer iteration stops short: its default answer is another variance
    assert abs(G["gamma_r_default_theta"] - fit.frailty_variance) > 0.05
    assert G["gamma_r_tight_theta"] == pytest.approx(fit.frailty_variance, rel=1e-3)


def test_gamma_frailty_at_a_fixed_variance(data):
    fit = dz.cox(data, "months", "work", ["arm", "age"], frailty="municipality", frailty_variance=0.5)
    assert fit.frailty_variance == 0.5
    _check(fit, G["gamma_fixed"], coef_rtol=1e-6)
    # log-frailties recentred as R: mean(exp(w)) = 1
    assert np.mean(np.exp(fit.frailties)) == pytest.approx(1.0, abs=1e-12)


def test_gaussian_frailty_by_reml(data):
    fit = dz.cox(data, "months", "work", ["arm", "age"], frailty="municipality", frailty_dist="gaussian")
    want = G["gaussian"]
    assert fit.frailty_variance == pytest.approx(want["theta"], rel=1e-6)
    _check(fit, want)


def test_frailty_model_reads_and_refuses_what_it_cannot_do(data):
    fit = dz.cox(data, "months", "work", ["arm", "age"], frailty="municipality")
    assert "frailty: gamma, variance 0.2594 over 14 municipality clusters" in repr(fit)
    with pytest.raises(dz.InputError, match="frailty"):
        fit.predict_survival(data.head(2), [6])
    with pytest.raises(dz.InputError, match="cluster="):
        dz.cox(data, "months", "work", ["arm"], frailty="municipality", cluster="municipality")
    with pytest.raises(dz.InputError, match="frailty_dist"):
        dz.cox(data, "months", "work", ["arm"], frailty="municipality", frailty_dist="lognormal")
    with pytest.raises(dz.InputError, match="frailty_variance"):
        dz.cox(data, "months", "work", ["arm"], frailty="municipality", frailty_variance=-1)


@pytest.mark.parametrize("dist", ["gamma", "gaussian"])
def test_the_sparse_path_gives_the_same_model(data, monkeypatch, dist):
    """Register scale (350 municipalities) runs on the core's sparse derivatives (the frailty
    indicators never built, the Newton step through the Schur complement): forced here on the
    golden data, it gives R's answer too."""
    import duurzaam._frailty as fr

    monkeypatch.setattr(fr, "_DENSE_LIMIT", 0)
    fit = dz.cox(data, "months", "work", ["arm", "age"], frailty="municipality", frailty_dist=dist)
    want = G[dist]
    assert fit.frailty_variance == pytest.approx(want["theta"], rel=1e-4 if dist == "gamma" else 1e-6)
    _check(fit, want)


def test_sparse_derivatives_equal_the_dense_design():
    from duurzaam import _core

    rng = np.random.default_rng(3)
    n, p, G_ = 300, 3, 7
    x = rng.normal(size=(n, p))
    g = rng.integers(0, G_, n).astype(np.uint32)
    exit_ = np.ceil(rng.exponential(10, n))
    entry = np.where(rng.random(n) < 0.3, np.floor((exit_ - 1) * rng.random(n)), 0.0)
    ev = (rng.random(n) < 0.7).astype(np.int64)
    wt = rng.uniform(0.5, 2, n)
    st = rng.integers(0, 2, n).astype(np.uint32)
    beta, w = rng.normal(size=p) * 0.3, rng.normal(size=G_) * 0.4
    X = np.ascontiguousarray(np.hstack([x, np.eye(G_)[g]]))
    for ties in ("efron", "breslow"):
        kw = dict(entry=entry, weight=wt, strata=st, n_strata=2, ties=ties)
        d = _core.cox_evaluate(exit_, ev, X, list(beta) + list(w), **kw)
        f = _core.cox_frailty_eval(exit_, ev, np.ascontiguousarray(x), g, G_, list(beta), list(w), **kw)
        info = d["info"].reshape(p + G_, p + G_)
        assert d["loglik"] == pytest.approx(f["loglik"], rel=1e-12)
        np.testing.assert_allclose(f["u_w"], d["score"][p:], atol=1e-11)
        np.testing.assert_allclose(f["i_bw"].reshape(p, G_), info[:p, p:], atol=1e-11)
        np.testing.assert_allclose(f["i_ww"], np.diag(info[p:, p:]), atol=1e-11)
