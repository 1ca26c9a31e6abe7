"""Runs of one shape stepped together in lockstep: the engine's batch, its parameters and random streams.

Each run keeps its own generator, seeded from its own seed, and draws its
week's uniforms from it in the engine's fixed layout. Drawing several weeks
in one call gives the same numbers as drawing them week by week, so a run's
result is the same alone, in a batch of ten or in a batch of a thousand.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..config import Scenario
from ..world.build import build
from . import kernels as engine

BLOCK_BYTES = 32_000_000  # memory for one block of pre-drawn uniforms


def _get(scenario: Scenario, path: str) -> float:
    value = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return float(value)


def params(scenarios: list[Scenario]) -> engine.Params:
    """Every scalar parameter the engine reads, as one array over the batch."""
    return engine.Params(**{name: np.array([_get(s, path) for s in scenarios]) for name, path in engine.PARAMS.items()})


def shape_key(run: engine.Run, scenario: Scenario) -> tuple:
    """Runs with equal keys can share a batch."""
    return tuple(a.shape[1:] for a in run) + (scenario.meetings.per_step,)


class Batch:
    """Runs of one shape, started at week 0; `advance` steps them all."""

    def __init__(self, runs: list[engine.Run], scenarios: list[Scenario], generators: list[np.random.Generator]):
        self.run = engine.Run(*(np.concatenate(arrays) for arrays in zip(*runs)))
        self.params = params(scenarios)
        self.generators = generators
        self.meetings_per_week = scenarios[0].meetings.per_step * self.run.decided.shape[1]
        self.draws_per_week = engine.draw_count(self.run, self.meetings_per_week)
        self.week = 0
        self.outcomes = np.zeros((len(generators), len(engine.OUTCOMES)))
        engine.start(self.run, self.params, self.outcomes)

    @classmethod
    def of(cls, scenarios: list[Scenario], seeds: list[int]) -> "Batch":
        generators = [np.random.default_rng(seed) for seed in seeds]
        runs = [build(s, g)[0] for s, g in zip(scenarios, generators)]
        return cls(runs, scenarios, generators)

    def advance(self, weeks: int) -> Iterator[np.ndarray]:
        """Step `weeks` weeks, yielding the (B, OUTCOMES) outcome rows after each."""
        size, per = len(self.generators), self.draws_per_week
        block = int(np.clip(BLOCK_BYTES // max(size * per * 8, 1), 1, 52))
        done = 0
        while done < weeks:
            span = min(block, weeks - done)
            draws = np.empty((span, size, per))
            for b, generator in enumerate(self.generators):
                draws[:, b, :] = generator.random((span, per))
            for t in range(span):
                self.week += 1
                engine.step(self.run, self.params, self.week, draws[t], self.meetings_per_week, self.outcomes)
                yield self.outcomes
            done += span

    def pcn_outcomes(self) -> np.ndarray:
        """(B, P, PCN_OUTCOMES) per-PCN outcomes now."""
        out = np.zeros((len(self.generators), self.run.decided.shape[1], len(engine.PCN_OUTCOMES)))
        engine.measure_pcns(self.run, self.params, out)
        return out


def simulate(scenarios: list[Scenario], seeds: list[int], record_every: int = 1) -> list[np.ndarray | Exception]:
    """Run each (scenario, seed) to its scenario's `steps`; per run, outcome rows every `record_every` weeks.

    Runs are grouped by shape and each group is stepped as one batch. Returns,
    in input order, one (recorded steps, OUTCOMES) array per run, or the
    exception that stopped a run from being built.
    """
    results: list[np.ndarray | Exception | None] = [None] * len(scenarios)
    groups: dict[tuple, list[tuple[int, engine.Run, np.random.Generator]]] = {}
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
        batch = Batch([run for _, run, _ in members], [scenarios[i] for i in indices], [g for _, _, g in members])
        rows = [batch.outcomes.copy()]
        for outcomes in batch.advance(scenarios[indices[0]].steps):
            if batch.week % record_every == 0:
                rows.append(outcomes.copy())
        recorded = np.stack(rows, axis=1)
        for position, i in enumerate(indices):
            results[i] = recorded[position]
    return results
