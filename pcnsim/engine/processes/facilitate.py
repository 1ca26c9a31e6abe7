"""Each PCN's Clinical Director's facilitation: their own skill, as far as their own time allows after last week's
mandate load (docs/ODD.md 7.2). A new Clinical Director learns the skill over `leadership.learning_weeks`."""

from __future__ import annotations

from .. import rules
from ..jit import kernel, plain
from ..rules import facilitation_time, learned

R = plain(rules)


@kernel
def facilitate(traits, pcns, p):
    le = p.leadership
    for b in range(pcns.demand.shape[0]):
        for q in range(pcns.demand.shape[1]):
            pcns.cd_skill[b, q] = learned(pcns.cd_skill[b, q], traits.skill[b, q], le.learning_weeks[b])
            pcns.facilitation[b, q] = facilitation_time(
                pcns.cd_skill[b, q], traits.cd_time[b, q], p.focus.partners[b], le.cd_admin[b], pcns.demand[b, q],
                le.cd_need[b])


def facilitate_reference(model, week, u, tally) -> None:
    le = model.params.leadership
    for pcn in model.pcns:
        pcn.cd_skill = R.learned(pcn.cd_skill, pcn.skill, le.learning_weeks)
        pcn.facilitation = R.facilitation_time(
            pcn.cd_skill, pcn.cd_time, model.params.focus.partners, le.cd_admin, pcn.demand, le.cd_need)
