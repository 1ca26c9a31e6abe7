"""Partners join their PCN (docs/ODD.md 7.10): ties to them start from their practice's trust in the PCN, in part."""

from __future__ import annotations

from .. import rules
from ..jit import kernel, plain
from ..rules import autonomy_lost, trust_transferred
from ..walk import trust_in_pcn

R = plain(rules)


@kernel
def join_partners(index, traits, members, ties, counters, p, week):
    n_edges, n_pcns = index.src.shape[1], index.pcn_start.shape[1] - 1
    for b in range(members.values.shape[0]):
        if counters.joined[b] or index.base_edges[b] == n_edges or week < p.partners.join_week[b]:
            continue
        limit = index.base_edges[b]
        tau = p.partners.trust_transfer[b]
        for e in range(limit, n_edges):
            i = index.src[b, e]
            if not index.partner[b, i]:  # ties between partners keep their trust
                felt = trust_in_pcn(index.adj_start, index.adj_edge, index.cross, ties.trust, b, limit, i)
                ties.trust[b, e] = trust_transferred(ties.trust[b, e], tau, felt)
            ties.history[b, e] = 0.0
        for q in range(n_pcns):
            # Practices lose influence over PCN decisions in proportion to the partners' voice (001).
            voice, total = 0.0, 0.0
            for a in range(index.pcn_start[b, q], index.pcn_start[b, q + 1]):
                i = index.pcn_members[b, a]
                total += traits.list_size[b, i]
                if index.partner[b, i]:
                    voice += traits.list_size[b, i]
            for a in range(index.pcn_start[b, q], index.pcn_start[b, q + 1]):
                i = index.pcn_members[b, a]
                if index.partner[b, i]:
                    members.active[b, i] = True
                    members.engaged[b, i] = True
                else:
                    members.stakes[b, i] = autonomy_lost(members.stakes[b, i], p.partners.autonomy_cost[b], voice, total)
        counters.joined[b] = True


def join_partners_reference(model, week, u, tally) -> None:
    pa = model.params.partners
    if model.joined or model.base_edges == len(model.ties) or week < pa.join_week:
        return
    limit, tau = model.base_edges, pa.trust_transfer
    for tie in model.ties[limit:]:
        if not tie.src.partner:
            tie.trust = R.trust_transferred(tie.trust, tau, tie.src.mean_trust(limit))
        tie.history = 0.0
    for pcn in model.pcns:
        voice, total = 0.0, 0.0
        for member in pcn.members:
            total += member.list_size
            if member.partner:
                voice += member.list_size
        for member in pcn.members:
            if member.partner:
                member.active = member.engaged = True
            else:
                member.stakes = R.autonomy_lost(member.stakes, pa.autonomy_cost, voice, total)
    model.joined = True
