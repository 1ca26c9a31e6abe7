"""The engine holds to the per-agent reference (pcnsim.reference) exactly.

For every scenario file, and at settings that switch every mechanism on, the
compiled engine (through PCNModel) and the plain Mesa reference are run from
the same seed; their weekly outcome tables, their per-PCN outcomes and their
final states must be equal bit for bit, not merely close.
"""

import numpy as np
import pandas as pd
import pytest

from pcnsim import load
from pcnsim.engine import draws as engine_draws
from pcnsim.engine import state as engine_state
from pcnsim.engine import week as engine_week
from pcnsim.engine.outcomes import OUTCOMES, TALLY
from pcnsim.model import PCNModel
from pcnsim.reference import Member, ReferenceModel, Tally
from conftest import SCENARIOS

SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))
EVERYTHING = ["network.kind=generated", "network.pcns=6", "network.systems=2", "network.cross_ties=2",
              "partners.per_pcn=1", "partners.join_week=20", "comparison.visible=2", "comparison.bias=0.7",
              "comparison.perception_sd=0.1", "leadership.facilitation_sd=0.2", "leadership.cd_wte_sd=0.05", "leadership.new_cd_share=0.6"]
SETTINGS = {
    "race": EVERYTHING,
    # partners there from week 0, population-scaled and part-funded work, directive, hasty and urgent PCNs
    "directive_hasty": EVERYTHING + [
        "partners.per_pcn=2", "partners.join_week=0", "delivery.effort_population=40000",
        "mandates.0.funding=0.5", "leadership.facilitation=0.1", "comparison.urgency=2.0", "comparison.haste=0.8"],
    # overload: burnout, disengagement and re-engagement; wide uniform values, more cross ties
    "overload": EVERYTHING + [
        "mandates.0.total_effort=40", "wellbeing.burnout_rate=2.0", "practices.value_distribution=uniform",
        "practices.value_spread=0.3", "network.cross_ties=4"],
    # core demand above capacity for 30 weeks, no overtime: burnout from core work alone
    "shock": EVERYTHING + ["demand_shocks=[{start_week: 5, weeks: 30, extra: 0.4}]", "delivery.overtime=0"],
}
# Model 2's mechanisms, all on, at strengths that make each act often within 80 weeks.
MODEL2 = ["mandates.0.joint_share=0.6", "mandates.1.joint_share=0.2", "delivery.late_weeks=13",
          "joint.capacity_effect=1", "joint.weight_purpose=2", "follow.break_rate=4", "follow.unsaid=2",
          "delivery.meeting_ownership_rate=0", "ownership.imposed_backer_gain=0.3", "ownership.success_rate=2",
          "ownership.overload_loss=0.5", "damage.imposition_scar=0.15", "damage.break_scar=0.05",
          "damage.conflict_scar=0.05", "damage.repulsion=0.2", "comparison.urgency_purpose=1",
          "comparison.anxiety=0.05"]
SETTINGS |= {"model2": EVERYTHING + MODEL2,
             "model2_overload": EVERYTHING + MODEL2 + [
                 "mandates.0.total_effort=40", "wellbeing.burnout_rate=2.0", "partners.per_pcn=2",
                 "partners.join_week=0", "leadership.facilitation=0.1", "comparison.haste=0.8"]}
# The ICS's asks, supported and not, on population-scaled PCNs some of whose practices work beyond capacity.
ICS = ["ics.asks_per_year=6", "ics.start_week=5", "ics.ask_effort=2", "ics.lead_weeks=10", "ics.support=0.5",
       "ics.gain=0.1", "ics.loss=0.1", "ics.initial=0.45", "ics.initial_sd=0.1", "delivery.effort_population=40000",
       "mandates.0.total_effort=30"]
SETTINGS |= {"ics": EVERYTHING + MODEL2 + ICS}


