"""Designing an evaluation: how many persons, followed for how long (as R's rpact).

Analytic designs for a two-arm comparison of time to an event under exponential times, uniform
accrual and exponential dropout:

- :func:`logrank_sample_size` and :func:`logrank_power`: the log-rank test by Schoenfeld's (1981)
  or Freedman's (1982) formula, with the expected number of events turned into persons and study
  duration as rpact's ``getSampleSizeSurvival`` / ``getPowerSurvival`` do (checked against rpact
  3.3.4 to 1e-6 in ``tests/golden/make_golden_design.R``).
- :func:`minimum_detectable_hazard_ratio`: for a caseload that is given (evaluators rarely choose
  n), the smallest effect the log-rank test detects, also as a difference in the share with the
  event by a month.
- :func:`milestone_sample_size` and :func:`rmst_sample_size`: the estimands evaluators report, a
  difference in the share with the event by a month ("in work at 12 months") and a difference in
  restricted mean time, compared with a Wald test on the Kaplan-Meier estimates.
- :func:`simulate_power`: several arms against a common control (Bonferroni, Holm or step-down
  Dunnett) and cluster randomisation (a gamma frailty shared within municipalities or case
  workers, a cluster-robust log-rank test), by simulating trials in the Rust core, in parallel
  and reproducibly with a seed, with the Monte Carlo error of every estimate.
- :func:`power_curve`: power against the hazard ratio or against n, with a plot.

Conventions (rpact's): ``hazard_ratio`` is treatment over control, ``allocation`` the number of
treated persons per control person, ``median_control`` the median time to the event in the control
arm (the treatment arm's hazard is the control's times the hazard ratio), ``dropout_rate`` the
share lost to follow-up by ``dropout_time`` in either arm. With ``sided=1``, ``alpha`` is the
one-sided level (rpact's default 0.025); with ``sided=2`` the two-sided level.

>>> import duurzaam as dz
>>> ss = dz.design.logrank_sample_size(0.7, median_control=12, accrual_time=12, follow_up_time=12)
>>> round(ss.events, 2), round(ss.n, 2)
(246.79, 428.6)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._input import check_seed
from ._result import Result, handout, result
from .errors import InputError

__all__ = [
    "logrank_sample_size",
    "logrank_power",
    "minimum_detectable_hazard_ratio",
    "milestone_sample_size",
    "rmst_sample_size",
    "simulate_power",
    "power_curve",
    "SampleSize",
    "Power",
    "MinimumDetectable",
    "EstimandSampleSize",
    "SimulatedPower",
    "PowerCurve",
]

_N = NormalDist()


# ---------------------------------------------------------------- checks

def _positive(name: str, x: Any, *, zero: bool = False) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, not {x!r}") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not zero):
        raise InputError(f"{name} must be a finite number {'>= 0' if zero else '> 0'}, not {x!r}")
    return v


def _unit(name: str, x: Any) -> float:
    v = _positive(name, x)
    if not v < 1:
        raise InputError(f"{name} must lie strictly between 0 and 1, not {x!r}")
    return v


def _sided(sided: Any) -> int:
    if sided not in (1, 2) or isinstance(sided, bool):
        raise InputError(f"sided must be 1 or 2, not {sided!r}")
    return int(sided)


def _floats(name: str, values: Any) -> list[float]:
    """A number or a sequence of numbers, as floats, or an InputError naming ``name``."""
    try:
        return [float(v) for v in np.atleast_1d(np.asarray(values, dtype=float)).tolist()]
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number or a list of numbers, not {values!r}") from None


def _hazard_ratio(hr: Any, name: str = "hazard_ratio") -> float:
    v = _positive(name, hr)
    if v == 1.0:
        raise InputError(f"{name} is 1: there is no effect to detect")
    return v


def _dropout(rate: Any, time: Any) -> float:
    """The dropout hazard: a share ``rate`` lost by ``time`` (rpact's dropoutRate, dropoutTime)."""
    r = _positive("dropout_rate", rate, zero=True)
    if r == 0:
        return 0.0
    if not r < 1:
        raise InputError(f"dropout_rate must lie in [0, 1), not {rate!r}")
    if time is None:
        raise InputError("dropout_time is needed with a dropout_rate: the time by which that share is lost")
    return -math.log1p(-r) / _positive("dropout_time", time)


def _method(method: Any) -> str:
    if method not in ("schoenfeld", "freedman"):
        raise InputError(f"method must be 'schoenfeld' or 'freedman', not {method!r}")
    return str(method)


def _z_alpha(alpha: float, sided: int) -> float:
    return _N.inv_cdf(1 - alpha / sided)


# ---------------------------------------------------------------- exponential model

def _event_prob(lam: float, phi: float, accrual: float, follow_up: float) -> float:
    """P(event observed) for a person entering uniformly over [0, accrual] and analysed at
    accrual + follow_up, with event hazard ``lam`` and dropout hazard ``phi``."""
    r = lam + phi
    if accrual == 0:
        return lam / r * -math.expm1(-r * follow_up)
    # (exp(-r F) - exp(-r (A + F))) / (r A), computed without cancellation
    tail = math.exp(-r * follow_up) * -math.expm1(-r * accrual) / (r * accrual)
    return lam / r * (1 - tail)


def _events_at(t: float, n: float, lams: tuple[float, float], phi: float, accrual: float, share: float) -> float:
    """Expected events by calendar time ``t`` (entry uniform over [0, accrual])."""
    total = 0.0
    for lam, n_arm in zip(lams, (n * share, n * (1 - share))):
        r = lam + phi
        if t >= accrual:
            total += n_arm * _event_prob(lam, phi, accrual, t - accrual)
        else:  # accrual still running: persons entered so far, followed for t - u
            total += n_arm / accrual * lam / r * (t + math.expm1(-r * t) / r)
    return total


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of an increasing ``f`` in [lo, hi], to the last bit."""
    flo = f(lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        fm = f(mid)
        if (fm < 0) == (flo < 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _effect(hr: float, allocation: float, method: str) -> float:
    """The log-rank test's drift per sqrt(event): z ~ N(effect * sqrt(events), 1)."""
    a = allocation
    if method == "schoenfeld":
        return math.sqrt(a) / (1 + a) * abs(math.log(hr))
    return math.sqrt(a) * abs(1 - hr) / (1 + a * hr)


def _power_of(drift: float, alpha: float, sided: int) -> float:
    z = _z_alpha(alpha, sided)
    p = _N.cdf(drift - z)
    if sided == 2:
        p += _N.cdf(-drift - z)
    return p


# ---------------------------------------------------------------- results

_ARM_NOTE = "hazard ratio treatment / control"


class _PerArm:
    """Persons per arm, rounded up, from the unrounded total ``n`` and the ``allocation``."""

    n: float
    allocation: float

    @property
    def n_treatment(self) -> int:
        return math.ceil(self.n * self.allocation / (1 + self.allocation) - 1e-9)

    @property
    def n_control(self) -> int:
        return math.ceil(self.n / (1 + self.allocation) - 1e-9)

    @property
    def n_total(self) -> int:
        return self.n_treatment + self.n_control


@result
class SampleSize(_PerArm, Result):
    """The log-rank design: events and persons needed (unrounded as rpact's ``maxNumberOfEvents``
    and ``maxNumberOfSubjects``, and rounded up per arm), and the study duration.

    Attributes
    ----------
    events, n : float
        Events and persons needed, unrounded.
    events_needed, n_treatment, n_control, n_total : int
        Rounded up: the events to wait for and the persons to enrol per arm (their sum).
    study_duration : float
        Accrual plus follow-up: when the analysis is expected.
    event_probability : float
        The share of enrolled persons expected to have the event by then.
    """

    hazard_ratio: float
    events: float
    n: float
    study_duration: float
    event_probability: float
    alpha: float
    power: float
    sided: int
    allocation: float
    method: str
    median_control: float
    accrual_time: float
    follow_up_time: float
    dropout_rate: float
    dropout_time: float | None

    @property
    def events_needed(self) -> int:
        return math.ceil(self.events - 1e-9)

    def _title(self) -> str:
        return f"Log-rank sample size ({self.method.capitalize()}, {self.sided}-sided alpha {self.alpha:g}, power {self.power:g})"

    def _facts(self) -> list[tuple[str, str]]:
        return [
            ("hazard ratio", f"{self.hazard_ratio:g} ({_ARM_NOTE}); median control {self.median_control:g}, "
                             f"treatment {self.median_control / self.hazard_ratio:.4g}"),
            ("events", f"{self.events:.2f} -> {self.events_needed}"),
            ("persons", f"{self.n:.2f} -> {self.n_total} ({self.n_treatment} treatment, {self.n_control} control; "
                        f"allocation {self.allocation:g}:1)"),
            ("study duration", f"{self.study_duration:g} (accrual {self.accrual_time:g} + follow-up "
                               f"{self.follow_up_time:g}); {100 * self.event_probability:.1f}% with the event"),
            ("dropout", "none" if self.dropout_rate == 0 else f"{100 * self.dropout_rate:g}% by {self.dropout_time:g}"),
        ]

    def _summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"events": [self.events], "n": [self.n], "events_needed": [self.events_needed],
                             "n_treatment": [self.n_treatment], "n_control": [self.n_control],
                             "n_total": [self.n_total], "study_duration": [self.study_duration]})

    def to_frame(self) -> pd.DataFrame:
        return self._summary_frame()


