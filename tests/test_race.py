"""`pcnsim race`: the animation (GIF, MP4 through ffmpeg) and the still for slides."""

import pytest


def test_race_writes_the_animation_and_the_still(tmp_path, monkeypatch):
    from PIL import Image

    from pcnsim.trainer import race

    monkeypatch.setattr(race.shutil, "which", lambda name: None)  # as on a machine without ffmpeg
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


def test_race_still_shows_the_crossover_by_default_or_the_week_asked(tmp_path, monkeypatch):
    from pcnsim.trainer import race

    monkeypatch.setattr(race.shutil, "which", lambda name: None)
    shown = {}
    for name, still in (("default", None), ("crossover", 56), ("early", 15)):  # seed 1: the crossover is week 56
        race.write_race(tmp_path / name, seed=1, weeks=60, every=30, still=still)
        shown[name] = (tmp_path / name / "race.png").read_bytes()
    assert shown["default"] == shown["crossover"] != shown["early"]


def test_race_command_refuses_a_week_past_the_end_and_notes_a_missing_ffmpeg(tmp_path, capsys, monkeypatch):
    from pcnsim.cli import main
    from pcnsim.trainer import race
    from pcnsim.trainer.settings import WEEKS

    assert main(["race", "--out", str(tmp_path / "late"), "--week", str(WEEKS + 1)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --week") and f"0 to {WEEKS}" in err[0]
    assert not (tmp_path / "late").exists()
    monkeypatch.setattr(race.shutil, "which", lambda name: None)
    original = race.write_race
    monkeypatch.setattr(race, "write_race", lambda out, **kw: original(out, **kw, weeks=20, every=10))
    assert main(["race", "--out", str(tmp_path / "short"), "--week", "10"]) == 0
    captured = capsys.readouterr()
    assert "note: no race.mp4: ffmpeg is not on the PATH" in captured.err
    assert {p.name for p in (tmp_path / "short").iterdir()} == {"race.gif", "race.png", "race.svg"}
