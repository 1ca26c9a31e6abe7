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
from pcnsim.config import ScenarioError
from pcnsim.trainer import app, settings
from pcnsim.trainer.lockstep import Lockstep, PCNRun, practices
from pcnsim.trainer.settings import CONTROLS, DEFAULT_SEED, RACE, TRUST_FIRST


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
    for preset, name in [(RACE, "race"), (TRUST_FIRST, "trust_first")]:
        ours = PCNModel(settings.scenario(preset), seed=3).run(60)
        theirs = PCNModel(load(SCENARIOS / f"{name}.yaml"), seed=3).run(60)
        pd.testing.assert_frame_equal(ours, theirs)


def test_the_package_ships_the_repositorys_scenario_files():
    for name in ("race", "trust_first"):
        assert (settings.SCENARIOS / f"{name}.yaml").read_bytes() == (SCENARIOS / f"{name}.yaml").read_bytes()


def _edited(tmp_path, edits):
    """Copies of race.yaml and trust_first.yaml in tmp_path, with text replaced: {file name: [(old, new)]}."""
    for name in ("race", "trust_first"):
        text = (SCENARIOS / f"{name}.yaml").read_text()
        for old, new in edits.get(name, []):
            assert old in text
            text = text.replace(old, new)
        (tmp_path / f"{name}.yaml").write_text(text)
    return tmp_path


def test_a_change_of_load_in_the_scenario_files_reaches_the_trainer(tmp_path):
    heavier = [("total_effort: 14.0", "total_effort: 16.0"), ("total_effort: 8.0", "total_effort: 9.5")]
    basis = settings.read_basis(_edited(tmp_path, {"race": heavier, "trust_first": heavier}))
    for name, preset in basis.presets.items():
        ours = settings.scenario(preset, basis=basis)
        assert [m.total_effort for m in ours.mandates] == [16.0, 9.5]
        file = tmp_path / f"{name.lower().replace(' ', '_')}.yaml"
        pd.testing.assert_frame_equal(PCNModel(ours, seed=3).run(40), PCNModel(load(file), seed=3).run(40))
    doubled = settings.scenario(RACE.with_value("mandate_pressure", 2.0), basis=basis)
    assert [m.total_effort for m in doubled.mandates] == [32.0, 19.0]


def test_the_presets_follow_the_files_timing_and_people(tmp_path):
    edits = {"race": [("lead_weeks: 39\n    milestones: 4", "lead_weeks: 13\n    milestones: 4")],
             "trust_first": [("start_week: 26", "start_week: 39"),
                             ("description:", "leadership: {facilitation: 0.8}\ndescription:")]}
    basis = settings.read_basis(_edited(tmp_path, edits))
    race, first = basis.presets["Race"], basis.presets["Trust first"]
    assert (race.deadline_months, race.facilitation) == (3, RACE.facilitation)
    assert (first.deadline_months, first.facilitation) == (TRUST_FIRST.deadline_months, 0.8)
    halfway = settings.scenario(first.with_value("pace", 0.5), basis=basis).mandates[0]
    assert halfway.start_week == 20  # halfway from race.yaml's week 0 to trust_first.yaml's week 39, rounded
    for name, preset in basis.presets.items():
        file = tmp_path / f"{name.lower().replace(' ', '_')}.yaml"
        theirs = PCNModel(load(file), seed=5).run(60)
        pd.testing.assert_frame_equal(PCNModel(settings.scenario(preset, basis=basis), seed=5).run(60), theirs)


@pytest.mark.parametrize("edits, says", [
    ({"trust_first": [("total_effort: 8.0", "total_effort: 9.0")]}, "mandates.1.total_effort is 9.0 but 8.0"),
    ({"trust_first": [("description:", "wellbeing: {burnout_rate: 0.7}\ndescription:")]},
     "wellbeing.burnout_rate is 0.7 but 0.5"),
    ({"race": [("lead_weeks: 39\n    milestones: 4", "lead_weeks: 20\n    milestones: 4")]},
     "mandates.0.lead_weeks: the trainer's deadlines are whole months"),
    ({"race": [("kind: step", "kind: ramp")]}, "mandates.0.kind: the trainer paces the specifications"),
])
def test_scenario_files_the_trainer_cannot_show_are_refused_in_one_line(tmp_path, edits, says):
    with pytest.raises(ScenarioError) as error:
        settings.read_basis(_edited(tmp_path, edits))
    assert says in str(error.value) and "\n" not in str(error.value)


def test_a_missing_scenario_file_is_one_line(tmp_path):
    _edited(tmp_path, {})
    (tmp_path / "trust_first.yaml").unlink()
    with pytest.raises(ScenarioError) as error:
        settings.read_basis(tmp_path)
    message = str(error.value)
    assert message.startswith(f"{tmp_path / 'trust_first.yaml'}: no such file") and "\n" not in message


