"""The exact partial likelihood (``cox(ties="exact")``) and the Fleming-Harrington hazard with
ties (``ctype=2``) against R (tests/golden/exact.json from tests/golden/make_golden_exact.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from conftest import arr, assert_close, golden, load_dataset
from duurzaam.errors import InputError

G = golden("exact.json")


def ties_data() -> pd.DataFrame:
    d = load_dataset("gen_ties")
    d["off"] = 0.1 * (np.arange(1, len(d) + 1) % 5)
    d["w_int"] = np.round(3 * d["w"]) + 1
    return d


def entry60() -> pd.DataFrame:
    d = load_dataset("gen_entry").iloc[:60].copy()
    d["m"] = np.ceil(d["months"])
    d["en"] = np.floor(d["entry"])
    return d


def lung() -> pd.DataFrame:
    d = load_dataset("lung")
    return d.dropna(subset=["time", "status", "age", "ph.ecog", "sex"]).reset_index(drop=True)


FITS = {
    "ties": lambda: dz.cox(ties_data(), "months", "employed", "arm + region", ties="exact"),
    "ties_strata": lambda: dz.cox(ties_data(), "months", "employed", "arm", strata="region", ties="exact"),
    "ties_offset": lambda: dz.cox(ties_data(), "months", "employed", "arm", offset="off", ties="exact"),
    "entry": lambda: dz.cox(entry60(), "m", "employed", "arm + w", entry="en", ties="exact"),
    "lung": lambda: dz.cox(lung(), "time", "status", "age + ph.ecog + sex", ties="exact"),
    "lung_counting": lambda: dz.cox(lung().assign(zero=0.0), "time", "status", "age + ph.ecog + sex", entry="zero",
                                    ties="exact"),
}


@pytest.mark.parametrize("name", sorted(FITS))
def test_exact_partial_likelihood_is_rs(name):
    want = G[name]
    f = FITS[name]()
    assert_close(f.coef, arr(want["coef"]), rtol=1e-6, what=f"{name}.coef")
    assert_close(f.naive_var.to_numpy().ravel(), arr(want["var"]).ravel(), rtol=1e-6, what=f"{name}.var")
    assert_close(f.loglik, arr(want["loglik"]), rtol=1e-10, what=f"{name}.loglik")
    assert_close(f.residuals("martingale"), arr(want["residuals"]), rtol=1e-6, atol=1e-9, what=f"{name}.martingale")


def test_exact_differs_from_efron_where_events_are_tied():
    f = FITS["ties"]()
    assert_close(f.score_test.statistic, G["ties"]["sctest"], rtol=1e-10, what="score test at 0")
    # with up to 60 events a month the three likelihoods differ: the test can tell them apart
    efron = arr(G["ties"]["efron_coef"])
    assert np.max(np.abs(f.coef.to_numpy() - efron)) > 1e-3
    assert_close(dz.cox(ties_data(), "months", "employed", "arm + region").coef, efron, rtol=1e-6)


def test_book_example_at_zero_and_after_one_step():
    b = G["book7"]
    d = pd.DataFrame({"time": b["time"], "status": b["status"], "x": b["x"]})
    with pytest.warns(dz.ConvergenceWarning):  # stopped on purpose, as R's iter = 0 and 1
        f0 = dz.cox(d, "time", "status", "x", ties="exact", max_iter=0)
    assert_close(f0.loglik[0], b["loglik0"], rtol=1e-12)
    assert_close(f0.naive_var.iloc[0, 0], b["var0"], rtol=1e-12)
    with pytest.warns(dz.ConvergenceWarning):
        f1 = dz.cox(d, "time", "status", "x", ties="exact", max_iter=1)
    assert_close(f1.coef.iloc[0], b["coef1"], rtol=1e-10)
    assert_close(f1.loglik[1], b["loglik1"], rtol=1e-10)


def test_prediction_and_ph_test_of_an_exact_fit_are_rs():
    want = G["ties"]
    f = FITS["ties"]()
    p = want["pred"]
    times = arr(p["time"])
    got = f.predict_survival(pd.DataFrame({"arm": [p["arm"]], "region": [p["region"]]}), times)
    assert_close(got.to_numpy().ravel(), arr(p["surv"]), rtol=1e-6, what="predicted survival")
    z = f.ph_test()
    assert_close(z["chisq"], arr(want["zph"]["chisq"]), rtol=1e-6, what="zph chisq")
    assert_close(z["p_value"], arr(want["zph"]["p"]), rtol=1e-6, what="zph p")


def test_exact_refuses_what_r_refuses():
    d = ties_data()
    with pytest.raises(InputError, match="weights"):
        dz.cox(d, "months", "employed", "arm", weights="w_int", ties="exact")
    with pytest.raises(InputError, match="robust"):
        dz.cox(d, "months", "employed", "arm", cluster="cl", ties="exact")
    with pytest.raises(InputError, match="frailty"):
        dz.cox(d, "months", "employed", "arm", frailty="cl", ties="exact")
    f = FITS["ties"]()
    for kind in ("score", "schoenfeld", "dfbeta"):
        with pytest.raises(InputError, match="exact"):
            f.residuals(kind)


def test_exact_bootstrap_replicates_are_refits_on_repeated_rows():
    # the core counts a replicate's rows as whole copies: its estimates equal the Python refit on
    # the resampled (repeated) rows, which gets the same resamples
    d = ties_data().iloc[:200].reset_index(drop=True)

    def refit(df):
        return dz.cox(df, "months", "employed", "arm", ties="exact").coef

    slow = dz.bootstrap(refit, d, n_resamples=6, seed=5, jackknife=False, progress=False)
    fast = dz.bootstrap(dz.cox, d, "months", "employed", "arm", ties="exact", n_resamples=6, seed=5,
                        jackknife=False, progress=False)
    np.testing.assert_allclose(fast.replicates.to_numpy()[:, :2], slow.replicates.to_numpy(), rtol=1e-7)
    with pytest.raises((InputError, ValueError), match="exact"):
        dz.bootstrap(dz.cox, d, "months", "employed", "arm", ties="exact", n_resamples=3, scheme="bayesian",
                     progress=False)


CTYPE2 = {
    "ctype2": dict(),
    "ctype2_intweights": dict(weights="w_int"),
    "ctype2_weighted": dict(weights="w"),
    "ctype2_cluster": dict(cluster="cl"),
}


@pytest.mark.parametrize("name", sorted(CTYPE2))
def test_fleming_harrington_hazard_is_rs_ctype_2(name):
    want = G[name]
    na = dz.nelson_aalen(ties_data(), "months", "employed", "arm", ctype=2, **CTYPE2[name]).table
    assert list(na["arm"].astype(str)) == list(want["group"])
    assert_close(na["time"], arr(want["time"]), what=f"{name}.time")
    assert_close(na["cumhaz"], arr(want["cumhaz"]), what=f"{name}.cumhaz")
    assert_close(na["std_err"], arr(want["std_chaz"]), what=f"{name}.std_chaz")
    km = dz.kaplan_meier(ties_data(), "months", "employed", "arm", **CTYPE2[name]).table
    assert not np.allclose(km["survival"], np.exp(-na["cumhaz"]))  # S(t) is the Kaplan-Meier one
    assert_close(km["survival"], arr(want["survival"]), what=f"{name}.survival")


def test_ctype_2_with_entry_and_weights():
    want = G["ctype2_entry_weighted"]
    d = load_dataset("gen_entry")
    d["m"], d["en"] = np.ceil(d["months"]), np.floor(d["entry"])
    na = dz.nelson_aalen(d, "m", "employed", "arm", entry="en", weights="w", ctype=2).table
    assert_close(na["cumhaz"], arr(want["cumhaz"]), what="cumhaz")
    assert_close(na["std_err"], arr(want["std_chaz"]), what="std_chaz")


def test_fleming_harrington_survival_with_ctype_2_is_rs():
    want = G["ctype2_fh"]
    km = dz.kaplan_meier(ties_data(), "months", "employed", "arm", method="fleming-harrington", ctype=2).table
    for col, rcol in (("survival", "survival"), ("std_err", "std_err"), ("lower", "lower"), ("upper", "upper")):
        assert_close(km[col], arr(want[rcol]), what=f"ctype2_fh.{col}")


def test_ctype_is_checked():
    with pytest.raises(InputError, match="ctype"):
        dz.nelson_aalen(ties_data(), "months", "employed", ctype=3)
