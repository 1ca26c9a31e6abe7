"""`pcnsim race`: the animation (GIF, MP4 through ffmpeg) and the still for slides.

ffmpeg is faked with small shell scripts put first on the PATH, and imageio-ffmpeg with a stand-in module:
nothing here installs anything, and every test but the two marked runs without a real ffmpeg.
"""

import os
import shutil
import sys
import tomllib
import types
from pathlib import Path

import pytest

from pcnsim.config import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
REAL_FFMPEG = shutil.which("ffmpeg")


@pytest.fixture
def no_ffmpeg(monkeypatch, tmp_path):
    """A machine with no ffmpeg on the PATH and no imageio-ffmpeg (importing it fails)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)


def _fake_ffmpeg(folder: Path, then: str) -> Path:
    """An `ffmpeg` script that lists libx264 among its encoders and, asked to encode, runs `then` (sh)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "ffmpeg"
    script.write_text("#!/bin/sh\n"
                      'case "$*" in *-encoders*) echo " V....D libx264  H.264 (fake)"; exit 0;; esac\n'
                      f"{then}\n")
    script.chmod(0o755)
    return script


def _short(monkeypatch):
    """`pcnsim race` over 20 weeks, a frame every 10 (as the command calls write_race)."""
    from pcnsim.trainer import race

    original = race.write_race
    monkeypatch.setattr(race, "write_race", lambda out, **kw: original(out, **kw, weeks=20, every=10))


def test_race_writes_the_animation_and_the_still(tmp_path, no_ffmpeg):
    from PIL import Image

    from pcnsim.trainer import race

    files = race.write_race(tmp_path / "slides", seed=1, weeks=60, every=15)
    assert [f.name for f in files] == ["race.gif", "race.png", "race.svg"]
    assert Image.open(files[0]).n_frames == 5  # weeks 0, 15, 30, 45 and 60
    assert Image.open(files[1]).size == (1280, 720)
    assert "crossover:" in files[2].read_text()  # seed 1: Trust first leads on milestones from week 56


def test_race_writes_an_mp4_when_ffmpeg_is_there(tmp_path):
    from pcnsim.trainer import race

    if not race.shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not on the PATH")
    files = race.write_race(tmp_path, seed=2, weeks=4, every=2)
    mp4 = tmp_path / "race.mp4"
    assert mp4 in files and mp4.read_bytes()[4:8] == b"ftyp"


def test_race_still_shows_the_crossover_by_default_or_the_week_asked(tmp_path, no_ffmpeg):
    from pcnsim.trainer import race

    shown = {}
    for name, still in (("default", None), ("crossover", 56), ("early", 15)):  # seed 1: the crossover is week 56
        race.write_race(tmp_path / name, seed=1, weeks=60, every=30, still=still)
        shown[name] = (tmp_path / name / "race.png").read_bytes()
    assert shown["default"] == shown["crossover"] != shown["early"]