@result
class Power(Result):
    """The power of a log-rank test with a given number of events (as rpact's
    ``getPowerSurvival``), and when that many events are expected.

    Attributes
    ----------
    power : float
    analysis_time : float
        The calendar time (from the first entry) at which ``events`` are expected, with ``n``
        persons entering uniformly over the accrual time.
    """

    hazard_ratio: float
    power: float
    analysis_time: float
    events: float
    n: float
    alpha: float
    sided: int
    allocation: float
    method: str
    median_control: float
    accrual_time: float
    dropout_rate: float
    dropout_time: float | None

    @property
    def follow_up_time(self) -> float:
        """Follow-up after the end of accrual (negative when the events come before accrual ends)."""
        return self.analysis_time - self.accrual_time

    def _title(self) -> str:
        return f"Log-rank power ({self.method.capitalize()}, {self.sided}-sided alpha {self.alpha:g})"

    def _facts(self) -> list[tuple[str, str]]:
        return [("hazard ratio", f"{self.hazard_ratio:g} ({_ARM_NOTE})"),
                ("power", f"{self.power:.4f} with {self.events:g} events"),
                ("analysis", f"at {self.analysis_time:.3f} ({self.n:g} persons over {self.accrual_time:g})")]

    def _summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"hazard_ratio": [self.hazard_ratio], "events": [self.events], "n": [self.n],
                             "power": [self.power], "analysis_time": [self.analysis_time]})

    def to_frame(self) -> pd.DataFrame:
        return self._summary_frame()


@result
class MinimumDetectable(Result):
    """The smallest effect a given caseload detects with the log-rank test.

    Attributes
    ----------
    hazard_ratio : float
        Treatment over control (above 1 for ``direction="increase"``).
    events : float
        The events expected under that hazard ratio.
    milestone, share_control, share_treatment, difference : float
        When ``milestone`` is given: the share with the event by then in each arm under the
        exponential model, and their difference (treatment minus control).
    """

    hazard_ratio: float
    events: float
    n: float
    alpha: float
    power: float
    sided: int
    allocation: float
    method: str
    median_control: float
    accrual_time: float
    follow_up_time: float
    milestone: float | None
    share_control: float | None
    share_treatment: float | None

    @property
    def difference(self) -> float | None:
        if self.share_control is None or self.share_treatment is None:
            return None
        return self.share_treatment - self.share_control

    def _title(self) -> str:
        return f"Minimum detectable effect ({self.method.capitalize()}, power {self.power:g})"

    def _facts(self) -> list[tuple[str, str]]:
        out = [("hazard ratio", f"{self.hazard_ratio:.4f} ({_ARM_NOTE})"),
               ("persons", f"{self.n:g}, {self.events:.1f} events expected by {self.accrual_time + self.follow_up_time:g}")]
        if self.milestone is not None and self.difference is not None:
            out.append((f"share with the event by {self.milestone:g}",
                        f"control {self.share_control:.3f}, treatment {self.share_treatment:.3f} "
                        f"(difference {self.difference:+.3f})"))
        return out


