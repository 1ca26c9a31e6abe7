"""Sweeps: the design table, identical results whatever the workers, resume after SIGKILL, failures, Dask."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pcnsim.cli import main
from pcnsim.study import experiment as experiments
from conftest import ROOT, SCENARIOS

SMALL = f"""
name: small
scenarios: [{SCENARIOS / 'race.yaml'}, {SCENARIOS / 'trust_first.yaml'}]
parameters:
  leadership.facilitation: [0.2, 0.8]
replicates: 5
steps: 40
record_every: 2
chunk_size: 3
outcomes: [milestones_met, mean_trust, agreement_share, ownership]
figure: {{crossover: milestones_met}}
"""


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def test_design_table_seeds_are_distinct_paired_and_stable(small):
    experiment, folder = experiments.load(small)
    table, scenarios = experiments.design_table(experiment, folder, str(small))
    assert len(table) == 2 * 2 * 5 and len(scenarios) == 4
    assert table["run_id"].is_unique
    # Distinct within a scenario; each scenario's run of a case and replicate has the same seed (paired runs).
    assert table.groupby("scenario")["seed"].nunique().tolist() == [10, 10]
    race, trust = (table[table["scenario"] == name].set_index(["case", "replicate"])["seed"]
                   for name in ("race", "trust_first"))
    assert race.sort_index().equals(trust.sort_index())
    more = experiment.model_copy(update={"replicates": 8})
    bigger, _ = experiments.design_table(more, folder, str(small))
    # Adding replicates leaves every existing run's id and seed as it was.
    merged = table.merge(bigger, on=["point", "replicate"], suffixes=("", "_new"))
    assert (merged["seed"] == merged["seed_new"]).all() and (merged["run_id"] == merged["run_id_new"]).all()


def test_results_do_not_depend_on_worker_count(small, tmp_path):
    for workers in (1, 2):
        assert main(["sweep", str(small), "--out", str(tmp_path / f"w{workers}"), "--workers", str(workers)]) == 0
    assert (tmp_path / "w1" / "summary.csv").read_bytes() == (tmp_path / "w2" / "summary.csv").read_bytes()
    one = pd.read_parquet(tmp_path / "w1" / "timeseries").sort_values(["run_id", "step"]).reset_index(drop=True)
    two = pd.read_parquet(tmp_path / "w2" / "timeseries").sort_values(["run_id", "step"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(one, two)
    runs = pd.read_parquet(tmp_path / "w1" / "runs.parquet")
    assert (runs["status"] == "ok").all() and len(one) == len(runs) * 21
    summary = pd.read_csv(tmp_path / "w1" / "summary.csv")
    assert {"ci_low", "ci_high", "sd"} <= set(summary.columns)
    undefined = summary[summary["n"] == 0]  # agreement_share has no value before the first week
    assert set(undefined["outcome"]) == {"agreement_share"} and set(undefined["step"]) == {0}
    assert (summary.loc[summary["n"] > 0, "n"] == 5).all()
    assert (tmp_path / "w1" / "figure.png").exists() and (tmp_path / "w1" / "figure.svg").exists()


def test_a_sweep_killed_with_sigkill_resumes_to_identical_results(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(SMALL.replace("replicates: 5", "replicates: 12").replace("steps: 40", "steps: 120")
                    .replace("chunk_size: 3", "chunk_size: 2"))
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    assert main(["sweep", str(path), "--out", str(reference), "--workers", "1"]) == 0
    process = subprocess.Popen([sys.executable, "-m", "pcnsim", "sweep", str(path), "--out", str(killed), "--workers", "1"],
                               cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while len(list((killed / "status").glob("part-*.json"))) < 4 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = len(list((killed / "status").glob("part-*.json")))
    assert 4 <= finished < 24, "the kill should land mid-sweep"
    assert not list((killed / "timeseries").glob("part-*.parquet"))[0].name.startswith(".")
    assert main(["sweep", str(path), "--out", str(killed), "--resume", "--workers", "2"]) == 0
    assert (killed / "summary.csv").read_bytes() == (reference / "summary.csv").read_bytes()
    assert (pd.read_parquet(killed / "runs.parquet")["status"] == "ok").all()


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, capsys, monkeypatch, inline):
    from pcnsim.study import sweep

    original = sweep.run_chunk

    def flaky(runs, scenarios, every, outcomes):
        # Corrupt one design point's parameters the way a broken model would meet them.
        scenarios = {p: (dict(s, steps=-1) if p == 1 else s) for p, s in scenarios.items()}
        return original(runs, scenarios, every, outcomes)

    monkeypatch.setattr(sweep, "run_chunk", flaky)
    path = tmp_path / "s.yaml"
    path.write_text(SMALL)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 0
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    failed = runs[runs["status"] == "failed"]
    assert set(failed["point"]) == {1} and len(failed) == 5
    assert failed["error"].str.contains("steps").all()
    assert (runs.loc[runs["point"] != 1, "status"] == "ok").all()
    assert "5 failed" in capsys.readouterr().out


@pytest.mark.parametrize("text,fragment", [
    ("name: x\nscenarios: [nope.yaml]\n", "no such scenario file"),
    ("name: x\nscenarios: [{race}]\nparameters: {{values.confidence: {{low: 0.1, high: 0.2}}}}\n", "needs a list of values"),
    ("name: x\nscenarios: [{race}]\noutcomes: [happiness]\n", "unknown outcome 'happiness'"),
    ("name: x\nscenarios: [{race}]\nreplicates: 0\n", "replicates"),
    ("name: x\nscenarios: [{race}]\nparameters: {{values.confidence: [0.1, 7]}}\n", "values.confidence"),
    ("name: x\nscenarios: [{race}]\nextra: 1\n", "unknown key"),
])
def test_bad_experiments_get_one_line_and_exit_2(tmp_path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text.format(race=SCENARIOS / "race.yaml"))
    result = subprocess.run([sys.executable, "-m", "pcnsim", "sweep", str(path), "--out", str(tmp_path / "o")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0] and str(path) in lines[0]


def test_plot_and_sensitivity_commands(tmp_path, capsys):
    path = tmp_path / "morris.yaml"
    path.write_text(f"""
