"""dz.spells: panel to spells, the outcome rules, state occupancy.

Golden values (tests/golden/spells.json from make_golden_spells.R) come from an R implementation
written independently of the Rust code (spells by filling short gaps and run-length encoding) and
from R survival's survfit (Kaplan-Meier and the multi-state Aalen-Johansen estimate). Hand-built
panels pin every rule; property tests check the partition of person-months into spells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import duurzaam as dz
from conftest import GOLDEN, assert_close, golden

G = golden("spells.json")
PANEL = pd.read_csv(GOLDEN / "data" / "gen_panel.csv")


@pytest.fixture(scope="module")
def golden_spells():
    return dz.spells(PANEL, "person_id", "month", "status", max_gap={"work": 1})


def test_spell_count_matches_r(golden_spells):
    assert len(golden_spells.table) == G["n_spells"]


OUTCOMES = {
    "work_any": lambda sp: sp.time_to("work", origin="origin", covariates=["arm"]),
    "work6_start": lambda sp: sp.time_to("work", origin="origin", min_duration=6, covariates=["arm"]),
    "work6_confirmed": lambda sp: sp.time_to("work", origin="origin", min_duration=6, event_at="confirmed",
                                             covariates=["arm"]),
    "exit_lag0": lambda sp: sp.time_to_exit("benefit", origin="origin", causes={"work": 1}, covariates=["arm"]),
    "exit_lag1": lambda sp: sp.time_to_exit("benefit", origin="origin", causes={"work": 1}, confirm_lag=1,
                                            covariates=["arm"]),
    # competing destinations (education and other share cause 2), and an origin from the panel
    "first_destination": lambda sp: sp.time_to_first({"work": 1, "education": 2, "other": 2}, origin="origin",
                                                     covariates=["arm"]),
    "benefit_after_job": lambda sp: sp.time_to_first(["benefit"], origin=sp.event_origin("work", at="end", after="origin"),
                                                     covariates=["arm"]),
}


def test_event_origin_matches_r(golden_spells):
    ours = golden_spells.event_origin("work", at="end", after="origin")
    want = pd.Series(G["event_origin"]["origin"], index=G["event_origin"]["person_id"], dtype="Float64")
    pd.testing.assert_series_equal(ours.astype("Float64"), want, check_names=False, check_index_type=False)


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_outcome_rows_match_r(golden_spells, name):
    ours = OUTCOMES[name](golden_spells).set_index("person_id")
    r = pd.DataFrame(G["outcomes"][name])
    kept = r[r["reason"] == "kept"].set_index("person_id")
    assert list(ours.index) == list(kept.index)
    for col in ("duration", "event", "entry"):
        np.testing.assert_array_equal(ours[col].to_numpy(float), kept[col].to_numpy(float), err_msg=col)
    dropped = r[r["reason"] != "kept"]["reason"].value_counts().to_dict()
    assert ours.attrs["dropped"] == dropped


@pytest.mark.parametrize("name", ["work_any", "work6_start", "work6_confirmed"])
def test_km_of_the_outcome_matches_r(golden_spells, name):
    d = OUTCOMES[name](golden_spells)
    km = dz.kaplan_meier(d, "duration", "event", group="arm", entry="entry")
    at = km.survival_at([6, 12, 18])
    exp = G["km"][name]
    assert list(at["arm"]) == exp["arm"]
    assert_close(at["survival"], exp["survival"], what="survival")
    assert_close(at["std_err"], exp["std_err"], what="std_err")


def test_occupancy_matches_r_multistate(golden_spells):
    occ = golden_spells.occupancy(origin="origin", group="arm", times=[6, 12, 18])
    exp = G["occupancy"]
    w = occ.wide()
    assert list(w.index.get_level_values(0)) == exp["arm"]
    assert_close(w[exp["states"]].to_numpy(), np.asarray(exp["pstate"]), rtol=1e-10, what="pstate")
    t = occ.at()
    risk = t.pivot_table(index=["arm", "time"], columns="state", values="n_risk", sort=False)[exp["states"]]
    np.testing.assert_array_equal(risk.to_numpy(), np.asarray(exp["n_risk"], dtype=float))


# -- hand-built panels ----------------------------------------------------------------------

def panel(rows: dict[int, str], origin: dict[int, int] | None = None) -> pd.DataFrame:
    """{person: "BBWWB..."} with B benefit, W work, O other, E education, . missing, _ no row;
    periods from 0."""
    code = {"B": "benefit", "W": "work", "O": "other", "E": "education", ".": None}
    out = []
    for p, s in rows.items():
        for t, ch in enumerate(s):
            if ch != "_":
                out.append({"id": p, "month": t, "status": code[ch], "start": (origin or {}).get(p, 0)})
    return pd.DataFrame(out)


def test_gap_tolerance_and_end_reasons():
    d = panel({1: "BWWBWWO", 2: "BWW.WWB", 3: "BWW__WW"})
    strict = dz.spells(d, "id", "month", "status").table
    assert list(strict[strict.person == 1]["state"]) == ["benefit", "work", "benefit", "work", "other"]
    t = dz.spells(d, "id", "month", "status", max_gap={"work": 1}).table
    one = t[t.person == 1]
    assert list(one["state"]) == ["benefit", "work", "other"]
    assert one["duration"].tolist() == [1, 5, 1] and one["n_bridged"].tolist() == [0, 1, 0]
    assert one["end_reason"].tolist() == ["work", "other", "end of panel"]
    two = t[t.person == 2]
    assert list(two["state"]) == ["benefit", "work", "benefit"]  # a missing month bridged too
    three = t[t.person == 3]  # two months without rows: more than the gap allows
    assert list(three["state"]) == ["benefit", "work", "work"]
    assert three["end_reason"].tolist() == ["work", "gap in the data", "end of panel"]
    # every state may get its own gap; an int applies to all
    assert len(dz.spells(d, "id", "month", "status", max_gap=2).table.query("person == 3")) == 2
    # bridging unobserved months only: the missing month and the two months without rows
    miss = dz.spells(d, "id", "month", "status", max_unobserved=2).table
    assert miss.query("person == 2")["state"].tolist() == ["benefit", "work", "benefit"]
    assert miss.query("person == 3")["state"].tolist() == ["benefit", "work"]
    assert miss.query("person == 1")["state"].tolist() == ["benefit", "work", "benefit", "work", "other"]


def test_left_panel_versus_end_of_panel_and_left_censoring():
    d = panel({1: "WWBBB", 2: "_BBB_"})
    t = dz.spells(d, "id", "month", "status").table
    assert t["left_censored"].tolist() == [True, False, False]
    assert t["end_reason"].tolist() == ["benefit", "end of panel", "left the panel"]


def test_time_to_work_rules():
    d = panel({
        1: "BBBWWWWWWW",   # job from month 3 lasting 7: event at 3 (k=6), confirmed at 9
        2: "BBWWBBWWWWWW",  # short job, then a sustained one from month 6
        3: "BBBBBBBBWW",   # job in the last months: undetermined for k = 6
        4: "WWWBBB",       # in work at the start: dropped
        5: "BBBB",         # no job: censored at the end
        6: "BWWWWWWW",     # job starts in the month after the origin
    })
    sp = dz.spells(d, "id", "month", "status")
    any_job = sp.time_to("work", origin="start").set_index("id")
    assert any_job.loc[[1, 2, 3, 5, 6], "duration"].tolist() == [3, 2, 8, 3, 1]
    assert any_job.loc[[1, 2, 3, 5, 6], "event"].tolist() == [1, 1, 1, 0, 1]
    assert any_job.attrs["dropped"] == {"in the target state at the start": 1}
    k6 = sp.time_to("work", origin="start", min_duration=6).set_index("id")
    assert k6.loc[[1, 2, 3, 5, 6], "duration"].tolist() == [3, 6, 7, 3, 1]
    assert k6.loc[[1, 2, 3, 5, 6], "event"].tolist() == [1, 1, 0, 0, 1]
    assert k6.loc[3, "reason"] == "undetermined at the end of the data"
    conf = sp.time_to("work", origin="start", min_duration=6, event_at="confirmed").set_index("id")
    assert conf.loc[[1, 2, 3, 5, 6], "duration"].tolist() == [9, 12, 10, 4, 7]
    assert conf.loc[[1, 2, 3, 5, 6], "event"].tolist() == [1, 1, 0, 0, 1]
    capped = sp.time_to("work", origin="start", min_duration=6, horizon=4).set_index("id")
    assert capped.loc[2, ["duration", "event", "reason"]].tolist() == [4, 0, "administrative censoring (horizon)"]


def test_origin_after_the_data_and_missing_origin_are_dropped_and_counted():
    d = panel({1: "BBWW", 2: "BBBB", 3: "BBBW"}, origin={1: 0, 2: 10, 3: 0})
    d.loc[d.id == 3, "start"] = np.nan
    out = dz.spells(d, "id", "month", "status").time_to("work", origin="start")
    assert out["id"].tolist() == [1]
    assert out.attrs["dropped"] == {"no data after the origin": 1, "no origin": 1}
    s = dz.drop_summary(out)
    assert s["count"].sum() == 3


def test_delayed_entry_for_people_already_on_benefit():
    # Benefit started 5 months before the panel: enters at 5, leaves for work at 5 + 3.
    d = panel({1: "BBBWW", 2: "_BBBB"})
    d["benefit_start"] = np.where(d.id == 1, -5, 1)
    ex = dz.spells(d, "id", "month", "status").time_to_exit("benefit", origin="benefit_start").set_index("id")
    assert ex.loc[1, ["entry", "duration", "event"]].tolist() == [5, 8, 1]
    assert ex.loc[2, ["entry", "duration", "event"]].tolist() == [0, 3, 0]  # censored: end of panel


def test_exit_confirmation_lag():
    d = panel({1: "BBWWW", 2: "BBWBB", 3: "BBOOO", 4: "BBBW"})
    sp = dz.spells(d, "id", "month", "status")
    lag0 = sp.time_to_exit("benefit", origin="start", causes={"work": 1}).set_index("id")
    assert lag0["event"].tolist() == [1, 1, 2, 1]
    assert lag0["cause"].tolist() == ["work", "work", "other", "work"]
    lag1 = sp.time_to_exit("benefit", origin="start", causes={"work": 1}, confirm_lag=1).set_index("id")
    assert lag1["event"].tolist() == [1, 2, 2, 0]
    assert lag1.loc[4, ["duration", "reason"]].tolist() == [2, "undetermined at the end of the data"]
    every = sp.time_to_exit("benefit", origin="start").attrs["causes"]
    assert every == {1: "other", 2: "work"}  # each destination its own code, in state order


def test_hours_threshold_reclassifies_work():
    d = panel({1: "BWWWB"})
    d["hours"] = [np.nan, 8.0, 20.0, 30.0, np.nan]
    sp = dz.spells(d, "id", "month", "status", hours="hours", min_hours=12)
    assert sp.table["state"].tolist() == ["benefit", "work below threshold", "work", "benefit"]
    assert sp.summary_counts.loc["work rows below a threshold", "count"] == 1
    assert sp.time_to("work", origin="start").loc[0, "duration"] == 2


def test_uitval_job_to_benefit():
    d = panel({1: "BWWWBB", 2: "BWWOO", 3: "BBWWW", 4: "WWBB"}, origin={1: 0, 2: 0, 3: 0, 4: 0})
    jobs = dz.spells(d, "id", "month", "status").spell_durations("work", ends_in="benefit", origin="start")
    assert jobs["id"].tolist() == [1, 2, 3]
    assert jobs["duration"].tolist() == [3, 2, 3]
    assert jobs["event"].tolist() == [1, 0, 0]
    assert jobs.attrs["dropped"]["left-censored spell (start unknown)"] == 1


def test_dates_and_periods_as_the_period_column():
    d = panel({1: "BBWW", 2: "BBBB"})
    d["date"] = pd.Timestamp("2023-11-01") + pd.to_timedelta(d["month"] * 31, unit="D")
    d["start_date"] = pd.Timestamp("2023-11-15")
    t = dz.spells(d, "id", "date", "status").table
    assert t["start"].tolist()[:2] == [pd.Timestamp("2023-11-01"), pd.Timestamp("2024-01-01")]
    out = dz.spells(d, "id", "date", "status").time_to("work", origin="start_date")
    assert out["duration"].tolist() == [2, 3]
    d["per"] = pd.PeriodIndex(d["date"], freq="M")
    assert dz.spells(d, "id", "per", "status").table["end"].iloc[1] == pd.Period("2024-02", "M")


def test_bad_panels_get_clear_errors():
    d = panel({1: "BBW"})
    dup = pd.concat([d, d.iloc[[1]]], ignore_index=True)
    with pytest.raises(dz.InputError, match="column 'month'.*second row for the same person and period"):
        dz.spells(dup, "id", "month", "status")
    with pytest.raises(dz.InputError, match="column 'month'.*whole numbers"):
        dz.spells(d.assign(month=d.month + 0.5), "id", "month", "status")
    with pytest.raises(dz.InputError, match="max_gap names 'job'"):
        dz.spells(d, "id", "month", "status", max_gap={"job": 1})
    with pytest.raises(dz.InputError, match="'job' is not a state"):
        dz.spells(d, "id", "month", "status").time_to("job", origin="start")
    with pytest.raises(dz.InputError, match="column 'start' must be constant within a person"):
        dz.spells(d.assign(start=[0, 1, 0]), "id", "month", "status").time_to("work", origin="start")
    with pytest.raises(dz.ColumnNotFoundError):
        dz.spells(d, "id", "month", "state")


# -- properties ------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="BWO._", min_size=1, max_size=14), min_size=1, max_size=6),
       st.integers(0, 2), st.integers(0, 2), st.randoms(use_true_random=False))
def test_every_person_month_is_in_at_most_one_spell(rows, gap, unobserved, rnd):
    d = panel(dict(enumerate(rows)))
    if d.empty or d["status"].notna().sum() == 0:
        return
    d = d.sample(frac=1.0, random_state=rnd.randint(0, 10_000))  # row order must not matter
    sp = dz.spells(d, "id", "month", "status", max_gap=gap, max_unobserved=unobserved, keep_rows=True)
    t = sp.table
    rs = sp.row_spell
    observed = d["status"].notna().to_numpy()
    assert (rs[observed] >= 0).all()  # every observed row is in a spell
    # a row's period lies inside its spell and the person matches
    inside = rs >= 0
    months = d["month"].to_numpy()[inside]
    ids = d["id"].to_numpy()[inside]
    sel = t.iloc[rs[inside]]
    assert ((sel["start"].to_numpy() <= months) & (months <= sel["end"].to_numpy())).all()
    assert (sel["person"].to_numpy() == ids).all()
    # spells of a person do not overlap; rows per spell add up to the rows assigned
    for _, g in t.groupby("person"):
        assert (g["start"].to_numpy()[1:] > g["end"].to_numpy()[:-1]).all()
    assert t["n_rows"].sum() == inside.sum()
    if gap == 0 and unobserved == 0:
        # without bridging, durations sum to the observed months
        assert t["duration"].sum() == observed.sum()
        assert (t["n_bridged"] == 0).all()


def test_end_to_end_share_still_employed_at_12_months():
    """Generated panel -> spells -> job durations -> KM share still in work at 12 months; the
    tailored arm, generated with a 0.7 job-loss multiplier, keeps more jobs than control."""
    p = dz.datasets.four_arm_panel(n_persons=3000, seed=7)
    sp = dz.spells(p, "person_id", "month", "status", max_gap={"work": 1})
    jobs = sp.spell_durations("work", ends_in="benefit", origin="programme_start", covariates=["arm"])
    km = dz.kaplan_meier(jobs, "duration", "event", group="arm")
    s12 = km.survival_at([12]).set_index("arm")["survival"]
    assert 0.3 < s12["control"] < 0.95
    assert s12["tailored guidance"] > s12["control"]
    fit = dz.cox(jobs, "duration", "event", "C(arm)")
    hr = fit.summary.loc["C(arm)[T.tailored guidance]", "exp_coef"]
    assert 0.5 < hr < 0.9  # the generator's 0.7


def test_occupancy_plot_stacks_one_area_per_state(golden_spells):
    import matplotlib

    matplotlib.use("Agg")
    occ = golden_spells.occupancy(origin="origin", group="arm", times=[6, 12])
    axes = occ.plot()
    assert len(axes) == 4
    assert len(axes[0].collections) == len(occ.states)  # one PolyCollection per state
    assert axes[3].get_title() == "tailored guidance"
    # the stacked top edge is 1 at every time: the shares add up
    top = axes[0].collections[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(1.0)


def test_pandas_polars_and_dict_panels_give_the_same_spells(backend):
    p = dz.datasets.four_arm_panel(n_persons=200, seed=4)
    ref = dz.spells(p, "person_id", "month", "status", max_gap={"work": 1})
    got = dz.spells(backend(p), "person_id", "month", "status", max_gap={"work": 1})
    assert got.table[["state", "duration", "end_reason"]].equals(ref.table[["state", "duration", "end_reason"]])
    a = ref.time_to("work", origin="programme_start")
    b = got.time_to("work", origin="programme_start")
    np.testing.assert_array_equal(a["duration"], b["duration"])
    np.testing.assert_array_equal(a["event"], b["event"])


def test_occupancy_bootstrap_intervals_hold_the_estimate(golden_spells):
    occ = golden_spells.occupancy(origin="origin", group="arm", times=[6, 12], n_resamples=60, seed=3)
    t = occ.at()
    assert ((t["lower"] <= t["share"] + 1e-12) & (t["share"] <= t["upper"] + 1e-12)).all()
    assert (t["upper"] - t["lower"]).max() > 0
    again = golden_spells.occupancy(origin="origin", group="arm", times=[6, 12], n_resamples=60, seed=3).at()
    pd.testing.assert_frame_equal(t, again)  # reproducible


def test_occupancy_bootstrap_in_the_core_equals_the_replicates_one_by_one():
    # without weights the replicates run in the core from the intervals collected once; with a
    # weight of 1 for everyone they run one by one through the occupancy estimator: the same
    # streams, the same intervals
    panel = dz.datasets.four_arm_panel(n_persons=300, seed=8)
    panel["one"] = 1.0
    panel["worker"] = panel["arm"].astype(str) + "/" + (panel["person_id"] % 6).astype(str)
    sp = dz.spells(panel, "person_id", "month", "status")
    for cluster in (None, "worker"):
        kw = dict(origin="programme_start", group="arm", times=[3, 6, 12], n_resamples=40, seed=2, cluster=cluster)
        core = sp.occupancy(**kw).at()
        loop = sp.occupancy(weights="one", **kw).at()
        pd.testing.assert_frame_equal(core, loop, check_exact=False, rtol=1e-13, atol=1e-15)


def test_hours_bands_and_adjacent_target_spells_as_one_run():
    d = panel({1: "BWWWWWWB"})
    d["hours"] = [np.nan, 15, 15, 30, 30, 30, 30, np.nan]
    sp = dz.spells(d, "id", "month", "status", hours="hours", hours_bands={"part-time": 12, "full-time": 28})
    assert sp.table["state"].tolist() == ["benefit", "part-time", "full-time", "benefit"]
    six = sp.time_to(["part-time", "full-time"], origin="start", min_duration=6)
    assert six.loc[0, ["duration", "event"]].tolist() == [1, 1]  # one run of 6 months of work >= 12 h
    ft = sp.time_to("full-time", origin="start", min_duration=4)
    assert ft.loc[0, ["duration", "event"]].tolist() == [3, 1]
    seven = sp.time_to(["part-time", "full-time"], origin="start", min_duration=7)
    assert seven.loc[0, "event"] == 0
    with pytest.raises(ValueError, match="min_hours or hours_bands"):
        dz.spells(d, "id", "month", "status", hours="hours", min_hours=12, hours_bands={"pt": 12})


def test_dates_map_to_calendar_months_before_1970_and_with_time_zones():
    from duurzaam.spells import _to_periods

    local = pd.Series(pd.to_datetime(["2023-01-31 23:00", "2023-02-01 00:00"]).tz_localize("Europe/Amsterdam"))
    assert _to_periods(local, "m")[0].tolist() == [636, 637]  # the wall-clock month
    old = pd.Series(pd.to_datetime(["1969-12-15", "2024-03-31"]))
    assert _to_periods(old, "m")[0].tolist() == [-1, 650]


def test_occupancy_standard_errors_match_r_survfit():
    """The infinitesimal-jackknife standard errors of the occupancy, persons as units (R needs
    gap-free follow-up per id, so this uses the persons without a gap; delayed entry included)."""
    g = G["occupancy_nogap"]
    sub = PANEL[PANEL["person_id"].isin(g["persons"])]
    occ = dz.spells(sub, "person_id", "month", "status", max_gap={"work": 1}).occupancy(
        origin="origin", group="arm", times=[6, 12, 18])
    t = occ.at()
    states = G["occupancy"]["states"]
    wide = lambda col: t.pivot_table(index=["arm", "time"], columns="state", values=col, sort=False)[states].to_numpy()
    assert_close(wide("share"), np.asarray(g["pstate"]), rtol=1e-10, what="pstate")
    assert_close(wide("std_err"), np.asarray(g["std_err"]), rtol=1e-8, what="std_err")


def test_a_job_that_starts_in_the_last_month_of_the_panel():
    d = panel({1: "BBBBW", 2: "BBBBB"})
    sp = dz.spells(d, "id", "month", "status")
    any_job = sp.time_to("work", origin="start").set_index("id")
    assert any_job.loc[1, ["duration", "event"]].tolist() == [4, 1]  # found work in month 4
    k6 = sp.time_to("work", origin="start", min_duration=6).set_index("id")
    # whether it lasts six months is unknown: censored just before it started
    assert k6.loc[1, ["duration", "event", "reason"]].tolist() == [3, 0, "undetermined at the end of the data"]
    conf = sp.time_to("work", origin="start", min_duration=6, event_at="confirmed").set_index("id")
    assert conf.loc[1, ["duration", "event"]].tolist() == [5, 0]  # observed through the end of month 4
    assert k6.loc[2, ["duration", "event", "reason"]].tolist() == [4, 0, "end of panel"]


def test_uitval_within_a_window_after_the_job():
    # 1: job, one month other, then benefit (a detour); 2: job, three months other, benefit;
    # 3: job, one month other, data end (undetermined with a window of 2)
    d = panel({1: "BWWWOBB", 2: "BWWOOOB", 3: "BWWO"}, origin={1: 0, 2: 0, 3: 0})
    sp = dz.spells(d, "id", "month", "status")
    direct = sp.spell_durations("work", ends_in="benefit", origin="start")
    assert direct["event"].tolist() == [0, 0, 0]
    two = sp.spell_durations("work", ends_in="benefit", origin="start", within=2).set_index("id")
    assert two["event"].tolist() == [1, 0, 0]
    assert two.loc[1, "duration"] == 3  # the job's duration, not the detour's
    assert two.loc[3, "reason"] == "undetermined at the end of the data"
    assert two.loc[2, "reason"] == "other"
    four = sp.spell_durations("work", ends_in="benefit", origin="start", within=4)
    assert four["event"].tolist() == [1, 1, 0]


# --- calendar months as CBS delivers them (issue 16) ---------------------------------------------

def _calendar(panel, as_):
    """The same panel with its dates written as YYYYMM integers or as "YYYY-MM" text."""
    def conv(d):
        return d.dt.year * 100 + d.dt.month if as_ == "yyyymm" else d.dt.strftime("%Y-%m").astype(object)
    return panel.assign(month=conv(panel["month"]), programme_start=conv(panel["programme_start"]))


@pytest.mark.parametrize("as_", ["yyyymm", "text"])
def test_yyyymm_and_text_months_give_the_month_count_results(as_):
    """January follows December: a YYYYMM (or text) panel gives what the same panel with dates
    gives (YYYYMM used to be read as month numbers: 202301 - 202212 an 89-month gap)."""
    panel = dz.datasets.four_arm_panel(n_persons=300, seed=4)
    cal = _calendar(panel, as_)
    a = dz.spells(panel, "person_id", "month", "status", max_gap={"work": 1})
    b = dz.spells(cal, "person_id", "month", "status", max_gap={"work": 1})
    np.testing.assert_array_equal(a.table["duration"].to_numpy(), b.table["duration"].to_numpy())
    assert (a.table["end_reason"].to_numpy() == b.table["end_reason"].to_numpy()).all()
    ta = a.time_to("work", origin="programme_start", min_duration=6)
    tb = b.time_to("work", origin="programme_start", min_duration=6)
    pd.testing.assert_frame_equal(ta.reset_index(drop=True), tb.reset_index(drop=True))
    if as_ == "yyyymm":
        assert b.table["start"].between(200001, 203012).all()


def test_ambiguous_or_bad_months_are_refused_not_misread():
    d = pd.DataFrame({"id": 1, "month": [202211, 202212, 202301, 5], "status": "work"})
    with pytest.raises(dz.InputError, match="period_format='yyyymm'"):
        dz.spells(d, "id", "month", "status")
    sp = dz.spells(d.assign(month=[202211, 202212, 202301, 202302]), "id", "month", "status", period_format="count")
    assert sp.table["duration"].tolist() == [1, 1, 1, 1] or len(sp.table) > 1   # read as numbers on request
    with pytest.raises(dz.InputError, match="not a YYYYMM month .row 1."):
        dz.spells(d.assign(month=[202211, 202213, 202301, 202302]), "id", "month", "status", period_format="yyyymm")
    with pytest.raises(dz.InputError, match="not a month or date"):
        dz.spells(d.assign(month=["2022-11", "2022-12", "januari", "2023-02"]), "id", "month", "status")


def test_hours_bands_leave_no_empty_work_state_and_spell_durations_count_censoring():
    panel = dz.datasets.four_arm_panel(n_persons=300, seed=3)
    sp = dz.spells(panel, "person_id", "month", "status", hours="hours",
                   hours_bands={"part-time work": 12, "full-time work": 28}, max_gap={"work": 1})
    assert "work" not in sp.states and {"part-time work", "full-time work"} <= set(sp.states)
    # the gap given for work holds for each band: same as naming the bands
    sp2 = dz.spells(panel, "person_id", "month", "status", hours="hours",
                    hours_bands={"part-time work": 12, "full-time work": 28},
                    max_gap={"part-time work": 1, "full-time work": 1})
    pd.testing.assert_frame_equal(sp.table, sp2.table)
    jobs = dz.spells(panel, "person_id", "month", "status", max_gap={"work": 1}).spell_durations(
        "work", ends_in="benefit", origin="programme_start")
    summary = dz.drop_summary(jobs)
    censored = summary[summary["outcome"] == "censored"]
    assert censored["count"].sum() == int((jobs["event"] == 0).sum()) > 0
    assert set(censored["reason"]) == set(jobs.loc[jobs["event"] == 0, "reason"])


# --- months missing before the event: interval-censored outcomes (issue 16) -----------------------

def test_the_issue_example_a_gap_right_after_the_origin():
    """benefit, missing, other, other, other, work (from month 5): right-censored, the person has
    no time at risk; interval-censored, the first job started in (0, 5]."""
    d = pd.DataFrame({"id": 1, "month": [0, 2, 3, 4, 5, 6, 7],
                      "status": ["benefit", "other", "other", "other", "work", "work", "work"], "start": 0})
    sp = dz.spells(d, "id", "month", "status")
    with pytest.raises(dz.errors.EmptyDataError, match="no time at risk"):
        sp.time_to("work", origin="start")
    iv = sp.time_to("work", origin="start", censoring="interval")
    assert (iv["lower"].tolist(), iv["upper"].tolist()) == ([0.0], [5.0])


def _first_job_by_hand(panel, origin_col):
    """An independent reading of "time to the first job" (min_duration=1, no bridging) as an
    interval, month by month: (lower, upper] with upper NaN for right-censored."""
    out = {}
    for pid, g in panel.groupby("person_id", sort=True):
        months = {m: st for m, st in zip(g["m"], g["status"]) if not pd.isna(st)}   # a missing status: unobserved
        if not months:
            continue
        o = int(g[origin_col].iloc[0])
        first, last = min(months), max(months)
        if last < o:
            continue
        m0 = max(o, first)
        while m0 not in months:
            m0 += 1
        # the first observed state at or after the origin must not be work (and not the tail of a
        # job that started before: a work run reaching back to the origin is "in work at start")
        if months[m0] == "work":
            continue
        lower, upper, m, gap_seen = None, np.nan, m0, False
        prev_state = months[m0]
        while m <= last:
            if m not in months:
                if lower is None:
                    lower = (m - 1) - o
                gap_seen = True
            elif months[m] == "work":
                if lower is None:
                    lower = upper = m - o
                else:
                    upper = m - o
                break
            prev_state = months.get(m, prev_state)
            m += 1
        if lower is None:          # no gap, no job: censored at the end of the data
            lower = last - o
        out[pid] = (float(lower), float(upper))
    return out


def test_interval_censored_outcome_agrees_with_a_hand_reading():
    panel = dz.datasets.four_arm_panel(n_persons=150, seed=8)
    panel = panel.assign(m=panel["month"].dt.year * 12 + panel["month"].dt.month,
                         o=panel["programme_start"].dt.year * 12 + panel["programme_start"].dt.month)
    rng = np.random.default_rng(2)
    firsts = ~panel.duplicated("person_id")
    panel = panel[firsts | (rng.random(len(panel)) > 0.04)]          # about 4% of months missing
    sp = dz.spells(panel, "person_id", "m", "status")
    iv = sp.time_to("work", origin="o", censoring="interval", covariates=["age"]).set_index("person_id")
    want = _first_job_by_hand(panel, "o")
    common = sorted(set(want) & set(iv.index))
    assert len(common) > 100 and set(iv.index) <= set(want)
    got = iv.loc[common, ["lower", "upper"]].to_numpy()
    exp = np.array([want[p] for p in common])
    np.testing.assert_array_equal(got[:, 0], exp[:, 0])
    np.testing.assert_array_equal(np.isnan(got[:, 1]), np.isnan(exp[:, 1]))
    ok = ~np.isnan(exp[:, 1])
    np.testing.assert_array_equal(got[ok, 1], exp[ok, 1])
    assert ((got[:, 1] > got[:, 0]) & ~np.isnan(got[:, 1])).sum() > 5     # gaps bounded by a later job
    # ready for an AFT model of interval-censored data
    fit = dz.aft(iv.reset_index().assign(lower=lambda x: x["lower"].clip(lower=0)), None, None, ["age"],
                 lower="lower", upper="upper", dist="weibull")
    assert np.isfinite(fit.summary["coef"]).all()


def _month_index(values: pd.Series) -> np.ndarray:
    m = pd.to_datetime(values)
    return (m.dt.year * 12 + m.dt.month).to_numpy()


def test_competing_destinations_from_any_state_read_off_the_raw_panel():
    # Independent check on the raw panel, month by month: before the event no destination
    # month follows the origin, the event month is in the cause's state; censored persons have
    # no destination month up to their censoring time.
    panel = dz.datasets.four_arm_panel(n_persons=400, seed=5)
    sp = dz.spells(panel, "person_id", "month", "status")
    dest = {"work": 1, "education": 2, "other": 2}
    d = sp.time_to_first(dest, origin="programme_start")
    assert d.attrs["causes"] == {1: "work", 2: "education, other"}
    union = sp.time_to(["work", "education", "other"], origin="programme_start")
    assert (d["person_id"].to_numpy() == union["person_id"].to_numpy()).all()
    assert (d["duration"].to_numpy() == union["duration"].to_numpy()).all()
    assert ((d["event"] > 0).astype(int).to_numpy() == union["event"].to_numpy()).all()
    code = panel["status"].astype(str).map({k: v for k, v in dest.items()}).fillna(0).astype(int)
    month = _month_index(panel["month"])
    origin = _month_index(panel["programme_start"])
    by_person = {p: (month[i], code.to_numpy()[i], origin[i[0]])
                 for p, i in panel.groupby("person_id").indices.items()}
    seen = set(d["event"])
    assert seen == {0, 1, 2}
    for p, dur, ev in zip(d["person_id"], d["duration"].astype(int), d["event"]):
        m, c, o = by_person[p]
        between = (m > o) & (m < o + dur)
        assert not (c[between] > 0).any(), p
        if ev:
            assert c[m == o + dur].tolist() == [ev], p
        else:
            assert not (c[(m > o) & (m <= o + dur)] > 0).any(), p
    # Everyone is either in the rows or counted as dropped.
    assert len(d) + sum(d.attrs["dropped"].values()) == panel["person_id"].nunique()
    with pytest.raises(dz.InputError, match="1..k"):
        sp.time_to_first({"work": 1, "education": 3}, origin="programme_start")
    with pytest.raises(dz.InputError, match="not a state"):
        sp.time_to_first(["wrok"], origin="programme_start")


def test_origin_from_an_event_in_the_panel():
    panel = dz.datasets.four_arm_panel(n_persons=400, seed=6)
    sp = dz.spells(panel, "person_id", "month", "status")
    start = sp.event_origin("work", at="start", after="programme_start")
    end = sp.event_origin("work", at="end", after="programme_start", min_duration=3)
    assert start.attrs["counts"]["persons with an origin"] + start.attrs["counts"]["persons without one"] == 400
    month = _month_index(panel["month"])
    origin = _month_index(panel["programme_start"])
    work = (panel["status"].astype(str) == "work").to_numpy()
    for p, i in panel.groupby("person_id").indices.items():
        after = month[i] > origin[i[0]]
        first_work = month[i][after & work[i]]
        s = start.loc[p]
        if len(first_work):
            # the first work month after the origin starts the first work spell after it
            assert _month_index(pd.Series([s]))[0] == first_work.min(), p
        else:
            assert pd.isna(s), p
        e = end.loc[p]
        if not pd.isna(e):
            em = _month_index(pd.Series([e]))[0]
            assert work[i][month[i] == em].all() and not work[i][month[i] == em + 1].any(), p
            assert em in month[i] and (em + 1) in month[i], p  # the end is observed
    # time from the end of the first job of 3+ months back to benefit: an origin series works
    d = sp.time_to_first(["benefit"], origin=end)
    assert d.attrs["dropped"]["no origin"] == end.isna().sum()
    with pytest.raises(dz.InputError, match="at must be"):
        sp.event_origin("work", at="middle")


def test_time_varying_covariates_split_as_r_tmerge(golden_spells):
    # tests/golden/make_golden_tvc.R: R's tmerge(tdc()) on the R-computed outcome, the same
    # covariates made with the same arithmetic; rows merged where nothing changes.
    T = golden("tvc.json")
    p = PANEL.sort_values(["person_id", "month"]).copy()
    p["coach"] = (p["person_id"] * 7 + p["month"] * 3) % 5
    p["coach_so_far"] = p.groupby("person_id")["coach"].cumsum().astype(float)
    p.loc[(p["person_id"] + p["month"]) % 7 == 0, "coach_so_far"] = np.nan
    p["caseworker"] = ((p["person_id"] + p["month"] // 6) % 3).astype(float)
    p.loc[(p["person_id"] + p["month"]) % 11 == 0, "caseworker"] = np.nan
    sp = dz.spells(p, "person_id", "month", "status", max_gap={"work": 1})
    d = sp.time_to("work", origin="origin")
    with pytest.raises(dz.InputError, match="no value of"):
        sp.counting_process(d, ["coach_so_far", "caseworker"], origin="origin")
    rows = sp.counting_process(d, ["coach_so_far", "caseworker"], origin="origin", missing="keep")
    r = pd.DataFrame(T["rows"])
    assert len(rows) == len(r)
    np.testing.assert_array_equal(rows["person_id"].to_numpy(), r["id"].to_numpy())
    for ours, theirs in (("start", "start"), ("stop", "stop"), ("event", "event"), ("coach_so_far", "coach_so_far"),
                         ("caseworker", "caseworker")):
        np.testing.assert_array_equal(rows[ours].to_numpy(float), r[theirs].to_numpy(float), err_msg=ours)
    fit = dz.cox(rows.dropna(), "stop", "event", "coach_so_far + C(caseworker)", entry="start", cluster="person_id")
    assert_close(fit.coef.to_numpy(), T["coef"], rtol=1e-6, what="coef")
    assert_close(fit.var.to_numpy().ravel(), T["robust_var"], rtol=1e-6, what="robust variance")


def test_a_covariate_that_changes_within_persons_warns_of_immortal_time():
    panel = dz.datasets.four_arm_panel(n_persons=200, seed=2)
    sp = dz.spells(panel, "person_id", "month", "status")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sp.time_to("work", origin="programme_start", covariates=["arm", "age"])  # fixed: silent
    with pytest.warns(dz.ImmortalTimeWarning, match="column 'hours' changes within"):
        sp.time_to("work", origin="programme_start", covariates=["hours"])


def test_event_origin_on_integer_and_yyyymm_periods(golden_spells):
    # Integer periods keep their integers (missing: <NA>) and read back as an origin.
    o = golden_spells.event_origin("work", at="end", after="origin")
    assert str(o.dtype) == "Int64" and o.isna().any()
    d = golden_spells.time_to_first(["benefit"], origin=o)
    assert d.attrs["dropped"]["no origin"] == int(o.isna().sum())
    p = PANEL.assign(month=202001 + PANEL["month"] % 12 + 100 * (PANEL["month"] // 12))
    sp = dz.spells(p, "person_id", "month", "status", max_gap={"work": 1})
    o2 = sp.event_origin("work", at="end", after=p.groupby("person_id")["origin"].first().map(
        lambda m: 202001 + m % 12 + 100 * (m // 12)))
    assert (o2.dropna() % 100 <= 12).all()
    d2 = sp.time_to_first(["benefit"], origin=o2)
    np.testing.assert_array_equal(d2["duration"].to_numpy(), d.set_index("person_id").loc[d2["person_id"], "duration"])


def test_mean_hours_over_time_equal_a_pandas_groupby():
    panel = dz.datasets.four_arm_panel(n_persons=500, seed=8)
    sp = dz.spells(panel, "person_id", "month", "status")
    p = panel.assign(t=(panel["month"].dt.to_period("M") - panel["programme_start"].dt.to_period("M")).map(
        lambda d: d.n))
    p = p[(p["t"] >= 0) & (p["t"] <= 12)]
    work = p[(p["status"].astype(str) == "work") & p["hours"].notna()]
    want = work.groupby(["arm", "t"], observed=True)["hours"].agg(["mean", "size"])
    got = sp.mean_over_time("hours", origin="programme_start", group="arm", horizon=12, in_state="work")
    got = got[got["n"] > 0].set_index(["arm", "time"])
    assert len(got) == len(want)
    np.testing.assert_allclose(got["mean"].to_numpy(), want["mean"].to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(got["n"].to_numpy(), want["size"].to_numpy())
    overall = sp.mean_over_time("hours", origin="programme_start", group="arm", horizon=12, fill=0)
    want0 = p.assign(h=p["hours"].fillna(0)).groupby(["arm", "t"], observed=True)["h"].mean()
    np.testing.assert_allclose(overall.set_index(["arm", "time"])["mean"].to_numpy(), want0.to_numpy(), rtol=1e-12)
    b = sp.mean_over_time("hours", origin="programme_start", group="arm", horizon=12, fill=0, n_resamples=100,
                          cluster="municipality", seed=3)
    assert ((b["lower"] <= b["mean"]) & (b["mean"] <= b["upper"])).all()
    with pytest.raises(dz.InputError, match="not a state"):
        sp.mean_over_time("hours", origin="programme_start", in_state="wrok")


def test_jobs_running_at_the_origin_as_left_truncated_spells():
    # Months 1..12; the origin (coaching start) is month 4 for everyone.
    rows = []
    status = {
        1: ["benefit"] * 2 + ["work"] * 6 + ["benefit"] * 4,   # job 3..8 running at 4: entry 2, ends in benefit
        2: ["benefit"] * 1 + ["work"] * 3 + ["other"] * 8,     # job 2..4 ends at the origin: dropped
        3: ["work"] * 12,                                      # job from month 1: start unknown, dropped
        4: ["benefit"] * 5 + ["work"] * 7,                     # job 6..12 after the origin: entry 0, censored
        5: ["benefit"] * 3 + ["work"] * 9,                     # job 4..12 starts at the origin: entry 1
    }
    for p, st in status.items():
        rows += [{"person": p, "month": m + 1, "status": s, "origin": 4} for m, s in enumerate(st)]
    sp = dz.spells(pd.DataFrame(rows), "person", "month", "status")
    dropped = sp.spell_durations("work", ends_in="benefit", origin="origin")
    assert list(dropped["person"]) == [4]
    d = sp.spell_durations("work", ends_in="benefit", origin="origin", running_at_origin="entry").set_index("person")
    assert list(d.index) == [1, 4, 5]
    assert d.loc[1, ["duration", "event", "entry"]].tolist() == [6.0, 1, 2.0]
    assert d.loc[4, ["duration", "event", "entry"]].tolist() == [7.0, 0, 0.0]
    assert d.loc[5, ["duration", "event", "entry"]].tolist() == [9.0, 0, 1.0]
    assert d.attrs["left_truncated"] == 2
    assert d.attrs["dropped"]["left-censored spell (start unknown)"] == 1
    assert d.attrs["dropped"]["spell starts at or before the origin and ends by it"] == 1
    km = dz.kaplan_meier(d.reset_index(), "duration", "event", entry="entry")
    row = km.table.set_index("time").loc[6.0]
    assert row["n_risk"] == 3 and row["n_event"] == 1  # all three jobs are at risk at month 6 of the job


def test_employer_changes_start_spells_and_continuity_is_read_from_them():
    panel = pd.DataFrame({
        "id": [1] * 8 + [2] * 4 + [3] * 3,
        "month": list(range(1, 9)) + list(range(1, 5)) + [1, 2, 3],
        "status": ["benefit", "subsidised", "subsidised", "work", "work", "work", "benefit", "work",
                   "benefit", "subsidised", "work", "work", "subsidised", "benefit", "benefit"],
        "emp": [None, "A", "A", "A", "B", "B", None, "C", None, "D", "E", "E", "F", None, None]})
    sp = dz.spells(panel, "id", "month", "status", employer="emp")
    t = sp.table
    assert t["emp"].tolist() == [None, "A", "A", "B", None, "C", None, "D", "E", "F", None]
    assert t.loc[2, "end_reason"] == "new employer" and (t.loc[2, "start"], t.loc[2, "end"]) == (4, 4)
    # a job with one employer ends at the change: censored for the return to benefit
    jobs = sp.spell_durations("work", ends_in="benefit", first_only=False)
    assert jobs["duration"].tolist()[:2] == [1, 2] and jobs["event"].tolist()[:2] == [0, 1]
    # sustained work still counts adjacent jobs with different employers as one run (months 4-6)
    sus = sp.time_to("work", origin={1: 1, 2: 1, 3: 1}, min_duration=3)
    assert sus.loc[sus["id"] == 1, "event"].item() == 1 and sus.loc[sus["id"] == 1, "duration"].item() == 3
    c = sp.employer_continuity("subsidised", within=2)
    assert c["outcome"].tolist() == ["same employer", "other employer", "not observed"]
    assert c["next_employer"].tolist()[:2] == ["A", "E"] and c["months_between"].tolist()[:2] == [0, 0]
    assert sp.employer_continuity("subsidised", within=0).loc[0, "outcome"] == "same employer"
    with pytest.raises(dz.InputError, match="employer="):
        dz.spells(panel, "id", "month", "status").employer_continuity("subsidised")
    # without the employer column nothing changes
    plain = dz.spells(panel, "id", "month", "status")
    assert "emp" not in plain.table.columns and (plain.table["state"] == "work").sum() == 3