@result
class EstimandSampleSize(_PerArm, Result):
    """Sample size for a difference in the share with the event by a milestone, or in restricted
    mean time up to ``tau`` (a Wald test on the Kaplan-Meier estimates).

    Attributes
    ----------
    estimand : {"milestone", "rmst"}
    value_control, value_treatment : float
        The share with the event by the milestone (``1 - S(t)``), or the restricted mean time.
    variance_control, variance_treatment : float
        Asymptotic variance of the estimate times the arm's number of persons, with the censoring
        that accrual, follow-up and dropout imply.
    n : float
        Persons needed, unrounded; ``n_treatment`` and ``n_control`` rounded up.
    """

    estimand: str
    at: float
    value_control: float
    value_treatment: float
    variance_control: float
    variance_treatment: float
    n: float
    alpha: float
    power: float
    sided: int
    allocation: float
    accrual_time: float
    follow_up_time: float

    @property
    def difference(self) -> float:
        return self.value_treatment - self.value_control

    def _title(self) -> str:
        what = f"share with the event by {self.at:g}" if self.estimand == "milestone" else f"RMST up to {self.at:g}"
        return f"Sample size for a difference in the {what} ({self.sided}-sided alpha {self.alpha:g}, power {self.power:g})"

    def _facts(self) -> list[tuple[str, str]]:
        return [("control / treatment", f"{self.value_control:.4g} / {self.value_treatment:.4g} "
                                        f"(difference {self.difference:+.4g})"),
                ("persons", f"{self.n:.2f} -> {self.n_total} ({self.n_treatment} treatment, {self.n_control} control)")]


@result
class SimulatedPower(Result):
    """Power of a trial by simulation, with its Monte Carlo error.

    Attributes
    ----------
    table : DataFrame
        One row per active arm: ``arm`` (1..k), ``hazard_ratio``, ``power`` (the arm's hypothesis
        rejected after the multiplicity correction), ``mc_se``.
    power_any, power_all : float
        At least one arm rejected; every arm with a hazard ratio other than 1 rejected.
    mc_se_any, mc_se_all : float
    events_mean, analysis_time_mean : float
        Events and calendar time of the analysis, averaged over the trials.
    n_sims, n_short, n_failed : int
        Trials; trials that ended with fewer events than planned; comparisons without events.
    """

    _table: pd.DataFrame
    power_any: float
    mc_se_any: float
    power_all: float
    mc_se_all: float
    events_mean: float
    analysis_time_mean: float
    n_sims: int
    n_short: int
    n_failed: int
    correction: str
    alpha: float
    sided: int
    seed: int
    n: int
    design: dict[str, Any]
    z: np.ndarray

    @property
    def table(self) -> pd.DataFrame:
        return handout(self._table)

    def _title(self) -> str:
        return (f"Simulated power ({self.n_sims} trials, seed {self.seed}; {self.sided}-sided alpha {self.alpha:g}, "
                f"{self.correction})")

    def _facts(self) -> list[tuple[str, str]]:
        out = [("persons", f"{self.n}" + (f" in {self.design['clusters']} clusters (frailty variance "
                                          f"{self.design['frailty_variance']:g})" if self.design.get("clusters") else "")),
               ("at least one arm", f"{self.power_any:.4f} (MC s.e. {self.mc_se_any:.4f})"),
               ("analysis", f"{self.events_mean:.1f} events on average, at time {self.analysis_time_mean:.2f}")]
        if len(self._table) > 1:
            out.insert(2, ("every effective arm", f"{self.power_all:.4f} (MC s.e. {self.mc_se_all:.4f})"))
        if self.n_short:
            out.append(("short", f"{self.n_short} trials ended with fewer events than planned"))
        return out

    def _summary_frame(self) -> pd.DataFrame:
        return self._table.set_index("arm")


@result
class PowerCurve(Result):
    """Analytic log-rank power over a grid of hazard ratios or of n.

    Attributes
    ----------
    table : DataFrame
        ``hazard_ratio``, ``n``, ``events`` (expected), ``power``.
    x : {"hazard_ratio", "n"}
        What varies.
    """

    _table: pd.DataFrame
    x: str
    alpha: float
    sided: int
    target: float | None
    method: str
    median_control: float
    accrual_time: float
    follow_up_time: float

    @property
    def table(self) -> pd.DataFrame:
        return handout(self._table)

    def _title(self) -> str:
        return f"Log-rank power curve ({self.method.capitalize()}, {self.sided}-sided alpha {self.alpha:g})"

    def _caption(self, lang: str) -> str:
        fixed = (f"HR {self._table['hazard_ratio'].iloc[0]:g}" if self.x == "n" else f"n = {self._table['n'].iloc[0]:g}")
        words = {"en": ("median control", "accrual", "follow-up"), "nl": ("mediaan controle", "instroom", "follow-up")}
        m, a, f = words.get(lang, words["en"])
        return f"{fixed}; {m} {self.median_control:g}; {a} {self.accrual_time:g} + {f} {self.follow_up_time:g}"

    def _summary_frame(self) -> pd.DataFrame:
        return self._table

    def plot(self, ax: Any = None, *, lang: str = "en") -> Any:
        """Power against the hazard ratio or n, with the target power drawn."""
        from .plotting import power_curve_figure

        return power_curve_figure(self._table, self.x, target=self.target, alpha=self.alpha, sided=self.sided,
                                  ax=ax, lang=lang, title=self._caption(lang))


# ---------------------------------------------------------------- analytic designs

