"""Per-run results and self-describing sweep folders: runs_summary, rerunning DIR/experiment.yaml, adding
replicates, compare as a two-scenario sweep, validate and --dry-run on experiments, the spreadsheet export."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from pcnsim.cli import main
from pcnsim.outputs.stats import crossover
from conftest import SCENARIOS

PAIR = f"""
name: pair
scenarios: [{SCENARIOS / 'race.yaml'}, {SCENARIOS / 'trust_first.yaml'}]
parameters:
  leadership.facilitation: [0.2, 0.8]
replicates: 3
steps: 160
record_every: 2
chunk_size: 4
outcomes: [milestones_met, mean_trust, ownership]
scalars:
  trust_half: {{outcome: mean_trust, kind: first_above, threshold: 0.45}}
  peak_ownership: {{outcome: ownership, kind: max, from_week: 10}}
  met_at_30: {{outcome: milestones_met, kind: at, week: 30}}
figure: {{crossover: milestones_met}}
"""


def _write(tmp_path, text=PAIR, name="pair.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def pair(tmp_path, inline):
    path = _write(tmp_path)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 0
    return path, out


def _one_error(capsys, *fragments):
    err = [line for line in capsys.readouterr().err.strip().splitlines() if not line.startswith(("runs (", "compiling"))]
    assert len(err) == 1 and err[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in err[0], err[0]


def test_runs_summary_holds_each_runs_parameters_seed_and_scalars_read_from_its_weeks(pair):
    _, out = pair
    runs = pd.read_parquet(out / "runs_summary.parquet")
    series = pd.read_parquet(out / "timeseries")
    design = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == len(design) == 2 * 2 * 3 and set(runs["run_id"]) == set(design["run_id"])
    assert runs.merge(design, on="run_id", suffixes=("", "_design")).eval("seed == seed_design").all()
    assert {"leadership.facilitation", "case", "replicate", "seed", "status"} <= set(runs.columns)
    for _, run in runs.iterrows():
        curve = series[series["run_id"] == run["run_id"]].set_index("step")
        for week in (26, 52, 156, 160):  # the default checkpoints up to the last week, and the last week
            assert run[f"mean_trust_w{week}"] == curve.loc[week, "mean_trust"]
        assert "mean_trust_w260" not in runs.columns
        above = curve.index[curve["mean_trust"] > 0.45]
        assert (np.isnan(run["trust_half"]) and not len(above)) or run["trust_half"] == above[0]
        assert run["peak_ownership"] == curve.loc[10:, "ownership"].max()
        assert run["met_at_30"] == curve.loc[30, "milestones_met"]
    assert runs["trust_half"].notna().any()
    # The same table as CSV, for a spreadsheet.
    csv = pd.read_csv(out / "runs_summary.csv")
    assert list(csv.columns) == list(runs.columns) and len(csv) == len(runs)


def test_crossover_is_read_against_the_paired_run_of_the_first_scenario(pair):
    _, out = pair
    runs = pd.read_parquet(out / "runs_summary.parquet")
    series = pd.read_parquet(out / "timeseries").pivot(index="step", columns="run_id", values="milestones_met")
    first = runs[runs["scenario"] == "race"]
    assert first["crossover_milestones_met"].isna().all()
    later = runs[runs["scenario"] == "trust_first"]
    checked = 0
    for _, run in later.iterrows():
        paired = first[(first["case"] == run["case"]) & (first["replicate"] == run["replicate"])].iloc[0]
        assert paired["seed"] == run["seed"]  # the same draws
        expected = crossover(series[paired["run_id"]], series[run["run_id"]])
        got = run["crossover_milestones_met"]
        assert (expected is None and np.isnan(got)) or got == expected
        checked += expected is not None
    assert checked, "no pair crossed: the test would not see a wrong week"


def test_the_folder_reruns_exactly_from_its_own_experiment_anywhere(pair, tmp_path, capsys):
    _, out = pair
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(out, moved)
    experiment = (moved / "experiment.yaml").read_text()
    assert str(SCENARIOS) not in experiment and "scenarios/1-race.yaml" in experiment
    again = tmp_path / "again"
    assert main(["sweep", str(moved / "experiment.yaml"), "--out", str(again)]) == 0
    for name in ("summary.csv", "runs_summary.csv", "runs.parquet", "experiment.yaml", "points.jsonl"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    points = [json.loads(line) for line in (out / "points.jsonl").read_text().splitlines()]
    assert len(points) == 4 and {p["scenario"]["leadership"]["facilitation"] for p in points} == {0.2, 0.8}
    # Without --out, a sweep folder's own experiment resumes in that folder: nothing to run.
    sessions = json.loads((moved / "provenance.json").read_text())["sessions"]
    capsys.readouterr()
    assert main(["sweep", str(moved / "experiment.yaml")]) == 0
    assert "12 runs ok" in capsys.readouterr().out
    assert json.loads((moved / "provenance.json").read_text())["sessions"] == sessions


def test_provenance_names_what_made_the_results(pair):
    _, out = pair
    record = json.loads((out / "provenance.json").read_text())
    assert record["pcnsim"] and record["python"].startswith("3.") and record["packages"]["numpy"]
    [session] = record["sessions"]
    assert session["runs"] == 12 and session["started"] <= session["finished"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert {"provenance.json", "runs_summary.parquet", "points.jsonl", "scenarios/1-race.yaml"} <= set(manifest["files"])


def test_adding_replicates_runs_only_the_new_ones(pair, tmp_path, monkeypatch):
    from pcnsim.study import sweep

    path, out = pair
    before = pd.read_parquet(out / "runs.parquet")
    ran = []
    original = sweep.run_chunk

    def counted(runs, *args):
        ran.extend(r["run_id"] for r in runs)
        return original(runs, *args)

    monkeypatch.setattr(sweep, "run_chunk", counted)
    path.write_text(PAIR.replace("replicates: 3", "replicates: 5"))
    assert main(["sweep", str(path), "--out", str(out)]) == 0
    after = pd.read_parquet(out / "runs.parquet")
    assert len(after) == 20 and set(ran) == set(after["run_id"]) - set(before["run_id"])
    fresh = tmp_path / "fresh"
    assert main(["sweep", str(path), "--out", str(fresh)]) == 0
    assert (fresh / "summary.csv").read_bytes() == (out / "summary.csv").read_bytes()
    assert len(json.loads((out / "provenance.json").read_text())["sessions"]) == 2


def test_fewer_replicates_than_the_folder_holds_are_refused(pair, capsys):
    path, out = pair
    path.write_text(PAIR.replace("replicates: 3", "replicates: 2"))
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    _one_error(capsys, str(out), "holds 3 finished replicates", "another --out")


def test_a_folder_of_other_files_is_refused(tmp_path, capsys, inline):
    out = tmp_path / "out"
    out.mkdir()
    (out / "comparison.csv").write_text("made by something else\n")
    assert main(["sweep", str(_write(tmp_path)), "--out", str(out)]) == 2
    _one_error(capsys, "not a sweep's")
    assert sorted(p.name for p in out.iterdir()) == ["comparison.csv"]


def test_validate_and_dry_run_count_the_runs_and_estimate_the_time_writing_nothing(tmp_path, capsys):
    path = _write(tmp_path)
    assert main(["validate", str(path)]) == 0
    text = capsys.readouterr().out
    assert "12 runs (4 design points x 3 replicates)" in text and "minutes on" in text
    out = tmp_path / "planned"
    assert main(["sweep", str(path), "--out", str(out), "--dry-run", "--workers", "1"]) == 0
    assert "12 to do" in capsys.readouterr().out and not out.exists()


def test_a_bad_scalar_is_one_line(tmp_path, capsys):
    for text, fragment in ((PAIR.replace("kind: first_above, threshold: 0.45", "kind: first_above"), "threshold"),
                           (PAIR.replace("outcome: mean_trust, kind", "outcome: burnout, kind"), "not recorded"),
                           (PAIR.replace("week: 30", "week: 31"), "record_every"),
                           (PAIR.replace("trust_half:", "trust-half:"), "plain identifier")):
        path = _write(tmp_path, text, "bad.yaml")
        assert main(["validate", str(path)]) == 2
        _one_error(capsys, str(path), fragment)


def test_compare_is_the_two_scenario_sweep_of_the_same_seeds(tmp_path, capsys, inline):
    out = tmp_path / "cmp"
    assert main(["compare", str(SCENARIOS / "race.yaml"), str(SCENARIOS / "trust_first.yaml"), "--seeds", "4",
                 "--steps", "104", "--seed", "7", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "crossover" in text and "paired runs" in text and "[" in text  # the table shows 95% CIs
    experiment = tmp_path / "same.yaml"
    experiment.write_text(f"name: same\nscenarios: [{SCENARIOS / 'race.yaml'}, {SCENARIOS / 'trust_first.yaml'}]\n"
                          "replicates: 4\nseed: 7\nsteps: 104\nchunk_size: 3\n")
    assert main(["sweep", str(experiment), "--out", str(tmp_path / "sweep")]) == 0
    a, b = (pd.read_csv(folder / "summary.csv") for folder in (out, tmp_path / "sweep"))
    pd.testing.assert_frame_equal(a[["scenario", "outcome", "step", "mean", "ci_low", "ci_high"]],
                                  b[["scenario", "outcome", "step", "mean", "ci_low", "ci_high"]])
    # More seeds extend the comparison's folder.
    assert main(["compare", str(SCENARIOS / "race.yaml"), str(SCENARIOS / "trust_first.yaml"), "--seeds", "6",
                 "--steps", "104", "--seed", "7", "--out", str(out)]) == 0
    assert len(pd.read_parquet(out / "runs.parquet")) == 12


def test_levers_given_as_values_are_crossed_with_the_same_sample(tmp_path):
    from pcnsim.study import experiment as experiments

    path = _write(tmp_path, f"""
