"""The evaluation of a multi-arm programme from a register panel, end to end, as a report.

:func:`evaluate_panel` runs what an evaluator of a randomised re-integration experiment reports:
panel -> spells -> time to work and to sustained work by arm (Kaplan-Meier, log-rank, pairwise
tests against the control arm, a Cox model with cluster-robust standard errors, RMST differences
with analytic and cluster-bootstrap intervals), exits from benefit for work versus other reasons
(cumulative incidence), state occupancy, and job retention; every table with the persons dropped
and why. :meth:`Evaluation.write` writes the tables (CSV), the figures (PNG) and a readable HTML
report to a folder.
"""

from __future__ import annotations

import base64
import datetime
import io
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import FewClustersWarning, InputError

from ._result import Result, result
from .bootstrap import bootstrap
from .competing import cumulative_incidence
from .cox import cox
from ._formula import quote, required_columns
from .disclosure import DisclosurePolicy, safe_at
from .plotting import at_risk_counts
from ._lang import check as _check_lang
from ._lang import count as _count
from ._lang import number as _num
from ._lang import t as _t
from .nonparametric import kaplan_meier, logrank, pairwise_logrank
from .spells import drop_summary, spells


@result
class Evaluation(Result):
    """Tables and figures of :func:`evaluate_panel`; ``tables`` maps names to DataFrames."""

    lang: str
    tables: dict[str, pd.DataFrame]
    figures: dict[str, Any]
    notes: list[tuple[str, str]]
    title: str
    labels: dict[str, str]
    _control: Any
    _arm: str
    _sections: list[tuple[str, str, str | None, str | None]] | None = None
    _shown: dict[str, pd.DataFrame] | None = None

    @classmethod
    def _from_core(cls, tables: dict[str, pd.DataFrame], figures: dict[str, Any], notes: list[tuple[str, str]],
                  title: str, labels: dict[str, str] | None = None, control: Any = None, arm: str = "arm",
                  lang: str = "en", sections: list[tuple[str, str, str | None, str | None]] | None = None,
                  shown: dict[str, pd.DataFrame] | None = None) -> Evaluation:
        """``sections`` replaces the panel evaluation's (heading, text, table, figure) list and
        ``shown`` gives tables as the page shows them (the CSVs keep ``tables``), for other
        reports built on this class (``duurzaam demo --dataset rossi``)."""
        return cls(lang=lang, tables=tables, figures=figures, notes=notes, title=title, labels=dict(labels or {}),
                   _control=control, _arm=arm, _sections=sections, _shown=shown)

    def display(self, name: str) -> pd.DataFrame:
        """Table ``name`` as the report shows it: percentages with one decimal and their interval
        in one cell ("31.4% (27.2-35.4)"), p-values as "0.061" or "<0.001", counts with thousands
        separators, human column names, model terms as "coaching vs control" with the reference
        row. ``tables[name]`` keeps the machine-readable numbers (as written to CSV)."""
        if self._shown is not None and name in self._shown:
            return self._shown[name].copy()
        return _display(name, self.tables[name], self)

    def _title(self) -> str:
        return self.title

    def _facts(self) -> list[tuple[str, str]]:
        return self.notes

    def _summary_frame(self) -> pd.DataFrame:
        return self.tables["sustained_work_at"]

    def _section_list(self) -> list[tuple[str, str, str | None, str | None]]:
        """The sections that have a table or a figure, headings and texts in the report's language."""
        out = []
        for heading, text, table, figure in (self._sections if self._sections is not None else _SECTIONS):
            if table in self.tables or figure in self.figures:
                out.append((_t(heading, self.lang), _t(text, self.lang), table if table in self.tables else None,
                            figure if figure in self.figures else None))
        return out

    def to_html(self) -> str:
        """The report as one self-contained HTML page (figures embedded as PNG), rendered from the
        template ``templates/report.html.j2``; tables through pandas' Styler."""
        import jinja2

        env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                                 autoescape=True, keep_trailing_newline=True)
        sections = []
        for k, (heading, text, table, figure) in enumerate(self._section_list()):
            image = None
            if figure is not None:
                buf = io.BytesIO()
                self.figures[figure].savefig(buf, format="png", dpi=110, bbox_inches="tight")
                image = base64.b64encode(buf.getvalue()).decode()
            sections.append({"heading": heading, "text": text, "image": image,
                             "table": _styled_table(self.display(table), f"s{k}") if table is not None else None})
        notes = [(_t(k, self.lang), v) for k, v in self.notes]
        return env.get_template("report.html.j2").render(title=self.title, lang=self.lang, notes=notes,
                                                          sections=sections)

    def to_pdf(self, path: str | Path) -> Path:
        """The report as a PDF for the archive (matplotlib's PDF backend): a title page with the
        facts of the analysis, then per section a page with its heading, text and table, and its
        figure. The numbers are those of the HTML page (under disclosure control, the safe ones)."""
        import textwrap

        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_pdf import PdfPages

        path = Path(path)
        with PdfPages(path, metadata={"Title": self.title, "Creator": f"duurzaam {_version()}"}) as pdf:
            page = plt.figure(figsize=(8.27, 11.69))  # A4
            page.text(0.08, 0.95, "\n".join(textwrap.wrap(self.title, 60)), fontsize=16, weight="bold", va="top")
            y = 0.88
            for key, value in self.notes:
                lines = textwrap.wrap(f"{_t(key, self.lang)}: {value}", 95)
                page.text(0.08, y, "\n".join(lines), fontsize=9, va="top")
                y -= 0.018 * len(lines) + 0.01
            pdf.savefig(page)
            plt.close(page)
            for heading, text, table, figure in self._section_list():
                page = plt.figure(figsize=(8.27, 11.69))
                page.text(0.08, 0.95, heading, fontsize=14, weight="bold", va="top")
                page.text(0.08, 0.91, "\n".join(textwrap.wrap(text, 95)), fontsize=9, va="top")
                if table is not None:
                    shown = self.display(table)
                    ax = page.add_axes((0.06, 0.05, 0.88, 0.78))
                    ax.axis("off")
                    rows = min(len(shown), 40)
                    tab = ax.table(cellText=_cell_text(shown.head(rows)).values.tolist(),
                                   colLabels=[str(c) for c in shown.columns], loc="upper left", cellLoc="left")
                    tab.auto_set_font_size(False)
                    tab.set_fontsize(7)
                    tab.auto_set_column_width(list(range(shown.shape[1])))
                    if len(shown) > rows:
                        page.text(0.08, 0.03, f"({len(shown) - rows} more rows in the CSV)", fontsize=8)
                pdf.savefig(page)
                plt.close(page)
                if figure is not None:
                    pdf.savefig(self.figures[figure], bbox_inches="tight")
        return path

    def write(self, folder: str | Path, *, excel_nl: bool = False) -> Path:
        """Writes ``report.html``, ``report.pdf`` (:meth:`to_pdf`), one CSV per table (numbers
        with at most 10 significant digits; ``excel_nl``: ``;`` and decimal commas for Dutch
        spreadsheets) and one PNG per figure to ``folder``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        csv = {"index": False, "float_format": "%.10g", **({"sep": ";", "decimal": ","} if excel_nl else {})}
        for name, t in self.tables.items():
            t.to_csv(out / f"{name}.csv", **csv)
        for name, fig in self.figures.items():
            fig.savefig(out / f"{name}.png", dpi=110, bbox_inches="tight")
        (out / "report.html").write_text(self.to_html(), encoding="utf-8")
        self.to_pdf(out / "report.pdf")
        return out / "report.html"


# (heading, text, table, figure): the report's sections in order.
_SECTIONS = [
    ("Who is in the analysis", "Persons kept, censored (and why) and dropped (and why) under each outcome rule.",
     "dropped", None),
    ("Time to sustained work", "Share of each arm that started a job lasting at least the required number of "
     "months (Kaplan-Meier, 1 - S(t)), with 95% intervals (log scale) and the number at risk.",
     "sustained_work_at", "sustained_work"),
    ("Share that found any job", "Time to the first job of any length (Kaplan-Meier, 1 - S(t)), with 95% "
     "intervals and the number at risk.", "any_work_at", "any_work"),
    ("Log-rank tests", "The overall k-sample test, and each arm against the control arm (Holm-adjusted p-values).",
     "logrank", None),
    ("Hazard ratios (Cox model)", "Time to sustained work; robust standard errors clustered by the cluster column.",
     "cox", "forest"),
    ("Restricted mean time without sustained work", "Difference against the control arm up to tau months: "
     "analytic (delta-method, persons independent) and bootstrap (percentile; whole clusters resampled when a "
     "cluster column is given) intervals; negative = sooner in sustained work.", "rmst", None),
    ("Leaving benefit: for work versus other reasons", "Cumulative incidence of each exit (Aalen-Johansen) with 95% "
     "intervals, one colour per arm and one line style per exit; an exit counts as to work when the person is "
     "still in work a month later and not back on benefit.",
     "exits_at", "exits"),
    ("First job by hours a week", "The first job after the programme start by its hours band, as competing "
     "destinations (cumulative incidence, Aalen-Johansen) with 95% intervals; the bands are stated above.",
     "work_by_hours_at", "work_by_hours"),
    ("Where people are", "Share of each arm in each state (multi-state Aalen-Johansen, accounting for people who "
     "leave the register).", "occupancy_at", "occupancy"),
    ("State occupancy with bootstrap intervals", "Percentile intervals from resampling whole clusters (or persons "
     "within arms).", "occupancy_ci", None),
    ("Hours over time", "Mean hours per month since the programme start by arm: among those in work, and over "
     "everyone still in the register (0 hours when not working); bootstrap intervals.", "hours_at", "hours"),
    ("Job retention", "Share of first jobs after the programme start still held (no return to benefit) at given "
     "months after the job started (Kaplan-Meier), with 95% intervals and the number of jobs at risk.",
     "retention_at", "retention"),
]


def _fig(draw: Any, size: tuple[float, float] = (7.5, 4.5), lang: str = "en") -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=size)
    draw(ax)
    fig.tight_layout()
    if lang == "nl":
        _decimal_commas(fig)
    plt.close(fig)
    return fig


def _plot_means(ax: Any, both: pd.DataFrame, arm: str, lang: str) -> None:
    """Mean hours per month since the start by arm: in work (solid) and everyone (dashed), with
    the bootstrap band where there is one."""
    levels = list(dict.fromkeys(both[arm]))
    for k, lvl in enumerate(levels):
        for who, style in (("in work", "-"), ("everyone (0 when not working)", "--")):
            part = both[(both[arm] == lvl) & (both["who"] == who)]
            ax.plot(part["time"], part["mean"], color=f"C{k % 10}", linestyle=style,
                    label=str(lvl) if who == "in work" else None)
            if "lower" in part.columns:
                ax.fill_between(part["time"], part["lower"], part["upper"], color=f"C{k % 10}", alpha=0.1, linewidth=0)
    from matplotlib.lines import Line2D

    first = ax.legend(loc="upper left", frameon=False, title=arm, fontsize=8)
    ax.add_artist(first)
    ax.legend(handles=[Line2D([], [], color="black", linestyle="-", label=_t("in work", lang)),
                       Line2D([], [], color="black", linestyle="--", label=_t("everyone (0 when not working)", lang))],
              loc="upper right", frameon=False, fontsize=8)
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel(_t("months since programme start", lang))
    ax.set_ylabel(_t("mean hours", lang))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(left=0)
    top = float(np.nanmax(both[[c for c in ("mean", "upper") if c in both.columns]].to_numpy(dtype=float)))
    ax.set_ylim(0, 1.45 * top if np.isfinite(top) and top > 0 else 1.0)  # room for the legends above the lines


def _decimal_commas(fig: Any) -> None:
    """Tick labels with decimal commas (0,2 not 0.2), as Dutch readers write numbers."""
    from matplotlib.ticker import FuncFormatter

    def fmt(v: float, _pos: Any) -> str:
        text = f"{v:.10g}"
        return text.replace(".", ",") if "e" not in text else text

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "linear":
                axis.set_major_formatter(FuncFormatter(fmt))


def evaluate_panel(panel: Any, *, person: str, period: str, status: str, arm: str, origin: str,
                   control: Any = None, cluster: str | None = None, covariates: Sequence[str] = (),
                   work: str = "work", benefit: str = "benefit", max_gap: int = 1, max_unobserved: int = 1, hours: str | None = None,
                   min_hours: float | None = None, hours_bands: Mapping[str, float] | None = None,
                   confirm_lag: int = 1, sustained: int = 6, times: Sequence[int] = (6, 12, 18),
                   tau: float | None = None, n_resamples: int = 500, seed: int = 1, round_to: int | None = None,
                   min_count: int = 10, disclosure: DisclosurePolicy | None = None,
                   title: str = "Programme evaluation", lang: str = "en") -> Evaluation:
    """Evaluates a multi-arm programme from a monthly register panel.

    Parameters
    ----------
    panel : DataFrame
        One row per person per month (see :func:`duurzaam.spells`).
    person, period, status, arm, origin : str
        Columns: person id, month, status, the arm (constant per person), the programme start.
    control : optional
        The reference arm (default: the first level of ``arm``).
    cluster : str, optional
        Clusters (municipalities): robust Cox standard errors and a cluster bootstrap.
    lang : {"en", "nl"}
        The report's language: every heading, label and sentence, and numbers with decimal commas
        in Dutch (``"nl"``). The CSV tables stay machine-readable either way.
    covariates : sequence of str
        Person-level adjustment covariates for the Cox model (numeric, or categorical in ``C()``).
    max_gap : int
        A job interruption of at most this many months does not end the job.
    max_unobserved : int
        Months with a missing status (or no row) of at most this length do not end any spell.
    hours, min_hours : optional
        A work month counts only with at least ``min_hours`` hours (12 a week for part-time work).
    hours_bands : dict, optional
        Work by hours a week, e.g. ``{"part-time work": 12, "full-time work": 28}`` (needs
        ``hours``): the lowest band is the minimum for a work month (as ``min_hours``); the
        report adds the first job by band as competing destinations and shows each band in the
        state occupancy.
    confirm_lag : int
        An exit from benefit counts as an exit to work only if the person is still in work this
        many months later (the statistical offices' rule; 0: as it happens).
    sustained : int
        Months a job must last to count as sustained work (6 or 12).
    times : sequence of int
        Months after the start at which shares are reported.
    tau : float, optional
        Horizon of the restricted mean (default: the last of ``times``).
    n_resamples : int
        Bootstrap resamples for the RMST differences (0: none).
    round_to, min_count : int, optional
        Statistical disclosure control (``round_to=5`` or 10): shorthand for
        ``disclosure=DisclosurePolicy(round_to, min_count)``.
    disclosure : DisclosurePolicy, optional
        Applied to every number the report publishes: counts in the text, the tables and under the
        figures are rounded (below ``min_count``: suppressed, "<10"), curves and the shares read off
        them are recomputed from rounded counts, estimates are rounded to a fixed number of decimals
        (see :class:`duurzaam.disclosure.DisclosurePolicy`).

    Examples
    --------
    >>> import duurzaam as dz
    >>> panel = dz.datasets.four_arm_panel(n_persons=400, seed=1)
    >>> ev = dz.evaluate_panel(panel, person="person_id", period="month", status="status", arm="arm",
    ...                        origin="programme_start", cluster="municipality", n_resamples=0)
    >>> sorted(ev.tables)[:3]
    ['any_work_at', 'cox', 'dropped']
    """
    lang = _check_lang(lang)
    times = [int(t) for t in times]
    tau = float(tau if tau is not None else max(times))
    policy = disclosure if disclosure is not None else (
        DisclosurePolicy(round_to=round_to, min_count=min_count) if round_to is not None else None)
    bands: list[tuple[str, float]] = []
    if hours_bands is not None:
        if hours is None:
            raise InputError("hours_bands needs the hours column (hours=)")
        if min_hours is not None:
            raise InputError("give min_hours or hours_bands, not both (the lowest band is the minimum)")
        bands = sorted(((str(k), float(v)) for k, v in dict(hours_bands).items()), key=lambda kv: kv[1])
        if not bands:
            raise InputError("hours_bands is empty")
        min_hours = bands[0][1]
    if isinstance(confirm_lag, bool) or not isinstance(confirm_lag, (int, np.integer)) or confirm_lag < 0:
        raise InputError(f"confirm_lag must be a whole number of months >= 0, not {confirm_lag!r}")
    sp = spells(panel, person, period, status, max_gap={work: max_gap}, max_unobserved=max_unobserved, hours=hours,
                min_hours=min_hours, work=work)
    sp_bands = spells(panel, person, period, status, max_gap={b: max_gap for b, _ in bands},
                      max_unobserved=max_unobserved, hours=hours, hours_bands=dict(bands), work=work) if bands else None
    # the panel columns the covariate terms need ("C(education)" needs "education"), per person
    needed = required_columns(list(covariates)) if covariates else []
    plain_covs = list(dict.fromkeys([arm] + ([cluster] if cluster else []) + needed))
    sus = sp.time_to(work, origin=origin, min_duration=sustained, covariates=plain_covs)
    anyjob = sp.time_to(work, origin=origin, min_duration=1, covariates=plain_covs)
    levels = list(pd.unique(sus[arm])) if not isinstance(sus[arm].dtype, pd.CategoricalDtype) else list(sus[arm].cat.categories)
    control = levels[0] if control is None else control
    if control not in levels:
        raise InputError(f"control {control!r} is not a level of column '{arm}'")
    if isinstance(sus[arm].dtype, pd.CategoricalDtype):
        order = [control] + [lv for lv in levels if lv != control]
        sus[arm] = sus[arm].cat.reorder_categories(order)
        anyjob[arm] = anyjob[arm].cat.reorder_categories(order)

    tables: dict[str, pd.DataFrame] = {}
    figures: dict[str, Any] = {}

    km = kaplan_meier(sus, "duration", "event", group=arm, entry="entry")
    tables["sustained_work_at"] = _shares(km, times, policy)
    risk_times = list(range(0, int(km.table["time"].max()) + 1, 6 if km.table["time"].max() > 12 else 3))
    tables["sustained_work_at_risk"] = _at_risk(km, risk_times, policy)
    words = {"at_risk_label": _t("number at risk", lang), "thousands": "." if lang == "nl" else ",",
             "rounding_label": ("aantallen afgerond op veelvouden van {round_to}" if lang == "nl"
                                else "counts rounded to multiples of {round_to}")}
    figures["sustained_work"] = _fig(lambda ax: km.plot(
        ax=ax, share_event=True, xlabel=_t("months since programme start", lang),
        ylabel=(f"aandeel met werk van {sustained}+ maanden" if lang == "nl"
                else f"share in work lasting {sustained}+ months"),
        at_risk_times=risk_times, **words, **_safe(policy)), lang=lang)
    km_any = kaplan_meier(anyjob, "duration", "event", group=arm, entry="entry")
    tables["any_work_at"] = _shares(km_any, times, policy)
    figures["any_work"] = _fig(lambda ax: km_any.plot(
        ax=ax, share_event=True, xlabel=_t("months since programme start", lang),
        ylabel=_t("share that found a job", lang), at_risk_times=risk_times, **words, **_safe(policy)), lang=lang)

    lr = logrank(sus, "duration", "event", arm, entry="entry")
    pw = pairwise_logrank(sus, "duration", "event", arm, reference=control, entry="entry")
    overall = pd.DataFrame([{"group_1": "all arms", "group_2": "", "statistic": lr.statistic, "p_value": lr.p_value,
                             "p_adjusted": np.nan}])
    tables["logrank"] = _estimates(pd.concat([overall, pw], ignore_index=True), policy)

    terms = " + ".join([f"C({quote(arm)})"] + [c for c in covariates if c not in (arm, cluster)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewClustersWarning)  # handled here: CR1 with t below 20 clusters
        fit = cox(sus, "duration", "event", terms, entry="entry", cluster=cluster)
    cox_table = fit.summary.reset_index()
    small_g = cluster is not None and fit._n_clusters < 20
    if small_g:
        ss = fit.small_sample_summary("CR1").reset_index()
        cox_table["robust_se"] = ss["se"]
        cox_table = cox_table.rename(columns={"z": "t"})
        cox_table["t"], cox_table["p_value"] = ss["t"], ss["p_value"]
        cox_table["lower"], cox_table["upper"] = ss["lower"], ss["upper"]
        cox_table["exp_lower"], cox_table["exp_upper"] = np.exp(ss["lower"]), np.exp(ss["upper"])
        cox_table.insert(cox_table.columns.get_loc("t"), "df", ss["df"])
    tables["cox"] = _estimates(cox_table, policy)
    labels = _term_labels(list(fit.summary.index), arm, control)
    shown = {k: v.replace(" vs ", f" {_t('vs', lang)} ") for k, v in labels.items()}
    figures["forest"] = _fig(lambda ax: (fit.plot(ax=ax, labels=shown), ax.set_xlabel(_t("hazard ratio (95% CI)", lang))),
                             size=(8.0, 0.45 * len(fit.summary) + 1.5), lang=lang)

    contrast = km.rmst_contrast(tau, reference=control)
    rm = contrast[["group", "reference", "tau", "difference", "diff_lower", "diff_upper"]].copy()
    if n_resamples > 0:
        scheme: dict[str, Any] = {"scheme": "cluster", "cluster": cluster} if cluster else {"scheme": "stratified", "strata": arm}
        bs = bootstrap(kaplan_meier, sus, "duration", "event", group=arm, entry="entry", tau=tau,
                       n_resamples=n_resamples, seed=seed, progress=False, **scheme)
        boot = bs.ci("percentile")
        diffs = boot[boot["quantity"].astype(str).str.startswith("rmst_diff")]
        diffs = diffs.set_index(diffs["group"].astype(str).str.rsplit(" - ", n=1).str[0])
        rm["boot_lower"] = diffs["lower"].reindex(rm["group"].astype(str)).to_numpy()
        rm["boot_upper"] = diffs["upper"].reindex(rm["group"].astype(str)).to_numpy()
    tables["rmst"] = _estimates(rm, policy)

    exits = sp.time_to_exit(benefit, origin=origin, causes={work: 1}, confirm_lag=int(confirm_lag), covariates=[arm])
    cif = cumulative_incidence(exits, "duration", "event", group=arm, entry="entry")
    ex_at = _cif_at(cif, times, policy, arm)
    ex_at.insert(1, "exit", ex_at["cause"].map(exits.attrs["causes"]))
    tables["exits_at"] = ex_at.drop(columns="cause")
    exit_names = {c: _t("exit to work", lang) if c == 1 else _t("other exit", lang) for c in exits.attrs["causes"]}
    figures["exits"] = _fig(lambda ax: cif.plot(ax=ax, labels=exit_names, xlabel=_t("months since programme start", lang),
                                                ylabel=_t("share that left benefit", lang), at_risk=True,
                                                at_risk_times=risk_times, **words, **_safe(policy)), lang=lang)

    if sp_bands is not None:
        # the first job by hours band: competing destinations (part-time vs full-time)
        first = sp_bands.time_to_first({b: k + 1 for k, (b, _) in enumerate(bands)}, origin=origin, covariates=[arm])
        cif_b = cumulative_incidence(first, "duration", "event", group=arm, entry="entry")
        b_at = _cif_at(cif_b, times, policy, arm)
        names = {k + 1: b for k, (b, _) in enumerate(bands)}
        b_at.insert(1, "band", b_at["cause"].map(names))
        tables["work_by_hours_at"] = b_at.drop(columns="cause")
        figures["work_by_hours"] = _fig(lambda ax: cif_b.plot(
            ax=ax, labels=names, xlabel=_t("months since programme start", lang),
            ylabel=_t("share that found a job", lang), at_risk=True, at_risk_times=risk_times, **words,
            **_safe(policy)), lang=lang)
    occ = (sp_bands or sp).occupancy(origin=origin, group=arm, times=times, n_resamples=n_resamples, cluster=cluster,
                                     seed=seed)
    wide = occ.wide().reset_index()
    tables["occupancy_at"] = _estimates(wide, policy, share=True) if policy else wide
    if n_resamples > 0:
        tables["occupancy_ci"] = _estimates(occ.at()[[arm, "time", "state", "share", "lower", "upper"]], policy, share=True)
    import matplotlib.pyplot as plt

    ax = occ.plot(share_decimals=policy.share_decimals if policy else None)
    figures["occupancy"] = np.atleast_1d(ax)[0].figure
    plt.close(figures["occupancy"])

    if hours is not None:
        horizon = max(times)
        boot_opts: dict[str, Any] = dict(n_resamples=n_resamples, cluster=cluster, seed=seed)
        in_work = sp.mean_over_time(hours, origin=origin, group=arm, horizon=horizon, in_state=work, **boot_opts)
        overall = sp.mean_over_time(hours, origin=origin, group=arm, horizon=horizon, fill=0, **boot_opts)
        both = pd.concat([in_work.assign(who="in work"), overall.assign(who="everyone (0 when not working)")],
                         ignore_index=True)
        if policy is not None:
            # means of fewer than min_count persons are not published (nor drawn); counts rounded
            few = both["n"].to_numpy() < policy.min_count
            both.loc[few, [c for c in ("mean", "lower", "upper") if c in both.columns]] = np.nan
            both = _estimates(both.assign(n=policy.count(both["n"].to_numpy())), policy)
        at = both[both["time"].isin(times)].reset_index(drop=True)
        tables["hours_at"] = at
        figures["hours"] = _fig(lambda ax: _plot_means(ax, both, arm, lang), lang=lang)

    jobs = sp.spell_durations(work, ends_in=benefit, origin=origin, covariates=[arm])
    km_jobs = kaplan_meier(jobs, "duration", "event", group=arm)
    tables["retention_at"] = _shares(km_jobs, times, policy, share_event=False)
    figures["retention"] = _fig(lambda ax: km_jobs.plot(
        ax=ax, xlabel=_t("months since the job started", lang), ylabel=_t("share still in work", lang),
        at_risk_times=risk_times, **words, **_safe(policy)), lang=lang)

    drops = []
    for name, d in (("sustained work", sus), ("any job", anyjob), ("exit from benefit", exits), ("job retention", jobs)):
        drops.append(drop_summary(d).assign(analysis=name))
    dropped = pd.concat(drops, ignore_index=True)[["analysis", "outcome", "reason", "count"]]
    if policy is not None:
        dropped, _ = policy.counts(dropped, ["count"])
    tables["dropped"] = dropped
    notes = _header(lang, policy, persons=len(sp.persons), months=sp.summary_counts.loc["rows", "count"],
                    spells=len(sp.table), sustained=sustained, max_gap=max_gap, work=work, min_hours=min_hours,
                    max_unobserved=max_unobserved, benefit=benefit, arms=[control] + [lv for lv in levels if lv != control],
                    lr=lr, n_resamples=n_resamples, cluster=cluster, seed=seed, bands=bands,
                    confirm_lag=int(confirm_lag), few_clusters=fit._n_clusters if small_g else 0)
    return Evaluation._from_core(tables, figures, notes, title, labels=labels, control=control, arm=arm, lang=lang)


def _header(lang: str, policy: DisclosurePolicy | None, *, persons: int, months: int, spells: int, sustained: int,
            max_gap: int, work: str, min_hours: float | None, max_unobserved: int, benefit: str, arms: list[Any],
            lr: Any, n_resamples: int, cluster: str | None, seed: int, bands: Sequence[tuple[str, float]] = (),
            confirm_lag: int = 1, few_clusters: int = 0) -> list[tuple[str, str]]:
    """The report's header: the data, every outcome definition, the tests, the bootstrap, the
    version and date, and the disclosure rules, in ``lang`` (counts rounded under ``policy``)."""
    def c(x: float) -> str:
        return policy.count_text(x, lang) if policy is not None else _count(x, lang)

    p = _p(lr.p_value, lang)
    p = p if p.startswith("<") else f"= {p}"
    today = datetime.date.today().isoformat()
    ref, others = arms[0], ", ".join(map(str, arms[1:]))
    if lang == "nl":
        notes = [
            ("panel", f"{c(persons)} personen, {c(months)} persoonsmaanden, {c(spells)} perioden"),
            ("duurzaam werk", f"een baan van minstens {sustained} maanden (onderbrekingen tot {max_gap} maand "
                              "overbrugd), geteld vanaf de maand waarin hij begint"),
            ("werk", f"status {work!r}" + (f" met minstens {_num(min_hours, 0, lang)} uur per week"
                                           if min_hours is not None else "")
                     + f"; tot {max_unobserved} ontbrekende maand(en) in het register overbrugd"),
            ("werk gevonden", "de eerste baan na de start, van welke duur ook"),
            ("uitstroom naar werk", f"uit {benefit!r} naar werk, "
                                    + (f"alleen als de persoon {confirm_lag} maand(en) later nog werkt" if confirm_lag
                                       else "geteld zodra het gebeurt")),
            ("groepen", f"{ref} (referentie), {others}"),
            ("log-ranktoets", f"chi-kwadraat {_num(lr.statistic, 2, lang)} bij {lr.df} vrijheidsgraden, p {p}"),
            ("bootstrap", f"{n_resamples} trekkingen" + (f" van hele clusters ({cluster})" if cluster else
                                                       " binnen groepen") + f", seed {seed}" if n_resamples > 0 else "geen"),
            ("gemaakt met", f"duurzaam {_version()} op {today}"),
        ]
        if bands:
            notes.insert(3, ("urenklassen", _bands_text(bands, "nl")))
        if few_clusters:
            notes.insert(-2, ("Cox-model", f"slechts {few_clusters} clusters ({cluster}): standaardfouten CR1 "
                              f"(maal G/(G-1)) met t-toetsen op {few_clusters - 1} vrijheidsgraden"))
        if policy is not None:
            notes.append(("onthullingscontrole", f"aantallen afgerond op veelvouden van {policy.round_to}, aantallen "
                          f"onder {policy.min_count} onderdrukt (getoond als <{policy.min_count}); curven en aandelen "
                          f"herberekend uit afgeronde aantallen en afgebroken voordat minder dan {policy.min_count} "
                          f"personen at risk zijn; schattingen afgerond op {policy.decimals} decimalen"))
        return notes
    notes = [
        ("panel", f"{c(persons)} persons, {c(months)} person-months, {c(spells)} spells"),
        ("sustained work", f"a job lasting at least {sustained} months (interruptions of up to {max_gap} month(s) "
                           "bridged), counted from the month it starts"),
        ("work", f"status {work!r}" + (f" with at least {min_hours:g} hours a week" if min_hours is not None else "")
                 + f"; months missing from the register bridged up to {max_unobserved}"),
        ("any job", "the first job of any length after the programme start"),
        ("exit to work", f"leaving {benefit!r} for work, "
                         + (f"counted only if still in work {confirm_lag} month(s) later" if confirm_lag
                            else "counted as it happens")),
        ("arms", f"{ref} (reference), {others}"),
        ("log-rank", f"chi-square {lr.statistic:.2f} on {lr.df} df, p {p}"),
        ("bootstrap", f"{n_resamples} resamples" + (f" of whole {cluster} clusters" if cluster else " within arms")
                      + f", seed {seed}" if n_resamples > 0 else "none"),
        ("made with", f"duurzaam {_version()} on {today}"),
    ]
    if bands:
        notes.insert(3, ("hours bands", _bands_text(bands, "en")))
    if few_clusters:
        notes.insert(-2, ("Cox model", f"only {few_clusters} clusters ({cluster}): CR1 standard errors (times "
                          f"G/(G-1)) with t tests on {few_clusters - 1} df"))
    if policy is not None:
        notes.append(("disclosure control", f"counts rounded to multiples of {policy.round_to}, counts below "
                      f"{policy.min_count} suppressed (shown as <{policy.min_count}); curves and shares recomputed "
                      f"from rounded counts and cut before fewer than {policy.min_count} are at risk; estimates "
                      f"rounded to {policy.decimals} decimals"))
    return notes


def _bands_text(bands: Sequence[tuple[str, float]], lang: str) -> str:
    """"part-time work: 12 to 28 hours a week; full-time work: 28 or more" (and in Dutch)."""
    parts = []
    for i, (name, low) in enumerate(bands):
        if i + 1 < len(bands):
            rng = (f"{_num(low, 0, lang)} tot {_num(bands[i + 1][1], 0, lang)} uur per week" if lang == "nl"
                   else f"{low:g} to {bands[i + 1][1]:g} hours a week")
        else:
            rng = f"{_num(low, 0, lang)} uur per week of meer" if lang == "nl" else f"{low:g} or more hours a week"
        parts.append(f"{name}: {rng}")
    below = "werk onder de laagste klasse telt niet als werk" if lang == "nl" else \
        "work below the lowest band does not count as work"
    return "; ".join(parts) + f"; {below}"


def _cif_at(cif: Any, times: Sequence[int], policy: DisclosurePolicy | None, arm: str) -> pd.DataFrame:
    """Cumulative incidence at ``times`` per arm and cause; under disclosure control read off the
    curves recomputed from rounded counts and cut where too few are at risk, estimates rounded."""
    if policy is None:
        return cif.at(times)
    safe, rep = cif.safe_table(round_to=policy.round_to, min_count=policy.min_count)
    return _estimates(safe_at(safe, times, ["cif", "lower", "upper"], by=[arm, "cause"], before=0.0,
                              stopped=rep.stopped), policy, share=True)


def _safe(policy: DisclosurePolicy | None) -> dict[str, Any]:
    return {} if policy is None else {"round_to": policy.round_to, "min_count": policy.min_count}


def _estimates(table: pd.DataFrame, policy: DisclosurePolicy | None, share: bool = False) -> pd.DataFrame:
    """Every float column but time rounded under the policy (unchanged without one)."""
    if policy is None:
        return table
    cols = [c for c in table.columns if c != "time" and pd.api.types.is_float_dtype(table[c])]
    return policy.estimates(table, cols, share=share)


def _shares(km: Any, times: Sequence[int], policy: DisclosurePolicy | None, share_event: bool = True) -> pd.DataFrame:
    """The share with the event (or, ``share_event=False``, without it) at ``times`` per arm, with its
    interval: from the exact curve, or under a policy from the curve recomputed from rounded counts
    (missing where that curve stops because too few are at risk)."""
    by = [km.group] if km.group is not None else []
    if policy is None:
        at = km.survival_at(times)
    else:
        safe, rep = km.safe_table(round_to=policy.round_to, min_count=policy.min_count)
        at = safe_at(safe, times, ["survival", "lower", "upper"], by=by, before=1.0, stopped=rep.stopped)
    if not share_event:
        out = at[by + ["time", "survival", "lower", "upper"]]
    else:
        out = at.assign(share=1 - at["survival"], share_lower=1 - at["upper"], share_upper=1 - at["lower"])
        out = out[by + ["time", "share", "share_lower", "share_upper"]]
    return _estimates(out.reset_index(drop=True), policy, share=True)


def _at_risk(km: Any, times: Sequence[int], policy: DisclosurePolicy | None) -> pd.DataFrame:
    """The numbers at risk printed under a Kaplan-Meier figure, as a table (rounded under a policy)."""
    levels = km.levels if km.group is not None else [None]
    table = km.table if policy is None else km.safe_table(round_to=policy.round_to, min_count=policy.min_count)[0]
    counts = at_risk_counts(table, km.group, levels, times)
    rows = [{km.group or "group": "all" if lvl is None else lvl, "time": t, "n_risk": c}
            for lvl, row in zip(levels, counts) for t, c in zip(times, row)]
    out = pd.DataFrame(rows)
    if policy is not None:
        out, _ = policy.counts(out, ["n_risk"])
    else:
        out["n_risk"] = out["n_risk"].round().astype("Int64") if (out["n_risk"] % 1 == 0).all() else out["n_risk"]
    return out


def _cell_text(t: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the page prints it: whole numbers without decimals, "-" for missing."""
    def cell(v: Any) -> str:
        if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and np.isnan(v)):
            return "-"
        if isinstance(v, (float, np.floating)):
            return str(int(v)) if float(v).is_integer() else f"{v:g}"
        return str(v)

    return t.map(cell) if hasattr(t, "map") else t.applymap(cell)


