"""dz.discrete_hazard against a binomial glm in R on the expanded person-period data
(tests/golden/discrete.json from make_golden_discrete.R): coefficients, variances (model-based
and cluster-robust sandwich), log-likelihood and the number of person-periods."""

from __future__ import annotations

import numpy as np
import pytest

import duurzaam as dz
from conftest import arr, assert_close, golden, load_dataset

DISC = golden("discrete.json")
CASES = {c["name"]: c for c in DISC["cases"]}


def fit(case):
    d = load_dataset("gen_discrete")
    return dz.discrete_hazard(d, "months", "job", ["arm", "age"], entry="entry", link=case["link"],
                              baseline="period" if case["degree"] is None else "poly",
                              degree=case["degree"] or 3, weights="w" if case["weights"] else None,
                              cluster="muni" if case["cluster"] else None)


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_r_glm(name):
    case = CASES[name]
    f = fit(case)
    q = len(f.terms)
    assert f.person_periods == case["person_periods"]
    assert_close(f.coef, arr(case["coef"]), rtol=1e-6, atol=1e-9, what="coef")
    assert_close(f.naive_var.to_numpy(), arr(case["var"]).reshape(q, q), rtol=1e-6, atol=1e-12, what="var")
    assert_close(f.loglik, case["loglik"], rtol=1e-8, what="loglik")
    if case["cluster"]:
        assert_close(f.var.to_numpy(), arr(case["robust_var"]).reshape(q, q), rtol=1e-6, atol=1e-12, what="robust")


def test_empty_period_is_an_error_and_predictions():
    d = load_dataset("gen_discrete")
    d2 = d[~((d.months == 3) & (d.job == 1))]
    with pytest.raises(ValueError, match="period 3"):
        dz.discrete_hazard(d2, "months", "job", ["arm"])
    f = dz.discrete_hazard(d, "months", "job", ["arm", "age"], link="cloglog", baseline="poly")
    s = f.predict_survival(d.head(2), [1, 6, 12])
    assert s.shape == (2, 3) and (np.diff(s.to_numpy(), axis=1) < 0).all()
    bad = d.assign(months=d.months.astype(float))
    bad.loc[4, "months"] = 2.5
    with pytest.raises(ValueError, match=r"column 'months'.*row 4"):
        dz.discrete_hazard(bad, "months", "job", ["arm"])