@dataclass(frozen=True)
class _Setting:
    alpha: float
    sided: int
    allocation: float
    median_control: float
    accrual: float
    phi: float
    dropout_rate: float
    dropout_time: float | None

    @property
    def lam0(self) -> float:
        return math.log(2) / self.median_control

    @property
    def share(self) -> float:
        return self.allocation / (1 + self.allocation)

    def event_prob(self, hr: float, follow_up: float) -> float:
        p1 = _event_prob(self.lam0 * hr, self.phi, self.accrual, follow_up)
        p0 = _event_prob(self.lam0, self.phi, self.accrual, follow_up)
        return self.share * p1 + (1 - self.share) * p0


def _setting(alpha: Any, sided: Any, allocation: Any, median_control: Any, accrual_time: Any, dropout_rate: Any,
             dropout_time: Any) -> _Setting:
    sided = _sided(sided)
    if dropout_time is not None:
        dropout_time = _positive("dropout_time", dropout_time)
    return _Setting(_unit("alpha", alpha), sided, _positive("allocation", allocation),
                    _positive("median_control", median_control), _positive("accrual_time", accrual_time, zero=True),
                    _dropout(dropout_rate, dropout_time), float(dropout_rate), None if dropout_time is None else float(dropout_time))


def logrank_sample_size(hazard_ratio: float, *, median_control: float, accrual_time: float, follow_up_time: float,
                        alpha: float = 0.05, power: float = 0.8, allocation: float = 1.0, dropout_rate: float = 0.0,
                        dropout_time: float | None = None, method: str = "schoenfeld", sided: int = 2) -> SampleSize:
    """Events and persons for a log-rank test of two arms (rpact's ``getSampleSizeSurvival``).

    Events by Schoenfeld, ``(z_a + z_b)^2 (1 + a)^2 / (a log(hr)^2)``, or Freedman,
    ``(z_a + z_b)^2 (1 + a hr)^2 / (a (1 - hr)^2)``, with ``z_a`` the ``1 - alpha/sided`` normal
    quantile and ``a`` the allocation; persons = events / the expected share with the event, for
    exponential times with the control median, persons entering uniformly over ``accrual_time``,
    all followed up to ``accrual_time + follow_up_time``, and exponential dropout.

    Parameters
    ----------
    hazard_ratio : float
        Treatment over control (above 1: the event comes sooner with the treatment, as in time to
        work for a programme that works).
    median_control : float
        Median time to the event in the control arm (months, say).
    accrual_time, follow_up_time : float
        How long persons enter (uniformly; 0: all at once) and how long the last one is followed.
    alpha, power : float
    allocation : float
        Treated persons per control person.
    dropout_rate, dropout_time : float
        The share lost to follow-up by ``dropout_time`` in either arm.
    method : {"schoenfeld", "freedman"}
    sided : {1, 2}

    Examples
    --------
    >>> import duurzaam as dz
    >>> ss = dz.design.logrank_sample_size(1.3, median_control=9, accrual_time=6, follow_up_time=12)
    >>> ss.events_needed, ss.n_treatment, ss.n_control
    (457, 314, 314)
    """
    hr = _hazard_ratio(hazard_ratio)
    s = _setting(alpha, sided, allocation, median_control, accrual_time, dropout_rate, dropout_time)
    power = _unit("power", power)
    follow_up = _positive("follow_up_time", follow_up_time, zero=s.accrual > 0)
    method = _method(method)
    drift = _effect(hr, s.allocation, method)
    events = ((_z_alpha(s.alpha, s.sided) + _N.inv_cdf(power)) / drift) ** 2
    prob = s.event_prob(hr, follow_up)
    return SampleSize(hr, events, events / prob, s.accrual + follow_up, prob, s.alpha, power, s.sided, s.allocation,
                      method, s.median_control, s.accrual, follow_up, s.dropout_rate, s.dropout_time)


def logrank_power(hazard_ratio: float, *, events: float, n: float, median_control: float, accrual_time: float,
                  alpha: float = 0.05, allocation: float = 1.0, sided: int = 2, dropout_rate: float = 0.0,
                  dropout_time: float | None = None, method: str = "schoenfeld") -> Power:
    """Power of the log-rank test with ``events`` events among ``n`` persons (rpact's
    ``getPowerSurvival``), and the calendar time at which those events are expected.

    With ``sided=2`` the power counts rejections on both sides (the other side adds next to
    nothing for a real effect).

    Examples
    --------
    >>> import duurzaam as dz
    >>> pw = dz.design.logrank_power(0.7, events=250, n=400, median_control=12, accrual_time=12)
    >>> round(pw.power, 4), round(pw.analysis_time, 2)
    (0.8051, 26.58)
    """
    hr = _hazard_ratio(hazard_ratio)
    s = _setting(alpha, sided, allocation, median_control, accrual_time, dropout_rate, dropout_time)
    method = _method(method)
    events = _positive("events", events)
    n = _positive("n", n)
    lams = (s.lam0 * hr, s.lam0)
    # the most events n persons can give (everyone followed until the event or dropout)
    most = sum(m * lam / (lam + s.phi) for lam, m in zip(lams, (n * s.share, n * (1 - s.share))))
    if events >= most:
        raise InputError(f"{n:g} persons are expected to give at most {most:.1f} events, fewer than events={events:g}")
    hi = max(s.accrual, 1.0)
    while _events_at(hi, n, lams, s.phi, s.accrual, s.share) < events:
        hi *= 2
    t = _bisect(lambda x: _events_at(x, n, lams, s.phi, s.accrual, s.share) - events, 0.0, hi)
    p = _power_of(_effect(hr, s.allocation, method) * math.sqrt(events), s.alpha, s.sided)
    return Power(hr, p, t, events, n, s.alpha, s.sided, s.allocation, method, s.median_control, s.accrual,
                 s.dropout_rate, s.dropout_time)


