"""The outcomes: each run's national row every week, and its per-PCN rows (docs/ODD.md 7.9).

Measurement only observes. `wanted` (one flag per national outcome) lets a
run skip the costly outcomes nobody asked for; what it does record is the same.
"""

from __future__ import annotations

import math

import numpy as np

from .. import rules
from ..jit import kernel, plain
from ..outcomes import NATIONAL, OUTCOMES, PCN_OUTCOMES, C, N, P, T
from ..rules import (COMPLIANCE, DISENGAGED, OWNERSHIP, WEEKS_PER_YEAR, alignment, backs, ceiling, engagement,
                     openness, stake)
from ..state import JOINT_EFFORT, JOINT_VALUE
from ..walk import active_edges, clusters, dispersion, distance, find, proposal, tie_mean, trust_in_pcn

R = plain(rules)
EVERY = np.ones(len(NATIONAL), np.bool_)  # `wanted` when every outcome is recorded


@kernel
def practice_sums(partner, engaged, ownership, capacity_, pressure_, burnout_, time_lost, b, who, classes):
    """Over the practices among members `who` (partners aside), in that order: how many, how many in each
    engagement class (into `classes`), and their summed capacity, pressure, burnout, relationship time lost and
    ownership.
    Plain arrays, not the Members group: a namedtuple argument costs about 300 ns a call, once per run-week here."""
    classes[:] = 0
    practices, capacity, pressure, burnout, lost, owned = 0, 0.0, 0.0, 0.0, 0.0, 0.0
    for i in who:
        if partner[b, i]:
            continue
        practices += 1
        classes[engagement(engaged[b, i], ownership[b, i])] += 1
        capacity += capacity_[b, i]
        pressure += pressure_[b, i]
        burnout += burnout_[b, i]
        lost += time_lost[b, i]
        owned += ownership[b, i]
    return practices, capacity, pressure, burnout, lost, owned


@kernel
def purpose_of(index, traits, members, ties, pcns, p, b, q, limit, proposed, even):
    """Over a PCN's practices: how many back its proposal on an evenly weighted matter, and their summed
    purpose alignment with it (a disengaged practice backs nothing and counts 0)."""
    v = p.values
    conf, tm, sa, ws = v.confidence[b], v.trust_modulation[b], v.stakes_amplification[b], v.workload_stakes[b]
    proposal(index.pcn_start, index.pcn_members, members.engaged, traits.list_size, members.values, b, q,
             pcns.facilitation[b, q], proposed)
    backing, aligned = 0, 0.0
    for a in range(index.pcn_start[b, q], index.pcn_start[b, q + 1]):
        i = index.pcn_members[b, a]
        if index.partner[b, i] or not members.engaged[b, i]:
            continue
        o = openness(trust_in_pcn(index.adj_start, index.adj_edge, index.cross, ties.trust, b, limit, i), tm)
        d = distance(members.values, b, i, proposed, even)
        s = stake(members.stakes[b, i], ws, members.unfunded[b, i])
        if backs(d, s, sa, conf, o):
            backing += 1
        aligned += alignment(d, s, sa, conf, o)
    return backing, aligned


