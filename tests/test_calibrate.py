"""`pcnsim calibrate`: same trials however it is run (resumed at any point of a crash, extended, other workers),
files that agree with each other and with a rerun of the calibrated scenario, and one-line errors."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pcnsim.cli import main
from pcnsim.study import targets as targets_module
from pcnsim.study.calibrate import FILES, LOG, MANIFEST, calibrate
from pcnsim.study.targets import distance

ROOT = Path(__file__).resolve().parents[1]

# A small England (8 PCNs) with two of the shipped targets, so that one calibration takes seconds.
TARGETS = f"""\
scenario: {ROOT / 'scenarios' / 'england.yaml'}
overrides: ["network.pcns=8", "network.systems=2", "steps=120"]
seeds: [1, 2]
targets:
  - name: clear_shared_vision_in_a_minority
    source: "003"
    quote: "while a few CDs expressed confidence in the existence of a shared vision"
    measure: {{kind: pcn_share, outcome: purpose_strength, above: 0.8}}
    week: 117
    band: [0.05, 0.35]
    why: a minority
  - name: burnout_in_some_practices
    source: "000, 003"
    quote: "leading to burnout"
    measure: {{kind: pcn_share, outcome: burnout, above: 0.1}}
    week: 117
    band: [0.1, 0.6]
    why: some
calibrate:
  trials: {{trials}}
  batch: 4
  startup: 4
  seed: 3
  free:
    - {{key: practices.value_spread, low: 0.1, high: 0.3, why: prior}}
    - {{key: practices.core_demand.mean, low: 0.8, high: 0.98, why: prior}}
    - {{key: meetings.per_step, low: 2, high: 8, why: a whole-number parameter}}
