"""The command line: outputs, reproducibility and one-line errors."""

import subprocess
import sys

import pandas as pd
import pytest

from pcnsim.cli import main
from conftest import ROOT, SCENARIOS


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "pcnsim", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_run_writes_every_output(tmp_path, capsys):
    assert main(["run", str(SCENARIOS / "race.yaml"), "--steps", "60", "--seed", "4", "--out", str(tmp_path)]) == 0
    ts = pd.read_csv(tmp_path / "timeseries.csv")
    assert list(ts.step) == list(range(61))
    for column in ["mean_trust", "min_trust", "value_dispersion", "n_clusters", "agreement_share",
                   "conflict_episodes", "conflict_productive", "conflict_avoided", "conflict_destructive",
                   "latent_tension", "milestones_met", "ownership", "passive_compliance", "capacity", "burnout"]:
        assert column in ts.columns
    agents = pd.read_csv(tmp_path / "agents.csv")
    assert len(agents) == 5
    assert {"social_justice", "income_generation", "clinical_quality", "efficiency", "sustainability"} <= set(agents)
    edges = pd.read_csv(tmp_path / "edges.csv")
    assert len(edges) == 10 and edges.trust.between(0, 1).all()
    assert (tmp_path / "outcomes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    resolved = (tmp_path / "scenario.yaml").read_text()
    assert "seed: 4" in resolved and "steps: 60" in resolved
    assert "week 60" in capsys.readouterr().out


def test_same_seed_same_bytes_across_processes_and_from_the_resolved_file(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert main(["run", str(SCENARIOS / "baseline.yaml"), "--seed", "9", "--steps", "120", "--out", str(a)]) == 0
    assert run_cli("run", SCENARIOS / "baseline.yaml", "--seed", "9", "--steps", "120", "--out", b).returncode == 0
    assert run_cli("run", a / "scenario.yaml", "--out", c).returncode == 0
    first = (a / "timeseries.csv").read_bytes()
    assert first == (b / "timeseries.csv").read_bytes() == (c / "timeseries.csv").read_bytes()
    assert (a / "edges.csv").read_bytes() == (c / "edges.csv").read_bytes()


def test_different_seeds_differ(tmp_path):
    for seed in (1, 2):
        main(["run", str(SCENARIOS / "baseline.yaml"), "--seed", str(seed), "--steps", "40", "--out", str(tmp_path / str(seed))])
    assert (tmp_path / "1" / "timeseries.csv").read_bytes() != (tmp_path / "2" / "timeseries.csv").read_bytes()


def test_a_scenario_name_changes_nothing(tmp_path):
    # No code may branch on a scenario's name: renaming race must not change its run.
    for name in ("race", "anything_else"):
        main(["run", str(SCENARIOS / "race.yaml"), "--set", f"name={name}", "--steps", "80", "--out", str(tmp_path / name)])
    assert (tmp_path / "race" / "timeseries.csv").read_bytes() == (tmp_path / "anything_else" / "timeseries.csv").read_bytes()


def test_every_shipped_scenario_validates(capsys):
    for path in sorted(SCENARIOS.glob("*.yaml")):
        assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.count(": ok (") == len(list(SCENARIOS.glob("*.yaml")))


BAD_FILES = {
    "unknown_top.yaml": ("steps: 10\nfoo: 1\n", ["foo", "unknown key", "allowed"]),
    "unknown_nested.yaml": ("practices:\n  styles:\n    bossy: 1\n", ["practices.styles.bossy", "unknown key", "competing"]),
    "range.yaml": ("values:\n  convergence: 0.9\n", ["values.convergence", "0.5"]),
    "type.yaml": ("steps: many\n", ["steps", "integer"]),
    "kind.yaml": ("mandates:\n  - kind: sometimes\n", ["mandates.0.kind", "phased"]),
    "wave.yaml": ("mandates:\n  - {kind: phased, count: 2, first_wave: 3}\n", ["mandates.0", "first_wave"]),
    "focus.yaml": ("focus: {mandates: 0.5, stabilise: 0.5, partners: 0.5}\n", ["focus", "sum to 1"]),
    "malformed.yaml": ("steps: [1, 2\n", ["malformed YAML", "line"]),
    "list.yaml": ("- 1\n- 2\n", ["mapping"]),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_scenario_files_get_one_line_and_exit_2(tmp_path, name):
    text, expected = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text)
    result = run_cli("validate", path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(path) in lines[0]
    for fragment in expected:
        assert fragment in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args,fragment", [
    (["run", "missing.yaml"], "missing.yaml: no such file"),
    (["run", SCENARIOS / "race.yaml", "--out", "/proc/forbidden"], "--out /proc/forbidden: cannot create"),
    (["run", SCENARIOS / "race.yaml", "--set", "values.confidence=9"], "values.confidence"),
    (["run", SCENARIOS / "race.yaml", "--set", "nonsense"], "expected dotted.key=value"),
    (["run", SCENARIOS / "race.yaml", "--set", "mandates.9.count=1"], "index below 2"),
    (["run", SCENARIOS / "race.yaml", "--seed", "-1"], "--seed"),
    (["run", SCENARIOS / "race.yaml", "--steps", "0"], "--steps"),
    (["compare", SCENARIOS / "race.yaml", SCENARIOS / "deffuant_weisbuch.yaml", "--seeds", "2"], "steps"),
    (["explode"], "invalid choice"),
])
def test_bad_command_lines_get_one_line_and_exit_2(tmp_path, args, fragment):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0]


