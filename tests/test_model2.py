"""Model 2's mechanisms (docs/ODD.md 7.12-7.16), each checked one step at a time against the ODD's formula.

These build a state, run one process's kernel on it with chosen draws, and
compare the result with the formula worked out here from the state before,
not with the per-agent reference (which shares the rules).
"""

import math

import numpy as np
import pytest

from pcnsim import load
from pcnsim.config import ScenarioError
from pcnsim.engine.batch import Batch
from pcnsim.engine.outcomes import OUTCOMES, TALLY, C, T
from pcnsim.engine.processes.decide import decide
from pcnsim.engine.processes.meet import hold
from pcnsim.engine.processes.milestones import milestones
from pcnsim.engine.processes.work import work
from pcnsim.engine.state import AGREED, JOINT_ASKED, JOINT_EFFORT, JOINT_VALUE
from conftest import SCENARIOS

JOINT = ["mandates.0.joint_share=0.6", "mandates.1.total_effort=0.5"]


def batch(overrides, weeks=6, seed=11, path="race.yaml"):
    """A one-PCN race run advanced `weeks` weeks, so that its specifications are decided and under way."""
    b = Batch.of([load(SCENARIOS / path, JOINT + list(overrides))], [seed])
    for _ in b.advance(weeks):
        pass
    return b


def run_work(b, week, follow):
    s = b.state
    tally = np.zeros((1, len(TALLY)))
    work(s.index, s.traits, s.schedule, s.members, s.ties, s.pcns, s.counters, b.params, week,
         np.full((1, s.members.values.shape[1]), follow), tally)


def inner_ties(s):
    return [e for e in range(s.index.base_edges[0]) if not s.index.cross[0, e]]


def test_a_member_that_breaks_its_agreement_costs_its_ties_trust_and_leaves_a_memory():
    b = batch(["follow.break_rate=2", "follow.trust_loss=0.03", "damage.break_scar=0.05",
               "ownership.break_loss=0.04", "ownership.success_rate=0", "ownership.overload_loss=0"])
    s = b.state
    trust, scar, own = s.ties.trust[0].copy(), s.ties.scar[0].copy(), s.members.ownership[0].copy()
    effort, breaks = s.pcns.joint_work[0, 0].copy(), s.counters.totals[0].copy()
    run_work(b, 7, 0.0)  # a uniform of 0 breaks whenever there is joint work and trust below 1
    breakers = [i for i in range(5) if s.members.engaged[0, i]]
    assert len(breakers) == 5
    for e in inner_ties(s):
        ends = sum(int(x in breakers) for x in (s.index.src[0, e], s.index.dst[0, e]))
        assert s.ties.trust[0, e] == pytest.approx(trust[e] * 0.97 ** ends, abs=1e-14)
        assert s.ties.scar[0, e] == pytest.approx(scar[e] + 0.05 * ends, abs=1e-14)
    # nobody did joint work, and every engaged member lost ownership once per break
    assert s.pcns.joint_work[0, 0, JOINT_EFFORT] == effort[JOINT_EFFORT]
    assert s.pcns.joint_work[0, 0, JOINT_ASKED] > effort[JOINT_ASKED]
    np.testing.assert_allclose(s.members.ownership[0, :5], own[:5] * 0.96 ** 5, rtol=1e-13)
    assert s.counters.totals[0, C.broken_agreements] == breaks[C.broken_agreements] + 5


def test_an_agreement_kept_changes_no_trust_and_with_no_hazard_none_is_broken():
    for rate, u in ((2.0, 1.0), (0.0, 0.0)):
        b = batch([f"follow.break_rate={rate}", "damage.break_scar=0.05"])
        s = b.state
        trust, scar = s.ties.trust[0].copy(), s.ties.scar[0].copy()
        run_work(b, 7, u)
        np.testing.assert_array_equal(s.ties.trust[0], trust)
        np.testing.assert_array_equal(s.ties.scar[0], scar)


@pytest.mark.parametrize("level", [0.2, 0.65])
def test_joint_value_is_effort_times_collaborative_capacity(level):
    overrides = ["joint.capacity_effect=1", "joint.weight_purpose=0", "joint.weight_ownership=0",
                 "follow.break_rate=0", "ownership.success_rate=1000", "mandates.0.total_effort=4"]
    b = batch(overrides)
    s = b.state
    s.ties.trust[0, :] = level  # trust is then the whole of collaborative capacity, the same for every member
    before = s.pcns.joint_work[0, 0].copy()
    run_work(b, 7, 1.0)
    value = s.pcns.joint_work[0, 0, JOINT_VALUE] - before[JOINT_VALUE]
    effort = s.pcns.joint_work[0, 0, JOINT_EFFORT] - before[JOINT_EFFORT]
    asked = s.pcns.joint_work[0, 0, JOINT_ASKED] - before[JOINT_ASKED]
    assert effort > 0 and value == pytest.approx(level * effort, rel=1e-12)
    # all the joint work asked was delivered (a light week), so success is the capacity, and with a pull
    # of 1 every member's ownership is that success
    assert effort == pytest.approx(asked, rel=1e-12)
    np.testing.assert_allclose(s.members.ownership[0, :5], level, rtol=1e-12)


