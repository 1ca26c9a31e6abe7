"""PCNs stepped week by week for the page and the slides: one PCN under one setting, and several in lockstep."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import state as meetings
from ..model import PCNModel
from ..outputs.stats import crossover
from .settings import WEEKS, Settings, describe, scenario

HANDLED = {meetings.PRODUCTIVE: "productive", meetings.AVOIDED: "avoided", meetings.DESTRUCTIVE: "destructive"}


def conflict_flashes(model: PCNModel) -> dict[int, str]:
    """Ties on which a conflict was handled at their latest meeting this week, and how."""
    last = model.state.last_meeting
    return {int(e): HANDLED[int(last[e])] for e in np.flatnonzero(last >= meetings.PRODUCTIVE)}


def practices(model: PCNModel) -> list:
    """The model's practices (not its partner organisations), in index order."""
    partner = model.state.partner
    return sorted((a for a in model.agents if not partner[a.index]), key=lambda a: a.index)


def practice_ties(model: PCNModel) -> np.ndarray:
    """Indices of the ties between two practices (practices come first among the members, partners after)."""
    n, st = len(practices(model)), model.state
    return np.flatnonzero((st.src < n) & (st.dst < n))


class PCNRun:
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
        self.runs = [PCNRun(s, self.seed, label) for s, label in zip(settings, labels)]

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