@kernel
def measure(index, traits, members, ties, pcns, counters, p, week, tally, wanted, out):
    n_members, n_pcns, dims = members.values.shape[1], pcns.decided.shape[1], members.values.shape[2]
    parent = np.zeros(n_members, np.int64)
    proposed = np.zeros(dims)
    even = np.full(dims, 1.0 / dims)
    classes = np.zeros(3, np.int64)
    everyone = np.arange(n_members)
    v = p.values
    for b in range(members.values.shape[0]):
        row = out[b]
        limit = active_edges(counters.joined, index.base_edges, index.src.shape[1], b)
        trust_min, tension_sum, ceiling_sum = np.inf, 0.0, 0.0
        for e in range(limit):
            trust_min = min(trust_min, ties.trust[b, e])
            tension_sum += ties.tension[b, e]
            ceiling_sum += ceiling(ties.scar[b, e])
        mean_trust = tie_mean(ties.trust, b, limit)
        if wanted[N.trusted_components]:
            for i in range(n_members):
                parent[i] = i
            for e in range(limit):
                if ties.trust[b, e] >= p.trust.trusted_threshold[b]:
                    ri, rj = find(parent, index.src[b, e]), find(parent, index.dst[b, e])
                    if ri != rj:
                        parent[max(ri, rj)] = min(ri, rj)
            components = 0
            for i in range(n_members):
                if members.active[b, i] and find(parent, i) == i:
                    components += 1
            row[N.trusted_components] = components
        n_clusters, backing, aligned = 0, 0, 0.0
        joint_value, joint_effort = 0.0, 0.0
        for q in range(n_pcns):
            joint_value += pcns.joint_work[b, q, JOINT_VALUE]
            joint_effort += pcns.joint_work[b, q, JOINT_EFFORT]
            if wanted[N.n_clusters]:
                n_clusters += clusters(index.pcn_start, index.pcn_members, members.active, members.values, b, q,
                                       v.cluster_tolerance[b], parent)
            if wanted[N.shared_purpose] or wanted[N.purpose_strength]:
                backs_q, aligned_q = purpose_of(index, traits, members, ties, pcns, p, b, q, limit, proposed, even)
                backing += backs_q
                aligned += aligned_q
        practices, capacity, pressure, burnout, lost, owned = practice_sums(
            index.partner, members.engaged, members.ownership, members.capacity, members.pressure, members.burnout,
            members.time_lost, b, everyone, classes)
        believe, truly, falsely, poor, ics_trust = 0, 0, 0, 0, 0.0
        for q in range(n_pcns):
            ics_trust += pcns.ics_trust[b, q]
            poor += 1 if pcns.ics_trust[b, q] < p.ics.poor_below[b] else 0
            believe += 1 if pcns.behind[b, q] else 0
            truly += 1 if pcns.truly_behind[b, q] else 0
            falsely += 1 if (pcns.behind[b, q] and not pcns.truly_behind[b, q]) else 0
        agreement = counters.agreement[b]
        row[N.step] = week
        row[N.mean_trust] = mean_trust
        row[N.min_trust] = trust_min if limit else 0.0
        row[N.trust_growth] = (mean_trust - counters.last_trust[b]) * WEEKS_PER_YEAR if week > 0 else 0.0
        if wanted[N.value_dispersion]:
            # From an int64 first member, as measure_pcns passes (a literal 0 would compile dispersion twice).
            row[N.value_dispersion] = dispersion(members.values, members.active, b, np.int64(0), n_members,
                                                 index.pcn_members)
        row[N.n_clusters] = n_clusters
        row[N.agreement_share] = agreement[0] / agreement[1] if agreement[1] > 0 else np.nan
        row[N.shared_purpose] = backing / practices
        row[N.decisions_agreed] = counters.totals[b, C.decisions_agreed]
        row[N.decisions_imposed] = counters.totals[b, C.decisions_imposed]
        row[N.meetings] = tally[b, T.held]
        row[N.conflict_episodes] = tally[b, T.conflicts]
        row[N.conflict_intensity] = tally[b, T.intensity] / tally[b, T.conflicts] if tally[b, T.conflicts] > 0 else 0.0
        row[N.conflict_productive] = tally[b, T.productive]
        row[N.conflict_avoided] = tally[b, T.avoided]
        row[N.conflict_destructive] = tally[b, T.destructive]
        row[N.latent_tension] = tension_sum / limit if limit else 0.0
        row[N.mandate_demand] = tally[b, T.demand]
        row[N.milestones_due] = counters.totals[b, C.milestones_due]
        row[N.milestones_met] = counters.totals[b, C.milestones_met]
        row[N.ownership] = classes[OWNERSHIP] / practices
        row[N.passive_compliance] = classes[COMPLIANCE] / practices
        row[N.disengaged] = classes[DISENGAGED] / practices
        row[N.capacity] = capacity / practices
        row[N.pressure] = pressure / practices
        row[N.burnout] = burnout / practices
        row[N.believe_behind] = believe / n_pcns
        row[N.truly_behind] = truly / n_pcns
        row[N.false_urgency] = falsely / n_pcns
        row[N.relationship_time_lost] = lost / practices
        row[N.joint_value] = joint_value
        row[N.joint_effort] = joint_effort
        row[N.joint_quality] = joint_value / joint_effort if joint_effort > 0.0 else np.nan
        row[N.broken_agreements] = counters.totals[b, C.broken_agreements]
        row[N.mean_ownership] = owned / practices
        row[N.purpose_strength] = aligned / practices
        row[N.trust_ceiling] = ceiling_sum / limit if limit else 1.0
        row[N.ics_trust] = ics_trust / n_pcns
        row[N.ics_poor] = poor / n_pcns