def test_with_no_capacity_effect_joint_value_is_joint_effort():
    b = batch(["joint.capacity_effect=0", "follow.break_rate=2"])
    for _ in b.advance(60):
        pass
    work_done = b.state.pcns.joint_work[0, 0]
    assert work_done[JOINT_EFFORT] > 1 and work_done[JOINT_VALUE] == pytest.approx(work_done[JOINT_EFFORT], rel=1e-12)


def test_overload_wears_ownership_by_the_odd_formula():
    b = batch(["ownership.overload_loss=0.5", "ownership.success_rate=0", "follow.break_rate=0",
               "mandates.0.total_effort=60", "delivery.overtime=0.5", "focus.mandates=1", "focus.stabilise=0",
               "focus.partners=0"])
    s = b.state
    own = s.members.ownership[0].copy()
    run_work(b, 7, 1.0)
    pressure = s.members.pressure[0, :5]
    assert (pressure > 1).any()
    np.testing.assert_allclose(s.members.ownership[0, :5],
                               own[:5] * np.maximum(1 - 0.5 * np.maximum(pressure - 1, 0), 0), rtol=1e-13)


@pytest.mark.parametrize("scar", [0.0, 0.2, 1.5])
def test_an_agreement_builds_trust_only_up_to_the_ceiling_the_ties_memory_leaves(scar):
    b = Batch.of([load(SCENARIOS / "baseline.yaml", ["damage.conflict_scar=0.05"])], [3])
    s = b.state
    e = inner_ties(s)[0]
    i, j = s.index.src[0, e], s.index.dst[0, e]
    s.members.values[0, j] = s.members.values[0, i]  # no difference: they agree
    s.members.attendance[0, [i, j]] = 1.0
    s.ties.trust[0, e], s.ties.scar[0, e], s.ties.history[0, e] = 0.5, scar, 2.0
    tally = np.zeros((1, len(TALLY)))
    hold(s.index, s.traits, s.members, s.ties, s.pcns, b.params, 0, e, 0.0, 0.5, tally)
    assert s.ties.last_meeting[0, e] == AGREED
    build = 0.5 + 0.5 * (1 - math.exp(-2.0 / 4.0))
    expected = 0.5 + 0.04 * build * max(math.exp(-scar) - 0.5, 0.0)
    assert s.ties.trust[0, e] == pytest.approx(expected, abs=1e-15)
    assert (s.ties.trust[0, e] == 0.5) == (scar == 1.5)


def test_an_imposed_decision_repels_dissenters_scars_their_ties_and_gives_backers_nothing():
    scenario = load(SCENARIOS / "race.yaml", JOINT + [
        "damage.repulsion=0.2", "damage.imposition_scar=0.15", "ownership.imposed_backer_gain=0",
        "leadership.facilitation=0.2", "leadership.impose_rate=1"])
    b = Batch.of([scenario], [4])
    s, p = b.state, b.params
    dissenter = 0
    s.members.values[0, dissenter] = 1.0  # far from everyone: it dissents
    s.members.values[0, 1:5] = 0.5
    s.pcns.facilitation[0, 0] = 0.2
    values, own = s.members.values[0].copy(), s.members.ownership[0].copy()
    sizes = s.traits.list_size[0, :5]
    weights = 0.8 * sizes / sizes.sum() + 0.2 / 5
    proposal = weights @ values[:5]
    u = np.ones((1, b.layout.size))
    u[0, b.layout.impose:b.layout.cross] = 0.0  # the CD imposes
    tally = np.zeros((1, len(TALLY)))
    decide(s.index, s.traits, s.schedule, s.members, s.ties, s.pcns, s.counters, p, 1, u, b.layout, tally)
    assert tally[0, T.imposed_decisions] >= 1
    np.testing.assert_allclose(s.members.values[0, dissenter], np.clip(values[0] + 0.2 * (values[0] - proposal), 0, 1),
                               rtol=1e-13)
    np.testing.assert_array_equal(s.members.values[0, 1:5], values[1:5])
    np.testing.assert_array_equal(s.members.ownership[0, 1:5], own[1:5])  # imposed: backers gain nothing
    for e in inner_ties(s):
        touches = dissenter in (s.index.src[0, e], s.index.dst[0, e])
        assert s.ties.scar[0, e] == pytest.approx(0.15 * tally[0, T.imposed_decisions] if touches else 0.0)