def _styled_table(t: pd.DataFrame, uid: str) -> str:
    """A table as the page shows it, through pandas' Styler: no index, text left-aligned, numbers
    (counts, shares, intervals) right-aligned, every cell and header HTML-escaped (labels come
    from the data). ``uid`` keeps each table's id and style its own."""
    import re

    numeric = re.compile(r"^[<>]?-?[\d.,]+%?( \(.*\)| to .*| tot .*)?$|^-$|^1 \(refer\w*\)$")
    shown = _cell_text(t)
    num_cols = [c for c in shown.columns if all(numeric.match(str(v)) for v in shown[c])]
    classes = pd.DataFrame("", index=shown.index, columns=shown.columns)
    for c in num_cols:
        classes[c] = "num"
    styler = shown.style.hide(axis="index").set_td_classes(classes).format(escape="html")
    styler = styler.format_index(escape="html", axis=1)
    styler = styler.set_table_styles([{"selector": f"th.col{list(shown.columns).index(c)}", "props": "text-align: right"}
                                      for c in num_cols], overwrite=False)
    return styler.to_html(table_uuid=uid, exclude_styles=False)


def _version() -> str:
    from . import __version__

    return __version__


def _pct(v: float, decimals: int = 1, lang: str = "en") -> str:
    return "-" if pd.isna(v) else f"{_num(100 * v, decimals, lang)}%"


