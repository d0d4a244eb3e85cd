"""Log-rank and Fleming-Harrington tests against R (tests/golden/logrank.json).

Cases with source "survdiff" are R's survdiff; "manual" cases are a direct R implementation of the
same formulas, which make_golden.R first checks against survdiff, against coxph's score test
(delayed entry) and against survdiff on repeated rows (integer weights).
"""

from __future__ import annotations

import numpy as np
import pytest

import duurzaam as dz
from conftest import arr, assert_close, golden, load_dataset

LR = golden("logrank.json")
CASES = {c["name"]: c for c in LR["cases"]}


@pytest.mark.parametrize("name", sorted(CASES))
def test_logrank_against_r(name):
    case = CASES[name]
    data = load_dataset(case["dataset"])
    lr = dz.logrank(data, case["duration"], case["event"], case["group"], strata=case["strata"],
                    entry=case["entry"], weights=case["weights"], rho=case["rho"], gamma=case["gamma"])
    assert [str(x) for x in lr.table["group"]] == case["levels"]
    assert lr.df == case["df"]
    assert_close(lr.statistic, case["statistic"], what="statistic")
    assert_close(lr.p_value, case["p_value"], what="p_value")
    assert_close(lr.table["observed"], arr(case["observed"]), what="observed")
    assert_close(lr.table["expected"], arr(case["expected"]), what="expected")
    k = len(case["levels"])
    # R stores matrices column-major; jsonlite writes them row by row.
    assert_close(lr.var.to_numpy(), arr(case["var"]).reshape(k, k), atol=1e-10, what="var")


def test_register_sized_statistic_is_not_overflowed():
    # 1e6 rows, 36 monthly times: products of counts exceed 2^31 and 2^53-scale sums appear.
    case = CASES["register_1e6"]
    assert case["statistic"] > 1e4
    data = load_dataset("register_1e6")
    lr = dz.logrank(data, "months", "employed", "arm")
    assert_close(lr.statistic, case["statistic"], what="statistic")


@pytest.mark.parametrize("name", ["veteran_celltype_strata", "entry_weighted_peto"])
def test_backends_agree(name, backend):
    case = CASES[name]
    data = load_dataset(case["dataset"])
    kw = dict(strata=case["strata"], entry=case["entry"], weights=case["weights"], rho=case["rho"], gamma=case["gamma"])
    a = dz.logrank(data, case["duration"], case["event"], case["group"], **kw)
    b = dz.logrank(backend(data), case["duration"], case["event"], case["group"], **kw)
    assert a.statistic == b.statistic
    assert list(a.table["group"]) == list(b.table["group"])


def test_core_rejects_mismatched_curve_arrays():
    from duurzaam import _core

    one, two = np.ones(1), np.ones(2)
    with pytest.raises(ValueError):
        _core.km_quantile(one, two, one, one, 0.5)
    with pytest.raises(ValueError):
        _core.km_rmst(np.ones(0), np.ones(0), np.ones(0), np.ones(0), 1.0)