def test_compare_reports_a_table_the_crossover_and_writes_files(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(SCENARIOS / "race.yaml"), str(SCENARIOS / "trust_first.yaml"),
                 "--seeds", "4", "--steps", "104", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "crossover" in text and "milestones_met" in text
    summary = pd.read_csv(out / "summary.csv").dropna()  # agreement_share is undefined at week 0
    assert set(summary.scenario) == {"race", "trust_first"}
    assert (summary.ci_low <= summary["mean"] + 1e-12).all() and (summary["mean"] <= summary.ci_high + 1e-12).all()
    table = pd.read_csv(out / "checkpoints.csv")
    assert set(table["week"]) == {26, 52, 104} and (table["ci_low"] <= table["ci_high"]).all()
    assert (out / "figure.png").exists() and (out / "runs_summary.csv").exists()


def test_run_of_a_csv_structure_writes_pcn_and_ics_tables(tmp_path):
    data = ROOT / "scenarios" / "data"
    scenario = tmp_path / "real.yaml"
    scenario.write_text(f"network:\n  kind: csv\n  file: {data / 'example_practices.csv'}\n"
                        f"  edges_file: {data / 'example_ties.csv'}\nsteps: 52\nrecord_levels_every: 26\n")
    assert main(["run", str(scenario), "--out", str(tmp_path / "out")]) == 0
    practices = pd.read_csv(data / "example_practices.csv", dtype=str)
    pcns = pd.read_csv(tmp_path / "out" / "pcns.csv")
    assert set(pcns.step) == {0, 26, 52}
    assert sorted(pcns[pcns.step == 52].pcn) == sorted(practices.pcn_code.unique())
    assert (pcns.groupby("step").practices.sum() == len(practices)).all()
    ics = pd.read_csv(tmp_path / "out" / "ics.csv")
    assert sorted(ics[ics.step == 52].ics) == sorted(practices.ics_code.unique())
    assert ics.groupby("step").pcns.sum().eq(practices.pcn_code.nunique()).all()
    agents = pd.read_csv(tmp_path / "out" / "agents.csv")
    assert sorted(agents.code) == sorted(practices.practice_code)


def test_a_scenario_pointing_at_a_bad_csv_fails_in_one_line(tmp_path):
    bad = tmp_path / "practices.csv"
    bad.write_text("practice_code,pcn_code,ics_code,list_size\nA1,P1,I1,5000\nA1,P1,I1,6000\n")
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("network:\n  kind: csv\n  file: practices.csv\n")
    result = run_cli("run", scenario, "--out", tmp_path / "out")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert "practices.csv" in lines[0] and "line 3" in lines[0] and "duplicate" in lines[0]
    checked = run_cli("validate", scenario)
    assert checked.returncode == 2 and checked.stderr.strip() == lines[0]
    missing = run_cli("run", tmp_path / "nowhere.yaml")
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_england_runs_with_per_pcn_and_per_ics_tables(tmp_path):
    assert main(["run", str(SCENARIOS / "england.yaml"), "--steps", "26", "--out", str(tmp_path)]) == 0
    pcns = pd.read_csv(tmp_path / "pcns.csv")
    assert pcns.pcn.nunique() == 1250 and set(pcns.step) == {0, 13, 26}
    assert 6000 < pcns[pcns.step == 26].practices.sum() < 7000
    ics = pd.read_csv(tmp_path / "ics.csv")
    assert ics.ics.nunique() == 42
    assert ics[ics.step == 26].population.sum() == pytest.approx(pcns[pcns.step == 26].population.sum())
    ts = pd.read_csv(tmp_path / "timeseries.csv")
    assert ts.believe_behind.iloc[13:].mean() > 0.5  # england.yaml's PCNs compare with a biased view
