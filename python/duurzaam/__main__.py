"""Command line for pipelines: ``duurzaam`` (or ``python -m duurzaam``).

``duurzaam demo`` runs the bundled example evaluation (the rossi financial-aid experiment: KM by
arm, survival at 26 and 52 weeks, RMST, log-rank, the adjusted Cox model and its PH test).
``duurzaam km | logrank | cox | aft DATA ...`` runs one estimator on a CSV or Parquet file and
writes its tables as CSV or JSON.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

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


def _read(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    return pd.read_csv(path)


def _write(tables: dict[str, pd.DataFrame], out: Path | None, fmt: str) -> None:
    if out is None:
        for name, t in tables.items():
            print(f"## {name}")
            print(t.to_csv(index=False) if fmt == "csv" else t.to_json(orient="records", indent=1))
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, t in tables.items():
        if fmt == "csv":
            t.to_csv(out / f"{name}.csv", index=False)
        else:
            t.to_json(out / f"{name}.json", orient="records", indent=1)
    print(f"written: {', '.join(f'{n}.{fmt}' for n in tables)} in {out}/")


def _covariates(text: str) -> Any:
    """A comma-separated list of columns, or a formula right-hand side if it has + * : or (."""
    if any(ch in text for ch in "+*:("):
        return text
    return [c.strip() for c in text.split(",") if c.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="duurzaam", description="duurzaam: survival analysis of employment. "
                                     "Run an estimator on a CSV or Parquet file and write its tables.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="run the example evaluation on the bundled rossi data")
    p_demo.add_argument("--out", type=Path, default=None, help="folder to write the result tables to (CSV)")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("data", type=Path, help="input file: .csv, or .parquet")
        p.add_argument("--duration", required=True, help="column with the time to the event or censoring")
        p.add_argument("--event", required=True, help="column with 1 for the event, 0 for censoring")
        p.add_argument("--entry", help="column with the entry time (delayed entry)")
        p.add_argument("--weights", help="column with case weights")
        p.add_argument("--out", type=Path, help="folder for the tables (default: print them)")
        p.add_argument("--format", choices=["csv", "json"], default="csv", help="table format (default csv)")

    p_km = sub.add_parser("km", help="Kaplan-Meier curves (table, medians, optional survival at times and RMST)")
    common(p_km)
    p_km.add_argument("--group", help="column whose levels get a curve each")
    p_km.add_argument("--times", type=float, nargs="*", default=[], help="report S(t) at these times")
    p_km.add_argument("--tau", type=float, help="report the restricted mean up to this time")
    p_km.add_argument("--conf-type", default="log", choices=["log", "log-log", "plain"], help="interval scale")
    p_lr = sub.add_parser("logrank", help="k-sample log-rank (Fleming-Harrington) test")
    common(p_lr)
    p_lr.add_argument("--group", required=True, help="column with the groups to compare")
    p_lr.add_argument("--strata", help="column with strata")
    p_lr.add_argument("--rho", type=float, default=0.0, help="FH rho (1 = Peto-Peto)")
    p_cox = sub.add_parser("cox", help="Cox proportional hazards model")
    common(p_cox)
    p_cox.add_argument("--covariates", required=True, help="comma-separated columns, or a formula such as 'C(arm) + age'")
    p_cox.add_argument("--strata", help="column with strata")
    p_cox.add_argument("--cluster", help="cluster column for robust standard errors")
    p_cox.add_argument("--ties", default="efron", choices=["efron", "breslow"])
    p_aft = sub.add_parser("aft", help="accelerated failure time model")
    common(p_aft)
    p_aft.add_argument("--covariates", required=True, help="comma-separated columns, or a formula")
    p_aft.add_argument("--dist", default="weibull", choices=["weibull", "exponential", "lognormal", "loglogistic"])
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(args.out)
    try:
        data = _read(args.data)
        if args.command == "km":
            km = dz.kaplan_meier(data, args.duration, args.event, group=args.group, entry=args.entry,
                                 weights=args.weights, conf_type=args.conf_type)
            tables = {"kaplan_meier": km.table, "median": km.median()}
            if args.times:
                tables["survival_at"] = km.survival_at(args.times)
            if args.tau:
                tables["rmst"] = km.rmst(args.tau)
        elif args.command == "logrank":
            lr = dz.logrank(data, args.duration, args.event, args.group, strata=args.strata, rho=args.rho,
                            entry=args.entry, weights=args.weights)
            tables = {"logrank": lr.table,
                      "test": pd.DataFrame([{"statistic": lr.statistic, "df": lr.df, "p_value": lr.p_value}])}
        elif args.command == "cox":
            fit = dz.cox(data, args.duration, args.event, _covariates(args.covariates), entry=args.entry,
                         strata=args.strata, weights=args.weights, cluster=args.cluster, ties=args.ties)
            tables = {"cox": fit.summary.reset_index(), "ph_test": fit.ph_test().reset_index()}
        else:
            fit = dz.aft(data, args.duration, args.event, _covariates(args.covariates), dist=args.dist,
                         weights=args.weights)
            tables = {"aft": fit.summary.reset_index()}
    except (ValueError, FileNotFoundError) as e:
        print(f"duurzaam: error: {e}", file=sys.stderr)
        return 2
    _write(tables, args.out, args.format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
