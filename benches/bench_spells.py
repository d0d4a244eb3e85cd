"""Panel to spells on register-sized panels: duurzaam's Rust spell builder against the way it is
done by hand in pandas (shift/cumsum/groupby, no gap tolerance) and in R (data.table-free base R:
rle per person would take minutes; R's vectorised cumsum equivalent is timed instead), on the same
generated four-arm panel in the same run. Also the outcome rule and the occupancy estimate.

No survival library builds spells, so the peers are the hand-written data steps evaluators use.

Run: python benches/bench_spells.py [--persons 300000]   (about 10 million person-months)
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from common import best, run_r

import duurzaam as dz




def pandas_spells(p: pd.DataFrame) -> pd.DataFrame:
    """Runs of one status over consecutive months per person (no gap tolerance), by hand."""
    p = p.sort_values(["person_id", "month"])
    m = (p["month"].dt.year * 12 + p["month"].dt.month).to_numpy()
    pid = p["person_id"].to_numpy()
    st = p["status"].cat.codes.to_numpy()
    new = np.ones(len(p), dtype=bool)
    new[1:] = (pid[1:] != pid[:-1]) | (st[1:] != st[:-1]) | (m[1:] != m[:-1] + 1)
    run = np.cumsum(new)
    return pd.DataFrame({"person": pid, "status": st, "month": m, "run": run}).groupby("run").agg(
        person=("person", "first"), status=("status", "first"), start=("month", "min"), end=("month", "max"))


R_SCRIPT = r"""
d <- read.csv(commandArgs(TRUE)[1])
t0 <- Sys.time()
d <- d[order(d$person_id, d$month), ]
n <- nrow(d)
new <- c(TRUE, d$person_id[-1] != d$person_id[-n] | d$status[-1] != d$status[-n] | d$month[-1] != d$month[-n] + 1)
run <- cumsum(new)
sp <- data.frame(person = d$person_id[new], status = d$status[new], start = d$month[new],
                 end = d$month[c(which(new)[-1] - 1, n)])
cat(as.numeric(difftime(Sys.time(), t0, units = "secs")), nrow(sp), "\n")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=300_000)
    args = ap.parse_args()
    p = dz.datasets.four_arm_panel(n_persons=args.persons, seed=1)
    mb = sum(p[c].to_numpy().nbytes if not isinstance(p[c].dtype, pd.CategoricalDtype) else p[c].cat.codes.to_numpy().nbytes
             for c in ["person_id", "month", "status"]) / 1e6
    print(f"panel: {len(p):,} person-months of {args.persons:,} persons; person/month/status columns {mb:.0f} MB")
    ours = best(lambda: dz.spells(p, "person_id", "month", "status"))
    ours_gap = best(lambda: dz.spells(p, "person_id", "month", "status", max_gap={"work": 1}, max_unobserved=1))
    sp = dz.spells(p, "person_id", "month", "status", max_gap={"work": 1}, max_unobserved=1)
    rule = best(lambda: sp.time_to("work", origin="programme_start", min_duration=6, covariates=["arm"]))
    occ = best(lambda: sp.occupancy(origin="programme_start", group="arm", times=[6, 12, 18]))
    by_hand = best(lambda: pandas_spells(p), repeat=1)
    n_ours = len(dz.spells(p, "person_id", "month", "status").table)
    n_hand = len(pandas_spells(p))
    print(f"spells (no gaps)       duurzaam {ours:6.2f} s   pandas by hand {by_hand:6.2f} s   ratio {by_hand / ours:5.1f}x"
          f"   (spells: {n_ours:,} vs {n_hand:,}; pandas splits at missing months, duurzaam leaves them out)")
    print(f"spells (gap rules)     duurzaam {ours_gap:6.2f} s")
    print(f"time to sustained work duurzaam {rule:6.2f} s   state occupancy {occ:6.2f} s")
    r = run_r(R_SCRIPT, pd.DataFrame({"person_id": p["person_id"], "month": (p["month"].dt.year * 12 + p["month"].dt.month),
                                      "status": p["status"].cat.codes}), timeout=1800)
    if r:
        print(f"R base (vectorised, after reading the CSV) {r[0]:6.2f} s   ratio {r[0] / ours:5.1f}x")


if __name__ == "__main__":
    main()
