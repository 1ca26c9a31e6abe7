"""Capacity, mandate work, time left for relationships, and burnout.

Each practice has a nominal capacity of one practice-week per week, most of it
taken by core GP work (`core_demand`). Mandate work comes out of what is left;
a PCN focused on national mandates will also go beyond capacity (overtime) to
meet a deadline. Whatever spare time remains is time for relationships, which
is the chance a practice turns up to a meeting. Work beyond capacity builds
burnout; burnout cuts the discretionary margin and, past a point, the
practice disengages until it has recovered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scenario import Scenario
from .state import State


@dataclass
class Week:
    demand: float  # PCN-wide mandate effort asked for this week
    effort: np.ndarray  # (n,) mandate work each practice does
    delivered: float  # effort that counts towards requirements after ownership
    attendance: np.ndarray  # (n,) chance of turning up to a meeting


def cd_facilitation(scenario: Scenario, demand: float) -> float:
    """Facilitation the Clinical Director has time for, after partners and mandate admin."""
    lead = scenario.leadership
    free = lead.cd_wte * (1.0 - scenario.focus.partners) - lead.cd_admin * demand
    return lead.facilitation * float(np.clip(free / lead.cd_need, 0.0, 1.0))


def work(state: State, scenario: Scenario, rates: np.ndarray, funding: np.ndarray) -> Week:
    """Share the week's mandate work out by list size and record capacity and pressure."""
    dl, wb = scenario.delivery, scenario.wellbeing
    demand = float(rates.sum())
    engaged = state.engaged
    weight = np.where(engaged, state.list_size, 0.0)
    share = weight / weight.sum() if weight.sum() > 0 else weight
    output = demand * share
    # Passive compliance gets less done per hour, so it takes more hours for the same output.
    efficiency = state.ownership + (1.0 - state.ownership) * dl.compliance_efficiency
    hours = output / efficiency
    funded = float(rates @ funding) / demand if demand > 0 else 0.0
    support = 1.0 + scenario.focus.stabilise * dl.arrs_support
    # Burnout eats the discretionary margin above core work, not core work itself.
    margin = np.maximum(support - state.core_demand, 0.0) * (1.0 - wb.capacity_loss * state.burnout)
    state.capacity = state.core_demand + margin + funded * hours
    spare = np.maximum(state.capacity - state.core_demand, 0.0)
    effort = np.minimum(hours, spare + dl.overtime * scenario.focus.mandates)
    state.pressure = (state.core_demand + effort) / state.capacity
    state.unfunded = (1.0 - funded) * effort / state.capacity
    attendance = np.clip((spare - effort) / (1.0 - state.core_demand), 0.0, 1.0)
    delivered = np.where(effort >= hours, output, effort * efficiency)
    return Week(demand, effort, float(delivered.sum()), attendance)


def wear(state: State, scenario: Scenario) -> None:
    """Burnout grows with work beyond capacity and recovers below it; it drives disengagement."""
    wb = scenario.wellbeing
    over = np.maximum(state.pressure - 1.0, 0.0)
    recovering = state.pressure <= 1.0
    state.burnout = np.clip(state.burnout + wb.burnout_rate * over - wb.recovery_rate * state.burnout * recovering, 0.0, 1.0)
    state.engaged = np.where(state.engaged, state.burnout < wb.disengage_at, state.burnout < wb.reengage_at)
