"""What a Mesa user expects of PCNModel and of the results: a DataCollector, a default scenario, named columns."""

import shlex

import numpy as np
import pandas as pd
import pytest

from pcnsim.cli import main
from pcnsim.config import load
from pcnsim.engine.batch import simulate
from pcnsim.model import AGENT_REPORTERS, PCNModel
from conftest import ROOT, SCENARIOS


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


def test_simulate_returns_each_run_by_outcome_name_on_request(tmp_path):
    scenario = load(SCENARIOS / "race.yaml", ["steps=20"])
    # A CSV structure's 30 PCNs cannot each watch 40 others: known only once it is built, so returned as an error.
    path = tmp_path / "csv.yaml"
    path.write_text(f"network: {{kind: csv, file: {SCENARIOS / 'data' / 'example_practices.csv'}}}\n"
                    "comparison: {visible: 40}\n")
    named, failed = simulate([scenario, load(path)], [4, 4], named=True)
    model = PCNModel(scenario, seed=4)
    pd.testing.assert_frame_equal(named, model.run())
    assert isinstance(failed, Exception)
    array = simulate([scenario], [4])[0]
    assert isinstance(array, np.ndarray) and np.array_equal(array, named.to_numpy(float), equal_nan=True)
    some = simulate([scenario], [4], record_every=5, outcomes=["milestones_met", "mean_trust"], named=True)[0]
    assert list(some.columns) == ["milestones_met", "mean_trust"] and some["milestones_met"].dtype == np.int64
    pd.testing.assert_frame_equal(some, named.iloc[::5][["milestones_met", "mean_trust"]].reset_index(drop=True))


def _readme_block(language: str, after: str) -> str:
    """The first ```language block of README.md's section `after`."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split(f"## {after}\n", 1)[1].split("\n## ", 1)[0]
    return section.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_readme_duckdb_query(tmp_path, monkeypatch, capsys):
    duckdb = pytest.importorskip("duckdb")
    # A small pressure_vs_stakes, in the folder the README names (relative to the working folder).
    experiment = tmp_path / "pvs.yaml"
    experiment.write_text(f"name: pressure_vs_stakes\nscenarios: [{SCENARIOS / 'baseline.yaml'}]\n"
                          "parameters: {mandates.0.total_effort: [0.0, 40.0], practices.stakes.mean: [0.0, 1.0]}\n"
                          "replicates: 2\nrecord_every: 4\noutcomes: [mean_trust, burnout]\n")
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(experiment), "--out", "results/pressure_vs_stakes", "--workers", "1"]) == 0
    runs = pd.read_parquet("results/pressure_vs_stakes/runs.parquet")
    timeseries = pd.read_parquet("results/pressure_vs_stakes/timeseries")
    final = timeseries[timeseries["step"] == 260].merge(runs[runs["status"] == "ok"], on="run_id")
    expected = (final.groupby(["mandates.0.total_effort", "practices.stakes.mean"])["mean_trust"]
                .agg(runs="count", mean_trust="mean").reset_index()
                .rename(columns={"mandates.0.total_effort": "effort", "practices.stakes.mean": "stakes"}))
    assert len(expected) == 4 and (expected["runs"] == 2).all()
    # The shell's form: the SQL is the one argument of `duckdb -c`, as the shell would pass it.
    command = shlex.split(_readme_block("bash", "Querying results with DuckDB"))
    assert command[:2] == ["duckdb", "-c"] and len(command) == 3
    from_shell = duckdb.sql(command[2]).df()
    namespace = {}
    exec(_readme_block("python", "Querying results with DuckDB"), namespace)
    for got in (from_shell, namespace["final"]):
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_a_folder_written_by_the_python_api_can_be_plotted(tmp_path, monkeypatch, capsys):
    from pcnsim.study import experiment as experiments
    from pcnsim.study import sweep

    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "small.yaml").write_text(
        "name: small\nscenarios: [../scenarios/race.yaml]\nparameters: {values.confidence: [0.2, 0.4]}\n"
        "replicates: 2\nsteps: 10\noutcomes: [milestones_met, mean_trust]\n")
    monkeypatch.chdir(tmp_path / "exp")  # scenario paths are relative to `folder`, not to the working folder
    (tmp_path / "scenarios").symlink_to(SCENARIOS)
    experiment, folder = experiments.load(tmp_path / "exp" / "small.yaml")
    built = experiments.Experiment(name="built", scenarios=["scenarios/trust_first.yaml"],
                                   parameters={"values.confidence": [0.2, 0.4]}, replicates=2, steps=10)
    for made, where, out in ((experiment, folder, tmp_path / "loaded"), (built, tmp_path, tmp_path / "built")):
        table = sweep.run(made, out, folder=where, progress=False)
        assert (table["status"] == "ok").all()
        assert main(["plot", str(out)]) == 0
        assert (out / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
