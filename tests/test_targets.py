"""Calibration targets (issue 13 item 1): the targets file is read with one-line errors, and each measure reads the
model's outcomes as its definition says (pcnsim.study.targets)."""

import numpy as np
import pandas as pd
import pytest

from pcnsim import load
from pcnsim.config import ScenarioError
from pcnsim.engine.batch import simulate
from pcnsim.engine.outcomes import OUTCOMES, PCN_OUTCOMES
from pcnsim.study import targets as T
from conftest import ROOT, SCENARIOS

SHIPPED = ROOT / "calibration" / "targets.yaml"
TINY = """scenario: {scenario}
overrides: ["steps=26", "comparison.visible=0"]
seeds: [3, 4]
targets:
  - name: met
    source: "001"
    quote: "a quote"
    measure: {{kind: ratio, outcome: milestones_met, denominator: milestones_due}}
    week: 26
    band: [0.5, 1.0]
    why: "a reason"
  - name: trust
    source: "002"
    quote: "a quote"
    measure: {{kind: national, outcome: mean_trust}}
    week: 26
    band: [0.0, 1.0]
    why: "a reason"
"""


def test_the_shipped_targets_file_is_valid_and_every_target_gives_its_reasons():
    targets, scenario = T.load(SHIPPED)
    assert len(targets.targets) >= 7 and scenario.network.kind == "generated"
    for t in targets.targets:
        assert t.quote.strip() and t.why.strip() and t.source.strip()


def test_a_national_and_a_ratio_measure_are_the_runs_outcomes(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(TINY.format(scenario=SCENARIOS / "race.yaml"))
    targets, scenario = T.load(path)
    result = T.evaluate(targets, scenario).set_index("target")
    runs = np.array(simulate([load(SCENARIOS / "race.yaml", ["steps=26", "comparison.visible=0"])] * 2, [3, 4]))
    met = runs[:, 26, OUTCOMES.index("milestones_met")] / runs[:, 26, OUTCOMES.index("milestones_due")]
    assert result.loc["met", "mean"] == pytest.approx(met.mean(), rel=1e-12)
    assert result.loc["trust", "mean"] == pytest.approx(runs[:, 26, OUTCOMES.index("mean_trust")].mean(), rel=1e-12)
    assert result.loc["met", "in_band"] == (0.5 <= met.mean() <= 1.0)


def _target(**measure):
    return T.Target(name="x", source="003", quote="q", why="w", week=26, band=(0.0, 1.0), measure=measure)


def test_pcn_measures_count_and_spread_the_pcns_of_each_run():
    column = PCN_OUTCOMES.index("purpose_strength")
    rows = [np.zeros((4, len(PCN_OUTCOMES))), np.zeros((2, len(PCN_OUTCOMES)))]
    rows[0][:, column] = [0.9, 0.8, 0.5, 0.1]
    rows[1][:, column] = [0.2, 0.95]
    def each(**measure):
        return [T.measured(_target(**measure), {}, {26: run}) for run in rows]

    np.testing.assert_allclose(each(kind="pcn_share", outcome="purpose_strength", above=0.8), [0.5, 0.5])
    np.testing.assert_allclose(each(kind="pcn_share", outcome="purpose_strength", below=0.5), [0.25, 0.5])
    # 0.8 and 0.5 (at least above, under below); 0.9 is not under
    np.testing.assert_allclose(each(kind="pcn_share", outcome="purpose_strength", above=0.5, below=0.9), [0.5, 0.0])
    np.testing.assert_allclose(each(kind="pcn_spread", outcome="purpose_strength"),
                               [np.std([0.9, 0.8, 0.5, 0.1]), np.std([0.2, 0.95])])


def test_a_change_is_the_later_week_less_the_earlier():
    column = OUTCOMES.index("mean_ownership")
    national = {10: np.zeros(len(OUTCOMES)), 26: np.zeros(len(OUTCOMES))}
    national[10][column], national[26][column] = 0.5, 0.45
    change = T.measured(_target(kind="change", outcome="mean_ownership", from_week=10), national, {})
    assert change == pytest.approx(-0.05)


@pytest.mark.parametrize("edit, says", [
    (("outcome: mean_trust}", "outcome: no_such}"), "outcome 'no_such' is not a national outcome"),
    (("band: [0.5, 1.0]", "band: [1.0, 0.5]"), "band: low (1) is above high (0.5)"),
    (("name: trust", "name: met"), "target names must be unique: met repeated"),
    (("kind: national, outcome: mean_trust", "kind: pcn_share, outcome: mean_trust"), "needs above, below, or both"),
    (("kind: national, outcome: mean_trust", "kind: pcn_share, outcome: mean_trust, above: 0.6, below: 0.6"),
     "range is empty: above (0.6) must be less than below (0.6)"),
    (("week: 26\n    band: [0.0", "week: 27\n    band: [0.0"), "is after the scenario's last week (26)"),
    (("kind: national, outcome: mean_trust", "kind: change, outcome: mean_trust"), "a change needs from_week"),
    (("seeds: [3, 4]", "seeds: [3]"), "seeds"),
    (("why: \"a reason\"\n  - name: trust", "whys: \"a reason\"\n  - name: trust"), "whys"),
])
def test_a_bad_targets_file_is_refused_in_one_line(tmp_path, edit, says):
    text = TINY.format(scenario=SCENARIOS / "race.yaml")
    assert edit[0] in text
    path = tmp_path / "t.yaml"
    path.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(ScenarioError) as error:
        T.load(path)
    message = str(error.value)
    assert message.startswith(str(path)) and says in message and "\n" not in message


def test_a_pcn_measure_must_fall_on_a_week_the_pcn_rows_are_recorded(tmp_path):
    text = TINY.format(scenario=SCENARIOS / "race.yaml").replace(
        "kind: national, outcome: mean_trust", "kind: pcn_spread, outcome: mean_trust")
    path = tmp_path / "t.yaml"
    path.write_text(text.replace('"comparison.visible=0"]', '"comparison.visible=0", "record_levels_every=10"]'))
    with pytest.raises(ScenarioError, match="PCN measures are read every 10 weeks"):
        T.load(path)


def test_the_command_says_what_is_wrong_in_one_line_and_exits_2(tmp_path, capsys):
    path = tmp_path / "t.yaml"
    path.write_text("scenario: nowhere.yaml\nseeds: [1, 2]\ntargets: []\n")
    assert T.main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}") and err.count("\n") == 1


def test_the_calibration_page_shows_what_the_targets_command_wrote():
    folder = ROOT / "docs" / "calibration"
    result = pd.read_csv(folder / "targets.csv")
    page = (ROOT / "docs" / "CALIBRATION.md").read_text(encoding="utf-8")
    assert T.table_md(result) in page
    assert set(result.target) == {t.name for t in T.load(SHIPPED)[0].targets}
