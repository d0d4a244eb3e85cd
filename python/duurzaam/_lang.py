"""The report's words in English and Dutch, and numbers as each language writes them.

Most evaluations of Dutch re-integration programmes are published in Dutch: every heading, label
and sentence of :func:`duurzaam.evaluate_panel`'s report has a Dutch version here, and numbers use
the decimal comma and the thousands point (``31,4% (27,2-35,4)``, ``2.000 personen``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

LANGS = ("en", "nl")

# English text -> Dutch text. Keys are the exact English strings the report uses.
NL: dict[str, str] = {
    # hours bands
    "First job by hours a week": "Eerste baan naar uren per week",
    "The first job after the programme start by its hours band, as competing destinations (cumulative incidence, "
    "Aalen-Johansen) with 95% intervals; the bands are stated above.":
        "De eerste baan na de start naar urenklasse, als concurrerende bestemmingen (cumulatieve incidentie, "
        "Aalen-Johansen) met 95%-intervallen; de klassen staan hierboven.",
    "Hours band": "Urenklasse",
    "Share with a first job (95% CI)": "Aandeel met een eerste baan (95%-BI)",
    # design (power curves)
    "target": "doel",
    "hazard ratio (treatment / control)": "hazard ratio (interventie / controle)",
    "persons (both arms)": "personen (beide groepen)",
    "power": "power",
    "sided": "zijdig",
    # sections
    "Who is in the analysis": "Wie is in de analyse",
    "Persons kept, censored (and why) and dropped (and why) under each outcome rule.":
        "Personen die meetellen, gecensureerd zijn (en waarom) of zijn uitgesloten (en waarom), per uitkomstdefinitie.",
    "Time to sustained work": "Tijd tot duurzaam werk",
    "Share of each arm that started a job lasting at least the required number of months (Kaplan-Meier, "
    "1 - S(t)), with 95% intervals (log scale) and the number at risk.":
        "Aandeel per groep dat een baan begon die minstens het vereiste aantal maanden duurde (Kaplan-Meier, "
        "1 - S(t)), met 95%-betrouwbaarheidsintervallen (log-schaal) en het aantal personen at risk.",
    "Share that found any job": "Aandeel dat werk vond",
    "Time to the first job of any length (Kaplan-Meier, 1 - S(t)), with 95% intervals and the number at risk.":
        "Tijd tot de eerste baan, van welke duur ook (Kaplan-Meier, 1 - S(t)), met 95%-intervallen en het aantal at "
        "risk.",
    "Log-rank tests": "Log-ranktoetsen",
    "The overall k-sample test, and each arm against the control arm (Holm-adjusted p-values).":
        "De toets over alle groepen samen, en elke groep tegen de controlegroep (p-waarden gecorrigeerd volgens Holm).",
    "Hazard ratios (Cox model)": "Hazard ratio's (Cox-model)",
    "Time to sustained work; robust standard errors clustered by the cluster column.":
        "Tijd tot duurzaam werk; robuuste standaardfouten, geclusterd naar de clusterkolom.",
    "Restricted mean time without sustained work": "Gemiddelde tijd zonder duurzaam werk (RMST)",
    "Difference against the control arm up to tau months: analytic (delta-method, persons independent) and "
    "bootstrap (percentile; whole clusters resampled when a cluster column is given) intervals; negative = "
    "sooner in sustained work.":
        "Verschil met de controlegroep tot tau maanden: analytische (deltamethode) en bootstrap-intervallen "
        "(percentiel; hele clusters getrokken als er een clusterkolom is); negatief = eerder duurzaam aan het werk.",
    "Leaving benefit: for work versus other reasons": "Uitstroom uit de uitkering: naar werk of om andere redenen",
    "Cumulative incidence of each exit (Aalen-Johansen) with 95% intervals, one colour per arm and one line style "
    "per exit; an exit counts as to work when the person is still in work a month later and not back on benefit.":
        "Cumulatieve incidentie van elke uitstroomreden (Aalen-Johansen) met 95%-intervallen, een kleur per groep en "
        "een lijnsoort per uitstroomreden; uitstroom telt als naar werk als de persoon een maand later nog werkt en "
        "niet terug is in de uitkering.",
    "Where people are": "Waar mensen zijn",
    "Share of each arm in each state (multi-state Aalen-Johansen, accounting for people who leave the register).":
        "Aandeel per groep in elke situatie (multi-state Aalen-Johansen, rekening houdend met wie uit het register "
        "verdwijnt).",
    "State occupancy with bootstrap intervals": "Situatie met bootstrap-intervallen",
    "Percentile intervals from resampling whole clusters (or persons within arms).":
        "Percentielintervallen uit het opnieuw trekken van hele clusters (of personen binnen groepen).",
    "Job retention": "Baanbehoud",
    "Share of first jobs after the programme start still held (no return to benefit) at given months after the "
    "job started (Kaplan-Meier), with 95% intervals and the number of jobs at risk.":
        "Aandeel van de eerste banen na de start dat na het gegeven aantal maanden nog bestaat (geen terugval in de "
        "uitkering; Kaplan-Meier), met 95%-intervallen en het aantal banen at risk.",
    # column headers
    "Arm": "Groep", "Month": "Maand", "Share (95% CI)": "Aandeel (95%-BI)", "Months in the job": "Maanden in de baan",
    "Still in the job (95% CI)": "Nog in de baan (95%-BI)", "Exit": "Uitstroom", "Share exited (95% CI)":
    "Aandeel uitgestroomd (95%-BI)", "Comparison": "Vergelijking", "Chi-square": "Chi-kwadraat", "p (Holm)":
    "p (Holm)", "Term": "Term", "Hazard ratio (95% CI)": "Hazard ratio (95%-BI)", "Months": "Maanden",
    "Difference in months without sustained work (95% CI)": "Verschil in maanden zonder duurzaam werk (95%-BI)",
    "Bootstrap 95% CI": "Bootstrap 95%-BI", "State": "Situatie", "Share (95% bootstrap CI)":
    "Aandeel (95%-bootstrap-BI)", "Arm (number at risk by month)": "Groep (aantal at risk per maand)",
    "Outcome": "Uitkomst", "Status": "Status", "Reason": "Reden", "Persons": "Personen",
    # cells
    "all arms": "alle groepen", "(reference)": "(referentie)", "1 (reference)": "1 (referentie)", "vs": "vs.",
    "event": "gebeurtenis", "censored": "gecensureerd", "dropped (persons)": "uitgesloten (personen)",
    "dropped (spells)": "uitgesloten (banen)", "sustained work": "duurzaam werk", "any job": "werk",
    "exit from benefit": "uitstroom uit uitkering", "job retention": "baanbehoud", "end of panel": "einde van het panel",
    "left the panel": "uit het panel verdwenen", "gap in the data": "ontbrekende maanden",
    "undetermined at the end of the data": "onbepaald aan het einde van de gegevens",
    "administrative censoring (horizon)": "administratief gecensureerd (horizon)",
    "in the target state at the start": "bij de start al in de doelsituatie",
    "not in the state left at the start": "bij de start niet in de uitgangssituatie", "no time at risk":
    "geen tijd at risk", "no origin": "geen startdatum", "no data after the origin": "geen gegevens na de start",
    "left-censored spell (start unknown)": "links-gecensureerde baan (begin onbekend)",
    "spell starts at or before the origin": "baan begint op of voor de start",
    "not the person's first such spell": "niet de eerste baan van de persoon", "work": "werk", "other": "overig",
    # figures
    "months since programme start": "maanden sinds de start", "number at risk": "aantal at risk",
    "exit to work": "uitstroom naar werk", "hazard ratio (95% CI)": "hazard ratio (95%-BI)",
    "other exit": "andere uitstroom", "share that left benefit": "aandeel uitgestroomd",
    "share that found a job": "aandeel met werk", "months since the job started": "maanden sinds de start van de baan",
    "share still in work": "aandeel nog aan het werk", "in work": "met werk",
    "everyone (0 when not working)": "iedereen (0 zonder werk)", "mean hours": "gemiddeld aantal uren",
    "Hours over time": "Uren door de tijd", "Who": "Wie", "Mean hours (95% CI)": "Gemiddeld aantal uren (95%-BI)",
    "Mean hours": "Gemiddeld aantal uren",
    "Mean hours per month since the programme start by arm: among those in work, and over everyone still in the "
    "register (0 hours when not working); bootstrap intervals.":
        "Gemiddeld aantal uren per maand sinds de start per groep: bij wie werkt, en over iedereen die nog in het "
        "register staat (0 uren zonder werk); bootstrap-intervallen.",
    # notes (keys)
    "panel": "panel", "arms": "groepen", "log-rank": "log-ranktoets", "bootstrap": "bootstrap",
    "made with": "gemaakt met", "disclosure control": "onthullingscontrole", "exit to work (rule)": "uitstroom naar werk",
}


def t(text: str, lang: str) -> str:
    """``text`` in ``lang`` (English when there is no translation)."""
    return NL.get(text, text) if lang == "nl" else text


def check(lang: str) -> str:
    if lang not in LANGS:
        from .errors import InputError

        raise InputError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def number(v: float, decimals: int, lang: str) -> str:
    """A number with ``decimals`` decimals, decimal comma in Dutch."""
    s = f"{v:.{decimals}f}"
    return s.replace(".", ",") if lang == "nl" else s


def count(v: Any, lang: str, below: str = "<10") -> str:
    """A count with thousands separators (a point in Dutch), or ``below`` when suppressed."""
    if pd.isna(v):
        return below
    s = f"{int(round(float(v))):,}"
    return s.replace(",", ".") if lang == "nl" else s
