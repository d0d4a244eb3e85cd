"""The discrete-time hazard model with a random intercept per municipality
(``discrete_hazard(frailty=)``) against lme4::glmer with 25-point adaptive Gauss-Hermite
quadrature at the optimum of its own deviance (tests/golden/glmm.json from
tests/golden/make_golden_glmm.R)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from conftest import GOLDEN, golden
from duurzaam.errors import InputError

G = golden("glmm.json")


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(GOLDEN / "data" / "few_clusters.csv")


@pytest.mark.parametrize("name", ["logit_period", "cloglog_period"])
def test_random_intercept_is_glmer_at_its_optimum(data, name):
    want = G[name]
    fit = dz.discrete_hazard(data, "months", "work", ["arm", "age"], link=name.split("_")[0],
                             frailty="municipality")
    assert fit.converged
    np.testing.assert_allclose(fit.coef.to_numpy(), want["coef"], rtol=1e-5)
    np.testing.assert_allclose(fit.frailty_variance, want["variance"], rtol=1e-5)
    # lme4's variance comes from a finite-difference Hessian of its deviance
    np.testing.assert_allclose(np.sqrt(np.diag(fit.var.to_numpy())), want["se"], rtol=1e-4)
    se_sigma = fit.frailty_variance_se / (2 * np.sqrt(fit.frailty_variance))
    np.testing.assert_allclose(se_sigma, want["se_sigma"], rtol=1e-4)
    np.testing.assert_allclose(-2 * fit.loglik, want["deviance"], rtol=1e-10)
    np.testing.assert_allclose(fit.frailties.to_numpy(), want["modes"], rtol=1e-4, atol=1e-6)
    assert list(fit.frailties.index) == sorted(data["municipality"].unique())
    # and glmer's own answer stops short of that optimum, as the docs say
    assert np.max(np.abs(np.asarray(want["glmer_coef"]) - want["coef"])) > 1e-7


def test_the_quadrature_converges_in_the_number_of_nodes(data):
    kw = dict(frailty="municipality")
    f = {k: dz.discrete_hazard(data, "months", "work", ["arm", "age"], n_quadrature=k, **kw) for k in (5, 9, 25, 40)}
    gap = [abs(f[k].frailty_variance / f[40].frailty_variance - 1) for k in (5, 9, 25)]
    assert gap[0] > gap[1] > gap[2] and gap[2] < 1e-8


def test_without_clustering_the_variance_runs_to_zero():
    rng = np.random.default_rng(4)
    n = 600
    d = pd.DataFrame({"months": rng.integers(1, 13, n), "work": rng.integers(0, 2, n), "x": rng.normal(size=n),
                      "town": rng.integers(0, 10, n)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dz.ConvergenceWarning)
        f = dz.discrete_hazard(d, "months", "work", ["x"], frailty="town", baseline="poly")
    assert f.frailty_variance < 0.05


def test_bad_input(data):
    with pytest.raises(InputError, match="cluster and frailty"):
        dz.discrete_hazard(data, "months", "work", ["arm"], frailty="municipality", cluster="municipality")
    with pytest.raises(InputError, match="n_quadrature"):
        dz.discrete_hazard(data, "months", "work", ["arm"], frailty="municipality", n_quadrature=1)
    with pytest.raises(InputError, match="two clusters"):
        dz.discrete_hazard(data.assign(one=1), "months", "work", ["arm"], frailty="one")
    with pytest.raises(InputError, match="nope"):
        dz.discrete_hazard(data, "months", "work", ["arm"], frailty="nope")
