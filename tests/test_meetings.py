"""Meetings are drawn per PCN (docs/ODD.md 7.5): a PCN's ties meet as often inside England as alone."""

import numpy as np

from pcnsim import load
from pcnsim.engine.batch import Batch
from pcnsim.engine.outcomes import T
from pcnsim.engine.processes.meet import meet
from pcnsim.engine.state import NONE
from pcnsim.engine.week import TALLIED
from conftest import SCENARIOS


def one_week_of_meetings(overrides, seed):
    """Every member engaged and attending, one week of meetings on a built state: (batch, draws, tally)."""
    batch = Batch.of([load(SCENARIOS / "england.yaml", overrides)], [seed])
    s = batch.state
    s.members.engaged[:] = True
    s.members.attendance[:] = 1.0
    draws = np.random.default_rng(seed + 1).random((1, batch.layout.size))
    tally = np.zeros((1, TALLIED))
    meet(s.index, s.traits, s.members, s.ties, s.pcns, s.counters, batch.params, draws, batch.layout, tally)
    return batch, draws[0], tally[0]


def test_each_pcn_holds_its_own_meetings_and_ties_between_pcns_meet_at_their_rate():
    per_step, rate = 3, 0.3
    batch, u, tally = one_week_of_meetings(
        ["network.pcns=40", "network.systems=2", f"meetings.per_step={per_step}", f"meetings.cross_rate={rate}"], 11)
    ix, lay = batch.state.index, batch.layout
    met = batch.state.ties.last_meeting[0] != NONE
    cross_edges = ix.cross_edges[0]
    assert len(cross_edges) > 0 and lay.meetings == per_step * 40
    chance = u[lay.cross:lay.cross + len(cross_edges)]
    np.testing.assert_array_equal(met[cross_edges], chance < rate)
    with_ties = 0
    for q in range(40):
        own = ix.pcn_edges[0, ix.pcn_edge_start[0, q]:ix.pcn_edge_start[0, q + 1]]
        own = own[own < ix.base_edges[0]]
        if len(own):
            with_ties += 1
            assert met[own].any()
            assert met[own].sum() <= per_step
    assert tally[T.held] == per_step * with_ties + (chance < rate).sum()


def test_a_pcns_meetings_do_not_depend_on_how_many_other_pcns_there_are():
    held = {}
    for pcns in (10, 60):
        _, _, tally = one_week_of_meetings([f"network.pcns={pcns}", "network.systems=2", "meetings.cross_rate=0"], 3)
        held[pcns] = tally[T.held] / pcns
    # every PCN holds meetings.per_step (5) meetings a week, whatever the country's size (before, the
    # country's slots were spread over all its ties, cross ties too)
    assert held[10] == held[60] == 5