name: levers
scenarios: [{SCENARIOS / 'race.yaml'}]
design: lhs
samples: 5
parameters:
  leadership.facilitation: {{low: 0.1, high: 0.9}}
  mandates.0.lead_weeks: [13, 52]
levers: [mandates.0.lead_weeks]
replicates: 2
steps: 10
""")
    experiment, folder = experiments.load(path)
    table, _ = experiments.design_table(experiment, folder, str(path))
    assert len(table) == 5 * 2 * 2
    by_lever = table[table["replicate"] == 0].groupby("mandates.0.lead_weeks")["leadership.facilitation"]
    assert sorted(by_lever.apply(sorted).apply(tuple).unique()) == [tuple(sorted(by_lever.get_group(13)))]
    assert experiments.levers(experiment) == ["mandates.0.lead_weeks"]
    assert experiments.uncertainties(experiment) == ["leadership.facilitation"]


def test_export_is_one_table_with_every_parameter_on_each_row(pair, capsys):
    _, out = pair
    assert main(["export", str(out)]) == 0
    table = pd.read_csv(out / "table.csv")
    series = pd.read_parquet(out / "timeseries")
    assert len(table) == len(series) and {"scenario", "leadership.facilitation", "seed", "step"} <= set(table.columns)
    merged = table.merge(pd.read_parquet(out / "runs.parquet"), on="run_id", suffixes=("", "_design"))
    assert (merged["leadership.facilitation"] == merged["leadership.facilitation_design"]).all()


def test_plot_by_a_column_that_is_not_a_varied_one_is_one_line(pair, capsys):
    _, out = pair
    capsys.readouterr()
    assert main(["plot", str(out), "--by", "replicate"]) == 2
    _one_error(capsys, "--by replicate", "scenario, leadership.facilitation")
