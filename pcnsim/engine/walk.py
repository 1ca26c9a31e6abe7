"""Walks over a batch's arrays that several processes share: active ties, a member's ties, a PCN's members.

These are the kernels' half of traversal (CSR offsets, the active-tie limit,
row b of a batch); the per-agent reference walks its objects instead. They
take plain arrays: handing numba a whole state group costs a reference count
per array on every call.
"""

from __future__ import annotations

import math

import numpy as np

from .jit import kernel
from .rules import proposal_weight, square_gap, weighted_gap


@kernel
def active_edges(joined, base_edges, n_edges, b):
    """Ties 0..limit-1 are active: partners' ties (which come last) only once they have joined."""
    return n_edges if joined[b] else base_edges[b]


@kernel
def tie_mean(trust, b, limit):
    """Mean over the active ties (0 with none)."""
    total = 0.0
    for e in range(limit):
        total += trust[b, e]
    return total / limit if limit else 0.0


@kernel
def trust_in_pcn(adj_start, adj_edge, cross, trust, b, limit, i):
    """A member's mean trust over its active ties inside its PCN (0 with none); the same mean of any per-tie array."""
    total, count = 0.0, 0
    for a in range(adj_start[b, i], adj_start[b, i + 1]):
        e = adj_edge[b, a]
        if e < limit and not cross[b, e]:
            total += trust[b, e]
            count += 1
    return total / count if count > 0 else 0.0


@kernel
def tension_in_pcn(adj_start, adj_edge, cross, tension, b, limit, i):
    """A member's mean latent (unsaid) tension over its active ties inside its PCN (0 with none)."""
    return trust_in_pcn(adj_start, adj_edge, cross, tension, b, limit, i)


@kernel
def distance(values, b, i, proposal, emphasis):
    """Emphasis-weighted distance between a member's values and a proposal."""
    dist = 0.0
    for k in range(proposal.shape[0]):
        dist += weighted_gap(emphasis[k], values[b, i, k], proposal[k])
    return math.sqrt(dist)


@kernel
def proposal(pcn_start, pcn_members, engaged, list_size, values, b, q, f, out):
    """The PCN's proposal: its engaged members' values, weighted (rules.proposal_weight)."""
    out[:] = 0.0
    # An int64 count from the start: numba types a call while it still infers its arguments, and a count typed
    # Literal[int](0) for that moment would compile proposal_weight a second time.
    size, count = 0.0, np.int64(0)
    for a in range(pcn_start[b, q], pcn_start[b, q + 1]):
        i = pcn_members[b, a]
        if engaged[b, i]:
            size += list_size[b, i]
            count += 1
    if count == 0:
        return
    for a in range(pcn_start[b, q], pcn_start[b, q + 1]):
        i = pcn_members[b, a]
        if engaged[b, i]:
            w = proposal_weight(f, list_size[b, i], size, count)
            for k in range(out.shape[0]):
                out[k] += w * values[b, i, k]


@kernel
def find(parent, i):
    """Union-find root, with path halving."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@kernel
def clusters(pcn_start, pcn_members, active, values, b, q, tolerance, parent):
    """Opinion clusters in a PCN: members linked by chains of profiles within `tolerance` (single linkage)."""
    first, last = pcn_start[b, q], pcn_start[b, q + 1]
    dims = values.shape[2]
    limit = tolerance * tolerance * dims
    for a in range(first, last):
        parent[a] = a
    for a in range(first, last):
        i = pcn_members[b, a]
        if not active[b, i]:
            continue
        for c in range(a + 1, last):
            j = pcn_members[b, c]
            if not active[b, j]:
                continue
            sq = 0.0
            for k in range(dims):
                sq += square_gap(values[b, i, k], values[b, j, k])
            if sq <= limit:
                ra, rc = find(parent, a), find(parent, c)
                if ra != rc:
                    parent[max(ra, rc)] = min(ra, rc)
    count = 0
    for a in range(first, last):
        if active[b, pcn_members[b, a]] and find(parent, a) == a:
            count += 1
    return count


@kernel
def dispersion(values, active, b, first, last, members):
    """Root mean square distance of the active members' value profiles from their mean, per dimension."""
    dims = values.shape[2]
    centre = np.zeros(dims)
    count = 0
    for a in range(first, last):
        i = members[b, a]
        if active[b, i]:
            count += 1
            for k in range(dims):
                centre[k] += values[b, i, k]
    if count == 0:
        return 0.0
    for k in range(dims):
        centre[k] /= count
    sq = 0.0
    for a in range(first, last):
        i = members[b, a]
        if active[b, i]:
            for k in range(dims):
                sq += square_gap(centre[k], values[b, i, k])
    return math.sqrt(sq / count / dims)
