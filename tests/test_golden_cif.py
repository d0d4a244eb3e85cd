"""dz.cumulative_incidence against R's survfit on a competing-risks outcome (tests/golden/cif.json
from make_golden_cif.R): mgus2 (progression vs death) and a generated employment cohort (work vs
other exits) with weights and delayed entry; incidence, IJ standard error and log intervals."""

from __future__ import annotations

import numpy as np
import pytest

import duurzaam as dz
from conftest import arr, assert_close, golden, load_dataset

CIF = golden("cif.json")
CASES = {c["name"]: c for c in CIF["cases"]}


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_r_survfit_multistate(name):
    case = CASES[name]
    data = load_dataset(case["dataset"])
    ci = dz.cumulative_incidence(data, case["duration"], case["event"], group=case["group"], entry=case["entry"],
                                 weights=case["weights"])
    t = ci.table
    k = case["k"]
    groups = np.asarray(case["group_of_row"], dtype=str)
    cif, se = arr(case["cif"]).reshape(-1, k), arr(case["std_err"]).reshape(-1, k)
    lo, hi = arr(case["lower"]).reshape(-1, k), arr(case["upper"]).reshape(-1, k)
    for g in dict.fromkeys(groups):
        rows = groups == g
        for c in range(1, k + 1):
            part = t[t["cause"] == c] if case["group"] is None else t[(t["cause"] == c) & (t[case["group"]].astype(str) == g)]
            assert_close(part["time"], arr(case["time"])[rows], what="time")
            if case["weights"] is None:  # R's multi-state n.risk counts rows; ours sums weights, as KM
                assert_close(part["n_risk"], arr(case["n_risk"])[rows], what="n_risk")
            assert_close(part["cif"], cif[rows, c - 1], what=f"cif {c}")
            assert_close(part["std_err"], se[rows, c - 1], atol=1e-12, what=f"se {c}")
            # R gives NA where the incidence is 0; so do we
            assert_close(part["lower"], lo[rows, c - 1], what=f"lower {c}")
            assert_close(part["upper"], hi[rows, c - 1], what=f"upper {c}")


def test_bad_causes():
    d = {"t": [1.0, 2.0, 3.0], "e": [0, 1, 3]}
    with pytest.raises(ValueError, match="cause 2 has no events"):
        dz.cumulative_incidence(d, "t", "e")
    with pytest.raises(ValueError, match=r"column 'e': cause is not a whole number.*row 1"):
        dz.cumulative_incidence({"t": [1.0, 2.0], "e": [0, 1.5]}, "t", "e")


@pytest.mark.parametrize("case", golden("cause_specific.json")["cause_specific"], ids=lambda c: f"cause{c['cause']}")
def test_cause_specific_cox_against_r(case):
    d = load_dataset("gen_compete")
    f = dz.cause_specific_cox(d, "months", "status", "C(arm) + w", cause=case["cause"])
    assert_close(f.coef, arr(case["coef"]), rtol=1e-6, what="coef")
    assert_close(f.var.to_numpy(), arr(case["var"]).reshape(3, 3), rtol=1e-6, what="var")
    assert_close(f.loglik, arr(case["loglik"]), rtol=1e-8, what="loglik")


def test_bootstrap_of_the_incidence_is_reproducible_and_centred():
    d = load_dataset("gen_compete")
    a = dz.bootstrap(dz.cumulative_incidence, d, "months", "status", group="arm", times=[6, 12], n_resamples=200,
                     scheme="stratified", strata="arm", seed=3, n_jobs=1, progress=False)
    b = dz.bootstrap(dz.cumulative_incidence, d, "months", "status", group="arm", times=[6, 12], n_resamples=200,
                     scheme="stratified", strata="arm", seed=3, n_jobs=2, progress=False)
    assert a.replicates.to_numpy().tobytes() == b.replicates.to_numpy().tobytes()
    ci = dz.cumulative_incidence(d, "months", "status", group="arm").at([6, 12])
    np.testing.assert_allclose(a.estimate.to_numpy(), ci["cif"].to_numpy(), rtol=1e-12)
    s = a.summary
    assert ((s["lower"] <= s["estimate"]) & (s["estimate"] <= s["upper"])).all()
