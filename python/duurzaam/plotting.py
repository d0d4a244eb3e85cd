"""Plots for evaluators: Kaplan-Meier curves with confidence bands and a number-at-risk table,
a forest plot of hazard ratios, the bootstrap distribution with its interval, and the scaled
Schoenfeld residuals of the proportional-hazards test. Every function draws on a matplotlib Axes
(made when not given) and returns it, so plots compose."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .bootstrap import BootstrapResult
    from .cox import CoxFit
    from .nonparametric import KaplanMeier


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(7, 4.5))[1]


def at_risk_counts(table: pd.DataFrame, group: str | None, levels: Sequence[Any], times: Sequence[float]) -> list[list[float]]:
    """Numbers at risk just after each of ``times``, per level of ``group``, from a Kaplan-Meier
    table (exact or safe): the ``n_risk`` of the first row at or after the time (0 past the end)."""
    rows = []
    for lvl in levels:
        part = table if group is None else table[table[group] == lvl]
        times_, risk = part["time"].to_numpy(), part["n_risk"].to_numpy()
        counts = []
        for tick in times:
            k = np.searchsorted(times_, tick, side="left")  # first time >= tick: at risk just after it
            counts.append(float(risk[k]) if k < len(risk) else 0.0)
        rows.append(counts)
    return rows


def cumulative_events(table: pd.DataFrame, group: str | None, levels: Sequence[Any], times: Sequence[float]) -> list[list[float]]:
    """Events up to and including each of ``times``, per level of ``group``, from a Kaplan-Meier
    or cumulative-incidence table (exact or safe)."""
    rows = []
    for lvl in levels:
        part = table if group is None else table[table[group] == lvl]
        times_, cum = part["time"].to_numpy(), np.cumsum(part["n_event"].to_numpy())
        k = np.searchsorted(times_, np.asarray(times, dtype=float), side="right")
        rows.append([float(cum[j - 1]) if j > 0 else 0.0 for j in k])
    return rows


def _count_table(ax: Any, blocks: Sequence[tuple[str, list[list[float]]]], labels: Sequence[Any],
                 ticks: np.ndarray, round_to: int | None, min_count: int, rounding_label: str, thousands: str) -> None:
    """Rows of counts under the axis, one block (number at risk, events) after another, one row
    per group, the numbers under the x ticks. Under disclosure control a count below
    ``min_count`` reads "<min_count"."""
    from matplotlib.transforms import blended_transform_factory

    tr = blended_transform_factory(ax.transData, ax.transAxes)
    ax.set_xticks(list(ticks))  # the counts stand under the ticks they belong to
    top = -0.3
    rows_used = 0
    for b, (title, rows) in enumerate(blocks):
        y0 = top - 0.07 * rows_used - 0.05 * b
        ax.text(0.0, y0, title, transform=ax.transAxes, ha="left", va="bottom", fontsize=8)
        for r, (lvl, counts) in enumerate(zip(labels, rows)):
            y = y0 - 0.07 * (r + 1)
            ax.text(-0.06, y, "all" if lvl is None else str(lvl), transform=ax.transAxes, ha="right", va="bottom",
                    fontsize=8, gid="at_risk_label" if b == 0 else "events_label")
            for tick, c in zip(ticks, counts):
                label = (f"<{min_count}" if round_to is not None and c < min_count
                         else f"{c:,.0f}".replace(",", thousands))
                ax.text(tick, y, label, transform=tr, ha="center", va="bottom", fontsize=8,
                        gid=f"{'at_risk' if b == 0 else 'events'}:{r}:{tick:g}")
        rows_used += len(labels) + 1
    if round_to is not None:
        ax.text(1.0, top, rounding_label.format(round_to=round_to), transform=ax.transAxes, ha="right",
                va="bottom", fontsize=7, gid="disclosure_note")
    n_rows = len(blocks) * (len(labels) + 1) - 1
    ax.figure.subplots_adjust(bottom=0.3 + 0.07 * n_rows, left=0.14)


def _band_alpha(n_curves: int) -> float:
    """Bands of many curves overlap: the more curves, the lighter each band."""
    return 0.2 if n_curves <= 2 else 0.12


def plot_km(km: KaplanMeier, ax: Axes | None = None, *, ci: bool = True, at_risk: bool = True,
            share_event: bool = False, at_risk_times: Sequence[float] | None = None,
            xlabel: str = "time", ylabel: str | None = None, round_to: int | None = None,
            min_count: int = 10, at_risk_label: str | None = None,
            rounding_label: str = "counts rounded to multiples of {round_to}", thousands: str = ",",
            censor_marks: bool = False, events: bool = False, events_label: str = "events (cumulative)") -> Axes:
    """Kaplan-Meier curves (one per group) as step functions with shaded confidence bands;
    ``share_event=True`` draws 1 - S(t) ("share in work"). ``at_risk`` adds the number at risk
    at ``at_risk_times`` (default: the x ticks) in a table under the axis.

    Statistical disclosure control (``round_to=5`` or 10): the curves are drawn from
    :meth:`KaplanMeier.safe_table` (recomputed from rounded cumulative counts, stopped before
    fewer than ``min_count`` remain at risk), the numbers at risk are the rounded ones, and a
    number below ``min_count`` is shown as "<min_count", never as itself or as 0. ``at_risk_label``,
    ``rounding_label`` and ``thousands`` (the thousands separator) set the words and numbers under
    the axis (a Dutch report: "aantal at risk", "."). ``censor_marks`` marks the times at which
    people were censored with a "+" on their curve; ``events`` adds the cumulative number of events
    under the number at risk (as lifelines users know them). With more than two curves the bands
    are lighter, so that four arms stay readable. With case weights (IPTW) the numbers at risk are
    the weighted pseudo-population, and the label says so (default ``at_risk_label``: "number at
    risk", or "weighted number at risk (pseudo-population)")."""
    ax = _axes(ax)
    t = km.table if round_to is None else km.safe_table(round_to=round_to, min_count=min_count)[0]
    labels = km.levels if km.group is not None else [None]
    drawn: list[np.ndarray] = []
    for lvl in labels:
        part = t if km.group is None else t[t[km.group] == lvl]
        x = np.concatenate([[0.0], part["time"].to_numpy()])
        y = np.concatenate([[1.0], part["survival"].to_numpy()])
        lo = np.concatenate([[1.0], part["lower"].to_numpy()])
        hi = np.concatenate([[1.0], part["upper"].to_numpy()])
        if share_event:
            y, lo, hi = 1 - y, 1 - hi, 1 - lo
        drawn += [y, lo, hi] if ci else [y]
        name = "all" if lvl is None else str(lvl)
        line = ax.step(x, y, where="post", label=name)[0]
        if ci:
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax.fill_between(x[ok], lo[ok], hi[ok], step="post", alpha=_band_alpha(len(labels)),
                            color=line.get_color(), linewidth=0)
        if censor_marks:
            cens = part["n_censor"].to_numpy() > 0
            ax.plot(part["time"].to_numpy()[cens], y[1:][cens], linestyle="none", marker="+", markersize=5,
                    color=line.get_color(), gid=f"censor:{name}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or ("share with the event" if share_event else "share without the event"))
    # the y axis fits the curves (shares in work rarely pass 0.6), on a 0-1 scale
    vals = np.concatenate(drawn) if drawn else np.array([0.0, 1.0])
    vals = vals[np.isfinite(vals)]
    if share_event:
        ax.set_ylim(-0.02, min(1.02, float(np.ceil((vals.max() + 0.05) * 10) / 10) if vals.size else 1.02))
    else:
        ax.set_ylim(max(-0.02, float(np.floor((vals.min() - 0.05) * 10) / 10) if vals.size else -0.02), 1.02)
    ax.set_xlim(left=0)
    if km.group is not None:
        ax.legend(loc="best", frameon=False, title=km.group)
    if at_risk:
        ticks = np.asarray(at_risk_times if at_risk_times is not None else
                           [v for v in ax.get_xticks() if ax.get_xlim()[0] <= v <= ax.get_xlim()[1]], dtype=float)
        if at_risk_label is None:
            at_risk_label = "weighted number at risk (pseudo-population)" if km.weighted else "number at risk"
        blocks = [(at_risk_label, at_risk_counts(t, km.group, labels, ticks))]
        if events:
            blocks.append((events_label, cumulative_events(t, km.group, labels, ticks)))
        _count_table(ax, blocks, labels, ticks, round_to, min_count, rounding_label, thousands)
    return ax


def plot_cif(ci: Any, ax: Axes | None = None, *, causes: Sequence[int] | None = None, band: bool = True,
             xlabel: str = "time", labels: dict[int, str] | None = None, round_to: int | None = None,
             min_count: int = 10, at_risk: bool = False, at_risk_times: Sequence[float] | None = None,
             at_risk_label: str = "number at risk", rounding_label: str = "counts rounded to multiples of {round_to}",
             thousands: str = ",", ylabel: str = "cumulative incidence") -> Axes:
    """Cumulative incidence curves as steps with log-scale bands: one colour per group (arm) and
    one line style per cause (solid for the first), so that cause and arm pair at a glance; the
    legend lists the groups by colour and the causes by style. ``labels`` names the causes (e.g.
    ``{1: "work", 2: "other exit"}``); the y axis fits the curves. ``at_risk`` adds the number at
    risk per group under the axis. With ``round_to`` the curves and counts come from
    :meth:`CumulativeIncidence.safe_table` (disclosure control)."""
    from matplotlib.lines import Line2D

    ax = _axes(ax)
    t = ci.table if round_to is None else ci.safe_table(round_to=round_to, min_count=min_count)[0]
    causes = list(causes) if causes is not None else list(range(1, ci.n_causes + 1))
    levels = ci.levels if ci.group is not None else [None]
    styles = ["-", "--", ":", "-."]
    colours = [f"C{k % 10}" for k in range(len(levels))]
    top = 0.0
    for ci_, c in enumerate(causes):
        for li, lvl in enumerate(levels):
            part = t[(t["cause"] == c) & ((t[ci.group] == lvl) if ci.group is not None else True)]
            x = np.concatenate([[0.0], part["time"].to_numpy()])
            y = np.concatenate([[0.0], part["cif"].to_numpy()])
            name = (labels or {}).get(c, f"cause {c}") + ("" if lvl is None else f", {lvl}")
            ax.step(x, y, where="post", color=colours[li], linestyle=styles[ci_ % len(styles)], label=name)
            top = max(top, float(np.nanmax(y)) if len(y) else 0.0)
            if band:
                lo = np.concatenate([[0.0], part["lower"].to_numpy()])
                hi = np.concatenate([[0.0], part["upper"].to_numpy()])
                ok = np.isfinite(lo) & np.isfinite(hi)
                ax.fill_between(x[ok], lo[ok], hi[ok], step="post", alpha=_band_alpha(len(levels) * len(causes)),
                                color=colours[li], linewidth=0)
                if ok.any():
                    top = max(top, float(np.nanmax(hi[ok])))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.02, min(1.02, float(np.ceil((top + 0.05) * 10) / 10)))
    ax.set_xlim(left=0)
    if ci.group is None or len(levels) == 1:
        ax.legend(loc="upper left", frameon=False)
    else:
        arms = [Line2D([], [], color=colours[li], label=str(lvl)) for li, lvl in enumerate(levels)]
        kinds = [Line2D([], [], color="black", linestyle=styles[k % len(styles)], label=(labels or {}).get(c, f"cause {c}"))
                 for k, c in enumerate(causes)]
        first = ax.legend(handles=arms, loc="upper left", frameon=False, title=ci.group, fontsize=8)
        ax.add_artist(first)
        if len(causes) > 1:
            ax.legend(handles=kinds, loc="upper center", frameon=False, fontsize=8)
    if at_risk:
        ticks = np.asarray(at_risk_times if at_risk_times is not None else
                           [v for v in ax.get_xticks() if ax.get_xlim()[0] <= v <= ax.get_xlim()[1]], dtype=float)
        first_cause = t[t["cause"] == causes[0]]
        rows = at_risk_counts(first_cause, ci.group, levels, ticks)
        _count_table(ax, [(at_risk_label, rows)], levels, ticks, round_to, min_count, rounding_label, thousands)
    return ax


def plot_forest(fit: CoxFit, ax: Axes | None = None, *, terms: Sequence[str] | None = None,
                labels: dict[str, str] | None = None, annotate: bool = True) -> Axes:
    """Hazard ratios with their confidence intervals on a log axis, one row per term.
    ``labels`` renames terms (``{"C(arm)[T.coaching]": "coaching vs control"}``); ``annotate``
    prints each ratio and interval beside its line."""
    ax = _axes(ax)
    s = fit.summary
    if terms is not None:
        s = s.loc[list(terms)]
    y = np.arange(len(s))[::-1]
    ax.errorbar(s["exp_coef"], y, xerr=[s["exp_coef"] - s["exp_lower"], s["exp_upper"] - s["exp_coef"]],
                fmt="o", color="black", capsize=3)
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    # readable ticks on the log axis: round ratios within the drawn range, printed plainly
    from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter

    lo, hi = ax.get_xlim()
    nice = [0.1, 0.2, 0.25, 0.5, 0.67, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0]
    inside = [v for v in nice if lo <= v <= hi]
    if len(inside) > 7:
        inside = inside[:: -(-len(inside) // 7)] + ([1.0] if 1.0 not in inside[:: -(-len(inside) // 7)] else [])
    ax.xaxis.set_major_locator(FixedLocator(sorted(set(inside))))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    ax.set_yticks(y)
    ax.set_yticklabels([(labels or {}).get(str(t), str(t)) for t in s.index])
    ax.set_xlabel(f"hazard ratio ({fit.conf_level:.0%} CI)")
    if annotate:
        from matplotlib.transforms import blended_transform_factory

        tr = blended_transform_factory(ax.transAxes, ax.transData)
        for yi, (hr, lo, hi) in zip(y, s[["exp_coef", "exp_lower", "exp_upper"]].to_numpy()):
            ax.text(1.02, yi, f"{hr:.2f} ({lo:.2f}-{hi:.2f})", transform=tr, va="center", ha="left", fontsize=8)
    return ax


def plot_bootstrap(bs: BootstrapResult, quantity: str | int = 0, ax: Axes | None = None, *,
                   type: str = "percentile", bins: int = 40) -> Axes:
    """Histogram of one quantity's replicates with the estimate and the interval of ``type``."""
    ax = _axes(ax)
    cols = list(bs.estimate.index)
    j = cols.index(quantity) if isinstance(quantity, str) else int(quantity)
    reps = bs.replicates.iloc[:, j].to_numpy()
    reps = reps[np.isfinite(reps)]
    ci = bs.ci(type).iloc[j]
    ax.hist(reps, bins=bins, color="lightsteelblue", edgecolor="white")
    ax.axvline(float(bs.estimate.iloc[j]), color="black", label="estimate")
    for v in (ci["lower"], ci["upper"]):
        ax.axvline(float(v), color="firebrick", linestyle="--")
    ax.set_xlabel(cols[j])
    ax.set_ylabel("replicates")
    ax.set_title(f"{bs.n_resamples - bs.failed} replicates, {bs.conf_level:.0%} {type} interval")
    return ax


def plot_schoenfeld(fit: CoxFit, term: str, ax: Axes | None = None, *, transform: str = "km",
                    xlabel: str = "time", window: int | None = None) -> Axes:
    """Scaled Schoenfeld residuals of one term over time, with a running mean and its band
    (plus and minus two standard errors of the mean in the window): a trend means the hazard ratio
    changes over time (see ``fit.ph_test()``). The points sit on the ``transform`` scale of the
    test (``"km"`` spreads the events evenly), and the axis is labelled in time itself, as R's
    ``plot(cox.zph(fit))``. The dashed line is the fitted coefficient."""
    ax = _axes(ax)
    if term not in fit.terms:
        raise InputError(f"term {term!r} is not in the model (terms: {', '.join(fit.terms)})")
    j = fit.terms.index(term)
    sch = fit.residuals("scaledsch")[:, j]
    from . import _core

    z = _core.cox_zph(coef=fit.coef.to_numpy().tolist(), ties=fit.ties, transform=transform, **fit._args)
    # The test's transformed times come in the data's row order of the events; the residuals in
    # time order (their rows in schoenfeld_rows): pair each residual with its own time.
    detail = fit._detail()
    event_rows = np.flatnonzero(np.asarray(fit._args["event"]) != 0)
    g = np.asarray(z["g"])[np.searchsorted(event_rows, np.asarray(detail["schoenfeld_rows"]))]
    times = np.asarray(detail["schoenfeld_time"], dtype=float)
    order = np.argsort(g, kind="stable")
    ax.scatter(g, sch, s=8, alpha=0.4, color="grey", linewidth=0)
    k = int(window) if window is not None else max(5, len(g) // 10)
    if len(g) >= k:
        ys = sch[order]
        kernel = np.ones(k) / k
        mean = np.convolve(ys, kernel, mode="valid")
        sq = np.convolve(ys * ys, kernel, mode="valid")
        se = np.sqrt(np.maximum(sq - mean * mean, 0.0) * k / max(k - 1, 1) / k)
        xs = np.convolve(g[order], kernel, mode="valid")
        ax.fill_between(xs, mean - 2 * se, mean + 2 * se, color="firebrick", alpha=0.15, linewidth=0)
        ax.plot(xs, mean, color="firebrick", gid="smooth")
    ax.axhline(float(fit.coef.iloc[j]), color="black", linestyle="--", linewidth=1)
    # tick labels in time: nice times mapped to their place on the transformed scale
    from matplotlib.ticker import MaxNLocator

    by_time = np.argsort(times, kind="stable")
    nice = [v for v in MaxNLocator(6).tick_values(times.min(), times.max()) if times.min() <= v <= times.max()]
    if transform != "identity" and len(nice) >= 2:
        ax.set_xticks(np.interp(nice, times[by_time], g[by_time]))
        ax.set_xticklabels([f"{v:g}" for v in nice])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"beta(t) for {term}")
    return ax


def plot_occupancy(occ: Any, ax: Any = None, *, states: Sequence[Any] | None = None, xlabel: str = "months since start",
                   share_decimals: int | None = None) -> Any:
    """State occupancy as stacked areas over time, one Axes per group (returned as an array of
    Axes when grouped, else one Axes). ``share_decimals`` draws shares rounded to that many
    decimals (disclosure control)."""
    import matplotlib.pyplot as plt

    t = occ.table
    if share_decimals is not None:
        t = t.assign(share=t["share"].round(share_decimals))
    states = list(states) if states is not None else list(occ.states)
    levels = list(dict.fromkeys(t[occ.group])) if occ.group is not None else [None]
    if ax is None:
        fig, axes = plt.subplots(1, len(levels), figsize=(3.2 * len(levels) + 1, 3.6), sharey=True, squeeze=False)
        axes = axes[0]
    else:
        axes = np.atleast_1d(ax)
        if len(axes) != len(levels):
            raise InputError(f"give {len(levels)} Axes, one per group")
    for a, lvl in zip(axes, levels):
        part = t if lvl is None else t[t[occ.group] == lvl]
        wide = part.pivot_table(index="time", columns="state", values="share", sort=False)[states]
        a.stackplot(wide.index.to_numpy(), wide.to_numpy().T, labels=[str(s) for s in states], step="post", alpha=0.85)
        a.set_xlim(0, wide.index.max())
        a.set_ylim(0, 1)
        a.set_xlabel(xlabel)
        if lvl is not None:
            a.set_title(str(lvl), fontsize=9)
    axes[0].set_ylabel("share in state")
    axes[-1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
    return axes if occ.group is not None else axes[0]


def power_curve_figure(table: pd.DataFrame, x: str, *, target: float | None = 0.8, alpha: float = 0.05,
                       sided: int = 2, ax: Any = None, lang: str = "en", title: str | None = None) -> Any:
    """Power against the hazard ratio or n (a :class:`duurzaam.design.PowerCurve` table), with the
    target power and alpha drawn as lines and the first grid point reaching the target marked.
    Dutch (``lang="nl"``) writes its words and decimal commas."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    from ._lang import check, t

    lang = check(lang)
    ax = _axes(ax)
    xs = table[x].to_numpy(dtype=float)
    power = table["power"].to_numpy(dtype=float)
    ax.plot(xs, power, marker="o", markersize=3, color="C0", linewidth=1.8)
    if target is not None:
        ax.axhline(target, color="grey", linestyle="--", linewidth=1)
        ax.text(xs.min(), target, f" {t('target', lang)} {100 * target:.0f}%", va="bottom", ha="left", fontsize=8,
                color="grey")
        hit = np.flatnonzero(power >= target)
        if hit.size:
            xh, ph = xs[hit[0]], power[hit[0]]
            ax.plot([xh], [ph], marker="o", markersize=7, markerfacecolor="none", color="C3")
            label = f"{xh:g}" if x == "hazard_ratio" else f"n = {xh:g}"
            ax.annotate(label.replace(".", ",") if lang == "nl" else label, (xh, ph), xytext=(8, -18),
                        textcoords="offset points", fontsize=8, color="C3")
    ax.axhline(alpha, color="grey", linestyle=":", linewidth=1)
    ax.text(xs.max(), alpha, f"alpha {alpha:g} ".replace(".", "," if lang == "nl" else "."), va="bottom", ha="right",
            fontsize=8, color="grey")
    if title:
        ax.set_title(title.replace(".", ",") if lang == "nl" else title, fontsize=9, loc="left")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    if x == "hazard_ratio":
        ax.axvline(1.0, color="grey", linewidth=0.8)
        ax.set_xlabel(t("hazard ratio (treatment / control)", lang))
    else:
        ax.set_xlabel(t("persons (both arms)", lang))
    ax.set_ylabel(t("power", lang) + f" ({sided}-{t('sided', lang)}, alpha {alpha:g})")
    if lang == "nl":
        comma = FuncFormatter(lambda v, _pos: f"{v:g}".replace(".", ","))
        ax.xaxis.set_major_formatter(comma)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{100 * v:.0f}%"))
        ax.set_ylabel(ax.get_ylabel().replace(".", ","))
    ax.grid(alpha=0.3)
    return ax
