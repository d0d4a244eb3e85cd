"""Bad input gets a clear ValueError subclass naming the column and the first offending row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from duurzaam.errors import ColumnNotFoundError, EmptyDataError, InputError


def frame():
    return pd.DataFrame({"months": [1.0, 2.0, 3.0, 4.0], "employed": [1, 0, 1, 1], "arm": ["a", "b", "a", "b"],
                         "start": [0.0, 0.0, 1.0, 0.0], "w": [1.0, 2.0, 1.0, 1.0]})


@pytest.mark.parametrize("column,value,message", [
    ("months", np.nan, "column 'months': value is NaN or infinite (row 2)"),
    ("months", np.inf, "column 'months': value is NaN or infinite (row 2)"),
    ("months", -1.0, "column 'months': value is negative (row 2)"),
    ("employed", 2, "column 'employed': value is not 0 or 1 (False or True) (row 2)"),
    ("employed", 0.5, "column 'employed': value is not 0 or 1 (False or True) (row 2)"),
    ("start", 3.0, "column 'start': entry is not before the exit time (row 2)"),
    ("w", -1.0, "column 'w': weight is not positive (row 2)"),
    ("w", 0.0, "column 'w': weight is not positive (row 2)"),
])
@pytest.mark.parametrize("fn", ["kaplan_meier", "logrank", "nelson_aalen"])
def test_bad_values_name_column_and_row(column, value, message, fn):
    df = frame()
    df[column] = df[column].astype(float)
    df.loc[2, column] = value
    with pytest.raises(InputError) as e:
        if fn == "logrank":
            dz.logrank(df, "months", "employed", "arm", entry="start", weights="w")
        else:
            getattr(dz, fn)(df, "months", "employed", entry="start", weights="w")
    assert str(e.value) == message
    assert isinstance(e.value, ValueError)
    assert e.value.column == column and e.value.row == 2


def test_row_position_is_named_never_the_index_label():
    # in register data the index may be a citizen service number: only the position may leave
    df = frame().set_index(pd.Index(["BSN123456782", "p2", "BSN999999990", "p4"]))
    df.loc["BSN999999990", "months"] = -2.0
    with pytest.raises(InputError, match=r"\(row 2\)$") as err:
        dz.kaplan_meier(df, "months", "employed")
    assert "BSN" not in str(err.value)


def test_unknown_column():
    with pytest.raises(ColumnNotFoundError, match="column 'maand' is not in the data"):
        dz.kaplan_meier(frame(), "maand", "employed")
    with pytest.raises(ValueError):
        dz.logrank(frame(), "months", "employed", "arms")


def test_empty_data():
    with pytest.raises(EmptyDataError):
        dz.kaplan_meier(frame().iloc[:0], "months", "employed")
    with pytest.raises(EmptyDataError):
        dz.kaplan_meier({"months": [], "employed": []}, "months", "employed")


def test_group_with_no_rows():
    df = frame()
    df["arm"] = pd.Categorical(df["arm"], categories=["a", "b", "c"])
    with pytest.raises(EmptyDataError, match="column 'arm': the group\\(s\\) c have no rows"):
        dz.kaplan_meier(df, "months", "employed", group="arm")


def test_missing_group_value():
    df = frame()
    df.loc[1, "arm"] = None
    with pytest.raises(InputError, match="column 'arm' has a missing value \\(row 1\\)"):
        dz.logrank(df, "months", "employed", "arm")


def test_non_numeric_duration_and_mismatched_lengths():
    df = frame()
    df["months"] = ["1", "2", "3", "4"]
    with pytest.raises(InputError, match="column 'months' is not numeric"):
        dz.kaplan_meier(df, "months", "employed")
    with pytest.raises(InputError, match="column 'employed' has 3 values"):
        dz.kaplan_meier({"months": [1, 2, 3, 4], "employed": [1, 0, 1]}, "months", "employed")


def test_bad_options():
    with pytest.raises(ValueError, match="conf_type"):
        dz.kaplan_meier(frame(), "months", "employed", conf_type="logit")
    with pytest.raises(ValueError, match="conf_level"):
        dz.kaplan_meier(frame(), "months", "employed", conf_level=95)
    with pytest.raises(ValueError, match="only one group"):
        dz.logrank(frame().assign(arm="a"), "months", "employed", "arm")
    with pytest.raises(ValueError, match="rho"):
        dz.logrank(frame(), "months", "employed", "arm", rho=-1)
    km = dz.kaplan_meier(frame(), "months", "employed")
    with pytest.raises(ValueError):
        km.quantile(1.5)
    with pytest.raises(ValueError):
        km.rmst(0)


def test_boolean_events_and_results_are_immutable():
    df = frame()
    df["employed"] = df["employed"].astype(bool)
    km = dz.kaplan_meier(df, "months", "employed")
    assert km.table["n_event"].sum() == 3
    with pytest.raises(AttributeError):
        km.conf_level = 0.9
    t = km.table
    t.loc[0, "survival"] = 0.0
    assert km.table.loc[0, "survival"] != 0.0
    assert "Kaplan-Meier" in repr(km) and "<table" in km._repr_html_()
    lr = dz.logrank(df, "months", "employed", "arm")
    assert "Log-rank" in repr(lr) and "<table" in lr._repr_html_()


def test_every_result_has_a_tidy_frame():
    r = dz.datasets.load_rossi()
    km = dz.kaplan_meier(r, "week", "arrest", group="fin")
    assert km.to_frame().equals(km.table)
    assert list(dz.logrank(r, "week", "arrest", "fin").to_frame().columns)[-3:] == ["statistic", "df", "p_value"]
    assert "term" in dz.cox(r, "week", "arrest", ["fin"]).to_frame().columns
    assert "term" in dz.aft(r, "week", "arrest", ["fin"]).to_frame().columns
    assert "cumhaz" in dz.nelson_aalen(r, "week", "arrest").to_frame().columns
    bs = dz.bootstrap(dz.logrank, r, "week", "arrest", "fin", n_resamples=20, progress=False)
    assert "se" in bs.to_frame().columns


# --- what a hypothesis fuzz found (issue 14): each now a clear error or a warning -----------------

def _d(n=50, seed=0):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    return {"m": rng.integers(1, 10, n).astype(float), "e": rng.integers(0, 2, n), "x1": x1, "x2": 2 * x1,
            "w": np.where(np.arange(n) == 3, -1.0, 1.0), "g": rng.integers(0, 2, n), "c": np.zeros(n)}


def test_work_is_bounded_by_the_data_not_by_its_values():
    d = _d()
    with pytest.raises(InputError, match="reaches period 1000000000 .row 0."):
        dz.discrete_hazard({**d, "m": np.where(np.arange(50) == 0, 1e9, d["m"])}, "m", "e", ["x1"])
    with pytest.raises(InputError, match="50000 groups.*id column"):
        rng = np.random.default_rng(1)
        dz.logrank({"t": rng.random(50000), "e": np.ones(50000), "g": np.arange(50000)}, "t", "e", "g")
    with pytest.raises(InputError, match="cause is not a whole number.*row 1"):
        dz.bootstrap(dz.cumulative_incidence, {**d, "e": np.where(np.arange(50) == 1, 1e9, d["e"])}, "m", "e",
                     n_resamples=10, seed=1, times=[3])


@pytest.mark.parametrize("fit", [
    lambda d: dz.aft(d, "m", "e", ["x1", "x2"]),
    lambda d: dz.aft(d, "m", "e", ["x1", "c"]),
    lambda d: dz.discrete_hazard(d, "m", "e", ["x1", "x2"]),
    lambda d: dz.iptw(d, "g", ["x1", "x2"]),
])
def test_singular_designs_raise_everywhere_as_in_cox(fit):
    with pytest.raises(dz.errors.SingularDesignError, match="'(x2|c)' is constant or a linear combination"):
        fit(_d())


def test_invalid_codes_weights_clusters_and_arguments():
    d = _d()
    with pytest.raises(InputError, match="column 'w': weight is not a positive finite number .row 3."):
        dz.discrete_hazard(d, "m", "e", ["x1"], weights="w")
    with pytest.raises(InputError, match="column 'c' has 1 cluster"):
        dz.cox(d, "m", "e", ["x1"], cluster="c")
    with pytest.raises(InputError, match="cause must be a whole number from 1 to 1"):
        dz.cause_specific_cox(d, "m", "e", ["x1"], cause=0)
    for bad in (np.nan, 2.5, -np.inf):
        with pytest.raises(InputError, match="column 'e': cause is not a whole number.*row 2"):
            dz.cause_specific_cox({**d, "e": np.where(np.arange(50) == 2, bad, d["e"])}, "m", "e", ["x1"])
    for kw, msg in (({"seed": -1}, "seed must be"), ({"seed": 2**70}, "seed must be"), ({"tau": [-1]}, "tau must"),
                    ({"quantiles": [2]}, "quantiles must"), ({"times": [np.nan]}, "times must")):
        with pytest.raises(InputError, match=msg):
            dz.bootstrap(dz.kaplan_meier, d, "m", "e", n_resamples=10, **{"seed": 1, **kw})
    with pytest.raises(InputError, match="rho must be finite"):
        dz.cumulative_incidence({**d, "e": d["e"]}, "m", "e", group="g", rho=np.nan).gray_test
    with pytest.raises(InputError, match="column 'x1' must be a one-dimensional array, not a scalar"):
        dz.cox({**d, "x1": 1.0}, "m", "e", ["x1"])
    with pytest.raises(InputError, match="column 'x1' appears more than once"):
        dz.cox(pd.concat([pd.DataFrame(d), pd.DataFrame({"x1": d["x1"]})], axis=1), "m", "e", ["x1"])


def test_a_test_without_events_says_so():
    with pytest.raises(dz.DegenerateDataError, match="no events"):
        dz.logrank({"t": [1.0, 2.0, 3.0, 4.0], "e": [0, 0, 0, 0], "g": [0, 1, 0, 1]}, "t", "e", "g")


def test_fine_gray_non_convergence_is_warned():
    d = dz.datasets.subsidised_job_exits()
    with pytest.warns(dz.ConvergenceWarning, match="Fine-Gray model did not converge"):
        dz.fine_gray(d, "months", "exit", "C(route)", max_iter=1)
    with pytest.raises(InputError, match="max_iter"):
        dz.fine_gray(d, "months", "exit", "C(route)", max_iter=0)


def test_group_by_position_and_no_placeholder_defaults():
    """kaplan_meier, nelson_aalen and cumulative_incidence take the group by position, as logrank."""
    import inspect

    rossi = dz.datasets.load_rossi().rename(columns={"week": "maanden", "arrest": "werk", "fin": "arm"})
    a = dz.kaplan_meier(rossi, "maanden", "werk", "arm").table
    b = dz.kaplan_meier(rossi, "maanden", "werk", group="arm").table
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(dz.nelson_aalen(rossi, "maanden", "werk", "arm").table,
                                  dz.nelson_aalen(rossi, "maanden", "werk", group="arm").table)
    d = rossi.assign(exit=rossi["werk"] * (1 + (rossi["prio"] > 3)))
    pd.testing.assert_frame_equal(dz.cumulative_incidence(d, "maanden", "exit", "arm").table,
                                  dz.cumulative_incidence(d, "maanden", "exit", group="arm").table)
    for fn in (dz.kaplan_meier, dz.nelson_aalen, dz.cumulative_incidence, dz.logrank):
        params = inspect.signature(fn).parameters
        assert params["duration"].default is inspect.Parameter.empty
        assert params["event"].default is inspect.Parameter.empty
    bs = dz.bootstrap(dz.kaplan_meier, rossi, "maanden", "werk", "arm", tau=[52], n_resamples=20, seed=1,
                      progress=False)
    assert set(bs.summary["group"]) >= {"0", "1"}
