"""The Python layers are one-way (pyproject.toml's import-linter contracts): input and results,
estimators, the bootstrap, then reports and the CLI; only the formula module touches formulaic."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    exe = shutil.which("lint-imports")
    if exe is None:  # pragma: no cover - installed by the [test] extra
        pytest.fail("import-linter is not installed (pip install '.[test]')")
    proc = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT / "python"), "PATH": str(Path(sys.executable).parent)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout, proc.stdout


def test_the_bootstrap_names_no_estimator():
    text = (ROOT / "python" / "duurzaam" / "bootstrap.py").read_text()
    for name in ("kaplan_meier", "logrank", "cox", "aft", "cumulative_incidence", "iptw_cox"):
        assert f"import {name}" not in text and f"_{name}_call" not in text