def minimum_detectable_hazard_ratio(n: float, *, median_control: float, accrual_time: float, follow_up_time: float,
                                    alpha: float = 0.05, power: float = 0.8, allocation: float = 1.0,
                                    dropout_rate: float = 0.0, dropout_time: float | None = None,
                                    method: str = "schoenfeld", sided: int = 2, direction: str = "increase",
                                    milestone: float | None = None) -> MinimumDetectable:
    """The smallest hazard ratio that ``n`` persons detect with the given power: the events
    expected under that hazard ratio (which depend on it) equal the events it needs.

    Parameters
    ----------
    n : float
        Persons available (both arms together).
    direction : {"increase", "decrease"}
        A programme that speeds up the event (time to work: hazard ratio above 1) or slows it
        (time to losing the job: below 1).
    milestone : float, optional
        Also give the effect as the difference in the share with the event by this time.

    Examples
    --------
    >>> import duurzaam as dz
    >>> md = dz.design.minimum_detectable_hazard_ratio(300, median_control=12, accrual_time=12,
    ...                                                follow_up_time=12, milestone=12)
    >>> round(md.hazard_ratio, 3), round(md.difference, 3)
    (1.469, 0.139)
    """
    n = _positive("n", n)
    s = _setting(alpha, sided, allocation, median_control, accrual_time, dropout_rate, dropout_time)
    power = _unit("power", power)
    follow_up = _positive("follow_up_time", follow_up_time, zero=s.accrual > 0)
    method = _method(method)
    if direction not in ("increase", "decrease"):
        raise InputError(f"direction must be 'increase' or 'decrease', not {direction!r}")
    zz = _z_alpha(s.alpha, s.sided) + _N.inv_cdf(power)
    sign = 1.0 if direction == "increase" else -1.0

    def surplus(log_hr: float) -> float:
        hr = math.exp(sign * log_hr)
        return n * s.event_prob(hr, follow_up) - (zz / _effect(hr, s.allocation, method)) ** 2

    top = math.log(1000.0)
    if surplus(top) < 0:
        raise InputError(f"{n:g} persons cannot detect even a hazard ratio of {math.exp(sign * top):g} with power {power:g}")
    hr = math.exp(sign * _bisect(surplus, 1e-9, top))
    events = n * s.event_prob(hr, follow_up)
    shares: tuple[float | None, float | None] = (None, None)
    if milestone is not None:
        m = _positive("milestone", milestone)
        shares = (-math.expm1(-s.lam0 * m), -math.expm1(-s.lam0 * hr * m))
    return MinimumDetectable(hr, events, n, s.alpha, power, s.sided, s.allocation, method, s.median_control,
                             s.accrual, follow_up, None if milestone is None else float(milestone), *shares)


def _censoring_survival(u: np.ndarray, phi: float, accrual: float, follow_up: float) -> np.ndarray:
    """P(still under follow-up at time u since entry): dropout, and the end of the study for
    those who entered late (entry uniform over [0, accrual], analysis at accrual + follow_up)."""
    admin = np.ones_like(u) if accrual == 0 else np.clip((accrual + follow_up - u) / accrual, 0.0, 1.0)
    admin = np.where(u <= follow_up, 1.0, admin)
    return np.exp(-phi * u) * admin


def _integrate(f: Callable[[np.ndarray], np.ndarray], a: float, b: float, breaks: Sequence[float] = ()) -> float:
    """Gauss-Legendre quadrature over [a, b] split at ``breaks`` (where the integrand has a kink)."""
    x, w = np.polynomial.legendre.leggauss(96)
    cuts = sorted({a, b, *[c for c in breaks if a < c < b]})
    total = 0.0
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        half = 0.5 * (hi - lo)
        total += half * float(np.sum(w * f(half * x + 0.5 * (hi + lo))))
    return total


def _km_variance(lam: float, phi: float, accrual: float, follow_up: float, t: float) -> float:
    """n x Var(S_hat(t)) = S(t)^2 int_0^t lam / (S(u) G(u)) du (the Greenwood variance's limit)."""
    return math.exp(-2 * lam * t) * _integrate(
        lambda u: lam * np.exp(lam * u) / _censoring_survival(u, phi, accrual, follow_up), 0.0, t, (follow_up,))


def _rmst_variance(lam: float, phi: float, accrual: float, follow_up: float, tau: float) -> float:
    """n x Var(RMST_hat(tau)) = int_0^tau (int_u^tau S)^2 lam / (S(u) G(u)) du."""
    def f(u: np.ndarray) -> np.ndarray:
        rest = (np.exp(-lam * u) - math.exp(-lam * tau)) / lam
        return rest**2 * lam * np.exp(lam * u) / _censoring_survival(u, phi, accrual, follow_up)

    return _integrate(f, 0.0, tau, (follow_up,))


def _estimand_n(diff: float, v1: float, v0: float, s: _Setting, power: float) -> float:
    if not (math.isfinite(diff) and diff != 0 and math.isfinite(v1) and math.isfinite(v0)):
        raise InputError("the two arms do not differ in the estimand (or it cannot be computed): there is nothing to "
                         "detect")
    zz = _z_alpha(s.alpha, s.sided) + _N.inv_cdf(power)
    return zz**2 * (v1 / s.share + v0 / (1 - s.share)) / diff**2


def _followed(t: float, what: str, accrual: float, follow_up: float) -> None:
    if t >= accrual + follow_up:
        raise InputError(f"{what} ({t:g}) must come before the end of the study (accrual + follow-up = "
                         f"{accrual + follow_up:g}): nobody is followed that long")


