"""What the model remembers from week to week for its outcomes: last week's mean trust, and agreement.

Kept apart from measurement, so a week that is not recorded can skip
measuring and still remember (docs/ODD.md 7.9: trust_growth, agreement_share).
Last week's mean trust is taken before the week begins; this week's
agreements and occasions for them are added, with decay, once it is over.
"""

from __future__ import annotations

from .. import rules
from ..jit import kernel, plain
from ..outcomes import T
from ..rules import remembered
from ..walk import active_edges, tie_mean

R = plain(rules)


@kernel
def remember_trust(index, ties, counters):
    for b in range(ties.trust.shape[0]):
        limit = active_edges(counters.joined, index.base_edges, index.src.shape[1], b)
        counters.last_trust[b] = tie_mean(ties.trust, b, limit)


@kernel
def remember_agreement(counters, p, tally):
    for b in range(tally.shape[0]):
        weeks = p.meetings.agreement_memory_weeks[b]
        counters.agreement[b, 0] = remembered(counters.agreement[b, 0], weeks,
                                              tally[b, T.agreements] + tally[b, T.agreed_decisions])
        counters.agreement[b, 1] = remembered(
            counters.agreement[b, 1], weeks,
            tally[b, T.held] + tally[b, T.agreed_decisions] + tally[b, T.imposed_decisions])


def remember_trust_reference(model, week, u, tally) -> None:
    limit = model.active_ties()
    total = 0.0
    for tie in model.ties[:limit]:
        total += tie.trust
    model.last_trust = total / limit if limit else 0.0


def remember_agreement_reference(model, week, u, tally) -> None:
    weeks = model.params.meetings.agreement_memory_weeks
    model.agreement[0] = R.remembered(model.agreement[0], weeks, tally.agreements + tally.agreed_decisions)
    model.agreement[1] = R.remembered(model.agreement[1], weeks,
                                      tally.held + tally.agreed_decisions + tally.imposed_decisions)
