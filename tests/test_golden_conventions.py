"""R's conventions where users meet them (tests/golden/conventions.json from
tests/golden/make_golden_conventions.R): survfit's default variance with case weights, for S(t)
and the cumulative hazard, and cmprsk's cumulative incidence after a group's last follow-up."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from conftest import arr, assert_close, golden, load_dataset

G = golden("conventions.json")
CASES = {
    "km_weighted_default": ("gen_ties", dict(weights="w"), True),
    "km_intweights_default": ("gen_ties", dict(weights="w_int"), False),
    "km_entry_weighted_default": ("gen_entry", dict(weights="w", entry="entry"), True),
}


def data(name):
    d = load_dataset(name)
    if name == "gen_ties":
        d["w_int"] = np.round(3 * d["w"]) + 1
    return d


@pytest.mark.parametrize("name", sorted(CASES))
def test_kaplan_meier_default_variance_is_r_survfits(name):
    dataset, kw, robust = CASES[name]
    want = G[name]
    km = dz.kaplan_meier(data(dataset), "months", "employed", "arm", **kw)
    assert km.robust is robust  # the infinitesimal jackknife exactly when the weights are not whole numbers
    t = km.table
    assert list(t["arm"].astype(str)) == list(want["group"])
    for col, rcol in (("time", "time"), ("survival", "survival"), ("std_err", "std_err"), ("lower", "lower"),
                      ("upper", "upper")):
        assert_close(t[col], arr(want[rcol]), what=f"{name}.{col}")
    na = dz.nelson_aalen(data(dataset), "months", "employed", "arm", **kw).table
    assert_close(na["cumhaz"], arr(want["cumhaz"]), what=f"{name}.cumhaz")
    assert_close(na["std_err"], arr(want["std_chaz"]), what=f"{name}.std_chaz")


def test_greenwood_on_request_and_the_jackknife_differ_with_weights():
    d = data("gen_ties")
    greenwood = dz.kaplan_meier(d, "months", "employed", "arm", weights="w", robust=False).table["std_err"]
    default = dz.kaplan_meier(d, "months", "employed", "arm", weights="w").table["std_err"]
    assert np.nanmax(np.abs(greenwood - default)) > 1e-3


def test_cumulative_incidence_after_the_last_follow_up_is_missing_as_in_cmprsk():
    c = G["cif_at"]
    ci = dz.cumulative_incidence(load_dataset("gen_compete"), "months", "status", "arm", variance="cmprsk")
    at = ci.at(c["times"])
    last = dict(zip(sorted(ci.levels), c["last"]))  # R's tapply: the arms in sorted order
    for r, label in enumerate(c["rows"]):
        arm, cause = label.split()
        part = at[(at["arm"] == arm) & (at["cause"] == int(cause))]
        assert_close(part["cif"], arr(c["est"][r]), what=f"cif {label}")
        assert_close(part["std_err"] ** 2, arr(c["var"][r]), what=f"var {label}")
        assert np.isnan(part["cif"].to_numpy()[np.asarray(c["times"]) > last[arm]]).all()


def test_near_equal_times_are_one_time_as_rs_timefix():
    """Times from date arithmetic (sqrt(2)^2, 6 (1 + 1e-12)) are the times they stand for, in
    survfit, survdiff and coxph (R's timefix = TRUE); timefix=False keeps them apart."""
    t = G["timefix"]
    # the times as R made them (JSON keeps 15 digits, which would round the differences away)
    time = [1.0, 2.0, math.sqrt(2) ** 2, 3.0, 4.0, 5.0, 6.0, 6 * (1 + 1e-12), 7.0, 8.0]
    assert time[2] != 2.0 and np.allclose(time, t["time"], rtol=1e-11)
    d = pd.DataFrame({"time": time, "status": t["status"], "arm": t["arm"], "x": t["x"], "entry": t["entry"]})
    km = dz.kaplan_meier(d, "time", "status")
    assert_close(km.table["time"], arr(t["km_time"]), what="km time")
    assert_close(km.table["survival"], arr(t["km_surv"]), what="km survival")
    # survfit's std.err is on the log scale: the standard error of S is S times it
    se_r = arr(t["km_std_err"]) * arr(t["km_surv"])
    ok = np.isfinite(se_r)
    assert_close(km.table["std_err"].to_numpy()[ok], se_r[ok], what="km std_err")
    assert len(dz.kaplan_meier(d, "time", "status", timefix=False).table) == len(t["km_time"]) + 2
    assert dz.logrank(d, "time", "status", "arm").statistic == pytest.approx(t["logrank"], rel=1e-10)
    fit = dz.cox(d, "time", "status", ["x"])
    assert fit.coef.iloc[0] == pytest.approx(t["cox_coef"], rel=1e-6)
    assert fit.var.iloc[0, 0] == pytest.approx(t["cox_var"], rel=1e-6)
    assert dz.cox(d, "time", "status", ["x"], timefix=False).coef.iloc[0] == pytest.approx(t["cox_coef_nofix"], rel=1e-6)
    assert dz.cox(d, "time", "status", ["x"], entry="entry").coef.iloc[0] == pytest.approx(t["cox_entry_coef"], rel=1e-6)
    # the bootstrap sees the same times as the estimator
    bs = dz.bootstrap(dz.logrank, d, "time", "status", "arm", n_resamples=20, seed=1, progress=False)
    assert bs.estimate.iloc[0] == pytest.approx(t["logrank"], rel=1e-10)
    # an interval that would vanish is an error, not a silent drop
    bad = d.assign(entry=np.where(np.arange(len(d)) == 2, 2.0, d["entry"]))
    with pytest.raises(dz.InputError, match="row 2"):
        dz.cox(bad, "time", "status", ["x"], entry="entry")


def _check_curves(km, want, name):
    t = km.table
    assert list(t["arm"].astype(str)) == list(want["group"])
    for col in ("time", "survival", "std_err", "lower", "upper"):
        got, exp = t[col].to_numpy(float), arr(want[col])
        ok = np.isfinite(exp)
        assert (np.isfinite(got) == ok).all(), f"{name}.{col}: NaN where R has NA"
        assert_close(got[ok], exp[ok], what=f"{name}.{col}")


@pytest.mark.parametrize("conf_type", ["log", "log-log"])
def test_fleming_harrington_estimate_is_rs_stype2(conf_type):
    want = G["fleming_harrington" + ("" if conf_type == "log" else "_loglog")]
    km = dz.kaplan_meier(data("gen_ties"), "months", "employed", "arm", method="fleming-harrington",
                         conf_type=conf_type)
    # survfit's summary std.err is the standard error of S, as ours
    _check_curves(km, want, f"fh_{conf_type}")


@pytest.mark.parametrize("conf_lower", ["modified", "peto"])
@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
def test_lower_limits_are_rs_conf_lower(conf_lower, conf_type):
    want = G[f"km_lower_{conf_lower}_{conf_type}"]
    km = dz.kaplan_meier(data("gen_ties"), "months", "employed", "arm", conf_type=conf_type, conf_lower=conf_lower)
    _check_curves(km, want, f"{conf_lower}_{conf_type}")
    usual = dz.kaplan_meier(data("gen_ties"), "months", "employed", "arm", conf_type=conf_type).table
    assert np.allclose(km.table["upper"], usual["upper"], equal_nan=True)  # only the lower limit moves
