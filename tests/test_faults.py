"""Induced faults: a results folder never holds wrong data silently, and writers are all-or-nothing.

Each test damages, reconfigures, locks, kills or fills something, then checks
that pcnsim redoes the work (ending with the same bytes as an undisturbed
sweep or run) or refuses with one `error:` line and exit status 2.
"""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from pcnsim.cli import main
from pcnsim.outputs.files import STAGING, locked
from pcnsim.study import sweep
from conftest import ROOT, SCENARIOS

TINY = f"""
name: tiny
scenarios: [{SCENARIOS / 'race.yaml'}]
parameters:
  leadership.facilitation: [0.2, 0.8]
replicates: 3
steps: 20
record_every: 1
chunk_size: 2
outcomes: [milestones_met, mean_trust]
"""
PARTS = 3  # 2 points x 3 replicates in chunks of 2


def _experiment(tmp_path, text=TINY, name="tiny.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _one_error_line(capsys, *fragments):
    err = [line for line in capsys.readouterr().err.strip().splitlines() if not line.startswith("runs (")]  # progress
    assert len(err) == 1 and err[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in err[0]
    return err[0]


@pytest.fixture
def finished(tmp_path, inline):
    """A finished tiny sweep and a pristine copy of its files."""
    path = _experiment(tmp_path)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-figure"]) == 0
    return path, out, _files(out)


def _assert_same_results(out: Path, reference: dict[str, bytes]):
    now = _files(out)
    for name in ("summary.csv", "runs.parquet", "experiment.yaml", *(f"timeseries/part-{i:05d}.parquet"
                                                                      for i in range(PARTS))):
        assert now[name] == reference[name], name
    assert not [n for n in now if STAGING in n]


# Damaged or foreign parts are redone, and the folder ends as an undisturbed sweep's.

@pytest.mark.parametrize("damage", ["delete timeseries", "delete status", "truncate timeseries", "garbage timeseries",
                                    "truncate status", "garbage status", "empty timeseries"])
def test_a_damaged_part_is_redone(finished, capsys, damage):
    path, out, reference = finished
    action, kind = damage.split()
    part = out / kind / ("part-00001.parquet" if kind == "timeseries" else "part-00001.json")
    if action == "delete":
        part.unlink()
    elif action == "truncate":
        part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    elif action == "garbage":
        part.write_bytes(os.urandom(part.stat().st_size))
    else:
        part.write_bytes(b"")
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out), "--no-figure"]) == 0
    assert "6 runs ok" in capsys.readouterr().out
    _assert_same_results(out, reference)


def test_a_part_from_another_sweep_is_redone(finished, tmp_path, capsys):
    path, out, reference = finished
    other = _experiment(tmp_path, TINY.replace("replicates: 3", "replicates: 3\nseed: 5"), "other.yaml")
    assert main(["sweep", str(other), "--out", str(tmp_path / "other"), "--no-figure"]) == 0
    for kind, suffix in (("timeseries", ".parquet"), ("status", ".json")):
        shutil.copy(tmp_path / "other" / kind / f"part-00002{suffix}", out / kind / f"part-00002{suffix}")
    assert main(["sweep", str(path), "--out", str(out), "--no-figure"]) == 0
    _assert_same_results(out, reference)


def test_a_part_moved_to_another_chunk_is_redone(finished):
    path, out, reference = finished
    for kind, suffix in (("timeseries", ".parquet"), ("status", ".json")):
        shutil.copy(out / kind / f"part-00000{suffix}", out / kind / f"part-00001{suffix}")
    assert main(["sweep", str(path), "--out", str(out), "--no-figure"]) == 0
    _assert_same_results(out, reference)


def test_a_stray_part_is_removed_so_the_folder_reads_as_its_own(finished):
    path, out, reference = finished
    shutil.copy(out / "timeseries" / "part-00000.parquet", out / "timeseries" / "part-00007.parquet")
    assert main(["sweep", str(path), "--out", str(out), "--no-figure"]) == 0
    _assert_same_results(out, reference)
    assert len(pd.read_parquet(out / "timeseries")) == 6 * 21


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete"])
def test_a_damaged_runs_table_is_rebuilt(finished, damage):
    path, out, reference = finished
    runs = out / "runs.parquet"
    if damage == "truncate":
        runs.write_bytes(runs.read_bytes()[:100])
    elif damage == "garbage":
        runs.write_bytes(b"not parquet at all" * 50)
    else:
        runs.unlink()
    assert main(["sweep", str(path), "--out", str(out), "--no-figure"]) == 0
    _assert_same_results(out, reference)


