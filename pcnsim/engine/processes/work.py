"""Mandate work shared out by list size; capacity, pressure and time for meetings (docs/ODD.md 7.4).

Each requirement is two tracks with the same stages: administrative work,
which compliance can do, and joint work (`mandates[].joint_share` of it),
whose value is the effort put in times the collaborative capacity of the
member doing it (trust, purpose alignment, ownership; `joint.*`). A member
may not carry out its agreed joint work this week (`follow.*`): it then does
only its administrative share, and its ties lose trust and remember it.
Members' ownership follows the success of the PCN's joint work and wears
under sustained overload (`ownership.*`).

A PCN that believes it is behind works ahead of its deadlines, as far as its
purpose is shared (`comparison.urgency_purpose`), and its ties take on the
tension of the purpose it lacks (`comparison.anxiety`); the time for
relationships working ahead costs its members is kept in `time_lost`.

The week's work on the ICS's own asks moves the PCN's trust in its ICS
(`rules.ics_trusted`, `ics.*`): up as far as it came with resources and fell
on members with room for it, down for the rest.
"""

from __future__ import annotations

import numpy as np

from .. import rules
from ..jit import kernel, plain
from ..outcomes import C, T
from ..rules import (alignment, breaks_agreement, collaborative_capacity, felt_urgency, hurried, ics_trusted,
                     joint_value, late_rate, left_to_do, member_week, openness, owned_by_success, owned_less,
                     owned_under_load, pressure, scarred, stage_rate, stake, trust_lost, unfunded)
from ..state import JOINT_ASKED, JOINT_EFFORT, JOINT_VALUE
from ..walk import active_edges, distance, proposal, tension_in_pcn, trust_in_pcn

R = plain(rules)


@kernel
def required_rate(due, target, stage_exists, done, b, req, scale, effort, late_weeks, week):
    """Effort per week one track of a started requirement asks for: to meet its next stage on time, or, once the
    last stage is past, to work off what is left over `late_weeks`."""
    for m in range(due.shape[2]):
        if stage_exists[b, req, m] and due[b, req, m] >= week:
            return stage_rate(target[b, req, m], scale, done, due[b, req, m], week)
    return late_rate(left_to_do(effort, scale, done), late_weeks)


