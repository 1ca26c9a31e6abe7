"""Sweeps on a multi-process Dask cluster give a local run's results bit for bit, and docs/CLUSTER.md's recipes run.

Which process writes a part (a worker that sees the folder, or the sweep) is
not looked at: only the folder's results are compared.
"""

import inspect
import json
import logging
import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client, LocalCluster, get_task_stream

from pcnsim.cli import main
from pcnsim.study import experiment as experiments
from pcnsim.study import sweep
from conftest import ROOT, SCENARIOS

DOC = ROOT / "docs" / "CLUSTER.md"

# 2 scenarios x 2 cases x 3 replicates = 12 runs in 6 parts of 2.
SMALL = f"""
name: small
scenarios: [{SCENARIOS / 'race.yaml'}, {SCENARIOS / 'trust_first.yaml'}]
parameters:
  leadership.facilitation: [0.2, 0.8]
replicates: 3
steps: 30
record_every: 3
chunk_size: 2
outcomes: [milestones_met, mean_trust, agreement_share, ownership]
"""
RUNS, PARTS = 12, 6


def code_block(language: str, needle: str) -> str:
    """The one fenced `language` block of docs/CLUSTER.md that contains `needle`."""
    found = [b for b in re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)
             if needle in b]
    assert len(found) == 1, f"docs/CLUSTER.md: expected one {language} block with {needle!r}, found {len(found)}"
    return found[0]


def results(out: Path):
    """What a sweep folder holds as results: its two summaries' bytes and every recorded row, in a fixed order."""
    timeseries = pd.read_parquet(out / "timeseries").sort_values(["run_id", "step"]).reset_index(drop=True)
    return (out / "summary.csv").read_bytes(), (out / "runs_summary.csv").read_bytes(), timeseries


def assert_same_results(a: Path, b: Path) -> None:
    summary_a, runs_a, series_a = results(a)
    summary_b, runs_b, series_b = results(b)
    assert summary_a == summary_b, f"summary.csv of {a} and {b} differ"
    assert runs_a == runs_b, f"runs_summary.csv of {a} and {b} differ"
    pd.testing.assert_frame_equal(series_a, series_b)


def sessions(out: Path) -> list[dict]:
    return json.loads((out / "provenance.json").read_text(encoding="utf-8"))["sessions"]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("experiment") / "small.yaml"
    path.write_text(SMALL)
    return path


LOCAL = """
import sys
from pcnsim.study import experiment, sweep
planned, folder = experiment.load(sys.argv[1])
for workers in (1, 2):
    sweep.run(planned, f"{sys.argv[2]}/w{workers}", folder=folder, workers=workers, progress=False)
"""


@pytest.fixture(scope="module")
def local(small, tmp_path_factory) -> dict[int, Path]:
    """The experiment swept on local loky processes, with 1 and with 2 workers (in a process of its own, so no loky
    worker outlives the tests)."""
    root = tmp_path_factory.mktemp("local")
    subprocess.run([sys.executable, "-c", LOCAL, str(small), str(root)], cwd=ROOT, check=True, timeout=300)
    outs = {workers: root / f"w{workers}" for workers in (1, 2)}
    for workers, out in outs.items():
        runs = pd.read_parquet(out / "runs.parquet")
        assert len(runs) == RUNS and (runs["status"] == "ok").all()
        assert [s["executor"] for s in sessions(out)] == [f"local processes ({workers})"]
    return outs


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.wait_for_workers(3, timeout=120)
        yield cluster, client


@pytest.fixture(scope="module")
def swept(small, cluster, tmp_path_factory) -> Path:
    """The experiment swept on the three-worker cluster, into results/not_a_race of a folder of its own (the path
    docs/CLUSTER.md's commands name)."""
    local_cluster, client = cluster
    out = tmp_path_factory.mktemp("cluster") / "results" / "not_a_race"
    with get_task_stream(client) as stream:
        planned, folder = experiments.load(small)
        sweep.run(planned, out, folder=folder, scheduler=local_cluster.scheduler_address, progress=False)
    # Whatever the tasks are called, the cluster ran (at least) one per part, on more than one worker.
    assert len({task["key"] for task in stream.data}) >= PARTS
    assert len({task["worker"] for task in stream.data}) >= 2, "the parts should have been spread over the workers"
    return out


