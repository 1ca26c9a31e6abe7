"""Every bad input gets one line: generated from the schemas and checked through the real command line.

The contract (README, "Commands"): exactly one line on stderr, starting with
`error:` and naming the file (or `--set`) and the field; exit status 2; no
traceback; nothing written. Cases come from walking the pydantic models
(tests/inputs_schema.py); hypothesis combines them with the shipped scenarios
and with arbitrary junk. Examples are derandomised, so CI sees the same cases.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inputs_schema import bad_values, dotted, duplicate_key_text, flow, leaves, merged, nested, refusal, sections
from pcnsim.cli import main
from pcnsim.config.schema import DemandShock, MandateStream, Network, PCNPatientsSpread, Scenario
from pcnsim.study.experiment import Experiment
from conftest import ROOT, SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
SCENARIO_LEAVES = list(leaves(Scenario))
EXPERIMENT_LEAVES = list(leaves(Experiment))
DEFAULTS = Scenario(mandates=[MandateStream()], demand_shocks=[DemandShock()],
                    network=Network(pcn_patients=PCNPatientsSpread())).model_dump(mode="json")
HYPOTHESIS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def default_at(path):
    node = DEFAULTS
    for part in path:
        node = node[part]
    return node


def with_siblings(path, value) -> dict:
    """A mapping holding value at path, beside its siblings' defaults (a spread's sd needs its mean)."""
    if len(path) == 1:
        return {path[0]: value}
    return nested(path[:-1], {**default_at(path[:-1]), path[-1]: value})


def write_yaml(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=False))
    return path


def names_field(line: str, path: tuple) -> bool:
    """The line names the field: its section's path and its own name (a list index may be in either)."""
    section = ".".join(str(p) for p in path[:-1])
    return section in line and str(path[-1]) in line


# ---------------------------------------------------------------- scenario files, field by field


def scenario_cases():
    for path, bare, metadata, optional in SCENARIO_LEAVES:
        for value in bad_values(bare, metadata, optional):
            yield path, value


