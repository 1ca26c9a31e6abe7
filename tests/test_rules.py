"""The model's local rules (pcnsim.engine.rules): compiled and plain Python agree, and each does what it says."""

import math

import numpy as np
import pytest

from pcnsim.engine import jit, rules
from pcnsim.engine.week import MODULE, ORDER, START

RULES = {name: f for name, f in vars(rules).items() if hasattr(f, "py_func")}


def arguments(f, rng):
    """Random arguments for a rule: booleans where it branches on a flag, otherwise numbers in 0..1.5."""
    names = f.py_func.__code__.co_varnames[:f.py_func.__code__.co_argcount]
    flags = {"engaged", "behind"}
    return [bool(rng.random() < 0.5) if n in flags else float(rng.random() * 1.5) for n in names]


@pytest.mark.parametrize("name", sorted(RULES))
def test_the_compiled_rule_equals_its_plain_python_bit_for_bit(name):
    f = RULES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    for _ in range(200):
        args = arguments(f, rng)
        if name in ("stage_rate",):  # due and week are whole weeks
            args[3], args[4] = int(args[3] * 40), int(args[4] * 40)
        if name == "forced":
            args = [int(a * 40) for a in args]
        compiled, plain = f(*args), f.py_func(*args)
        assert np.array_equal(np.asarray(compiled), np.asarray(plain)), (name, args)


def test_openness_stake_and_backing():
    assert rules.openness(1.0, 0.7) == 1.0 and rules.openness(0.0, 0.7) == pytest.approx(0.3)
    assert rules.stake(0.3, 2.0, 0.1) == pytest.approx(0.5)
    # a larger stake makes the same distance too far to back
    assert rules.backs(0.2, 0.0, 1.0, 0.35, 1.0) and not rules.backs(0.2, 0.9, 1.0, 0.35, 1.0)
    assert not rules.backs(0.2, 0.0, 1.0, 0.35, 0.5)  # less open, a narrower bound


def test_engagement_classes_at_the_active_ownership_threshold():
    just_above = math.nextafter(rules.ACTIVE_OWNERSHIP, 1.0)
    assert rules.engagement(True, just_above) == rules.OWNERSHIP
    assert rules.engagement(True, rules.ACTIVE_OWNERSHIP) == rules.COMPLIANCE
    assert rules.engagement(False, 1.0) == rules.DISENGAGED


def test_history_makes_trust_build_faster_from_one_half_to_one():
    assert rules.history_factor(0.0, 4.0) == 0.5
    values = [rules.history_factor(h, 4.0) for h in (0.5, 2.0, 8.0, 100.0)]
    assert values == sorted(values) and 0.5 < values[0] and values[-1] == pytest.approx(1.0)


def test_trust_moves_stay_between_zero_and_one():
    for trust in (0.0, 0.3, 1.0):
        assert 0.0 <= rules.trust_built(trust, 0.04, 1.0, 0.0) <= 1.0
        assert rules.trust_built(trust, 0.04, 1.0, 0.5) <= max(trust, math.exp(-0.5))  # not above the ceiling
        assert 0.0 <= rules.trust_broken(trust, 0.25, 0.5, 1.0, 3.0) <= trust
        assert 0.0 <= rules.trust_eroded(trust, 0.01, 50.0) <= trust
    assert rules.trust_broken(0.5, 0.25, 0.5, 1.0, 1.0) > rules.trust_broken(0.5, 0.25, 0.5, 0.0, 1.0)


def test_a_members_week_of_work():
    capacity, effort, attendance, delivered = rules.member_week(0.0, 0.3, 0.85, 0.0, 0.0, 1.02, 0.7, 0.5, 0.06)
    assert (capacity, effort, delivered) == (pytest.approx(1.02), 0.0, 0.0) and 0.0 < attendance <= 1.0
    # more work than the margin: overtime is used, attendance falls to nothing, less is delivered than asked
    capacity, effort, attendance, delivered = rules.member_week(1.0, 0.3, 0.85, 0.0, 0.0, 1.02, 0.7, 0.5, 0.06)
    assert attendance == 0.0 and delivered < 1.0 and effort == pytest.approx(1.02 - 0.85 + 0.06)
    # burnout eats the margin, not core work
    assert rules.member_week(0.0, 0.3, 0.85, 1.0, 0.0, 1.02, 0.7, 0.5, 0.06)[0] < 1.02


def test_burnout_and_engagement_with_hysteresis():
    assert rules.burnt(0.2, 1.5, 0.5, 0.02) == pytest.approx(0.45)
    assert rules.burnt(0.2, 0.9, 0.5, 0.02) == pytest.approx(0.2 - 0.004)
    assert rules.burnt(0.9, 5.0, 0.5, 0.02) == 1.0
    assert rules.stays_engaged(True, 0.5, 0.7, 0.4) and not rules.stays_engaged(False, 0.5, 0.7, 0.4)


def test_imposition_is_likelier_for_a_pcn_that_thinks_it_is_behind():
    calm = rules.imposition_chance(0.5, 0.2, False, 0.3)
    assert calm == pytest.approx(0.1) and rules.imposition_chance(0.5, 0.2, True, 0.3) > calm


def test_every_process_of_the_week_has_a_reference_half():
    import importlib
    for name in set(ORDER) | set(START):
        module = importlib.import_module(f"pcnsim.engine.processes.{MODULE[name]}")
        assert callable(getattr(module, name)) and callable(getattr(module, name + "_reference")), name


def test_plain_gives_the_python_of_every_rule():
    plain = jit.plain(rules)
    assert set(vars(plain)) == set(RULES)
    assert plain.openness is rules.openness.py_func
