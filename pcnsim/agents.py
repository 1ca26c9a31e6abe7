"""Members of PCNs (general practices and partner organisations): Mesa agents that are views onto the model's state arrays."""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent

from .config import AUTHORISATIONS, STYLES
from .engine import rules

ENGAGEMENT = {rules.DISENGAGED: "disengaged", rules.OWNERSHIP: "ownership", rules.COMPLIANCE: "compliance"}


class Member(FixedAgent):
    """A general practice, or a partner organisation (`kind`). Its state lives in row `index` of the model's arrays."""

    def __init__(self, model: mesa.Model, index: int, cell) -> None:
        super().__init__(model)
        self.index = index
        self.cell = cell

    @property
    def kind(self) -> str:
        """"practice" or "partner" (a partner organisation takes part once it has joined its PCN)."""
        return "partner" if self.model.state.partner[self.index] else "practice"

    @property
    def values(self) -> np.ndarray:
        """Value profile, one entry per motivation (read-only copy)."""
        return self.model.state.values[self.index].copy()

    @property
    def value_profile(self) -> dict[str, float]:
        names = self.model.params.practices.value_dimensions
        return dict(zip(names, self.values.tolist()))

    @property
    def stake(self) -> float:
        return float(self.model.state.stakes[self.index])

    @property
    def list_size(self) -> float:
        return float(self.model.state.list_size[self.index])

    @property
    def style(self) -> str:
        return STYLES[self.model.state.style[self.index]]

    @property
    def authorisation(self) -> str:
        return AUTHORISATIONS[self.model.state.authorisation[self.index]]

    @property
    def capacity(self) -> float:
        return float(self.model.state.capacity[self.index])

    @property
    def burnout(self) -> float:
        return float(self.model.state.burnout[self.index])

    @property
    def ownership(self) -> float:
        return float(self.model.state.ownership[self.index])

    @property
    def engagement(self) -> str:
        """'disengaged', 'ownership' (active) or 'compliance' (passive)."""
        state = self.model.state
        return ENGAGEMENT[rules.engagement.py_func(bool(state.engaged[self.index]), float(state.ownership[self.index]))]

    def trust_in(self, other: "Member") -> float:
        """Trust on the edge to `other`; 0 where the two are not tied."""
        edge = self.model.edge_index.get((min(self.index, other.index), max(self.index, other.index)))
        return 0.0 if edge is None else float(self.model.state.trust[edge])

    def neighbours(self) -> list["Member"]:
        return [agent for cell in self.cell.neighborhood for agent in cell.agents]