def test_a_stage_is_met_only_when_both_tracks_have_reached_it():
    b = batch([], weeks=0)
    s = b.state
    req, week = 0, int(s.schedule.due[0, 0, 0])
    target = s.schedule.target[0, req, 0]
    s.pcns.decided[0, 0, req] = True
    results = []
    for admin, joint in ((0.4 * target, 0.6 * target), (0.4 * target, 0.59 * target), (0.39 * target, 0.6 * target)):
        before = s.counters.totals[0, C.milestones_met]
        s.pcns.done[0, 0, req], s.pcns.done_joint[0, 0, req] = admin + joint, joint
        milestones(s.traits, s.schedule, s.pcns, s.counters, week)
        results.append(s.counters.totals[0, C.milestones_met] - before > 0)
    assert results[0] and not results[1] and not results[2]


def test_anxiety_while_believing_behind_adds_the_same_tension_to_every_tie_of_the_pcn():
    b = batch(["comparison.anxiety=0.05", "comparison.urgency_purpose=1"])
    s = b.state
    tension = s.ties.tension[0].copy()
    s.pcns.behind[0, 0] = True
    run_work(b, 7, 1.0)
    added = s.ties.tension[0, inner_ties(s)] - tension[inner_ties(s)]
    assert np.ptp(added) < 1e-15 and 0 < added[0] <= 0.05
    s.pcns.behind[0, 0] = False
    tension = s.ties.tension[0].copy()
    run_work(b, 8, 1.0)
    np.testing.assert_array_equal(s.ties.tension[0], tension)


def test_late_work_is_made_up_after_the_last_deadline_only_when_late_weeks_is_set():
    """A heavy race with 13-week deadlines leaves arrears; with late_weeks they are worked off, a share a week."""
    left = {}
    for late in (0, 13):
        scenario = load(SCENARIOS / "race.yaml", JOINT + [f"delivery.late_weeks={late}", "mandates.0.total_effort=25",
                                                          "mandates.0.lead_weeks=13", "steps=120",
                                                          "follow.break_rate=0"])  # every agreement kept
        b = Batch.of([scenario], [2])
        for _ in b.advance(120):
            pass
        s = b.state
        left[late] = s.schedule.effort[0, :5] - s.pcns.done[0, 0, :5]
        assert (s.pcns.done_joint[0, 0] <= 0.6 * s.schedule.effort[0] + 1e-12).all()
    assert left[0].min() > 1  # never delivered
    assert left[13].max() < 0.1 * left[0].min()


def test_model2_runs_keep_their_state_in_bounds():
    settings = JOINT + ["delivery.late_weeks=13", "joint.capacity_effect=1", "follow.break_rate=2",
                        "ownership.success_rate=2", "ownership.overload_loss=0.5", "ownership.imposed_backer_gain=0",
                        "damage.imposition_scar=0.15", "damage.break_scar=0.05", "damage.conflict_scar=0.05",
                        "damage.repulsion=0.2", "mandates.0.total_effort=30",
                        "demand_shocks=[{start_week: 40, weeks: 30, extra: 0.3}]"]
    for seed in (1, 2):
        b = Batch.of([load(SCENARIOS / "race.yaml", settings)], [seed])
        rows = [b.outcomes[0].copy()] + [row[0].copy() for row in b.advance(200)]
        s = b.state
        assert (s.ties.scar[0] >= 0).all() and (s.members.values[0] >= 0).all() and (s.members.values[0] <= 1).all()
        assert ((s.members.ownership[0] >= 0) & (s.members.ownership[0] <= 1)).all()
        assert (s.pcns.done_joint[0] <= s.pcns.done[0] + 1e-12).all()
        table = np.array(rows)
        col = {name: table[:, OUTCOMES.index(name)] for name in OUTCOMES}
        assert (col["joint_value"] <= col["joint_effort"] + 1e-12).all()
        assert ((col["trust_ceiling"] > 0) & (col["trust_ceiling"] <= 1)).all() and col["trust_ceiling"].min() < 1
        assert (np.diff(col["broken_agreements"]) >= 0).all() and col["broken_agreements"][-1] > 0
        assert ((col["purpose_strength"] >= 0) & (col["purpose_strength"] <= 1)).all()


@pytest.mark.parametrize("late", ["0.5", "1e-310"])
def test_late_weeks_between_zero_and_one_week_is_refused_in_one_line(late):
    with pytest.raises(ScenarioError) as error:
        load(SCENARIOS / "race.yaml", [f"delivery.late_weeks={late}"])
    message = str(error.value)
    assert "late_weeks must be 0 (never made up) or at least 1 week" in message and "\n" not in message
