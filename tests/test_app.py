"""The trainer page at widget level (solara.render), and the settings behind it.

The real page in a real browser is tested in test_browser.py.
"""

import time

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
import solara.widgets

from pcnsim import PCNModel, load
from conftest import SCENARIOS
from pcnsim.trainer import app
from pcnsim.trainer import settings as T


def render(trainer):
    box, rc = solara.render(solara.AppLayout(children=[app.TrainerPage(trainer)]), handle_error=False)
    return rc


def button(rc, label):
    (found,) = [b for b in rc.find(v.Btn).widgets if label in b.children]
    return found


def slider(rc, label):
    (found,) = [s for s in rc.find(v.Slider).widgets if s.label.startswith(label)]
    return found


def seed_field(rc):
    (found,) = [f for f in rc.find(v.TextField).widgets if (f.label or "").startswith("Seed")]
    return found


def html(rc, css_class):
    return [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets
            if css_class in (w.attributes or {}).get("class", "")]


def week_shown(rc):
    (text,) = html(rc, "pcn-week")
    return int(text.split()[1])


def test_presets_reproduce_the_scenario_files_run_for_run():
    for preset, name in [(T.RACE, "race"), (T.TRUST_FIRST, "trust_first")]:
        ours = PCNModel(T.scenario(preset), seed=3).run(60)
        theirs = PCNModel(load(f"scenarios/{name}.yaml"), seed=3).run(60)
        pd.testing.assert_frame_equal(ours, theirs)


def test_every_control_moves_its_parameter():
    base = T.scenario(T.Settings()).model_dump()
    for control in T.CONTROLS:
        moved = T.scenario(T.Settings().with_value(control.name, control.high)).model_dump()
        assert moved != base, control.name
    phased = T.scenario(T.RACE.with_value("pace", 1.0)).mandates[0]
    assert (phased.start_week, phased.first_wave, phased.span_weeks) == (26, 2, 156)


def test_flashes_are_this_weeks_conflicts_by_how_they_were_handled():
    run = T.Run(T.RACE, seed=2, label="race")
    seen = set()
    for _ in range(120):
        run.step()
        o = run.model.outcomes
        counts = {"productive": o["conflict_productive"], "avoided": o["conflict_avoided"],
                  "destructive": o["conflict_destructive"]}
        assert len(run.flashes) <= o["conflict_episodes"], run.model.week
        for kind in run.flashes.values():
            assert counts[kind] > 0, (run.model.week, kind)
        seen |= set(run.flashes.values())
    assert seen == {"productive", "avoided", "destructive"}


def test_controls_exist():
    rc = render(app.Trainer())
    for label in ("Reset", "Play", "Step"):
        button(rc, label)
    assert [b.children[0] for b in rc.find(v.BtnToggle).widgets[0].children] == list(app.SPEEDS)
    for control in T.CONTROLS:
        s = slider(rc, control.label)
        assert (s.min, s.max) == (control.low, control.high)
    assert rc.find(v.Switch).widget.v_model is True  # side by side by default
    seed_field(rc)
    assert rc.find(v.Select).widget.v_model == "Race"


def test_step_changes_the_model_and_the_page():
    trainer = app.Trainer()
    rc = render(trainer)
    left, right = trainer.pcns.value.runs
    before = html(rc, "pcn-left")
    history = left.model.state.history.copy()
    for _ in range(3):
        button(rc, "Step").click()
    assert left.model.week == right.model.week == 3
    assert week_shown(rc) == 3
    assert np.allclose(left.model.state.history, history + 3 / 52)
    assert html(rc, "pcn-left") != before


def test_reset_rebuilds_with_the_chosen_seed():
    trainer = app.Trainer()
    rc = render(trainer)
    field = seed_field(rc)
    field.v_model = "7"
    field.fire_event("keyup.enter", None)
    assert trainer.seed.value == 7
    button(rc, "Step").click()
    button(rc, "Step").click()
    old = trainer.pcns.value
    button(rc, "Reset").click()
    new = trainer.pcns.value
    assert new is not old and new.week == 0 and week_shown(rc) == 0
    fresh = PCNModel(T.scenario(T.RACE, "Race"), seed=7)
    for run in new.runs:
        assert run.model.seed_used == 7
    np.testing.assert_array_equal(new.runs[0].model.state.trust, fresh.state.trust)
    assert "seed 7" in str([t.children for t in rc.find(v.Html).widgets])


