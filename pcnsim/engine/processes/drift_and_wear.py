"""Ties age, tension decays and erodes trust, memories of damage fade; burnout moves with pressure and sets engagement (docs/ODD.md 7.6, 7.7)."""

from __future__ import annotations

from .. import rules
from ..jit import kernel, plain
from ..rules import WEEKS_PER_YEAR, burnt, stays_engaged, trust_eroded

R = plain(rules)


@kernel
def drift_and_wear(members, ties, p):
    wb = p.wellbeing
    for b in range(members.values.shape[0]):
        decay, erosion = 1.0 - p.conflict.tension_decay[b], p.trust.tension_erosion[b]
        fading = 1.0 - p.damage.memory_decay[b]
        for e in range(ties.trust.shape[1]):
            ties.history[b, e] += 1.0 / WEEKS_PER_YEAR
            ties.tension[b, e] *= decay
            ties.scar[b, e] *= fading
            ties.trust[b, e] = trust_eroded(ties.trust[b, e], erosion, ties.tension[b, e])
        for i in range(members.values.shape[1]):
            if not members.active[b, i]:
                continue
            members.burnout[b, i] = burnt(members.burnout[b, i], members.pressure[b, i], wb.burnout_rate[b],
                                          wb.recovery_rate[b])
            members.engaged[b, i] = stays_engaged(members.engaged[b, i], members.burnout[b, i], wb.disengage_at[b],
                                                  wb.reengage_at[b])


def drift_and_wear_reference(model, week, u, tally) -> None:
    decay, erosion = 1.0 - model.params.conflict.tension_decay, model.params.trust.tension_erosion
    wb = model.params.wellbeing
    fading = 1.0 - model.params.damage.memory_decay
    for tie in model.ties:
        tie.history += 1.0 / WEEKS_PER_YEAR
        tie.tension *= decay
        tie.scar *= fading
        tie.trust = R.trust_eroded(tie.trust, erosion, tie.tension)
    for member in model.members:
        if not member.active:
            continue
        member.burnout = R.burnt(member.burnout, member.pressure, wb.burnout_rate, wb.recovery_rate)
        member.engaged = R.stays_engaged(member.engaged, member.burnout, wb.disengage_at, wb.reengage_at)