def milestone_sample_size(p_control: float, p_treatment: float, *, milestone: float, accrual_time: float,
                          follow_up_time: float, alpha: float = 0.05, power: float = 0.8, allocation: float = 1.0,
                          dropout_rate: float = 0.0, dropout_time: float | None = None,
                          sided: int = 2) -> EstimandSampleSize:
    """Persons needed to detect a difference in the share with the event by ``milestone`` ("in
    work at 12 months"), compared with a Wald test on the two Kaplan-Meier estimates.

    Each arm's times are taken exponential through its share (``p = 1 - exp(-lambda t)``); the
    variance of each estimate is the Greenwood variance's limit ``S(t)^2 int_0^t lambda / (S G)``,
    with ``G`` the probability of still being followed (dropout, and the end of the study for
    those entering late), so a milestone beyond the shortest follow-up costs persons. Without
    censoring before the milestone this is the two-proportion formula ``p (1 - p) / n`` per arm
    (Andersen, Borgan, Gill and Keiding 1993, section IV.3).

    Parameters
    ----------
    p_control, p_treatment : float
        The share with the event by the milestone in each arm (for job loss, 1 - the share still
        employed).

    Examples
    --------
    >>> import duurzaam as dz
    >>> ss = dz.design.milestone_sample_size(0.45, 0.55, milestone=12, accrual_time=6, follow_up_time=12)
    >>> ss.n_treatment, ss.n_control
    (389, 389)
    """
    p0, p1 = _unit("p_control", p_control), _unit("p_treatment", p_treatment)
    if p0 == p1:
        raise InputError("p_control equals p_treatment: there is no difference to detect")
    t = _positive("milestone", milestone)
    s = _setting(alpha, sided, allocation, 1.0, accrual_time, dropout_rate, dropout_time)
    power = _unit("power", power)
    follow_up = _positive("follow_up_time", follow_up_time, zero=s.accrual > 0)
    _followed(t, "the milestone", s.accrual, follow_up)
    lam0, lam1 = -math.log1p(-p0) / t, -math.log1p(-p1) / t
    v0 = _km_variance(lam0, s.phi, s.accrual, follow_up, t)
    v1 = _km_variance(lam1, s.phi, s.accrual, follow_up, t)
    n = _estimand_n(p1 - p0, v1, v0, s, power)
    return EstimandSampleSize("milestone", t, p0, p1, v0, v1, n, s.alpha, power, s.sided, s.allocation, s.accrual,
                              follow_up)


def rmst_sample_size(hazard_ratio: float, *, median_control: float, tau: float, accrual_time: float,
                     follow_up_time: float, alpha: float = 0.05, power: float = 0.8, allocation: float = 1.0,
                     dropout_rate: float = 0.0, dropout_time: float | None = None, sided: int = 2) -> EstimandSampleSize:
    """Persons needed to detect the difference in restricted mean time up to ``tau`` that a hazard
    ratio implies (exponential times), compared with a Wald test on the Kaplan-Meier RMSTs.

    The variance of each RMST is its asymptotic variance ``int_0^tau (int_u^tau S)^2 lambda /
    (S G) du`` with the censoring that accrual, follow-up and dropout imply (Royston and Parmar
    2013, BMC Med Res Methodol 13:152; Andersen, Hansen and Klein 2004).

    Examples
    --------
    >>> import duurzaam as dz
    >>> ss = dz.design.rmst_sample_size(1.4, median_control=12, tau=18, accrual_time=6, follow_up_time=18)
    >>> round(ss.difference, 3), ss.n_total
    (-1.71, 444)
    """
    hr = _hazard_ratio(hazard_ratio)
    s = _setting(alpha, sided, allocation, median_control, accrual_time, dropout_rate, dropout_time)
    power = _unit("power", power)
    tau = _positive("tau", tau)
    follow_up = _positive("follow_up_time", follow_up_time, zero=s.accrual > 0)
    _followed(tau, "tau", s.accrual, follow_up)
    lam0, lam1 = s.lam0, s.lam0 * hr
    r0, r1 = -math.expm1(-lam0 * tau) / lam0, -math.expm1(-lam1 * tau) / lam1
    v0 = _rmst_variance(lam0, s.phi, s.accrual, follow_up, tau)
    v1 = _rmst_variance(lam1, s.phi, s.accrual, follow_up, tau)
    n = _estimand_n(r1 - r0, v1, v0, s, power)
    return EstimandSampleSize("rmst", tau, r0, r1, v0, v1, n, s.alpha, power, s.sided, s.allocation, s.accrual,
                              follow_up)


# ---------------------------------------------------------------- simulation

def _dunnett_critical(lams: np.ndarray, alpha: float, sided: int) -> float:
    """The critical value c with P(max_i Z_i <= c) = 1 - alpha (sided=1) or P(max_i |Z_i| <= c)
    = 1 - alpha (sided=2) for Z_i = lams_i X + sqrt(1 - lams_i^2) E_i: comparisons with a common
    control, correlation lams_i lams_j (one factor, Gauss-Hermite over X)."""
    x, w = np.polynomial.hermite_e.hermegauss(120)
    w = w / w.sum()
    sd = np.sqrt(1 - lams**2)
    cdf = np.vectorize(_N.cdf)

    def coverage(c: float) -> float:
        upper = cdf((c - np.outer(x, lams)) / sd)
        lower = cdf((-c - np.outer(x, lams)) / sd) if sided == 2 else 0.0
        return float(np.sum(w * np.prod(upper - lower, axis=1))) - (1 - alpha)

    return _bisect(coverage, 0.0, 12.0)


def _sf(z: np.ndarray) -> np.ndarray:
    """Upper normal tail, elementwise (NaN stays NaN)."""
    erfc = np.frompyfunc(math.erfc, 1, 1)
    out = np.full(z.shape, np.nan)
    ok = np.isfinite(z)
    out[ok] = 0.5 * erfc(z[ok] / math.sqrt(2)).astype(float)
    return out


def _reject(z: np.ndarray, alloc: np.ndarray, alpha: float, sided: int, correction: str) -> np.ndarray:
    """Which hypotheses each trial rejects (``z`` already oriented: large is evidence)."""
    n_sims, k = z.shape
    stat = np.abs(z) if sided == 2 else z
    stat = np.where(np.isfinite(stat), stat, -np.inf)
    p = np.where(np.isfinite(z), _sf(np.abs(z)) * 2 if sided == 2 else _sf(z), 1.0)
    if correction == "none":
        return p < alpha
    if correction == "bonferroni":
        return p < alpha / k
    order = np.argsort(-stat, axis=1, kind="stable")
    rejected = np.zeros_like(z, dtype=bool)
    alive = np.ones(n_sims, dtype=bool)
    if correction == "holm":
        p_sorted = np.take_along_axis(p, order, axis=1)
        for step in range(k):
            alive &= p_sorted[:, step] < alpha / (k - step)
            rejected[np.arange(n_sims)[alive], order[alive, step]] = True
        return rejected
    # step-down Dunnett: at each step, the critical value of the hypotheses still standing
    lam_all = np.sqrt(alloc[1:] / (alloc[1:] + alloc[0]))
    crit: dict[tuple[int, ...], float] = {}
    stat_sorted = np.take_along_axis(stat, order, axis=1)
    for step in range(k):
        rest = order[:, step:]
        keys = [tuple(sorted(r)) for r in rest.tolist()]
        for key in set(keys):
            if key not in crit:
                crit[key] = _dunnett_critical(lam_all[list(key)], alpha, sided)
        c = np.array([crit[key] for key in keys])
        alive &= stat_sorted[:, step] > c
        rejected[np.arange(n_sims)[alive], order[alive, step]] = True
    return rejected