def test_a_damaged_manifest_is_rebuilt_from_the_parts(finished):
    path, out, reference = finished
    (out / "manifest.json").write_text("{")
    assert main(["sweep", str(path), "--out", str(out), "--no-figure"]) == 0
    _assert_same_results(out, reference)


# A changed experiment is refused in one line naming what changed; the folder is left as it was.

@pytest.mark.parametrize("change,fragment", [
    (("replicates: 3", "replicates: 3\nseed: 7"), "seed: 0, not 7"),
    (("record_every: 1", "record_every: 4"), "record_every: 1, not 4"),
    (("chunk_size: 2", "chunk_size: 4"), "chunk_size: 2, not 4"),
    (("outcomes: [milestones_met, mean_trust]", "outcomes: [milestones_met, mean_trust, ownership]"), "outcomes"),
    (("steps: 20", "steps: 24"), "steps: 20, not 24"),
    (("[0.2, 0.8]", "[0.2, 0.9]"), "resolved scenarios"),
    (("replicates: 3", "replicates: 2"), "holds 3 finished replicates"),  # more replicates extend it (tests/test_per_run.py)
])
def test_a_changed_experiment_is_refused_in_one_line(finished, tmp_path, capsys, change, fragment):
    path, out, reference = finished
    path.write_text(TINY.replace(*change))
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    line = _one_error_line(capsys, str(out), fragment, "another --out")
    assert _files(out) == reference, line
    # Naming, describing or drawing the experiment differently does not shape results: it resumes.
    path.write_text(TINY.replace("name: tiny", "name: renamed\ndescription: other words\nfigure: {by: scenario}"))
    assert main(["sweep", str(path), "--out", str(out), "--no-figure"]) == 0
    assert _files(out)["summary.csv"] == reference["summary.csv"]


def test_a_changed_scenario_file_is_refused(tmp_path, inline, capsys):
    scenario = tmp_path / "mine.yaml"
    shutil.copy(SCENARIOS / "race.yaml", scenario)
    path = _experiment(tmp_path, TINY.replace(str(SCENARIOS / "race.yaml"), str(scenario)))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-figure"]) == 0
    scenario.write_text(scenario.read_text() + "\ntrust: {gain: 0.09}\n")
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    _one_error_line(capsys, "resolved scenarios")


def test_a_folder_of_an_older_pcnsim_is_refused(finished, capsys):
    path, out, _ = finished
    (out / "manifest.json").unlink()
    for status in (out / "status").glob("*.json"):
        status.rename(status.with_suffix(".parquet"))  # main's layout: status parts in Parquet, no manifest
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    _one_error_line(capsys, "older pcnsim")


def test_a_folder_made_by_other_model_code_is_refused_and_left_as_it_was(finished, capsys):
    """The same pcnsim version with an edited engine (or other numpy or numba) may give other runs: its folder is
    not resumed into, and nothing in it changes."""
    import json

    path, out, _ = finished
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["experiment"]["model"] = "0" * 16
    (out / "manifest.json").write_text(json.dumps(manifest))
    before = _files(out)
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    _one_error_line(capsys, "other model code")
    assert _files(out) == before


# One writer per folder; a lock left by a killed process blocks nothing.

def test_a_second_sweep_into_a_busy_folder_is_refused(finished, capsys):
    path, out, reference = finished
    with locked(out, wait=False):
        capsys.readouterr()
        assert main(["sweep", str(path), "--out", str(out)]) == 2
        _one_error_line(capsys, str(out), "another pcnsim is writing")
        assert main(["plot", str(out)]) == 2
        _one_error_line(capsys, "another pcnsim is writing")
    assert _files(out) == reference


