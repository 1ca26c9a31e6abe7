"""One week of the model as compiled kernels over a batch of runs that share array shapes.

Every array of a `Run` has a leading batch axis: row b is one run, with its
own structure, parameters (`Params`, one value per run) and random stream.
A kernel walks the batch and applies the week to each run in turn, so a
run's result never depends on which batch it is in or on the batch's size.
`pcnsim.reference` states the same rules the plain Mesa way, agent by agent;
the tests hold this engine to it.

A week's random numbers are uniforms drawn by the caller in one block of
fixed length per run (see `draw_count`), in this order: the meetings' edges,
their attendance draws, their conflict-mode draws, one commitment draw per
member, and one imposition draw per PCN and requirement.

Within a week, in this order:
1. partners join their PCN, if this is their week;
2. each Clinical Director's time for facilitation is set by last week's mandate load;
3. each PCN decides its pending requirements, by agreement or imposed;
4. each PCN's members do the mandate work they can (faster if the PCN thinks it is behind);
5. members meet in pairs, in sequence: values converge, conflict is handled, trust moves;
6. on every edge shared history lengthens, latent tension decays and erodes trust;
7. burnout and engagement update;
8. each PCN compares its progress with the few PCNs it watches;
9. outcomes are recorded.

Members are practices and, once joined, partner organisations. Practice-level
outcomes (engagement, wellbeing) are over practices only.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numba as nb
import numpy as np

from .outcomes import COUNTS, OUTCOMES, PCN_OUTCOMES  # noqa: F401  (re-exported for now)
from .state import AGREED, AVOIDED, DESTRUCTIVE, NONE, PRODUCTIVE

WEEKS_PER_YEAR = 52.0

# Scalar parameters the kernels read: name in Params -> dotted path in the scenario.
PARAMS = {
    "confidence": "values.confidence",
    "convergence": "values.convergence",
    "trust_modulation": "values.trust_modulation",
    "stakes_amplification": "values.stakes_amplification",
    "workload_stakes": "values.workload_stakes",
    "cluster_tolerance": "values.cluster_tolerance",
    "history_scale": "trust.history_scale_years",
    "trust_gain": "trust.gain",
    "trust_loss": "trust.loss",
    "productive_ratio": "trust.productive_ratio",
    "imposition_loss": "trust.imposition_loss",
    "tension_erosion": "trust.tension_erosion",
    "trusted_threshold": "trust.trusted_threshold",
    "tension_decay": "conflict.tension_decay",
    "tension_resolve": "conflict.tension_resolve",
    "agreement_memory": "meetings.agreement_memory_weeks",
    "facilitation": "leadership.facilitation",
    "cd_wte": "leadership.cd_wte",
    "cd_need": "leadership.cd_need",
    "cd_admin": "leadership.cd_admin",
    "impose_rate": "leadership.impose_rate",
    "facilitation_protects": "leadership.facilitation_protects",
    "focus_mandates": "focus.mandates",
    "focus_stabilise": "focus.stabilise",
    "focus_partners": "focus.partners",
    "decision_lead": "decisions.decision_lead_weeks",
    "commit_full": "decisions.commit_full",
    "commit_specified": "decisions.commit_specified",
    "commit_observe": "decisions.commit_observe",
    "compliance_efficiency": "delivery.compliance_efficiency",
    "overtime": "delivery.overtime",
    "arrs_support": "delivery.arrs_support",
    "ownership_rate": "delivery.ownership_rate",
    "meeting_ownership_rate": "delivery.meeting_ownership_rate",
    "burnout_rate": "wellbeing.burnout_rate",
    "recovery_rate": "wellbeing.recovery_rate",
    "capacity_loss": "wellbeing.capacity_loss",
    "disengage_at": "wellbeing.disengage_at",
    "reengage_at": "wellbeing.reengage_at",
    "join_week": "partners.join_week",
    "trust_transfer": "partners.trust_transfer",
    "autonomy_cost": "partners.autonomy_cost",
    "comparison_bias": "comparison.bias",
    "urgency": "comparison.urgency",
    "haste": "comparison.haste",
}
Params = namedtuple("Params", list(PARAMS))

# Arrays of a batch of runs; each has a leading batch axis.
Run = namedtuple("Run", [
    # structure: members are practices 0..n-1, then partners; edges among partners come last
    "pcn", "partner", "src", "dst", "cross", "base_edges", "adj_start", "adj_edge",
    "pcn_start", "pcn_members", "pcn_edge_start", "pcn_edges", "watch", "propensity", "style",
    # members
    "values", "stakes", "core_demand", "list_size", "authorisation", "ownership", "burnout",
    "engaged", "active", "capacity", "pressure", "unfunded", "attendance", "time_lost",
    # edges
    "trust", "history", "tension", "last_meeting",
    # PCNs
    "decided", "done", "demand", "facilitation", "effort_scale", "behind", "truly_behind", "progress",
    "pcn_totals",
    # national schedule
    "arrival", "effort", "funding", "due", "target", "stage_exists", "emphasis",
    # counters
    "totals", "agreement", "last_trust", "joined",
])


# Run.pcn_totals columns and Run.totals columns
T_AGREED, T_IMPOSED, T_DUE, T_MET = 0, 1, 2, 3


def draw_count(run: Run, meetings_per_week: int) -> int:
    """Uniform draws one run needs for one week."""
    members, pcns, requirements = run.values.shape[1], run.decided.shape[1], run.decided.shape[2]
    return 3 * meetings_per_week + members + pcns * requirements


# ---------------------------------------------------------------- helpers
# Hot helpers take plain arrays and numbers: handing numba the whole Run or
# Params costs a reference count per array on every call.


@nb.njit(cache=True)
def _active_edges(r, b):
    """Edges 0..limit-1 are active: partners' ties (which come last) only once they have joined."""
    return r.src.shape[1] if r.joined[b] else r.base_edges[b]


