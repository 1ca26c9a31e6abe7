"""The per-agent reference model in the shape `mesa.batch_run` needs: keyword parameters and a datacollector.

`mesa.batch_run` (Mesa 3.5.1) builds each run as `model_cls(**kwargs, seed=...)`
(it passes `seed=` when the class's signature has a `seed` parameter, else
`rng=`), steps it `max_steps` times and reads `model.datacollector`. Its pool
uses the spawn start method, so this class lives in a module of its own that
the workers can import (benchmarks/ is on their sys.path, as it is the
script's folder).

The model class is `pcnsim.reference:ReferenceModel` unless the environment
variable PCNSIM_BENCH_REFERENCE names another `module:Class` taking
`(scenario, seed)` (e.g. `pcnsim.model:PCNModel`, to check the plumbing).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import mesa

from pcnsim import load
from pcnsim.engine.outcomes import OUTCOMES

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"
REFERENCE = os.environ.get("PCNSIM_BENCH_REFERENCE", "pcnsim.reference:ReferenceModel")


def reference_class() -> type:
    module, _, name = REFERENCE.partition(":")
    return getattr(importlib.import_module(module), name)


def _outcome_reporter(name: str):
    def report(model) -> float:
        return _outcomes_of(model)[name]

    return report


def _outcomes_of(model) -> dict | None:
    """This week's national outcomes of a model: its `outcomes` (a dict or a row) or its last row of `rows`."""
    outcomes = getattr(model, "outcomes", None)
    if outcomes is None:  # pcnsim.reference keeps one dict per week in `rows`
        rows = getattr(model, "rows", None)
        return rows[-1] if rows else None
    if isinstance(outcomes, dict):
        return outcomes
    return dict(zip(OUTCOMES, list(outcomes)))


Reference = reference_class()


class ReferenceForBatchRun(Reference):
    """The reference model on one scenario file, seeded by keyword; records every outcome every week.

    If the reference model has no datacollector of its own, one is added with a
    model reporter per national outcome (the outcomes `pcnsim sweep` records),
    collected at the start and after every step, as `data_collection_period=1`
    expects.
    """

    def __init__(self, scenario_path: str = str(BASELINE), steps: int = 520, seed: int | None = 0, rng=None):
        scenario = load(scenario_path, [f"steps={steps}"])
        super().__init__(scenario, seed if seed is not None else rng)
        self._bench_collect = getattr(self, "datacollector", None) is None
        if self._bench_collect:
            self.datacollector = mesa.DataCollector(
                model_reporters={name: _outcome_reporter(name) for name in OUTCOMES[1:]})
            self.datacollector.collect(self)

    def step(self) -> None:
        super().step()
        if self._bench_collect:
            self.datacollector.collect(self)
