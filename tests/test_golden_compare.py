"""Arm comparisons against R: the log-rank trend test (computed by hand in R from survdiff's
observed, expected and variance) and pairwise log-rank tests with R's p.adjust (Holm, Bonferroni),
on veteran's four cell types."""

from __future__ import annotations

import pandas as pd
import pytest

import duurzaam as dz
from conftest import arr, assert_close, golden, load_dataset

G = golden("compare.json")


def test_trend_test_against_r():
    lr = dz.logrank(load_dataset("veteran"), "time", "status", "celltype")
    t = lr.trend()
    assert_close([t.statistic, t.p_value], arr(G["trend_default"]), what="trend")
    t2 = lr.trend([0, 1, 4, 9])
    assert_close([t2.statistic, t2.p_value], arr(G["trend_scores"]), what="trend scores")
    with pytest.raises(ValueError, match="scores"):
        lr.trend([1, 2])


def test_pairwise_logrank_with_holm_and_bonferroni():
    d = load_dataset("veteran")
    holm = dz.pairwise_logrank(d, "time", "status", "celltype")
    assert [list(p) for p in zip(holm["group_1"], holm["group_2"])] == G["pairs"]
    assert_close(holm["statistic"], arr(G["statistic"]), what="statistic")
    assert_close(holm["p_value"], arr(G["p"]), what="p")
    assert_close(holm["p_adjusted"], arr(G["holm"]), what="holm")
    bonf = dz.pairwise_logrank(d, "time", "status", "celltype", adjust="bonferroni")
    assert_close(bonf["p_adjusted"], arr(G["bonferroni"]), what="bonferroni")
    ref = dz.pairwise_logrank(d, "time", "status", "celltype", reference="squamous")
    assert len(ref) == 3 and (ref["group_1"] == "squamous").all()
    # a categorical arm column: each pair is tested without the arms that are not in it
    cat = dz.pairwise_logrank(d.assign(celltype=d["celltype"].astype("category")), "time", "status", "celltype")
    assert_close(cat["statistic"], arr(G["statistic"]), what="statistic, categorical")


def test_survival_contrast_against_r():
    km = dz.kaplan_meier(load_dataset("rossi"), "week", "arrest", group="fin")
    c = km.survival_contrast([26, 52])
    cols = ["survival", "reference_survival", "difference", "diff_se", "diff_lower", "diff_upper"]
    assert_close(c[cols].to_numpy(), arr(G["survival_contrast"]).reshape(2, 6), what="survival contrast")
    with pytest.raises(ValueError, match="need groups"):
        dz.kaplan_meier(load_dataset("rossi"), "week", "arrest").survival_contrast([26])


def test_rmst_contrast_against_r():
    km = dz.kaplan_meier(load_dataset("rossi"), "week", "arrest", group="fin")
    c = km.rmst_contrast(52)
    cols = ["difference", "diff_se", "diff_lower", "diff_upper", "ratio", "ratio_lower", "ratio_upper"]
    assert_close(c[cols].to_numpy()[0], arr(G["rmst_contrast"]), what="rmst contrast")
    with pytest.raises(ValueError, match="reference"):
        km.rmst_contrast(52, reference=7)
