"""Kaplan-Meier and Nelson-Aalen against R survival (golden values of tests/golden/km.json).

Each case names its R call in tests/golden/make_golden.R. Agreement: 1e-8 relative on every column.
"""

from __future__ import annotations

import numpy as np
import pytest

import duurzaam as dz
from conftest import arr, assert_close, golden, load_dataset

KM = golden("km.json")
CASES = {c["name"]: c for c in KM["cases"]}


def fit(case, backend=lambda d: d):
    data = backend(load_dataset(case["dataset"]))
    return dz.kaplan_meier(
        data, case["duration"], case["event"], group=case["group"], entry=case["entry"],
        weights=case["weights"], robust=case["robust"], conf_type=case["conf_type"], cluster=case.get("cluster"),
    )


def group_labels(km, n_rows_per_group=None):
    t = km.table
    return t[km.group].astype(str).to_numpy() if km.group else np.array([""] * len(t))


@pytest.mark.parametrize("name", sorted(CASES))
def test_table_against_r_survfit(name):
    case = CASES[name]
    km = fit(case)
    t = km.table
    want = case["table"]
    assert list(group_labels(km)) == list(np.atleast_1d(want["group"]))
    for col in ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"):
        assert_close(t[col], arr(want[col]), what=f"{name}.{col}")


# The robust std.chaz is checked in test_golden_conventions.py.
@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if not c["robust"]))
def test_nelson_aalen_against_r_survfit(name):
    case = CASES[name]
    data = load_dataset(case["dataset"])
    na = dz.nelson_aalen(data, case["duration"], case["event"], group=case["group"], entry=case["entry"],
                         weights=case["weights"], robust=case["robust"])  # R's call states robust
    want = case["cumhaz"]
    assert_close(na.table["time"], arr(want["time"]), what=f"{name}.time")
    assert_close(na.table["cumhaz"], arr(want["cumhaz"]), what=f"{name}.cumhaz")
    assert_close(na.table["std_err"], arr(want["std_err"]), what=f"{name}.std_err")


@pytest.mark.parametrize("name", sorted(CASES))
def test_quantiles_against_r_quantile_survfit(name):
    case = CASES[name]
    km = fit(case)
    q = case["quantile"]
    probs = q["probs"]
    got = km.quantile(probs)
    n_groups = len(km.levels)
    for col, key in (("time", "time"), ("lower", "lower"), ("upper", "upper")):
        want = arr(q[key]).reshape(n_groups, len(probs))
        assert_close(got[col].to_numpy().reshape(n_groups, len(probs)), want, what=f"{name}.quantile.{col}")
    med = km.median()
    assert_close(med["median"], arr(q["time"]).reshape(n_groups, len(probs))[:, 1], what=f"{name}.median")


@pytest.mark.parametrize("name", sorted(CASES))
def test_survival_at_against_r_summary_times(name):
    case = CASES[name]
    km = fit(case)
    want = case["survival_at"]
    got = km.survival_at(want["times"])
    labels = got[km.group].astype(str).to_numpy() if km.group else np.array([""] * len(got))
    # R drops the times after a curve's last time (extend = FALSE); ours are NaN there.
    key_r = list(zip(np.atleast_1d(want["group"]), arr(want["time"])))
    key_ours = list(zip(labels, got["time"]))
    keep = np.array([k in set(key_r) for k in key_ours])
    assert np.isnan(got.loc[~keep, "survival"]).all()
    sub = got[keep]
    assert len(sub) == len(key_r)
    for col in ("survival", "std_err", "lower", "upper"):
        assert_close(sub[col], arr(want[col]), what=f"{name}.survival_at.{col}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_rmst_against_r_print_rmean(name):
    case = CASES[name]
    km = fit(case)
    want = case["rmst"]
    got = km.rmst(want["tau"])
    assert_close(got["rmst"], arr(want["rmst"]), what=f"{name}.rmst")
    assert_close(got["std_err"], arr(want["std_err"]), what=f"{name}.rmst.se")


@pytest.mark.parametrize("name", ["rossi_fin", "entry_weighted_robust"])
def test_backends_agree(name, backend):
    case = CASES[name]
    base = fit(case).table
    other = fit(case, backend).table
    assert_close(other["survival"], base["survival"], rtol=0, atol=0)
    assert_close(other["std_err"], base["std_err"], rtol=0, atol=0)