def small(path, overrides=()):
    """The scenario at `path`, a large generated system shrunk to 6 PCNs in 2 systems."""
    overrides = list(overrides)
    scenario = load(path, overrides)
    if scenario.network.kind == "generated" and scenario.network.pcns > 20:
        scenario = load(path, overrides + ["network.pcns=6", "network.systems=2"])
    return scenario


def assert_same(scenario, seed, weeks):
    model = PCNModel(scenario, seed)
    expected = model.run(weeks)
    reference = ReferenceModel(scenario, seed)
    got = reference.run(weeks)

    assert list(got.columns) == list(OUTCOMES) and len(got) == weeks + 1
    assert (got.dtypes == expected.dtypes).all(), "the reference's outcome types differ from the engine's"
    pd.testing.assert_frame_equal(got, expected, check_exact=True)

    state = reference.state()
    # every field that is not fixed at build time is state the reference must reproduce
    assert set(state) == set(engine_state.FIELDS) - engine_state.STATIC_FIELDS
    engine = dict(engine_state.items(model.batch.state))
    for name, value in state.items():
        theirs = engine[name][0]
        assert value.dtype == theirs.dtype and value.shape == theirs.shape, name
        assert np.array_equal(value, theirs), f"{name} differs after {weeks} weeks"
    np.testing.assert_array_equal(reference.pcn_outcomes(), model.batch.pcn_outcomes()[0])
    return got


def test_scenario_files_are_found():
    assert SCENARIO_FILES, f"no scenario files in {SCENARIOS}"


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_reference_equals_engine_on_every_scenario(path, seed):
    assert_same(small(path), seed, 60)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_reference_equals_engine_with_everything_switched_on(setting, seed):
    got = assert_same(small(SCENARIOS / "race.yaml", SETTINGS[setting]), seed, 80)
    # The settings do reach the mechanisms they are meant to exercise.
    assert got["decisions_imposed"].iloc[-1] > 0 and got["conflict_episodes"].sum() > 0
    assert got["believe_behind"].max() > 0
    if setting.startswith("model2"):
        assert got["broken_agreements"].iloc[-1] > 0 and got["joint_value"].iloc[-1] > 0
        assert got["trust_ceiling"].min() < 1
    if setting == "ics":
        assert got["ics_trust"].min() < 0.45 < got["ics_trust"].max() and got["ics_poor"].max() > 0


def test_overload_setting_disengages_practices():
    got = assert_same(small(SCENARIOS / "race.yaml", SETTINGS["overload"]), 3, 80)
    assert got["disengaged"].max() > 0


@pytest.mark.parametrize("overrides", [
    ["network.practices=8", "network.topology=small_world", "network.degree=4"],
    ["network.practices=8", "network.topology=random", "network.degree=3", "partners.per_pcn=1",
     "partners.join_week=10"],
], ids=["small_world", "random_with_partner"])
def test_reference_equals_engine_on_sparse_single_pcns(overrides):
    assert_same(small(SCENARIOS / "baseline.yaml", overrides), 5, 60)


def test_reference_equals_engine_on_a_csv_structure(tmp_path):
    data = SCENARIOS / "data"
    path = tmp_path / "csv.yaml"
    path.write_text(
        f"network: {{kind: csv, file: {data / 'example_practices.csv'}, edges_file: {data / 'example_ties.csv'}}}\n"
        "comparison: {visible: 2, bias: 0.5}\n"
        "partners: {per_pcn: 1, join_week: 15}\n"
        "mandates:\n  - {kind: step, count: 5, total_effort: 14.0, lead_weeks: 26, milestones: 4}\n")
    assert_same(load(path), 4, 60)


def test_members_are_mesa_agents_with_their_own_attributes():
    model = ReferenceModel(load(SCENARIOS / "partners.yaml"), 1)
    assert len(model.agents) == len(model.members) == 5 + 2
    practice, partner = model.members[0], model.members[-1]
    assert isinstance(practice, Member) and not practice.partner and partner.partner and not partner.active
    assert isinstance(practice.values, list) and all(isinstance(x, float) for x in practice.values)
    assert all(practice in (tie.src, tie.dst) for tie in practice.ties)


