"""The command line as a researcher meets it: examples in every --help, bare `pcnsim`, listings of outcomes and
parameters, whole counts, and negative seeds refused in one line."""

import subprocess
import sys

import pytest

from pcnsim.cli import build_parser, main
from pcnsim.config.schema import Scenario
from pcnsim.engine.outcomes import NATIONAL, PCN
from conftest import ROOT, SCENARIOS


def one_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "Traceback" not in err[0]
    return err[0]


def subcommands():
    action = next(a for a in build_parser()._actions if a.dest == "command")
    return action.choices


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_command_shows_examples_of_itself(name):
    text = subcommands()[name].format_help()
    examples = text.split("examples:\n", 1)[1].splitlines()
    assert examples and f"pcnsim {name}" in examples[0]
    # Kept as written: one example a line, not re-wrapped into a paragraph.
    assert all(line.startswith("  pcnsim ") for line in examples if line)


def test_bare_pcnsim_prints_the_commands_and_one_error_line(capsys):
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert "usage: pcnsim" in captured.err and all(name in captured.err for name in subcommands())
    assert captured.err.strip().splitlines()[-1].startswith("error: pcnsim: choose a command")


def test_outcomes_lists_every_national_and_pcn_outcome_with_its_kind(capsys):
    assert main(["outcomes"]) == 0
    out = capsys.readouterr().out
    national, pcn = out.split("\n\nper PCN")
    for registry, text in ((NATIONAL, national), (PCN, pcn)):
        rows = {line.split()[0]: line.split()[1] for line in text.splitlines()[2:]}
        assert rows == {o.name: o.kind for o in registry.outcomes}


def test_params_lists_every_settable_field_and_filters_by_section(capsys):
    assert main(["params"]) == 0
    keys = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert "values.confidence" in keys and "mandates[].count" in keys and len(keys) == len(set(keys))
    assert set(Scenario.model_fields) <= {key.split(".")[0].removesuffix("[]") for key in keys}
    assert main(["params", "ownership.overload_loss"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    field = Scenario.model_fields["ownership"].annotation.model_fields["overload_loss"]
    assert row.split()[:4] == ["ownership.overload_loss", "number", f"{field.default:g}", "0"]
    assert main(["params", "values"]) == 0
    assert all(line.startswith("values.") for line in capsys.readouterr().out.splitlines()[1:])


@pytest.mark.parametrize("section, allowed", [("nope", "ownership"), ("values.conf", "values.confidence"),
                                              ("a\nb\x1b[2J", "ownership")])
def test_params_of_an_unknown_section_names_the_allowed_ones(capsys, section, allowed):
    line = one_error(capsys, ["params", section])  # one line even for a name with a newline or escapes in it
    assert repr(section) in line and allowed in line and "\x1b" not in line


def test_outcomes_and_params_load_neither_numba_nor_the_engine():
    code = ("import sys; from pcnsim.cli import main; main(['outcomes']); main(['params', 'values']); "
            "print(sorted(m for m in ('numba', 'pcnsim.engine.batch', 'mesa') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_run_prints_counts_as_whole_numbers(tmp_path, capsys):
    assert main(["run", str(SCENARIOS / "baseline.yaml"), "--steps", "60", "--out", str(tmp_path)]) == 0
    rows = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()}
    assert rows["milestones_due"] == ["0", "4", "8", "9"]
    assert all("." in cell for cell in rows["mean_trust"])


# Negative seeds: already refused by every way in (these guard it): the options' types, the schema's bounds.
@pytest.mark.parametrize("argv", [
    ["run", "BASELINE", "--seed", "-1"],
    ["run", "BASELINE", "--seed=-1"],
    ["run", "BASELINE", "--set", "seed=-1"],
    ["compare", "BASELINE", "BASELINE", "--seed", "-1"],
    ["race", "--seed", "-1"],
])
def test_a_negative_seed_is_one_error_line(capsys, tmp_path, argv):
    argv = [str(SCENARIOS / "baseline.yaml") if a == "BASELINE" else a for a in argv] + ["--out", str(tmp_path / "o")]
    line = one_error(capsys, argv)
    assert "seed" in line and ("0 or more" in line or "greater than or equal to 0" in line)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("text, where, why", [
    ("seed: -1\n", "scenario", "greater than or equal to 0"),
    ("name: e\nscenarios: [SCENARIO]\nseed: -1\n", "experiment", "greater than or equal to 0"),
    # a run's seed is the sweep's to spawn, whatever the value
    ("name: e\nscenarios: [SCENARIO]\nparameters: {seed: [-1, 2]}\n", "experiment", "seed is each run's own"),
])
def test_a_negative_seed_in_a_file_is_one_error_line(capsys, tmp_path, text, where, why):
    path = tmp_path / "file.yaml"
    path.write_text(text.replace("SCENARIO", str(SCENARIOS / "baseline.yaml")))
    argv = ["validate", str(path)] if where == "scenario" else ["sweep", str(path), "--out", str(tmp_path / "o")]
    line = one_error(capsys, argv)
    assert str(path) in line and "seed" in line and why in line
    assert not (tmp_path / "o").exists()
