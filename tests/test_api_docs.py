"""docs/api.md, the API reference, is the one docs/make_api.py writes from today's docstrings: a
public name or docstring changed without regenerating the page fails here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_api_reference_is_up_to_date():
    spec = importlib.util.spec_from_file_location("make_api", DOCS / "make_api.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (DOCS / "api.md").read_text() == mod.render(), "run: python docs/make_api.py"


def test_every_public_function_has_an_example():
    import inspect

    import duurzaam as dz

    missing = [n for n in dz.__all__ if inspect.isfunction(getattr(dz, n)) and ">>>" not in (getattr(dz, n).__doc__ or "")]
    assert not missing, f"public functions without a docstring example: {missing}"
