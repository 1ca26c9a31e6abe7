"""PCN decisions on national requirements: by agreement, or imposed over dissent.

A requirement must be decided before work on it starts. Each week every
pending requirement is put to the practices. It is decided by agreement when
every engaged practice backs it and every representative can commit this
week; otherwise a directive Clinical Director may decide it, and a deadline
forces it. A decision taken while some engaged practice dissents is imposed:
the dissenters comply but do not own it, and their ties lose trust. Those who
backed it own it, however it was taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mandates import Schedule
from .scenario import Scenario
from .state import State


@dataclass
class DecisionCounts:
    agreed: int = 0
    imposed: int = 0


def stakes(state: State, scenario: Scenario) -> np.ndarray:
    """What a practice has at stake: its autonomy / income stake plus the unfunded work it is carrying."""
    return state.stakes + scenario.values.workload_stakes * state.unfunded


def voice_weights(state: State, facilitation: float) -> np.ndarray:
    """Whose values shape a proposal: list size under directive leadership, everyone equally under facilitative."""
    engaged = state.engaged.astype(float)
    if engaged.sum() == 0:
        return engaged
    by_size = state.list_size * engaged / (state.list_size * engaged).sum()
    equal = engaged / engaged.sum()
    return (1.0 - facilitation) * by_size + facilitation * equal


def mean_trust(state: State) -> np.ndarray:
    """Each practice's mean trust in the practices it is tied to."""
    n = len(state.stakes)
    total = np.bincount(state.src, state.trust, n) + np.bincount(state.dst, state.trust, n)
    degree = np.bincount(state.src, minlength=n) + np.bincount(state.dst, minlength=n)
    return np.divide(total, degree, out=np.zeros(n), where=degree > 0)


def support(state: State, scenario: Scenario, emphasis: np.ndarray, facilitation: float) -> np.ndarray:
    """(R, n) whether each practice backs the PCN's proposal on each of R matters.

    `emphasis` (R, k) says how much each motivation weighs in each matter.
    """
    v = scenario.values
    proposal = voice_weights(state, facilitation) @ state.values  # (k,)
    gap = (state.values - proposal) ** 2  # (n, k)
    distance = np.sqrt(emphasis @ gap.T)  # (R, n)
    openness = 1.0 - v.trust_modulation * (1.0 - mean_trust(state))
    return distance * (1.0 + v.stakes_amplification * stakes(state, scenario)) < v.confidence * openness


def decide(
    state: State,
    scenario: Scenario,
    schedule: Schedule,
    week: int,
    facilitation: float,
    u_commit: np.ndarray,
    u_impose: np.ndarray,
) -> DecisionCounts:
    """Take this week's decisions; `u_commit` is (R, n) and `u_impose` (R,) uniform draws."""
    d, counts = scenario.decisions, DecisionCounts()
    pending = (schedule.arrival < week) & ~state.decided
    if not pending.any():
        return counts
    rows = np.flatnonzero(pending)
    backs = support(state, scenario, state.emphasis[pending], facilitation) | ~state.engaged
    commit_p = np.array([d.commit_full, d.commit_specified, d.commit_observe])[state.authorisation]
    unanimous = backs.all(axis=1)
    # Agreement also needs every representative able to commit this week.
    agreed_now = (backs & ((u_commit[rows] < commit_p) | ~state.engaged)).all(axis=1)
    forced = week >= schedule.due[rows, 0] - d.decision_lead_weeks
    directive = u_impose[rows] < (1.0 - facilitation) * scenario.leadership.impose_rate
    rate = scenario.delivery.ownership_rate
    for row, r in enumerate(rows):
        if not (agreed_now[row] or forced[row] or directive[row]):
            continue
        state.decided[r] = True
        owns = backs[row] & state.engaged
        dissent = ~backs[row]
        state.ownership += np.where(owns, rate * (1.0 - state.ownership), 0.0)
        state.ownership -= np.where(dissent, rate * state.ownership, 0.0)
        if unanimous[row]:
            counts.agreed += 1
            continue
        counts.imposed += 1
        touched = dissent[state.src] | dissent[state.dst]
        state.trust -= np.where(touched, scenario.trust.imposition_loss * state.trust, 0.0)
    return counts
