"""Each PCN judges itself behind when its progress trails what it sees of the PCNs it watches (docs/ODD.md 7.11).

What a PCN shows others is biased towards its best work: a mix of its
overall progress and that of its most advanced requirement. Whether it truly
is behind (below the median) is recorded beside.
"""

from __future__ import annotations

import numpy as np

from .. import rules
from ..jit import kernel, plain
from ..rules import shown

R = plain(rules)


@kernel
def social_comparison(index, traits, schedule, pcns, p, week):
    n_pcns, watched = pcns.decided.shape[1], index.watch.shape[2]
    showing = np.zeros(n_pcns)
    for b in range(pcns.decided.shape[0]):
        bias = p.comparison.bias[b]
        for q in range(n_pcns):
            asked, done, best = 0.0, 0.0, 0.0
            for req in range(schedule.arrival.shape[1]):
                if schedule.arrival[b, req] >= week:
                    continue
                effort = schedule.effort[b, req] * traits.effort_scale[b, q]
                asked += effort
                done += pcns.done[b, q, req]
                if effort > 0.0:
                    best = max(best, pcns.done[b, q, req] / effort)
            pcns.progress[b, q] = done / asked if asked > 0.0 else 0.0
            showing[q] = shown(pcns.progress[b, q], best, bias)
        for q in range(n_pcns):
            seen = 0.0
            for w in range(watched):
                seen += showing[index.watch[b, q, w]]
            pcns.behind[b, q] = watched > 0 and pcns.progress[b, q] + traits.perception[b, q] < seen / watched
        median = np.median(pcns.progress[b])
        for q in range(n_pcns):
            pcns.truly_behind[b, q] = pcns.progress[b, q] < median


def social_comparison_reference(model, week, u, tally) -> None:
    bias = model.params.comparison.bias
    for pcn in model.pcns:
        asked, done, best = 0.0, 0.0, 0.0
        for k, req in enumerate(model.requirements):
            if req.arrival >= week:
                continue
            effort = req.effort * pcn.effort_scale
            asked += effort
            done += pcn.done[k]
            if effort > 0.0:
                best = max(best, pcn.done[k] / effort)
        pcn.progress = done / asked if asked > 0.0 else 0.0
        pcn.shown = R.shown(pcn.progress, best, bias)
    for pcn in model.pcns:
        seen = 0.0
        for other in pcn.watches:
            seen += other.shown
        pcn.behind = len(pcn.watches) > 0 and pcn.progress + pcn.perception < seen / len(pcn.watches)
    median = np.median([pcn.progress for pcn in model.pcns])
    for pcn in model.pcns:
        pcn.truly_behind = bool(pcn.progress < median)