def test_two_sweep_processes_into_one_folder(tmp_path):
    path = _experiment(tmp_path, TINY.replace("replicates: 3", "replicates: 30").replace("steps: 20", "steps: 200"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pcnsim", "sweep", str(path), "--out", str(out), "--workers", "1"]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not (out / "manifest.json").exists() and first.poll() is None:
        time.sleep(0.02)
    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert first.wait() == 0
    assert second.returncode == 2, "the second sweep ran while the first held the folder"
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "another pcnsim is writing" in lines[0]
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all() and len(pd.read_parquet(out / "timeseries")) == len(runs) * 201


def test_a_lock_held_by_a_killed_process_blocks_nothing(finished, capsys):
    path, out, reference = finished
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, os, sys, time
        fd = os.open({str(out)!r}, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep(600)
    """)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    _one_error_line(capsys, "another pcnsim is writing")
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert main(["sweep", str(path), "--out", str(out), "--no-figure"]) == 0
    _assert_same_results(out, reference)


# plot and sensitivity check what they read.

@pytest.mark.parametrize("damage", ["truncate summary.csv", "delete summary.csv", "garbage runs.parquet",
                                    "delete runs.parquet", "truncate experiment.yaml", "garbage manifest.json",
                                    "delete manifest.json"])
@pytest.mark.parametrize("command", ["plot", "sensitivity"])
def test_plot_and_sensitivity_refuse_a_damaged_folder_in_one_line(finished, capsys, damage, command):
    _, out, _ = finished
    action, name = damage.split()
    target = out / name
    if action == "delete":
        target.unlink()
    elif action == "truncate":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    else:
        target.write_bytes(b"\x00garbage" * 20)
    capsys.readouterr()
    assert main([command, str(out)]) == 2
    _one_error_line(capsys, str(out), "pcnsim sweep")


def test_plot_refuses_an_interrupted_sweep(finished, capsys):
    path, out, _ = finished
    manifest = sweep.read_manifest(out)
    (out / "manifest.json").write_text(__import__("json").dumps({**manifest, "files": {}}))
    capsys.readouterr()
    assert main(["plot", str(out)]) == 2
    _one_error_line(capsys, "still running or was interrupted")


def test_sensitivity_of_a_folder_that_is_not_a_sweep(tmp_path, capsys):
    assert main(["sensitivity", str(tmp_path)]) == 2
    _one_error_line(capsys, str(tmp_path))
    assert main(["plot", str(tmp_path / "nowhere")]) == 2
    _one_error_line(capsys, "no such sweep folder")


# pcnsim run: a kill mid-write leaves the complete previous result; nothing is written until the input is valid.

def _run_command(seed, out):
    return [sys.executable, "-m", "pcnsim", "run", str(SCENARIOS / "race.yaml"), "--seed", str(seed),
            "--steps", "400", "--out", str(out)]


def _listing(folder: Path):
    return sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir())


def test_a_run_killed_mid_write_leaves_the_complete_previous_result(tmp_path):
    old, new, out = tmp_path / "old", tmp_path / "new", tmp_path / "out"
    for seed, folder in ((1, old), (2, new)):
        assert subprocess.run(_run_command(seed, folder), cwd=ROOT, capture_output=True).returncode == 0
    kills = 0
    for _ in range(3):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(old, out)
        before = _listing(out)
        process = subprocess.Popen(_run_command(2, out), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while process.poll() is None and _listing(out) == before:
            time.sleep(0.001)
        process.send_signal(signal.SIGKILL)
        killed = process.wait() == -signal.SIGKILL
        kills += killed
        # Either the whole previous result or the whole new one, never a mix; a killed run's staging folder
        # is hidden and goes at the next run.
        visible = {k: v for k, v in _files(out).items() if not k.startswith(STAGING)}
        assert visible in (_files(old), _files(new))
    assert kills, "the kill should land while the run writes"
    assert subprocess.run(_run_command(2, out), cwd=ROOT, capture_output=True).returncode == 0
    assert _files(out) == _files(new), "the next run clears what a killed one left"


def test_a_run_killed_while_moving_its_files_in_leaves_no_scenario_yaml(tmp_path):
    """The one instant that is not all-or-nothing: moving the finished files in. The result then has no
    scenario.yaml, so it cannot be mistaken for a complete run or rerun as the wrong scenario."""
    out = tmp_path / "out"
    assert subprocess.run(_run_command(1, out), cwd=ROOT, capture_output=True).returncode == 0
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "sitecustomize.py").write_text(textwrap.dedent("""
        import os
        real, count = os.replace, [0]
        def replace(a, b, *args, **kwargs):
            if "pcnsim-tmp-" in str(a) and "pcnsim-tmp-" not in str(b):  # moving a finished file in
                count[0] += 1
                if count[0] == 3:
                    os._exit(9)
            return real(a, b, *args, **kwargs)
        os.replace = replace
    """))
    env = dict(os.environ, PYTHONPATH=str(probe))
    result = subprocess.run(_run_command(2, out), cwd=ROOT, capture_output=True, env=env)
    assert result.returncode == 9
    assert not (out / "scenario.yaml").exists()


BAD_RUNS = {
    "bad csv structure": lambda tmp: ["run", _bad_csv(tmp)],
    "experiment naming a bad scenario": lambda tmp: ["sweep", _bad_experiment(tmp)],
    "unreachable scheduler": lambda tmp: ["sweep", _experiment(tmp), "--scheduler", "tcp://127.0.0.1:9"],
    "compare with a bad csv": lambda tmp: ["compare", SCENARIOS / "race.yaml", _bad_csv(tmp)],
}


def _bad_csv(tmp):
    (tmp / "practices.csv").write_text("practice_code,pcn_code,ics_code,list_size\nA1,P1,I1,5000\nA1,P1,I1,6000\n")
    path = tmp / "bad.yaml"
    path.write_text("network:\n  kind: csv\n  file: practices.csv\nsteps: 60\n")
    return path


def _bad_experiment(tmp):
    return _experiment(tmp, TINY.replace("leadership.facilitation: [0.2, 0.8]", "values.confidence: [0.1, 7]"),
                       "bad_experiment.yaml")


@pytest.mark.parametrize("case", sorted(BAD_RUNS))
def test_nothing_is_created_until_the_input_is_valid(tmp_path, case):
    args = [str(a) for a in BAD_RUNS[case](tmp_path)]
    out = tmp_path / "never"
    result = subprocess.run([sys.executable, "-m", "pcnsim", *args, "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert not out.exists()


# A full disk: one line, no temporary files, the previous results intact, and a sweep resumes once there is room.

@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def _fill(mount: Path, leave: int) -> Path:
    filler = mount / "filler"
    free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
    filler.write_bytes(b"\0" * max(free - leave, 0))
    return filler


def test_a_full_disk_stops_a_run_in_one_line_and_keeps_the_previous_result(small_disk, tmp_path):
    out = small_disk / "out"
    assert subprocess.run(_run_command(1, out), cwd=ROOT, capture_output=True).returncode == 0
    before = _files(out)
    _fill(small_disk, 40_000)
    result = subprocess.run(_run_command(2, out), cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "No space left on device" in lines[0], lines
    assert _files(out) == before
    assert not [p for p in small_disk.rglob("*") if STAGING in p.name]


def test_a_full_disk_stops_a_sweep_in_one_line_and_it_resumes(small_disk, tmp_path, inline, capsys):
    path = _experiment(tmp_path, TINY.replace("replicates: 3", "replicates: 20").replace("steps: 20", "steps: 300"))
    reference = tmp_path / "reference"
    assert main(["sweep", str(path), "--out", str(reference), "--no-figure"]) == 0
    filler = _fill(small_disk, 60_000)
    out = small_disk / "out"
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    _one_error_line(capsys, "No space left on device")
    assert not [p for p in small_disk.rglob("*") if STAGING in p.name]
    assert main(["plot", str(out)]) == 2  # not a finished sweep: never read as one
    filler.unlink()
    assert main(["sweep", str(path), "--out", str(out), "--no-figure"]) == 0
    assert (out / "summary.csv").read_bytes() == (reference / "summary.csv").read_bytes()