def _mc(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n) if n > 0 else float("nan")


def simulate_power(hazard_ratios: float | Sequence[float], *, n: int, median_control: float, accrual_time: float,
                   follow_up_time: float | None = None, events: int | None = None,
                   allocation: float | Sequence[float] | None = None, dropout_rate: float = 0.0,
                   dropout_time: float | None = None, alpha: float = 0.05, sided: int = 2, correction: str = "holm",
                   direction: str | None = None, clusters: int | None = None, frailty_variance: float | None = None,
                   icc: float | None = None, randomise: str = "clusters", n_sims: int = 1000, seed: int = 0,
                   n_jobs: int | None = None, progress: bool | None = None) -> SimulatedPower:
    """Power of a trial with one control and k active arms, by simulating it in the Rust core.

    Each simulated trial: ``n`` persons enter uniformly over ``accrual_time`` and are allocated
    to the arms in fixed numbers (or whole clusters are); their times to the event are
    exponential with the control median times the arm's hazard ratio, times a gamma frailty with
    mean 1 and variance ``frailty_variance`` shared within each cluster; dropout is exponential.
    The trial is analysed at ``accrual_time + follow_up_time`` or when ``events`` events have
    been observed, with a log-rank test of each active arm against the control (on that arm and
    the control; with clusters its variance is cluster-robust, the sum of the clusters' squared
    score residuals) and the multiplicity ``correction``. Trial ``i`` draws from stream ``i`` of a
    ChaCha8 generator seeded with ``seed``: the same trials with any number of threads.

    Parameters
    ----------
    hazard_ratios : float or sequence of float
        Per active arm, against the control (1 for an arm without effect: its power is then the
        type I error).
    n : int
        Persons in all arms together.
    follow_up_time, events : optional
        Analyse at a calendar time, or when this many events (all arms) have been observed; one
        of the two.
    allocation : float or sequence, optional
        Equal by default; a float for two arms (treated per control person, as the analytic
        designs); or one weight per arm, the control first.
    correction : {"holm", "bonferroni", "dunnett", "none"}
        Holm's step-down, Bonferroni, or the step-down Dunnett test (critical values from the
        multivariate normal with the correlation that the allocation gives: 1/2 for equal arms).
        These are closed tests, as rpact's ``intersectionTest`` "Bonferroni" and "Dunnett".
    direction : {"increase", "decrease"}, optional
        With ``sided=1``: which side counts (taken from the hazard ratios when they agree).
    clusters : int, optional
        Municipalities or case workers; persons are spread evenly over them.
    frailty_variance, icc : float, optional
        Variance of the shared gamma frailty, or the within-cluster Kendall's tau, which for a
        gamma frailty is ``theta / (theta + 2)`` (so ``theta = 2 icc / (1 - icc)``).
    randomise : {"clusters", "persons"}
        With clusters: randomise whole clusters (cluster randomisation) or persons within them.
    n_sims, seed, n_jobs, progress
        Trials, seed, threads (default: all cores) and a progress bar (by default from 2,000
        trials); Ctrl-C stops the run.

    Examples
    --------
    >>> import duurzaam as dz
    >>> sim = dz.design.simulate_power([1.4, 1.2, 1.0], n=800, median_control=12, accrual_time=6,
    ...                                follow_up_time=12, n_sims=200, seed=1, progress=False)
    >>> sim.table.columns.tolist()
    ['arm', 'hazard_ratio', 'power', 'mc_se']
    """
    hrs = [_positive("hazard_ratios", h) for h in _floats("hazard_ratios", hazard_ratios)]
    k = len(hrs)
    if k == 0:
        raise InputError("hazard_ratios is empty: give one per active arm")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise InputError(f"n must be a whole number of at least 2, not {n!r}")
    sided = _sided(sided)
    alpha = _unit("alpha", alpha)
    seed = check_seed(seed)
    if isinstance(n_sims, bool) or not isinstance(n_sims, (int, np.integer)) or n_sims < 1:
        raise InputError(f"n_sims must be a whole number of at least 1, not {n_sims!r}")
    if correction not in ("holm", "bonferroni", "dunnett", "none"):
        raise InputError(f"correction must be 'holm', 'bonferroni', 'dunnett' or 'none', not {correction!r}")
    if allocation is None:
        alloc = np.ones(k + 1)
    elif np.ndim(allocation) == 0:
        if k != 1:
            raise InputError("a single allocation ratio is for two arms; give one weight per arm, the control first")
        alloc = np.array([1.0, _positive("allocation", allocation)])
    else:
        alloc = np.array([_positive("allocation", a) for a in _floats("allocation", allocation)])
        if len(alloc) != k + 1:
            raise InputError(f"allocation has {len(alloc)} weights; give {k + 1}: the control first, then each arm")
    if (follow_up_time is None) == (events is None):
        raise InputError("give follow_up_time (analyse at a calendar time) or events (analyse at an event count), "
                         "not both or neither")
    accrual = _positive("accrual_time", accrual_time, zero=True)
    lam0 = math.log(2) / _positive("median_control", median_control)
    phi = _dropout(dropout_rate, dropout_time)
    if sided == 1:
        if direction is None:
            if all(h >= 1 for h in hrs) and any(h > 1 for h in hrs):
                direction = "increase"
            elif all(h <= 1 for h in hrs) and any(h < 1 for h in hrs):
                direction = "decrease"
            else:
                raise InputError("with sided=1 give direction='increase' or 'decrease': the hazard ratios do not say")
        elif direction not in ("increase", "decrease"):
            raise InputError(f"direction must be 'increase' or 'decrease', not {direction!r}")
    n_clusters = 0
    theta = 0.0
    if clusters is not None:
        if isinstance(clusters, bool) or not isinstance(clusters, (int, np.integer)) or not 1 <= clusters <= n:
            raise InputError(f"clusters must be a whole number from 1 to n, not {clusters!r}")
        n_clusters = int(clusters)
        if frailty_variance is not None and icc is not None:
            raise InputError("give frailty_variance or icc, not both")
        if icc is not None:
            tau = _positive("icc", icc, zero=True)
            if not tau < 1:
                raise InputError(f"icc must lie in [0, 1), not {icc!r}")
            theta = 2 * tau / (1 - tau)
        elif frailty_variance is not None:
            theta = _positive("frailty_variance", frailty_variance, zero=True)
        if randomise not in ("clusters", "persons"):
            raise InputError(f"randomise must be 'clusters' or 'persons', not {randomise!r}")
    elif frailty_variance is not None or icc is not None:
        raise InputError("frailty_variance and icc need clusters=")
    analysis: dict[str, Any]
    if events is not None:
        if isinstance(events, bool) or not isinstance(events, (int, np.integer)) or not 1 <= events <= n:
            raise InputError(f"events must be a whole number from 1 to n, not {events!r}")
        analysis = {"events": int(events)}
    else:
        analysis = {"analysis_time": accrual + _positive("follow_up_time", follow_up_time, zero=accrual > 0)}
        if analysis["analysis_time"] <= 0:
            raise InputError("accrual_time + follow_up_time must be positive")
    from .bootstrap import default_threads

    threads = default_threads() if n_jobs is None else max(1, int(n_jobs))
    bar = None
    if progress is True or (progress is None and n_sims >= 2000):
        from tqdm.auto import tqdm

        bar = tqdm(total=int(n_sims), desc="trials", unit="trial", leave=False)
    cb = (lambda done: bar.update(min(done, n_sims) - bar.n)) if bar is not None else None
    try:
        r = _core.simulate_trials(n=int(n), allocation=alloc.tolist(), hazards=[lam0] + [lam0 * h for h in hrs],
                                  dropout=[phi] * (k + 1), accrual=accrual, n_clusters=n_clusters,
                                  frailty_variance=theta, randomise_clusters=randomise == "clusters",
                                  n_sims=int(n_sims), seed=seed, n_threads=threads, progress=cb, **analysis)
    except _core.CoreError as e:
        raise InputError(str(e)) from None
    finally:
        if bar is not None:
            bar.close()
    z = np.asarray(r["z"], dtype=float).reshape(int(n_sims), k)
    oriented = -z if (sided == 1 and direction == "decrease") else z
    rejected = _reject(oriented, alloc, alpha, sided, correction)
    per_arm = rejected.mean(axis=0)
    effective = np.array([h != 1.0 for h in hrs])
    any_ = float(rejected.any(axis=1).mean())
    all_ = float(rejected[:, effective].all(axis=1).mean()) if effective.any() else float("nan")
    table = pd.DataFrame({"arm": np.arange(1, k + 1), "hazard_ratio": hrs, "power": per_arm,
                          "mc_se": [_mc(p, n_sims) for p in per_arm]})
    design = {"median_control": float(median_control), "accrual_time": accrual, "allocation": alloc.tolist(),
              "clusters": n_clusters, "frailty_variance": theta, "randomise": randomise, **analysis,
              "dropout_hazard": phi}
    return SimulatedPower(table, any_, _mc(any_, n_sims), all_, _mc(all_, n_sims) if effective.any() else float("nan"),
                          float(np.mean(r["events"])), float(np.mean(r["analysis_time"])), int(n_sims),
                          int(np.sum(r["short"])), int(np.sum(~np.isfinite(z))), correction, alpha, sided, seed, int(n),
                          design, z)