def _ci(est: Any, lo: Any, hi: Any, pct: bool = True, decimals: int = 1, lang: str = "en") -> list[str]:
    """"31.4% (27.2-35.4)" (or "1.19 (0.97-1.46)"; Dutch "31,4% (27,2-35,4)") per row; "-" where
    the estimate is missing."""
    out = []
    for e, a, b in zip(est, lo, hi):
        if pd.isna(e):
            out.append("-")
        elif pct:
            out.append(f"{_num(100 * e, decimals, lang)}% ({_num(100 * a, decimals, lang)}-{_num(100 * b, decimals, lang)})")
        else:
            sep = " to " if lang == "en" else " tot "
            out.append(f"{_num(e, decimals, lang)} ({_num(a, decimals, lang)}{sep}{_num(b, decimals, lang)})"
                       if min(a, b) < 0 else f"{_num(e, decimals, lang)} ({_num(a, decimals, lang)}-{_num(b, decimals, lang)})")
    return out


def _p(v: Any, lang: str = "en") -> str:
    if pd.isna(v):
        return "-"
    return ("<0,001" if lang == "nl" else "<0.001") if v < 0.001 else _num(v, 3, lang)


def _display(name: str, t: pd.DataFrame, ev: Evaluation) -> pd.DataFrame:
    out = _display_en(name, t, ev)
    return out.rename(columns=lambda c: _t(str(c), ev.lang))


