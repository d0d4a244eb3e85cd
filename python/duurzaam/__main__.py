"""Command line: ``python -m duurzaam demo`` runs the bundled example evaluation.

The demo reproduces the rossi financial-aid experiment (432 released prisoners, half given
financial aid): Kaplan-Meier curves by arm, the share not re-arrested at 26 and 52 weeks, the
restricted mean time to re-arrest within a year, the log-rank test and the adjusted Cox model
with its proportional-hazards test, and with ``--out`` writes the tables as CSV files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

import duurzaam as dz


def demo(out: Path | None) -> int:
    rossi = dz.datasets.load_rossi()
    rossi["arm"] = rossi["fin"].map({0: "no aid", 1: "financial aid"})
    print("duurzaam", dz.__version__, "- example evaluation: the rossi financial-aid experiment")
    print(f"{len(rossi)} persons, {int(rossi['arrest'].sum())} re-arrests within 52 weeks\n")
    km = dz.kaplan_meier(rossi, "week", "arrest", group="arm")
    print(km, "\n")
    at = km.survival_at([26, 52])
    rm = km.rmst(52)
    lr = dz.logrank(rossi, "week", "arrest", "arm")
    with pd.option_context("display.width", 120, "display.precision", 4):
        print("Share not re-arrested (Kaplan-Meier, 95% CI):")
        print(at.to_string(index=False), "\n")
        print("Restricted mean weeks without re-arrest, first 52 weeks:")
        print(rm.to_string(index=False), "\n")
    print(lr, "\n")
    fit = dz.cox(rossi, "week", "arrest", ["fin", "age", "race", "wexp", "mar", "paro", "prio"])
    print(fit, "\n")
    print("Proportional-hazards test (cox.zph):")
    print(fit.ph_test().round(4).to_string())
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        km.table.to_csv(out / "kaplan_meier.csv", index=False)
        at.to_csv(out / "survival_at.csv", index=False)
        rm.to_csv(out / "rmst.csv", index=False)
        lr.table.to_csv(out / "logrank.csv", index=False)
        fit.summary.to_csv(out / "cox.csv")
        print(f"\ntables written to {out}/")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m duurzaam", description="duurzaam: survival analysis of employment")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="run the example evaluation on the bundled rossi data")
    p_demo.add_argument("--out", type=Path, default=None, help="folder to write the result tables to (CSV)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(args.out)
    return 2


if __name__ == "__main__":
    sys.exit(main())
