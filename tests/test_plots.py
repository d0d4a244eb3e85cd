"""Plots fail loudly when they break: the tests assert on what was drawn (step data equal to the
table, bands, the at-risk table's numbers, the forest plot's points), not on pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import duurzaam as dz  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def rossi():
    return dz.datasets.load_rossi()


def test_km_curves_bands_and_at_risk_table():
    km = dz.kaplan_meier(rossi(), "week", "arrest", group="fin")
    ax = km.plot(at_risk_times=[0, 26, 52])
    lines = ax.get_lines()
    assert len(lines) == 2
    t = km.table
    for line, lvl in zip(lines, km.levels):
        part = t[t["fin"] == lvl]
        np.testing.assert_array_equal(line.get_xdata()[1:], part["time"])
        np.testing.assert_array_equal(line.get_ydata()[1:], part["survival"])
        assert line.get_ydata()[0] == 1.0
    assert len(ax.collections) == 2  # one confidence band per arm
    at_risk = {t.get_gid(): t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("at_risk:")}
    # at risk at week 26: R's summary(fit, times = 26) n.risk = 187 (fin = 0) and 194 (fin = 1)
    assert at_risk["at_risk:0:26"] == "187" and at_risk["at_risk:1:26"] == "194"
    assert at_risk["at_risk:0:0"] == "216" and at_risk["at_risk:1:0"] == "216"


def test_share_in_work_is_one_minus_survival():
    km = dz.kaplan_meier(rossi(), "week", "arrest")
    ax = km.plot(share_event=True, at_risk=False, ci=False)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata()[1:], 1 - km.table["survival"])
    assert not ax.texts and not ax.collections


def test_forest_plot_draws_hazard_ratios():
    fit = dz.cox(rossi(), "week", "arrest", ["fin", "age", "prio"])
    ax = fit.plot()
    pts = ax.get_lines()[0]
    np.testing.assert_allclose(sorted(pts.get_xdata()), sorted(fit.summary["exp_coef"]))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fin", "age", "prio"]
    assert ax.get_xscale() == "log"


def test_bootstrap_and_schoenfeld_plots():
    bs = dz.bootstrap(dz.cox, rossi(), "week", "arrest", ["fin", "age"], n_resamples=100, seed=1, progress=False)
    ax = bs.plot("fin")
    ci = bs.ci("percentile").iloc[0]
    vlines = [ln.get_xdata()[0] for ln in ax.get_lines()]
    assert vlines[0] == pytest.approx(bs.estimate["fin"])
    assert vlines[1:] == pytest.approx([ci["lower"], ci["upper"]])
    fit = dz.cox(rossi(), "week", "arrest", ["fin", "age"])
    ax2 = fit.plot_ph("age")
    assert len(ax2.collections[0].get_offsets()) == 114  # one point per event


def test_cumulative_incidence_plot():
    d = {"months": [1, 2, 2, 3, 4, 5, 5, 6, 7, 8], "exit": [1, 2, 0, 1, 0, 2, 1, 1, 0, 2]}
    ci = dz.cumulative_incidence(d, "months", "exit")
    ax = ci.plot(labels={1: "work", 2: "other exit"})
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["work", "other exit"]
    t = ci.table
    np.testing.assert_array_equal(lines[0].get_ydata()[1:], t[t.cause == 1]["cif"])
    assert len(ax.collections) == 2


def test_disclosure_control_on_the_km_plot():
    """With round_to, the drawn curve is the safe table's and the at-risk numbers are rounded;
    a number below min_count is shown as "<min_count", never as itself."""
    km = dz.kaplan_meier(rossi(), "week", "arrest", group="fin")
    safe, _ = km.safe_table(round_to=5, min_count=10)
    ax = km.plot(at_risk_times=[0, 26, 52, 60], round_to=5, min_count=10)
    first = ax.get_lines()[0]
    part = safe[safe["fin"] == 0]
    np.testing.assert_array_equal(first.get_ydata()[1:], part["survival"].to_numpy())
    labels = [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("at_risk:")]
    assert labels and all(lab == "<10" or float(lab) % 5 == 0 for lab in labels)
    assert "<10" in labels  # past the end of follow-up (60 weeks) nobody is at risk: suppressed, not 0
    assert any(t.get_gid() == "disclosure_note" for t in ax.texts)


def test_censor_marks_and_cumulative_events_under_the_curves():
    r = rossi()
    km = dz.kaplan_meier(r, "week", "arrest", group="fin")
    ax = km.plot(at_risk_times=[0, 26, 52], censor_marks=True, events=True)
    t = km.table
    for r_i, lvl in enumerate(km.levels):
        part = t[t["fin"] == lvl]
        marks = [ln for ln in ax.get_lines() if ln.get_gid() == f"censor:{lvl}"][0]
        cens = part[part["n_censor"] > 0]
        np.testing.assert_array_equal(marks.get_xdata(), cens["time"].to_numpy())
        np.testing.assert_allclose(marks.get_ydata(), cens["survival"].to_numpy())
        texts = {tx.get_gid(): tx.get_text() for tx in ax.texts}
        for tick in (26, 52):
            want = int(part.loc[part["time"] <= tick, "n_event"].sum())
            assert texts[f"events:{r_i}:{tick}"] == str(want)


def test_cif_plot_pairs_arm_by_colour_and_cause_by_style():
    r = rossi().assign(cause=lambda d: np.where(d["arrest"] == 1, 1 + (d["age"] > 25), 0))
    ci = dz.cumulative_incidence(r, "week", "cause", group="fin")
    ax = ci.plot(labels={1: "young", 2: "older"}, at_risk=True, at_risk_times=[0, 26])
    curves = [ln for ln in ax.get_lines() if ln.get_label() and not ln.get_label().startswith("_")]
    style = {ln.get_label(): (ln.get_color(), ln.get_linestyle()) for ln in curves}
    assert style["young, 0"][0] == style["older, 0"][0] != style["young, 1"][0]
    assert style["young, 0"][1] == style["young, 1"][1] != style["older, 0"][1]
    top = ci.table["upper"].max()
    assert top < ax.get_ylim()[1] <= 1.02 and ax.get_ylim()[1] < 0.5  # the axis fits the curves
    texts = {tx.get_gid(): tx.get_text() for tx in ax.texts}
    assert texts["at_risk:0:0"] == str(int((r["fin"] == 0).sum()))


def test_dutch_report_figures_write_decimal_commas():
    from duurzaam.report import _fig

    fig = _fig(lambda ax: ax.plot([0, 1], [0.0, 0.5]), lang="nl")
    fig.canvas.draw()
    labels = [tx.get_text() for tx in fig.axes[0].get_yticklabels()]
    assert "0,2" in labels and not any("." in lb for lb in labels)


def test_schoenfeld_points_pair_each_residual_with_its_own_time():
    # The residuals come in time order, the test's times in the data's row order: each point
    # must sit at its own event's time (a mix-up scatters residuals at other events' times).
    fit = dz.cox(rossi(), "week", "arrest", ["fin", "age", "prio"])
    ax = fit.plot_ph("age", transform="identity")
    pts = ax.collections[0].get_offsets()
    detail = fit._detail()
    np.testing.assert_array_equal(pts[:, 0], np.asarray(detail["schoenfeld_time"], dtype=float))
    np.testing.assert_allclose(pts[:, 1], fit.residuals("scaledsch")[:, 1])
    ax = fit.plot_ph("age")  # km scale: labelled in weeks, increasing
    labels = [float(t.get_text()) for t in ax.get_xticklabels()]
    assert labels == sorted(labels) and len(labels) >= 3
    assert [ln for ln in ax.get_lines() if ln.get_gid() == "smooth"]
    with pytest.raises(dz.InputError, match="not in the model"):
        fit.plot_ph("wexp")
