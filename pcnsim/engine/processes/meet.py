"""The week's meetings, applied one after another in draw order (docs/ODD.md 7.5).

Each PCN has `meetings.per_step` slots a week among its own active ties, so a
PCN's ties meet as often inside England as alone; then each tie between PCNs
meets with chance `meetings.cross_rate`.

Two engaged members who both attend compare values. Near enough (for what
is at stake and their trust), they agree: values converge, trust and
ownership grow, trust only up to the ceiling the tie's memory of damage
leaves it. Otherwise it is a conflict, handled productively, avoided
(tension builds) or destructively (trust falls and the tie remembers it), by
the pair's styles, trust, facilitation and the tie's tension.
"""

from __future__ import annotations

import math

from .. import rules
from ..jit import kernel, plain
from ..outcomes import T
from ..rules import (conflict_weights, convergence_step, history_factor, intensity, openness, owned_more,
                     scarred, square_gap, stake, trust_broken, trust_built)
from ..state import AGREED, AVOIDED, DESTRUCTIVE, NONE, PRODUCTIVE
from ..walk import active_edges

R = plain(rules)


@kernel
def meet(index, traits, members, ties, pcns, counters, p, draws, lay, tally):
    n_pcns = index.pcn_start.shape[1] - 1
    per_pcn = lay.meetings // n_pcns
    for b in range(members.values.shape[0]):
        limit = active_edges(counters.joined, index.base_edges, index.src.shape[1], b)
        ties.last_meeting[b, :] = NONE
        for q in range(n_pcns):
            first = index.pcn_edge_start[b, q]
            n_q = 0  # the PCN's active ties: a prefix of its ties, which are in tie order, partners' last
            for a in range(first, index.pcn_edge_start[b, q + 1]):
                if index.pcn_edges[b, a] < limit:
                    n_q += 1
            if n_q == 0:
                continue
            for m in range(q * per_pcn, (q + 1) * per_pcn):
                e = index.pcn_edges[b, first + min(int(draws[b, lay.edge + m] * n_q), n_q - 1)]
                hold(index, traits, members, ties, pcns, p, b, e, draws[b, lay.attend + m], draws[b, lay.mode + m],
                     tally)
        n_cross = lay.cross_ties
        for c in range(n_cross):
            if draws[b, lay.cross + c] < p.meetings.cross_rate[b]:
                hold(index, traits, members, ties, pcns, p, b, index.cross_edges[b, c],
                     draws[b, lay.cross + n_cross + c], draws[b, lay.cross + 2 * n_cross + c], tally)


@kernel
def hold(index, traits, members, ties, pcns, p, b, e, attend, mode, tally):
    """One meeting on tie e, if both ends are engaged and attend."""
    dims = members.values.shape[2]
    v, tr = p.values, p.trust
    conf, conv, tm = v.confidence[b], v.convergence[b], v.trust_modulation[b]
    gain, own_rate, ws, sa = tr.gain[b], p.delivery.meeting_ownership_rate[b], v.workload_stakes[b], v.stakes_amplification[b]
    i, j = index.src[b, e], index.dst[b, e]
    if not (members.engaged[b, i] and members.engaged[b, j]) or (
            attend >= members.attendance[b, i] * members.attendance[b, j]):
        return
    tally[b, T.held] += 1
    sq = 0.0
    for k in range(dims):
        sq += square_gap(members.values[b, i, k], members.values[b, j, k])
    strength = intensity(math.sqrt(sq / dims), sa, stake(members.stakes[b, i], ws, members.unfunded[b, i]),
                         stake(members.stakes[b, j], ws, members.unfunded[b, j]))
    trust = ties.trust[b, e]
    o = openness(trust, tm)
    bound = conf * o
    build = history_factor(ties.history[b, e], tr.history_scale_years[b])
    if strength < bound:
        for k in range(dims):
            step = convergence_step(conv, o, members.values[b, i, k], members.values[b, j, k])
            members.values[b, i, k] += step
            members.values[b, j, k] -= step
        ties.trust[b, e] = trust_built(trust, gain, build, ties.scar[b, e])
        members.ownership[b, i] = owned_more(members.ownership[b, i], own_rate)
        members.ownership[b, j] = owned_more(members.ownership[b, j], own_rate)
        ties.last_meeting[b, e] = AGREED
        tally[b, T.agreements] += 1
        return
    tally[b, T.conflicts] += 1
    tally[b, T.intensity] += strength
    f = 0.5 * (pcns.facilitation[b, index.pcn[b, i]] + pcns.facilitation[b, index.pcn[b, j]])
    w_productive, w_avoided, w_destructive = conflict_weights(
        traits.propensity[b, e, 0], traits.propensity[b, e, 1], traits.propensity[b, e, 2], trust, f,
        ties.tension[b, e])
    pick = mode * (w_productive + w_avoided + w_destructive)
    if pick < w_productive:
        ties.trust[b, e] = trust_built(trust, gain * tr.productive_ratio[b], build, ties.scar[b, e])
        ties.tension[b, e] *= 1.0 - p.conflict.tension_resolve[b]
        ties.last_meeting[b, e] = PRODUCTIVE
        tally[b, T.productive] += 1
    elif pick < w_productive + w_avoided:
        ties.tension[b, e] += strength - bound
        ties.last_meeting[b, e] = AVOIDED
        tally[b, T.avoided] += 1
    else:
        ties.trust[b, e] = trust_broken(trust, tr.loss[b], p.leadership.facilitation_protects[b], f, strength)
        ties.scar[b, e] = scarred(ties.scar[b, e], p.damage.conflict_scar[b] * min(1.0, strength))
        ties.last_meeting[b, e] = DESTRUCTIVE
        tally[b, T.destructive] += 1


