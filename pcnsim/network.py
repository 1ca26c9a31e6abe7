"""The PCN's relationship graph: which practices work with which, and for how long."""

from __future__ import annotations

import networkx as nx
import numpy as np

from .scenario import Network


def build_graph(spec: Network, rng: np.random.Generator) -> nx.Graph:
    """A graph with integer practice ids 0..n-1, seeded from the model's generator."""
    n = spec.practices
    # networkx takes an integer seed; derive it from the model's stream so runs reproduce.
    seed = int(rng.integers(2**31))
    if spec.topology == "complete":
        graph = nx.complete_graph(n)
    elif spec.topology == "small_world":
        graph = nx.connected_watts_strogatz_graph(n, spec.degree, spec.rewire, tries=1000, seed=seed)
    else:
        graph = nx.gnm_random_graph(n, n * spec.degree // 2, seed=seed)
    return graph


def edge_arrays(graph: nx.Graph) -> tuple[np.ndarray, np.ndarray]:
    """Edge endpoints as two sorted integer arrays (u < v), in a fixed order."""
    pairs = sorted((min(u, v), max(u, v)) for u, v in graph.edges())
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ends = np.array(pairs, dtype=np.int64)
    return ends[:, 0].copy(), ends[:, 1].copy()
