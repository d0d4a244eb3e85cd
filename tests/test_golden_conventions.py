"""R's conventions where users meet them (tests/golden/conventions.json from
tests/golden/make_golden_conventions.R): survfit's default variance with case weights, for S(t)
and the cumulative hazard, and cmprsk's cumulative incidence after a group's last follow-up."""

from __future__ import annotations

import numpy as np
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
