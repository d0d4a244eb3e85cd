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
    assert pd.isna(out["n"].iloc[0]) and out["n_suppressed"].tolist() == [True, False, False, False, False]
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
    with pytest.raises(ValueError, match="case weights"):
        dz.cumulative_incidence(d.assign(w=1.5), "months", "exit", weights="w").safe_table()


def test_safe_cumulative_incidence_with_delayed_entry():
    """Without rounding the delayed-entry curves come back exactly; rounded ones stay valid."""
    rng = np.random.default_rng(5)
    n = 400
    entry = rng.integers(0, 5, n).astype(float)
    d = {"t": entry + rng.integers(1, 24, n), "e": rng.integers(0, 3, n), "en": entry}
    ci = dz.cumulative_incidence(d, "t", "e", entry="en")
    same, _ = ci.safe_table(round_to=1, min_count=0)
    a = ci.table.sort_values(["cause", "time"]).reset_index(drop=True)
    b = same.sort_values(["cause", "time"]).reset_index(drop=True)
    a = a[a["time"].isin(b["time"])].reset_index(drop=True)
    np.testing.assert_allclose(b["cif"], a["cif"], rtol=1e-12)
    np.testing.assert_allclose(b["n_risk"], a["n_risk"], rtol=1e-12)
    safe, rep = ci.safe_table(round_to=5, min_count=10)
    assert (safe["n_event"] % 5 == 0).all() and (safe["n_risk"] >= 10).all()
    total = safe.groupby("time")["cif"].sum()
    assert ((total >= 0) & (total <= 1)).all()
    for _, part in safe.groupby("cause"):
        assert (np.diff(part["cif"].to_numpy()) >= -1e-15).all()


def test_cif_plot_with_disclosure_control_draws_the_safe_curves():
    import matplotlib

    matplotlib.use("Agg")
    d = dz.datasets.subsidised_job_exits()
    ci = dz.cumulative_incidence(d, "months", "exit")
    safe, _ = ci.safe_table(round_to=10, min_count=10)
    ax = ci.plot(causes=[1], band=False, round_to=10)
    y = ax.get_lines()[0].get_ydata()[1:]
    np.testing.assert_array_equal(y, safe[safe["cause"] == 1]["cif"].to_numpy())


# --- the published numbers under one policy ------------------------------------------------------

from duurzaam.disclosure import DisclosurePolicy, safe_km_table  # noqa: E402


def test_safe_km_table_is_a_valid_curve_for_any_small_data():
    """Rounded counts never give more events than at risk, a negative or rising curve, or a crash."""
    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 9, 12, 13, 40):
        for _ in range(30):
            entry = rng.integers(0, 3, n).astype(float) * (rng.random() < 0.5)
            d = {"t": entry + rng.integers(1, 6, n), "e": rng.integers(0, 2, n), "en": entry,
                 "g": rng.integers(0, 2, n)}
            for group in (None, "g"):
                if group and len(set(d["g"])) < 2:
                    continue
                km = dz.kaplan_meier(d, "t", "e", group=group, entry="en")
                for round_to, min_count in ((1, 0), (5, 0), (5, 10), (10, 10), (3, 1)):
                    safe, rep = safe_km_table(km, round_to=round_to, min_count=min_count)
                    assert (safe["n_event"] <= safe["n_risk"]).all()
                    assert ((safe["survival"] >= 0) & (safe["survival"] <= 1)).all()
                    for _, part in (safe.groupby(group) if group else [(None, safe)]):
                        assert (np.diff(part["survival"].to_numpy()) <= 1e-15).all()
                        assert (part["n_risk"] >= max(min_count, 1)).all()
                    if round_to > 1:
                        assert (safe[["n_risk", "n_event", "n_censor"]] % round_to == 0).all().all()


def test_safe_km_table_without_rounding_is_the_estimator_with_delayed_entry():
    rng = np.random.default_rng(3)
    entry = rng.integers(0, 6, 300).astype(float)
    d = {"t": entry + rng.integers(1, 20, 300), "e": rng.integers(0, 2, 300), "en": entry}
    km = dz.kaplan_meier(d, "t", "e", entry="en")
    safe, _ = km.safe_table(round_to=1, min_count=0)
    t = km.table[(km.table["n_event"] > 0) | (km.table["n_censor"] > 0)]
    np.testing.assert_allclose(safe["survival"], t["survival"], rtol=1e-12)
    np.testing.assert_allclose(safe["n_risk"], t["n_risk"], rtol=1e-12)
    np.testing.assert_allclose(safe["std_err"], t["std_err"], rtol=1e-10)


