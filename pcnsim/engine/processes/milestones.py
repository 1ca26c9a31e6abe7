"""Stages due this week, and whether each PCN has done enough of the work by now (docs/ODD.md 7.4).

A stage is met when both its tracks, administrative and joint, have reached their targets: milestones are
met by effort, whether owned or complied with.
"""

from __future__ import annotations

from .. import rules
from ..jit import kernel, plain
from ..outcomes import C
from ..rules import stage_met

R = plain(rules)


@kernel
def milestones(traits, schedule, pcns, counters, week):
    for b in range(pcns.decided.shape[0]):
        for q in range(pcns.decided.shape[1]):
            for req in range(schedule.arrival.shape[1]):
                for m in range(schedule.due.shape[2]):
                    if not (schedule.stage_exists[b, req, m] and schedule.due[b, req, m] == week):
                        continue
                    counters.totals[b, C.milestones_due] += 1
                    pcns.pcn_totals[b, q, C.milestones_due] += 1
                    j, scale, target = schedule.joint[b, req], traits.effort_scale[b, q], schedule.target[b, req, m]
                    done_joint = pcns.done_joint[b, q, req]
                    if pcns.decided[b, q, req] and stage_met(pcns.done[b, q, req] - done_joint, target,
                                                             scale * (1.0 - j)) and stage_met(done_joint, target,
                                                                                              scale * j):
                        counters.totals[b, C.milestones_met] += 1
                        pcns.pcn_totals[b, q, C.milestones_met] += 1


def milestones_reference(model, week, u, tally) -> None:
    for pcn in model.pcns:
        for k, req in enumerate(model.requirements):
            for due, target in req.stages:
                if due != week:
                    continue
                model.totals[C.milestones_due] += 1
                pcn.pcn_totals[C.milestones_due] += 1
                scale, done_joint = pcn.effort_scale, pcn.done_joint[k]
                if pcn.decided[k] and R.stage_met(pcn.done[k] - done_joint, target, scale * (1.0 - req.joint)) \
                        and R.stage_met(done_joint, target, scale * req.joint):
                    model.totals[C.milestones_met] += 1
                    pcn.pcn_totals[C.milestones_met] += 1
