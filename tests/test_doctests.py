"""The examples in the docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["duurzaam.nonparametric", "duurzaam.datasets", "duurzaam.cox", "duurzaam.bootstrap", "duurzaam.parametric",
           "duurzaam.disclosure", "duurzaam.competing", "duurzaam.spells", "duurzaam.outcomes", "duurzaam.occupancy",
           "duurzaam._formula", "duurzaam.weighting", "duurzaam.adjusted", "duurzaam.report", "duurzaam.design",
           "duurzaam.multistate"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
