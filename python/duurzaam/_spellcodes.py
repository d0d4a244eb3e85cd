"""Codes the spells core reports (src/spells/outcome.rs), shared by the spell modules."""

from __future__ import annotations

import numpy as np

# Reason codes of the core (src/spells/outcome.rs).
_REASONS = {
    0: "event",
    1: "end of data",
    2: "gap in the data",
    3: "undetermined at the end of the data",
    4: "administrative censoring (horizon)",
    10: "no origin",
    11: "no data after the origin",
    12: "in the target state at the start",
    13: "not in the state left at the start",
    14: "no time at risk",
}
_NEXT_END, _NEXT_UNOBSERVED = -1, -2
_NO_ORIGIN = np.iinfo(np.int64).min
