"""R's timefix (aeqSurv) as implemented by fix_times, against a plain reading of its rule: the
distinct times, runs of near-equal neighbours (within sqrt(eps), absolutely or relative to the
mean), every time moved to the first of its run. The R golden values for timefix are in
test_golden_conventions.py; this checks the fast lookup on many near-equal times, chains, entry
times and missing values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from duurzaam._input import fix_times


def plain(vals: np.ndarray, pool: np.ndarray) -> np.ndarray:
    y = np.unique(pool[np.isfinite(pool)])
    tol = math.sqrt(np.finfo(float).eps)
    dy = np.diff(y)
    tied = (dy <= tol) | (dy / np.mean(np.abs(y)) <= tol)
    cuts = y[np.r_[True, ~tied]]
    out = vals.copy()
    ok = np.isfinite(vals)
    out[ok] = cuts[np.searchsorted(cuts, vals[ok], side="right") - 1]
    return out


@pytest.mark.parametrize("seed,n", [(1, 20000), (2, 20000), (3, 20000), (4, 300_000)])
def test_fast_snapping_is_the_rule(seed, n):
    # 300,000 rows: tens of thousands of moving times (a larger lookup table and filter in the core)
    rng = np.random.default_rng(seed)
    base = np.round(rng.exponential(10, n), 3)
    exit_ = base * (1 + rng.choice([0, 1e-12, -1e-12, 3e-9, 2e-8], base.size))   # chains of near-equal times
    exit_[::97] = np.nan
    entry = np.where(rng.random(base.size) < 0.3, np.floor(exit_ / 2) * (1 + 1e-13), 0.0)
    new_exit, new_entry = fix_times(exit_, entry)
    pool = np.concatenate([exit_, entry])
    np.testing.assert_array_equal(new_exit, plain(exit_, pool))
    np.testing.assert_array_equal(new_entry, plain(entry, pool))
    assert np.sum(new_exit != exit_) > 100   # the test moves many times
    # the input is never changed
    assert not np.shares_memory(new_exit, exit_)


@pytest.mark.parametrize("robust", [False, True])
@pytest.mark.parametrize("weights", [None, "w"])
def test_the_cores_timefix_in_kaplan_meier_is_fix_times(robust, weights):
    """Without entry times kaplan_meier and nelson_aalen leave R's timefix to the core (on its
    sorted times for untied data, else on the column): the same tables as times fixed first.
    250,000 rows: the core's parallel paths."""
    import pandas as pd

    import duurzaam as dz

    rng = np.random.default_rng(5)
    n = 250_000
    t = rng.exponential(10, n)
    moved = rng.integers(0, n, n // 50)
    t[moved] = t[rng.integers(0, n, moved.size)] * (1 + rng.choice([1e-12, 3e-9, -2e-9], moved.size))
    d = pd.DataFrame({"t": t, "e": rng.random(n) < 0.6, "g": rng.integers(0, 4, n), "w": rng.uniform(0.5, 2, n)})
    fixed, _ = fix_times(t, None)
    assert np.sum(fixed != t) > 1000
    opts = dict(group="g", weights=weights, robust=robust)
    a = dz.kaplan_meier(d, "t", "e", **opts).table
    b = dz.kaplan_meier(d.assign(t=fixed), "t", "e", timefix=False, **opts).table
    assert len(a) < n - 1000
    # with weights the sums at a time that gained rows may add in another order
    pd.testing.assert_frame_equal(a, b, check_exact=weights is None, rtol=1e-12)
    a = dz.nelson_aalen(d, "t", "e", **opts).table
    b = dz.nelson_aalen(d.assign(t=fixed), "t", "e", timefix=False, **opts).table
    pd.testing.assert_frame_equal(a, b, check_exact=weights is None, rtol=1e-12)


def test_the_cores_timefix_scales_by_the_distinct_times():
    """Tied fractional times (many rows at one time) go through the core's sorted records: R's
    tolerance is relative to the mean of the distinct times, so a pair 1.5 tolerances apart on
    that scale stays apart in kaplan_meier and logrank, as with fix_times (counting each row
    would double the scale and merge the pair)."""
    import pandas as pd

    import duurzaam as dz

    tol = math.sqrt(np.finfo(float).eps)
    t = 0.25 + np.arange(1000.0)
    a = 10.125
    t = np.concatenate([t, [a, a + 1.5 * tol * t.mean()], np.full(60_000, 999.25)])
    rng = np.random.default_rng(2)
    d = pd.DataFrame({"t": t, "e": rng.random(t.size) < 0.6, "g": rng.integers(0, 2, t.size)})
    fixed, _ = fix_times(t, None)
    np.testing.assert_array_equal(fixed, t)
    for group in (None, "g"):
        km = dz.kaplan_meier(d, "t", "e", group=group).table
        pd.testing.assert_frame_equal(km, dz.kaplan_meier(d, "t", "e", group=group, timefix=False).table)
    assert dz.logrank(d, "t", "e", "g").statistic == dz.logrank(d, "t", "e", "g", timefix=False).statistic


def test_whole_times_far_from_zero_move_too():
    """Whole numbers near 1.7e9 (seconds since 1970) one apart are within R's relative tolerance:
    the core's timefix of a tied column (the counting path) merges them as fix_times does."""
    import pandas as pd

    import duurzaam as dz

    rng = np.random.default_rng(3)
    t = 1.7e9 + rng.integers(0, 200, 5000).astype(float)
    d = pd.DataFrame({"t": t, "e": rng.random(t.size) < 0.7, "g": rng.integers(0, 3, t.size)})
    fixed, _ = fix_times(t, None)
    np.testing.assert_array_equal(fixed, plain(t, t))
    assert len(np.unique(fixed)) < len(np.unique(t)) / 2
    a = dz.kaplan_meier(d, "t", "e", group="g").table
    b = dz.kaplan_meier(d.assign(t=fixed), "t", "e", group="g", timefix=False).table
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("opts", [{}, {"weights": "w"}, {"strata": "s"}, {"rho": 1.0}, {"gamma": 0.5, "strata": "s"}])
def test_the_cores_timefix_in_logrank_is_fix_times(opts):
    """The log-rank test leaves R's timefix to the core without entry times (on its sorted
    records with the plain weights, on the column with Fleming-Harrington weights): the same
    test as on times fixed first."""
    import pandas as pd

    import duurzaam as dz

    rng = np.random.default_rng(8)
    n = 250_000
    t = rng.exponential(10, n)
    moved = rng.integers(0, n, n // 50)
    t[moved] = t[rng.integers(0, n, moved.size)] * (1 + rng.choice([1e-12, 3e-9, -2e-9], moved.size))
    d = pd.DataFrame({"t": t, "e": rng.random(n) < 0.6, "g": rng.integers(0, 4, n), "w": rng.integers(1, 4, n),
                      "s": rng.integers(0, 3, n)})
    fixed, _ = fix_times(t, None)
    a = dz.logrank(d, "t", "e", "g", **opts)
    b = dz.logrank(d.assign(t=fixed), "t", "e", "g", timefix=False, **opts)
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12)
    np.testing.assert_allclose(a.table["expected"], b.table["expected"], rtol=1e-12)
    # and not the same without the fix: the test moves times that matter
    c = dz.logrank(d, "t", "e", "g", timefix=False, **opts)
    assert c.statistic != a.statistic
