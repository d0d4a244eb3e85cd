"""dz.cox on data where honest fitting matters: singular designs, monotone likelihood,
non-convergence and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from duurzaam.errors import DegenerateDataError, InputError, SingularDesignError


def rossi():
    return dz.datasets.load_rossi()


def test_collinear_terms_are_named():
    d = rossi().assign(age2=lambda x: 2 * x["age"] + x["prio"])
    with pytest.raises(SingularDesignError, match="'age2'") as e:
        dz.cox(d, "week", "arrest", ["age", "prio", "age2"])
    assert e.value.terms == ["age2"]


def test_constant_covariate_and_covariate_constant_within_strata():
    d = rossi().assign(one=1.0)
    with pytest.raises(SingularDesignError, match="'one'"):
        dz.cox(d, "week", "arrest", ["age", "one"])
    with pytest.raises(SingularDesignError, match="'fin'"):
        dz.cox(d, "week", "arrest", ["age", "fin"], strata="fin")


def test_monotone_likelihood_warns_naming_the_term():
    d = rossi()
    d.loc[d["fin"] == 1, "arrest"] = 0  # no events in one arm: the hazard ratio runs to zero
    with pytest.warns(dz.ConvergenceWarning, match="'fin'"):
        f = dz.cox(d, "week", "arrest", ["fin", "age"])
    assert f.infinite_terms == ["fin"]
    assert "age" not in f.infinite_terms


def test_non_convergence_is_reported():
    with pytest.warns(dz.ConvergenceWarning, match="did not converge"):
        f = dz.cox(rossi(), "week", "arrest", ["fin", "age", "prio"], max_iter=1)
    assert not f.converged


def test_converged_fit_gives_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = dz.cox(rossi(), "week", "arrest", ["fin", "age", "prio"])
    assert f.converged and f.iter <= 10


def test_bad_covariate_values_name_column_and_row():
    d = rossi()
    d["age"] = d["age"].astype(float)
    d.loc[7, "age"] = np.nan
    with pytest.raises(InputError, match=r"column 'age': value is NaN or infinite \(row 7\)"):
        dz.cox(d, "week", "arrest", ["fin", "age"])
    with pytest.raises(InputError, match="age"):
        dz.cox(d, "week", "arrest", "fin + age")
    with pytest.raises(ValueError, match="ties"):
        dz.cox(rossi(), "week", "arrest", ["fin"], ties="exakt")
    with pytest.raises(DegenerateDataError, match="no events"):
        dz.cox(rossi().assign(arrest=0), "week", "arrest", ["fin"])


def test_weights_of_two_equal_duplicated_rows_under_breslow():
    # Only for Breslow ties: Efron's correction counts tied rows, as R's coxph does, so a weight
    # of 2 and a repeated row differ there by design.
    d = rossi().head(200).assign(w=lambda x: 1 + (x.index % 2))
    rep = d.loc[d.index.repeat(d["w"])].reset_index(drop=True)
    a = dz.cox(d, "week", "arrest", ["fin", "age", "prio"], weights="w", ties="breslow")
    b = dz.cox(rep, "week", "arrest", ["fin", "age", "prio"], ties="breslow")
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-9)
    np.testing.assert_allclose(a.var, b.var, rtol=1e-8)
    assert a.loglik[1] == pytest.approx(b.loglik[1], rel=1e-12)


def test_row_order_does_not_matter():
    d = rossi()
    perm = np.random.default_rng(3).permutation(len(d))
    a = dz.cox(d, "week", "arrest", ["fin", "age", "prio"])
    b = dz.cox(d.iloc[perm], "week", "arrest", ["fin", "age", "prio"])
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10)
    assert a.concordance == pytest.approx(b.concordance, rel=1e-12)


def test_polars_and_dict_inputs(backend):
    d = rossi()
    a = dz.cox(d, "week", "arrest", ["fin", "age", "prio"])
    b = dz.cox(backend(d), "week", "arrest", ["fin", "age", "prio"])
    np.testing.assert_array_equal(a.coef, b.coef)


def test_result_is_immutable_and_displays():
    f = dz.cox(rossi(), "week", "arrest", ["fin", "age"])
    with pytest.raises(AttributeError):
        f.coef = None
    s = f.summary
    s.loc["fin", "coef"] = 0
    assert f.summary.loc["fin", "coef"] != 0
    assert "Cox proportional hazards" in repr(f) and "<table" in f._repr_html_()