def test_every_control_moves_its_parameter():
    base = settings.scenario(RACE).model_dump()
    for control in CONTROLS:
        moved = settings.scenario(RACE.with_value(control.name, control.high)).model_dump()
        assert moved != base, control.name
    phased = settings.scenario(RACE.with_value("pace", 1.0)).mandates[0]
    theirs = load(SCENARIOS / "trust_first.yaml").mandates[0]
    assert (phased.start_week, phased.first_wave, phased.span_weeks) == (theirs.start_week, theirs.first_wave,
                                                                         theirs.span_weeks)


def test_flashes_are_this_weeks_conflicts_by_how_they_were_handled():
    run = PCNRun(RACE, seed=2, label="race")
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
    for control in CONTROLS:
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
    fresh = PCNModel(settings.scenario(RACE, "Race"), seed=7)
    for run in new.runs:
        assert run.model.seed_used == 7
    np.testing.assert_array_equal(new.runs[0].model.state.trust, fresh.state.trust)
    assert "seed 7" in str([t.children for t in rc.find(v.Html).widgets])


def test_a_control_rebuilds_the_pcn_with_that_setting():
    trainer = app.Trainer()
    rc = render(trainer)
    button(rc, "Step").click()
    slider(rc, "Pace").v_model = 0.5
    run = trainer.pcns.value.runs[0]
    assert run.model.week == 0
    assert run.settings.pace == 0.5 and run.model.params.mandates[0].start_week == 13  # halfway to week 26
    assert rc.find(v.Select).widget.v_model == "Custom"
    assert "Pace: 0.5" in [s.label for s in rc.find(v.Slider).widgets]
    # the right-hand PCN has its own settings
    rc.find(v.BtnToggle).widgets[1].v_model = 1  # "right"
    assert rc.find(v.Select).widget.v_model == "Trust first"
    slider(rc, "Clinical Director").v_model = 0.9
    assert trainer.pcns.value.runs[1].model.params.leadership.facilitation == 0.9
    assert trainer.pcns.value.runs[0].settings.pace == 0.5


def test_side_by_side_marks_the_crossover():
    # The crossover from the scenario files themselves, independently of the page's code.
    weeks = 260
    race, first = (PCNModel(load(SCENARIOS / f"{name}.yaml"), seed=DEFAULT_SEED).run(weeks)["milestones_met"].to_numpy()
                   for name in ("race", "trust_first"))
    behind = np.flatnonzero(first <= race)
    expected = int(behind[-1] + 1)
    assert 26 < expected < weeks and race[26] > first[26]  # the default seed tells the story
    trainer = app.Trainer(seed=DEFAULT_SEED)
    rc = render(trainer)
    assert len(html(rc, "pcn-right")) == 1
    for _ in range(weeks):
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
    run = PCNRun(RACE, seed=2, label="Race")
    svg = app.network_svg(run)
    assert svg.count("<circle") == 5 and svg.count("<line") == 10
    while not run.flashes:
        run.step()
    kind = next(iter(run.flashes.values()))
    assert f'class="pcn-flash {kind}"' in app.network_svg(run)


def test_partners_are_not_counted_or_drawn_as_practices():
    run = PCNRun.__new__(PCNRun)  # a PCN with two partner organisations, as the page would show it
    run.model, run.label, run.flashes = PCNModel(load(SCENARIOS / "partners.yaml"), seed=1), "partners", {}
    partner = run.model.state.partner
    assert len(run.model.agents) == 7 and partner.sum() == 2
    assert [a.index for a in practices(run.model)] == [int(i) for i in np.flatnonzero(~partner)]
    assert dict(app.facts(run))["Own the work"].endswith("of 5 practices")
    svg = app.network_svg(run)
    assert svg.count("<circle") == 5 and svg.count("<line") == 10  # five practices, all tied to each other


def test_play_runs_and_pause_stops():
    trainer = app.Trainer()
    trainer.speed.value = "Fast"
    render(trainer)
    trainer.playing.value = True
    hang = time.monotonic() + 300  # only catches a hang: a loaded machine may be slow, never this slow
    while trainer.week.value < 3 and time.monotonic() < hang:
        time.sleep(0.05)
    trainer.playing.value = False
    assert trainer.week.value >= 3
    time.sleep(1.0)  # a step under way when Pause came finishes; none starts after it
    stopped = trainer.pcns.value.week
    time.sleep(1.0)  # at Fast, twelve weeks if still playing
    assert trainer.pcns.value.week == stopped


@pytest.mark.parametrize("seed", [0, 2])
def test_lockstep_matches_separate_runs(seed):
    pair = Lockstep([RACE, TRUST_FIRST], seed)
    for _ in range(30):
        pair.step()
    for chosen, run in zip([RACE, TRUST_FIRST], pair.runs):
        alone = PCNModel(settings.scenario(chosen), seed=seed).run(30)
        assert alone["milestones_met"].tolist() == run.series("milestones_met")


def test_serve_says_when_the_port_is_taken():
    import socket

    from pcnsim.config import ScenarioError

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(ScenarioError, match=f"--port {port}: cannot serve there"):
            app.serve("127.0.0.1", port)
