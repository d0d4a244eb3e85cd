"""Disclosure control: rounded counts, suppression marked (never 0), KM recomputed from rounded
cumulative counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

import duurzaam as dz
from duurzaam.disclosure import round_counts


def test_round_and_suppress():
    t = pd.DataFrame({"n": [3, 10, 12, 27, 1000]})
    out, rep = round_counts(t, ["n"], round_to=5, min_count=10)
    assert out["n"].tolist()[1:] == [10.0, 10.0, 25.0, 1000.0]
    assert np.isnan(out["n"].iloc[0]) and out["n_suppressed"].tolist() == [True, False, False, False, False]
    assert rep.cells_suppressed == 1 and "suppressed" in str(rep)


def test_safe_km_table_uses_rounded_counts_only():
    rossi = dz.datasets.load_rossi()
    km = dz.kaplan_meier(rossi, "week", "arrest", group="fin")
    safe, rep = km.safe_table(round_to=5, min_count=10)
    for col in ("n_risk", "n_event", "n_censor"):
        assert (safe[col] % 5 == 0).all()
    assert (safe["n_risk"] >= 10).all()
    # recomputed from the rounded counts: S = prod(1 - d/n)
    for _, part in safe.groupby("fin"):
        np.testing.assert_allclose(part["survival"], np.cumprod(1 - part["n_event"] / part["n_risk"]))
    # close to the unrounded curve at the end of follow-up
    last = safe.groupby("fin")["survival"].last().to_numpy()
    full = km.survival_at([52])["survival"].to_numpy()
    assert np.all(np.abs(last - full) < 0.03)
    assert rep.rows_out < rep.rows_in
