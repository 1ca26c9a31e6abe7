"""Each PCN puts its pending requirements to its members, one after another: agreed, imposed or left (docs/ODD.md 7.3).

Being heard builds ownership: backers gain it, fully when the decision was
agreed and by `ownership.imposed_backer_gain` of that when it was imposed on
others; dissenters lose it. An imposition costs trust on every tie with a
dissenting end, leaves a memory of damage there (`damage.imposition_scar`)
and pushes each dissenter's values away from what was imposed (`damage.repulsion`).
"""

from __future__ import annotations

import numpy as np

from .. import rules
from ..jit import kernel, plain
from ..outcomes import C, T
from ..rules import (backs, forced, imposition_chance, openness, owned_less, owned_more, repelled, scarred, stake,
                     trust_lost)
from ..walk import active_edges, distance, proposal, trust_in_pcn

R = plain(rules)


@kernel
def decide(index, traits, schedule, members, ties, pcns, counters, p, week, draws, lay, tally):
    n_members, n_pcns, n_req = members.values.shape[1], pcns.decided.shape[1], schedule.arrival.shape[1]
    backing = np.zeros(n_members, np.bool_)
    proposed_values = np.zeros(members.values.shape[2])
    commit_p = np.zeros(3)
    v = p.values
    for b in range(members.values.shape[0]):
        u_commit = draws[b, lay.commit:lay.impose]
        u_impose = draws[b, lay.impose:lay.size]
        limit = active_edges(counters.joined, index.base_edges, index.src.shape[1], b)
        conf, tm, sa, ws = v.confidence[b], v.trust_modulation[b], v.stakes_amplification[b], v.workload_stakes[b]
        commit_p[0], commit_p[1], commit_p[2] = (
            p.decisions.commit_full[b], p.decisions.commit_specified[b], p.decisions.commit_observe[b])
        rate, imposed_gain = p.delivery.ownership_rate[b], p.ownership.imposed_backer_gain[b]
        scar, repulsion = p.damage.imposition_scar[b], p.damage.repulsion[b]
        members.overruled[b, :] = False
        for q in range(n_pcns):
            f = pcns.facilitation[b, q]
            first, last = index.pcn_start[b, q], index.pcn_start[b, q + 1]
            proposed = False
            for req in range(n_req):
                if pcns.decided[b, q, req] or schedule.arrival[b, req] >= week:
                    continue
                if not proposed:
                    proposal(index.pcn_start, index.pcn_members, members.engaged, traits.list_size, members.values,
                             b, q, f, proposed_values)
                    proposed = True
                unanimous, agreed = True, True
                for a in range(first, last):
                    i = index.pcn_members[b, a]
                    if not members.active[b, i]:
                        backing[i] = True
                        continue
                    if members.engaged[b, i]:
                        o = openness(trust_in_pcn(index.adj_start, index.adj_edge, index.cross, ties.trust, b, limit, i), tm)
                        s = stake(members.stakes[b, i], ws, members.unfunded[b, i])
                        d = distance(members.values, b, i, proposed_values, schedule.emphasis[b, req])
                        backing[i] = backs(d, s, sa, conf, o)
                        can_commit = u_commit[i] < commit_p[traits.authorisation[b, i]]
                    else:
                        backing[i], can_commit = True, True
                    unanimous = unanimous and backing[i]
                    agreed = agreed and backing[i] and can_commit
                chance = imposition_chance(f, p.leadership.impose_rate[b], pcns.behind[b, q], p.comparison.haste[b])
                directive = u_impose[q * n_req + req] < chance
                if not (agreed or forced(week, schedule.due[b, req, 0], p.decisions.decision_lead_weeks[b]) or directive):
                    continue
                pcns.decided[b, q, req] = True
                heard = rate if unanimous else rate * imposed_gain
                for a in range(first, last):
                    i = index.pcn_members[b, a]
                    if not members.active[b, i]:
                        continue
                    if not backing[i]:
                        members.overruled[b, i] = True
                        members.ownership[b, i] = owned_less(members.ownership[b, i], rate)
                        if repulsion > 0.0:
                            for k in range(proposed_values.shape[0]):
                                members.values[b, i, k] = repelled(members.values[b, i, k], proposed_values[k],
                                                                   repulsion)
                    elif members.engaged[b, i]:
                        members.ownership[b, i] = owned_more(members.ownership[b, i], heard)
                if unanimous:
                    tally[b, T.agreed_decisions] += 1
                    counters.totals[b, C.decisions_agreed] += 1
                    pcns.pcn_totals[b, q, C.decisions_agreed] += 1
                    continue
                tally[b, T.imposed_decisions] += 1
                counters.totals[b, C.decisions_imposed] += 1
                pcns.pcn_totals[b, q, C.decisions_imposed] += 1
                for a in range(index.pcn_edge_start[b, q], index.pcn_edge_start[b, q + 1]):
                    e = index.pcn_edges[b, a]
                    if e < limit and not (backing[index.src[b, e]] and backing[index.dst[b, e]]):
                        ties.trust[b, e] = trust_lost(ties.trust[b, e], p.trust.imposition_loss[b])
                        ties.scar[b, e] = scarred(ties.scar[b, e], scar)


