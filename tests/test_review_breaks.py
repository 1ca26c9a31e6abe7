"""Review of issue 14 (branch core): inputs and folders the other tests do not use. Each test fails on core as
reviewed and names what should happen instead."""

import json
import shutil

import pandas as pd
import pytest

from pcnsim.cli import main
from conftest import SCENARIOS


def _write(path, text):
    path.write_text(text)
    return path


def _err_lines(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    return [line for line in err if not line.startswith(("runs (", "compiling"))]


def _one_error(capsys, *fragments):
    err = _err_lines(capsys)
    assert len(err) == 1 and err[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in err[0], err[0]


def _sweep_with_parameter(tmp_path, extra="", replicates=4):
    experiment = _write(tmp_path / "e.yaml", f"""
name: rev
scenarios: [{SCENARIOS / 'race.yaml'}]
parameters:
  leadership.facilitation: [0.1, 0.3, 0.5, 0.7, 0.9]
replicates: {replicates}
steps: 10
chunk_size: 7
outcomes: [mean_trust, milestones_met]
{extra}""")
    out = tmp_path / "out"
    assert main(["sweep", str(experiment), "--out", str(out), "--workers", "1"]) == 0
    return experiment, out


# --- real bugs --------------------------------------------------------------------------------------------------

def test_discover_on_a_sweep_that_declares_no_levers(tmp_path, inline, capsys):
    """The sweep writes `levers: null` into DIR/experiment.yaml; discover.roles then raises KeyError: 'levers'
    (a traceback) on every sweep folder that did not declare levers, i.e. the default."""
    pytest.importorskip("ema_workbench")
    _, out = _sweep_with_parameter(tmp_path)
    capsys.readouterr()
    assert main(["discover", str(out), "--outcome", "mean_trust_w10 > 0.42"]) == 0


def test_discover_outcome_cannot_call_methods_that_write_files(tmp_path, inline, capsys):
    """`--outcome "mean_trust_w10.to_csv('FILE') == 0"` is refused with one error line, yet the file is written
    (pandas eval calls the method): any DataFrame/Series method is reachable, writing anywhere."""
    pytest.importorskip("ema_workbench")
    _, out = _sweep_with_parameter(tmp_path, "levers: []\n")
    capsys.readouterr()
    target = tmp_path / "written_by_outcome.csv"
    assert main(["discover", str(out), "--outcome", f"mean_trust_w10.to_csv('{target}') == 0"]) == 2
    _one_error(capsys, "--outcome")
    assert not target.exists(), "the expression wrote a file"


def test_lhs_whose_parameters_are_all_lever_lists_is_one_error_line(tmp_path, capsys):
    """design lhs, every parameter a lever's list: SALib's latin.sample gets no ranges -> IndexError traceback
    from `pcnsim validate` (and `sweep`)."""
    path = _write(tmp_path / "e.yaml", f"""
name: levers_only
scenarios: [{SCENARIOS / 'race.yaml'}]
parameters:
  leadership.facilitation: [0.2, 0.8]
design: lhs
samples: 2
levers: [leadership.facilitation]
replicates: 1
steps: 10
outcomes: [milestones_met]
""")
    assert main(["validate", str(path)]) == 2
    _one_error(capsys, "design")


@pytest.mark.parametrize("extra", [
    "scalars: {mean_trust_w10: {outcome: mean_trust, kind: max}}",   # a checkpoint column's name
    "scalars: {status: {outcome: mean_trust, kind: max}}",           # a key column of runs_summary
    "parameters: {seed: [1, 2]}",                                    # the run seed's column
])
def test_names_that_collide_with_runs_summary_columns_are_refused_before_running(tmp_path, capsys, extra):
    """Validated as fine, then every run is made and writing runs_summary dies with a ValueError traceback
    (duplicate column names / columns overlap), leaving an unfinished folder."""
    path = _write(tmp_path / "e.yaml", f"""
name: collide
scenarios: [{SCENARIOS / 'race.yaml'}]
steps: 10
replicates: 1
outcomes: [mean_trust]
{extra}
""")
    assert main(["validate", str(path)]) == 2
    _one_error(capsys, str(path))


def test_scenario_labels_are_unique_whatever_the_scenarios_are_called(tmp_path):
    """Scenarios named "x (2)", "x", "x": the label counter gives "x (2)" to both of the first two, so two
    different scenarios share one label: every by-scenario product (figure, report pooling, discover's
    scenario-qualified columns, crossover pairing) merges them silently."""
    from pcnsim.study import experiment as experiments

    race = (SCENARIOS / "race.yaml").read_text()
    _write(tmp_path / "a.yaml", race.replace("name: race", 'name: "x (2)"'))
    _write(tmp_path / "b.yaml", race.replace("name: race", "name: x"))
    _write(tmp_path / "c.yaml", (SCENARIOS / "trust_first.yaml").read_text().replace("name: trust_first", "name: x"))
    path = _write(tmp_path / "e.yaml", "name: labels\nscenarios: [a.yaml, b.yaml, c.yaml]\nreplicates: 1\n"
                                       "steps: 10\noutcomes: [mean_trust]\n")
    experiment, folder = experiments.load(path)
    table, _ = experiments.design_table(experiment, folder, str(path))
    labels = table.drop_duplicates("point")["scenario"].tolist()
    assert len(set(labels)) == 3, labels


def _nhs_project(tmp_path, chunk_size=1):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(SCENARIOS / "data", project / "data")
    text = (SCENARIOS / "nhs_sample.yaml").read_text().replace("steps: 260", "steps: 6")
    _write(project / "nhs.yaml", text)
    _write(project / "e.yaml", f"name: nhs\nscenarios: [nhs.yaml]\nreplicates: 1\nchunk_size: {chunk_size}\n")
    return project


def _scale_list_sizes(project, factor):
    path = project / "data" / "nhs_sample" / "gp-reg-pat-prac-all.csv"
    table = pd.read_csv(path)
    table["NUMBER_OF_PATIENTS"] = table["NUMBER_OF_PATIENTS"] * factor
    table.to_csv(path, index=False)


def test_a_changed_network_file_does_not_leave_old_runs_in_the_folder(tmp_path, inline, capsys):
    """The identity holds the network files' paths, not their contents: after editing the practices' list sizes,
    `pcnsim sweep` into the same folder keeps every run made on the old data (0 to do) and rewrites the
    summaries as if they were this experiment's; extended replicates would mix old-data and new-data runs.
    It should be refused (or redone)."""
    project = _nhs_project(tmp_path)
    out, fresh = project / "out", project / "fresh"
    assert main(["sweep", str(project / "e.yaml"), "--out", str(out), "--workers", "1"]) == 0
    _scale_list_sizes(project, 5)
    rc = main(["sweep", str(project / "e.yaml"), "--out", str(out), "--workers", "1"])
    if rc == 2:
        return  # refused: fine
    assert main(["sweep", str(project / "e.yaml"), "--out", str(fresh), "--workers", "1"]) == 0
    kept = pd.read_parquet(out / "timeseries").sort_values(["run_id", "step"]).reset_index(drop=True)
    new = pd.read_parquet(fresh / "timeseries").sort_values(["run_id", "step"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, new)


def test_crossover_is_not_silently_empty_when_scenarios_run_different_steps(tmp_path, inline, capsys):
    """No experiment steps; race runs 12 weeks, trust_first 20. trust_first's mean_trust is strictly above its
    paired race run from week 2 to race's end in both replicates, but crossover_mean_trust is empty (read as
    "never overtakes") because the comparison runs to week 20 where race has no value. `compare` refuses
    different steps; a sweep should refuse a crossover over them, or measure it on the common weeks."""
    _write(tmp_path / "r.yaml", (SCENARIOS / "race.yaml").read_text().replace("steps: 260", "steps: 12"))
    _write(tmp_path / "t.yaml", (SCENARIOS / "trust_first.yaml").read_text().replace("steps: 260", "steps: 20"))
    path = _write(tmp_path / "e.yaml", "name: steps\nscenarios: [r.yaml, t.yaml]\nreplicates: 2\nchunk_size: 3\n"
                                       "outcomes: [mean_trust]\nfigure: {crossover: mean_trust}\n")
    rc = main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    if rc == 2:
        _one_error(capsys, "steps")
        return
    runs = pd.read_parquet(tmp_path / "out" / "runs_summary.parquet")
    later = runs[runs["scenario"] == "trust_first"]
    assert later["crossover_mean_trust"].notna().all(), later["crossover_mean_trust"].tolist()


def _interrupt_extension(tmp_path, monkeypatch, experiment, out):
    """Extend `experiment` from its replicates to one more and interrupt the sweep at its first part."""
    from pcnsim.study import sweep

    text = experiment.read_text().replace("replicates: 4", "replicates: 5")
    bigger = _write(tmp_path / "bigger.yaml", text)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(sweep, "run_chunk", interrupted)
        assert main(["sweep", str(bigger), "--out", str(out), "--workers", "1"]) == 130
    return bigger


def test_discover_refuses_an_interrupted_sweep_like_report_and_export(tmp_path, inline, capsys, monkeypatch):
    """After an interrupted extension the manifest lists no files (plot, export and report refuse the folder),
    but discover reads the stale runs_summary.parquet of the previous session and answers."""
    pytest.importorskip("ema_workbench")
    experiment, out = _sweep_with_parameter(tmp_path, "levers: []\n")
    _interrupt_extension(tmp_path, monkeypatch, experiment, out)
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    _one_error(capsys, "interrupted")
    assert main(["discover", str(out), "--outcome", "mean_trust_w10 > 0.42"]) == 2
    _one_error(capsys, "interrupted")


def test_discover_on_a_small_sweep_is_not_a_traceback(tmp_path, inline, capsys):
    """15 runs (5 points x 3 replicates): CART's min_samples_leaf is int(mass_min * 15) = 0 and scikit-learn raises
    InvalidParameterError (a traceback, exit 1). It should answer, or say in one line that the sweep is too
    small for --mass-min."""
    pytest.importorskip("ema_workbench")
    _, out = _sweep_with_parameter(tmp_path, "levers: []\n", replicates=3)
    capsys.readouterr()
    rc = main(["discover", str(out), "--outcome", "mean_trust_w10 > 0.42"])
    if rc == 2:
        _one_error(capsys, "--mass-min")
    else:
        assert rc == 0


# --- doubtful behaviour -------------------------------------------------------------------------------------------

def test_an_interrupted_extension_can_be_undone(tmp_path, inline, capsys, monkeypatch):
    """Extending 4 -> 5 replicates writes replicates: 5 into the manifest before any run; interrupted, the folder
    holds 4 finished replicates, yet going back to 4 is refused ("holds 5 replicates, more than ... 4")."""
    experiment, out = _sweep_with_parameter(tmp_path)
    _interrupt_extension(tmp_path, monkeypatch, experiment, out)
    capsys.readouterr()
    assert main(["sweep", str(experiment), "--out", str(out), "--workers", "1"]) == 0, _err_lines(capsys)


def test_a_moved_sweep_folder_with_a_csv_network_reruns(tmp_path, inline, capsys):
    """DIR/scenarios/*.yaml name the network files by absolute path and the files are not copied: moving the
    project (or the folder to another machine) makes `pcnsim sweep DIR/experiment.yaml` fail with 'no such
    file', although experiment.yaml is said to be rerunnable from anywhere."""
    project = _nhs_project(tmp_path, chunk_size=10)
    assert main(["sweep", str(project / "e.yaml"), "--out", str(project / "out"), "--workers", "1"]) == 0
    moved = tmp_path / "elsewhere"
    project.rename(moved)
    capsys.readouterr()
    assert main(["sweep", str(moved / "out" / "experiment.yaml"), "--workers", "1"]) == 0, _err_lines(capsys)


@pytest.mark.parametrize("extra", [
    "checkpoints: [500]",
    "scalars: {late: {outcome: mean_trust, kind: at, week: 500}}",
])
def test_weeks_past_the_experiments_steps_are_refused(tmp_path, capsys, extra):
    """With steps: 10, a checkpoint or an `at` scalar at week 500 validates and sweeps, giving a column that is
    empty in every run."""
    path = _write(tmp_path / "e.yaml", f"""
name: late
scenarios: [{SCENARIOS / 'race.yaml'}]
steps: 10
replicates: 1
outcomes: [mean_trust]
{extra}
""")
    assert main(["validate", str(path)]) == 2
    _one_error(capsys, "500")


# --- nits --------------------------------------------------------------------------------------------------------

def test_compare_with_fewer_seeds_names_seeds(tmp_path, inline, capsys):
    """compare --seeds 2 then --seeds 1 into the same folder: the error says "set replicates to 2", an
    experiment field compare has no option for; it should name --seeds."""
    race = str(SCENARIOS / "race.yaml")
    out = str(tmp_path / "cmp")
    assert main(["compare", race, race, "--steps", "10", "--seeds", "2", "--workers", "1", "--out", out]) == 0
    capsys.readouterr()
    assert main(["compare", race, race, "--steps", "10", "--seeds", "1", "--workers", "1", "--out", out]) == 2
    _one_error(capsys, "--seeds")



def test_export_does_not_overwrite_the_sweeps_own_files(tmp_path, inline, capsys):
    """`pcnsim export DIR --out DIR/runs.parquet` writes CSV over the design table: the folder is then refused
    as damaged by plot/report/export until it is swept again."""
    _, out = _sweep_with_parameter(tmp_path)
    capsys.readouterr()
    main(["export", str(out), "--out", str(out / "runs.parquet")])
    capsys.readouterr()
    assert main(["report", str(out)]) == 0, _err_lines(capsys)
    assert json.loads((out / "manifest.json").read_text())["files"]
