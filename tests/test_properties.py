"""Properties that must hold for any data (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import duurzaam as dz
from conftest import assert_close
from duurzaam.errors import DegenerateDataError


def statistic_or_degenerate(*args, **kwargs):
    """The log-rank statistic, or "degenerate" where the variance matrix is singular (every
    event time has everyone at risk failing): then R's survdiff stops in solve() too."""
    try:
        return dz.logrank(*args, **kwargs).statistic
    except DegenerateDataError:
        return "degenerate"


def assert_same_statistic(a, b, rtol):
    assert (a == "degenerate") == (b == "degenerate")
    if a != "degenerate":
        assert_close(a, b, rtol=rtol, atol=1e-12)


@st.composite
def survival_frames(draw, min_size=2, max_size=60, groups=2, entry=False):
    n = draw(st.integers(min_size, max_size))
    months = draw(st.lists(st.integers(1, 12), min_size=n, max_size=n))
    employed = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    arm = draw(st.lists(st.integers(0, groups - 1), min_size=n, max_size=n))
    w = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    df = pd.DataFrame({"months": np.array(months, float), "employed": employed, "arm": arm, "w": np.array(w, float)})
    if entry:
        frac = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
        df["entry"] = np.minimum(np.array(frac, float), df["months"] - 0.5)
    return df


@settings(max_examples=60, deadline=None)
@given(survival_frames())
def test_survival_is_non_increasing_in_unit_interval(df):
    t = dz.kaplan_meier(df, "months", "employed", group="arm").table
    for _, part in t.groupby("arm"):
        s = part["survival"].to_numpy()
        assert ((s >= 0) & (s <= 1)).all()
        assert (np.diff(s) <= 0).all()
        lo, hi = part["lower"].to_numpy(), part["upper"].to_numpy()
        ok = ~np.isnan(lo)
        assert (lo[ok] <= s[ok] + 1e-15).all() and (hi[ok] >= s[ok] - 1e-15).all()


@settings(max_examples=60, deadline=None)
@given(survival_frames(entry=True))
def test_integer_weights_equal_repeated_rows(df):
    rep = df.loc[df.index.repeat(df["w"].astype(int))].reset_index(drop=True)
    a = dz.kaplan_meier(df, "months", "employed", group="arm", entry="entry", weights="w").table
    b = dz.kaplan_meier(rep, "months", "employed", group="arm", entry="entry").table
    for col in ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"):
        assert_close(a[col], b[col], rtol=1e-12, atol=1e-14, what=col)
    if df["arm"].nunique() == 2:
        la = statistic_or_degenerate(df, "months", "employed", "arm", entry="entry", weights="w", rho=1.0, gamma=0.5)
        lb = statistic_or_degenerate(rep, "months", "employed", "arm", entry="entry", rho=1.0, gamma=0.5)
        assert_same_statistic(la, lb, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(survival_frames(groups=3, entry=True), st.randoms(use_true_random=False))
def test_permuting_rows_changes_nothing(df, rnd):
    perm = list(range(len(df)))
    rnd.shuffle(perm)
    shuffled = df.iloc[perm].reset_index(drop=True)
    a = dz.kaplan_meier(df, "months", "employed", group="arm", entry="entry", weights="w", robust=True).table
    b = dz.kaplan_meier(shuffled, "months", "employed", group="arm", entry="entry", weights="w", robust=True).table
    for col in a.columns:
        assert_close(a[col], b[col], rtol=1e-12, atol=1e-14, what=col)
    if df["arm"].nunique() >= 2:
        la = statistic_or_degenerate(df, "months", "employed", "arm", entry="entry")
        lb = statistic_or_degenerate(shuffled, "months", "employed", "arm", entry="entry")
        assert_same_statistic(la, lb, rtol=1e-10)


@settings(max_examples=60, deadline=None)
@given(survival_frames(groups=1), st.floats(0, 2), st.floats(0, 2))
def test_identical_groups_give_zero_statistic(df, rho, gamma):
    both = pd.concat([df.assign(arm="a"), df.assign(arm="b")], ignore_index=True)
    try:
        lr = dz.logrank(both, "months", "employed", "arm", rho=rho, gamma=gamma)
    except DegenerateDataError:
        return  # no event time with a survivor: nothing to test, as in R
    assert abs(lr.statistic) < 1e-20
    assert_close(lr.table["observed"], lr.table["expected"], rtol=1e-12, atol=1e-12)