@kernel
def work(index, traits, schedule, members, ties, pcns, counters, p, week, follow, tally):
    n_pcns, n_req = pcns.decided.shape[1], schedule.arrival.shape[1]
    n_members, dims = members.values.shape[1], members.values.shape[2]
    rates = np.zeros(n_req)
    joint_rates = np.zeros(n_req)
    purpose = np.zeros(n_members)
    trust = np.zeros(n_members)
    asked = np.zeros(n_members)
    broke = np.zeros(n_members, np.bool_)
    proposed = np.zeros(dims)
    even = np.full(dims, 1.0 / dims)
    v, jt, fo, ow = p.values, p.joint, p.follow, p.ownership
    for b in range(members.values.shape[0]):
        support = 1.0 + p.focus.stabilise[b] * p.delivery.arrs_support[b]
        floor, loss = p.delivery.compliance_efficiency[b], p.wellbeing.capacity_loss[b]
        overtime = p.delivery.overtime[b] * p.focus.mandates[b]
        late = p.delivery.late_weeks[b]
        shock = schedule.core_extra[b, min(week, schedule.core_extra.shape[1] - 1)]
        limit = active_edges(counters.joined, index.base_edges, index.src.shape[1], b)
        conf, tm, sa, ws = v.confidence[b], v.trust_modulation[b], v.stakes_amplification[b], v.workload_stakes[b]
        effect, w_t, w_s, w_o = jt.capacity_effect[b], jt.weight_trust[b], jt.weight_purpose[b], jt.weight_ownership[b]
        needs_purpose, anxiety = p.comparison.urgency_purpose[b], p.comparison.anxiety[b]
        tally[b, T.demand] = 0.0
        for q in range(n_pcns):
            first, last = index.pcn_start[b, q], index.pcn_start[b, q + 1]
            scale, urgent = traits.effort_scale[b, q], pcns.behind[b, q]
            # Each member's purpose alignment and trust in the PCN, this week, before any work.
            shared, engaged_count = 0.0, 0
            proposal(index.pcn_start, index.pcn_members, members.engaged, traits.list_size, members.values, b, q,
                     pcns.facilitation[b, q], proposed)
            for a in range(first, last):
                i = index.pcn_members[b, a]
                trust[i] = trust_in_pcn(index.adj_start, index.adj_edge, index.cross, ties.trust, b, limit, i)
                purpose[i] = 0.0
                if members.engaged[b, i]:
                    purpose[i] = alignment(distance(members.values, b, i, proposed, even),
                                           stake(members.stakes[b, i], ws, members.unfunded[b, i]), sa, conf,
                                           openness(trust[i], tm))
                    shared += purpose[i]
                    engaged_count += 1
            shared = shared / engaged_count if engaged_count else 0.0
            pace = felt_urgency(p.comparison.urgency[b], needs_purpose, shared)
            demand, joint_demand, calm_demand, funded_effort, calm_funded = 0.0, 0.0, 0.0, 0.0, 0.0
            ics_asked, ics_supported = 0.0, 0.0
            for req in range(n_req):
                rates[req], joint_rates[req] = 0.0, 0.0
                if not (pcns.decided[b, q, req] and schedule.arrival[b, req] < week):
                    continue
                j, effort = schedule.joint[b, req], schedule.effort[b, req]
                done_joint = pcns.done_joint[b, q, req]
                admin_rate = required_rate(schedule.due, schedule.target, schedule.stage_exists,
                                           pcns.done[b, q, req] - done_joint, b, req, scale * (1.0 - j), effort, late,
                                           week)
                joint_rate = required_rate(schedule.due, schedule.target, schedule.stage_exists, done_joint, b, req,
                                           scale * j, effort, late, week)
                rate = admin_rate + joint_rate
                calm_demand += rate
                calm_funded += rate * schedule.funding[b, req]
                if urgent:
                    hurry = hurried(rate, pace, left_to_do(effort, scale, pcns.done[b, q, req]))
                    joint_rate = joint_rate * hurry / rate if rate > 0.0 else 0.0
                    rate = hurry
                rates[req], joint_rates[req] = rate, joint_rate
                demand += rate
                joint_demand += joint_rate
                funded_effort += rate * schedule.funding[b, req]
                if schedule.from_ics[b, req]:
                    ics_asked += rate
                    ics_supported += rate * schedule.funding[b, req]
            pcns.demand[b, q] = demand
            tally[b, T.demand] += demand
            weight = 0.0
            for a in range(first, last):
                i = index.pcn_members[b, a]
                if members.engaged[b, i]:
                    weight += traits.list_size[b, i]
            funded = funded_effort / demand if demand > 0.0 else 0.0
            calm = calm_funded / calm_demand if calm_demand > 0.0 else 0.0
            joint = joint_demand / demand if demand > 0.0 else 0.0
            admin_done, joint_done, value, joint_asked, breaks, room = 0.0, 0.0, 0.0, 0.0, 0, 0.0
            for a in range(first, last):
                i = index.pcn_members[b, a]
                share = traits.list_size[b, i] / weight if (members.engaged[b, i] and weight > 0.0) else 0.0
                output = demand * share
                asked[i] = output * joint
                broke[i] = asked[i] > 0.0 and breaks_agreement(
                    follow[b, i], fo.break_rate[b], trust[i], fo.unsaid[b],
                    tension_in_pcn(index.adj_start, index.adj_edge, index.cross, ties.tension, b, limit, i), asked[i])
                own, burnout = members.ownership[b, i], members.burnout[b, i]
                core = traits.core_demand[b, i] + (0.0 if index.partner[b, i] else shock)
                capacity, effort, attendance, done = member_week(
                    output - asked[i] if broke[i] else output, own, core, burnout, funded, support, floor, loss,
                    overtime)
                members.capacity[b, i] = capacity
                members.pressure[b, i] = pressure(core, effort, capacity)
                if members.pressure[b, i] <= 1.0:
                    room += share
                members.unfunded[b, i] = unfunded(funded, effort, capacity)
                members.attendance[b, i] = attendance
                members.time_lost[b, i] = 0.0
                members.broke[b, i] = broke[i]
                if urgent:
                    calm_attendance = member_week(
                        calm_demand * share, own, core, burnout, calm, support, floor, loss, overtime)[2]
                    members.time_lost[b, i] = calm_attendance - attendance
                joint_asked += asked[i]
                if broke[i]:
                    admin_done += done
                    breaks += 1
                    continue
                admin_done += done * (1.0 - joint)
                joint_done += done * joint
                value += joint_value(done * joint, effect, collaborative_capacity(
                    trust[i], purpose[i], members.ownership[b, i], w_t, w_s, w_o))
            if demand > 0.0:
                admin_demand = demand - joint_demand
                for req in range(n_req):
                    cap = schedule.effort[b, req] * scale
                    j = schedule.joint[b, req]
                    done_joint = pcns.done_joint[b, q, req]
                    admin = pcns.done[b, q, req] - done_joint
                    if admin_demand > 0.0:
                        admin = min(admin + admin_done * (rates[req] - joint_rates[req]) / admin_demand,
                                    cap * (1.0 - j))
                    if joint_demand > 0.0:
                        done_joint = min(done_joint + joint_done * joint_rates[req] / joint_demand, cap * j)
                    pcns.done_joint[b, q, req] = done_joint
                    pcns.done[b, q, req] = admin + done_joint
            if ics_asked > 0.0:
                pcns.ics_trust[b, q] = ics_trusted(pcns.ics_trust[b, q], p.ics.gain[b], p.ics.loss[b],
                                                   ics_asked / scale, ics_supported / scale, room)
            pcns.joint_work[b, q, JOINT_VALUE] += value
            pcns.joint_work[b, q, JOINT_EFFORT] += joint_done
            pcns.joint_work[b, q, JOINT_ASKED] += joint_asked
            counters.totals[b, C.broken_agreements] += breaks
            pcns.pcn_totals[b, q, C.broken_agreements] += breaks
            # What members see of their joint work moves their ownership: its success, or its failure.
            success = value / joint_asked if joint_asked > 0.0 else 0.0
            for a in range(first, last):
                i = index.pcn_members[b, a]
                if not members.engaged[b, i]:
                    continue
                if asked[i] > 0.0:
                    members.ownership[b, i] = owned_by_success(
                        members.ownership[b, i], min(1.0, ow.success_rate[b] * asked[i]), success)
                for _ in range(breaks):
                    members.ownership[b, i] = owned_less(members.ownership[b, i], ow.break_loss[b])
                members.ownership[b, i] = owned_under_load(members.ownership[b, i], ow.overload_loss[b],
                                                           members.pressure[b, i])
            for a in range(first, last):
                i = index.pcn_members[b, a]
                if not broke[i]:
                    continue
                for c in range(index.adj_start[b, i], index.adj_start[b, i + 1]):
                    e = index.adj_edge[b, c]
                    if e < limit and not index.cross[b, e]:
                        ties.trust[b, e] = trust_lost(ties.trust[b, e], fo.trust_loss[b])
                        ties.scar[b, e] = scarred(ties.scar[b, e], p.damage.break_scar[b])
            if urgent and anxiety > 0.0:
                for a in range(index.pcn_edge_start[b, q], index.pcn_edge_start[b, q + 1]):
                    e = index.pcn_edges[b, a]
                    if e < limit:
                        ties.tension[b, e] += anxiety * (1.0 - shared)


