"""Issue 11's bad inputs, one test each: tracebacks, hangs, NaN accepted, silent acceptance, misleading lines.

Each failed on main before the input layer (pcnsim/config); each now gets the
one-line contract (tests/inputs_schema.refusal): one `error:` line naming the
file and the field, exit status 2, nothing written.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from inputs_schema import refusal
from pcnsim.config import load
from conftest import ROOT, SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"


def scenario(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def run_refused(tmp_path, capsys, path, *extra):
    """`pcnsim run` refuses the file in one line and leaves no output folder."""
    out = tmp_path / "out"
    line = refusal(["run", path, "--out", out, *extra], capsys)
    assert not out.exists() or not any(out.iterdir()), "an output folder was left behind"
    return line


def experiment(tmp_path, body, name="e.yaml"):
    path = tmp_path / name
    path.write_text(f"name: probe\nscenarios: [{BASELINE}]\nreplicates: 1\nsteps: 2\n{body}")
    return path


def sweep_refused(tmp_path, capsys, path):
    out = tmp_path / "results"
    line = refusal(["sweep", path, "--out", out], capsys)
    assert not out.exists()
    return line


# ---------------------------------------------------------------- tracebacks


def test_alias_bomb_in_a_string_field_is_refused_without_expanding_it(tmp_path, capsys):
    lines = ["_a: &a [" + ", ".join(["lol"] * 10) + "]"]
    for prev, cur in zip("abcdefgh", "bcdefghi"):  # each level ten times the last: 10^9 values in all
        lines.append(f"_{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    path = scenario(tmp_path, "\n".join(lines) + "\nname: *i\n")
    line = run_refused(tmp_path, capsys, path)
    assert str(path) in line and "aliases expanded" in line and len(line) < 300


@pytest.mark.parametrize("where", ["scenario", "experiment", "--set"])
def test_nesting_1000_deep_is_refused(tmp_path, capsys, where):
    deep = "[" * 1000 + "]" * 1000
    if where == "scenario":
        line = run_refused(tmp_path, capsys, scenario(tmp_path, f"name: {deep}\n"))
    elif where == "experiment":
        line = sweep_refused(tmp_path, capsys, experiment(tmp_path, f"parameters:\n  trust.gain: {deep}\n"))
    else:
        line = run_refused(tmp_path, capsys, BASELINE, "--set", f"trust.gain={deep}")
        assert "--set trust.gain" in line
    assert "nested more than" in line


@pytest.mark.parametrize("section", ["styles: {competing: .inf}", "authorisation: {full: .inf}"])
def test_inf_in_a_style_or_authorisation_mix_is_refused(tmp_path, capsys, section):
    line = run_refused(tmp_path, capsys, scenario(tmp_path, f"practices:\n  {section}\n"))
    assert "finite number" in line and "practices." in line


@pytest.mark.parametrize("text, field", [
    ("mandates: [{start_week: 1000000000000000000000000000000}]", "mandates.0.start_week"),
    ("mandates: [{span_weeks: 1000000000000000000000000000000}]", "mandates.0.span_weeks"),
    ("mandates: [{lead_weeks: 1000000000000000000000000000000}]", "mandates.0.lead_weeks"),
    ("partners: {join_week: 1000000000000000000000000000000}", "partners.join_week"),
    ("decisions: {decision_lead_weeks: 1000000000000000000000000000000}", "decisions.decision_lead_weeks"),
    ("record_levels_every: 1000000000000000000000000000000", "record_levels_every"),
    ("seed: 1000000000000000000000000000000", "seed"),
])
def test_week_fields_of_10_to_the_30_are_refused(tmp_path, capsys, text, field):
    line = run_refused(tmp_path, capsys, scenario(tmp_path, text + "\nsteps: 2\n"))
    assert f"{field}: Input should be less than or equal to" in line


def test_symlink_loop_path_under_a_file_long_name_and_dev_zero_are_refused(tmp_path, capsys):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    plain = scenario(tmp_path, "steps: 2\n")
    for path, fragment in [(tmp_path / "a", "loop of symbolic links"),
                           (plain / "x.yaml", "a part of the path is a file"),
                           (tmp_path / ("x" * 300 + ".yaml"), "name is too long"),
                           ("/dev/zero", "is a device")]:
        assert fragment in run_refused(tmp_path, capsys, path)


def test_a_bad_scenario_named_by_an_experiment_gets_the_same_line_as_run(tmp_path, capsys):
    bad = scenario(tmp_path, "values: {convergence: 0.9}\n", "bad.yaml")
    line = run_refused(tmp_path, capsys, bad)
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: probe\nscenarios: [{bad}]\n")
    assert sweep_refused(tmp_path, capsys, exp) == line


def test_a_bad_csv_structure_named_by_an_experiment_gets_the_same_line_as_validate(tmp_path, capsys):
    (tmp_path / "p.csv").write_text("practice_code,pcn_code,ics_code,list_size\nA1,P1,I1,5000\nA1,P1,I1,6000\n")
    bad = scenario(tmp_path, "network: {kind: csv, file: p.csv}\n", "csv.yaml")
    line = refusal(["validate", bad], capsys)
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: probe\nscenarios: [{bad}]\n")
    assert sweep_refused(tmp_path, capsys, exp) == line and "duplicate practice_code" in line


def test_a_parameter_past_the_end_of_the_mandates_is_refused_at_load(tmp_path, capsys):
    race = SCENARIOS / "race.yaml"
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: probe\nscenarios: [{race}]\nparameters:\n  mandates.7.count: [1, 2]\n")
    line = sweep_refused(tmp_path, capsys, exp)
    assert "parameters.mandates.7.count" in line and "index below 2" in line


@pytest.mark.parametrize("body, field", [
    ("design: morris\nlevels: 100000000000\nparameters: {trust.gain: {low: 0.1, high: 0.2}}\n", "levels"),
    ("design: lhs\nsamples: 100000000000\nparameters: {trust.gain: {low: 0.1, high: 0.2}}\n", "samples"),
])
def test_huge_morris_levels_and_lhs_samples_are_refused(tmp_path, capsys, body, field):
    line = sweep_refused(tmp_path, capsys, experiment(tmp_path, body))
    assert f"{field}: Input should be less than or equal to" in line


# ---------------------------------------------------------------- hangs


def test_a_fifo_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    # The timeout only catches the old hang; it is no speed target.
    result = subprocess.run([sys.executable, "-m", "pcnsim", "validate", str(fifo)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2 and result.stderr.strip() == f"error: {fifo}: is a FIFO (named pipe); give a " \
        "scenario file as a regular file"


@pytest.mark.parametrize("size, fragment", [(10_000_000, "may be at most 1,000,000 bytes"),
                                            (300_000, "name: String should have at most 200 characters")])
def test_a_huge_name_is_refused(tmp_path, capsys, size, fragment):
    line = run_refused(tmp_path, capsys, scenario(tmp_path, "name: " + "x" * size + "\n"))
    assert fragment in line and len(line) < 400


# ---------------------------------------------------------------- accepted, outputs held NaN, inf or INT64_MIN


@pytest.mark.parametrize("text, field", [
    ("leadership: {cd_admin: .inf}", "leadership.cd_admin"),
    ("wellbeing: {burnout_rate: .nan}", "wellbeing.burnout_rate"),
    ("practices: {list_size: {mean: .inf, sd: 1}}", "practices.list_size.mean"),
    ("network: {history_years: {mean: .nan, sd: 1}}", "network.history_years.mean"),
    ("practices: {core_demand: {mean: .nan, sd: 0.1}}", "practices.core_demand.mean"),
    ("delivery: {arrs_support: .inf}", "delivery.arrs_support"),
    ("partners: {voice: .inf}", "partners.voice"),
    ("mandates: [{total_effort: .inf}]", "mandates.0.total_effort"),
    ("mandates: [{total_effort: .nan}]", "mandates.0.total_effort"),
])
def test_non_finite_values_are_refused(tmp_path, capsys, text, field):
    line = run_refused(tmp_path, capsys, scenario(tmp_path, text + "\nsteps: 2\n"))
    assert f"{field}: Input should be a finite number" in line


def test_a_csv_list_size_of_1e300_is_refused(tmp_path, capsys):
    (tmp_path / "p.csv").write_text("practice_code,pcn_code,ics_code,list_size\nA1,P1,I1,1e300\nA2,P1,I1,5000\n")
    path = scenario(tmp_path, "network: {kind: csv, file: p.csv}\nsteps: 2\n")
    line = refusal(["validate", path], capsys)
    assert "p.csv: line 2: list_size '1e300' is above 1,000,000" in line


# ---------------------------------------------------------------- accepted silently


def test_a_duplicate_section_is_refused_not_merged_away(tmp_path, capsys):
    path = scenario(tmp_path, "trust:\n  gain: 0.1\nsteps: 2\ntrust:\n  loss: 0.4\n")
    line = run_refused(tmp_path, capsys, path)
    assert line == f"error: {path}: line 4: key 'trust' appears twice (first on line 1); give each key once"


def test_seed_true_is_refused(tmp_path, capsys):
    line = run_refused(tmp_path, capsys, scenario(tmp_path, "seed: true\nsteps: 2\n"))
    assert "seed: Input should be a valid integer (got True)" in line


@pytest.mark.parametrize("text, field", [
    ("practices: {stakes: {mean: 0.3, sd: .inf}}", "practices.stakes.sd"),
    ("network: {pcn_practices: {mean: 5, sd: -.inf}}", "network.pcn_practices.sd"),
    ("trust: {initial_noise: .inf}", "trust.initial_noise"),
    ("trust: {history_scale_years: .inf}", "trust.history_scale_years"),
    ("meetings: {agreement_memory_weeks: .inf}", "meetings.agreement_memory_weeks"),
    ("delivery: {effort_population: .inf}", "delivery.effort_population"),
    ("conflict: {propensities: {competing: [.inf, 0.1, 0.1]}}", "conflict.propensities.competing.0"),
])
def test_infinite_spreads_noise_memory_population_and_propensities_are_refused(tmp_path, capsys, text, field):
    line = run_refused(tmp_path, capsys, scenario(tmp_path, text + "\nsteps: 2\n"))
    assert f"{field}: Input should be a finite number" in line


def test_a_nul_byte_in_a_csv_code_is_refused(tmp_path, capsys):
    (tmp_path / "p.csv").write_bytes(b"practice_code,pcn_code,ics_code,list_size\nA\x001,P1,I1,5000\nA2,P1,I1,6000\n")
    path = scenario(tmp_path, "network: {kind: csv, file: p.csv}\n")
    line = refusal(["validate", path], capsys)
    assert "p.csv: line 2: practice_code 'A\\x001' is not a code" in line


# ---------------------------------------------------------------- one line, but misleading


@pytest.mark.parametrize("spec, fragment", [
    ("{low: 0.5, high: 0.1, num: 3}", "high (0.1) is below low (0.5); a range needs high above low"),
    ("{low: 0.5, high: 0.5, num: 3}", "low and high are both 0.5; a range needs high above low"),
    ("{low: .nan, high: 0.5, num: 3}", "parameters.trust.gain.low: Input should be a finite number"),
    ("{low: 0.1, high: 0.5, nmu: 3}", "parameters.trust.gain.nmu: unknown key; allowed: low, high, num"),
])
def test_ranges_are_explained_in_their_own_words(tmp_path, capsys, spec, fragment):
    line = sweep_refused(tmp_path, capsys, experiment(tmp_path, f"parameters:\n  trust.gain: {spec}\n"))
    assert fragment in line and "valid list" not in line


def test_an_unknown_figure_key_lists_the_figure_keys(tmp_path, capsys):
    line = sweep_refused(tmp_path, capsys, experiment(tmp_path, "figure: {colour: red}\n"))
    assert line.endswith("figure.colour: unknown key; allowed: outcomes, by, crossover")


@pytest.mark.parametrize("text", [
    "network: {kind: generated, pcns: 10, systems: 2}\npractices: {list_size: {mean: -5, sd: 1}}\n",
    "network: {kind: generated, pcns: 10, systems: 2}\ncomparison: {visible: 10}\n",
])
def test_errors_found_when_building_now_name_the_file(tmp_path, capsys, text):
    path = scenario(tmp_path, text + "steps: 2\n")
    assert str(path) in run_refused(tmp_path, capsys, path)
    assert str(path) in refusal(["validate", path], capsys)


def test_no_numpy_warning_before_the_error_line(tmp_path, capsys):
    path = scenario(tmp_path, "network: {kind: generated, pcns: 10, systems: 2, pcn_practices: {mean: 5, sd: 1e200}}\n"
                              "steps: 2\n")
    line = run_refused(tmp_path, capsys, path)  # refusal() also checks stderr holds no warning
    assert "network.pcn_practices.sd" in line


@pytest.mark.parametrize("name", ["../../../x", "a/b", "..", "", "x" * 101])
def test_an_experiment_name_must_be_a_plain_name(tmp_path, capsys, name):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: '{name}'\nscenarios: [{BASELINE}]\n")
    line = refusal(["sweep", exp], capsys)  # no --out: the name would pick results/<name>
    assert "must be a plain name" in line
    assert not (ROOT.parent / "x").exists() and not (tmp_path / "results").exists()


def test_the_resolved_scenario_of_every_shipped_file_reads_back_the_same(tmp_path):
    from pcnsim.config import dump

    for path in sorted(SCENARIOS.glob("*.yaml")):
        resolved = tmp_path / path.name
        resolved.write_text(dump(load(path)))
        assert dump(load(resolved)) == resolved.read_text()


def test_exponent_numbers_read_as_numbers_and_strings_that_look_like_them_read_back_as_text(tmp_path):
    from pcnsim.config import dump

    path = scenario(tmp_path, "name: '1e3'\nvalues: {convergence: 1e-1}\n")
    first = load(path)
    assert first.name == "1e3" and first.values.convergence == 0.1
    again = scenario(tmp_path, dump(first), "again.yaml")
    assert load(again) == first


def test_a_bad_csv_structure_leaves_no_output_folder(tmp_path, capsys):
    # Fails until the CLI reads a scenario's CSV structure before it makes --out (pcnsim/cli.py, cmd_run).
    (tmp_path / "p.csv").write_text("practice_code,pcn_code,ics_code,list_size\nA1,P1,I1,5000\nA1,P1,I1,6000\n")
    path = scenario(tmp_path, "network: {kind: csv, file: p.csv}\nsteps: 2\n")
    line = run_refused(tmp_path, capsys, path)
    assert "duplicate practice_code" in line
    assert not (tmp_path / "out").exists(), "an empty output folder was left behind"
