"""Large inputs cross into the core without a copy where the memory layout allows: float64 columns
of numpy-backed pandas, Arrow-backed pandas (no nulls) and polars are handed over as they are;
other dtypes (int32, float32, Arrow columns with nulls) are converted once, and give the same
numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from duurzaam._input import Frame

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")

A = np.random.default_rng(1).random(1000) * 50


def test_float64_columns_are_not_copied():
    df = pd.DataFrame({"x": A})
    assert np.shares_memory(Frame(df).numeric("x"), df["x"].to_numpy())
    arrow = pd.DataFrame({"x": pd.array(A, dtype="double[pyarrow]")})
    buf = arrow["x"].array._pa_array.chunk(0).buffers()[1]
    assert np.shares_memory(Frame(arrow).numeric("x"), np.frombuffer(buf, dtype=np.float64))
    pdf = pl.DataFrame({"x": A})
    assert np.shares_memory(Frame(pdf).numeric("x"), pdf.get_column("x").to_numpy())


def test_narrow_and_arrow_dtypes_give_the_same_numbers():
    rossi = dz.datasets.load_rossi()
    ref = dz.cox(rossi, "week", "arrest", ["fin", "age", "prio"]).coef
    km_ref = dz.kaplan_meier(rossi, "week", "arrest", group="fin").table["survival"]
    narrow = rossi.astype({"week": np.int32, "arrest": np.int8, "fin": np.int32, "age": np.float32, "prio": np.int16})
    np.testing.assert_allclose(dz.cox(narrow, "week", "arrest", ["fin", "age", "prio"]).coef, ref, rtol=1e-12)
    np.testing.assert_array_equal(dz.kaplan_meier(narrow, "week", "arrest", group="fin").table["survival"], km_ref)
    arrow = rossi.convert_dtypes(dtype_backend="pyarrow")
    np.testing.assert_allclose(dz.cox(arrow, "week", "arrest", ["fin", "age", "prio"]).coef, ref, rtol=1e-12)
    np.testing.assert_array_equal(dz.kaplan_meier(pl.from_pandas(rossi), "week", "arrest", group="fin").table["survival"],
                                  km_ref)


def test_a_null_in_an_arrow_column_is_an_error_not_a_drop():
    rossi = dz.datasets.load_rossi().convert_dtypes(dtype_backend="pyarrow")
    rossi.loc[5, "week"] = None
    with pytest.raises(dz.InputError, match="column 'week'.*row 5"):
        dz.kaplan_meier(rossi, "week", "arrest")
