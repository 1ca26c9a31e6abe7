"""Each PCN's own Clinical Director (issue 13 item 3): skill and time drawn per PCN, and facilitation by ODD 7.2."""

import numpy as np
import pytest

from pcnsim import load
from pcnsim.engine.batch import Batch
from pcnsim.engine.processes.facilitate import facilitate
from conftest import SCENARIOS

# England with every Clinical Director experienced (its new ones learn: tests below), spread wider than England's.
SPREAD = ["network.pcns=40", "network.systems=4", "leadership.facilitation_sd=0.25", "leadership.cd_wte_sd=0.08",
          "leadership.new_cd_share=0"]


def test_clinical_directors_differ_between_pcns_and_stay_in_range():
    batch = Batch.of([load(SCENARIOS / "england.yaml", SPREAD)], [3])
    skill, time = batch.state.traits.skill[0], batch.state.traits.cd_time[0]
    assert skill.std() > 0.15 and time.std() > 0.05  # a spread (clipping at 0 and 1 can tie a few)
    assert ((skill >= 0) & (skill <= 1)).all() and ((time >= 0) & (time <= 1)).all()
    assert abs(skill.mean() - 0.5) < 0.1 and abs(time.mean() - 0.25) < 0.05  # around the scenario's values


def test_each_pcns_facilitation_follows_the_odd_formula_with_its_own_director():
    batch = Batch.of([load(SCENARIOS / "england.yaml", SPREAD)], [4])
    s, p = batch.state, batch.params
    demand = np.random.default_rng(0).uniform(0.0, 1.5, s.pcns.demand.shape[1])
    s.pcns.demand[0] = demand
    facilitate(s.traits, s.pcns, p)
    skill, time = s.traits.skill[0], s.traits.cd_time[0]
    le = load(SCENARIOS / "england.yaml", SPREAD).leadership
    free = time * (1 - 0.2) - le.cd_admin * demand  # focus.partners 0.2
    np.testing.assert_allclose(s.pcns.facilitation[0], skill * np.clip(free / le.cd_need, 0, 1), rtol=1e-12)


@pytest.mark.parametrize("field", ["leadership.facilitation_sd=1.5", "leadership.cd_wte_sd=-0.1"])
def test_a_spread_out_of_range_is_refused(field):
    from pcnsim.config import ScenarioError

    with pytest.raises(ScenarioError, match=field.split("=")[0]):
        load(SCENARIOS / "england.yaml", [field])


def test_new_clinical_directors_start_below_their_skill_and_learn_it_by_the_odd_rule():
    settings = SPREAD + ["leadership.new_cd_share=0.55", "leadership.new_cd_start=0.4", "leadership.learning_weeks=52"]
    batch = Batch.of([load(SCENARIOS / "england.yaml", settings)], [5])
    s = batch.state
    skill = s.traits.skill[0]
    # week 0 (the batch's start) has had one week of learning already
    new = np.isclose(s.pcns.cd_skill[0], 0.4 * skill + 0.6 * skill / 52) & (skill > 0)
    assert 0.3 < new.mean() < 0.8  # about the stated share of PCNs (40 of them)
    np.testing.assert_array_equal(s.pcns.cd_skill[0][~new], skill[~new])  # the others are experienced
    before = s.pcns.cd_skill[0].copy()
    facilitate(s.traits, s.pcns, batch.params)
    np.testing.assert_allclose(s.pcns.cd_skill[0], before + (skill - before) / 52, rtol=1e-12)
    for _ in batch.advance(156):
        pass
    gap = (skill - s.pcns.cd_skill[0])[new]
    assert (gap > 0).all() and (gap < 0.6 * 0.05 * skill[new] + 1e-12).all()  # 0.6 x (51/52)^157 < 5% is left
