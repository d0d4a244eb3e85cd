"""The README's Python examples run as written (the code blocks under "Use")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 2


def test_readme_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    for block in BLOCKS:
        exec(compile(block, "README.md", "exec"), ns)
    assert ns["bs"].n_resamples == 2000 and ns["lr"].n_resamples == 500