@kernel
def measure_pcns(index, traits, members, ties, pcns, counters, p, out):
    """Per-PCN outcomes of every run now: `out` is (B, P, PCN_OUTCOMES)."""
    parent = np.zeros(members.values.shape[1], np.int64)
    classes = np.zeros(3, np.int64)
    dims = members.values.shape[2]
    proposed = np.zeros(dims)
    even = np.full(dims, 1.0 / dims)
    for b in range(members.values.shape[0]):
        limit = active_edges(counters.joined, index.base_edges, index.src.shape[1], b)
        for q in range(pcns.decided.shape[1]):
            first, last = index.pcn_start[b, q], index.pcn_start[b, q + 1]
            trust_sum, n_edges = 0.0, 0
            for a in range(index.pcn_edge_start[b, q], index.pcn_edge_start[b, q + 1]):
                e = index.pcn_edges[b, a]
                if e < limit:
                    trust_sum += ties.trust[b, e]
                    n_edges += 1
            population = 0.0
            for a in range(first, last):
                i = index.pcn_members[b, a]
                if not index.partner[b, i]:
                    population += traits.list_size[b, i]
            practices, _, pressure, burnout, _, owned = practice_sums(
                index.partner, members.engaged, members.ownership, members.capacity, members.pressure,
                members.burnout, members.time_lost, b, index.pcn_members[b, first:last], classes)
            row = out[b, q]
            row[P.population] = population
            row[P.mean_trust] = trust_sum / n_edges if n_edges else np.nan
            row[P.value_dispersion] = dispersion(members.values, members.active, b, first, last, index.pcn_members)
            row[P.n_clusters] = clusters(index.pcn_start, index.pcn_members, members.active, members.values, b, q,
                                         p.values.cluster_tolerance[b], parent)
            row[P.decisions_agreed] = pcns.pcn_totals[b, q, C.decisions_agreed]
            row[P.decisions_imposed] = pcns.pcn_totals[b, q, C.decisions_imposed]
            row[P.milestones_due] = pcns.pcn_totals[b, q, C.milestones_due]
            row[P.milestones_met] = pcns.pcn_totals[b, q, C.milestones_met]
            row[P.progress] = pcns.progress[b, q]
            row[P.believes_behind] = 1.0 if pcns.behind[b, q] else 0.0
            row[P.truly_behind] = 1.0 if pcns.truly_behind[b, q] else 0.0
            row[P.ownership] = classes[OWNERSHIP] / practices
            row[P.passive_compliance] = classes[COMPLIANCE] / practices
            row[P.disengaged] = classes[DISENGAGED] / practices
            row[P.burnout] = burnout / practices
            row[P.pressure] = pressure / practices
            row[P.facilitation] = pcns.facilitation[b, q]
            row[P.joint_value] = pcns.joint_work[b, q, JOINT_VALUE]
            row[P.joint_effort] = pcns.joint_work[b, q, JOINT_EFFORT]
            row[P.broken_agreements] = pcns.pcn_totals[b, q, C.broken_agreements]
            row[P.mean_ownership] = owned / practices
            row[P.purpose_strength] = purpose_of(index, traits, members, ties, pcns, p, b, q, limit, proposed,
                                                 even)[1] / practices
            row[P.ics_trust] = pcns.ics_trust[b, q]


# ---------------------------------------------------------------- the reference's reading


def _classes(practices) -> list[int]:
    classes = [0, 0, 0]
    for member in practices:
        classes[R.engagement(member.engaged, member.ownership)] += 1
    return classes