def test_a_control_rebuilds_the_pcn_with_that_setting():
    trainer = app.Trainer()
    rc = render(trainer)
    button(rc, "Step").click()
    slider(rc, "Pace").v_model = 1.0
    run = trainer.pcns.value.runs[0]
    assert run.model.week == 0
    assert run.settings.pace == 1.0 and run.model.params.mandates[0].start_week == 26
    assert rc.find(v.Select).widget.v_model == "Custom"
    assert "Pace: 1" in [s.label for s in rc.find(v.Slider).widgets]
    # the right-hand PCN has its own settings
    rc.find(v.BtnToggle).widgets[1].v_model = 1  # "right"
    assert rc.find(v.Select).widget.v_model == "Trust first"
    slider(rc, "Clinical Director").v_model = 0.9
    assert trainer.pcns.value.runs[1].model.params.leadership.facilitation == 0.9
    assert trainer.pcns.value.runs[0].settings.pace == 1.0


def test_side_by_side_marks_the_crossover():
    # The crossover from the scenario files themselves, independently of the page's code.
    race, first = (PCNModel(load(SCENARIOS / f"{name}.yaml"), seed=T.DEFAULT_SEED).run(100)["milestones_met"].to_numpy()
                   for name in ("race", "trust_first"))
    behind = np.flatnonzero(first <= race)
    expected = int(behind[-1] + 1)
    assert 26 < expected < 100 and race[26] > first[26]  # the default seed tells the story
    trainer = app.Trainer(seed=T.DEFAULT_SEED)
    rc = render(trainer)
    assert len(html(rc, "pcn-right")) == 1
    for _ in range(100):
        trainer.step()
    assert trainer.pcns.value.crossover() == expected
    marks = [w.option["series"][-1].get("markLine") for w in rc.find(solara.components.echarts.EchartsWidget).widgets
             if w.option["title"]["text"].startswith("Milestones")]
    assert marks and marks[0]["data"] == [{"xAxis": expected}]
    assert f"since week {expected}" in str([t.children for t in rc.find(v.Html).widgets])
    rc.find(v.Switch).widget.v_model = False
    assert len(trainer.pcns.value.runs) == 1 and trainer.pcns.value.week == 0
    assert len(html(rc, "pcn-right")) == 0


def test_network_drawing():
    run = T.Run(T.RACE, seed=2, label="Race")
    svg = app.network_svg(run)
    assert svg.count("<circle") == 5 and svg.count("<line") == 10
    while not run.flashes:
        run.step()
    kind = next(iter(run.flashes.values()))
    assert f'class="pcn-flash {kind}"' in app.network_svg(run)


def test_play_runs_and_pause_stops():
    trainer = app.Trainer()
    trainer.speed.value = "Fast"
    render(trainer)
    trainer.playing.value = True
    deadline = time.monotonic() + 10
    while trainer.week.value < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    trainer.playing.value = False
    assert trainer.week.value >= 3
    time.sleep(3 * app.SPEEDS["Fast"])
    stopped = trainer.pcns.value.week
    time.sleep(3 * app.SPEEDS["Fast"])
    assert trainer.pcns.value.week == stopped


@pytest.mark.parametrize("seed", [0, 2])
def test_lockstep_matches_separate_runs(seed):
    pair = T.Lockstep([T.RACE, T.TRUST_FIRST], seed)
    for _ in range(30):
        pair.step()
    for settings, run in zip([T.RACE, T.TRUST_FIRST], pair.runs):
        alone = PCNModel(T.scenario(settings), seed=seed).run(30)
        assert alone["milestones_met"].tolist() == run.series("milestones_met")


def test_race_writes_the_animation_and_the_still(tmp_path, monkeypatch):
    from PIL import Image

    from pcnsim.trainer import race

    monkeypatch.setattr(race.shutil, "which", lambda name: None)  # as on a machine without ffmpeg
    files = race.write_race(tmp_path / "slides", seed=7, weeks=16, every=4)
    assert [f.name for f in files] == ["race.gif", "race.png", "race.svg"]
    assert Image.open(files[0]).n_frames == 5  # weeks 0, 4, 8, 12 and 16
    assert Image.open(files[1]).size == (1280, 720)
    assert "crossover:" in files[2].read_text()  # seed 7: Trust first leads from week 13 (one milestone to none)


def test_race_writes_an_mp4_when_ffmpeg_is_there(tmp_path):
    from pcnsim.trainer import race

    if not race.shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not on the PATH")
    files = race.write_race(tmp_path, seed=2, weeks=4, every=2)
    mp4 = tmp_path / "race.mp4"
    assert mp4 in files and mp4.read_bytes()[4:8] == b"ftyp"


def test_serve_says_when_the_port_is_taken():
    import socket

    from pcnsim.config import ScenarioError

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(ScenarioError, match=f"--port {port}: cannot serve there"):
            app.serve("127.0.0.1", port)
