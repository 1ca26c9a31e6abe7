"""The trainer page at widget level (solara.render), and the settings behind it.

The real page in a real browser is tested in test_browser.py.
"""

import re
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
    (found,) = [b for b in rc.find(v.Btn).widgets if any(isinstance(c, str) and c.startswith(label)
                                                         for c in b.children)]
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
    for label in ("Reset", "Back", "Play", "Step", "Settings", *app.JUMPS):
        button(rc, label)
    toggles = [[b.children[0] for b in t.children] for t in rc.find(v.BtnToggle).widgets]
    assert list(app.SPEEDS) in toggles and list(app.VIEWS) in toggles
    for control in CONTROLS:
        (s, *more) = [s for s in rc.find(v.Slider).widgets if control.label.split(" (")[0] in s.label
                      or (control.name == "pace" and s.label.startswith(("Left PCN's pace", "Right PCN's pace")))]
        assert (s.min, s.max) == (control.low, control.high) and len(more) == (control.name == "pace")
    assert rc.find(v.Switch).widgets[0].v_model is True  # side by side by default
    seed_field(rc)
    assert [w.v_model for w in rc.find(v.Select).widgets] == ["Race", "Trust first"]


def test_the_settings_live_in_a_drawer_or_beside_the_page():
    trainer = app.Trainer()
    rc = render(trainer)
    (drawer,) = rc.find(v.NavigationDrawer).widgets
    assert drawer.v_model is False and drawer.temporary  # presentation: the settings are out of sight
    button(rc, "Settings").click()
    assert rc.find(v.NavigationDrawer).widget.v_model is True
    button(rc, "Pin the settings").click()
    assert not rc.find(v.NavigationDrawer).widgets and not [b for b in rc.find(v.Btn).widgets
                                                            if "Settings" in b.children]
    assert len([s for s in rc.find(v.Slider).widgets if s.label.startswith("Mandate pressure")]) == 1
    button(rc, "Hide the settings").click()
    assert rc.find(v.NavigationDrawer).widget.v_model is False


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


def test_back_and_the_scrubber_show_weeks_already_run_without_running_them_again():
    trainer = app.Trainer()
    rc = render(trainer)
    seen = {0: html(rc, "pcn-left")}
    for week in range(1, 7):
        button(rc, "Step").click()
        seen[week] = html(rc, "pcn-left")
    assert len(set(map(str, seen.values()))) > 1
    left = trainer.pcns.value.runs[0]
    button(rc, "Back").click()
    button(rc, "Back").click()
    assert week_shown(rc) == 4 and left.model.week == 6
    assert html(rc, "pcn-left") == seen[4]
    button(rc, "Step").click()  # forward through a week already run: shown, not run again
    assert week_shown(rc) == 5 and left.model.week == 6 and html(rc, "pcn-left") == seen[5]
    (scrubber,) = [s for s in rc.find(v.Slider).widgets if s.label == "Weeks run"]
    assert (scrubber.min, scrubber.max) == (0, 6)
    scrubber.v_model = 1
    assert week_shown(rc) == 1 and html(rc, "pcn-left") == seen[1] and left.model.week == 6
    charts = [w.option for w in rc.find(solara.components.echarts.EchartsWidget).widgets]
    assert all(len(series["data"]) == 2 for option in charts for series in option["series"])  # weeks 0 and 1


def test_go_to_runs_up_to_the_week_and_goes_back_to_one_already_run():
    trainer = app.Trainer(seed=4)
    rc = render(trainer)
    button(rc, "1 year").click()
    left = trainer.pcns.value.runs[0]
    assert week_shown(rc) == 52 and left.model.week == 52
    alone = PCNModel(settings.scenario(RACE), seed=4).run(52)
    assert f"{alone['milestones_met'].iloc[-1]} of {alone['milestones_due'].iloc[-1]} due" in html(rc, "pcn-left")[0]
    button(rc, "6 months").click()
    assert week_shown(rc) == 26 and left.model.week == 52
    assert left.frames[26].outcomes["milestones_met"] == alone["milestones_met"].iloc[26]
    button(rc, "5 years").click()
    assert week_shown(rc) == settings.WEEKS and button(rc, "Play").disabled and button(rc, "Step").disabled


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
    assert "seed 7" in str(html(rc, "pcn-seed"))