def measure_reference(model, week, tally) -> dict:
    """This week's national outcomes of a reference model, by name."""
    sc = model.params
    limit = model.active_ties()
    trust_sum, trust_min, tension_sum, ceiling_sum = 0.0, math.inf, 0.0, 0.0
    for tie in model.ties[:limit]:
        trust_sum += tie.trust
        trust_min = min(trust_min, tie.trust)
        tension_sum += tie.tension
        ceiling_sum += R.ceiling(tie.scar)
    mean_trust = trust_sum / limit if limit else 0.0
    trusted = [(tie.src, tie.dst) for tie in model.ties[:limit] if tie.trust >= sc.trust.trusted_threshold]
    dims = len(model.members[0].values)
    even = [1.0 / dims] * dims
    n_clusters, backing, aligned, joint_value, joint_effort = 0, 0, 0.0, 0.0, 0.0
    for pcn in model.pcns:
        joint_value += pcn.joint_work[JOINT_VALUE]
        joint_effort += pcn.joint_work[JOINT_EFFORT]
        n_clusters += pcn.clusters(sc.values.cluster_tolerance)
        backs_q, aligned_q = _purpose(pcn, even, limit)
        backing += backs_q
        aligned += aligned_q
    practices = [member for member in model.members if not member.partner]
    classes = _classes(practices)
    capacity, pressure, burnout, lost, owned = 0.0, 0.0, 0.0, 0.0, 0.0
    for member in practices:
        capacity += member.capacity
        pressure += member.pressure
        burnout += member.burnout
        lost += member.time_lost
        owned += member.ownership
    n, n_pcns = len(practices), len(model.pcns)
    agreement = model.agreement
    ics_trust = 0.0
    for pcn in model.pcns:
        ics_trust += pcn.ics_trust
    values = {
        "step": week,
        "mean_trust": mean_trust,
        "min_trust": trust_min if limit else 0.0,
        "trust_growth": (mean_trust - model.last_trust) * WEEKS_PER_YEAR if week > 0 else 0.0,
        "trusted_components": model.components([member for member in model.members if member.active], trusted),
        "value_dispersion": model.dispersion([member for pcn in model.pcns for member in pcn.members]),  # PCN order
        "n_clusters": n_clusters,
        "agreement_share": agreement[0] / agreement[1] if agreement[1] > 0 else math.nan,
        "shared_purpose": backing / n,
        "decisions_agreed": model.totals[C.decisions_agreed],
        "decisions_imposed": model.totals[C.decisions_imposed],
        "meetings": tally.held,
        "conflict_episodes": tally.conflicts,
        "conflict_intensity": tally.intensity / tally.conflicts if tally.conflicts > 0 else 0.0,
        "conflict_productive": tally.productive,
        "conflict_avoided": tally.avoided,
        "conflict_destructive": tally.destructive,
        "latent_tension": tension_sum / limit if limit else 0.0,
        "mandate_demand": tally.demand,
        "milestones_due": model.totals[C.milestones_due],
        "milestones_met": model.totals[C.milestones_met],
        "ownership": classes[OWNERSHIP] / n,
        "passive_compliance": classes[COMPLIANCE] / n,
        "disengaged": classes[DISENGAGED] / n,
        "capacity": capacity / n,
        "pressure": pressure / n,
        "burnout": burnout / n,
        "believe_behind": sum(1 for pcn in model.pcns if pcn.behind) / n_pcns,
        "truly_behind": sum(1 for pcn in model.pcns if pcn.truly_behind) / n_pcns,
        "false_urgency": sum(1 for pcn in model.pcns if pcn.behind and not pcn.truly_behind) / n_pcns,
        "relationship_time_lost": lost / n,
        "joint_value": joint_value,
        "joint_effort": joint_effort,
        "joint_quality": joint_value / joint_effort if joint_effort > 0.0 else math.nan,
        "broken_agreements": model.totals[C.broken_agreements],
        "mean_ownership": owned / n,
        "purpose_strength": aligned / n,
        "trust_ceiling": ceiling_sum / limit if limit else 1.0,
        "ics_trust": ics_trust / n_pcns,
        "ics_poor": sum(1 for pcn in model.pcns if pcn.ics_trust < sc.ics.poor_below) / n_pcns,
    }
    return {name: values[name] for name in OUTCOMES}


def _purpose(pcn, even, limit) -> tuple[int, float]:
    """Over a PCN's practices: how many back its proposal on an evenly weighted matter, and their summed alignment."""
    proposed = pcn.proposal(pcn.facilitation)
    backing, aligned = 0, 0.0
    for member in pcn.members:
        if member.partner or not member.engaged:
            continue
        if member.backs(proposed, even, limit):
            backing += 1
        aligned += member.alignment(proposed, even, limit)
    return backing, aligned


def measure_pcns_reference(model) -> list[dict]:
    """Each PCN's outcomes now, by name."""
    limit = model.active_ties()
    dims = len(model.members[0].values)
    even = [1.0 / dims] * dims
    rows = []
    for pcn in model.pcns:
        ties = [tie for tie in pcn.ties if tie.index < limit]
        trust_sum = 0.0
        for tie in ties:
            trust_sum += tie.trust
        practices = [member for member in pcn.members if not member.partner]
        classes = _classes(practices)
        population, burnout, pressure, owned = 0.0, 0.0, 0.0, 0.0
        for member in practices:
            population += member.list_size
            burnout += member.burnout
            pressure += member.pressure
            owned += member.ownership
        n = len(practices)
        values = {
            "population": population,
            "mean_trust": trust_sum / len(ties) if ties else math.nan,
            "value_dispersion": model.dispersion(pcn.members),
            "n_clusters": pcn.clusters(model.params.values.cluster_tolerance),
            **{name: pcn.pcn_totals[C[name]] for name in C.__members__},
            "progress": pcn.progress,
            "believes_behind": 1.0 if pcn.behind else 0.0,
            "truly_behind": 1.0 if pcn.truly_behind else 0.0,
            "ownership": classes[OWNERSHIP] / n,
            "passive_compliance": classes[COMPLIANCE] / n,
            "disengaged": classes[DISENGAGED] / n,
            "burnout": burnout / n,
            "pressure": pressure / n,
            "facilitation": pcn.facilitation,
            "joint_value": pcn.joint_work[JOINT_VALUE],
            "joint_effort": pcn.joint_work[JOINT_EFFORT],
            "mean_ownership": owned / n,
            "purpose_strength": _purpose(pcn, even, limit)[1] / n,
            "ics_trust": pcn.ics_trust,
        }
        rows.append({name: values[name] for name in PCN_OUTCOMES})
    return rows
