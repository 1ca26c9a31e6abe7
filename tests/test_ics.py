"""The ICS as an actor (issue 13 item 4; docs/ODD.md 7.17): its asks are mandate load, and each PCN's trust in
it moves with how they land. Off by default, and then nothing changes."""

import numpy as np
import pytest

from pcnsim import load
from pcnsim.config.schema import ICS
from pcnsim.engine.batch import Batch, simulate
from pcnsim.engine.jit import plain
from pcnsim.engine import rules
from pcnsim.engine.outcomes import OUTCOMES, PCN_OUTCOMES
from pcnsim.world import schedule
from conftest import SCENARIOS
from inputs_schema import refusal

R = plain(rules)
SEEDS = [1, 2, 3, 4, 5, 6]
COLUMN = {name: OUTCOMES.index(name) for name in OUTCOMES}
ICS_COLUMNS = [COLUMN["ics_trust"], COLUMN["ics_poor"]]
SMALL_ENGLAND = ["network.pcns=40", "network.systems=3", "steps=104"]
ASKS = ["ics.asks_per_year=4", "ics.ask_effort=2"]
# Core work above capacity all run long: every practice works beyond capacity, then burns out.
OVERLOAD = ["demand_shocks=[{start_week: 0, weeks: 1000, extra: 0.3}]"]


def runs(name, overrides, seeds=SEEDS):
    path = SCENARIOS / f"{name}.yaml"
    return simulate([load(path, list(overrides))] * len(seeds), seeds)


def final(results, column):
    return np.array([r[-1, COLUMN[column]] for r in results])


# England makes asks: its ics section is replaced by an empty one (all defaults) first.
@pytest.mark.parametrize("name, extra", [("baseline", []), ("race", []), ("england", SMALL_ENGLAND + ["ics={}"])])
def test_without_asks_the_ics_section_changes_nothing(name, extra):
    omitted = runs(name, extra, [1, 2])
    defaults = runs(name, extra + [f"ics.{field}={value}" for field, value in ICS().model_dump().items()], [1, 2])
    # Every setting but the starting trust and the threshold changed: with no asks none of them may act.
    idle = extra + ["ics.asks_per_year=0", "ics.start_week=3", "ics.ask_effort=5", "ics.lead_weeks=2",
                    "ics.support=0.9", "ics.joint_share=0.1", "ics.gain=0.9", "ics.loss=0.9"]
    others = [c for c in range(len(OUTCOMES)) if c not in ICS_COLUMNS]
    for a, b, c in zip(omitted, defaults, runs(name, idle, [1, 2])):
        assert np.array_equal(a, b, equal_nan=True)
        assert np.array_equal(a[:, others], c[:, others], equal_nan=True)
        assert (c[:, COLUMN["ics_trust"]] == 0.5).all() and (c[:, COLUMN["ics_poor"]] == 0).all()


def test_a_poor_start_with_no_asks_stays_poor_and_moves_nothing_else():
    omitted = runs("baseline", [], [1])[0]
    poor = runs("baseline", ["ics.initial=0.3"], [1])[0]
    others = [c for c in range(len(OUTCOMES)) if c not in ICS_COLUMNS]
    assert np.array_equal(omitted[:, others], poor[:, others], equal_nan=True)
    assert (poor[:, COLUMN["ics_trust"]] == 0.3).all() and (poor[:, COLUMN["ics_poor"]] == 1).all()


def test_the_asks_are_requirements_after_the_national_ones():
    sc = load(SCENARIOS / "baseline.yaml", ["ics.asks_per_year=4", "ics.start_week=10", "ics.support=0.25",
                                           "ics.lead_weeks=20", "ics.ask_effort=1.5", "ics.span_weeks=110"])
    sched = schedule.build(sc.mandates, sc.ics)
    national = sum(stream.count for stream in sc.mandates)
    assert not sched.from_ics[:national].any() and sched.from_ics[national:].all()
    asks = slice(national, None)
    np.testing.assert_array_equal(sched.arrival[asks], [10, 23, 36, 49, 62, 75, 88, 101, 114])
    np.testing.assert_array_equal(sched.funding[asks], [0, 0, 0, 1, 0, 0, 0, 1, 0])  # a quarter, spread evenly
    np.testing.assert_array_equal(sched.due[asks, 0], sched.arrival[asks] + 20)  # one stage each
    assert not sched.stage_exists[asks, 1:].any() and (sched.effort[asks] == 1.5).all()
    assert (sched.joint[asks] == 0.5).all()


@pytest.mark.parametrize("support, count, supported", [(0.0, 7, 0), (1.0, 7, 7), (0.5, 7, 3), (0.3, 10, 3)])
def test_a_share_of_the_asks_comes_with_support(support, count, supported):
    assert schedule.ics_supported(count, support).sum() == supported


