"""PCNs stepped week by week for the page and the slides: one PCN under one setting, and several in lockstep.

Each run keeps a `Frame` a week: what the page shows of it (the practices, their ties, this week's numbers
and events), so the trainer can step back and scrub through weeks already run without simulating again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Scenario
from ..engine import state as meetings
from ..model import PCNModel
from ..outputs.stats import crossover
from .settings import WEEKS, Settings, name, scenario

HANDLED = {meetings.PRODUCTIVE: "productive", meetings.AVOIDED: "avoided", meetings.DESTRUCTIVE: "destructive"}
# A frame's numbers: what the page's readouts and events need.
SHOWN = ("milestones_met", "milestones_due", "mean_trust", "agreement_share", "meetings", "joint_value",
         "decisions_imposed", "broken_agreements", "mean_ownership")


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


@dataclass(frozen=True)
class Event:
    kind: str  # "productive", "avoided", "destructive" (a conflict), "overruled", "broke", "met" or "missed"
    text: str


@dataclass(frozen=True)
class Frame:
    """One PCN at one week, as the page shows it. Arrays are per practice, or per practice tie (`PCNRun.ties`)."""

    week: int
    ownership: np.ndarray
    engaged: np.ndarray
    overruled: np.ndarray
    broke: np.ndarray
    trust: np.ndarray
    flashes: dict[int, str]  # position in PCNRun.ties -> how this week's conflict on it was handled
    outcomes: dict
    events: tuple[Event, ...]


def _practices(numbers: list[int]) -> str:
    names = [str(i + 1) for i in numbers]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"practice{'s' * (len(names) > 1)} {listed}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def events(ends: list[tuple[int, int]], frame_before: Frame | None, now: dict, flashes: dict[int, str],
           overruled: np.ndarray, broke: np.ndarray) -> tuple[Event, ...]:
    """What happened in a PCN this week, in plain words, most telling first."""
    found = []
    if overruled.any():
        who = np.flatnonzero(overruled).tolist()
        found.append(Event("overruled", f"Imposed over the objection of {_practices(who)}"))
    words = {"destructive": "had a row: trust fell", "avoided": "left a disagreement unsaid",
             "productive": "disagreed, talked it through"}
    for kind in ("destructive", "avoided", "productive"):
        for k in sorted(k for k, handled in flashes.items() if handled == kind):
            i, j = ends[k]
            found.append(Event(kind, f"Practices {i + 1} and {j + 1} {words[kind]}"))
    if broke.any():
        who = np.flatnonzero(broke).tolist()
        found.append(Event("broke", f"{_practices(who).capitalize()} broke an agreement on joint work"))
    if frame_before is not None:
        before = frame_before.outcomes
        met = now["milestones_met"] - before["milestones_met"]
        missed = now["milestones_due"] - before["milestones_due"] - met
        if met > 0:
            found.append(Event("met", f"{_plural(met, 'milestone')} met on time"))
        if missed > 0:
            found.append(Event("missed", f"{_plural(missed, 'milestone')} missed"))
    return tuple(found)


class PCNRun:
    """One PCN under one setting, stepped week by week, remembering each week's frame."""

    def __init__(self, settings: Settings, seed: int, label: str, shown: Scenario | None = None) -> None:
        """`shown`: the scenario to run, if not the settings' own (a test's PCN with partners, say)."""
        self.settings, self.label = settings, label
        self.model = PCNModel(scenario(settings, label) if shown is None else shown, seed=seed)
        self.flashes: dict[int, str] = {}  # edge index -> kind, for the latest week
        st = self.model.state
        self.n_practices = len(practices(self.model))
        self.tie_index = practice_ties(self.model)
        self.ties = [(int(st.src[e]), int(st.dst[e])) for e in self.tie_index]  # the practices at each end
        self.list_size = st.list_size[:self.n_practices].copy()
        self.frames: list[Frame] = [self._frame()]

    def step(self) -> None:
        self.model.step()
        self.flashes = conflict_flashes(self.model)
        self.frames.append(self._frame())

    def _frame(self) -> Frame:
        st, n = self.model.state, self.n_practices
        outcomes = self.model.outcomes
        now = {key: outcomes[key] for key in SHOWN}
        position = {int(e): k for k, e in enumerate(self.tie_index)}
        flashes = {position[e]: kind for e, kind in self.flashes.items() if e in position}
        overruled, broke = st.overruled[:n].copy(), st.broke[:n].copy()
        before = self.frames[-1] if getattr(self, "frames", None) else None
        return Frame(self.model.week, st.ownership[:n].copy(), st.engaged[:n].copy(), overruled, broke,
                     st.trust[self.tie_index].copy(), flashes, now,
                     events(self.ties, before, now, flashes, overruled, broke))

    def series(self, outcome: str, upto: int | None = None) -> list:
        """An outcome's values from week 0 to now (or to week `upto`)."""
        values = self.model.series(outcome)
        return values if upto is None else values[:upto + 1]


class Lockstep:
    """The same PCN (same seed) under one or more settings, stepped together."""

    def __init__(self, settings: list[Settings], seed: int, labels: list[str] | None = None,
                 weeks: int = WEEKS) -> None:
        labels = labels or [name(s) for s in settings]
        if len(labels) == 2 and labels[0] == labels[1]:
            labels = [f"{labels[0]} (left)", f"{labels[1]} (right)"]
        self.seed, self.weeks = int(seed), weeks
        self.runs = [PCNRun(s, self.seed, label) for s, label in zip(settings, labels)]

    @property
    def week(self) -> int:
        """The last week simulated."""
        return self.runs[0].model.week

    @property
    def finished(self) -> bool:
        return self.week >= self.weeks

    def step(self) -> None:
        if not self.finished:
            for run in self.runs:
                run.step()

    def crossover(self, upto: int | None = None) -> int | None:
        """Week from which the second PCN has stayed ahead of the first on milestones met (so far, or to `upto`)."""
        upto = self.week if upto is None else min(upto, self.week)
        if len(self.runs) < 2 or upto == 0:
            return None
        first, second = (pd.Series(run.series("milestones_met", upto)) for run in self.runs[:2])
        return crossover(first, second)