def test_race_command_refuses_a_week_past_the_end_and_notes_a_missing_ffmpeg(tmp_path, capsys, monkeypatch,
                                                                             no_ffmpeg):
    from pcnsim.cli import main
    from pcnsim.trainer.settings import WEEKS

    assert main(["race", "--out", str(tmp_path / "late"), "--week", str(WEEKS + 1)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --week") and f"0 to {WEEKS}" in err[0]
    assert not (tmp_path / "late").exists()
    _short(monkeypatch)
    assert main(["race", "--out", str(tmp_path / "short"), "--week", "10"]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note: no race.mp4")]
    assert len(notes) == 1
    assert "apt-get install ffmpeg" in notes[0] and "pip install 'pcnsim[slides]'" in notes[0]
    assert {p.name for p in (tmp_path / "short").iterdir()} == {"race.gif", "race.png", "race.svg"}


def test_the_note_names_an_extra_that_brings_imageio_ffmpeg():
    from pcnsim.trainer import race

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "pip install 'pcnsim[slides]'" in race.NO_FFMPEG
    assert [r for r in extras["slides"] if r.startswith("imageio-ffmpeg")], extras["slides"]
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert not [r for r in core if "imageio" in r]  # optional: only for slides without a system ffmpeg


# ------------------------------------------------------------------------------------------ finding ffmpeg


def test_ffmpeg_on_the_path_comes_first(tmp_path, monkeypatch):
    from pcnsim.trainer import race

    script = _fake_ffmpeg(tmp_path / "bin", "exit 0")
    monkeypatch.setenv("PATH", str(script.parent))
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", types.SimpleNamespace(get_ffmpeg_exe=lambda: "/elsewhere"))
    assert Path(race.find_ffmpeg()) == script


def test_without_one_on_the_path_imageio_ffmpegs_binary_is_used(tmp_path, monkeypatch, no_ffmpeg):
    from pcnsim.trainer import race

    assert race.find_ffmpeg() is None  # neither
    bundled = str(tmp_path / "site-packages" / "imageio_ffmpeg" / "binaries" / "ffmpeg-linux-x86_64-v7.0.2")
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", types.SimpleNamespace(get_ffmpeg_exe=lambda: bundled))
    assert race.find_ffmpeg() == bundled

    def none_for_this_platform():
        raise RuntimeError("No ffmpeg exe could be found.")

    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", types.SimpleNamespace(get_ffmpeg_exe=none_for_this_platform))
    assert race.find_ffmpeg() is None


@pytest.mark.skipif(REAL_FFMPEG is None, reason="needs a real ffmpeg to stand in for imageio-ffmpeg's")
def test_the_mp4_is_written_with_imageio_ffmpegs_binary(tmp_path, monkeypatch, no_ffmpeg):
    from pcnsim.trainer import race

    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", types.SimpleNamespace(get_ffmpeg_exe=lambda: REAL_FFMPEG))
    files = race.write_race(tmp_path, seed=2, weeks=4, every=2)
    assert [f.name for f in files] == ["race.gif", "race.mp4", "race.png", "race.svg"]
    assert (tmp_path / "race.mp4").read_bytes()[4:8] == b"ftyp"


# ------------------------------------------------------------------------------------------ ffmpeg failing


STOPS = {
    "early": 'head -c 1000 >/dev/null; echo "frame=1: something went wrong" >&2; '
             'echo "Error writing trailer: No space left on device" >&2; exit 1',
    "at the end": 'cat >/dev/null; echo "Error writing trailer: No space left on device" >&2; exit 1',
}


@pytest.mark.parametrize("when", STOPS)
def test_ffmpeg_stopping_is_one_error_line_and_no_partial_files(tmp_path, capsys, monkeypatch, when):
    from pcnsim.cli import main

    script = _fake_ffmpeg(tmp_path / "bin", STOPS[when])
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    _short(monkeypatch)
    out = tmp_path / "slides"
    assert main(["race", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err
    lines = err.strip().splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert errors == [lines[-1]], lines[-3:]
    assert "ffmpeg stopped" in errors[0] and "exit status 1" in errors[0]
    assert "No space left on device" in errors[0]  # what it printed last
    assert list(out.iterdir()) == []  # no race.mp4, no GIF or still, no temporary file or folder


def test_ffmpeg_stopping_leaves_no_partial_mp4_without_the_commands_staging(tmp_path, monkeypatch):
    from pcnsim.trainer import race

    script = _fake_ffmpeg(tmp_path / "bin", STOPS["early"])
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "slides"
    (out).mkdir()
    (out / "race.mp4").write_bytes(b"the previous animation")
    with pytest.raises(ScenarioError, match="ffmpeg stopped .*exit status 1.*No space left on device"):
        race.write_race(out, seed=1, weeks=20, every=10)
    assert sorted(p.name for p in out.iterdir()) == ["race.mp4"]
    assert (out / "race.mp4").read_bytes() == b"the previous animation"


def test_ffmpeg_killed_says_so(tmp_path, monkeypatch):
    from pcnsim.trainer import race

    script = _fake_ffmpeg(tmp_path / "bin", "head -c 1000 >/dev/null; kill -9 $$")
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(ScenarioError, match="ffmpeg stopped .*killed by signal 9.*printed last: nothing"):
        race.write_race(tmp_path, seed=1, weeks=20, every=10)
    assert list(tmp_path.glob("race*")) == []


@pytest.mark.parametrize("name", ["race.gif", "race.png", "race.svg"])
def test_a_writer_failing_midway_leaves_no_partial_file(tmp_path, monkeypatch, no_ffmpeg, name):
    """A full disk halfway through a file: the file is not there, half-written or otherwise, nor its temporary."""
    from pcnsim.trainer import race

    gif, save = race._gif, race.Drawing.save

    def half_then_full(path: Path):
        with open(path, "ab") as handle:
            handle.write(b"half a file")
        raise OSError(28, "No space left on device")

    def failing_gif(frames, path, hold):
        gif(frames, path, hold)
        if name == "race.gif":
            half_then_full(path)

    def failing_save(self, path, kind):
        save(self, path, kind)
        if name.endswith(kind):
            half_then_full(path)

    monkeypatch.setattr(race, "_gif", failing_gif)
    monkeypatch.setattr(race.Drawing, "save", failing_save)
    with pytest.raises(ScenarioError, match="No space left on device.*free some space"):
        race.write_race(tmp_path, seed=1, weeks=20, every=10)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert name not in left and not [n for n in left if n.startswith(".")], left


def test_the_same_still_is_the_same_file(tmp_path, no_ffmpeg):
    from pcnsim.trainer import race

    for name in ("first", "second"):
        race.write_race(tmp_path / name, seed=1, weeks=4, every=4)
    for still in ("race.svg", "race.png", "race.gif"):
        assert (tmp_path / "first" / still).read_bytes() == (tmp_path / "second" / still).read_bytes(), still
