"""Disclosure control: rounded counts, suppression marked (never 0), KM recomputed from rounded
cumulative counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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


def test_safe_cumulative_incidence_is_the_estimator_on_rounded_counts():
    d = dz.datasets.subsidised_job_exits()
    ci = dz.cumulative_incidence(d, "months", "exit", group="route")
    same, _ = ci.safe_table(round_to=1, min_count=0)  # nothing rounded: the original table
    a = ci.table.sort_values(["route", "cause", "time"]).reset_index(drop=True)
    b = same.sort_values(["route", "cause", "time"]).reset_index(drop=True)
    np.testing.assert_allclose(b["cif"], a["cif"], rtol=1e-12)
    np.testing.assert_allclose(b["std_err"], a["std_err"], rtol=1e-10)
    safe, rep = ci.safe_table(round_to=5, min_count=10)
    assert (safe["n_event"] % 5 == 0).all() and (safe["n_risk"] >= 10).all()
    assert rep.rows_out < rep.rows_in
    with pytest.raises(ValueError, match="delayed entry"):
        dz.cumulative_incidence(d.assign(e=0.0), "months", "exit", entry="e").safe_table()


def test_cif_plot_with_disclosure_control_draws_the_safe_curves():
    import matplotlib

    matplotlib.use("Agg")
    d = dz.datasets.subsidised_job_exits()
    ci = dz.cumulative_incidence(d, "months", "exit")
    safe, _ = ci.safe_table(round_to=10, min_count=10)
    ax = ci.plot(causes=[1], band=False, round_to=10)
    y = ax.get_lines()[0].get_ydata()[1:]
    np.testing.assert_array_equal(y, safe[safe["cause"] == 1]["cif"].to_numpy())
