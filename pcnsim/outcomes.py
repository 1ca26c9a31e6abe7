"""Outcome measures computed from the state each week (defined in docs/ODD.md, section 7)."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

COLUMNS = (
    "step",
    "mean_trust", "min_trust", "trust_growth", "trusted_components",
    "value_dispersion", "n_clusters", "agreement_share", "shared_purpose",
    "decisions_agreed", "decisions_imposed",
    "meetings", "conflict_episodes", "conflict_intensity",
    "conflict_productive", "conflict_avoided", "conflict_destructive", "latent_tension",
    "mandate_demand", "milestones_due", "milestones_met",
    "ownership", "passive_compliance", "disengaged",
    "capacity", "pressure", "burnout",
)


def components(n: int, src: np.ndarray, dst: np.ndarray) -> int:
    """Number of connected components of an undirected graph given by its edge list.

    Min-label propagation with pointer jumping: cheap for a PCN of five and
    still fast for thousands of practices (the loop runs about log(diameter) times).
    """
    labels = np.arange(n)
    while True:
        low = np.minimum(labels[src], labels[dst])
        new = labels.copy()
        np.minimum.at(new, src, low)
        np.minimum.at(new, dst, low)
        new = new[new]
        if np.array_equal(new, labels):
            return int(np.count_nonzero(labels == np.arange(n)))
        labels = new


def dispersion(values: np.ndarray) -> float:
    """Root mean square distance of the value profiles from their mean, per dimension."""
    centred = values - values.mean(axis=0)
    return float(np.sqrt((centred**2).sum(axis=1).mean() / values.shape[1]))


def clusters(values: np.ndarray, tolerance: float) -> int:
    """Opinion clusters: groups linked by chains of profiles closer than `tolerance` (single linkage)."""
    n, k = values.shape
    pairs = cKDTree(values).query_pairs(tolerance * np.sqrt(k), output_type="ndarray")
    return components(n, pairs[:, 0], pairs[:, 1])