# ---------------------------------------------------------------- one process at a time

# One week's follow-through uniforms for the 6 PCNs' members (up to 2 partners each), whatever came before.
FOLLOW = np.random.default_rng(33).random(200)
# How the engine's step calls each process (the arguments are the kernel's; the order is week.ORDER's).
KERNEL_CALL = {
    "remember_trust": lambda s, p, week, u, lay, tally: engine_week.remember_trust(s.index, s.ties, s.counters),
    "join_partners": lambda s, p, week, u, lay, tally: engine_week.join_partners(
        s.index, s.traits, s.members, s.ties, s.counters, p, week),
    "facilitate": lambda s, p, week, u, lay, tally: engine_week.facilitate(s.traits, s.pcns, p),
    "decide": lambda s, p, week, u, lay, tally: engine_week.decide(
        s.index, s.traits, s.schedule, s.members, s.ties, s.pcns, s.counters, p, week, u, lay, tally),
    "work": lambda s, p, week, u, lay, tally: engine_week.work(
        s.index, s.traits, s.schedule, s.members, s.ties, s.pcns, s.counters, p, week, FOLLOW[None], tally),
    "milestones": lambda s, p, week, u, lay, tally: engine_week.milestones(
        s.traits, s.schedule, s.pcns, s.counters, week),
    "meet": lambda s, p, week, u, lay, tally: engine_week.meet(
        s.index, s.traits, s.members, s.ties, s.pcns, s.counters, p, u, lay, tally),
    "drift_and_wear": lambda s, p, week, u, lay, tally: engine_week.drift_and_wear(s.members, s.ties, p),
    "social_comparison": lambda s, p, week, u, lay, tally: engine_week.social_comparison(
        s.index, s.traits, s.schedule, s.pcns, p, week),
    "remember_agreement": lambda s, p, week, u, lay, tally: engine_week.remember_agreement(s.counters, p, tally),
}


def test_the_engines_step_calls_the_processes_in_the_weeks_order():
    import ast
    import inspect

    body = ast.parse(inspect.getsource(engine_week.step.py_func)).body[0].body
    called = [node.value.func.id for node in body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)]
    assert called == list(engine_week.ORDER)
    start = ast.parse(inspect.getsource(engine_week.start.py_func)).body[0].body
    called = [node.value.func.id for node in start if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)]
    assert called == list(engine_week.START) + ["measure"]
    assert set(KERNEL_CALL) == set(engine_week.ORDER)


@pytest.mark.parametrize("setting", ["directive_hasty", "model2", "ics"])
@pytest.mark.parametrize("process", engine_week.ORDER)
def test_each_process_alone_gives_the_same_state_in_both_halves(process, setting):
    """From one mid-run state and one week of draws, a single process through the kernel and through the reference."""
    scenario = small(SCENARIOS / "race.yaml", SETTINGS[setting] + ["partners.join_week=31"])
    model, reference = PCNModel(scenario, 2), ReferenceModel(scenario, 2)
    model.run(30)
    reference.run(30)
    week = 31
    u = np.random.default_rng(31).random(reference.layout.size)
    tally = np.random.default_rng(32).integers(0, 9, (1, len(TALLY))).astype(float)  # whatever came before
    mine = Tally()
    for name, value in zip(TALLY.names, tally[0].tolist()):
        setattr(mine, name, int(value) if isinstance(getattr(mine, name), int) else value)
    KERNEL_CALL[process](model.batch.state, model.batch.params, week, u[None], model.batch.layout, tally)
    weeks_draws = engine_draws.split(reference.layout, u.tolist()) | {"follow": FOLLOW.tolist()}
    engine_week.reference_week(reference, (process,), week, weeks_draws, mine)

    engine = dict(engine_state.items(model.batch.state))
    for name, value in reference.state().items():
        assert np.array_equal(value, engine[name][0]), f"{process}: {name} differs"
    assert [getattr(mine, name) for name in TALLY.names] == tally[0].tolist(), f"{process}: the tally differs"
