"""A `--set` (or sweep point) on one field of a section changes that field and nothing else."""

import pytest

from pcnsim.config import Scenario, load
from pcnsim.study import experiment as experiments
from conftest import SCENARIOS


def spread_paths(node, path=()):
    """Dotted paths of every mean/sd spread in the schema's defaults."""
    if isinstance(node, dict):
        if set(node) >= {"mean", "sd"}:
            yield ".".join(path)
        for key, value in node.items():
            yield from spread_paths(value, path + (key,))


def at(scenario, path):
    node = scenario.model_dump(mode="json")
    for part in path.split("."):
        node = node[part]
    return node


SPREADS = sorted(spread_paths(Scenario().model_dump(mode="json")))


def test_the_schema_has_spreads_whose_default_sd_is_not_zero():
    # Without such a spread the tests below could not tell a kept sd from a reset one.
    assert sum(at(Scenario(), path)["sd"] > 0 for path in SPREADS) >= 4


@pytest.mark.parametrize("path", SPREADS)
def test_setting_a_spreads_mean_keeps_its_sd(path):
    plain = load(SCENARIOS / "baseline.yaml")
    value = at(plain, path)["mean"] * 0.5 + 0.01  # inside every spread's bounds
    changed = load(SCENARIOS / "baseline.yaml", [f"{path}.mean={value}"])
    assert at(changed, path) == {**at(plain, path), "mean": value}
    assert changed.model_dump(exclude={path.split(".")[0]}) == plain.model_dump(exclude={path.split(".")[0]})


def test_a_sweep_point_on_a_spreads_mean_keeps_its_sd():
    base = {"steps": 10}
    data = experiments._resolved_scenario(base, {"practices.stakes.mean": 0.6}, None, "sweep.yaml")
    assert data["practices"]["stakes"] == {"mean": 0.6, "sd": Scenario().practices.stakes.sd}
    assert data["practices"]["stakes"]["sd"] > 0