@pytest.mark.parametrize("typed", ["-3", "abc", "1.5", "", "99999999999999999999", "2²", "²", "٣"])
def test_a_seed_that_is_not_one_says_so_and_changes_nothing(typed):
    trainer = app.Trainer()
    rc = render(trainer)
    button(rc, "Step").click()
    field = seed_field(rc)
    field.v_model = typed
    field.fire_event("keyup.enter", None)
    assert trainer.seed.value == settings.DEFAULT_SEED and trainer.pcns.value.week == 1
    (message,) = [t.children[0] for t in rc.find(v.Html, class_="pcn-seed-error").widgets]
    assert f"“{typed}” is not a seed" in message and "whole number" in message
    assert seed_field(rc).error
    field = seed_field(rc)
    field.v_model = "3"
    field.fire_event("keyup.enter", None)
    assert trainer.seed.value == 3 and not rc.find(v.Html, class_="pcn-seed-error").widgets


def warning(rc):
    return html(rc, "pcn-warning")


def test_the_workload_applies_to_both_pcns_and_pace_to_one():
    trainer = app.Trainer()
    rc = render(trainer)
    button(rc, "Step").click()
    slider(rc, "Clinical Director").v_model = 0.9
    left, right = trainer.pcns.value.runs
    assert left.model.week == 0
    assert left.model.params.leadership.facilitation == right.model.params.leadership.facilitation == 0.9
    assert (left.label, right.label) == ("Race, CD style 0.9", "Trust first, CD style 0.9")
    assert [w.v_model for w in rc.find(v.Select).widgets] == ["Race, CD style 0.9", "Trust first, CD style 0.9"]
    assert not warning(rc)  # the same workload on both sides
    slider(rc, "Left PCN's pace").v_model = 0.5
    left, right = trainer.pcns.value.runs
    assert left.settings.pace == 0.5 and left.model.params.mandates[0].start_week == 13  # halfway to week 26
    assert right.settings.pace == 1.0 and left.label == "Pace 0.5, CD style 0.9" and not warning(rc)


def test_set_separately_a_workload_setting_moves_one_side_and_the_page_says_they_differ():
    trainer = app.Trainer()
    rc = render(trainer)
    (separately,) = [w for w in rc.find(v.Switch).widgets if "separately" in w.label]
    separately.v_model = True
    (toggle,) = [t for t in rc.find(v.BtnToggle).widgets if [b.children[0] for b in t.children] == list(app.SIDES)]
    toggle.v_model = 1  # "right"
    slider(rc, "Mandate pressure").v_model = 1.5
    left, right = trainer.pcns.value.runs
    assert left.settings.mandate_pressure == 1.0 and right.settings.mandate_pressure == 1.5
    assert right.label == "Trust first, 1.5x the work"
    (text,) = warning(rc)
    assert "Not the same workload" in text and "Mandate pressure" in text
    [w for w in rc.find(v.Select).widgets][1].v_model = "Trust first"  # the preset back: one workload again
    assert not warning(rc)


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
    button(rc, "5 years").click()
    assert trainer.pcns.value.crossover() == expected

    def mark():
        found = [w.option["series"][-1].get("markLine") for w in rc.find(solara.components.echarts.EchartsWidget).widgets
                 if w.option["title"]["text"].startswith("Milestones")]
        return found[0] if found else None

    assert mark()["data"] == [{"xAxis": expected}] and mark()["label"]["formatter"] == f"crossover: week {expected}"
    assert f"since week {expected}" in html(rc, "pcn-crossover")[0]
    trainer.scrub(expected - 1)  # before the crossover, the page does not know of it
    header = html(rc, "pcn-crossover")[0]
    assert mark() is None and (header.startswith("Race ahead") or header.startswith("Level")), header
    (side_by_side,) = [w for w in rc.find(v.Switch).widgets if w.label.startswith("Side by side")]
    side_by_side.v_model = False
    assert len(trainer.pcns.value.runs) == 1 and trainer.pcns.value.week == 0
    assert len(html(rc, "pcn-right")) == 0


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_a_practice_is_filled_darker_the_more_it_owns_the_work():
    trainer = app.Trainer(seed=DEFAULT_SEED)
    trainer.jump(100)
    pairs = []
    for run in trainer.pcns.value.runs:
        svg = app.network_svg(run, 100)
        fills = re.findall(r'<circle cx="[^"]+" cy="[^"]+" r="[^"]+" fill="(#[0-9a-f]{6})"[^>]*><title>Practice', svg)
        assert len(fills) == run.n_practices
        pairs += zip(run.frames[100].ownership.tolist(), map(luminance, fills))
    pairs.sort()
    assert pairs[0][0] < 0.35 and pairs[-1][0] > 0.7  # the default seed's two sides differ (Race low, Trust first high)
    assert all(a[1] >= b[1] for a, b in zip(pairs, pairs[1:]))  # more ownership, never lighter
    assert pairs[0][1] - pairs[-1][1] > 100  # and the contrast is strong (of 255)