@nb.njit(cache=True)
def _mean_trust(adj_start, adj_edge, cross, trust, b, limit, i):
    """A member's mean trust over its active ties inside its PCN (0 with none)."""
    total, count = 0.0, 0
    for a in range(adj_start[b, i], adj_start[b, i + 1]):
        e = adj_edge[b, a]
        if e < limit and not cross[b, e]:
            total += trust[b, e]
            count += 1
    return total / count if count > 0 else 0.0


@nb.njit(cache=True)
def _distance(values, b, i, proposal, emphasis):
    """Emphasis-weighted distance between a member's values and a proposal."""
    dist = 0.0
    for k in range(proposal.shape[0]):
        gap = values[b, i, k] - proposal[k]
        dist += emphasis[k] * gap * gap
    return math.sqrt(dist)


@nb.njit(cache=True)
def _proposal(pcn_start, pcn_members, engaged, list_size, values, b, q, f, out):
    """The PCN's proposal: members' values weighted by list size (directive) or equally (facilitative)."""
    out[:] = 0.0
    size, count = 0.0, 0
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
            w = (1.0 - f) * list_size[b, i] / size + f / count
            for k in range(out.shape[0]):
                out[k] += w * values[b, i, k]


@nb.njit(cache=True)
def _required_rate(due, target, stage_exists, done, b, q, req, scale, week):
    """Effort per week a started requirement asks for to meet its next stage on time."""
    for m in range(due.shape[2]):
        if stage_exists[b, req, m] and due[b, req, m] >= week:
            remaining = max(target[b, req, m] * scale - done[b, q, req], 0.0)
            return remaining / max(due[b, req, m] - week + 1, 1)
    return 0.0


@nb.njit(cache=True)
def _member_week(output, own, core, burnout, funded, support, efficiency_floor, capacity_loss, overtime):
    """A member's week of work: (capacity, effort, attendance, delivered) for `output` of mandate work."""
    # Passive compliance gets less done per hour, so it takes more hours for the same output.
    efficiency = own + (1.0 - own) * efficiency_floor
    hours = output / efficiency
    # Burnout eats the discretionary margin above core work, not core work itself.
    margin = max(support - core, 0.0) * (1.0 - capacity_loss * burnout)
    capacity = core + margin + funded * hours
    spare = max(capacity - core, 0.0)
    effort = min(hours, spare + overtime)
    attendance = min(max((spare - effort) / (1.0 - core), 0.0), 1.0)
    delivered = output if effort >= hours else effort * efficiency
    return capacity, effort, attendance, delivered


