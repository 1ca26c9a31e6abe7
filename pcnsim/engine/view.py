"""A view of one run's state in the engine's arrays, field by field, for agents and displays."""

from __future__ import annotations

import numpy as np

from .state import GROUPS, State

GROUP_OF = {field: name for name, group in GROUPS.items() for field in group._fields}


class View:
    """Attribute access to run `index` of a batch: `view.trust` is that run's (E,) trust array, a live view."""

    def __init__(self, state: State, index: int = 0) -> None:
        self._state, self._index = state, index

    def __getattr__(self, name: str) -> np.ndarray:
        if name not in GROUP_OF:
            raise AttributeError(name)
        return getattr(getattr(self._state, GROUP_OF[name]), name)[self._index]
