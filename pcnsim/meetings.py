"""Pairwise meetings: where values converge, conflict happens and trust is made or lost.

Each week `per_step` meetings are drawn, each on an edge chosen uniformly at
random, and applied one after another in draw order (sequential update), as in
Deffuant et al. (2000). Sequential order is chosen on purpose: with trust
modulation, stakes and mandates off it makes the value rule exactly the
Deffuant-Weisbuch random-pair model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .decisions import stakes
from .scenario import Scenario
from .state import State


@dataclass
class MeetingCounts:
    held: int = 0
    agreements: int = 0
    conflicts: int = 0
    intensity: float = 0.0  # summed over conflicts
    productive: int = 0
    avoided: int = 0
    destructive: int = 0


def history_factor(history: np.ndarray, scale_years: float) -> np.ndarray:
    """How readily trust builds on an edge: one half with no shared history, rising to one."""
    return 0.5 + 0.5 * (1.0 - np.exp(-history / scale_years))


def hold_meetings(
    state: State,
    scenario: Scenario,
    attendance: np.ndarray,
    facilitation: float,
    edge_propensity: np.ndarray,
    picks: np.ndarray,
    draws: np.ndarray,
) -> MeetingCounts:
    """Apply the week's meetings in order. `picks` are edge indices, `draws` uniforms of shape (K, 2)."""
    v, t, c = scenario.values, scenario.trust, scenario.leadership
    counts = MeetingCounts()
    values, trust, tension = state.values, state.trust, state.tension
    src, dst, engaged, ownership = state.src, state.dst, state.engaged, state.ownership
    at_stake = stakes(state, scenario)
    k = values.shape[1]
    build = history_factor(state.history, t.history_scale_years)
    loss = t.loss * (1.0 - c.facilitation_protects * facilitation)
    own_rate = scenario.delivery.meeting_ownership_rate
    for e, (u_attend, u_mode) in zip(picks.tolist(), draws.tolist()):
        i, j = src[e], dst[e]
        if not (engaged[i] and engaged[j]) or u_attend >= attendance[i] * attendance[j]:
            continue
        counts.held += 1
        diff = values[j] - values[i]
        distance = float(np.sqrt(diff @ diff / k))
        intensity = distance * (1.0 + v.stakes_amplification * 0.5 * (at_stake[i] + at_stake[j]))
        trust_e = float(trust[e])
        openness = 1.0 - v.trust_modulation * (1.0 - trust_e)
        bound = v.confidence * openness
        if intensity < bound:
            step = v.convergence * openness * diff
            values[i] += step
            values[j] -= step
            trust[e] = trust_e + t.gain * build[e] * (1.0 - trust_e)
            ownership[i] += own_rate * (1.0 - ownership[i])
            ownership[j] += own_rate * (1.0 - ownership[j])
            counts.agreements += 1
            continue
        counts.conflicts += 1
        counts.intensity += intensity
        p, a, d = edge_propensity[e]
        w_productive = p * (0.5 + trust_e) * (0.5 + facilitation)
        w_avoided = a
        w_destructive = d * (1.5 - trust_e) * (1.5 - facilitation) * (1.0 + tension[e])
        pick = u_mode * (w_productive + w_avoided + w_destructive)
        if pick < w_productive:
            trust[e] = trust_e + t.gain * t.productive_ratio * build[e] * (1.0 - trust_e)
            tension[e] *= 1.0 - scenario.conflict.tension_resolve
            counts.productive += 1
        elif pick < w_productive + w_avoided:
            tension[e] += intensity - bound
            counts.avoided += 1
        else:
            trust[e] = trust_e - loss * min(1.0, intensity) * trust_e
            counts.destructive += 1
    return counts
