"""The per-agent reference model in the shape `mesa.batch_run` needs: keyword parameters and a datacollector.

`mesa.batch_run` (Mesa 3.5.1) builds each run as `model_cls(**kwargs, seed=...)`
(it passes `seed=` when the class's signature has a `seed` parameter, else
`rng=`), steps it `max_steps` times and reads `model.datacollector`. Its pool
uses the spawn start method, so this class lives in a module of its own that
the workers can import (benchmarks/ is on their sys.path, as it is the
script's folder). The model class is `_common.reference_class()`.
"""

from __future__ import annotations

from pathlib import Path

import mesa
from _common import outcomes_of, reference_class

from pcnsim import load
from pcnsim.engine.outcomes import OUTCOMES

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


def _outcome_reporter(name: str):
    def report(model) -> float:
        return outcomes_of(model)[name]

    return report


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
