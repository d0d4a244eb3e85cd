"""The bootstrap of a whole panel pipeline (dz.bootstrap_panel): persons resampled within arms and
spells -> time to work and to sustained work -> Kaplan-Meier shares by arm (and their ratio) ->
state occupancy, 2,000 times, against the loop an evaluator writes by hand: resample persons with
pandas, relabel the copies, rebuild the spells (shift/cumsum), derive the two outcomes and fit
lifelines' KaplanMeierFitter per arm. The hand loop is timed on a few replicates and extrapolated.

Run: python benches/bench_pipeline.py [--persons 300000] [--resamples 2000] [--hand 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import duurzaam as dz
from duurzaam.bootstrap import default_threads


def hand_replicate(p: pd.DataFrame, rng: np.random.Generator, times: list[int]) -> dict:
    """One replicate as written by hand (no gap rules: a missing month ends a spell)."""
    persons = p.groupby("person_id", observed=True)["arm"].first()
    picks = []
    for _, ids in persons.groupby(persons, observed=True):   # within arms
        picks.append(rng.choice(ids.index.to_numpy(), size=len(ids), replace=True))
    pick = np.concatenate(picks)
    starts = p.groupby("person_id").indices
    rows = np.concatenate([starts[i] for i in pick])
    new_id = np.repeat(np.arange(len(pick)), [len(starts[i]) for i in pick])
    q = p.iloc[rows].assign(person_id=new_id)
    m = (q["month"].dt.year * 12 + q["month"].dt.month).to_numpy()
    o = (q["programme_start"].dt.year * 12 + q["programme_start"].dt.month).to_numpy()
    pid = q["person_id"].to_numpy()
    work = (q["status"] == "work").to_numpy()
    new = np.ones(len(q), dtype=bool)
    new[1:] = (pid[1:] != pid[:-1]) | (work[1:] != work[:-1]) | (m[1:] != m[:-1] + 1)
    run = np.cumsum(new)
    sp = pd.DataFrame({"pid": pid, "work": work, "start": m, "o": o, "run": run, "arm": q["arm"].to_numpy()}).groupby(
        "run").agg(pid=("pid", "first"), work=("work", "first"), start=("start", "min"), end=("start", "max"),
                   o=("o", "first"), arm=("arm", "first"))
    sp["len"] = sp["end"] - sp["start"] + 1
    last = sp.groupby("pid")["end"].max()
    from lifelines import KaplanMeierFitter

    out = {}
    for name, min_len in (("work", 1), ("sustained", 6)):
        ok = sp[sp["work"] & (sp["start"] > sp["o"]) & (sp["len"] >= min_len)]
        first = ok.groupby("pid")["start"].min()
        per = sp.groupby("pid").agg(o=("o", "first"), arm=("arm", "first"))
        per["t"] = (first.reindex(per.index) - per["o"]).fillna(last - per["o"])
        per["e"] = first.reindex(per.index).notna()
        per = per[per["t"] > 0]
        for arm, d in per.groupby("arm", observed=True):
            km = KaplanMeierFitter().fit(d["t"], d["e"])
            out[name, arm] = 1 - km.survival_function_at_times(times).to_numpy()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=300_000)
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--hand", type=int, default=3)
    ap.add_argument("--threads", default="", help="comma-separated thread counts: the scaling curve")
    args = ap.parse_args()
    p = dz.datasets.four_arm_panel(n_persons=args.persons, seed=1)
    print(f"panel: {len(p):,} person-months of {args.persons:,} persons; {default_threads()} threads")
    t0 = time.perf_counter()
    sp = dz.spells(p, "person_id", "month", "status", max_gap={"work": 1}, max_unobserved=1)
    outs = {"work": sp.time_to("work", origin="programme_start"),
            "sustained": sp.time_to("work", origin="programme_start", min_duration=6)}
    t_once = time.perf_counter() - t0
    t0 = time.perf_counter()
    bs = dz.bootstrap_panel(sp, outs, group="arm", times=[6, 12], ratios={"kept": ("sustained", "work")},
                            origin="programme_start", occupancy_times=[6, 12], n_resamples=args.resamples, seed=1,
                            progress=False)
    t_boot = time.perf_counter() - t0
    print(f"duurzaam: spells + outcomes once {t_once:.2f} s; {args.resamples} replicates {t_boot:.2f} s "
          f"({1e3 * t_boot / args.resamples:.2f} ms each; {len(bs.estimate)} quantities)")
    if args.threads:
        ref = None
        for k in [int(v) for v in args.threads.split(",")]:
            t0 = time.perf_counter()
            b = dz.bootstrap_panel(sp, outs, group="arm", times=[6, 12], ratios={"kept": ("sustained", "work")},
                                   origin="programme_start", occupancy_times=[6, 12], n_resamples=args.resamples,
                                   seed=1, progress=False, n_jobs=k)
            el = time.perf_counter() - t0
            reps = b.replicates.to_numpy()
            same = ref is None or np.array_equal(np.nan_to_num(reps, nan=-9), np.nan_to_num(ref, nan=-9))
            ref = reps if ref is None else ref
            print(f"threads {k:2d}: {el:7.2f} s  bit-identical to the first: {same}", flush=True)
    if args.hand <= 0:
        return
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    for _ in range(args.hand):
        hand_replicate(p, rng, [6, 12])
    per = (time.perf_counter() - t0) / args.hand
    total = per * args.resamples
    print(f"pandas + lifelines by hand: {per:.2f} s per replicate, {args.resamples} replicates ~{total / 60:.0f} min "
          f"(extrapolated from {args.hand}); ratio {total / (t_once + t_boot):.0f}x")


if __name__ == "__main__":
    main()
