"""dz.cox against R's coxph (tests/golden/cox.json, written by make_golden_cox.R).

Iterative fits agree to 1e-6 relative: coefficients, variances, log-likelihoods, the three tests,
residuals of every type, the baseline hazard and predicted survival.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from conftest import arr, assert_close, golden, load_dataset

COX = golden("cox.json")
CASES = {c["name"]: c for c in COX["cases"]}
RTOL = 1e-6


def covariates(case):
    """R's formula terms as a formulaic right-hand side (factor(x) -> C(x)), or the column list."""
    cov = case["covariates"]
    if any("factor(" in c for c in cov):
        return " + ".join(c.replace("factor(", "C(") for c in cov)
    return cov


def fit(case, data=None):
    data = load_dataset(case["dataset"]) if data is None else data
    return dz.cox(data, case["duration"], case["event"], covariates(case), entry=case["entry"],
                  strata=case["strata"], weights=case["weights"], cluster=case["cluster"], robust=case["robust"],
                  ties=case["ties"], offset=case["offset"])


def close(actual, expected, what, atol=1e-9):
    assert_close(actual, expected, rtol=RTOL, atol=atol, what=what)


@pytest.mark.parametrize("name", sorted(CASES))
def test_coefficients_variance_and_tests(name):
    case = CASES[name]
    f = fit(case)
    p = case["df"]
    close(f.coef, arr(case["coef"]), "coef")
    close(f.var.to_numpy(), arr(case["var"]).reshape(p, p), "var", atol=1e-12)
    if "naive_var" in case:
        close(f.naive_var.to_numpy(), arr(case["naive_var"]).reshape(p, p), "naive_var", atol=1e-12)
        close(f.summary["robust_se"], np.sqrt(np.diag(arr(case["var"]).reshape(p, p))), "robust_se")
    close(f.loglik, arr(case["loglik"]), "loglik")
    close(f.lr_test.statistic, case["lr_test"], "lr")
    close(f.wald_test.statistic, case["wald_test"], "wald")
    close(f.score_test.statistic, case["score_test"], "score")
    close(f.means, arr(case["means"]), "means")
    assert f.converged and not f.infinite_terms


@pytest.mark.parametrize("name", sorted(CASES))
def test_concordance(name):
    case = CASES[name]
    f = fit(case)
    c = f.concordance_detail
    got = [c.concordant, c.discordant, c.tied_x, c.tied_y, c.tied_xy, c.concordance, c.std_err]
    close(got, arr(case["concordance"]), "concordance", atol=1e-10)
    assert f.concordance == c.concordance


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("kind", ["martingale", "deviance", "score", "dfbeta", "schoenfeld", "scaledsch"])
def test_residuals(name, kind):
    case = CASES[name]
    f = fit(case)
    got = f.residuals(kind)
    want = arr(case[kind]).reshape(got.shape)
    close(got, want, kind, atol=1e-8)


@pytest.mark.parametrize("name", sorted(CASES))
def test_baseline_cumulative_hazard(name):
    case = CASES[name]
    f = fit(case)
    bh = f.baseline_cumhaz()
    want = case["basehaz"]
    close(bh["time"], arr(want["time"]), "time")
    close(bh["cumhaz"], arr(want["hazard"]), "cumhaz", atol=1e-12)
    if case["strata"]:
        assert [str(s) for s in bh[case["strata"]]] == [s.split("=")[-1] for s in want["strata"]]


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if "predict" in c])
def test_predicted_survival(name):
    case = CASES[name]
    f = fit(case)
    pr = case["predict"]
    newdata = pd.DataFrame(pr["newdata"])
    got = f.predict_survival(newdata, pr["times"])
    # R: summary(survfit(fit, newdata), times): rows = times, columns = newdata rows.
    close(got.to_numpy(), arr(pr["surv"]).reshape(len(pr["times"]), len(newdata)).T, "survival")


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("transform", ["km", "identity"])
def test_ph_test_against_cox_zph(name, transform):
    case = CASES[name]
    f = fit(case)
    got = f.ph_test(transform)
    want = case[f"zph_{transform}"]
    assert len(got) == len(want["chisq"]) and got.index[-1] == "GLOBAL"
    close(got["chisq"], arr(want["chisq"]), "chisq")
    close(got["df"], arr(want["df"]), "df")
    close(got["p_value"], arr(want["p"]), "p")