@nb.njit(cache=True)
def _history_factor(history, scale):
    """How readily trust builds on an edge: one half with no shared history, rising to one."""
    return 0.5 + 0.5 * (1.0 - math.exp(-history / scale))


@nb.njit(cache=True)
def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@nb.njit(cache=True)
def _clusters(pcn_start, pcn_members, active, values, b, q, tolerance, parent):
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
                gap = values[b, i, k] - values[b, j, k]
                sq += gap * gap
            if sq <= limit:
                ra, rc = _find(parent, a), _find(parent, c)
                if ra != rc:
                    parent[max(ra, rc)] = min(ra, rc)
    count = 0
    for a in range(first, last):
        if active[b, pcn_members[b, a]] and _find(parent, a) == a:
            count += 1
    return count


@nb.njit(cache=True)
def _dispersion(values, active, b, first, last, members):
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
                gap = values[b, i, k] - centre[k]
                sq += gap * gap
    return math.sqrt(sq / count / dims)


# ---------------------------------------------------------------- processes (each over the whole batch)


@nb.njit(cache=True)
def _join_partners(r, p, week):
    """Partners become members; each tie to them starts from its practice's trust in the PCN, in part."""
    for b in range(r.values.shape[0]):
        if r.joined[b] or r.base_edges[b] == r.src.shape[1] or week < p.join_week[b]:
            continue
        limit = r.base_edges[b]
        tau = p.trust_transfer[b]
        for e in range(limit, r.src.shape[1]):
            i = r.src[b, e]
            felt = 0.0 if r.partner[b, i] else _mean_trust(r.adj_start, r.adj_edge, r.cross, r.trust, b, limit, i)
            r.trust[b, e] = (1.0 - tau) * r.trust[b, e] + tau * felt
            r.history[b, e] = 0.0
        for q in range(r.decided.shape[1]):
            # Practices lose influence over PCN decisions in proportion to the partners' voice (001).
            voice, total = 0.0, 0.0
            for a in range(r.pcn_start[b, q], r.pcn_start[b, q + 1]):
                i = r.pcn_members[b, a]
                total += r.list_size[b, i]
                if r.partner[b, i]:
                    voice += r.list_size[b, i]
            for a in range(r.pcn_start[b, q], r.pcn_start[b, q + 1]):
                i = r.pcn_members[b, a]
                if r.partner[b, i]:
                    r.active[b, i] = True
                    r.engaged[b, i] = True
                else:
                    r.stakes[b, i] = min(1.0, r.stakes[b, i] + p.autonomy_cost[b] * voice / total)
        r.joined[b] = True


@nb.njit(cache=True)
def _facilitate(r, p):
    """Facilitation each Clinical Director has time for, after partners and last week's mandate admin."""
    for b in range(r.values.shape[0]):
        for q in range(r.decided.shape[1]):
            free = p.cd_wte[b] * (1.0 - p.focus_partners[b]) - p.cd_admin[b] * r.demand[b, q]
            r.facilitation[b, q] = p.facilitation[b] * min(max(free / p.cd_need[b], 0.0), 1.0)