"""


def _targets(folder: Path, trials: int = 12, text: str = TARGETS) -> Path:
    path = folder / "targets.yaml"
    path.write_text(text.replace("{trials}", str(trials)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """One calibration of 12 trials run to the end in this process with one worker."""
    folder = tmp_path_factory.mktemp("calibration")
    path = _targets(folder)
    calibrate(path, folder / "out", workers=1, progress=False)
    return path, folder / "out"


def _trials(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "trials.csv")


def test_a_calibration_resumed_after_any_batch_finds_the_same_trials(whole, tmp_path):
    """A crash leaves the record of the batches finished before it; resuming from each gives the trials of the run
    that was never interrupted, with two workers where it had one."""
    path, out = whole
    log = json.loads((out / LOG).read_text())["trials"]
    for done in (0, 4, 8):
        crashed = tmp_path / f"after{done}"
        crashed.mkdir()
        shutil.copy(out / MANIFEST, crashed / MANIFEST)
        (crashed / LOG).write_text(json.dumps({"trials": log[:done]}))
        calibrate(path, crashed, workers=2, progress=False)
        pd.testing.assert_frame_equal(_trials(crashed), _trials(out), check_exact=True)
        assert (crashed / "calibrated.yaml").read_text() == (out / "calibrated.yaml").read_text()


def test_a_calibration_killed_with_sigkill_resumes_to_the_same_trials(whole, tmp_path):
    path, out = whole
    target = tmp_path / "killed"
    command = [sys.executable, "-m", "pcnsim", "calibrate", str(path), "--out", str(target), "--workers", "2"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = target / LOG
    while process.poll() is None:
        if log.exists():  # the first batch is recorded: kill it in the second
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert main(["calibrate", str(path), "--out", str(target), "--workers", "2"]) == 0
    pd.testing.assert_frame_equal(_trials(target), _trials(out), check_exact=True)


def test_extending_a_finished_calibration_equals_running_it_whole(whole, tmp_path):
    path, out = whole
    calibrate(path, tmp_path / "out", trials=8, workers=2, progress=False)
    assert len(_trials(tmp_path / "out")) == 8
    calibrate(path, tmp_path / "out", trials=12, workers=2, progress=False)
    pd.testing.assert_frame_equal(_trials(tmp_path / "out"), _trials(out), check_exact=True)


def test_the_calibrated_scenario_reproduces_the_chosen_trial(whole):
    """calibrated.yaml, run again on the targets' seeds and overrides, gives the chosen trial's means."""
    path, out = whole
    accepted, trials = pd.read_csv(out / "accepted.csv"), _trials(out)
    chosen = int(accepted.iloc[0]["trial"]) if len(accepted) else int(trials.sort_values("loss").iloc[0]["trial"])
    spec, _ = targets_module.load(path)
    scenario = targets_module.load_scenario(out / "calibrated.yaml", spec.overrides)
    again = targets_module.evaluate(spec, scenario)
    row = trials.set_index("trial").loc[chosen]
    for r in again.itertuples():
        assert r.mean == pytest.approx(row[f"mean.{r.target}"], abs=1e-12)
    assert scenario.practices.value_spread == pytest.approx(row["practices.value_spread"])
    # The targets' overrides that shrink England for the fit are not written into it.
    assert targets_module.load_scenario(out / "calibrated.yaml").network.pcns == 1250


def test_accepted_trials_are_those_with_every_mean_in_its_band(whole):
    path, out = whole
    spec, _ = targets_module.load(path)
    runs, trials = pd.read_csv(out / "runs.csv"), _trials(out)
    means = runs.groupby("trial")[[t.name for t in spec.targets]].mean()
    inside = pd.concat([means[t.name].between(*t.band) for t in spec.targets], axis=1).all(axis=1)
    accepted = set(pd.read_csv(out / "accepted.csv")["trial"])
    assert accepted == set(inside[inside].index)
    assert 0 < len(accepted) < len(trials)  # this small search finds some, and not every trial is accepted
    as_it_is = targets_module.load_scenario(ROOT / "scenarios" / "england.yaml").practices.value_spread
    assert trials.loc[trials.trial == 0, "practices.value_spread"].item() == as_it_is  # trial 0: the scenario
    whole_numbers = trials["meetings.per_step"]
    assert (whole_numbers == whole_numbers.round()).all() and whole_numbers.between(2, 8).all()


def test_the_manifest_holds_the_checksums_of_the_files_beside_it(whole):
    from pcnsim.outputs.files import file_sha256

    _, out = whole
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest["files"]) == sorted(FILES)
    assert all(file_sha256(out / name) == digest for name, digest in manifest["files"].items())


@pytest.mark.parametrize("mean, expected", [(0.2, 0.0), (0.1, 0.0), (0.05, 0.5), (0.4, 2.0), (np.nan, 10.0)])
def test_distance_outside_a_band_is_in_band_widths(mean, expected):
    assert distance(mean, 0.1, 0.2) == pytest.approx(expected)


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.split("calibrate:")[0], "has no calibrate section"),
    (lambda t: t.replace("trials: 12", "trials: 10"), "whole number of batches of 4"),
    (lambda t: t.replace("key: practices.value_spread", "key: practices.value_spred"), "value_spred"),
    (lambda t: t.replace("low: 0.1, high: 0.3", "low: 0.2, high: 0.3"), "outside [0.2, 0.3]"),
    (lambda t: t.replace("low: 2, high: 8", "low: 2.5, high: 8"), "takes whole numbers"),
    (lambda t: t.replace("low: 0.8, high: 0.98", "low: 0.8, high: 1.5"), "core_demand"),
    (lambda t: t.replace("low: 0.1, high: 0.3", "low: 0.3, high: 0.1"), "must be below high"),
    (lambda t: t.replace("key: practices.core_demand.mean", "key: practices.value_spread"), "named once"),
])
def test_a_bad_calibrate_section_is_one_line_and_writes_nothing(tmp_path, capsys, edit, words):
    path = tmp_path / "targets.yaml"
    path.write_text(edit(TARGETS.replace("{trials}", "12")), encoding="utf-8")
    assert words in _error(capsys, ["calibrate", str(path), "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


def test_a_folder_of_another_calibration_or_of_something_else_is_refused(whole, tmp_path, capsys):
    path, out = whole
    other = tmp_path / "other.yaml"
    other.write_text(path.read_text().replace("band: [0.1, 0.6]", "band: [0.1, 0.5]"), encoding="utf-8")
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    assert "other targets" in _error(capsys, ["calibrate", str(other), "--out", str(copy)])
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep")
    assert "holds no calibration" in _error(capsys, ["calibrate", str(path), "--out", str(tmp_path / "notes")])
    assert "--trials 6" in _error(capsys, ["calibrate", str(path), "--out", str(copy), "--trials", "6"])


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],
    lambda text: text.replace('"number": 5', '"number": 6'),
    lambda text: text.replace('"loss": 0.', '"loss": 1.', 1),
    lambda text: text.replace(', "error": ""', "", 1),
    lambda text: text.replace('"runs": [[', '"runs": [[0.5, ', 1),
])
def test_a_damaged_record_of_trials_is_one_line(whole, tmp_path, capsys, damage):
    path, out = whole
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (broken / LOG).write_text(damage((broken / LOG).read_text()))
    assert "damaged" in _error(capsys, ["calibrate", str(path), "--out", str(broken), "--trials", "16"])


FIT = ROOT / "docs" / "calibration" / "fit"


def test_the_shipped_england_is_the_calibrated_one():
    """scenarios/england.yaml holds the values `pcnsim calibrate calibration/targets.yaml` chose (docs/calibration/fit)
    and CALIBRATION.md shows that calibration's report and run time."""
    from pcnsim import load
    from pcnsim.study.calibrate import chosen_parameters

    chosen = chosen_parameters(FIT)
    england = load(ROOT / "scenarios" / "england.yaml")
    for key, value in chosen.items():
        assert targets_module.current(england, key) == value, key
    page = (ROOT / "docs" / "CALIBRATION.md").read_text(encoding="utf-8")
    block = page.split("<!-- calibration: report -->\n")[1].split("<!-- end calibration -->")[0]
    assert block == (FIT / "report.md").read_text(encoding="utf-8")
    last = json.loads((FIT / MANIFEST).read_text())["last_run"]
    assert f"{last['runs']} runs in {last['seconds'] / 60:.0f} minutes on {last['workers']} workers" in page


