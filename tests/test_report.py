"""dz.evaluate_panel and `duurzaam demo`: the report's tables are the API's numbers, the HTML
holds every section with its figure, the demo command writes it."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz


@pytest.fixture(scope="module")
def panel():
    return dz.datasets.four_arm_panel(n_persons=600, seed=3)


@pytest.fixture(scope="module")
def evaluation(panel):
    return dz.evaluate_panel(panel, person="person_id", period="month", status="status", arm="arm",
                             origin="programme_start", cluster="municipality", covariates=["age"],
                             n_resamples=50, seed=4)


def test_tables_are_the_api_numbers(panel, evaluation):
    sp = dz.spells(panel, "person_id", "month", "status", max_gap={"work": 1}, max_unobserved=1)
    d = sp.time_to("work", origin="programme_start", min_duration=6, covariates=["arm"])
    at = dz.kaplan_meier(d, "duration", "event", group="arm", entry="entry").survival_at([6, 12, 18])
    np.testing.assert_allclose(evaluation.tables["sustained_work_at"]["share"], 1 - at["survival"], rtol=1e-12)
    lr = dz.logrank(d, "duration", "event", "arm", entry="entry")
    assert evaluation.tables["logrank"]["statistic"].iloc[0] == pytest.approx(lr.statistic, rel=1e-12)
    occ = sp.occupancy(origin="programme_start", group="arm", times=[6, 12, 18]).wide().reset_index()
    pd.testing.assert_frame_equal(evaluation.tables["occupancy_at"], occ)
    rm = evaluation.tables["rmst"]
    assert list(rm["group"]) == ["more guidance", "remote guidance (app)", "tailored guidance"]
    assert (rm["boot_lower"] < rm["difference"]).all() and (rm["difference"] < rm["boot_upper"]).all()
    # the drop summary accounts for every person under each rule
    dropped = evaluation.tables["dropped"]
    persons = dropped[dropped["analysis"] == "sustained work"]["count"].sum()
    assert persons == panel["person_id"].nunique()


def test_html_report_has_every_section_with_its_figure(evaluation, tmp_path):
    path = evaluation.write(tmp_path / "rep")
    text = path.read_text()
    for heading in ("Time to sustained work", "Hazard ratios", "Leaving benefit", "Where people are", "Job retention"):
        assert heading in text
    # every outcome section has its figure
    assert set(evaluation.figures) == {"sustained_work", "any_work", "forest", "exits", "occupancy", "retention"}
    assert text.count("data:image/png;base64,") == len(evaluation.figures)
    assert (tmp_path / "rep" / "cox.csv").exists() and (tmp_path / "rep" / "occupancy.png").exists()
    assert "<table" in evaluation._repr_html_()


def test_rounded_counts_for_publication(panel):
    ev = dz.evaluate_panel(panel, person="person_id", period="month", status="status", arm="arm",
                           origin="programme_start", n_resamples=0, round_to=5)
    counts = ev.tables["dropped"]["count"].dropna()
    assert (counts % 5 == 0).all()
    assert "boot_lower" not in ev.tables["rmst"]


def test_unknown_control_arm(panel):
    with pytest.raises(ValueError, match="control 'none' is not a level"):
        dz.evaluate_panel(panel, person="person_id", period="month", status="status", arm="arm",
                          origin="programme_start", control="none", n_resamples=0)


def test_demo_command_writes_the_report(tmp_path):
    out = subprocess.run([sys.executable, "-m", "duurzaam", "demo", "--out", str(tmp_path / "demo"), "--persons", "400",
                          "--resamples", "20"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Four-arm experiment" in out.stdout and "report written" in out.stdout
    assert (tmp_path / "demo" / "report.html").stat().st_size > 10_000
    rossi = subprocess.run([sys.executable, "-m", "duurzaam", "demo", "--dataset", "rossi"], capture_output=True,
                           text=True, timeout=300)
    assert rossi.returncode == 0 and "rossi" in rossi.stdout


def test_the_report_reads_as_a_report():
    """Percentages with their interval in one cell, p-values as 0.061 or <0.001, model terms as
    "arm vs control" with the reference row, counts with thousands separators; the CSV tables
    keep the numbers."""
    import re

    import duurzaam as dz

    panel = dz.datasets.four_arm_panel(n_persons=1200, seed=4)
    ev = dz.evaluate_panel(panel, person="person_id", period="month", status="status", arm="arm",
                           origin="programme_start", covariates=["age", "C(education)"], n_resamples=0)
    share = ev.display("sustained_work_at")
    assert all(re.fullmatch(r"\d{1,3}\.\d% \(\d{1,3}\.\d-\d{1,3}\.\d\)", v) for v in share["Share (95% CI)"])
    t = ev.tables["sustained_work_at"]
    first = share["Share (95% CI)"].iloc[0]
    assert first.startswith(f"{100 * t['share'].iloc[0]:.1f}%")
    cox = ev.display("cox")
    assert cox["Term"].iloc[0] == "control (reference)" and cox["Hazard ratio (95% CI)"].iloc[0] == "1 (reference)"
    assert "more guidance vs control" in set(cox["Term"]) and "education: middle" in set(cox["Term"])
    assert all(p == "<0.001" or re.fullmatch(r"[01]\.\d{3}", p) for p in cox["p"].iloc[1:])
    lr = ev.display("logrank")
    assert lr["Comparison"].iloc[1].endswith(" vs control")
    html = ev.to_html()
    assert "C(arm)[T." not in html and "(reference)" in html and "duurzaam " in html
    assert re.search(r"\d,\d{3} persons", html)


def test_a_dutch_report():
    """lang="nl": Dutch headings, labels and sentences, decimal commas and thousands points; the
    CSV tables are the same numbers as in English."""
    import re

    import duurzaam as dz

    panel = dz.datasets.four_arm_panel(n_persons=1200, seed=4)
    args = dict(person="person_id", period="month", status="status", arm="arm", origin="programme_start",
                n_resamples=0)
    nl = dz.evaluate_panel(panel, lang="nl", **args)
    en = dz.evaluate_panel(panel, **args)
    pd.testing.assert_frame_equal(nl.tables["sustained_work_at"], en.tables["sustained_work_at"])
    share = nl.display("sustained_work_at")
    assert list(share.columns) == ["Groep", "Maand", "Aandeel (95%-BI)"]
    assert all(re.fullmatch(r"\d{1,3},\d% \(\d{1,3},\d-\d{1,3},\d\)", v) for v in share["Aandeel (95%-BI)"])
    html = nl.to_html()
    for word in ("Tijd tot duurzaam werk", "Wie is in de analyse", "Hazard ratio&#39;s (Cox-model)", "(referentie)",
                 "1.200 personen", 'lang="nl"'):
        assert word in html, word
    for english in ("Time to sustained work", "Who is in the analysis", "persons,"):
        assert english not in html, english
    with pytest.raises(dz.InputError, match="lang must be one of en, nl"):
        dz.evaluate_panel(panel, lang="de", **args)


def test_hours_section_is_the_api_numbers_and_respects_disclosure(panel):
    opts = dict(person="person_id", period="month", status="status", arm="arm", origin="programme_start",
                hours="hours", min_hours=12, n_resamples=20, seed=2, times=(6, 12))
    ev = dz.evaluate_panel(panel, **opts)
    sp = dz.spells(panel, "person_id", "month", "status", max_gap={"work": 1}, max_unobserved=1, hours="hours",
                   min_hours=12)
    want = sp.mean_over_time("hours", origin="programme_start", group="arm", horizon=12, in_state="work",
                             n_resamples=20, seed=2)
    got = ev.tables["hours_at"]
    got = got[got["who"] == "in work"].set_index(["arm", "time"])
    want = want[want["time"].isin([6, 12])].set_index(["arm", "time"])
    np.testing.assert_allclose(got["mean"].to_numpy(), want["mean"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(got["lower"].to_numpy(), want["lower"].to_numpy(), rtol=1e-12)
    assert "hours" in ev.figures and "Hours over time" in ev.to_html()
    safe = dz.evaluate_panel(panel, **opts, round_to=5, min_count=10).tables["hours_at"]
    assert (safe["n"].dropna() % 5 == 0).all()
    assert safe.loc[safe["n"].isna(), "mean"].isna().all()  # fewer than 10 persons: not published


def test_page_from_the_template_escapes_labels_and_the_pdf_has_every_section(tmp_path):
    panel = dz.datasets.four_arm_panel(n_persons=500, seed=6)
    panel["arm"] = panel["arm"].cat.rename_categories({"control": "<b>control</b> & co"})
    ev = dz.evaluate_panel(panel, person="person_id", period="month", status="status", arm="arm",
                           origin="programme_start", n_resamples=0, title="Evaluation <2026>")
    page = ev.to_html()
    assert "<b>control</b>" not in page and "&lt;b&gt;control&lt;/b&gt; &amp; co" in page
    assert "<h1>Evaluation &lt;2026&gt;</h1>" in page
    ids = re.findall(r'<table id="([^"]+)"', page)
    assert len(ids) == len(set(ids)) == sum(1 for s in ev._section_list() if s[2] is not None)
    assert "6.000000" not in page  # whole numbers print as such
    ev.write(tmp_path / "rep")
    pdf = (tmp_path / "rep" / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    sections = ev._section_list()
    pages = 1 + len(sections) + sum(1 for s in sections if s[3] is not None)
    assert len(re.findall(rb"/Type /Page\b", pdf)) == pages


def test_hours_bands_and_confirm_lag_are_the_api_numbers(panel, tmp_path):
    bands = {"part-time work": 12, "full-time work": 28}
    opts = dict(person="person_id", period="month", status="status", arm="arm", origin="programme_start",
                hours="hours", n_resamples=0, times=(6, 12))
    ev = dz.evaluate_panel(panel, hours_bands=bands, confirm_lag=2, **opts)
    # the first job by band, from the API by hand
    sp = dz.spells(panel, "person_id", "month", "status", max_gap={"part-time work": 1, "full-time work": 1},
                   max_unobserved=1, hours="hours", hours_bands=bands)
    first = sp.time_to_first({"part-time work": 1, "full-time work": 2}, origin="programme_start", covariates=["arm"])
    want = dz.cumulative_incidence(first, "duration", "event", group="arm", entry="entry").at([6, 12])
    got = ev.tables["work_by_hours_at"]
    np.testing.assert_allclose(got["cif"].to_numpy(), want["cif"].to_numpy(), rtol=1e-12)
    assert list(got["band"].unique()) == ["part-time work", "full-time work"]
    # the bands are states of the occupancy; the lowest band is the work threshold of every outcome
    assert {"part-time work", "full-time work"} <= set(ev.tables["occupancy_at"].columns)
    plain = dz.evaluate_panel(panel, min_hours=12, confirm_lag=2, **opts)
    pd.testing.assert_frame_equal(ev.tables["sustained_work_at"], plain.tables["sustained_work_at"])
    pd.testing.assert_frame_equal(ev.tables["exits_at"], plain.tables["exits_at"])
    # the exit rule follows confirm_lag, and the report says which it used
    lag0 = dz.evaluate_panel(panel, min_hours=12, confirm_lag=0, **opts)
    assert not np.allclose(lag0.tables["exits_at"]["cif"], plain.tables["exits_at"]["cif"])
    html = ev.to_html()
    assert "part-time work: 12 to 28 hours a week; full-time work: 28 or more hours a week" in html
    assert "still in work 2 month(s) later" in html and "First job by hours a week" in html
    with pytest.raises(dz.InputError, match="hours="):
        dz.evaluate_panel(panel, **{**opts, "hours": None}, hours_bands=bands)
    with pytest.raises(dz.InputError, match="not both"):
        dz.evaluate_panel(panel, **opts, hours_bands=bands, min_hours=12)
    csv = tmp_path / "panel.csv"
    panel.to_csv(csv, index=False)
    cli = [sys.executable, "-m", "duurzaam", "evaluate", str(csv), "--person", "person_id", "--period", "month",
           "--status", "status", "--arm", "arm", "--origin", "programme_start", "--hours", "hours", "--resamples", "0",
           "--hours-band", "part-time work=12", "--hours-band", "full-time work=28", "--out", str(tmp_path / "r")]
    subprocess.run(cli, check=True, capture_output=True)
    assert "full-time work: 28 or more hours a week" in (tmp_path / "r" / "report.html").read_text()
    bad = subprocess.run(cli[:-6] + ["--hours-band", "part-time", "--out", str(tmp_path / "r2")], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "NAME=HOURS" in bad.stderr


def test_few_clusters_give_cr1_with_t_in_the_report(evaluation, panel):
    """12 municipalities: the report's Cox table is the model's CR1 summary (t on 11 df), and the
    report says so."""
    sp = dz.spells(panel, "person_id", "month", "status", max_gap={"work": 1}, max_unobserved=1)
    sus = sp.time_to("work", origin="programme_start", min_duration=6, covariates=["arm", "municipality", "age"])
    with pytest.warns(dz.FewClustersWarning):
        fit = dz.cox(sus, "duration", "event", "C(arm) + age", entry="entry", cluster="municipality")
    ss = fit.small_sample_summary()
    got = evaluation.tables["cox"]
    np.testing.assert_allclose(got["p_value"].to_numpy(), ss["p_value"].to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(got["exp_upper"].to_numpy(), np.exp(ss["upper"].to_numpy()), rtol=1e-10)
    assert (got["df"].to_numpy() == ss["df"].to_numpy()).all()
    assert f"CR1 standard errors (times G/(G-1)) with t tests on {int(ss['df'].iloc[0])} df" in evaluation.to_html()
