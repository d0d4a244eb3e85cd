"""Command line for pipelines: ``duurzaam`` (or ``python -m duurzaam``).

``duurzaam demo --out DIR`` runs the example evaluation end to end: a generated four-arm register
panel -> spells -> time to sustained work by arm (Kaplan-Meier, log-rank, Cox, RMST differences
with bootstrap intervals), exits from benefit for work versus other reasons, state occupancy, job
retention -> an HTML report with plots and CSV tables in DIR. ``duurzaam demo --dataset rossi``
runs the rossi financial-aid experiment instead (KM by arm, RMST, log-rank, Cox and its PH test).
``duurzaam km | logrank | cox | aft DATA ...`` runs one estimator on a CSV or Parquet file and
writes its tables as CSV or JSON; ``duurzaam evaluate PANEL ...`` runs the whole evaluation on a
register panel and writes the report; ``duurzaam design sample-size | power | detectable |
simulate | curve ...`` answers "how many persons, for how long?" before the next one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

import duurzaam as dz
from duurzaam.errors import InputError


def demo_panel(out: Path | None, n_persons: int, seed: int, n_resamples: int) -> int:
    panel = dz.datasets.four_arm_panel(n_persons=n_persons, seed=seed)
    print("duurzaam", dz.__version__, "- example evaluation: a four-arm re-integration experiment (generated panel)")
    print(f"{panel['person_id'].nunique()} persons, {len(panel)} person-months, "
          f"{panel['municipality'].nunique()} municipalities\n")
    ev = dz.evaluate_panel(panel, person="person_id", period="month", status="status", arm="arm",
                           origin="programme_start", cluster="municipality", covariates=["age", "female", "C(education)"],
                           hours="hours", min_hours=12, sustained=6, times=(6, 12, 18), n_resamples=n_resamples,
                           seed=seed, title="Four-arm experiment: time to sustained work")
    with pd.option_context("display.width", 140, "display.precision", 3, "display.max_columns", 20):
        print(ev, "\n")
        print("RMST difference against control (months without sustained work, first 18 months):")
        print(ev.tables["rmst"].to_string(index=False), "\n")
        print("Hazard ratios of sustained work (Cox, robust SE by municipality):")
        print(ev.tables["cox"][["term", "exp_coef", "exp_lower", "exp_upper", "p_value"]].to_string(index=False), "\n")
        print("Share in each state (multi-state Aalen-Johansen):")
        print(ev.tables["occupancy_at"].to_string(index=False))
    if out is not None:
        path = ev.write(out)
        print(f"\nreport written to {path} (with report.pdf; tables as CSV, figures as PNG in {out}/)")
    return 0


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
        path = _rossi_report(rossi, km, at, rm, lr, fit).write(out)
        km.table.to_csv(out / "kaplan_meier.csv", index=False)
        print(f"\nreport written to {path} (with report.pdf; tables as CSV, figures as PNG in {out}/)")
    return 0


def _rossi_report(rossi: pd.DataFrame, km: Any, at: pd.DataFrame, rm: pd.DataFrame, lr: Any, fit: Any) -> Any:
    """The rossi demo as a report page: the curves with the number at risk, the RMST, the log-rank
    test, the Cox model with its forest plot and the PH test with the Schoenfeld residuals."""
    import datetime

    from duurzaam.report import Evaluation, _ci, _fig, _num, _p

    ph = fit.ph_test().reset_index()
    figures = {
        "km": _fig(lambda ax: km.plot(ax=ax, xlabel="weeks since release", ylabel="share not re-arrested",
                                      at_risk_times=[0, 13, 26, 39, 52])),
        "forest": _fig(lambda ax: fit.plot(ax=ax), size=(8.0, 0.45 * len(fit.terms) + 1.5)),
        "schoenfeld": _fig(lambda ax: fit.plot_ph("prio", ax=ax, xlabel="weeks since release")),
    }
    tables = {"survival_at": at, "rmst": rm, "logrank": lr.table, "cox": fit.summary.reset_index(), "ph_test": ph}
    shown = {
        "survival_at": pd.DataFrame({"Arm": at["arm"].astype(str), "Week": at["time"].map(lambda v: f"{v:g}"),
                                     "Not re-arrested (95% CI)": _ci(at["survival"], at["lower"], at["upper"])}),
        "rmst": pd.DataFrame({"Arm": rm["arm"].astype(str), "Weeks": rm["tau"].map(lambda v: f"{v:g}"),
                              "Mean weeks without re-arrest (SE)": [f"{_num(m, 1, 'en')} ({_num(e, 2, 'en')})"
                                                                    for m, e in zip(rm["rmst"], rm["std_err"])]}),
        "logrank": pd.DataFrame({"Arm": lr.table["group"].astype(str), "Persons": lr.table["n"],
                                 "Re-arrests observed": lr.table["observed"].map(lambda v: f"{v:g}"),
                                 "expected": lr.table["expected"].map(lambda v: _num(v, 1, "en"))}),
        "cox": pd.DataFrame({"Term": fit.summary.index,
                             "Hazard ratio (95% CI)": _ci(fit.summary["exp_coef"], fit.summary["exp_lower"],
                                                          fit.summary["exp_upper"], pct=False, decimals=2),
                             "p": [_p(v) for v in fit.summary["p_value"]]}),
        "ph_test": pd.DataFrame({"Term": ph["term"].astype(str), "Chi-square": [_num(v, 2, "en") for v in ph["chisq"]],
                                 "df": ph["df"].map(lambda v: f"{v:g}"), "p": [_p(v) for v in ph["p_value"]]}),
    }
    sections = [
        ("Time to re-arrest", "Share not re-arrested in each arm (Kaplan-Meier) with 95% intervals (log scale) "
         "and the number at risk.", "survival_at", "km"),
        ("Restricted mean time without re-arrest", "Mean weeks without re-arrest in the first 52 weeks (the area "
         "under the curve), with its standard error.", "rmst", None),
        ("Log-rank test", f"Chi-square {_num(lr.statistic, 2, 'en')} on {lr.df} df, p = {_p(lr.p_value)}.",
         "logrank", None),
        ("Hazard ratios (Cox model)", "Efron ties; every covariate of the data.", "cox", "forest"),
        ("Proportional hazards", "The test per term and overall (R's cox.zph, KM-transformed time); the figure "
         "shows the scaled Schoenfeld residuals of prio over time, with a running mean and its band.",
         "ph_test", "schoenfeld"),
    ]
    notes = [("data", f"{len(rossi)} persons released from prison and followed for 52 weeks; {int(rossi['arrest'].sum())} "
              "re-arrests (Rossi, Berk and Lenihan 1980); financial aid was randomised"),
             ("made with", f"duurzaam {dz.__version__}"), ("date", datetime.date.today().isoformat())]
    return Evaluation._from_core(tables, figures, notes, "The rossi financial-aid experiment: time to re-arrest",
                                 arm="arm", sections=sections, shown=shown)


def _read(path: Path, sep: str | None = None, decimal: str | None = None) -> pd.DataFrame:
    """A CSV or Parquet file. CSV separators and decimal marks are detected from the header line
    when not given: ``;`` with decimal commas is the Dutch spreadsheet default."""
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a data file")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if sep is None:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            header = f.readline()
        sep = ";" if header.count(";") > header.count(",") else ("\t" if header.count("\t") > header.count(",") else ",")
    if decimal is None:
        decimal = "," if sep == ";" else "."
    return pd.read_csv(path, sep=sep, decimal=decimal)


def _write(tables: dict[str, pd.DataFrame], out: Path | None, fmt: str, excel_nl: bool = False) -> None:
    """Tables to ``out`` (one file each), or to standard output: CSV sections, or one JSON
    document ``{"name": [records...], ...}`` that a pipeline can parse whole."""
    csv_opts = {"index": False, "float_format": "%.10g", **({"sep": ";", "decimal": ","} if excel_nl else {})}
    if out is None:
        if fmt == "json":
            doc = {name: json.loads(t.to_json(orient="records", double_precision=10)) for name, t in tables.items()}
            print(json.dumps(doc, indent=1))
        else:
            for name, t in tables.items():
                print(f"## {name}")
                print(t.to_csv(**csv_opts))
        return
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    for name, t in tables.items():
        if fmt == "csv":
            t.to_csv(out / f"{name}.csv", **csv_opts)
        else:
            t.to_json(out / f"{name}.json", orient="records", indent=1, double_precision=10)
    print(f"written: {', '.join(f'{n}.{fmt}' for n in tables)} in {out}/", file=sys.stderr)


def _covariates(text: str) -> Any:
    """A comma-separated list of columns, or a formula right-hand side if it has + * : or (."""
    if any(ch in text for ch in "+*:("):
        return text
    return [c.strip() for c in text.split(",") if c.strip()]


def main(argv: list[str] | None = None) -> int:
    """The command line; a closed pipe (``duurzaam km ... | head``) ends it quietly."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # Python's recommended handling: point stdout at devnull so the exit flush stays quiet
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _io_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sep", help="CSV separator (default: detected from the header; ';' for Dutch spreadsheets)")
    p.add_argument("--decimal", help="CSV decimal mark (default: ',' with ';' separators, else '.')")


def _config(path: Path | None) -> dict[str, Any]:
    """Options of ``duurzaam evaluate`` from a TOML file (an analysis plan kept in version
    control): keys are the long option names with ``_`` or ``-`` (``round_to = 5``)."""
    if path is None:
        return {}
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    if not path.is_file():
        raise InputError(f"--config {path}: no such file")
    with open(path, "rb") as f:
        try:
            cfg = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise InputError(f"--config {path}: not valid TOML ({e})") from None
    return {str(k).replace("-", "_"): v for k, v in cfg.items()}


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="duurzaam", description="duurzaam: survival analysis of employment. "
                                     "Run an estimator on a CSV or Parquet file and write its tables.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="run the example evaluation (a generated four-arm panel, or rossi)")
    p_demo.add_argument("--out", type=Path, default=None, help="folder for the report (HTML), tables (CSV) and figures")
    p_demo.add_argument("--dataset", choices=["panel", "rossi"], default="panel",
                        help="panel: a generated four-arm register panel (default); rossi: the bundled rossi data")
    p_demo.add_argument("--persons", type=int, default=2000, help="persons in the generated panel (default 2000)")
    p_demo.add_argument("--seed", type=int, default=2024, help="seed of the panel and the bootstrap (default 2024)")
    p_demo.add_argument("--resamples", type=int, default=500, help="bootstrap resamples (default 500; 0: none)")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("data", type=Path, help="input file: .csv, or .parquet")
        p.add_argument("--duration", required=True, help="column with the time to the event or censoring")
        p.add_argument("--event", required=True, help="column with 1 for the event, 0 for censoring")
        p.add_argument("--entry", help="column with the entry time (delayed entry)")
        p.add_argument("--weights", help="column with case weights")
        p.add_argument("--out", type=Path, help="folder for the tables (default: print them)")
        p.add_argument("--format", choices=["csv", "json"], default="csv",
                       help="table format (default csv); on standard output, json is one document")
        p.add_argument("--excel-nl", action="store_true", help="write CSV with ';' and decimal commas (Dutch Excel)")
        _io_options(p)

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
    p_cox.add_argument("--ties", default="efron", choices=["efron", "breslow", "exact"])
    p_aft = sub.add_parser("aft", help="accelerated failure time model")
    common(p_aft)
    p_aft.add_argument("--covariates", required=True, help="comma-separated columns, or a formula")
    p_aft.add_argument("--dist", default="weibull", choices=["weibull", "exponential", "lognormal", "loglogistic"])
    p_ev = sub.add_parser("evaluate", help="evaluate a multi-arm programme from a monthly register panel "
                          "(spells, time to sustained work, arm comparisons, exits, occupancy) into an HTML report")
    p_ev.add_argument("data", type=Path, help="the panel: .csv or .parquet, one row per person per month")
    p_ev.add_argument("--person", help="column with the person id")
    p_ev.add_argument("--period", help="column with the month (integer, date or period)")
    p_ev.add_argument("--status", help="column with the status label (benefit, work, ...)")
    p_ev.add_argument("--arm", help="column with the arm (constant per person)")
    p_ev.add_argument("--origin", help="column with the programme start (constant per person)")
    p_ev.add_argument("--control", help="the reference arm (default: the first level)")
    p_ev.add_argument("--cluster", help="column with clusters (municipality): robust SEs and a cluster bootstrap")
    p_ev.add_argument("--covariates", default="", help="comma-separated person-level adjustment covariates")
    p_ev.add_argument("--work", default="work", help="the status label of work (default: work)")
    p_ev.add_argument("--benefit", default="benefit", help="the status label of benefit (default: benefit)")
    p_ev.add_argument("--sustained", type=int, default=6, help="months a job must last to count as sustained (default 6)")
    p_ev.add_argument("--times", type=int, nargs="*", default=[6, 12, 18], help="months to report (default 6 12 18)")
    p_ev.add_argument("--hours", help="column with hours a week in work months")
    p_ev.add_argument("--min-hours", type=float, help="a work month counts only with at least these hours")
    p_ev.add_argument("--hours-band", action="append", metavar="NAME=HOURS", dest="hours_bands",
                      help="a band of work by hours a week, e.g. --hours-band 'part-time work=12' --hours-band "
                      "'full-time work=28' (the lowest is the minimum; in --config: hours_bands = {...})")
    p_ev.add_argument("--confirm-lag", type=int, default=1, help="an exit from benefit counts as an exit to work "
                      "only if still in work this many months later (default 1; 0: as it happens)")
    p_ev.add_argument("--resamples", type=int, default=500, help="bootstrap resamples (default 500; 0: none)")
    p_ev.add_argument("--seed", type=int, default=1, help="bootstrap seed (default 1)")
    p_ev.add_argument("--round-to", type=int, help="disclosure control: round every published count to multiples of "
                      "this (5 or 10), recompute curves from rounded counts, round estimates")
    p_ev.add_argument("--min-count", type=int, default=10, help="with --round-to: counts below this are suppressed "
                      "(default 10)")
    p_ev.add_argument("--out", type=Path, help="folder for report.html, the CSV tables and figures")
    p_ev.add_argument("--title", help="the report's title (default: Programme evaluation)")
    p_ev.add_argument("--lang", choices=["en", "nl"], help="the report's language (default en; nl: Dutch)")
    p_ev.add_argument("--config", type=Path, help="a TOML file with any of these options (person = \"person_id\", "
                      "round_to = 5, ...); options on the command line win")
    p_ev.add_argument("--excel-nl", action="store_true", help="write the CSV tables with ';' and decimal commas "
                      "(Dutch Excel)")
    _io_options(p_ev)
    _design_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "design":
        try:
            return _design(args)
        except ValueError as e:
            print(f"duurzaam: error: {e}", file=sys.stderr)
            return 2
    if args.command == "demo":
        if args.dataset == "rossi":
            return demo(args.out)
        return demo_panel(args.out, args.persons, args.seed, args.resamples)
    if args.command == "evaluate":
        try:
            opts = _evaluate_options(args, p_ev)
            out = opts.pop("out")
            data = _read(args.data, args.sep, args.decimal)
            ev = dz.evaluate_panel(data, **opts)
        except (ValueError, OSError) as e:
            print(f"duurzaam: error: {e}", file=sys.stderr)
            return 2
        print(ev)
        print(f"\nreport written to {ev.write(out, excel_nl=args.excel_nl)}")
        return 0
    try:
        data = _read(args.data, args.sep, args.decimal)
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
        _write(tables, args.out, args.format, args.excel_nl)
    except BrokenPipeError:
        raise
    except (ValueError, OSError) as e:
        print(f"duurzaam: error: {e}", file=sys.stderr)
        return 2
    return 0


def _design_parser(sub: Any) -> None:
    p = sub.add_parser("design", help="sample size and power for the next evaluation (log-rank, milestone, RMST, "
                       "several arms, clusters), as rpact")
    kinds = p.add_subparsers(dest="design", required=True)

    def base(q: argparse.ArgumentParser, hr: bool = True) -> None:
        if hr:
            q.add_argument("--hazard-ratio", type=float, required=True, help="treatment / control (above 1: the event "
                           "comes sooner with the treatment)")
        q.add_argument("--median-control", type=float, required=True, help="median time to the event in the control arm")
        q.add_argument("--accrual-time", type=float, required=True, help="how long persons enter (uniformly)")
        q.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
        q.add_argument("--sided", type=int, choices=[1, 2], default=2, help="1- or 2-sided test (default 2)")
        q.add_argument("--allocation", type=float, default=1.0, help="treated persons per control person (default 1)")
        q.add_argument("--dropout-rate", type=float, default=0.0, help="share lost to follow-up by --dropout-time")
        q.add_argument("--dropout-time", type=float, help="the time by which --dropout-rate is lost")
        q.add_argument("--json", action="store_true", help="print the result as JSON")

    q = kinds.add_parser("sample-size", help="events and persons for a log-rank test")
    base(q)
    q.add_argument("--follow-up-time", type=float, required=True, help="follow-up after the last person entered")
    q.add_argument("--power", type=float, default=0.8)
    q.add_argument("--method", choices=["schoenfeld", "freedman"], default="schoenfeld")
    q = kinds.add_parser("power", help="power of a log-rank test with a number of events")
    base(q)
    q.add_argument("--events", type=float, required=True)
    q.add_argument("--n", type=float, required=True, help="persons in both arms")
    q.add_argument("--method", choices=["schoenfeld", "freedman"], default="schoenfeld")
    q = kinds.add_parser("detectable", help="the smallest hazard ratio a caseload detects")
    base(q, hr=False)
    q.add_argument("--n", type=float, required=True, help="persons in both arms")
    q.add_argument("--follow-up-time", type=float, required=True)
    q.add_argument("--power", type=float, default=0.8)
    q.add_argument("--direction", choices=["increase", "decrease"], default="increase")
    q.add_argument("--milestone", type=float, help="also give the effect as a difference in the share by this time")
    q = kinds.add_parser("simulate", help="power by simulation: several arms, cluster randomisation")
    base(q, hr=False)
    q.add_argument("--hazard-ratios", type=float, nargs="+", required=True, help="one per active arm")
    q.add_argument("--n", type=int, required=True, help="persons in all arms")
    q.add_argument("--follow-up-time", type=float, help="analyse at accrual + this time")
    q.add_argument("--events", type=int, help="or analyse at this many events")
    q.add_argument("--correction", choices=["holm", "bonferroni", "dunnett", "none"], default="holm")
    q.add_argument("--clusters", type=int, help="municipalities or case workers")
    q.add_argument("--frailty-variance", type=float, help="variance of the shared gamma frailty")
    q.add_argument("--randomise", choices=["clusters", "persons"], default="clusters")
    q.add_argument("--sims", type=int, default=10000, help="simulated trials (default 10000)")
    q.add_argument("--seed", type=int, default=1)
    q = kinds.add_parser("curve", help="a power curve over hazard ratios or n, as a figure")
    base(q, hr=False)
    q.add_argument("--hazard-ratios", type=float, nargs="+", required=True)
    q.add_argument("--n", type=float, nargs="+", required=True, help="persons in both arms")
    q.add_argument("--follow-up-time", type=float, required=True)
    q.add_argument("--out", type=Path, required=True, help="the figure: .png, .pdf or .svg")
    q.add_argument("--lang", choices=["en", "nl"], default="en")


def _design(args: argparse.Namespace) -> int:
    import dataclasses

    import numpy as np

    d = dz.design
    common = dict(median_control=args.median_control, accrual_time=args.accrual_time, alpha=args.alpha,
                  sided=args.sided, dropout_rate=args.dropout_rate, dropout_time=args.dropout_time)
    res: Any
    if args.design == "sample-size":
        res = d.logrank_sample_size(args.hazard_ratio, follow_up_time=args.follow_up_time, power=args.power,
                                    allocation=args.allocation, method=args.method, **common)
    elif args.design == "power":
        res = d.logrank_power(args.hazard_ratio, events=args.events, n=args.n, allocation=args.allocation,
                              method=args.method, **common)
    elif args.design == "detectable":
        res = d.minimum_detectable_hazard_ratio(args.n, follow_up_time=args.follow_up_time, power=args.power,
                                                allocation=args.allocation, direction=args.direction,
                                                milestone=args.milestone, **common)
    elif args.design == "simulate":
        alloc = None if args.allocation == 1.0 else ([1.0] + [args.allocation] * len(args.hazard_ratios))
        res = d.simulate_power(args.hazard_ratios, n=args.n, follow_up_time=args.follow_up_time, events=args.events,
                               allocation=alloc, correction=args.correction, clusters=args.clusters,
                               frailty_variance=args.frailty_variance, randomise=args.randomise, n_sims=args.sims,
                               seed=args.seed, **common)
    else:
        import matplotlib

        matplotlib.use("Agg")
        hrs = args.hazard_ratios[0] if len(args.hazard_ratios) == 1 else args.hazard_ratios
        ns = args.n[0] if len(args.n) == 1 else args.n
        res = d.power_curve(hazard_ratios=hrs, n=ns, follow_up_time=args.follow_up_time, allocation=args.allocation,
                            **common)
        ax = res.plot(lang=args.lang)
        ax.figure.tight_layout()
        ax.figure.savefig(args.out, dpi=150)
        print(f"figure written to {args.out}")
    if args.json:
        out = {f.name.lstrip("_"): getattr(res, f.name) for f in dataclasses.fields(res) if f.name != "z"}
        for name in ("events_needed", "n_treatment", "n_control", "n_total", "difference"):
            if hasattr(res, name):
                out[name] = getattr(res, name)
        out = {k: (v.to_dict(orient="records") if isinstance(v, pd.DataFrame) else v) for k, v in out.items()}
        print(json.dumps(out, indent=2, default=lambda v: v.item() if isinstance(v, np.generic) else str(v)))
    else:
        print(res)
    return 0


_EVALUATE_KEYS = {"person": None, "period": None, "status": None, "arm": None, "origin": None, "control": None,
                  "cluster": None, "covariates": "", "work": "work", "benefit": "benefit", "sustained": 6,
                  "times": [6, 12, 18], "hours": None, "min_hours": None, "hours_bands": None,
                  "confirm_lag": 1, "resamples": 500, "seed": 1,
                  "round_to": None, "min_count": 10, "out": None, "title": "Programme evaluation", "lang": "en"}


def _evaluate_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict[str, Any]:
    """The options of ``evaluate``: the config file's, overridden by those given on the command
    line; the required ones checked."""
    cfg = _config(args.config)
    unknown = sorted(set(cfg) - set(_EVALUATE_KEYS))
    if unknown:
        raise InputError(f"--config: unknown option(s) {', '.join(unknown)} (known: {', '.join(_EVALUATE_KEYS)})")
    opts: dict[str, Any] = {}
    for key, default in _EVALUATE_KEYS.items():
        given = getattr(args, key)
        opts[key] = given if given != parser.get_default(key) else cfg.get(key, default)
    missing = [k for k in ("person", "period", "status", "arm", "origin", "out") if opts[k] is None]
    if missing:
        raise InputError("evaluate needs " + ", ".join(f"--{k.replace('_', '-')}" for k in missing)
                         + " (on the command line or in --config)")
    bands = opts["hours_bands"]
    if isinstance(bands, list):  # from the command line: NAME=HOURS
        parsed = {}
        for item in bands:
            name, sep, value = str(item).rpartition("=")
            try:
                parsed[name.strip()] = float(value)
            except ValueError:
                sep = ""
            if not sep or not name.strip():
                raise InputError(f"--hours-band {item!r}: write NAME=HOURS, e.g. 'part-time work=12'")
        opts["hours_bands"] = parsed
    cov = opts.pop("covariates")
    opts["covariates"] = [c.strip() for c in cov.split(",") if c.strip()] if isinstance(cov, str) else list(cov)
    opts["n_resamples"] = opts.pop("resamples")
    opts["out"] = Path(opts["out"])
    return opts


if __name__ == "__main__":
    sys.exit(main())
