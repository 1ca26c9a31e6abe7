"""The trainer's controls, what they mean as scenario parameters, and PCNs stepped in lockstep.

Shared by the web page (app.py) and the slides (race.py). A `Settings` is what a
trainer can move; `overrides(settings)` turns it into ordinary `--set` overrides
of the default scenario, so every difference between two PCNs on screen comes
from parameters. The presets reproduce the two scenario files exactly:
`RACE` gives scenarios/race.yaml and `TRUST_FIRST` gives scenarios/trust_first.yaml
(apart from their names), run for run.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..config import Scenario, apply_overrides, validate
from ..engine import state as engine
from ..model import PCNModel
from ..outputs.stats import crossover

DEFAULT_SEED = 20  # a PCN in which the race is ahead at six months and behind by two years (see docs/TRAINERS.md)
WEEKS = 260
SPECIFICATIONS = 5  # the national service specifications (as in the scenario files)
SPEC_EFFORT, BACKGROUND_EFFORT = 14.0, 8.0  # practice-weeks of work at the standard load


@dataclass(frozen=True)
class Settings:
    """What the trainer can change about a PCN (see CONTROLS for the meaning of each)."""

    mandate_pressure: float = 1.0
    pace: float = 0.0
    deadline_months: int = 6
    autonomy_stakes: float = 0.3
    value_diversity: float = 0.15
    facilitation: float = 0.5
    shared_history: float = 3.0

    def with_value(self, name: str, value) -> "Settings":
        kind = type(getattr(self, name))
        return replace(self, **{name: kind(value)})


RACE = Settings(pace=0.0, deadline_months=6)
TRUST_FIRST = Settings(pace=1.0, deadline_months=12)
PRESETS = {"Race": RACE, "Trust first": TRUST_FIRST}


@dataclass(frozen=True)
class Control:
    name: str  # field of Settings
    label: str
    low: float
    high: float
    step: float
    left: str  # what the low end means, in plain words
    right: str  # what the high end means
    parameter: str  # where it goes in the scenario


CONTROLS = (
    Control("mandate_pressure", "Mandate pressure (x national load)", 0.5, 2.0, 0.25, "half the work", "twice the work",
            "mandates[].total_effort"),
    Control("pace", "Pace", 0.0, 1.0, 0.25, "everything at once", "phased over years",
            "mandates[0].start_week, first_wave, span_weeks"),
    Control("deadline_months", "Deadlines (months per specification)", 3, 24, 3, "3 months", "2 years",
            "mandates[0].lead_weeks"),
    Control("autonomy_stakes", "Autonomy and income at stake", 0.0, 0.9, 0.1, "little to lose", "a lot to lose",
            "practices.stakes.mean"),
    Control("value_diversity", "Value diversity", 0.0, 0.4, 0.05, "like-minded", "very different",
            "practices.value_spread"),
    Control("facilitation", "Clinical Director's style", 0.0, 1.0, 0.1, "directive", "facilitative",
            "leadership.facilitation"),
    Control("shared_history", "Shared history (years)", 0.0, 10.0, 1.0, "strangers", "ten years together",
            "network.history_years.mean"),
)


def _round(x: float) -> int:
    return int(math.floor(x + 0.5))


def describe(settings: Settings) -> str:
    """One line in plain words, e.g. 'everything at once, 6-month deadlines'."""
    preset = next((name for name, s in PRESETS.items() if s == settings), None)
    pace = ("everything at once" if settings.pace == 0 else "phased over years" if settings.pace == 1
            else f"pace {settings.pace:g}")
    text = f"{pace}, {settings.deadline_months}-month deadlines"
    return f"{preset}: {text}" if preset else f"Custom: {text}"


def overrides(settings: Settings) -> list[str]:
    """The settings as `dotted.key=value` overrides of the default scenario (as `pcnsim run --set`)."""
    s = settings
    specifications = {
        # pace 0: all five arrive in week 0; pace 1: six months first, two in year one, three over three years
        "kind": "phased",
        "count": SPECIFICATIONS,
        "total_effort": SPEC_EFFORT * s.mandate_pressure,
        "start_week": _round(26 * s.pace),
        "first_wave": SPECIFICATIONS - _round(3 * s.pace),
        "span_weeks": _round(156 * s.pace),
        "lead_weeks": _round(s.deadline_months * 52 / 12),
        "milestones": 4,
    }
    background = {"kind": "constant", "count": 10, "total_effort": BACKGROUND_EFFORT * s.mandate_pressure,
                  "span_weeks": 240, "lead_weeks": 26, "milestones": 2}
    spread = Scenario()  # the defaults keep their spread (sd) around the mean the trainer sets
    return [
        f"steps={WEEKS}",
        f"mandates={json.dumps([specifications, background])}",
        f"practices.stakes={{mean: {s.autonomy_stakes:g}, sd: {spread.practices.stakes.sd:g}}}",
        f"practices.value_spread={s.value_diversity:g}",
        f"leadership.facilitation={s.facilitation:g}",
        f"network.history_years={{mean: {s.shared_history:g}, sd: {spread.network.history_years.sd:g}}}",
    ]


def scenario(settings: Settings, name: str = "trainer") -> Scenario:
    """A validated scenario: the defaults with the settings' overrides."""
    data = apply_overrides({"name": name}, overrides(settings), "trainer settings")
    return validate(data, "trainer settings")


