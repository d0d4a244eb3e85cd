"""The bootstrap of a whole panel pipeline (``dz.bootstrap_panel``): its estimates are the
estimators on the outcome tables, and every replicate equals the pipeline rerun from the panel on
relabelled copies of the resampled persons (spells -> outcome -> Kaplan-Meier / occupancy)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from duurzaam import _core
from duurzaam.errors import InputError

ORIGIN = "programme_start"
TIMES = [6, 12]
OCC = [6, 12]


@pytest.fixture(scope="module")
def panel():
    return dz.datasets.four_arm_panel(n_persons=240, seed=11)


def pipeline(panel: pd.DataFrame) -> tuple[dz.Spells, dict[str, pd.DataFrame]]:
    sp = dz.spells(panel, "person_id", "month", "status", max_gap=1)
    work = sp.time_to("work", origin=ORIGIN)
    sus = sp.time_to("work", origin=ORIGIN, min_duration=6)
    return sp, {"work": work, "sustained": sus}


def run(panel: pd.DataFrame, **kw) -> dz.BootstrapResult:
    sp, outs = pipeline(panel)
    return dz.bootstrap_panel(sp, outs, group="arm", times=TIMES, ratios={"kept": ("sustained", "work")},
                              origin=ORIGIN, occupancy_times=OCC, progress=False, **kw)


def direct(panel: pd.DataFrame) -> dict[str, float]:
    """The headline numbers computed step by step with the public estimators."""
    sp, outs = pipeline(panel)
    arm = panel.groupby("person_id", observed=True)["arm"].first()
    out: dict[str, float] = {}
    levels = sorted(arm.astype(str).unique())
    shares = {}
    for name, table in outs.items():
        d = table.assign(arm=arm.loc[table["person_id"]].astype(str).to_numpy())
        km = dz.kaplan_meier(d, "duration", "event", "arm", entry="entry" if (d["entry"] > 0).any() else None)
        for t in TIMES:
            s = km.survival_at([t]).set_index("arm")["survival"]
            for g in levels:
                shares[name, t, g] = 1 - float(s.loc[g]) if g in s.index else np.nan
                out[f"share_{name}(t={t}) [{g}]"] = shares[name, t, g]
    for t in TIMES:
        for g in levels:
            out[f"kept(t={t}) [{g}]"] = shares["sustained", t, g] / shares["work", t, g]
    occ = sp.occupancy(origin=ORIGIN, group="arm", times=OCC).at(OCC)
    for _, r in occ.iterrows():
        out[f"occupancy[{r['state']}](t={r['time']}) [{r['arm']}]"] = r["share"]
    return out


def test_estimates_are_the_estimators_on_the_outcome_tables(panel):
    bs = run(panel, n_resamples=20)
    want = direct(panel)
    est = bs.estimate
    for k, v in want.items():
        assert est[k] == pytest.approx(v, rel=1e-12, abs=1e-14), k
    # the differences against the first arm
    ci = bs.ci()
    d = ci[ci["quantity"] == "share_work_diff(t=12)"].set_index("group")["estimate"]
    first = "control"
    for g in ("more guidance", "tailored guidance"):
        assert d[f"{g} - {first}"] == pytest.approx(want[f"share_work(t=12) [{g}]"] - want[f"share_work(t=12) [{first}]"],
                                                     rel=1e-12)


def relabelled(panel: pd.DataFrame, counts: np.ndarray, persons: list) -> pd.DataFrame:
    """The panel with person i repeated counts[i] times under new ids."""
    rows = []
    by = dict(tuple(panel.groupby("person_id", sort=False)))
    new_id = 0
    for p, c in zip(persons, counts.astype(int)):
        for _ in range(c):
            new_id += 1
            rows.append(by[p].assign(person_id=new_id))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("cluster", [None, "municipality"])
def test_each_replicate_is_the_pipeline_rerun_on_relabelled_copies(panel, cluster):
    p = panel.copy()
    if cluster is not None:
        # case workers nested in arms: resampled whole, within arms
        p["worker"] = p["arm"].astype(str) + "/" + (p["person_id"] % 7).astype(str)
        cluster = "worker"
    bs = run(p, n_resamples=4, seed=3, cluster=cluster)
    sp, _ = pipeline(p)
    gcodes, levels = sp._group_codes("arm")
    scheme, codes, n_codes, nested = sp._person_scheme(gcodes, len(levels), "arm", cluster)
    assert scheme == ("cluster" if cluster else "stratified") and (cluster is None or nested is not None)
    for r in (0, 3):
        counts = _core.resample_weights(len(sp.persons), scheme, codes, n_codes, 3, r, cluster_strata=nested)
        assert (counts == np.round(counts)).all()
        want = direct(relabelled(p, counts, list(sp.persons)))
        rep = bs.replicates.iloc[r]
        for k, v in want.items():
            assert rep[k] == pytest.approx(v, rel=1e-10, abs=1e-13), (r, k)
        # every arm is in every replicate (clusters are drawn within arms)
        assert np.isfinite(rep.to_numpy()).all()


def test_intervals_of_every_kind_and_reproducible(panel):
    a = run(panel, n_resamples=60, seed=8)
    b = run(panel, n_resamples=60, seed=8, n_jobs=1)
    np.testing.assert_array_equal(a.replicates.to_numpy(), b.replicates.to_numpy())
    for kind in ("percentile", "basic", "normal", "bca"):
        ci = a.ci(kind)
        ok = ci["lower"].notna()
        assert ok.mean() > 0.9
        assert (ci.loc[ok, "lower"] <= ci.loc[ok, "upper"]).all()
    c = run(panel, n_resamples=60, seed=9)
    assert not np.array_equal(a.replicates.to_numpy(), c.replicates.to_numpy())


def test_bad_input_is_named(panel):
    sp, outs = pipeline(panel)
    other, _ = pipeline(panel[panel["person_id"] > 100])
    with pytest.raises(InputError, match="spells must come from"):
        dz.bootstrap_panel(panel, outs, group="arm")
    with pytest.raises(InputError, match="not among the outcomes"):
        dz.bootstrap_panel(sp, outs, group="arm", ratios={"x": ("work", "nope")}, n_resamples=5)
    with pytest.raises(InputError, match="need origin"):
        dz.bootstrap_panel(sp, outs, group="arm", occupancy_times=[6], n_resamples=5)
    with pytest.raises(InputError, match="do not hold"):
        dz.bootstrap_panel(other, outs, group="arm", n_resamples=5)
    with pytest.raises(InputError, match="n_resamples"):
        dz.bootstrap_panel(sp, outs, group="arm", n_resamples=1)
    with pytest.raises(InputError, match="one row per person"):
        dz.bootstrap_panel(sp, {"w": pd.concat([outs["work"], outs["work"]])}, group="arm", n_resamples=5)
    with pytest.raises(InputError, match="nothing to bootstrap"):
        dz.bootstrap_panel(sp, {}, group="arm", n_resamples=5)