name: morris
scenarios: [{SCENARIOS / 'baseline.yaml'}]
parameters:
  values.confidence: {{low: 0.15, high: 0.6}}
  trust.gain: {{low: 0.01, high: 0.1}}
  practices.value_spread: {{low: 0.05, high: 0.35}}
design: morris
samples: 6
replicates: 2
steps: 40
record_every: 10
outcomes: [mean_trust, agreement_share]
""")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "2"]) == 0
    assert main(["sensitivity", str(out)]) == 0
    text = capsys.readouterr().out
    assert "mu_star" in text and "mu_star_conf" in text
    indices = pd.read_csv(out / "sensitivity.csv")
    assert set(indices["parameter"]) == {"values.confidence", "trust.gain", "practices.value_spread"}
    assert indices["step"].nunique() >= 2 and (indices["mu_star"] >= 0).all()
    # Trust gain must matter for mean trust far more than nothing does: its mu* is clearly positive.
    gain = indices[(indices["parameter"] == "trust.gain") & (indices["outcome"] == "mean_trust")]
    assert (gain["mu_star"] > gain["mu_star_conf"]).any()
    assert main(["plot", str(out), "--outcome", "mean_trust", "--by", "values.confidence", "--out", str(tmp_path / "p")]) == 0
    assert (tmp_path / "p.png").exists() and (tmp_path / "p.svg").exists()
    assert main(["plot", str(out), "--outcome", "happiness"]) == 2


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_real_dask_cluster_gives_the_local_results_bit_for_bit(small, tmp_path):
    dask = Path(sys.executable).with_name("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    processes = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--dashboard-address", ":0"], env=env, cwd=tmp_path,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(1.5)
        for _ in range(2):
            processes.append(subprocess.Popen([str(dask), "worker", address, "--nthreads", "1", "--no-dashboard"],
                                              env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        assert main(["sweep", str(small), "--out", str(tmp_path / "cluster"), "--scheduler", address]) == 0
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    assert main(["sweep", str(small), "--out", str(tmp_path / "local"), "--workers", "1"]) == 0
    assert (tmp_path / "cluster" / "summary.csv").read_bytes() == (tmp_path / "local" / "summary.csv").read_bytes()
    cluster = pd.read_parquet(tmp_path / "cluster" / "timeseries").sort_values(["run_id", "step"]).reset_index(drop=True)
    local = pd.read_parquet(tmp_path / "local" / "timeseries").sort_values(["run_id", "step"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(cluster, local)


def test_scheduler_that_is_not_there_is_a_one_line_error(small, tmp_path):
    result = subprocess.run([sys.executable, "-m", "pcnsim", "sweep", str(small), "--out", str(tmp_path / "o"),
                             "--scheduler", f"tcp://127.0.0.1:{_free_port()}"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect" in lines[0]