# How the app and the slides draw a PCN: colour and plain words by engagement, and by how a conflict was handled.
ENGAGEMENT = {
    "ownership": ("#1f5fa8", "owns the PCN's work"),
    "compliance": ("#a9cbe8", "goes along with it"),
    "disengaged": ("#d9d9d9", "has disengaged (burnt out)"),
}
CONFLICT = {
    "productive": ("#2e9e44", "talked through"),
    "avoided": ("#8e44ad", "left unsaid (tension builds)"),
    "destructive": ("#d62728", "a row: trust fell"),
}
FLASHES = tuple(CONFLICT)  # mildest first
SIDE_COLOURS = ("#d95f02", "#1b7f79")  # curves of the first (left) and second (right) PCN


def elapsed(week: int) -> str:
    """Time since the start in plain words: '6 months in', '1 year, 3 months in'."""
    years, months = divmod(week * 12 // 52, 12)
    if not (years or months):
        return "the first month"
    parts = ([f"{years} year{'s' * (years != 1)}"] if years else []) + (
        [f"{months} month{'s' * (months != 1)}"] if months or not years else [])
    return ", ".join(parts) + " in"


def positions(n: int) -> list[tuple[float, float]]:
    """Practices on a unit circle, practice 1 at the top, clockwise (y up)."""
    return [(math.cos(math.pi / 2 - 2 * math.pi * i / n), math.sin(math.pi / 2 - 2 * math.pi * i / n))
            for i in range(n)]


def trust_grey(trust: float) -> float:
    """Grey level of a tie (1 white, 0 black): darker with more trust."""
    return (215 - 175 * trust) / 255



def conflict_flashes(model: PCNModel) -> dict[int, str]:
    """Ties on which a conflict was handled at their latest meeting this week, and how."""
    kinds = {engine.PRODUCTIVE: "productive", engine.AVOIDED: "avoided", engine.DESTRUCTIVE: "destructive"}
    last = model.state.last_meeting
    return {int(e): kinds[int(last[e])] for e in np.flatnonzero(last >= engine.PRODUCTIVE)}


class Run:
    """One PCN under one setting, stepped week by week, remembering where conflict showed."""

    def __init__(self, settings: Settings, seed: int, label: str) -> None:
        self.settings, self.label = settings, label
        self.model = PCNModel(scenario(settings, label), seed=seed)
        self.flashes: dict[int, str] = {}  # edge index -> kind, for the latest week

    def step(self) -> None:
        self.model.step()
        self.flashes = conflict_flashes(self.model)

    def series(self, outcome: str) -> list:
        """An outcome's values from week 0 to now."""
        return self.model.series(outcome)


class Lockstep:
    """The same PCN (same seed) under one or more settings, stepped together."""

    def __init__(self, settings: list[Settings], seed: int, labels: list[str] | None = None,
                 weeks: int = WEEKS) -> None:
        labels = labels or [describe(s).split(":")[0] for s in settings]
        if len(labels) == 2 and labels[0] == labels[1]:
            labels = [f"{labels[0]} (left)", f"{labels[1]} (right)"]
        self.seed, self.weeks = int(seed), weeks
        self.runs = [Run(s, self.seed, label) for s, label in zip(settings, labels)]

    @property
    def week(self) -> int:
        return self.runs[0].model.week

    @property
    def finished(self) -> bool:
        return self.week >= self.weeks

    def step(self) -> None:
        if not self.finished:
            for run in self.runs:
                run.step()

    def crossover(self) -> int | None:
        """Week from which the second PCN has stayed ahead of the first on milestones met (so far)."""
        if len(self.runs) < 2 or self.week == 0:
            return None
        first, second = (pd.Series(run.series("milestones_met")) for run in self.runs[:2])
        return crossover(first, second)
