"""summary_text() prints as R's print methods do (tests/golden/print/*.txt from
make_golden_print.R, without R's "Call:" block)."""

from __future__ import annotations

import pytest

import duurzaam as dz
from conftest import GOLDEN, load_dataset

ROSSI, LUNG, VET = load_dataset("rossi"), load_dataset("lung"), load_dataset("veteran")
CASES = {
    "cox_rossi": lambda: dz.cox(ROSSI, "week", "arrest", ["fin", "age", "prio"]),
    "cox_rossi_robust": lambda: dz.cox(ROSSI, "week", "arrest", ["fin", "age"], robust=True),
    "cox_lung": lambda: dz.cox(LUNG, "time", "status", ["age", "sex"]),
    "km_rossi": lambda: dz.kaplan_meier(ROSSI, "week", "arrest", group="fin"),
    "km_lung": lambda: dz.kaplan_meier(LUNG, "time", "status", group="sex"),
    "logrank_veteran": lambda: dz.logrank(VET, "time", "status", "celltype"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_summary_text_is_r_print(name):
    want = (GOLDEN / "print" / f"{name}.txt").read_text().rstrip("\n")
    assert CASES[name]().summary_text() == want