def power_curve(*, hazard_ratios: Sequence[float] | float, n: Sequence[float] | float, median_control: float,
                accrual_time: float, follow_up_time: float, alpha: float = 0.05, allocation: float = 1.0,
                dropout_rate: float = 0.0, dropout_time: float | None = None, method: str = "schoenfeld",
                sided: int = 2, target: float | None = 0.8) -> PowerCurve:
    """Analytic log-rank power over a grid: hazard ratios for a fixed ``n``, or ``n`` for a fixed
    hazard ratio (one of the two a sequence). The events are those expected by
    ``accrual_time + follow_up_time``.

    Examples
    --------
    >>> import duurzaam as dz
    >>> pc = dz.design.power_curve(hazard_ratios=[1.2, 1.4, 1.6], n=400, median_control=12,
    ...                            accrual_time=6, follow_up_time=12)
    >>> pc.table["power"].round(3).tolist()
    [0.297, 0.767, 0.969]
    """
    hrs = np.asarray(_floats("hazard_ratios", hazard_ratios))
    ns = np.asarray(_floats("n", n))
    if hrs.size > 1 and ns.size > 1:
        raise InputError("vary either hazard_ratios or n, not both")
    x = "n" if ns.size > 1 else "hazard_ratio"
    s = _setting(alpha, sided, allocation, median_control, accrual_time, dropout_rate, dropout_time)
    method = _method(method)
    follow_up = _positive("follow_up_time", follow_up_time, zero=s.accrual > 0)
    rows = []
    for hr in hrs.tolist():
        hr = _hazard_ratio(hr, "hazard_ratios")
        for m in ns.tolist():
            m = _positive("n", m)
            ev = m * s.event_prob(hr, follow_up)
            rows.append((hr, m, ev, _power_of(_effect(hr, s.allocation, method) * math.sqrt(ev), s.alpha, s.sided)))
    table = pd.DataFrame(rows, columns=["hazard_ratio", "n", "events", "power"])
    return PowerCurve(table, x, s.alpha, s.sided, None if target is None else _unit("target", target), method,
                      s.median_control, s.accrual, follow_up)
