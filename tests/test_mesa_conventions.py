"""What a Mesa user expects of PCNModel and of the results: a DataCollector, a default scenario, named columns."""

import numpy as np
import pandas as pd
import pytest

from pcnsim.config import load
from pcnsim.model import AGENT_REPORTERS, PCNModel
from conftest import SCENARIOS


def test_datacollector_holds_the_timeseries_numbers():
    model = PCNModel(load(SCENARIOS / "race.yaml"), seed=5, collect=True)
    timeseries = model.run(60)
    national = model.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(national.reset_index(drop=True), timeseries)
    members = model.datacollector.get_agent_vars_dataframe()
    assert list(members.columns) == list(AGENT_REPORTERS)
    assert len(members) == 61 * len(model.agents)
    by_week = members.groupby(level="Step")
    # The members' own states, collected each week, add up to the national outcomes of that week.
    shares = by_week["engagement"].apply(lambda e: (e == "ownership").mean()).to_numpy()
    assert np.allclose(shares, timeseries["ownership"]) and shares.min() != shares.max()
    assert np.allclose(by_week["burnout"].mean().to_numpy(), timeseries["burnout"])
    assert np.allclose(by_week["ownership"].mean().to_numpy(), timeseries["mean_ownership"])
    last = members.xs(members.index.get_level_values("Step").max(), level="Step")
    assert last["ownership"].tolist() == model.state.ownership.tolist()


def test_datacollector_is_off_by_default_and_can_report_a_subset():
    assert PCNModel(seed=3).datacollector is None
    model = PCNModel(seed=3, collect=["mean_trust", "milestones_met"])
    timeseries = model.run(5)
    national = model.datacollector.get_model_vars_dataframe()
    assert list(national.columns) == ["mean_trust", "milestones_met"]
    pd.testing.assert_frame_equal(national.reset_index(drop=True), timeseries[["mean_trust", "milestones_met"]])
    with pytest.raises(ValueError, match="unknown outcome.*no_such"):
        PCNModel(seed=3, collect=["no_such"])


def test_default_scenario_is_the_shipped_baseline():
    pd.testing.assert_frame_equal(PCNModel(seed=3).run(10), PCNModel(load(SCENARIOS / "baseline.yaml"), seed=3).run(10))
    assert PCNModel().params == load(SCENARIOS / "baseline.yaml")
