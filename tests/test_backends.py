"""Every dataframe narwhals reads is data: polars LazyFrames and pyarrow Tables give the same
numbers as pandas (collected once at the door)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

ROSSI = dz.datasets.load_rossi()
BACKENDS = {"polars lazy": lambda d: pl.from_pandas(d).lazy(), "pyarrow": lambda d: pa.Table.from_pandas(d)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_estimators_agree_with_pandas(backend):
    d = BACKENDS[backend](ROSSI)
    pd.testing.assert_frame_equal(dz.kaplan_meier(d, "week", "arrest", "fin").table,
                                  dz.kaplan_meier(ROSSI, "week", "arrest", "fin").table)
    np.testing.assert_allclose(dz.cox(d, "week", "arrest", "fin + age + C(race)").coef,
                               dz.cox(ROSSI, "week", "arrest", "fin + age + C(race)").coef, rtol=1e-12)
    assert dz.logrank(d, "week", "arrest", "fin").statistic == dz.logrank(ROSSI, "week", "arrest", "fin").statistic
    a = dz.bootstrap(dz.cox, d, "week", "arrest", ["fin", "age"], n_resamples=20, seed=3, progress=False).replicates
    b = dz.bootstrap(dz.cox, ROSSI, "week", "arrest", ["fin", "age"], n_resamples=20, seed=3, progress=False).replicates
    pd.testing.assert_frame_equal(a, b)
    np.testing.assert_allclose(dz.iptw_cox(d, "week", "arrest", "fin", ["age", "prio"]).coef,
                               dz.iptw_cox(ROSSI, "week", "arrest", "fin", ["age", "prio"]).coef, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_spells_from_other_backends(backend):
    panel = dz.datasets.four_arm_panel(n_persons=100, seed=1)
    a = dz.spells(BACKENDS[backend](panel), "person_id", "month", "status").table
    b = dz.spells(panel, "person_id", "month", "status").table
    assert len(a) == len(b)
    np.testing.assert_array_equal(a["duration"].to_numpy(), b["duration"].to_numpy())


def test_not_a_dataframe_is_an_input_error():
    with pytest.raises(dz.InputError, match="not list"):
        dz.kaplan_meier([1, 2, 3], "a", "b")