def test_a_three_worker_cluster_has_one_thread_per_worker_process(cluster):
    local_cluster, client = cluster
    assert sorted(client.nthreads().values()) == [1, 1, 1]
    pids = client.run(os.getpid)
    assert len(set(pids.values())) == 3 and os.getpid() not in pids.values()


def test_a_sweep_on_a_dask_cluster_gives_local_results_bit_for_bit(swept, local, cluster):
    runs = pd.read_parquet(swept / "runs.parquet")
    assert len(runs) == RUNS and (runs["status"] == "ok").all()
    assert len(results(swept)[2]) == RUNS * (30 // 3 + 1)
    assert [s["executor"] for s in sessions(swept)] == [cluster[0].scheduler_address]
    for workers in (1, 2):
        assert_same_results(swept, local[workers])


def test_the_docs_check_redoes_parts_locally_and_finds_them_identical(swept, small, tmp_path):
    """docs/CLUSTER.md's 'Checking results are identical' commands, run as written on the cluster's folder."""
    commands = code_block("bash", "cmp ")
    (swept.parent.parent / "experiments").mkdir(exist_ok=True)
    shutil.copy(small, swept.parent.parent / "experiments" / "not_a_race.yaml")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(["bash", "-e", "-c", commands], cwd=swept.parent.parent, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "identical"
    check = swept.parent.parent / "check"
    redone = sessions(check)[-1]
    assert redone["executor"] == "local processes (2)"
    assert redone["runs"] == 5 * 2  # the five parts the commands removed, of 2 runs each
    assert len(list((check / "status").glob("part-*.json"))) == PARTS
    assert_same_results(check, swept)


def test_the_docs_same_code_check_finds_every_worker_running_this_code(cluster, capsys):
    local_cluster, _ = cluster
    snippet = code_block("python", "client.run(code)").replace("tcp://SCHEDULER:8786", local_cluster.scheduler_address)
    exec(compile(snippet, "docs/CLUSTER.md", "exec"), {"__name__": "__main__"})
    assert "the same on all 3 workers" in capsys.readouterr().out


def _job_script(cls, settings: dict) -> str:
    """The batch script one job of `cls` would run with `settings` (starts a scheduler here, queues nothing)."""
    quiet = {**settings, "scheduler_options": {**settings.get("scheduler_options", {}), "dashboard_address": ":0"}}
    with cls(**quiet) as real:
        return real.job_script()


class JobqueueStandIn:
    """SLURMCluster as the doc's script calls it, run on this machine: it records the settings, renders the job
    script real SLURMCluster and PBSCluster would submit with them, and runs each job's workers as local processes
    with the threads those settings give a worker."""

    made: list["JobqueueStandIn"] = []
    real: dict = {}  # the real cluster classes by name, set before SLURMCluster is swapped for this one

    def __init__(self, **settings):
        self.settings, self.jobs = settings, None
        self.scripts = {name: _job_script(cls, settings) for name, cls in self.real.items()}
        self.local = LocalCluster(n_workers=0, threads_per_worker=settings["cores"] // settings["processes"],
                                  processes=True, memory_limit=settings["memory"], dashboard_address=None,
                                  silence_logs=logging.ERROR)
        self.scheduler_address = self.local.scheduler_address
        JobqueueStandIn.made.append(self)

    def scale(self, jobs: int) -> None:
        self.jobs = jobs
        self.local.scale(min(jobs, 2) * self.settings["processes"])  # two jobs' worth: this machine has 2 cores

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.local.close()


def test_the_docs_slurm_script_runs_the_sweep_with_one_core_one_process_jobs(small, local, tmp_path, monkeypatch,
                                                                             capsys):
    dask_jobqueue = pytest.importorskip("dask_jobqueue")  # in the test extra; skips only where it is not installed
    script = tmp_path / "sweep_slurm.py"
    script.write_text(code_block("python", "SLURMCluster("))
    out = tmp_path / "results" / "small"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(JobqueueStandIn, "real", {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster})
    monkeypatch.setattr(JobqueueStandIn, "made", [])
    monkeypatch.setattr(dask_jobqueue, "SLURMCluster", JobqueueStandIn)
    monkeypatch.setattr(sys, "argv", [str(script), str(small), str(out), "3"])
    runpy.run_path(str(script), run_name="__main__")

    [cluster] = JobqueueStandIn.made
    assert cluster.jobs == 3
    assert cluster.settings["cores"] == 1 and cluster.settings["processes"] == 1
    slurm, pbs = cluster.scripts["slurm"], cluster.scripts["pbs"]
    for line in ("#SBATCH -n 1", "#SBATCH --cpus-per-task=1", "#SBATCH --mem=2G", "#SBATCH -t 02:00:00"):
        assert line in slurm.splitlines(), f"{line!r} not in the SLURM job script:\n{slurm}"
    assert "#PBS -l select=1:ncpus=1:" in pbs and "#PBS -l walltime=02:00:00" in pbs.splitlines()
    for job in (slurm, pbs):
        assert f"source {sys.prefix}/bin/activate" in job.splitlines()
        [worker] = [line for line in job.splitlines() if "distributed.cli.dask_worker" in line]
        assert worker.startswith(f"{sys.executable} -m distributed.cli.dask_worker")
        assert " --nthreads 1 " in worker and "--nworkers" not in worker
    assert (tmp_path / "dask-logs").is_dir()
    assert "small: 12 runs ok, 0 failed" in capsys.readouterr().out
    assert_same_results(out, local[1])
    assert sessions(out)[0]["executor"] == cluster.scheduler_address

    # The doc's next command: nothing is left to run, and the figure is written.
    assert main(["sweep", str(small), "--out", str(out)]) == 0
    assert len(sessions(out)) == 1 and (out / "figure.png").exists()
    assert_same_results(out, local[1])


def test_the_docs_job_script_command_shows_what_it_says(tmp_path):
    pytest.importorskip("dask_jobqueue")
    (tmp_path / "sweep_slurm.py").write_text(code_block("python", "SLURMCluster("))
    doc = DOC.read_text(encoding="utf-8")
    [command] = re.findall(r'`python -c "(import sweep_slurm[^"]*)"`', doc)
    shown = subprocess.run([sys.executable, "-c", command], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    lines = shown.stdout.splitlines()
    assert {"#SBATCH --cpus-per-task=1", "#SBATCH --mem=2G", f"source {sys.prefix}/bin/activate"} <= set(lines)
    assert any(" --nthreads 1 " in line for line in lines if "dask_worker" in line)


def test_the_docs_kubernetes_script_asks_for_one_core_one_thread_workers(small, tmp_path, monkeypatch):
    """Optional: dask-kubernetes is not in the test extra (it needs a Kubernetes cluster to start one)."""
    operator = pytest.importorskip("dask_kubernetes.operator", reason="dask-kubernetes not installed")
    from dask_kubernetes.operator import make_cluster_spec

    made, ran = [], []

    class KubeStandIn:
        scheduler_address = "tcp://127.0.0.1:1"

        def __init__(self, **kwargs):
            inspect.signature(operator.KubeCluster).bind(**kwargs)  # only arguments KubeCluster takes
            made.append(make_cluster_spec(**kwargs))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

    monkeypatch.setattr(operator, "KubeCluster", KubeStandIn)
    monkeypatch.setattr(sweep, "run", lambda *args, **kwargs: ran.append((args, kwargs)))
    script = tmp_path / "sweep_kubernetes.py"
    script.write_text(code_block("python", "KubeCluster("))
    monkeypatch.setattr(sys, "argv", [str(script), str(small), str(tmp_path / "out"), "4", "pcnsim:test"])
    runpy.run_path(str(script), run_name="__main__")

    [spec] = made
    worker = spec["spec"]["worker"]
    [container] = worker["spec"]["containers"]
    assert worker["replicas"] == 4 and container["image"] == "pcnsim:test"
    assert container["args"][:3] == ["dask-worker", "--nthreads", "1"]
    assert container["resources"]["requests"]["cpu"] == container["resources"]["limits"]["cpu"] == "1"
    [(args, kwargs)] = ran
    assert kwargs["scheduler"] == KubeStandIn.scheduler_address and args[1] == tmp_path / "out"
