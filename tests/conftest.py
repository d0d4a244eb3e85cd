"""Shared fixtures: the public data sets, the golden values of tests/golden, and a backend switch
that runs a test on pandas, polars and dict inputs (the scikit-survival habit)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
GOLDEN = ROOT / "tests" / "golden"


def register_panel(n: int) -> pd.DataFrame:
    """The register-sized data set of make_golden.R, made by the same integer formula."""
    i = np.arange(n, dtype=np.int64)
    a = (i * 2654435761) % 4294967296
    g = (a // 64) % 4
    u = a % 36
    months = 1 + np.minimum(35, np.floor(u * (1 + g / 4)))
    employed = ((a // 4096) % 10 < 6).astype(np.int64)
    return pd.DataFrame({"months": months, "employed": employed, "arm": g})


def load_dataset(name: str) -> pd.DataFrame:
    if name in ("lung", "veteran", "rossi"):
        return pd.read_csv(SHARED / f"{name}.csv")
    if name.startswith("gen_") or name == "mgus2":
        return pd.read_csv(GOLDEN / "data" / f"{name}.csv")
    if name == "register_1e6":
        return register_panel(1_000_000)
    raise KeyError(name)


def _num(v):
    if isinstance(v, str):
        return {"NA": math.nan, "NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}[v]
    if isinstance(v, list):
        return [_num(x) for x in v]
    return v


def golden(name: str) -> dict:
    """A golden JSON file; jsonlite writes R's NULL as {}, read back as None."""
    with open(GOLDEN / name) as f:
        return json.load(f, object_hook=lambda d: d if d else None)


def arr(v) -> np.ndarray:
    """A golden vector or matrix as a float array (R's NA as NaN)."""
    if not isinstance(v, list):
        v = [v]
    return np.asarray(_num(v), dtype=np.float64)


def assert_close(actual, expected, rtol: float = 1e-8, atol: float = 1e-13, what: str = "") -> None:
    """Relative agreement, NaN where R has NA, equal infinities."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e), err_msg=f"{what}: NaN positions differ")
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


@pytest.fixture(params=["pandas", "polars", "dict"])
def backend(request):
    """Converts a pandas DataFrame to the input type under test."""
    kind = request.param

    def convert(df: pd.DataFrame):
        if kind == "pandas":
            return df
        if kind == "polars":
            pl = pytest.importorskip("polars")
            return pl.from_pandas(df)
        return {c: df[c].to_numpy() for c in df.columns}

    convert.kind = kind
    return convert
