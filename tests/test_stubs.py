"""The hand-written stubs of the native module match it (mypy's stubtest, as pydantic-core does)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("mypy")


def test_core_stubs_match_the_native_module():
    out = subprocess.run([sys.executable, "-m", "mypy.stubtest", "duurzaam._core"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
