"""A view of one run's state in the engine's arrays, row by row, for agents and displays."""

from __future__ import annotations

import numpy as np

from .kernels import Run


class State:
    """Attribute access to run 0 of a batch: `state.trust` is that run's (E,) trust array, a live view."""

    def __init__(self, run: Run, index: int = 0) -> None:
        self._run, self._index = run, index

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._run, name)[self._index]
