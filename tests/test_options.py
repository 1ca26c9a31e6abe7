"""Every command-line option: a bad value is one `error:` line and exit 2, and nothing is written.

The fuzzing takes the commands and options from the parser itself, so an
option added later is fuzzed too.
"""

import argparse
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcnsim import cli
from pcnsim.cli import build_parser, main
from conftest import SCENARIOS


def _one_line(capsys, *fragments):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in err[0], err[0]
    return err[0]


@pytest.mark.parametrize("args,fragment", [
    (["sweep", "e.yaml", "--scheduler", "bogus"], "--scheduler"),
    (["sweep", "e.yaml", "--scheduler", ""], "--scheduler"),
    (["sweep", "e.yaml", "--scheduler", "tcp://"], "--scheduler"),
    (["sweep", "e.yaml", "--scheduler", "tcp://host:99999"], "--scheduler"),
    (["sweep", "e.yaml", "--scheduler", "gopher://host:8786"], "--scheduler"),
    (["sweep", "e.yaml", "--workers", "100000"], "--workers"),
    (["app", "--port", "70000"], "--port"),
    (["app", "--port", "0"], "--port"),
    (["app", "--port", "-1"], "--port"),
    (["app", "--port", "http"], "--port"),
    (["compare", "a.yaml", "b.yaml", "--seeds", "1000000"], "--seeds"),
    (["run", "a.yaml", "--out", ""], "--out"),
    (["run", "a.yaml", "--out", "   "], "--out"),
    (["plot", "folder", "--out", ""], "--out"),
])
def test_bad_options_get_one_line_and_exit_2(tmp_path, monkeypatch, capsys, args, fragment):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    _one_line(capsys, fragment)
    assert not list(tmp_path.iterdir())


def test_an_out_folder_under_a_file_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    (tmp_path / "file").write_text("x")
    monkeypatch.setattr(cli, "_note_first_compile", lambda: pytest.fail("the run started"))
    assert main(["run", str(SCENARIOS / "race.yaml"), "--out", str(tmp_path / "file")]) == 2
    _one_line(capsys, "--out", "is a file")
    assert main(["run", str(SCENARIOS / "race.yaml"), "--out", str(tmp_path / "file" / "below")]) == 2
    _one_line(capsys, "--out", "is a file")


def test_compare_steps_are_checked_like_a_scenario_field(tmp_path, capsys):
    assert main(["compare", str(SCENARIOS / "race.yaml"), str(SCENARIOS / "trust_first.yaml"), "--steps",
                 "99999999999", "--out", str(tmp_path / "o")]) == 2
    _one_line(capsys, "race.yaml", "steps")
    assert not (tmp_path / "o").exists()


def test_the_compile_note_comes_only_once_the_input_is_valid(tmp_path, capsys, monkeypatch):
    from pcnsim.engine import warm

    monkeypatch.setattr(warm, "cache_ready", lambda: False)  # as on a fresh install
    for bad in (["run", str(tmp_path / "missing.yaml")], ["run", str(SCENARIOS / "race.yaml"), "--set", "steps=-1"],
                ["compare", str(SCENARIOS / "race.yaml"), str(tmp_path / "missing.yaml")],
                ["sweep", str(tmp_path / "missing.yaml")], ["app", "--port", "0"]):
        assert main(bad) == 2
        _one_line(capsys)
    assert main(["run", str(SCENARIOS / "race.yaml"), "--steps", "2", "--out", str(tmp_path / "o")]) == 0
    assert "compiling the model's kernels" in capsys.readouterr().err


def _commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def _valued_options():
    """(command, option) for every option of every command that takes a value."""
    pairs = []
    for name, parser in sorted(_commands().items()):
        for action in parser._actions:
            if action.option_strings and action.nargs is None and not isinstance(
                    action, (argparse._HelpAction, argparse._VersionAction)) and action.const is None:
                pairs.append((name, action.option_strings[-1]))
    return pairs


def test_the_fuzzed_options_cover_every_command():
    covered = {command for command, _ in _valued_options()}
    assert covered == set(_commands()) - {"validate", "sensitivity", "outcomes", "params"}  # no valued option
    assert ("app", "--port") in _valued_options() and ("sweep", "--scheduler") in _valued_options()


VALUES = st.one_of(
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.sampled_from(["", " ", "-1", "0", "1", "65536", "1e3", "nan", "inf", "tcp://", "tcp://:1", "x:1", "a=b",
                     "..", "/", "/proc/x", "-", "--", "\t", "\u00e9", "\u202e", "1" * 400]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(option=st.sampled_from(_valued_options()), value=VALUES)
def test_any_option_value_is_one_line_or_accepted_and_nothing_is_written(option, value):
    """With the command's input missing, any value of any option ends as one error line and exit 2 (the
    option's own error or the missing input's), or, for commands with no input, runs a stub: never a traceback,
    and nothing is created on disk."""
    command, flag = option
    positionals = [a for a in _commands()[command]._actions if not a.option_strings]
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            import pcnsim.trainer.race as race
            import pcnsim.trainer.server as server

            served, raced = server.serve, race.write_race
            served_at = []
            server.serve = lambda host, port: served_at.append(port)
            race.write_race = lambda out, **kwargs: []
            import io
            from contextlib import redirect_stderr, redirect_stdout

            err = io.StringIO()
            with redirect_stderr(err), redirect_stdout(io.StringIO()):
                status = main([command, *(f"missing{i}" for i in range(len(positionals))), flag, value])
        finally:
            server.serve, race.write_race = served, raced
            os.chdir(here)
            left = sorted(p.name for p in Path(folder).rglob("*"))
        lines = err.getvalue().strip().splitlines()
        if status == 0:
            assert command in ("app", "race"), (command, flag, value)
            assert all(1 <= port <= 65535 for port in served_at), (flag, value)  # a port a server can listen on
        else:
            assert status == 2 and len(lines) == 1 and lines[0].startswith("error: "), (flag, value, lines)
            assert not left, (flag, value, left)