@nb.njit(cache=True)
def _decide(r, p, week, draws, offset, agreed, imposed):
    """Each PCN puts its pending requirements to its members, one after another; counts go to agreed/imposed."""
    n_members, n_pcns, n_req = r.values.shape[1], r.decided.shape[1], r.arrival.shape[1]
    backs = np.zeros(n_members, np.bool_)
    proposal = np.zeros(r.values.shape[2])
    commit_p = np.zeros(3)
    for b in range(r.values.shape[0]):
        u_commit = draws[b, offset:offset + n_members]
        u_impose = draws[b, offset + n_members:]
        limit = _active_edges(r, b)
        conf, tm, sa, ws = p.confidence[b], p.trust_modulation[b], p.stakes_amplification[b], p.workload_stakes[b]
        commit_p[0], commit_p[1], commit_p[2] = p.commit_full[b], p.commit_specified[b], p.commit_observe[b]
        rate = p.ownership_rate[b]
        for q in range(n_pcns):
            f = r.facilitation[b, q]
            first, last = r.pcn_start[b, q], r.pcn_start[b, q + 1]
            proposed = False
            for req in range(n_req):
                if r.decided[b, q, req] or r.arrival[b, req] >= week:
                    continue
                if not proposed:
                    _proposal(r.pcn_start, r.pcn_members, r.engaged, r.list_size, r.values, b, q, f, proposal)
                    proposed = True
                unanimous, agreed_now = True, True
                for a in range(first, last):
                    i = r.pcn_members[b, a]
                    if not r.active[b, i]:
                        backs[i] = True
                        continue
                    if r.engaged[b, i]:
                        openness = 1.0 - tm * (1.0 - _mean_trust(r.adj_start, r.adj_edge, r.cross, r.trust, b, limit, i))
                        stake = r.stakes[b, i] + ws * r.unfunded[b, i]
                        distance = _distance(r.values, b, i, proposal, r.emphasis[b, req])
                        backs[i] = distance * (1.0 + sa * stake) < conf * openness
                        can_commit = u_commit[i] < commit_p[r.authorisation[b, i]]
                    else:
                        backs[i], can_commit = True, True
                    unanimous = unanimous and backs[i]
                    agreed_now = agreed_now and backs[i] and can_commit
                forced = week >= r.due[b, req, 0] - p.decision_lead[b]
                chance = (1.0 - f) * p.impose_rate[b]
                if r.behind[b, q]:
                    # Thinking it is behind, a PCN is less willing to wait for agreement (001).
                    chance = 1.0 - (1.0 - chance) * (1.0 - p.haste[b])
                directive = u_impose[q * n_req + req] < chance
                if not (agreed_now or forced or directive):
                    continue
                r.decided[b, q, req] = True
                for a in range(first, last):
                    i = r.pcn_members[b, a]
                    if not r.active[b, i]:
                        continue
                    if not backs[i]:
                        r.ownership[b, i] -= rate * r.ownership[b, i]
                    elif r.engaged[b, i]:
                        r.ownership[b, i] += rate * (1.0 - r.ownership[b, i])
                if unanimous:
                    agreed[b] += 1
                    r.pcn_totals[b, q, T_AGREED] += 1
                    continue
                imposed[b] += 1
                r.pcn_totals[b, q, T_IMPOSED] += 1
                for a in range(r.pcn_edge_start[b, q], r.pcn_edge_start[b, q + 1]):
                    e = r.pcn_edges[b, a]
                    if e < limit and not (backs[r.src[b, e]] and backs[r.dst[b, e]]):
                        r.trust[b, e] -= p.imposition_loss[b] * r.trust[b, e]


@nb.njit(cache=True)
def _work(r, p, week, demand_out):
    """Share each PCN's mandate work out by list size; set capacity, pressure and time for meetings.

    A PCN that believes it is behind works ahead of its deadlines; the time
    for relationships this costs its members is kept in `time_lost`.
    """
    n_pcns, n_req = r.decided.shape[1], r.arrival.shape[1]
    rates = np.zeros(n_req)
    for b in range(r.values.shape[0]):
        support = 1.0 + p.focus_stabilise[b] * p.arrs_support[b]
        floor, loss, overtime = p.compliance_efficiency[b], p.capacity_loss[b], p.overtime[b] * p.focus_mandates[b]
        demand_out[b] = 0.0
        for q in range(n_pcns):
            scale, urgent = r.effort_scale[b, q], r.behind[b, q]
            demand, calm_demand, funded_effort, calm_funded = 0.0, 0.0, 0.0, 0.0
            for req in range(n_req):
                rates[req] = 0.0
                if not (r.decided[b, q, req] and r.arrival[b, req] < week):
                    continue
                rate = _required_rate(r.due, r.target, r.stage_exists, r.done, b, q, req, scale, week)
                calm_demand += rate
                calm_funded += rate * r.funding[b, req]
                if urgent:
                    left = max(r.effort[b, req] * scale - r.done[b, q, req], 0.0)
                    rate = min(rate * (1.0 + p.urgency[b]), left)
                rates[req] = rate
                demand += rate
                funded_effort += rate * r.funding[b, req]
            r.demand[b, q] = demand
            demand_out[b] += demand
            weight = 0.0
            for a in range(r.pcn_start[b, q], r.pcn_start[b, q + 1]):
                i = r.pcn_members[b, a]
                if r.engaged[b, i]:
                    weight += r.list_size[b, i]
            funded = funded_effort / demand if demand > 0.0 else 0.0
            calm = calm_funded / calm_demand if calm_demand > 0.0 else 0.0
            delivered = 0.0
            for a in range(r.pcn_start[b, q], r.pcn_start[b, q + 1]):
                i = r.pcn_members[b, a]
                share = r.list_size[b, i] / weight if (r.engaged[b, i] and weight > 0.0) else 0.0
                own, core, burnout = r.ownership[b, i], r.core_demand[b, i], r.burnout[b, i]
                capacity, effort, attendance, done = _member_week(
                    demand * share, own, core, burnout, funded, support, floor, loss, overtime)
                r.capacity[b, i] = capacity
                r.pressure[b, i] = (core + effort) / capacity
                r.unfunded[b, i] = (1.0 - funded) * effort / capacity
                r.attendance[b, i] = attendance
                r.time_lost[b, i] = 0.0
                if urgent:
                    calm_attendance = _member_week(
                        calm_demand * share, own, core, burnout, calm, support, floor, loss, overtime)[2]
                    r.time_lost[b, i] = calm_attendance - attendance
                delivered += done
            if demand > 0.0:
                for req in range(n_req):
                    cap = r.effort[b, req] * scale
                    r.done[b, q, req] = min(r.done[b, q, req] + delivered * rates[req] / demand, cap)