def test_a_dry_run_counts_the_runs_and_writes_nothing(whole, tmp_path, capsys):
    path, _ = whole
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out"), "--dry-run", "--trials", "8"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("8 trials x 2 seeds = 16 runs to do of 120 weeks; one run took ")
    assert not (tmp_path / "out").exists()


def test_ownership_falls_after_the_first_wave_because_of_the_wave():
    """The ownership target is met by the wave of specifications, not by the calendar: at the shipped England mean
    ownership falls further over the year after January 2020 with the wave than with a light one (one practice-week
    for all five specifications instead of sixteen), on paired seeds, and only the heavy wave meets the band."""
    from scipy.stats import wilcoxon

    from pcnsim import load

    spec, _ = targets_module.load(ROOT / "calibration" / "targets.yaml")
    target = next(t for t in spec.targets if t.name == "ownership_falls_after_a_heavy_wave")
    small = ["network.pcns=100", "network.systems=4", f"steps={target.week}"]
    seeds = range(10)

    def change(extra):
        scenario = load(ROOT / "scenarios" / "england.yaml", small + extra)
        return np.array([targets_module.run_values([target], scenario, seed)[0] for seed in seeds])

    heavy, light = change([]), change(["mandates.0.total_effort=1.0"])
    assert wilcoxon(heavy, light, alternative="less").pvalue < 0.01
    assert heavy.mean() <= target.band[1] < light.mean()


def test_the_shipped_targets_calibrate_from_the_command_line(tmp_path, capsys):
    """The shipped targets file end to end, on an England of 20 PCNs and one batch: every free parameter is
    searched within its prior, trial 0 is England as shipped, and the calibrated file is a full England."""
    from pcnsim import load

    shipped = ROOT / "calibration" / "targets.yaml"
    out = tmp_path / "out"
    argv = ["calibrate", str(shipped), "--set", "network.pcns=20", "--set", "network.systems=2", "--trials", "8",
            "--out", str(out), "--workers", "2"]
    assert main(argv) == 0
    assert "8 trials (0 failed)" in capsys.readouterr().out
    spec, _ = targets_module.load(shipped)
    trials = _trials(out)
    england = load(ROOT / "scenarios" / "england.yaml")
    for free in spec.calibrate.free:
        assert trials[free.key].between(free.low, free.high).all()
        assert trials.loc[0, free.key] == targets_module.current(england, free.key)
    assert trials.filter(like="mean.").shape[1] == len(spec.targets)
    calibrated = load(out / "calibrated.yaml")  # with the --set options, without the file's own overrides
    assert calibrated.network.pcns == 20 and calibrated.steps == 520


