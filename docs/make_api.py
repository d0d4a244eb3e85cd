"""Writes docs/api.md, the API reference, from the docstrings of the public names
(run: python docs/make_api.py). tests/test_api_docs.py fails when the page is out of date."""

from __future__ import annotations

import dataclasses
import inspect
from functools import cached_property
from pathlib import Path

import duurzaam as dz

HERE = Path(__file__).resolve().parent
SECTIONS = [
    ("Estimators", ["kaplan_meier", "nelson_aalen", "logrank", "pairwise_logrank", "cox", "adjusted_survival", "aft",
                    "discrete_hazard", "cumulative_incidence", "cause_specific_cox", "fine_gray", "multistate_cox"]),
    ("Register panels", ["spells", "drop_summary", "evaluate_panel"]),
    ("Non-randomised comparisons", ["iptw", "iptw_cox"]),
    ("Bootstrap", ["bootstrap", "bootstrap_panel"]),
    ("Designing an evaluation (dz.design)", ["design.logrank_sample_size", "design.logrank_power",
                                             "design.minimum_detectable_hazard_ratio", "design.milestone_sample_size",
                                             "design.rmst_sample_size", "design.simulate_power", "design.power_curve",
                                             "design.SampleSize", "design.Power", "design.MinimumDetectable",
                                             "design.EstimandSampleSize", "design.SimulatedPower", "design.PowerCurve"]),
    ("Results", ["KaplanMeier", "NelsonAalen", "Logrank", "CoxFit", "AftFit", "DiscreteHazardFit",
                 "CumulativeIncidence", "FineGrayFit", "MultiStateCoxFit", "Spells", "Occupancy", "Iptw", "BootstrapResult", "Evaluation",
                 "TestResult"]),
    ("Errors and warnings", ["DuurzaamError", "InputError", "ColumnNotFoundError", "EmptyDataError",
                             "DegenerateDataError", "ConvergenceWarning", "BootstrapWarning", "DegenerateDataWarning",
                             "ImmortalTimeWarning", "FewClustersWarning"]),
]


def signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def doc(obj) -> str:
    return inspect.cleandoc(obj.__doc__ or "").strip()


def render() -> str:
    out = ["# duurzaam API reference", "",
           f"Version {dz.__version__}. Generated from the docstrings by `docs/make_api.py`; every example "
           "below runs in the test suite (doctests).", ""]
    for title, names in SECTIONS:
        out += [f"## {title}", ""]
        for name in names:
            obj = dz
            for part in name.split("."):
                obj = getattr(obj, part)
            if inspect.isclass(obj):
                out += [f"### `dz.{name}`", "", "```text", doc(obj), "```", ""]
                if dataclasses.is_dataclass(obj):
                    fields = [f"`{f.name}` ({f.type})" for f in dataclasses.fields(obj) if not f.name.startswith("_")]
                    if fields:
                        out += ["Fields (frozen): " + ", ".join(fields) + ".", ""]
                attrs = (property, cached_property)
                # own members, and those of private mixins (a result's shared properties)
                own = {k: v for base in reversed(obj.__mro__) if base is obj or base.__name__.startswith("_")
                       for k, v in vars(base).items()}
                members = [(m, v) for m, v in own.items() if not m.startswith("_") and (callable(v) or isinstance(v, attrs))]
                for m, v in members:
                    target = v.fget if isinstance(v, property) else v.func if isinstance(v, cached_property) else v
                    sig = "" if isinstance(v, attrs) else signature(v)
                    first = doc(target).split("\n\n")[0].replace("\n", " ") if doc(target) else ""
                    out.append(f"- `{name.split('.')[-1]}.{m}{sig}`" + (f": {first}" if first else ""))
                out.append("")
            else:
                out += [f"### `dz.{name}{signature(obj)}`", "", "```text", doc(obj), "```", ""]
    missing = sorted(set(dz.__all__) - {n for _, ns in SECTIONS for n in ns} - {"__version__", "datasets", "design", "disclosure", "errors"})
    if missing:
        raise SystemExit(f"public names without a section: {missing}")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    (HERE / "api.md").write_text(render())
    print("wrote docs/api.md")