def test_bad_policies_are_input_errors():
    km = dz.kaplan_meier({"t": [1.0, 2.0], "e": [1, 0]}, "t", "e")
    for bad in ({"round_to": 0}, {"round_to": -5}, {"round_to": 2.5}, {"min_count": -1}):
        with pytest.raises(dz.InputError):
            km.safe_table(**bad)
        with pytest.raises(ValueError):
            DisclosurePolicy(**bad)
    safe, rep = km.safe_table(round_to=5, min_count=10)   # two persons: nothing to publish, no crash
    assert len(safe) == 0 and "too few" in str(rep)


def _published_counts(ev):
    """Every count a report publishes: the numbers in its text, and each count column."""
    import re

    counts = {}
    for key, text in ev.notes:
        if key == "panel":
            for i, m in enumerate(re.findall(r"\d[\d,]*", text)):
                counts[("panel", i)] = float(m.replace(",", ""))
    for row in ev.tables["dropped"].itertuples():
        counts[("dropped", row.analysis, row.outcome, row.reason)] = row.count
    for row in ev.tables["sustained_work_at_risk"].itertuples():
        counts[("at_risk", row.arm, row.time)] = row.n_risk
    return counts


def _sizes_consistent(with_group, without_group, base, limit):
    """The sizes k (1 <= k < limit) of an added group that fit two rounded counts."""
    if pd.isna(with_group) or pd.isna(without_group):
        return set(range(1, limit))
    def preimage(r):
        return [n for n in range(int(r) - base, int(r) + base + 1) if n >= 0 and np.floor(n / base + 0.5) * base == r]
    return {m - n for n in preimage(without_group) for m in preimage(with_group) if 1 <= m - n < limit}


def test_report_publishes_only_rounded_counts_and_resists_differencing(tmp_path):
    """Two reports that differ by a municipality of 3 persons do not reveal its size."""
    panel = dz.datasets.four_arm_panel(n_persons=300, seed=11)
    ids = panel["person_id"].drop_duplicates().iloc[:3]
    tiny = panel[panel["person_id"].isin(ids)].assign(person_id=lambda d: d["person_id"].astype(str) + "_t",
                                                        municipality="tiny")
    panel = panel.assign(person_id=panel["person_id"].astype(str))
    args = dict(person="person_id", period="month", status="status", arm="arm", origin="programme_start",
                n_resamples=0, round_to=5, min_count=10)
    a = dz.evaluate_panel(panel, **args)
    b = dz.evaluate_panel(pd.concat([panel, tiny], ignore_index=True), **args)
    ca, cb = _published_counts(a), _published_counts(b)
    assert len(ca) > 20
    for key, v in {**ca, **cb}.items():
        assert pd.isna(v) or v % 5 == 0, key
    # person counts: the size of the added group (3) must stay ambiguous among 1..9; person-months
    # and spells: their difference must stay ambiguous too
    revealing = [k for k in ca.keys() & cb.keys()
                 if len(_sizes_consistent(cb[k], ca[k], 5, 10 if k not in (("panel", 1), ("panel", 2)) else 10**6)) < 2]
    assert not revealing
    # without disclosure control the same attack reads the size off exactly (the test can fail)
    raw = dict(args, round_to=None)
    ra = _published_counts(dz.evaluate_panel(panel, **raw))
    rb = _published_counts(dz.evaluate_panel(pd.concat([panel, tiny], ignore_index=True), **raw))
    assert rb[("panel", 0)] - ra[("panel", 0)] == 3
    # counts are written as integers, suppressed cells as empty, never 0
    b.write(tmp_path)
    text = (tmp_path / "dropped.csv").read_text()
    assert ".0," not in text
    html = (tmp_path / "report.html").read_text()
    assert "2 persons" not in html and "disclosure control" in html