def meet_reference(model, week, u, tally) -> None:
    limit = model.active_ties()
    for tie in model.ties:
        tie.last_meeting = NONE
    per_pcn = model.layout.meetings // len(model.pcns)
    for q, pcn in enumerate(model.pcns):
        ties = [tie for tie in pcn.ties if tie.index < limit]
        if not ties:
            continue
        for m in range(q * per_pcn, (q + 1) * per_pcn):
            tie = ties[min(int(u["edge"][m] * len(ties)), len(ties) - 1)]
            hold_reference(model, tie, u["attend"][m], u["mode"][m], tally)
    n_cross = len(model.cross_ties)
    chance, attend, mode = u["cross"][:n_cross], u["cross"][n_cross:2 * n_cross], u["cross"][2 * n_cross:]
    for c, tie in enumerate(model.cross_ties):
        if chance[c] < model.params.meetings.cross_rate:
            hold_reference(model, tie, attend[c], mode[c], tally)


def hold_reference(model, tie, attend, mode, tally) -> None:
    sc = model.params
    v, tr = sc.values, sc.trust
    one, other = tie.src, tie.dst
    if not (one.engaged and other.engaged) or attend >= one.attendance * other.attendance:
        return
    tally.held += 1
    sq = 0.0
    for mine, theirs in zip(one.values, other.values):
        sq += R.square_gap(mine, theirs)
    strength = R.intensity(math.sqrt(sq / len(one.values)), v.stakes_amplification, one.stake(), other.stake())
    trust = tie.trust
    o = R.openness(trust, v.trust_modulation)
    bound = v.confidence * o
    build = R.history_factor(tie.history, tr.history_scale_years)
    if strength < bound:
        for k in range(len(one.values)):
            step = R.convergence_step(v.convergence, o, one.values[k], other.values[k])
            one.values[k] += step
            other.values[k] -= step
        tie.trust = R.trust_built(trust, tr.gain, build, tie.scar)
        for member in (one, other):
            member.ownership = R.owned_more(member.ownership, sc.delivery.meeting_ownership_rate)
        tie.last_meeting = AGREED
        tally.agreements += 1
        return
    tally.conflicts += 1
    tally.intensity += strength
    f = 0.5 * (one.pcn.facilitation + other.pcn.facilitation)
    w_productive, w_avoided, w_destructive = R.conflict_weights(*tie.propensity, trust, f, tie.tension)
    pick = mode * (w_productive + w_avoided + w_destructive)
    if pick < w_productive:
        tie.trust = R.trust_built(trust, tr.gain * tr.productive_ratio, build, tie.scar)
        tie.tension *= 1.0 - sc.conflict.tension_resolve
        tie.last_meeting = PRODUCTIVE
        tally.productive += 1
    elif pick < w_productive + w_avoided:
        tie.tension += strength - bound
        tie.last_meeting = AVOIDED
        tally.avoided += 1
    else:
        tie.trust = R.trust_broken(trust, tr.loss, sc.leadership.facilitation_protects, f, strength)
        tie.scar = R.scarred(tie.scar, sc.damage.conflict_scar * min(1.0, strength))
        tie.last_meeting = DESTRUCTIVE
        tally.destructive += 1