def work_reference(model, week, u, tally) -> None:
    sc = model.params
    jt, fo, ow = sc.joint, sc.follow, sc.ownership
    support = 1.0 + sc.focus.stabilise * sc.delivery.arrs_support
    floor, loss = sc.delivery.compliance_efficiency, sc.wellbeing.capacity_loss
    overtime = sc.delivery.overtime * sc.focus.mandates
    late = sc.delivery.late_weeks
    shock = model.core_extra[min(week, len(model.core_extra) - 1)]
    limit = model.active_ties()
    follow = u["follow"] if u is not None else None
    dims = len(model.members[0].values)
    even = [1.0 / dims] * dims
    tally.demand = 0.0
    for pcn in model.pcns:
        scale, urgent = pcn.effort_scale, pcn.behind
        proposed = pcn.proposal(pcn.facilitation)
        trust, purpose = {}, {}
        shared, engaged = 0.0, 0
        for member in pcn.members:
            trust[member] = member.mean_trust(limit)
            purpose[member] = 0.0
            if member.engaged:
                purpose[member] = member.alignment(proposed, even, limit)
                shared += purpose[member]
                engaged += 1
        shared = shared / engaged if engaged else 0.0
        pace = R.felt_urgency(sc.comparison.urgency, sc.comparison.urgency_purpose, shared)
        rates = [0.0] * len(model.requirements)
        joint_rates = [0.0] * len(model.requirements)
        demand, joint_demand, calm_demand, funded_effort, calm_funded = 0.0, 0.0, 0.0, 0.0, 0.0
        ics_asked, ics_supported = 0.0, 0.0
        for k, req in enumerate(model.requirements):
            if not (pcn.decided[k] and req.arrival < week):
                continue
            j = req.joint
            admin_rate = req.required_rate(pcn.done[k] - pcn.done_joint[k], scale * (1.0 - j), late, week)
            joint_rate = req.required_rate(pcn.done_joint[k], scale * j, late, week)
            rate = admin_rate + joint_rate
            calm_demand += rate
            calm_funded += rate * req.funding
            if urgent:
                hurry = R.hurried(rate, pace, R.left_to_do(req.effort, scale, pcn.done[k]))
                joint_rate = joint_rate * hurry / rate if rate > 0.0 else 0.0
                rate = hurry
            rates[k], joint_rates[k] = rate, joint_rate
            demand += rate
            joint_demand += joint_rate
            funded_effort += rate * req.funding
            if req.from_ics:
                ics_asked += rate
                ics_supported += rate * req.funding
        pcn.demand = demand
        tally.demand += demand
        weight = 0.0
        for member in pcn.members:
            if member.engaged:
                weight += member.list_size
        funded = funded_effort / demand if demand > 0.0 else 0.0
        calm = calm_funded / calm_demand if calm_demand > 0.0 else 0.0
        joint = joint_demand / demand if demand > 0.0 else 0.0
        admin_done, joint_done, value, joint_asked, breakers, room = 0.0, 0.0, 0.0, 0.0, [], 0.0
        asked = {}
        for member in pcn.members:
            share = member.list_size / weight if (member.engaged and weight > 0.0) else 0.0
            output = demand * share
            asked[member] = output * joint
            broke = asked[member] > 0.0 and R.breaks_agreement(
                follow[member.index], fo.break_rate, trust[member], fo.unsaid, member.mean_tension(limit),
                asked[member])
            own, burnout = member.ownership, member.burnout
            core = member.core_demand + (0.0 if member.partner else shock)
            capacity, effort, attendance, done = R.member_week(
                output - asked[member] if broke else output, own, core, burnout, funded, support, floor, loss,
                overtime)
            member.capacity = capacity
            member.pressure = R.pressure(core, effort, capacity)
            if member.pressure <= 1.0:
                room += share
            member.unfunded = R.unfunded(funded, effort, capacity)
            member.attendance = attendance
            member.time_lost = 0.0
            member.broke = broke
            if urgent:
                member.time_lost = R.member_week(
                    calm_demand * share, own, core, burnout, calm, support, floor, loss, overtime)[2] - attendance
            joint_asked += asked[member]
            if broke:
                admin_done += done
                breakers.append(member)
                continue
            admin_done += done * (1.0 - joint)
            joint_done += done * joint
            value += R.joint_value(done * joint, jt.capacity_effect, R.collaborative_capacity(
                trust[member], purpose[member], member.ownership, jt.weight_trust, jt.weight_purpose,
                jt.weight_ownership))
        if demand > 0.0:
            admin_demand = demand - joint_demand
            for k, req in enumerate(model.requirements):
                cap = req.effort * scale
                done_joint = pcn.done_joint[k]
                admin = pcn.done[k] - done_joint
                if admin_demand > 0.0:
                    admin = min(admin + admin_done * (rates[k] - joint_rates[k]) / admin_demand, cap * (1.0 - req.joint))
                if joint_demand > 0.0:
                    done_joint = min(done_joint + joint_done * joint_rates[k] / joint_demand, cap * req.joint)
                pcn.done_joint[k] = done_joint
                pcn.done[k] = admin + done_joint
        if ics_asked > 0.0:
            pcn.ics_trust = R.ics_trusted(pcn.ics_trust, sc.ics.gain, sc.ics.loss, ics_asked / scale,
                                          ics_supported / scale, room)
        pcn.joint_work[JOINT_VALUE] += value
        pcn.joint_work[JOINT_EFFORT] += joint_done
        pcn.joint_work[JOINT_ASKED] += joint_asked
        model.totals[C.broken_agreements] += len(breakers)
        pcn.pcn_totals[C.broken_agreements] += len(breakers)
        success = value / joint_asked if joint_asked > 0.0 else 0.0
        for member in pcn.members:
            if not member.engaged:
                continue
            if asked[member] > 0.0:
                member.ownership = R.owned_by_success(member.ownership, min(1.0, ow.success_rate * asked[member]),
                                                      success)
            for _ in breakers:
                member.ownership = R.owned_less(member.ownership, ow.break_loss)
            member.ownership = R.owned_under_load(member.ownership, ow.overload_loss, member.pressure)
        for breaker in breakers:
            for tie in breaker.ties:
                if tie.index < limit and not tie.cross:
                    tie.trust = R.trust_lost(tie.trust, fo.trust_loss)
                    tie.scar = R.scarred(tie.scar, sc.damage.break_scar)
        if urgent and sc.comparison.anxiety > 0.0:
            for tie in pcn.ties:
                if tie.index < limit:
                    tie.tension += sc.comparison.anxiety * (1.0 - shared)
