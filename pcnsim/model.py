"""PCNModel: general practices collaborating in Primary Care Networks under national mandates.

One step is one week; the order of processes within a week is in
pcnsim/engine/week.py and docs/ODD.md. The model's state lives in the
engine's arrays (a batch of one run); members (practices and partner
organisations) are Mesa agents that are views onto their rows, on a Mesa
network over the ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from .agents import Member
from .config import Scenario, load
from .engine.batch import Batch
from .engine.outcomes import COUNTS, OUTCOMES, PCN_OUTCOMES
from .engine.view import View
from .world.build import build

BASELINE = Path(__file__).with_name("scenarios") / "baseline.yaml"  # shipped: a link to scenarios/baseline.yaml
# What each member reports to a DataCollector: its state as Mesa users read it (pcnsim.agents.Member).
AGENT_REPORTERS = ("kind", "engagement", "ownership", "burnout", "capacity", "stake")


class PCNModel(mesa.Model):
    """Members (Mesa agents: practices, and partners once they join) in one or many PCNs, on a graph of their ties.

    Parameters
    ----------
    scenario : Scenario, optional
        Validated parameters (see pcnsim.config.schema and docs/ODD.md); by default the shipped
        scenarios/baseline.yaml (one PCN of five practices under a steady flow of requirements).
    seed : int, optional
        Seed for the run; defaults to the scenario's own seed.
    collect : bool or list of outcome names, optional
        Also fill a Mesa `DataCollector` (`self.datacollector`) at week 0 and after every week: one model
        reporter per national outcome (or per named outcome) and the members' `AGENT_REPORTERS`. Off by
        default (`self.datacollector` is None): the agent reporters read every member every week in
        Python, which costs more than the week itself on a large network, and `timeseries()` already
        holds every national outcome.
    """

    def __init__(self, scenario: Scenario | None = None, seed: int | None = None,
                 collect: bool | Sequence[str] = False) -> None:
        scenario = load(BASELINE) if scenario is None else scenario
        reported = _reported(collect)
        self.seed_used = scenario.seed if seed is None else int(seed)
        super().__init__(rng=self.seed_used)
        self.params = scenario
        run, self.structure = build(scenario, self.rng)
        self.batch = Batch([run], [scenario], [self.rng])
        self.state = View(self.batch.state)  # run 0's arrays by field name (the national schedule among them)
        n_members = self.state.values.shape[0]
        self.graph = nx.Graph()
        self.graph.add_nodes_from(range(n_members))
        self.graph.add_edges_from(zip(self.state.src.tolist(), self.state.dst.tolist()))
        self.edge_index = {(int(u), int(v)): e for e, (u, v) in enumerate(zip(self.state.src, self.state.dst))}
        self.space = Network(self.graph, random=self.random, layout=nx.circular_layout)
        for i in range(n_members):
            Member(self, i, self.space[i])
        self._rows: list[np.ndarray] = []
        self._pcn_rows: list[tuple[int, np.ndarray]] = []
        self.datacollector = None if reported is None else mesa.DataCollector(
            model_reporters={name: partial(_latest, name) for name in reported},
            agent_reporters={name: name for name in AGENT_REPORTERS})
        self._record()

    @property
    def week(self) -> int:
        return self.batch.week

    @property
    def outcomes(self) -> dict:
        """This week's national outcomes (docs/ODD.md, section 7); counts as ints."""
        return {name: _typed(name, value) for name, value in zip(OUTCOMES, self._rows[-1].tolist())}

    def step(self) -> None:
        """One week (Mesa counts it in `steps` and `time`); `running` turns False at the scenario's last step."""
        for _ in self.batch.advance(1):
            self._record()
        if self.week >= self.params.steps:
            self.running = False

    def _record(self) -> None:
        self._rows.append(self.batch.outcomes[0].copy())
        if self.week % self.params.record_levels_every == 0:
            self._pcn_rows.append((self.week, self.batch.pcn_outcomes()[0]))
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def run(self, steps: int | None = None) -> pd.DataFrame:
        """Step the model (by default the scenario's `steps`) and return the outcome table.

        Each week goes through Mesa's `step`, so its clock stays in step with
        the engine's week; a run's numbers do not depend on drawing a week at a
        time rather than a block at a time.
        """
        for _ in range(self.params.steps if steps is None else steps):
            self.step()
        return self.timeseries()

    def series(self, outcome: str) -> list:
        """One national outcome's values from week 0 to now."""
        column = OUTCOMES.index(outcome)
        return [_typed(outcome, row[column]) for row in self._rows]

    def timeseries(self) -> pd.DataFrame:
        """One row per week: the national outcomes."""
        frame = pd.DataFrame(np.array(self._rows), columns=list(OUTCOMES))
        counts = [c for c in OUTCOMES if c in COUNTS]
        frame[counts] = frame[counts].astype(np.int64)
        return frame

    def pcn_table(self) -> pd.DataFrame:
        """One row per PCN every `record_levels_every` weeks."""
        s = self.structure
        frames = []
        for week, rows in self._pcn_rows:
            frame = pd.DataFrame(rows, columns=list(PCN_OUTCOMES))
            frame.insert(0, "step", week)
            frame.insert(1, "pcn", s.pcn_codes)
            frame.insert(2, "ics", [s.ics_codes[i] for i in s.ics])
            frame.insert(3, "practices", np.bincount(s.pcn, minlength=s.n_pcns))
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def _reported(collect: bool | Sequence[str]) -> tuple[str, ...] | None:
    """The national outcomes a DataCollector reports (None: no DataCollector); unknown names are refused."""
    if collect is False:
        return None
    if collect is True:
        return OUTCOMES
    if isinstance(collect, str):  # a lone name would otherwise be read letter by letter
        collect = [collect]
    unknown = sorted(set(collect) - set(OUTCOMES))
    if unknown:
        raise ValueError(f"collect: unknown outcome(s) {', '.join(unknown)}; known: {', '.join(OUTCOMES)}")
    return tuple(collect)


def _latest(name: str, model: PCNModel) -> int | float:
    """A model reporter: national outcome `name` of the week just recorded (typed as in `timeseries()`)."""
    return _typed(name, model._rows[-1][OUTCOMES.index(name)])


def _typed(name: str, value: float) -> int | float:
    return int(value) if name in COUNTS else value
