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