def test_the_asks_add_to_the_mandate_load():
    off, on = runs("baseline", []), runs("baseline", ASKS)
    asks = int((schedule.ics_arrival_weeks(load(SCENARIOS / "baseline.yaml", ASKS).ics) < 260).sum())
    assert asks == 20  # those that arrive within the run's 260 weeks
    # each ask is one more stage due (all fall due within the run but the last) ...
    np.testing.assert_array_equal(final(on, "milestones_due") - final(off, "milestones_due"), 20)
    # ... and its effort is asked for: the asks' 40 practice-weeks, give or take the week-to-week pacing
    extra = np.array([a[:, COLUMN["mandate_demand"]].sum() - b[:, COLUMN["mandate_demand"]].sum()
                      for a, b in zip(on, off)])
    assert ((extra > 0.8 * 2 * asks) & (extra < 1.3 * 2 * asks)).all(), extra
    decided = final(on, "decisions_agreed") + final(on, "decisions_imposed")
    assert (decided - final(off, "decisions_agreed") - final(off, "decisions_imposed") >= 19).all()


def test_supported_asks_on_a_pcn_with_room_raise_trust_and_unsupported_ones_lower_it():
    supported, unsupported = runs("baseline", ASKS + ["ics.support=1"]), runs("baseline", ASKS + ["ics.support=0"])
    # The same asks and draws, paired by seed: only the support differs.
    assert (final(supported, "ics_trust") > 0.8).all() and (final(unsupported, "ics_trust") < 0.2).all()
    assert (final(supported, "ics_poor") == 0).all() and (final(unsupported, "ics_poor") == 1).all()
    # Trust moves only once an ask's work is asked for: flat, to the bit, until the first ask arrives.
    for r in runs("baseline", ASKS + ["ics.start_week=52"], [1, 2]):
        assert (r[:53, COLUMN["ics_trust"]] == 0.5).all() and r[80, COLUMN["ics_trust"]] != 0.5


def test_support_does_not_land_on_an_overloaded_pcn():
    room = runs("baseline", ASKS + ["ics.support=1"])
    overloaded = runs("baseline", ASKS + ["ics.support=1"] + OVERLOAD)
    assert (final(overloaded, "ics_trust") < 0.5).all()
    assert (final(overloaded, "ics_trust") < final(room, "ics_trust")).all()
    # Unsupported asks on an overloaded PCN: trust falls faster than on one with room, seed by seed.
    loaded = runs("baseline", ASKS + ["ics.support=0"] + OVERLOAD)
    calm = runs("baseline", ASKS + ["ics.support=0"])
    week = 60
    assert all(a[week, COLUMN["ics_trust"]] < b[week, COLUMN["ics_trust"]] for a, b in zip(loaded, calm))


def test_the_rule_moves_trust_towards_the_share_of_the_ask_that_lands():
    # No ask: no change, to the bit.
    assert R.ics_trusted(0.37, 0.5, 0.5, 0.0, 0.0, 1.0) == 0.37
    # With gain equal to loss and small weekly asks, trust settles near the share of the work that lands well.
    for support, room in [(0.2, 1.0), (0.8, 1.0), (0.8, 0.5), (1.0, 0.0)]:
        trust = 0.5
        for _ in range(20_000):
            trust = R.ics_trusted(trust, 0.05, 0.05, 0.1, 0.1 * support, room)
        assert abs(trust - support * room) < 0.01, (support, room, trust)
    # Huge asks stay within [0, 1].
    assert R.ics_trusted(0.6, 1.0, 1.0, 1e6, 1e6, 1.0) == 1.0 and R.ics_trusted(0.6, 1.0, 1.0, 1e6, 0.0, 1.0) == 0.0


def test_the_national_share_of_poor_relationships_reads_the_pcns_trust():
    sc = load(SCENARIOS / "england.yaml", SMALL_ENGLAND + ASKS + ["ics.support=0.3", "ics.initial_sd=0.15"])
    batch = Batch.of([sc], [2])
    for _ in batch.advance(60):
        pass
    trust = batch.pcn_outcomes()[0][:, PCN_OUTCOMES.index("ics_trust")]
    assert trust.std() > 0.05  # PCNs differ, so the share is not all or nothing
    assert batch.outcomes[0, COLUMN["ics_poor"]] == np.mean(trust < sc.ics.poor_below)
    assert 0 < batch.outcomes[0, COLUMN["ics_poor"]] < 1
    assert batch.outcomes[0, COLUMN["ics_trust"]] == pytest.approx(trust.mean(), rel=1e-12)


def test_too_many_asks_are_refused_in_one_line(tmp_path, capsys):
    path = tmp_path / "busy.yaml"
    path.write_text("ics: {asks_per_year: 52, span_weeks: 20000}\n")
    line = refusal(["validate", path], capsys)
    assert "ics.asks_per_year" in line and "10,000" in line
