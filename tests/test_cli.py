"""The command line: every subcommand on a CSV, tables written, errors on stderr with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

import duurzaam as dz


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "duurzaam", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.fixture
def csv(tmp_path):
    path = tmp_path / "rossi.csv"
    dz.datasets.load_rossi().to_csv(path, index=False)
    return path


def test_help_explains_the_options():
    out = run("cox", "--help")
    assert out.returncode == 0 and "--covariates" in out.stdout and "formula" in out.stdout


def test_km_writes_tables_equal_to_the_api(csv, tmp_path):
    out = run("km", csv, "--duration", "week", "--event", "arrest", "--group", "fin", "--times", "26", "52",
              "--tau", "52", "--out", tmp_path / "km")
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(tmp_path / "km" / "kaplan_meier.csv")
    km = dz.kaplan_meier(dz.datasets.load_rossi(), "week", "arrest", group="fin")
    pd.testing.assert_series_equal(table["survival"], km.table["survival"], check_exact=False, rtol=1e-12)
    assert (tmp_path / "km" / "rmst.csv").exists() and (tmp_path / "km" / "survival_at.csv").exists()


def test_cox_and_logrank_as_json(csv, tmp_path):
    out = run("cox", csv, "--duration", "week", "--event", "arrest", "--covariates", "fin,age,prio",
              "--format", "json", "--out", tmp_path / "c")
    assert out.returncode == 0, out.stderr
    rows = json.loads((tmp_path / "c" / "cox.json").read_text())
    assert [r["term"] for r in rows] == ["fin", "age", "prio"]
    out = run("logrank", csv, "--duration", "week", "--event", "arrest", "--group", "fin")
    assert out.returncode == 0 and "statistic" in out.stdout


def test_bad_column_is_a_clear_error(csv):
    out = run("km", csv, "--duration", "weeks", "--event", "arrest")
    assert out.returncode == 2 and "column 'weeks' is not in the data" in out.stderr


def test_evaluate_a_panel_file_into_a_report(tmp_path):
    panel = dz.datasets.four_arm_panel(n_persons=300, seed=5)
    path = tmp_path / "panel.parquet"
    panel.to_parquet(path)
    out = run("evaluate", path, "--person", "person_id", "--period", "month", "--status", "status", "--arm", "arm",
              "--origin", "programme_start", "--cluster", "municipality", "--covariates", "age,female",
              "--resamples", "20", "--round-to", "5", "--out", tmp_path / "rep")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "rep" / "report.html").exists()
    dropped = pd.read_csv(tmp_path / "rep" / "dropped.csv")
    assert (dropped["count"].dropna() % 5 == 0).all()
    bad = run("evaluate", path, "--person", "person_id", "--period", "month", "--status", "state", "--arm", "arm",
              "--origin", "programme_start", "--out", tmp_path / "rep2")
    assert bad.returncode == 2 and "column 'state'" in bad.stderr


# --- the command line in pipelines (issue 17) -----------------------------------------------------

def test_json_on_stdout_is_one_document_a_pipeline_can_parse(csv):
    out = run("km", csv, "--duration", "week", "--event", "arrest", "--group", "fin", "--times", "26", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert set(doc) == {"kaplan_meier", "median", "survival_at"} and len(doc["kaplan_meier"]) > 10
    km = dz.kaplan_meier(dz.datasets.load_rossi(), "week", "arrest", "fin")
    assert abs(doc["survival_at"][0]["survival"] - float(km.survival_at([26])["survival"].iloc[0])) < 1e-9


def test_dutch_csv_in_and_out(tmp_path):
    rossi = dz.datasets.load_rossi().assign(age=lambda d: d["age"] + 0.5)
    path = tmp_path / "nl.csv"
    rossi.to_csv(path, index=False, sep=";", decimal=",")
    out = run("cox", path, "--duration", "week", "--event", "arrest", "--covariates", "fin,age", "--excel-nl",
              "--out", tmp_path / "o")
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "o" / "cox.csv").read_text()
    assert text.splitlines()[0].startswith("term;coef;")
    back = pd.read_csv(tmp_path / "o" / "cox.csv", sep=";", decimal=",")
    want = dz.cox(rossi, "week", "arrest", ["fin", "age"]).coef.to_numpy()
    assert abs(back["coef"].to_numpy() - want).max() < 1e-8


def test_closed_pipe_folder_and_typo_are_handled(csv, tmp_path):
    cmd = f'"{sys.executable}" -m duurzaam km "{csv}" --duration week --event arrest --group fin | head -1'
    out = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stderr == "" and out.stdout.startswith("## kaplan_meier")
    out = run("km", tmp_path, "--duration", "week", "--event", "arrest")
    assert out.returncode == 2 and "is a folder, not a data file" in out.stderr and "Traceback" not in out.stderr
    out = run("km", csv, "--duration", "wek", "--event", "arrest")
    assert out.returncode == 2 and "did you mean 'week'?" in out.stderr


def test_evaluate_reads_its_options_from_a_toml_plan(tmp_path):
    panel = dz.datasets.four_arm_panel(n_persons=200, seed=5)
    path = tmp_path / "panel.parquet"
    panel.to_parquet(path)
    plan = tmp_path / "plan.toml"
    plan.write_text('person = "person_id"\nperiod = "month"\nstatus = "status"\narm = "arm"\n'
                    'origin = "programme_start"\nresamples = 0\nround_to = 5\n'
                    f'out = "{(tmp_path / "from_plan").as_posix()}"\n')
    out = run("evaluate", path, "--config", plan)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "from_plan" / "report.html").exists()
    assert "disclosure control" in (tmp_path / "from_plan" / "report.html").read_text()
    out = run("evaluate", path, "--config", plan, "--out", tmp_path / "override", "--title", "Werkfit 2026")
    assert out.returncode == 0 and (tmp_path / "override" / "report.html").exists()   # the command line wins
    assert "<h1>Werkfit 2026</h1>" in (tmp_path / "override" / "report.html").read_text()
    plan.write_text('persn = "person_id"\n')
    out = run("evaluate", path, "--config", plan)
    assert out.returncode == 2 and "unknown option(s) persn" in out.stderr


def test_demo_rossi_writes_its_report(tmp_path):
    out = run("demo", "--dataset", "rossi", "--out", tmp_path / "rossi")
    assert out.returncode == 0, out.stderr
    page = (tmp_path / "rossi" / "report.html").read_text()
    for heading in ("Time to re-arrest", "Restricted mean time without re-arrest", "Log-rank test",
                    "Hazard ratios (Cox model)", "Proportional hazards"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count("data:image/png;base64,") == 3
    km = dz.kaplan_meier(dz.datasets.load_rossi().assign(arm=lambda d: d["fin"].map({0: "no aid", 1: "financial aid"})),
                         "week", "arrest", "arm")
    s = km.survival_at([52]).set_index("arm")
    assert f"{100 * s.loc['no aid', 'survival']:.1f}%" in page  # the 52-week share of the control arm
    cox = pd.read_csv(tmp_path / "rossi" / "cox.csv")
    assert list(cox["term"]) == ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


def test_evaluate_writes_excel_nl_tables_and_a_pdf(tmp_path):
    path = tmp_path / "panel.csv"
    dz.datasets.four_arm_panel(n_persons=300, seed=1).to_csv(path, index=False)
    out = run("evaluate", path, "--person", "person_id", "--period", "month", "--status", "status", "--arm", "arm",
              "--origin", "programme_start", "--out", tmp_path / "ev", "--resamples", "0", "--excel-nl")
    assert out.returncode == 0, out.stderr
    t = pd.read_csv(tmp_path / "ev" / "sustained_work_at.csv", sep=";", decimal=",")
    assert list(t.columns) == ["arm", "time", "share", "share_lower", "share_upper"]
    assert t["share"].between(0, 1).all()
    assert (tmp_path / "ev" / "report.pdf").read_bytes().startswith(b"%PDF")