def test_network_drawing():
    run = PCNRun(RACE, seed=2, label="Race")
    svg = app.network_svg(run)
    assert svg.count("<title>Practice ") == 5 and svg.count("<line") == 10
    while not run.flashes:
        run.step()
    kind = next(iter(run.flashes.values()))
    assert f'class="pcn-flash {kind}"' in app.network_svg(run)
    assert f'class="pcn-mark {kind}"' in app.network_svg(run)  # told apart by a mark, not by colour alone


def test_the_engines_flags_are_this_weeks_impositions_and_broken_agreements():
    run = PCNRun(RACE, seed=DEFAULT_SEED, label="Race")
    overruled_weeks = 0
    for _ in range(200):
        run.step()
        now, before = run.frames[-1], run.frames[-2]
        imposed = now.outcomes["decisions_imposed"] - before.outcomes["decisions_imposed"]
        broken = now.outcomes["broken_agreements"] - before.outcomes["broken_agreements"]
        assert bool(now.overruled.any()) == (imposed > 0), now.week
        assert int(now.broke.sum()) == broken, now.week
        overruled_weeks += imposed > 0
    assert overruled_weeks >= 3


def test_overruled_and_broken_agreements_are_marked_and_listed_for_a_month():
    run = PCNRun(RACE, seed=DEFAULT_SEED, label="Race")
    while not run.frames[-1].overruled.any():
        run.step()
    week = run.model.week
    (who,) = np.flatnonzero(run.frames[-1].overruled)[:1]
    for _ in range(app.RECENT + 2):
        run.step()
    title = f"Practice {who + 1} was overruled in a decision"
    for shown in range(week, week + app.RECENT):
        assert title in app.network_svg(run, shown) and f"{week}: " in app.events_html(run, shown)
    if not any(f.overruled[who] for f in run.frames[week + 1:week + app.RECENT + 1]):
        assert title not in app.network_svg(run, week + app.RECENT)
    assert "Imposed over the objection of practice" in app.events_html(run, week)


def test_events_are_the_weeks_conflicts_by_practice():
    run = PCNRun(RACE, seed=2, label="Race")
    while not run.flashes:
        run.step()
    frame = run.frames[-1]
    for k, kind in frame.flashes.items():
        i, j = run.ties[k]
        (event,) = [e for e in frame.events if e.kind == kind and f"Practices {i + 1} and {j + 1} " in e.text]
    assert len([e for e in frame.events if e.kind in app.CONFLICT]) == len(frame.flashes) == len(run.flashes)


def test_partners_are_not_counted_or_drawn_as_practices():
    run = PCNRun(RACE, seed=1, label="partners", shown=load(SCENARIOS / "partners.yaml"))
    partner = run.model.state.partner
    assert len(run.model.agents) == 7 and partner.sum() == 2
    assert [a.index for a in practices(run.model)] == [int(i) for i in np.flatnonzero(~partner)]
    assert dict(app.facts(run))["Own the work"].endswith("of 5 practices")
    svg = app.network_svg(run)
    assert svg.count("<title>Practice ") == 5 and svg.count("<line") == 10  # five practices, all tied to each other


def test_play_runs_and_pause_stops():
    trainer = app.Trainer()
    trainer.speed.value = "Fast"
    render(trainer)
    trainer.playing.value = True
    hang = time.monotonic() + 300  # only catches a hang: a loaded machine may be slow, never this slow
    while trainer.shown.value < 3 and time.monotonic() < hang:
        time.sleep(0.05)
    trainer.playing.value = False
    assert trainer.shown.value >= 3
    time.sleep(1.0)  # a step under way when Pause came finishes; none starts after it
    stopped = trainer.pcns.value.week
    time.sleep(1.0)  # at Fast, twelve weeks if still playing
    assert trainer.pcns.value.week == stopped