@nb.njit(cache=True)
def _milestones(r, week, due_now, met_now):
    for b in range(r.values.shape[0]):
        for q in range(r.decided.shape[1]):
            for req in range(r.arrival.shape[1]):
                for m in range(r.due.shape[2]):
                    if not (r.stage_exists[b, req, m] and r.due[b, req, m] == week):
                        continue
                    due_now[b] += 1
                    r.pcn_totals[b, q, T_DUE] += 1
                    if r.decided[b, q, req] and r.done[b, q, req] >= r.target[b, req, m] * r.effort_scale[b, q] - 1e-9:
                        met_now[b] += 1
                        r.pcn_totals[b, q, T_MET] += 1


@nb.njit(cache=True)
def _meet(r, p, draws, meetings, counts):
    """The week's meetings, applied one after another in draw order (sequential update).

    counts (B, 7): held, agreements, conflicts, intensity, productive, avoided, destructive.
    """
    dims = r.values.shape[2]
    for b in range(r.values.shape[0]):
        n_edges = _active_edges(r, b)
        r.last_meeting[b, :] = NONE
        if n_edges == 0:
            continue
        conf, conv, tm = p.confidence[b], p.convergence[b], p.trust_modulation[b]
        gain, own_rate, ws, sa = p.trust_gain[b], p.meeting_ownership_rate[b], p.workload_stakes[b], p.stakes_amplification[b]
        for m in range(meetings):
            e = min(int(draws[b, m] * n_edges), n_edges - 1)
            i, j = r.src[b, e], r.dst[b, e]
            if not (r.engaged[b, i] and r.engaged[b, j]) or draws[b, meetings + m] >= r.attendance[b, i] * r.attendance[b, j]:
                continue
            counts[b, 0] += 1
            sq = 0.0
            for k in range(dims):
                gap = r.values[b, j, k] - r.values[b, i, k]
                sq += gap * gap
            distance = math.sqrt(sq / dims)
            stake_i = r.stakes[b, i] + ws * r.unfunded[b, i]
            stake_j = r.stakes[b, j] + ws * r.unfunded[b, j]
            intensity = distance * (1.0 + sa * 0.5 * (stake_i + stake_j))
            trust = r.trust[b, e]
            openness = 1.0 - tm * (1.0 - trust)
            bound = conf * openness
            build = _history_factor(r.history[b, e], p.history_scale[b])
            if intensity < bound:
                for k in range(dims):
                    step = conv * openness * (r.values[b, j, k] - r.values[b, i, k])
                    r.values[b, i, k] += step
                    r.values[b, j, k] -= step
                r.trust[b, e] = trust + gain * build * (1.0 - trust)
                r.ownership[b, i] += own_rate * (1.0 - r.ownership[b, i])
                r.ownership[b, j] += own_rate * (1.0 - r.ownership[b, j])
                r.last_meeting[b, e] = AGREED
                counts[b, 1] += 1
                continue
            counts[b, 2] += 1
            counts[b, 3] += intensity
            f = 0.5 * (r.facilitation[b, r.pcn[b, i]] + r.facilitation[b, r.pcn[b, j]])
            w_productive = r.propensity[b, e, 0] * (0.5 + trust) * (0.5 + f)
            w_avoided = r.propensity[b, e, 1]
            w_destructive = r.propensity[b, e, 2] * (1.5 - trust) * (1.5 - f) * (1.0 + r.tension[b, e])
            pick = draws[b, 2 * meetings + m] * (w_productive + w_avoided + w_destructive)
            if pick < w_productive:
                r.trust[b, e] = trust + gain * p.productive_ratio[b] * build * (1.0 - trust)
                r.tension[b, e] *= 1.0 - p.tension_resolve[b]
                r.last_meeting[b, e] = PRODUCTIVE
                counts[b, 4] += 1
            elif pick < w_productive + w_avoided:
                r.tension[b, e] += intensity - bound
                r.last_meeting[b, e] = AVOIDED
                counts[b, 5] += 1
            else:
                loss = p.trust_loss[b] * (1.0 - p.facilitation_protects[b] * f)
                r.trust[b, e] = trust - loss * min(1.0, intensity) * trust
                r.last_meeting[b, e] = DESTRUCTIVE
                counts[b, 6] += 1


