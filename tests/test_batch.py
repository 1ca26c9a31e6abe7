"""A run's result does not depend on the batch it is stepped in (pcnsim.engine.batch)."""

import numpy as np
import pandas as pd
import pytest

from pcnsim import PCNModel, load
from pcnsim.engine.outcomes import OUTCOMES
from pcnsim.engine.batch import Batch, simulate
from conftest import SCENARIOS


def scenario(name, *overrides):
    return load(SCENARIOS / f"{name}.yaml", ["steps=80", *overrides])


@pytest.mark.parametrize("name", ["race", "trust_first", "high_stakes"])
def test_a_run_is_the_same_alone_and_in_batches_of_any_size(name):
    sc = scenario(name)
    alone = simulate([sc], [7])[0]
    for size in (10, 200):
        seeds = list(range(100, 100 + size))
        seeds[size // 2] = 7
        batched = simulate([sc] * size, seeds)
        assert np.array_equal(batched[size // 2], alone, equal_nan=True), size
    # and its neighbours in the batch really differ from it
    assert not np.array_equal(batched[0], alone, equal_nan=True)


def test_runs_of_different_parameters_share_a_batch_without_mixing():
    points = [scenario("baseline", f"leadership.facilitation={f}", f"practices.stakes.mean={s}")
              for f, s in [(0.1, 0.6), (0.9, 0.1), (0.5, 0.3)]]
    mixed = simulate(points * 4, [3] * 12)
    for i, sc in enumerate(points):
        alone = simulate([sc], [3])[0]
        for j in range(i, 12, 3):
            assert np.array_equal(mixed[j], alone, equal_nan=True)
    assert not np.array_equal(mixed[0], mixed[1], equal_nan=True)


def test_runs_of_different_shapes_are_grouped_and_each_is_unchanged():
    shapes = [scenario("baseline", "network.practices=5"), scenario("baseline", "network.practices=7"),
              scenario("partners", "steps=80"), scenario("england", "network.pcns=8", "network.systems=2")]
    together = simulate(shapes, [11, 11, 11, 11])
    for sc, result in zip(shapes, together):
        assert np.array_equal(result, simulate([sc], [11])[0], equal_nan=True)


def test_the_model_steps_its_run_exactly_as_a_batch_does():
    sc = scenario("partners", "partners.join_week=20")
    model = PCNModel(sc, seed=4)
    table = model.run()
    batch = simulate([sc], [4])[0]
    np.testing.assert_array_equal(table.to_numpy(float), batch)
    assert list(table.columns) == list(OUTCOMES)


def test_week_by_week_and_block_draws_give_the_same_run():
    sc = scenario("race")
    stepped = Batch.of([sc], [9])
    rows = [stepped.outcomes.copy()]
    for _ in range(sc.steps):
        rows.extend(o.copy() for o in stepped.advance(1))
    blocked = simulate([sc], [9])[0]
    assert np.array_equal(np.concatenate(rows), blocked, equal_nan=True)


def test_a_run_that_cannot_be_built_is_reported_and_the_others_go_on(tmp_path):
    good = scenario("baseline")
    # A CSV structure's PCNs are known only once it is read: its 30 PCNs cannot each watch 40 others.
    path = tmp_path / "csv.yaml"
    path.write_text(f"steps: 80\nnetwork: {{kind: csv, file: {SCENARIOS / 'data' / 'example_practices.csv'}}}\n"
                    "comparison: {visible: 40}\n")
    bad = load(path)
    results = simulate([good, bad, good], [1, 1, 1])
    assert "comparison.visible" in str(results[1])
    assert isinstance(results[0], np.ndarray) and np.array_equal(results[0], results[2], equal_nan=True)
    frame = pd.DataFrame(results[0], columns=list(OUTCOMES))
    assert frame["step"].tolist() == list(range(81))


def test_weeks_not_recorded_are_skipped_without_changing_those_recorded():
    sc = scenario("race", "comparison.visible=0")
    every = simulate([sc], [5])[0]
    fourth = simulate([sc], [5], record_every=4)[0]
    assert np.array_equal(fourth, every[::4], equal_nan=True)


def test_a_run_can_record_only_the_outcomes_asked_for():
    sc = scenario("high_stakes")
    every = simulate([sc], [6])[0]
    asked = ["milestones_met", "mean_trust", "n_clusters"]
    some = simulate([sc], [6], record_every=2, outcomes=asked)[0]
    assert some.shape == (len(every[::2]), 3)
    assert np.array_equal(some, every[::2][:, [OUTCOMES.index(name) for name in asked]], equal_nan=True)
    with pytest.raises(ValueError, match="no_such_outcome"):
        simulate([sc], [6], outcomes=["no_such_outcome"])


def test_the_model_keeps_mesas_clock_and_stops_at_the_scenarios_last_step():
    sc = scenario("baseline", "steps=12")
    model = PCNModel(sc, seed=1)
    model.run(5)
    assert model.steps == model.week == 5 and model.time == 5.0 and model.running
    model.step()
    assert model.steps == model.week == 6
    model.run()  # to the scenario's steps from here: 12 more weeks, the last 6 beyond its end
    assert model.week == model.steps == 18 and not model.running