def test_play_from_a_week_already_run_replays_it_then_runs_on():
    trainer = app.Trainer()
    trainer.speed.value = "Fast"
    render(trainer)
    trainer.jump(10)
    trainer.scrub(2)
    trainer.playing.value = True
    hang = time.monotonic() + 300
    while trainer.shown.value < 13 and time.monotonic() < hang:
        time.sleep(0.05)
    trainer.playing.value = False
    assert trainer.shown.value >= 13 and trainer.pcns.value.week >= 13
    assert [f.week for f in trainer.pcns.value.runs[0].frames] == list(range(trainer.pcns.value.week + 1))


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


def test_the_session_plan_says_what_the_page_shows_where_it_stops():
    from pcnsim.trainer import story

    rows = story.session().splitlines()[2:]
    trainer = app.Trainer()
    for week, row in zip(story.PAUSES, rows[1:3]):
        trainer.jump(week)
        assert trainer.shown.value == week
        race, first = (dict(app.facts(run, week)) for run in trainer.pcns.value.runs)
        for name in ("Trust", "Agreement"):
            for side in (race, first):
                assert side[name].split(" ")[0] in row, (week, name)
        met, due = (race["Milestones met"].split(" of ")[0], race["Milestones met"].split(" of ")[1].split()[0])
        assert re.search(rf"\b{met}\b.*\b{due}\b", row), week
    imposed_at = re.search(r"the last at week (\d+)", rows[1])
    if imposed_at:  # the plan sends the room back to that week's mark
        week = int(imposed_at.group(1))
        assert 'class="pcn-mark overruled"' in app.network_svg(trainer.pcns.value.runs[0], week)
        assert 'class="pcn-mark overruled"' not in app.network_svg(trainer.pcns.value.runs[0], story.PAUSES[0])
    elif "black **!**" in rows[1]:
        assert 'class="pcn-mark overruled"' in app.network_svg(trainer.pcns.value.runs[0], story.PAUSES[0])
    crossover = re.search(r"crossover: week (\d+)", rows[2])
    trainer.jump(settings.WEEKS)
    assert crossover and int(crossover.group(1)) == trainer.pcns.value.crossover()
    trainer.change("left", "facilitation", 0.9)  # the plan's step three: on both PCNs
    trainer.jump(story.PAUSES[1])
    led = [dict(app.facts(run, story.PAUSES[1]))["Trust"].split()[0] for run in trainer.pcns.value.runs]
    assert f"trust at two years is {led[0]} against Trust first's {led[1]}" in rows[3]
    trainer.jump(settings.WEEKS)
    assert f"overtakes, at week {trainer.pcns.value.crossover()}" in rows[3]
    assert f"imposed {race['Decisions imposed']} decisions" in rows[2]
    assert f"{race['Own the work'].split(' practices')[0]} own the work" in rows[2]
    assert f"against {first['Own the work'].split(' practices')[0]};" in rows[2]


def test_chart_text_is_large_enough_to_read_from_the_back_of_a_room():
    trainer = app.Trainer(seed=DEFAULT_SEED)
    trainer.jump(200)
    options = app.story_charts(trainer.pcns.value, 200) + [app.conflict_chart(trainer.pcns.value.runs[0], 200)]

    def sizes(node):
        if isinstance(node, dict):
            return [v for k, v in node.items() if k == "fontSize"] + [s for v in node.values() for s in sizes(v)]
        return [s for v in node for s in sizes(v)] if isinstance(node, list) else []

    for option in options:
        found = sizes(option)
        assert found and min(found) >= 14, option["title"]["text"]
        assert option["legend"]["show"] == (option is options[-1])  # the story's curves share one key, above them


def test_the_guide_describes_the_page_as_it_is_drawn():
    guide = " ".join((SCENARIOS.parent / "docs" / "TRAINERS.md").read_text().split())
    words = {3: "three", 4: "four", 5: "five", 6: "six"}
    assert f"each mark stays for {words[app.RECENT]} weeks" in guide
    assert "the key shows {}, {} and {}".format(*(f"{t:g}" for t in app.TRUST_KEY)) in guide
