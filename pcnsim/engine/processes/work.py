"""Mandate work shared out by list size; capacity, pressure and time for meetings (docs/ODD.md 7.4).

A PCN that believes it is behind works ahead of its deadlines; the time for
relationships this costs its members is kept in `time_lost`.
"""

from __future__ import annotations

import numpy as np

from .. import rules
from ..jit import kernel, plain
from ..outcomes import T
from ..rules import hurried, left_to_do, member_week, pressure, stage_rate, unfunded

R = plain(rules)


@kernel
def required_rate(due, target, stage_exists, done, b, q, req, scale, week):
    """Effort per week a started requirement asks for to meet its next stage on time."""
    for m in range(due.shape[2]):
        if stage_exists[b, req, m] and due[b, req, m] >= week:
            return stage_rate(target[b, req, m], scale, done[b, q, req], due[b, req, m], week)
    return 0.0


@kernel
def work(index, traits, schedule, members, pcns, p, week, tally):
    n_pcns, n_req = pcns.decided.shape[1], schedule.arrival.shape[1]
    rates = np.zeros(n_req)
    for b in range(members.values.shape[0]):
        support = 1.0 + p.focus.stabilise[b] * p.delivery.arrs_support[b]
        floor, loss = p.delivery.compliance_efficiency[b], p.wellbeing.capacity_loss[b]
        overtime = p.delivery.overtime[b] * p.focus.mandates[b]
        shock = schedule.core_extra[b, min(week, schedule.core_extra.shape[1] - 1)]
        tally[b, T.demand] = 0.0
        for q in range(n_pcns):
            scale, urgent = traits.effort_scale[b, q], pcns.behind[b, q]
            demand, calm_demand, funded_effort, calm_funded = 0.0, 0.0, 0.0, 0.0
            for req in range(n_req):
                rates[req] = 0.0
                if not (pcns.decided[b, q, req] and schedule.arrival[b, req] < week):
                    continue
                rate = required_rate(schedule.due, schedule.target, schedule.stage_exists, pcns.done,
                                     b, q, req, scale, week)
                calm_demand += rate
                calm_funded += rate * schedule.funding[b, req]
                if urgent:
                    rate = hurried(rate, p.comparison.urgency[b],
                                   left_to_do(schedule.effort[b, req], scale, pcns.done[b, q, req]))
                rates[req] = rate
                demand += rate
                funded_effort += rate * schedule.funding[b, req]
            pcns.demand[b, q] = demand
            tally[b, T.demand] += demand
            weight = 0.0
            for a in range(index.pcn_start[b, q], index.pcn_start[b, q + 1]):
                i = index.pcn_members[b, a]
                if members.engaged[b, i]:
                    weight += traits.list_size[b, i]
            funded = funded_effort / demand if demand > 0.0 else 0.0
            calm = calm_funded / calm_demand if calm_demand > 0.0 else 0.0
            delivered = 0.0
            for a in range(index.pcn_start[b, q], index.pcn_start[b, q + 1]):
                i = index.pcn_members[b, a]
                share = traits.list_size[b, i] / weight if (members.engaged[b, i] and weight > 0.0) else 0.0
                own, burnout = members.ownership[b, i], members.burnout[b, i]
                core = traits.core_demand[b, i] + (0.0 if index.partner[b, i] else shock)
                capacity, effort, attendance, done = member_week(
                    demand * share, own, core, burnout, funded, support, floor, loss, overtime)
                members.capacity[b, i] = capacity
                members.pressure[b, i] = pressure(core, effort, capacity)
                members.unfunded[b, i] = unfunded(funded, effort, capacity)
                members.attendance[b, i] = attendance
                members.time_lost[b, i] = 0.0
                if urgent:
                    calm_attendance = member_week(
                        calm_demand * share, own, core, burnout, calm, support, floor, loss, overtime)[2]
                    members.time_lost[b, i] = calm_attendance - attendance
                delivered += done
            if demand > 0.0:
                for req in range(n_req):
                    cap = schedule.effort[b, req] * scale
                    pcns.done[b, q, req] = min(pcns.done[b, q, req] + delivered * rates[req] / demand, cap)


def work_reference(model, week, u, tally) -> None:
    sc = model.params
    support = 1.0 + sc.focus.stabilise * sc.delivery.arrs_support
    floor, loss = sc.delivery.compliance_efficiency, sc.wellbeing.capacity_loss
    overtime = sc.delivery.overtime * sc.focus.mandates
    shock = model.core_extra[min(week, len(model.core_extra) - 1)]
    tally.demand = 0.0
    for pcn in model.pcns:
        scale, urgent = pcn.effort_scale, pcn.behind
        rates = [0.0] * len(model.requirements)
        demand, calm_demand, funded_effort, calm_funded = 0.0, 0.0, 0.0, 0.0
        for k, req in enumerate(model.requirements):
            if not (pcn.decided[k] and req.arrival < week):
                continue
            rate = req.required_rate(pcn.done[k], scale, week)
            calm_demand += rate
            calm_funded += rate * req.funding
            if urgent:
                rate = R.hurried(rate, sc.comparison.urgency, R.left_to_do(req.effort, scale, pcn.done[k]))
            rates[k] = rate
            demand += rate
            funded_effort += rate * req.funding
        pcn.demand = demand
        tally.demand += demand
        weight = 0.0
        for member in pcn.members:
            if member.engaged:
                weight += member.list_size
        funded = funded_effort / demand if demand > 0.0 else 0.0
        calm = calm_funded / calm_demand if calm_demand > 0.0 else 0.0
        delivered = 0.0
        for member in pcn.members:
            share = member.list_size / weight if (member.engaged and weight > 0.0) else 0.0
            own, burnout = member.ownership, member.burnout
            core = member.core_demand + (0.0 if member.partner else shock)
            capacity, effort, attendance, done = R.member_week(
                demand * share, own, core, burnout, funded, support, floor, loss, overtime)
            member.capacity = capacity
            member.pressure = R.pressure(core, effort, capacity)
            member.unfunded = R.unfunded(funded, effort, capacity)
            member.attendance = attendance
            member.time_lost = 0.0
            if urgent:
                member.time_lost = R.member_week(
                    calm_demand * share, own, core, burnout, calm, support, floor, loss, overtime)[2] - attendance
            delivered += done
        if demand > 0.0:
            for k, req in enumerate(model.requirements):
                pcn.done[k] = min(pcn.done[k] + delivered * rates[k] / demand, req.effort * scale)
