"""duurzaam: survival and duration analysis of employment, with a Rust core.

>>> import duurzaam as dz
>>> km = dz.kaplan_meier(dz.datasets.load_rossi(), "week", "arrest", group="fin")
>>> km.median()  # doctest: +SKIP
"""

from __future__ import annotations

from . import datasets, disclosure, errors
from ._core import __version__
from .errors import ColumnNotFoundError, DegenerateDataError, DuurzaamError, EmptyDataError, InputError
from .bootstrap import BootstrapResult, bootstrap, bootstrap_panel
from .competing import CumulativeIncidence, FineGrayFit, cause_specific_cox, cumulative_incidence, fine_gray
from .cox import CoxFit, TestResult, cox
from .multistate import MultiStateCoxFit, multistate_cox
from .adjusted import adjusted_survival
from .errors import BootstrapWarning, ConvergenceWarning, DegenerateDataWarning, FewClustersWarning, ImmortalTimeWarning
from .parametric import AftFit, DiscreteHazardFit, aft, discrete_hazard
from .weighting import Iptw, iptw, iptw_cox
from .report import Evaluation, evaluate_panel
from . import design
from .spells import Occupancy, Spells, drop_summary, spells
from .nonparametric import KaplanMeier, Logrank, NelsonAalen, kaplan_meier, logrank, nelson_aalen, pairwise_logrank

__all__ = [
    "__version__",
    "kaplan_meier",
    "nelson_aalen",
    "logrank",
    "pairwise_logrank",
    "cox",
    "multistate_cox",
    "MultiStateCoxFit",
    "adjusted_survival",
    "aft",
    "cumulative_incidence",
    "cause_specific_cox",
    "fine_gray",
    "FineGrayFit",
    "CumulativeIncidence",
    "AftFit",
    "discrete_hazard",
    "DiscreteHazardFit",
    "bootstrap",
    "bootstrap_panel",
    "spells",
    "iptw",
    "iptw_cox",
    "Iptw",
    "evaluate_panel",
    "Evaluation",
    "drop_summary",
    "Spells",
    "Occupancy",
    "BootstrapResult",
    "BootstrapWarning",
    "CoxFit",
    "TestResult",
    "ConvergenceWarning",
    "DegenerateDataWarning",
    "ImmortalTimeWarning",
    "FewClustersWarning",
    "KaplanMeier",
    "NelsonAalen",
    "Logrank",
    "datasets",
    "design",
    "disclosure",
    "errors",
    "DuurzaamError",
    "InputError",
    "ColumnNotFoundError",
    "EmptyDataError",
    "DegenerateDataError",
]