@pytest.mark.parametrize("path", [p for p, *_ in SCENARIO_LEAVES], ids=dotted)
def test_each_bad_value_of_each_scenario_field_is_refused(tmp_path, capsys, path):
    _, bare, metadata, optional = next(leaf for leaf in SCENARIO_LEAVES if leaf[0] == path)
    values = bad_values(bare, metadata, optional)
    assert values
    for value in values:
        file = write_yaml(tmp_path / "bad.yaml", with_siblings(path, value))
        line = refusal(["validate", file], capsys)
        assert str(file) in line and names_field(line, path), (value, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


@pytest.mark.parametrize("section", list(sections(Scenario)), ids=lambda p: dotted(p) or "top")
def test_an_unknown_key_in_each_section_is_refused_with_the_allowed_keys(tmp_path, capsys, section):
    data = merged({}, section + ("no_such_key",), 1) if section else {"no_such_key": 1}
    line = refusal(["validate", write_yaml(tmp_path / "bad.yaml", data)], capsys)
    assert dotted(section + ("no_such_key",)) in line and "unknown key; allowed:" in line


@pytest.mark.parametrize("path", [p for p, *_ in SCENARIO_LEAVES], ids=dotted)
def test_each_key_given_twice_is_refused(tmp_path, capsys, path):
    file = tmp_path / "twice.yaml"
    file.write_text(duplicate_key_text(path, default_at(path)))
    line = refusal(["validate", file], capsys)
    assert str(file) in line and f"key {path[-1]!r} appears twice" in line and "line" in line


@pytest.mark.parametrize("path", [p for p, *_ in SCENARIO_LEAVES], ids=dotted)
def test_each_bad_set_option_is_refused_and_writes_nothing(tmp_path, capsys, path):
    _, bare, metadata, optional = next(leaf for leaf in SCENARIO_LEAVES if leaf[0] == path)
    out = tmp_path / "out"
    key = dotted(path)
    base = BASELINE if path[0] != "mandates" or path[1] < 2 else None
    for value in bad_values(bare, metadata, optional)[:6]:
        line = refusal(["run", base, "--set", f"{key}={flow(value)}", "--out", out], capsys)
        assert f"{base} (--set {key})" in line and names_field(line, path), (value, line)
        assert not out.exists() or not any(out.iterdir())


# ---------------------------------------------------------------- hypothesis: shipped scenarios, junk, --set


@HYPOTHESIS
@given(file=st.sampled_from(SHIPPED), case=st.sampled_from(list(scenario_cases())))
def test_a_bad_field_in_any_shipped_scenario_is_refused(tmp_path, capsys, file, case):
    path, value = case
    data = yaml.safe_load(file.read_text())
    bad = write_yaml(tmp_path / file.name, merged(data, path, value))
    line = refusal(["validate", bad], capsys)
    assert str(bad) in line


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@HYPOTHESIS
@given(leaf=st.sampled_from(SCENARIO_LEAVES), junk=JUNK)
def test_any_value_anywhere_is_run_or_refused_in_one_line(tmp_path, capsys, leaf, junk):
    file = write_yaml(tmp_path / "junk.yaml", nested(leaf[0], junk))
    code = main(["validate", str(file)])
    captured = capsys.readouterr()
    assert code in (0, 2)
    if code == 2:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {file}"), captured.err
    else:
        assert captured.err == "" and ": ok (" in captured.out


@HYPOTHESIS
@given(depth=st.integers(33, 3000), kind=st.sampled_from(["[", "{a: "]), where=st.sampled_from(["name", "trust.gain"]))
def test_deep_nesting_in_a_set_value_is_refused(tmp_path, capsys, depth, kind, where):
    close = "]" if kind == "[" else "}"
    value = kind * depth + "1" + close * depth
    line = refusal(["run", BASELINE, "--set", f"{where}={value}", "--out", tmp_path / "out"], capsys)
    assert "--set" in line and "nested more than" in line
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- experiments


def experiment_base(tmp_path):
    return {"name": "probe", "scenarios": [str(BASELINE)], "replicates": 1, "steps": 2}


def experiment_cases():
    for path, bare, metadata, optional in EXPERIMENT_LEAVES:
        if path == ("parameters",):
            continue  # its own cases below
        for value in bad_values(bare, metadata, optional):
            yield path, value


@pytest.mark.parametrize("path", sorted({p for p, _ in experiment_cases()}), ids=dotted)
def test_each_bad_value_of_each_experiment_field_is_refused_before_a_folder_is_made(tmp_path, capsys, path):
    out = tmp_path / "results"
    for case_path, value in experiment_cases():
        if case_path != path:
            continue
        file = write_yaml(tmp_path / "exp.yaml", merged(experiment_base(tmp_path), path, value))
        line = refusal(["sweep", file, "--out", out, "--workers", "1"], capsys)
        assert str(file) in line and names_field(line, path), (value, line)
        assert not out.exists()


PARAMETER_CASES = {
    "past the list's end": ({"mandates.7.count": [1, 2]}, "give an index below 2"),
    "unknown field": ({"trust.gian": [0.1]}, "trust.gian is not a scenario field"),
    "unknown section": ({"nothing.at_all": [0.1]}, "nothing is not a scenario field"),
    "a section, not a value": ({"trust": [0.1]}, "is a section"),
    "inside a value": ({"trust.gain.x": [0.1]}, "is a value, not a section"),
    "bad index": ({"mandates.x.count": [1]}, "give an index below 2"),
    "empty part": ({"trust..gain": [0.1]}, "not a dotted scenario field"),
    "out of range value": ({"trust.gain": [5]}, "trust.gain: Input should be less than or equal to 1"),
    "wrong type value": ({"network.practices": [True]}, "True is not a whole number"),
    "not a list or range": ({"trust.gain": 5}, "give a list of values or a range"),
    "empty list": ({"trust.gain": []}, "at least 1 item"),
    "low above high": ({"trust.gain": {"low": 0.5, "high": 0.1, "num": 3}}, "high (0.1) is below low (0.5)"),
    "low equals high": ({"trust.gain": {"low": 0.5, "high": 0.5, "num": 3}}, "low and high are both 0.5"),
    "nan low": ({"trust.gain": {"low": math.nan, "high": 0.5, "num": 3}}, "trust.gain.low: Input should be a finite"),
    "unknown range key": ({"trust.gain": {"low": 0.1, "high": 0.5, "step": 3}}, "unknown key; allowed: low, high, num"),
    "range without num": ({"trust.gain": {"low": 0.1, "high": 0.5}}, "needs a list of values or a range with num"),
    "huge num": ({"trust.gain": {"low": 0.1, "high": 0.5, "num": 10**9}}, "num: Input should be less than or equal"),
    "huge factorial": ({f"trust.{k}": list(range(100)) for k in ("gain", "loss", "initial")}, "points per scenario"),
}


@pytest.mark.parametrize("case", sorted(PARAMETER_CASES))
def test_bad_experiment_parameters_are_refused_at_load(tmp_path, capsys, case):
    parameters, fragment = PARAMETER_CASES[case]
    file = write_yaml(tmp_path / "exp.yaml", {**experiment_base(tmp_path), "parameters": parameters})
    out = tmp_path / "results"
    line = refusal(["sweep", file, "--out", out], capsys)
    assert str(file) in line and fragment in line, line
    assert not out.exists()


@pytest.mark.parametrize("design, extra, fragment", [
    ("morris", {"levels": 10**12}, "levels: Input should be less than or equal to 1000"),
    ("lhs", {"samples": 10**12}, "samples: Input should be less than or equal to 100000"),
    ("lhs", {"samples": 100_000, "replicates": 100}, "runs (points x scenarios x replicates)"),
    ("sobol", {"samples": 50_000}, "points per scenario"),
])
def test_designs_too_large_are_refused(tmp_path, capsys, design, extra, fragment):
    data = {**experiment_base(tmp_path), "design": design, "parameters": {"trust.gain": {"low": 0.1, "high": 0.5}},
            **extra}
    line = refusal(["sweep", write_yaml(tmp_path / "exp.yaml", data), "--out", tmp_path / "r"], capsys)
    assert fragment in line and not (tmp_path / "r").exists()


# ---------------------------------------------------------------- CSV structures


CSV_HEADER = "practice_code,pcn_code,ics_code,list_size\n"
CSV_GOOD_ROWS = ["P1,U1,Q1,5000", "P2,U1,Q1,6000", "P3,U2,Q1,7000"]
BAD_CELLS = {
    "practice_code": ["", "P\x001", "P\x1b1", "x" * 101],
    "pcn_code": ["", "U\x00", "\x7f"],
    "ics_code": ["", "Q\x00"],
    "list_size": ["", "abc", "nan", "inf", "-inf", "-1", "0", "1e300", "1e7", "1,0,0,0,0,0,0"],
}
TIE_CELLS = {"history_years": ["-1", "nan", "inf", "1e300", "101", "long"], "practice_b": ["P9", "P\x00", "P1"]}


def csv_cases():
    for column, cells in BAD_CELLS.items():
        index = CSV_HEADER.strip().split(",").index(column)
        for cell in cells:
            row = "P4,U2,Q1,800".split(",")
            row[index] = cell
            yield f"{column}={cell!r}", (CSV_HEADER + "\n".join(CSV_GOOD_ROWS + [",".join(row)]) + "\n").encode(), None
    for column, cells in TIE_CELLS.items():
        for cell in cells:
            row = {"practice_a": "P1", "practice_b": "P2", "history_years": "3"}
            row[column] = cell
            ties = "practice_a,practice_b,history_years\n" + ",".join(row.values()) + "\n"
            yield f"ties {column}={cell!r}", (CSV_HEADER + "\n".join(CSV_GOOD_ROWS) + "\n").encode(), ties.encode()
    structural = {
        "latin-1 bytes": (CSV_HEADER + "P\xe91,U1,Q1,5000\n").encode("latin-1"),
        "NUL in header": ("practice_code\x00,pcn_code,ics_code,list_size\nP1,U1,Q1,5\n").encode(),
        "missing column": b"practice_code,pcn_code,ics_code\nP1,U1,Q1\n",
        "duplicate column": b"practice_code,practice_code,pcn_code,ics_code,list_size\nP1,P1,U1,Q1,5\n",
        "no rows": CSV_HEADER.encode(),
        "empty": b"",
        "short row": (CSV_HEADER + "P1,U1,Q1\n").encode(),
        "a PCN in two ICSs": (CSV_HEADER + "P1,U1,Q1,5\nP2,U1,Q2,5\n").encode(),
        "a huge field": (CSV_HEADER + "P1,U1,Q1," + "9" * 200_000 + "\n").encode(),
        "an unclosed quote": (CSV_HEADER + 'P1,U1,Q1,"5\n').encode(),
        "a PCN of 1,001 practices": (CSV_HEADER + "".join(f"P{i},U1,Q1,5000\n" for i in range(1001))).encode(),
    }
    for name, text in structural.items():
        yield name, text, None


@pytest.mark.parametrize("name, practices, ties", list(csv_cases()), ids=[c[0] for c in csv_cases()])
def test_bad_csv_structures_are_refused(tmp_path, capsys, name, practices, ties):
    (tmp_path / "p.csv").write_bytes(practices)
    network = {"kind": "csv", "file": "p.csv"}
    if ties is not None:
        (tmp_path / "t.csv").write_bytes(ties)
        network["edges_file"] = "t.csv"
    scenario = write_yaml(tmp_path / "s.yaml", {"network": network})
    line = refusal(["validate", scenario], capsys)
    assert str(tmp_path / ("t.csv" if ties is not None else "p.csv")) in line, line


# ---------------------------------------------------------------- file kinds


def file_kind_cases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    (tmp_path / "plain.yaml").write_text("steps: 10\n")
    (tmp_path / "loop_a").symlink_to(tmp_path / "loop_b")
    (tmp_path / "loop_b").symlink_to(tmp_path / "loop_a")
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "big.yaml").write_text("description: '" + "x" * 1_000_001 + "'\n")
    (tmp_path / "latin.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    return {
        "symlink loop": (tmp_path / "loop_a", "loop of symbolic links"),
        "path under a file": (tmp_path / "plain.yaml" / "x.yaml", "a part of the path is a file"),
        "over-long name": (tmp_path / ("n" * 300 + ".yaml"), "name is too long"),
        "a folder": (tmp_path / "folder", "is a folder"),
        "a FIFO": (tmp_path / "fifo", "is a FIFO"),
        "a device": (Path("/dev/zero"), "is a device"),
        "too large": (tmp_path / "big.yaml", "may be at most 1,000,000 bytes"),
        "not UTF-8": (tmp_path / "latin.yaml", "is not UTF-8"),
        "missing": (tmp_path / "nowhere.yaml", "no such file"),
    }


