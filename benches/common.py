"""What the benchmarks share: the best of a few timed runs, and running an R peer on the same
data (the data written to a CSV file, the script's printed numbers read back)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    """The least of ``repeat`` wall times (the least noisy estimate on a shared machine)."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def run_r(script: str, df: pd.DataFrame, *args: object, timeout: float | None = None) -> list[float] | None:
    """Runs ``Rscript script data.csv args...`` on ``df`` and returns the numbers it prints;
    None when R is not installed or the run passes ``timeout`` seconds."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        df.to_csv(csv, index=False)
        path = Path(tmp) / "b.R"
        path.write_text(script)
        try:
            out = subprocess.run(["Rscript", str(path), str(csv), *map(str, args)], capture_output=True, text=True,
                                 timeout=timeout, check=True)
        except subprocess.TimeoutExpired:
            return None
        return [float(v) for v in out.stdout.split()]