def _display_en(name: str, t: pd.DataFrame, ev: Evaluation) -> pd.DataFrame:
    arm, lab, lang = ev._arm, ev.labels, ev.lang
    vs = _t("vs", lang)
    ref = _t("(reference)", lang)

    def ci(*cols: Any, **kw: Any) -> list[str]:
        return _ci(*cols, lang=lang, **kw)

    if name in ("sustained_work_at", "any_work_at"):
        return pd.DataFrame({"Arm": t[arm].astype(str), "Month": t["time"],
                             "Share (95% CI)": ci(t["share"], t["share_lower"], t["share_upper"])})
    if name == "retention_at":
        return pd.DataFrame({"Arm": t[arm].astype(str), "Months in the job": t["time"],
                             "Still in the job (95% CI)": ci(t["survival"], t["lower"], t["upper"])})
    if name == "work_by_hours_at":
        return pd.DataFrame({"Arm": t[arm].astype(str), "Hours band": t["band"].astype(str), "Month": t["time"],
                             "Share with a first job (95% CI)": ci(t["cif"], t["lower"], t["upper"])})
    if name == "exits_at":
        return pd.DataFrame({"Arm": t[arm].astype(str), "Exit": [_t(str(v), lang) for v in t["exit"]],
                             "Month": t["time"], "Share exited (95% CI)": ci(t["cif"], t["lower"], t["upper"])})
    if name == "logrank":
        comp = [_t(g1, lang) if g1 == "all arms" else f"{g2} {vs} {g1}" for g1, g2 in zip(t["group_1"], t["group_2"])]
        return pd.DataFrame({"Comparison": comp, "Chi-square": [_num(v, 2, lang) for v in t["statistic"]],
                             "p": [_p(v, lang) for v in t["p_value"]], "p (Holm)": [_p(v, lang) for v in t["p_adjusted"]]})
    if name == "cox":
        rows = [(f"{ev._control} {ref}", _t("1 (reference)", lang), "")]
        terms = [lab.get(str(term), str(term)).replace(" vs ", f" {vs} ") for term in t["term"]]
        rows += list(zip(terms, ci(t["exp_coef"], t["exp_lower"], t["exp_upper"], pct=False, decimals=2),
                         [_p(p, lang) for p in t["p_value"]]))
        return pd.DataFrame(rows, columns=["Term", "Hazard ratio (95% CI)", "p"])
    if name == "rmst":
        out = pd.DataFrame({"Arm": [f"{g} {vs} {r}" for g, r in zip(t["group"], t["reference"])],
                            "Months": t["tau"].map(lambda v: f"{v:g}"),
                            "Difference in months without sustained work (95% CI)":
                                ci(t["difference"], t["diff_lower"], t["diff_upper"], pct=False, decimals=2)})
        if "boot_lower" in t.columns:
            sep = " to " if lang == "en" else " tot "
            out["Bootstrap 95% CI"] = [f"{_num(a, 2, lang)}{sep}{_num(b, 2, lang)}" if pd.notna(a) else "-"
                                       for a, b in zip(t["boot_lower"], t["boot_upper"])]
        return out
    if name == "occupancy_at":
        states = [c for c in t.columns if c not in (arm, "time")]
        out = pd.DataFrame({"Arm": t[arm].astype(str), "Month": t["time"]})
        for s_ in states:
            out[str(s_)] = [_pct(v, lang=lang) for v in t[s_]]
        return out
    if name == "hours_at":
        out = pd.DataFrame({"Arm": t[arm].astype(str), "Who": [_t(v, lang) for v in t["who"]], "Month": t["time"]})
        if "lower" in t.columns:
            out["Mean hours (95% CI)"] = ci(t["mean"], t["lower"], t["upper"], pct=False, decimals=1)
        else:
            out["Mean hours"] = [_num(v, 1, lang) for v in t["mean"]]
        out["Persons"] = [_count(v, lang) for v in t["n"]]
        return out
    if name == "occupancy_ci":  # one row per arm and month, one column per state
        long = pd.DataFrame({"arm": t[arm].astype(str), "time": t["time"], "state": t["state"].astype(str),
                             "cell": ci(t["share"], t["lower"], t["upper"])})
        keys = list(dict.fromkeys(zip(long["arm"], long["time"])))
        states = list(dict.fromkeys(long["state"]))
        wide = long.set_index(["arm", "time", "state"])["cell"].unstack("state").reindex(
            pd.MultiIndex.from_tuples(keys))[states]
        out = pd.DataFrame({"Arm": [k[0] for k in keys], "Month": [k[1] for k in keys]})
        for st in states:
            out[f"{_t(st, lang)} (95% CI)"] = wide[st].to_numpy()
        return out
    if name == "sustained_work_at_risk":
        wide = t.pivot(index=t.columns[0], columns="time", values="n_risk")
        out = pd.DataFrame({"Arm (number at risk by month)": [str(i) for i in wide.index]})
        for c in wide.columns:
            out[str(c)] = [_count(v, lang) for v in wide[c]]
        return out
    if name == "dropped":
        return pd.DataFrame({"Outcome": [_t(v, lang) for v in t["analysis"]],
                             "Status": [_t(v, lang) for v in t["outcome"]],
                             "Reason": [_t(str(v), lang) for v in t["reason"]],
                             "Persons": [_count(v, lang) for v in t["count"]]})
    return t


def _term_labels(terms: Sequence[str], arm: str, control: Any) -> dict[str, str]:
    """Readable names of Cox terms: "C(arm)[T.coaching]" -> "coaching vs control", other
    categorical terms "education: middle", numeric terms as they are."""
    out = {}
    arm_prefix = f"C({quote(arm)})[T."
    for term in terms:
        if term.startswith(arm_prefix) and term.endswith("]"):
            out[term] = f"{term[len(arm_prefix):-1]} vs {control}"
        elif term.startswith("C(") and ")[T." in term and term.endswith("]"):
            var, level = term[2:].split(")[T.", 1)
            out[term] = f"{var.split(',')[0]}: {level[:-1]}"
        else:
            out[term] = term
    return out


__all__ = ["evaluate_panel", "Evaluation"]