@nb.njit(cache=True)
def _drift_and_wear(r, p):
    """Edges age, tension decays and erodes trust; burnout moves with pressure and sets engagement."""
    for b in range(r.values.shape[0]):
        decay, erosion = 1.0 - p.tension_decay[b], p.tension_erosion[b]
        for e in range(r.src.shape[1]):
            r.history[b, e] += 1.0 / WEEKS_PER_YEAR
            r.tension[b, e] *= decay
            r.trust[b, e] *= 1.0 - min(1.0, erosion * r.tension[b, e])
        for i in range(r.values.shape[1]):
            if not r.active[b, i]:
                continue
            over = max(r.pressure[b, i] - 1.0, 0.0)
            recovery = p.recovery_rate[b] * r.burnout[b, i] if r.pressure[b, i] <= 1.0 else 0.0
            r.burnout[b, i] = min(max(r.burnout[b, i] + p.burnout_rate[b] * over - recovery, 0.0), 1.0)
            if r.engaged[b, i]:
                r.engaged[b, i] = r.burnout[b, i] < p.disengage_at[b]
            else:
                r.engaged[b, i] = r.burnout[b, i] < p.reengage_at[b]


@nb.njit(cache=True)
def _compare(r, p, week):
    """Each PCN judges itself behind when its own progress trails what it sees of the PCNs it watches.

    What a PCN shows others is biased towards its best work: a mix of its
    overall progress and that of its most advanced requirement.
    """
    n_pcns, watched = r.decided.shape[1], r.watch.shape[2]
    shown = np.zeros(n_pcns)
    for b in range(r.values.shape[0]):
        bias = p.comparison_bias[b]
        for q in range(n_pcns):
            asked, done, best = 0.0, 0.0, 0.0
            for req in range(r.arrival.shape[1]):
                if r.arrival[b, req] >= week:
                    continue
                effort = r.effort[b, req] * r.effort_scale[b, q]
                asked += effort
                done += r.done[b, q, req]
                if effort > 0.0:
                    best = max(best, r.done[b, q, req] / effort)
            r.progress[b, q] = done / asked if asked > 0.0 else 0.0
            shown[q] = (1.0 - bias) * r.progress[b, q] + bias * best
        for q in range(n_pcns):
            seen = 0.0
            for w in range(watched):
                seen += shown[r.watch[b, q, w]]
            r.behind[b, q] = watched > 0 and r.progress[b, q] < seen / watched
        median = np.median(r.progress[b])
        for q in range(n_pcns):
            r.truly_behind[b, q] = r.progress[b, q] < median


# ---------------------------------------------------------------- outcomes


