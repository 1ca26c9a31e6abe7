"""The model's state: plain numpy arrays, one row per practice or per edge.

Agents are views onto these arrays, and every process reads and writes them
directly, so a step is array work rather than a walk over Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class State:
    # per practice (n,) or (n, k)
    values: np.ndarray  # value profile over k motivations, each in [0, 1]
    stakes: np.ndarray  # autonomy / income stake in [0, 1]
    core_demand: np.ndarray  # share of nominal capacity taken by core GP work
    list_size: np.ndarray  # registered patients
    style: np.ndarray  # Thomas-Kilmann style, index into scenario.STYLES
    authorisation: np.ndarray  # index into scenario.AUTHORISATIONS
    ownership: np.ndarray  # in [0, 1]; above one half is active ownership
    burnout: np.ndarray  # in [0, 1]
    engaged: np.ndarray  # bool; False once burnout passes the disengagement point
    capacity: np.ndarray  # effective capacity this week (nominal 1)
    pressure: np.ndarray  # (core demand + mandate work) / capacity this week
    unfunded: np.ndarray  # share of this week's capacity going to unfunded mandate work
    # per edge (E,)
    src: np.ndarray
    dst: np.ndarray
    trust: np.ndarray  # in [0, 1]
    history: np.ndarray  # years of shared history
    tension: np.ndarray  # latent, unresolved tension (>= 0)
    # per requirement (R,)
    emphasis: np.ndarray  # (R, k) which motivations a requirement touches; rows sum to 1
    decided: np.ndarray  # bool
    done: np.ndarray  # effort delivered so far