class _Lost:
    """An executor whose every run after the first batch's is lost with its worker."""

    def __init__(self):
        self.submitted = 0

    def submit(self, fn, *args):
        from concurrent.futures import Future

        self.submitted += 1
        future = Future()
        if self.submitted > 8:  # one batch of four trials, two seeds each
            future.set_exception(RuntimeError("worker lost"))
        else:
            future.set_result(fn(*args))
        return future


def test_a_lost_worker_stops_the_calibration_keeping_the_batches_before_it(whole, tmp_path, monkeypatch, capsys):
    """A worker that dies is an interruption, not a failed trial: the record keeps the finished batch only, and the
    same command then finishes the calibration to the uninterrupted trials."""
    from contextlib import contextmanager

    from pcnsim.study import calibrate as module

    path, out = whole
    lost = _Lost()

    @contextmanager
    def broken(workers, scheduler):
        yield lost

    monkeypatch.setattr(module, "executor", broken)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    line = capsys.readouterr().err.splitlines()[-1]  # after the progress bar's last state
    assert line.startswith("error: ") and "a worker stopped" in line and "run the same command again" in line
    log = json.loads((tmp_path / "out" / LOG).read_text())["trials"]
    assert len(log) == 4 and all(r["state"] == "COMPLETE" for r in log)
    monkeypatch.undo()
    calibrate(path, tmp_path / "out", workers=2, progress=False)
    pd.testing.assert_frame_equal(_trials(tmp_path / "out"), _trials(out), check_exact=True)


def test_parameters_invalid_together_fail_their_trial_and_the_search_goes_on(tmp_path):
    pair = TARGETS.replace("{trials}", "8").split("  free:")[0] + """  free:
    - {key: wellbeing.disengage_at, low: 0.45, high: 0.9, why: each valid alone}
    - {key: wellbeing.reengage_at, low: 0.1, high: 0.6, why: but not above disengage_at}
"""
    path = tmp_path / "pair.yaml"
    path.write_text(pair, encoding="utf-8")
    table = calibrate(path, tmp_path / "out", workers=1, progress=False)
    failed = table[table.state == "FAIL"]
    assert len(table) == 8 and len(failed) > 0 and (table.state == "COMPLETE").any()
    assert failed["error"].str.contains("reengage_at").all()
    assert (failed["wellbeing.reengage_at"] >= failed["wellbeing.disengage_at"]).all()


def test_an_unreachable_cluster_writes_nothing(whole, tmp_path, capsys):
    """Asked to run more trials on a cluster that is not there, a finished folder is left as it was and a new one is
    not made (a finished folder with nothing left to run needs no cluster)."""
    path, out = whole
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    for folder, more in ((copy, ["--trials", "16"]), (tmp_path / "new", [])):
        line = _error(capsys, ["calibrate", str(path), "--out", str(folder), "--scheduler", "tcp://127.0.0.1:1", *more])
        assert "--scheduler" in line
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before
    assert not (tmp_path / "new").exists()


def test_when_the_uncalibrated_trial_fails_the_files_are_still_written(tmp_path, monkeypatch):
    from contextlib import contextmanager

    from conftest import _Inline
    from pcnsim import load
    from pcnsim.study import calibrate as module

    shipped = load(ROOT / "scenarios" / "england.yaml").practices.value_spread
    real = module.run_values

    def failing_at_trial_0(targets, scenario, seed):
        if scenario.practices.value_spread == shipped:
            raise FloatingPointError("a run of trial 0 fails")
        return real(targets, scenario, seed)

    @contextmanager
    def inline(workers, scheduler):
        yield _Inline()

    monkeypatch.setattr(module, "executor", inline)
    monkeypatch.setattr(module, "run_values", failing_at_trial_0)
    path = _targets(tmp_path, trials=8)
    table = calibrate(path, tmp_path / "out", progress=False)
    assert table.loc[0, "state"] == "FAIL" and "trial 0 fails" in table.loc[0, "error"]
    assert (table.loc[1:, "state"] == "COMPLETE").all()
    assert "| nan |" in (tmp_path / "out" / "report.md").read_text()  # no uncalibrated mean to show
    assert json.loads((tmp_path / "out" / MANIFEST).read_text())["files"]
