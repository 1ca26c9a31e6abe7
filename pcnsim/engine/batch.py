"""Runs of one shape stepped together in lockstep: the engine's batch, its parameters and random streams.

Each run keeps its own generator, seeded from its own seed, and draws its
week's uniforms from it in the engine's fixed layout (pcnsim.engine.draws).
Drawing several weeks in one call gives the same numbers as drawing them
week by week, so a run's result is the same alone, in a batch of ten or in a
batch of a thousand.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from ..config import Scenario
from ..world.build import build
from . import draws, params, state, warm
from .outcomes import COUNTS, NATIONAL, OUTCOMES, PCN_OUTCOMES
from .processes.measure import EVERY, measure_pcns
from .week import start, step


def shape_key(run: state.State, scenario: Scenario) -> tuple:
    """Runs with equal keys can share a batch."""
    return tuple(array.shape[1:] for _, array in state.items(run)) + (scenario.meetings.per_step,)


def wanted(outcomes: Sequence[str] | None) -> np.ndarray:
    """One flag per national outcome: is it recorded? (None: all.) Unknown names are refused."""
    if outcomes is None:
        return EVERY
    unknown = sorted(set(outcomes) - set(OUTCOMES))
    if unknown:
        raise ValueError(f"unknown outcome(s) {', '.join(unknown)}; known: {', '.join(OUTCOMES)}")
    flags = np.zeros(len(NATIONAL), np.bool_)
    flags[[NATIONAL.index(name) for name in outcomes]] = True
    return flags


class Batch:
    """Runs of one shape, started at week 0; `advance` steps them all.

    `state` is the batch's `engine.state.State`; `outcomes` the (B, OUTCOMES)
    national rows of the last measured week (only the `wanted` columns are kept up to date).
    """

    def __init__(self, runs: list[state.State], scenarios: list[Scenario], generators: list[np.random.Generator],
                 outcomes: Sequence[str] | None = None):
        self.state = state.concatenate(runs)
        self.params = params.of(scenarios)
        self.generators = generators
        self.follow_generators = [draws.follow_stream(g) for g in generators]
        self.members = self.state.members.values.shape[1]
        self.layout = draws.of(self.state, scenarios[0].meetings.per_step * self.state.pcns.decided.shape[1])
        self.draws_per_week = self.layout.size
        self.wanted = wanted(outcomes)
        self.week = 0
        self.outcomes = np.zeros((len(generators), len(OUTCOMES)))
        warm.warm(self.state, self.params, self.wanted, self.outcomes, self.layout)  # compiles on a cold cache
        start(self.state, self.params, self.wanted, self.outcomes)

    @classmethod
    def of(cls, scenarios: list[Scenario], seeds: list[int], outcomes: Sequence[str] | None = None) -> "Batch":
        generators = [np.random.default_rng(seed) for seed in seeds]
        runs = [build(s, g)[0] for s, g in zip(scenarios, generators)]
        return cls(runs, scenarios, generators, outcomes)

    def advance(self, weeks: int, record_every: int = 1) -> Iterator[np.ndarray]:
        """Step `weeks` weeks, yielding the (B, OUTCOMES) outcome rows after each week that is a multiple of `record_every`."""
        weekly = zip(draws.weeks_of(self.generators, self.draws_per_week, weeks),
                     draws.weeks_of(self.follow_generators, self.members, weeks))
        for week_draws, follow in weekly:
            self.week += 1
            record = self.week % record_every == 0
            step(self.state, self.params, self.week, week_draws, follow, self.layout, record, self.wanted,
                 self.outcomes)
            if record:
                yield self.outcomes

    def pcn_outcomes(self) -> np.ndarray:
        """(B, P, PCN_OUTCOMES) per-PCN outcomes now."""
        s = self.state
        out = np.zeros((len(self.generators), s.pcns.decided.shape[1], len(PCN_OUTCOMES)))
        measure_pcns(s.index, s.traits, s.members, s.ties, s.pcns, s.counters, self.params, out)
        return out


def simulate(scenarios: list[Scenario], seeds: list[int], record_every: int = 1,
             outcomes: Sequence[str] | None = None, named: bool = False) -> list[pd.DataFrame | np.ndarray | Exception]:
    """Run each (scenario, seed) to its scenario's `steps`; per run, outcome rows every `record_every` weeks.

    Runs are grouped by shape and each group is stepped as one batch; weeks
    that are not recorded are not measured. Returns, in input order, one table
    per run, or the exception that stopped a run from being built. A table is a
    DataFrame with one column per outcome (OUTCOMES, or just `outcomes` in that
    order), counts as integers, as `PCNModel.timeseries()`; with `named=False`
    it is the engine's (recorded steps, columns) float array itself, for
    callers that stack many runs into one array (np.stack, np.array); it is
    a view (its transpose, `.T`, has each outcome's weeks contiguous).
    """
    wanted(outcomes)  # refuse unknown names before building anything
    names = list(OUTCOMES if outcomes is None else outcomes)
    columns = slice(None) if outcomes is None else [NATIONAL.index(name) for name in outcomes]
    results: list[pd.DataFrame | np.ndarray | Exception | None] = [None] * len(scenarios)
    groups: dict[tuple, list[tuple[int, state.State, np.random.Generator]]] = {}
    for index, (scenario, seed) in enumerate(zip(scenarios, seeds)):
        generator = np.random.default_rng(seed)
        try:
            run = build(scenario, generator)[0]
        except Exception as exc:  # a run that cannot be built is reported, the others go on
            results[index] = exc
            continue
        groups.setdefault(shape_key(run, scenario) + (scenario.steps,), []).append((index, run, generator))
    for members in groups.values():
        indices = [i for i, _, _ in members]
        batch = Batch([run for _, run, _ in members], [scenarios[i] for i in indices], [g for _, _, g in members],
                      outcomes)
        steps = scenarios[indices[0]].steps
        # Outcome by outcome, run by run, week by week: a run's rows are a view of it, and each outcome's values
        # over a chunk of runs are contiguous (a sweep's Arrow columns), with no (runs, weeks, outcomes) reshuffle.
        table = np.empty((len(names), len(indices), steps // record_every + 1))
        table[:, :, 0] = batch.outcomes[:, columns].T
        for week, recorded in enumerate(batch.advance(steps, record_every), 1):
            table[:, :, week] = recorded[:, columns].T
        for position, i in enumerate(indices):
            rows = table[:, position, :].T
            results[i] = _named(rows, names) if named else rows
    return results


def _named(rows: np.ndarray, names: list[str]) -> pd.DataFrame:
    """One run's rows as a table of named columns, its counts as integers."""
    frame = pd.DataFrame(rows, columns=names)
    counts = [name for name in names if name in COUNTS]
    frame[counts] = frame[counts].astype(np.int64)
    return frame