@nb.njit(cache=True)
def _measure(r, p, week, counts, agreed, imposed, demand, out):
    """Each run's national outcome row for this week (docs/ODD.md, section 7)."""
    n_members, n_pcns, dims = r.values.shape[1], r.decided.shape[1], r.values.shape[2]
    parent = np.zeros(n_members, np.int64)
    proposal = np.zeros(dims)
    even = np.full(dims, 1.0 / dims)
    for b in range(r.values.shape[0]):
        limit = _active_edges(r, b)
        if week > 0:
            memory = 1.0 / p.agreement_memory[b]
            r.agreement[b, 0] = (1.0 - memory) * r.agreement[b, 0] + (counts[b, 1] + agreed[b])
            r.agreement[b, 1] = (1.0 - memory) * r.agreement[b, 1] + (counts[b, 0] + agreed[b] + imposed[b])
        trust_sum, trust_min, tension_sum = 0.0, np.inf, 0.0
        for e in range(limit):
            trust_sum += r.trust[b, e]
            trust_min = min(trust_min, r.trust[b, e])
            tension_sum += r.tension[b, e]
        mean_trust = trust_sum / limit if limit else 0.0
        for i in range(n_members):
            parent[i] = i
        for e in range(limit):
            if r.trust[b, e] >= p.trusted_threshold[b]:
                ri, rj = _find(parent, r.src[b, e]), _find(parent, r.dst[b, e])
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
        components = 0
        for i in range(n_members):
            if r.active[b, i] and _find(parent, i) == i:
                components += 1
        conf, tm, sa, ws = p.confidence[b], p.trust_modulation[b], p.stakes_amplification[b], p.workload_stakes[b]
        clusters, backing = 0, 0
        for q in range(n_pcns):
            clusters += _clusters(r.pcn_start, r.pcn_members, r.active, r.values, b, q, p.cluster_tolerance[b], parent)
            _proposal(r.pcn_start, r.pcn_members, r.engaged, r.list_size, r.values, b, q, r.facilitation[b, q], proposal)
            for a in range(r.pcn_start[b, q], r.pcn_start[b, q + 1]):
                i = r.pcn_members[b, a]
                if r.partner[b, i] or not r.engaged[b, i]:
                    continue
                openness = 1.0 - tm * (1.0 - _mean_trust(r.adj_start, r.adj_edge, r.cross, r.trust, b, limit, i))
                stake = r.stakes[b, i] + ws * r.unfunded[b, i]
                if _distance(r.values, b, i, proposal, even) * (1.0 + sa * stake) < conf * openness:
                    backing += 1
        practices, owning, complying, disengaged = 0, 0, 0, 0
        capacity, pressure, burnout, lost = 0.0, 0.0, 0.0, 0.0
        for i in range(n_members):
            if r.partner[b, i]:
                continue
            practices += 1
            if not r.engaged[b, i]:
                disengaged += 1
            elif r.ownership[b, i] > 0.5:
                owning += 1
            else:
                complying += 1
            capacity += r.capacity[b, i]
            pressure += r.pressure[b, i]
            burnout += r.burnout[b, i]
            lost += r.time_lost[b, i]
        believe, truly, falsely = 0, 0, 0
        for q in range(n_pcns):
            believe += 1 if r.behind[b, q] else 0
            truly += 1 if r.truly_behind[b, q] else 0
            falsely += 1 if (r.behind[b, q] and not r.truly_behind[b, q]) else 0
        row = out[b]
        row[0] = week
        row[1] = mean_trust
        row[2] = trust_min if limit else 0.0
        row[3] = (mean_trust - r.last_trust[b]) * WEEKS_PER_YEAR if week > 0 else 0.0
        row[4] = components
        row[5] = _dispersion(r.values, r.active, b, 0, n_members, r.pcn_members)
        row[6] = clusters
        row[7] = r.agreement[b, 0] / r.agreement[b, 1] if r.agreement[b, 1] > 0 else np.nan
        row[8] = backing / practices
        row[9] = r.totals[b, T_AGREED]
        row[10] = r.totals[b, T_IMPOSED]
        row[11] = counts[b, 0]
        row[12] = counts[b, 2]
        row[13] = counts[b, 3] / counts[b, 2] if counts[b, 2] > 0 else 0.0
        row[14] = counts[b, 4]
        row[15] = counts[b, 5]
        row[16] = counts[b, 6]
        row[17] = tension_sum / limit if limit else 0.0
        row[18] = demand[b]
        row[19] = r.totals[b, T_DUE]
        row[20] = r.totals[b, T_MET]
        row[21] = owning / practices
        row[22] = complying / practices
        row[23] = disengaged / practices
        row[24] = capacity / practices
        row[25] = pressure / practices
        row[26] = burnout / practices
        row[27] = believe / n_pcns
        row[28] = truly / n_pcns
        row[29] = falsely / n_pcns
        row[30] = lost / practices
        r.last_trust[b] = mean_trust