KINDS = ["symlink loop", "path under a file", "over-long name", "a folder", "a FIFO", "a device", "too large",
         "not UTF-8", "missing"]


@pytest.mark.parametrize("kind", KINDS)
def test_files_of_the_wrong_kind_are_refused_for_scenarios_experiments_and_csv(tmp_path, capsys, kind):
    path, fragment = file_kind_cases(tmp_path)[kind]
    assert fragment in refusal(["validate", path], capsys)
    assert fragment in refusal(["sweep", path, "--out", tmp_path / "r"], capsys)
    scenario = write_yaml(tmp_path / "csv.yaml", {"network": {"kind": "csv", "file": str(path)}})
    line = refusal(["validate", scenario], capsys)
    assert str(path) in line and (fragment in line or kind == "too large")  # a CSV may be larger
    experiment = write_yaml(tmp_path / "exp.yaml", {"name": "x", "scenarios": [str(path)]})
    if kind != "missing":  # a missing scenario has its own message (paths relative to the experiment)
        assert fragment in refusal(["sweep", experiment, "--out", tmp_path / "r"], capsys)
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("kind", ["a FIFO", "a device", "symlink loop"])
def test_a_real_process_refuses_a_fifo_a_device_and_a_loop_without_hanging(tmp_path, kind):
    path, fragment = file_kind_cases(tmp_path)[kind]
    # The timeout only catches a hang (the old behaviour on a FIFO); it is no speed target.
    result = subprocess.run([sys.executable, "-m", "pcnsim", "run", str(path), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0]
    assert not (tmp_path / "out").exists()


def count_generated() -> dict[str, int]:
    """How many generated bad inputs the suite tries, by kind (for the closing note)."""
    scenario = sum(len(bad_values(b, m, o)) for _, b, m, o in SCENARIO_LEAVES)
    return {
        "scenario field values (validate)": scenario,
        "unknown keys": len(list(sections(Scenario))),
        "duplicate keys": len(SCENARIO_LEAVES),
        "--set values (run --out)": sum(min(6, len(bad_values(b, m, o))) for _, b, m, o in SCENARIO_LEAVES),
        "experiment field values (sweep --out)": len(list(experiment_cases())),
        "experiment parameters and designs": len(PARAMETER_CASES) + 4,
        "CSV structures": len(list(csv_cases())),
        "file kinds (x4 readers)": len(KINDS) * 4,
        "hypothesis examples": 4 * HYPOTHESIS.max_examples,
    }
