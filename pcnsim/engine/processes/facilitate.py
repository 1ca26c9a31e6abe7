"""Each Clinical Director's time for facilitation, set by last week's mandate load (docs/ODD.md 7.2)."""

from __future__ import annotations

from .. import rules
from ..jit import kernel, plain
from ..rules import facilitation_time

R = plain(rules)


@kernel
def facilitate(pcns, p):
    le = p.leadership
    for b in range(pcns.demand.shape[0]):
        for q in range(pcns.demand.shape[1]):
            pcns.facilitation[b, q] = facilitation_time(
                le.facilitation[b], le.cd_wte[b], p.focus.partners[b], le.cd_admin[b], pcns.demand[b, q], le.cd_need[b])


def facilitate_reference(model, week, u, tally) -> None:
    le = model.params.leadership
    for pcn in model.pcns:
        pcn.facilitation = R.facilitation_time(
            le.facilitation, le.cd_wte, model.params.focus.partners, le.cd_admin, pcn.demand, le.cd_need)
