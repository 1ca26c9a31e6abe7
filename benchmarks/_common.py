"""What benchmarks/run.py and the batch_run adapter share: which reference model, and how to read its outcomes.

The model class is `pcnsim.reference:ReferenceModel` unless the environment
variable PCNSIM_BENCH_REFERENCE names another `module:Class` taking
`(scenario, seed)` (e.g. `pcnsim.model:PCNModel`, to check the plumbing).
"""

from __future__ import annotations

import importlib
import os

REFERENCE = os.environ.get("PCNSIM_BENCH_REFERENCE", "pcnsim.reference:ReferenceModel")


def reference_class() -> type:
    module, _, name = REFERENCE.partition(":")
    return getattr(importlib.import_module(module), name)


def outcomes_of(model) -> dict | None:
    """This week's national outcomes of a model by name: its `outcomes` (a dict or a row) or its last of `rows`."""
    from pcnsim.engine.outcomes import OUTCOMES

    outcomes = getattr(model, "outcomes", None)
    if outcomes is None:  # pcnsim.reference keeps one dict per week in `rows`
        rows = getattr(model, "rows", None)
        return rows[-1] if rows else None
    if isinstance(outcomes, dict):
        return outcomes
    return dict(zip(OUTCOMES, list(outcomes)))