def decide_reference(model, week, u, tally) -> None:
    sc = model.params
    limit = model.active_ties()
    commit = (sc.decisions.commit_full, sc.decisions.commit_specified, sc.decisions.commit_observe)
    rate = sc.delivery.ownership_rate
    n_req = len(model.requirements)
    for member in model.members:
        member.overruled = False
    for pcn in model.pcns:
        f = pcn.facilitation
        proposal_values = None
        for k, req in enumerate(model.requirements):
            if pcn.decided[k] or req.arrival >= week:
                continue
            if proposal_values is None:
                proposal_values = pcn.proposal(f)
            backing, unanimous, agreed = {}, True, True
            for member in pcn.members:
                if not member.active:
                    backing[member] = True
                    continue
                if member.engaged:
                    backing[member] = member.backs(proposal_values, req.emphasis, limit)
                    can_commit = u["commit"][member.index] < commit[member.authorisation]
                else:
                    backing[member], can_commit = True, True
                unanimous = unanimous and backing[member]
                agreed = agreed and backing[member] and can_commit
            chance = R.imposition_chance(f, sc.leadership.impose_rate, pcn.behind, sc.comparison.haste)
            directive = u["impose"][pcn.index * n_req + k] < chance
            if not (agreed or R.forced(week, req.stages[0][0], sc.decisions.decision_lead_weeks) or directive):
                continue
            pcn.decided[k] = True
            heard = rate if unanimous else rate * sc.ownership.imposed_backer_gain
            for member in pcn.members:
                if not member.active:
                    continue
                if not backing[member]:
                    member.overruled = True
                    member.ownership = R.owned_less(member.ownership, rate)
                    if sc.damage.repulsion > 0.0:
                        member.values = [R.repelled(value, proposed, sc.damage.repulsion)
                                         for value, proposed in zip(member.values, proposal_values)]
                elif member.engaged:
                    member.ownership = R.owned_more(member.ownership, heard)
            if unanimous:
                tally.agreed_decisions += 1
                model.totals[C.decisions_agreed] += 1
                pcn.pcn_totals[C.decisions_agreed] += 1
                continue
            tally.imposed_decisions += 1
            model.totals[C.decisions_imposed] += 1
            pcn.pcn_totals[C.decisions_imposed] += 1
            for tie in pcn.ties:
                if tie.index < limit and not (backing[tie.src] and backing[tie.dst]):
                    tie.trust = R.trust_lost(tie.trust, sc.trust.imposition_loss)
                    tie.scar = R.scarred(tie.scar, sc.damage.imposition_scar)
