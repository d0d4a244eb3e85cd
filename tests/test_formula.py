"""Covariate formulas are data: only the documented grammar is accepted, nothing is evaluated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from duurzaam import _formula
from duurzaam.__main__ import main
from duurzaam.errors import ColumnNotFoundError, InputError


@pytest.fixture()
def rossi():
    return dz.datasets.load_rossi()


def payloads(marker):
    """Formulas that would run Python (and create ``marker``) if anything evaluated them."""
    cmd = f"open({str(marker)!r}, 'w').write('x')"
    return [
        f"fin + {{{cmd}}}",
        f"fin + I({cmd})",
        f"fin + I(age + {cmd})",
        f"fin + C(race, {cmd})",
        f"fin + C(race, ref={cmd})",
        f"fin + poly(age, {cmd})",
        f"fin + log(age).__class__.__bases__",
        f"fin + __import__('os').system('touch {marker}')",
        f"fin + (lambda: {cmd})()",
        f"fin + np.log(age) + {{{cmd}}}",
        f"fin + age[{cmd}]",
        f"fin + `age`.real",
        f"fin + C(`race`, contr.treatment({cmd}))",
        f"fin + exec('{cmd}')",
        f"fin + age if {cmd} else prio",
        f"fin + age ** 2",
        f"fin - age",
    ]


def test_no_formula_runs_code_in_any_estimator(rossi, tmp_path):
    marker = tmp_path / "pwned"
    d = rossi.assign(exit=rossi["arrest"] * (1 + (rossi["prio"] > 3)))
    calls = [
        lambda f: dz.cox(rossi, "week", "arrest", f),
        lambda f: dz.aft(rossi, "week", "arrest", f),
        lambda f: dz.fine_gray(d, "week", "exit", f),
        lambda f: dz.cause_specific_cox(d, "week", "exit", f),
        lambda f: dz.discrete_hazard(rossi.assign(month=(rossi["week"] + 3) // 4), "month", "arrest", f),
    ]
    for formula in payloads(marker):
        for call in calls:
            with pytest.raises(InputError):
                call(formula)
    assert not marker.exists()


def test_evaluate_panel_and_cli_refuse_code(tmp_path):
    marker = tmp_path / "pwned"
    panel = dz.datasets.four_arm_panel(n_persons=200, seed=3)
    # a payload that names a real column used to pass the required-columns check
    bad = f"age + {{open({str(marker)!r}, 'w')}}"
    with pytest.raises(InputError):
        dz.evaluate_panel(panel, person="person_id", period="month", status="status", arm="arm",
                          origin="programme_start", covariates=[bad], n_resamples=0)
    csv = tmp_path / "rossi.csv"
    dz.datasets.load_rossi().to_csv(csv, index=False)
    for command in ("cox", "aft"):
        rc = main([command, str(csv), "--duration", "week", "--event", "arrest", "--covariates",
                   f"fin + I(open({str(marker)!r}, 'w'))", "--out", str(tmp_path / "out")])
        assert rc == 2
    panel_csv = tmp_path / "panel.csv"
    panel.to_csv(panel_csv, index=False)
    rc = main(["evaluate", str(panel_csv), "--person", "person_id", "--period", "month", "--status", "status",
               "--arm", "arm", "--origin", "programme_start", "--covariates", bad, "--resamples", "0",
               "--out", str(tmp_path / "report")])
    assert rc == 2
    assert not marker.exists()


def test_error_quotes_the_offending_part():
    with pytest.raises(InputError, match=r"the function 'eval'.*\"eval\('1'\)\""):
        _formula.parse("age + eval('1')")
    with pytest.raises(InputError, match="the character '{'"):
        _formula.parse("age + {age}")
    with pytest.raises(InputError, match=r"poly\(degree=...\) must be a whole number from 1 to 10"):
        _formula.parse("poly(age, 1000000)")
    with pytest.raises(InputError, match="takes no argument 'levels'"):
        _formula.parse("C(arm, levels=2)")
    with pytest.raises(InputError, match="empty"):
        _formula.parse("   ")
    with pytest.raises(InputError, match="longer than"):
        _formula.parse(" + ".join(["age"] * 1000))


def test_grammar_and_required_columns():
    expr = _formula.parse("C(arm, ref='control') * age + log(`monthly income`) + (a + b):c + poly(x, degree=2, raw=True)")
    assert _formula.columns(expr) == ["arm", "age", "monthly income", "a", "b", "c", "x"]
    assert _formula.required_columns(["C(education)", "age", "female"]) == ["education", "age", "female"]
    assert _formula.quote("ph.ecog") == "ph.ecog" and _formula.quote("monthly income") == "`monthly income`"


def test_transforms_equal_the_transformed_columns(rossi):
    """Each transform gives the coefficients of the same column computed by hand."""
    d = rossi.assign(log_age=np.log(rossi["age"]), sqrt_prio=np.sqrt(rossi["prio"]),
                     age_c=rossi["age"] - rossi["age"].mean(), fin_age=rossi["fin"] * rossi["age"])
    pairs = [("fin + log(age)", ["fin", "log_age"]), ("sqrt(prio) + fin", ["sqrt_prio", "fin"]),
             ("center(age) + fin", ["age_c", "fin"]), ("fin*age", ["fin", "age", "fin_age"]),
             ("poly(age, 2, raw=True)", None)]
    for formula, cols in pairs[:-1]:
        a = dz.cox(d, "week", "arrest", formula).coef.to_numpy()
        b = dz.cox(d, "week", "arrest", cols).coef.to_numpy()
        np.testing.assert_allclose(a, b, rtol=1e-10)
    raw = dz.cox(d.assign(age2=d["age"] ** 2), "week", "arrest", ["age", "age2"]).coef.to_numpy()
    np.testing.assert_allclose(dz.cox(d, "week", "arrest", "poly(age, 2, raw=True)").coef.to_numpy(), raw, rtol=1e-8)


def test_reference_level_spellings_agree(rossi):
    d = rossi.assign(band=pd.cut(rossi["prio"], [-1, 1, 4, 99], labels=["low", "mid", "high"]).astype(str))
    fits = [dz.cox(d, "week", "arrest", f) for f in
            ("C(band, ref='mid')", "C(band, Treatment('mid'))", "C(band, contr.treatment(base='mid'))",
             "C(band, \"mid\")")]
    for f in fits[1:]:
        np.testing.assert_allclose(f.coef.to_numpy(), fits[0].coef.to_numpy(), rtol=1e-12)
    assert list(fits[0].summary.index) == ["C(band, ref='mid')[T.high]", "C(band, ref='mid')[T.low]"]
    # against dummies coded by hand
    by_hand = dz.cox(d.assign(high=(d["band"] == "high") * 1.0, low=(d["band"] == "low") * 1.0), "week", "arrest",
                     ["high", "low"])
    np.testing.assert_allclose(fits[0].coef.to_numpy(), by_hand.coef.to_numpy(), rtol=1e-10)


def test_odd_column_names_need_no_formulaic_quoting(rossi):
    d = rossi.rename(columns={"age": "ph.age", "prio": "prior arrests"})
    fit = dz.cox(d, "week", "arrest", "fin + ph.age + `prior arrests`")
    assert list(fit.summary.index) == ["fin", "ph.age", "`prior arrests`"]
    np.testing.assert_allclose(fit.coef.to_numpy(), dz.cox(rossi, "week", "arrest", ["fin", "age", "prio"]).coef, rtol=1e-12)


def test_newdata_errors_are_ours(rossi):
    d = rossi.assign(band=np.where(rossi["prio"] > 2, "high", "low"))
    fit = dz.cox(d, "week", "arrest", "C(band) + age")
    with pytest.raises(ColumnNotFoundError, match="'age' is not in the new data"):
        fit.predict_survival(d.drop(columns="age").head(2), [10])
    with pytest.raises(InputError, match="new data"):
        fit.predict_survival(d.head(2).assign(band="unheard of"), [10])


def test_non_finite_transform_names_term_and_row(rossi):
    with pytest.raises(InputError, match=r"term 'log\(prio\)' is NaN or infinite in the data \(row \d+\)"):
        dz.cox(rossi, "week", "arrest", "fin + log(prio)")