@nb.njit(cache=True)
def measure_pcns(r, p, out):
    """Per-PCN outcomes of every run now: `out` is (B, P, PCN_OUTCOMES)."""
    parent = np.zeros(r.values.shape[1], np.int64)
    for b in range(r.values.shape[0]):
        limit = _active_edges(r, b)
        for q in range(r.decided.shape[1]):
            first, last = r.pcn_start[b, q], r.pcn_start[b, q + 1]
            trust_sum, n_edges = 0.0, 0
            for a in range(r.pcn_edge_start[b, q], r.pcn_edge_start[b, q + 1]):
                e = r.pcn_edges[b, a]
                if e < limit:
                    trust_sum += r.trust[b, e]
                    n_edges += 1
            practices, owning, complying, disengaged = 0, 0, 0, 0
            burnout, pressure = 0.0, 0.0
            for a in range(first, last):
                i = r.pcn_members[b, a]
                if r.partner[b, i]:
                    continue
                practices += 1
                if not r.engaged[b, i]:
                    disengaged += 1
                elif r.ownership[b, i] > 0.5:
                    owning += 1
                else:
                    complying += 1
                burnout += r.burnout[b, i]
                pressure += r.pressure[b, i]
            row = out[b, q]
            row[0] = trust_sum / n_edges if n_edges else np.nan
            row[1] = _dispersion(r.values, r.active, b, first, last, r.pcn_members)
            row[2] = _clusters(r.pcn_start, r.pcn_members, r.active, r.values, b, q, p.cluster_tolerance[b], parent)
            row[3] = r.pcn_totals[b, q, T_AGREED]
            row[4] = r.pcn_totals[b, q, T_IMPOSED]
            row[5] = r.pcn_totals[b, q, T_DUE]
            row[6] = r.pcn_totals[b, q, T_MET]
            row[7] = r.progress[b, q]
            row[8] = 1.0 if r.behind[b, q] else 0.0
            row[9] = 1.0 if r.truly_behind[b, q] else 0.0
            row[10] = owning / practices
            row[11] = complying / practices
            row[12] = disengaged / practices
            row[13] = burnout / practices
            row[14] = pressure / practices
            row[15] = r.facilitation[b, q]


# ---------------------------------------------------------------- entry points


@nb.njit(cache=True)
def start(r, p, out):
    """Week 0: partners due at once join, capacity and time for meetings are set, outcomes recorded."""
    size = r.values.shape[0]
    demand = np.zeros(size)
    _join_partners(r, p, 0)
    _facilitate(r, p)
    _work(r, p, 0, demand)
    _compare(r, p, 0)
    zeros = np.zeros(size, np.int64)
    _measure(r, p, 0, np.zeros((size, 7)), zeros, zeros, demand, out)


@nb.njit(cache=True)
def step(r, p, week, draws, meetings, out):
    """Advance every run of the batch by one week.

    `draws` is (B, draw_count) uniforms, `meetings` the meetings per week, `out` (B, OUTCOMES).
    """
    size = r.values.shape[0]
    agreed, imposed = np.zeros(size, np.int64), np.zeros(size, np.int64)
    due_now, met_now = np.zeros(size, np.int64), np.zeros(size, np.int64)
    demand, counts = np.zeros(size), np.zeros((size, 7))
    _join_partners(r, p, week)
    _facilitate(r, p)
    _decide(r, p, week, draws, 3 * meetings, agreed, imposed)
    _work(r, p, week, demand)
    _milestones(r, week, due_now, met_now)
    _meet(r, p, draws, meetings, counts)
    _drift_and_wear(r, p)
    _compare(r, p, week)
    for b in range(size):
        r.totals[b, T_AGREED] += agreed[b]
        r.totals[b, T_IMPOSED] += imposed[b]
        r.totals[b, T_DUE] += due_now[b]
        r.totals[b, T_MET] += met_now[b]
    _measure(r, p, week, counts, agreed, imposed, demand, out)
