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
