"""Example data: a generated four-arm register panel, and the public rossi data.

``four_arm_panel()``: a seeded synthetic monthly register panel of a randomised experiment with
four arms (control, more guidance, remote guidance by app, tailored guidance) among people on
welfare in a set of municipalities. It is made to look like what evaluators receive: one row per
person per month with a status, hours in work months, the programme start and the arm, people
already on benefit before the panel starts, people who enter later, job entries, short
interruptions, job losses, other exits, people leaving the register, and a few months with a
missing status. The effects are set in the generator (see ``ARM_EFFECTS``), so analyses can be
checked to find them.

``load_rossi()``: the recidivism data of Rossi, Berk and Lenihan (1980), 432 released prisoners
followed for 52 weeks; half received financial aid (``fin``). Columns: ``week`` (duration),
``arrest`` (event), ``fin``, ``age``, ``race``, ``wexp``, ``mar``, ``paro``, ``prio``.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from .errors import InputError

ARMS = ["control", "more guidance", "remote guidance (app)", "tailored guidance"]
#: Per arm: the multiplier of the monthly chance of finding work, and of losing a job.
ARM_EFFECTS = {
    "control": (1.0, 1.0),
    "more guidance": (1.3, 1.0),
    "remote guidance (app)": (1.05, 1.0),
    "tailored guidance": (1.35, 0.7),
}
STATES = ["benefit", "work", "education", "other"]


def four_arm_panel(n_persons: int = 2000, *, seed: int = 2024, n_municipalities: int = 12,
                   n_months: int = 36, first_month: str = "2022-01") -> pd.DataFrame:
    """A seeded synthetic monthly panel of a four-arm randomised re-integration experiment.

    Parameters
    ----------
    n_persons : int
        Persons randomised (equal shares per arm, randomised within municipality).
    seed : int
        The same seed gives the same panel.
    n_municipalities : int
        Municipalities (the clusters); each has its own labour market (a random effect).
    n_months : int
        Calendar months in the panel; programme starts are spread over the first twelve.
    first_month : str
        The panel's first month.

    Returns
    -------
    pandas.DataFrame
        ``person_id, month, status, hours, arm, municipality, age, female, education,
        programme_start, benefit_start``; ``status`` is categorical (benefit, work, education,
        other; missing when unknown), ``hours`` a week in work months.

    Examples
    --------
    >>> from duurzaam.datasets import four_arm_panel
    >>> p = four_arm_panel(n_persons=200, seed=1)
    >>> p["arm"].cat.categories.tolist()[0], p["person_id"].nunique()
    ('control', 200)
    """
    if n_persons < 4 or n_months < 13:
        raise InputError("need at least 4 persons and 13 months")
    rng = np.random.default_rng(seed)
    n = n_persons
    municipality = rng.integers(0, n_municipalities, n)
    arm = np.empty(n, dtype=np.int64)
    for m in range(n_municipalities):  # randomised within municipality, equal shares
        idx = np.flatnonzero(municipality == m)
        arm[idx] = rng.permutation(np.arange(len(idx)) % 4)
    age = rng.integers(18, 65, n)
    female = rng.random(n) < 0.5
    education = rng.choice(np.array(["low", "middle", "high"]), size=n, p=[0.45, 0.38, 0.17])
    prior = np.minimum(rng.geometric(1 / 16, n) - 1, 120)  # months on benefit before the programme
    start = rng.integers(0, 12, n)
    benefit_start = start - prior
    first_row = np.maximum(benefit_start, 0)
    mun_effect = rng.normal(0.0, 0.25, n_municipalities)[municipality]
    edu = np.select([education == "low", education == "middle"], [-0.3, 0.0], 0.25)
    find = np.array([ARM_EFFECTS[a][0] for a in ARMS])[arm]
    lose = np.array([ARM_EFFECTS[a][1] for a in ARMS])[arm]
    lin = -0.015 * (age - 40) + edu + mun_effect - 0.006 * prior
    status = np.full((n, n_months), -1, dtype=np.int64)  # -1: no row
    hours = np.full((n, n_months), np.nan)
    state = np.zeros(n, dtype=np.int64)  # everyone starts on benefit
    tenure = np.zeros(n)
    interrupted = np.zeros(n, dtype=bool)
    present = np.ones(n, dtype=bool)
    usual_hours = np.where(rng.random(n) < 0.12, rng.uniform(4, 12, n), rng.uniform(12, 40, n))
    for t in range(n_months):
        active = present & (t >= first_row)
        after = active & (t > start)
        u = rng.random(n)
        new = state.copy()
        # on benefit
        b = after & (state == 0)
        months_in = t - start
        p_work = 0.045 * find * np.exp(lin) * np.where(months_in <= 12, 1.0, 0.8)
        p_edu = np.where(age < 27, 0.02, 0.002)
        p_other = 0.008
        new[b & (u < p_work)] = 1
        new[b & (u >= p_work) & (u < p_work + p_edu)] = 2
        new[b & (u >= p_work + p_edu) & (u < p_work + p_edu + p_other)] = 3
        # in work: job loss (declining with tenure), other exits, one-month interruptions
        w = after & (state == 1)
        back = w & interrupted
        p_lose = (0.045 * np.exp(-0.08 * tenure) + 0.008) * lose
        new[w & ~back & (u < p_lose)] = 0
        new[w & ~back & (u >= p_lose) & (u < p_lose + 0.003)] = 3
        blip = w & ~back & (u >= 0.97) & (tenure >= 2)
        # education and other
        e = after & (state == 2)
        new[e & (u < 0.05)] = 0
        new[e & (u >= 0.05) & (u < 0.09)] = 1
        o = after & (state == 3)
        new[o & (u < 0.01)] = 0
        tenure = np.where(new == 1, np.where(state == 1, tenure + 1, 0), 0)
        state = new
        shown = state.copy()
        shown[blip] = 0  # a month back on benefit between two months of the same job
        interrupted = blip
        status[active, t] = shown[active]
        in_work = active & (shown == 1)
        hours[in_work, t] = np.round(usual_hours[in_work] + rng.normal(0, 1.5, in_work.sum()), 1).clip(1, 48)
        # leaving the register (moving abroad, not followed)
        present &= ~(active & (t > start) & (rng.random(n) < 0.002))
    has_row = status >= 0
    pid, month = np.nonzero(has_row)
    st = status[pid, month]
    missing = rng.random(len(st)) < 0.004
    months = pd.period_range(first_month, periods=n_months, freq="M").to_timestamp()
    h = hours[pid, month]
    h[missing] = np.nan
    edu_codes = np.select([education == "low", education == "middle"], [0, 1], 2)
    return pd.DataFrame({
        "person_id": pid + 1,
        "month": months[month],
        "status": pd.Categorical.from_codes(np.where(missing, -1, st), categories=STATES),
        "hours": h,
        "arm": pd.Categorical.from_codes(arm[pid], categories=ARMS),
        "municipality": pd.Categorical.from_codes(municipality[pid], categories=[f"M{m + 1:02d}" for m in range(n_municipalities)]),
        "age": age[pid],
        "female": female[pid].astype(np.int64),
        "education": pd.Categorical.from_codes(edu_codes[pid], categories=["low", "middle", "high"]),
        "programme_start": months[start[pid]],
        "benefit_start": _month_starts(first_month, benefit_start)[pid],
    })


def _month_starts(first_month: str, offsets: np.ndarray) -> pd.DatetimeIndex:
    """Month-start dates ``offsets`` months after ``first_month`` (negative: before it)."""
    base = pd.Period(first_month, freq="M").ordinal
    ordinals = base + np.asarray(offsets, dtype=np.int64)
    return pd.DatetimeIndex(pd.to_datetime({"year": ordinals // 12 + 1970, "month": ordinals % 12 + 1, "day": 1}))


def job_coaching_cohort(n_persons: int = 130, *, seed: int = 7) -> pd.DataFrame:
    """A seeded synthetic follow-up cohort of young workers placed in a job with a job coach
    (about 130, the size of a typical municipal cohort): months in paid work from the placement
    until the job is lost (``lost = 1``) or follow-up ends (censored, at most 12 months).

    Columns: ``person_id, months, lost, coaching_hours`` (a month, first three months),
    ``coach`` (``"internal"`` or ``"external"``), ``sector``, ``age``, ``contract_months``
    (length of the first contract). More coaching hours and longer contracts go with keeping the
    job in the generator; the coach type does not matter.

    Examples
    --------
    >>> from duurzaam.datasets import job_coaching_cohort
    >>> job_coaching_cohort().shape
    (130, 8)
    """
    rng = np.random.default_rng(seed)
    n = n_persons
    hours = rng.choice([2.0, 4.0, 8.0], size=n, p=[0.35, 0.4, 0.25])
    coach = rng.choice(np.array(["internal", "external"]), size=n)
    sector = rng.choice(np.array(["care", "hospitality", "logistics", "retail"]), size=n)
    age = rng.integers(18, 28, n)
    contract = rng.choice([3, 6, 12], size=n, p=[0.3, 0.45, 0.25])
    lp = -0.12 * (hours - 4) - 0.06 * (contract - 6) + 0.3 * (sector == "hospitality")
    t = rng.exponential(14 * np.exp(-lp))
    follow = rng.uniform(6, 12, n)
    months = np.ceil(np.minimum(t, follow))
    return pd.DataFrame({"person_id": np.arange(1, n + 1), "months": months, "lost": (t <= follow).astype(int),
                         "coaching_hours": hours, "coach": coach, "sector": sector, "age": age,
                         "contract_months": contract})


def subsidised_job_exits(n_persons: int = 1500, *, seed: int = 11) -> pd.DataFrame:
    """A seeded synthetic cohort of people whose subsidised job (loonkostensubsidie) ended, followed
    for up to 24 months: the month they enter a regular job (``exit = 1``), return to benefit
    (``exit = 2``), or are censored (0). ``route`` is the re-integration route
    (``"coaching"`` or ``"standard"``); ``subsidy_months`` how long the subsidised job lasted.

    Examples
    --------
    >>> from duurzaam.datasets import subsidised_job_exits
    >>> sorted(subsidised_job_exits()["exit"].unique().tolist())
    [0, 1, 2]
    """
    rng = np.random.default_rng(seed)
    n = n_persons
    route = rng.choice(np.array(["standard", "coaching"]), size=n)
    sub = rng.integers(6, 37, n)
    age = rng.integers(20, 60, n)
    coaching = (route == "coaching").astype(float)
    t_job = rng.exponential(16 * np.exp(-(0.35 * coaching + 0.02 * (sub - 18) - 0.01 * (age - 40))))
    t_benefit = rng.exponential(10 * np.exp(-(-0.2 * coaching + 0.01 * (age - 40))))
    cens = rng.uniform(6, 24, n)
    t = np.minimum(np.minimum(t_job, t_benefit), cens)
    exit_ = np.where(t == cens, 0, np.where(t == t_job, 1, 2))
    return pd.DataFrame({"person_id": np.arange(1, n + 1), "months": np.ceil(t), "exit": exit_, "route": route,
                         "subsidy_months": sub, "age": age})


def load_rossi() -> pd.DataFrame:
    """The rossi recidivism data as a pandas DataFrame.

    Examples
    --------
    >>> from duurzaam.datasets import load_rossi
    >>> load_rossi().shape
    (432, 9)
    """
    with resources.files("duurzaam").joinpath("data/rossi.csv").open("r") as f:
        return pd.read_csv(f)


__all__ = ["four_arm_panel", "job_coaching_cohort", "subsidised_job_exits", "load_rossi", "ARMS", "ARM_EFFECTS", "STATES"]
