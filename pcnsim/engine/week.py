"""The week: which processes run, in which order, for the engine and for the per-agent reference alike.

Week 0 (`START`): partners due at once join, the Clinical Directors' time
and the first mandate work are set and PCNs compare themselves; then the
outcomes of the initial state are measured. Every later week runs `ORDER`
(docs/ODD.md, section 3), then measures. Members are practices and, once
joined, partner organisations; practice-level outcomes are over practices only.

`ORDER` is stated once here. The reference runs it by name; the engine's
`step` kernel below calls the same processes in the same order (numba
cannot loop over a tuple of kernels), and tests/test_reference.py checks the
two agree.
"""

from __future__ import annotations

from importlib import import_module

import numpy as np

from .jit import kernel
from .outcomes import TALLY
from .processes.decide import decide
from .processes.drift_and_wear import drift_and_wear
from .processes.facilitate import facilitate
from .processes.join_partners import join_partners
from .processes.measure import measure
from .processes.meet import meet
from .processes.memory import remember_agreement, remember_trust
from .processes.milestones import milestones
from .processes.social_comparison import social_comparison
from .processes.work import work

START = ("join_partners", "facilitate", "work", "social_comparison")
ORDER = ("remember_trust", "join_partners", "facilitate", "decide", "work", "milestones", "meet",
         "drift_and_wear", "social_comparison", "remember_agreement")
# The module each process lives in (remembering trust and agreement are both memory).
MODULE = {name: name for name in ORDER} | {"remember_trust": "memory", "remember_agreement": "memory"}
TALLIED = len(TALLY)


@kernel
def start(s, p, wanted, out):
    """Week 0 for every run of the batch; `out` (B, OUTCOMES) gets the initial outcomes."""
    tally = np.zeros((s.members.values.shape[0], TALLIED))
    # Week 0 as an int64, as `step` passes its week: a literal 0 would compile every process (and each kernel
    # and rule they call with it) a second time, for the type Literal[int](0).
    week = np.int64(0)
    join_partners(s.index, s.traits, s.members, s.ties, s.counters, p, week)
    facilitate(s.traits, s.pcns, p)
    work(s.index, s.traits, s.schedule, s.members, s.ties, s.pcns, s.counters, p, week,
         np.ones(s.members.values.shape[:2]), tally)
    social_comparison(s.index, s.traits, s.schedule, s.pcns, p, week)
    measure(s.index, s.traits, s.members, s.ties, s.pcns, s.counters, p, week, tally, wanted, out)


@kernel
def step(s, p, week, draws, follow, lay, record, wanted, out):
    """Advance every run of the batch by one week (`draws`: (B, lay.size) uniforms; `follow`: (B, members) the
    follow-through uniforms, from each run's second stream); measure if `record`."""
    tally = np.zeros((s.members.values.shape[0], TALLIED))
    remember_trust(s.index, s.ties, s.counters)
    join_partners(s.index, s.traits, s.members, s.ties, s.counters, p, week)
    facilitate(s.traits, s.pcns, p)
    decide(s.index, s.traits, s.schedule, s.members, s.ties, s.pcns, s.counters, p, week, draws, lay, tally)
    work(s.index, s.traits, s.schedule, s.members, s.ties, s.pcns, s.counters, p, week, follow, tally)
    milestones(s.traits, s.schedule, s.pcns, s.counters, week)
    meet(s.index, s.traits, s.members, s.ties, s.pcns, s.counters, p, draws, lay, tally)
    drift_and_wear(s.members, s.ties, p)
    social_comparison(s.index, s.traits, s.schedule, s.pcns, p, week)
    remember_agreement(s.counters, p, tally)
    if record:
        measure(s.index, s.traits, s.members, s.ties, s.pcns, s.counters, p, week, tally, wanted, out)


def reference_week(model, names: tuple[str, ...], week: int, u, tally) -> None:
    """Run processes `names` on a reference model, in order."""
    for name in names:
        module = import_module(f"{__package__}.processes.{MODULE[name]}")
        getattr(module, name + "_reference")(model, week, u, tally)
