"""A scenario over many seeds, in batches: one long table of outcome rows with a `seed` column."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..config import Scenario
from ..engine.batch import simulate

BATCH = 50  # runs stepped together between progress reports


def replicate(scenario: Scenario, seeds: list[int], progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Run a scenario once per seed (in batches); one long table with a `seed` column."""
    frames = []
    for start in range(0, len(seeds), BATCH):
        chunk = seeds[start:start + BATCH]
        for seed, result in zip(chunk, simulate([scenario] * len(chunk), chunk, named=True)):
            if isinstance(result, Exception):
                raise result
            frames.append(result.assign(seed=seed))
        if progress:
            progress(start + len(chunk))
    return pd.concat(frames, ignore_index=True)
