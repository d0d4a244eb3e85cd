"""The hypothesis fuzz of every public function (tests/fuzz_api.py), in a subprocess with a memory
limit, so that a panic, an abort or a runaway allocation fails this test instead of pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = int(os.environ.get("DUURZAAM_FUZZ_EXAMPLES", "1200"))


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    limit = 6 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_fuzz_every_public_function():
    proc = subprocess.run([sys.executable, str(HERE / "fuzz_api.py"), "--examples", str(EXAMPLES)],
                          capture_output=True, text=True, timeout=900, preexec_fn=_limit_memory,
                          env={**os.environ, "RUST_BACKTRACE": "1", "DUURZAAM_NUM_THREADS": "2"})
    tail = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, f"fuzz failed (exit {proc.returncode}; negative = killed by a signal):\n{tail}"
    assert " 0 failures" in proc.stdout, tail
