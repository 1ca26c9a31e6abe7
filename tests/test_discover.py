"""Scenario discovery (pcnsim.study.discover) on synthetic per-run tables whose answer is known.

Racing pays exactly when mandates.0.lead_weeks > 30 and values.spread < 0.2
(plus a little noise); network.pcn_patients.mean and values.confidence are
noise. PRIM must find that box, CART and the feature scores must rank the two
true parameters first, and each lever setting's share and regret must be the
arithmetic they claim. No engine runs are needed.
"""

import json
import math
import sys

import numpy as np
import pandas as pd
import pytest

from pcnsim.config import ScenarioError
from pcnsim.outputs.files import file_sha256
from pcnsim.study import discover as d

pytest.importorskip("ema_workbench")

LEAD, SPREAD, SIZE, CONFIDENCE = "mandates.0.lead_weeks", "values.spread", "network.pcn_patients.mean", \
    "values.confidence"
TRUTH_LEAD, TRUTH_SPREAD = 30, 0.2


def _table(cases=500, replicates=1, scenarios=("race", "trust_first"), seed=1, flip=0.03):
    """A per-run table as a sweep writes it: paired scenarios, one row per run, columns in the sweep's order."""
    rng = np.random.default_rng(seed)
    lead = rng.integers(0, 61, cases)
    spread = rng.uniform(0, 0.5, cases)
    size = rng.uniform(5_000, 50_000, cases)
    confidence = rng.uniform(0, 1, cases)
    rows = []
    for s, scenario in enumerate(scenarios):
        for case in range(cases):
            for replicate in range(replicates):
                pays = (lead[case] > TRUTH_LEAD) & (spread[case] < TRUTH_SPREAD)
                pays ^= rng.random() < flip  # noise: a few futures go the other way
                value = 10.0 + (2.0 if pays else -2.0) * (scenario == "race") + rng.normal(0, 0.1)
                rows.append({"run_id": f"{scenario}-{case}-{replicate}", "point": s * cases + case, "case": case,
                             "scenario": scenario, LEAD: int(lead[case]), SPREAD: spread[case], SIZE: size[case],
                             CONFIDENCE: confidence[case], "replicate": replicate, "seed": 1000 * case + replicate,
                             "status": "ok", "joint_value_w260": value, "mean_trust_w26": rng.uniform(),
                             "crossover_milestones_met": np.nan if scenario == scenarios[0] or not pays else 40.0})
    return pd.DataFrame(rows)


def _folder(tmp_path, table, experiment="name: synthetic\nscenarios: [race.yaml, trust_first.yaml]\n"):
    folder = tmp_path / "sweep"
    folder.mkdir()
    table.to_parquet(folder / "runs_summary.parquet", index=False)
    table.to_csv(folder / "runs_summary.csv", index=False)
    (folder / "experiment.yaml").write_text(experiment)
    return folder


PAYS = "race.joint_value_w260 > trust_first.joint_value_w260"


@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    folder = _folder(tmp_path_factory.mktemp("paired"), _table())
    return folder, d.discover(folder, PAYS, score="joint_value_w260")


def test_prim_recovers_the_box_where_racing_pays(paired):
    _, result = paired
    assert result.paired and result.rows == 500
    limits = result.limits.set_index("parameter")
    assert set(limits.index) == {LEAD, SPREAD}
    assert TRUTH_LEAD - 3 <= limits.loc[LEAD, "low"] <= TRUTH_LEAD + 4
    assert limits.loc[LEAD, "high"] == limits.loc[LEAD, "range_high"]  # only the lower side is restricted
    assert TRUTH_SPREAD - 0.03 <= limits.loc[SPREAD, "high"] <= TRUTH_SPREAD + 0.03
    box = result.box
    assert 0 < box["coverage"] <= 1 and 0 < box["density"] <= 1 and 0 < box["mass"] < 1
    assert result.meets_threshold and box["density"] >= 0.8
    assert box["density"] > result.base_rate + 0.5  # the box is far denser than the futures overall
    assert 0.15 < result.base_rate < 0.35  # about 0.5 x 0.4 of the futures, with noise
    assert box["coverage"] > 0.8


def test_the_chosen_box_is_the_widest_that_reaches_the_threshold(paired):
    _, result = paired
    t = result.trajectory
    reaching = t[t["density"] >= result.threshold]
    assert result.box["coverage"] == reaching["coverage"].max()
    assert result.chosen < len(t) - 1  # not PRIM's last, smallest box
    assert t.iloc[-1]["mass"] < result.box["mass"]


def test_cart_and_feature_scores_rank_the_two_true_parameters_first(paired):
    _, result = paired
    scores = result.scores
    assert set(scores["parameter"].head(2)) == {LEAD, SPREAD}
    assert set(scores.sort_values("cart", ascending=False)["parameter"].head(2)) == {LEAD, SPREAD}
    assert scores["extra_trees"].sum() == pytest.approx(1.0)
    first_split = result.cart.splitlines()[0]
    assert LEAD in first_split or SPREAD in first_split


def test_robustness_of_a_paired_outcome_is_one_share_and_regret_per_scenario(paired):
    folder, result = paired
    table = pd.read_parquet(folder / "runs_summary.parquet")
    wide = table.pivot(index="case", columns="scenario", values="joint_value_w260")
    robust = result.robustness.set_index("setting")
    overall = robust.loc["every setting (paired outcome)"]
    holds = int((wide["race"] > wide["trust_first"]).sum())
    assert overall["holds"] == holds and overall["futures"] == 500
    assert overall["share_low"] < holds / 500 < overall["share_high"]
    regret = wide.max(axis=1).to_numpy()[:, None] - wide[["race", "trust_first"]].to_numpy()
    race = robust.loc["scenario=race"]
    assert race["regret_mean"] == pytest.approx(regret[:, 0].mean())
    assert race["regret_p90"] == pytest.approx(np.quantile(regret[:, 0], 0.9))
    assert robust.loc["scenario=trust_first", "regret_max"] == pytest.approx(regret[:, 1].max())
    assert math.isnan(race["share"])  # a paired outcome has no share per setting


def test_the_folder_holds_every_file_and_the_answer_in_words(paired):
    folder, result = paired
    out = folder / "discover"
    names = {"prim_trajectory.csv", "prim_box.csv", "cart_tree.txt", "feature_scores.csv", "robustness.csv",
             "discover.md", "discover.json", *(f"{stem}.{ext}" for stem in ("prim_trajectory", "prim_box")
                                                for ext in ("png", "svg", "pdf"))}
    assert {p.name for p in out.iterdir()} == names
    assert {p.name for p in result.files} == names
    box = pd.read_csv(out / "prim_box.csv")
    assert set(box["parameter"]) == {LEAD, SPREAD}
    assert box["density"].iloc[0] == pytest.approx(result.box["density"])
    trajectory = pd.read_csv(out / "prim_trajectory.csv")
    assert trajectory["chosen"].sum() == 1 and trajectory.loc[trajectory["chosen"], "box"].item() == result.chosen
    record = json.loads((out / "discover.json").read_text())
    assert record["expr"] == PAYS and record["threshold"] == 0.8 and record["provenance"]["pcnsim"]
    assert record["runs_summary_sha256"] == file_sha256(folder / "runs_summary.parquet")
    assert record["chosen"]["density"] == pytest.approx(result.box["density"])
    report = (out / "discover.md").read_text()
    assert f"holds in {result.base_rate:.0%} of futures overall" in report
    assert f"{LEAD} ≥ " in report and f"{SPREAD} ≤ " in report
    from PIL import Image

    with Image.open(out / "prim_trajectory.png") as image:
        assert round(image.info["dpi"][0]) == 200
    text = d.describe(result)
    assert text.splitlines()[0] == d.answer(result) and str(out) in text


def test_a_one_scenario_sweep_evaluates_plain_columns_per_run_and_robustness_per_lever_value(tmp_path):
    table = _table(scenarios=("race",), cases=400)
    table.insert(table.columns.get_loc("replicate"), "style", np.where(table["case"] % 2, "fast", "slow"))
    table.loc[table["style"] == "slow", "joint_value_w260"] -= 3.0  # slow never pays
    folder = _folder(tmp_path, table, "name: one\nscenarios: [race.yaml]\nlevers: [style]\n")
    result = d.discover(folder, "joint_value_w260 > 9.5")
    assert not result.paired and result.rows == 400 and result.levers == ["style"]
    assert "style" not in result.uncertainties and set(result.uncertainties) == {LEAD, SPREAD, SIZE, CONFIDENCE}
    robust = result.robustness.set_index("setting")
    fast = table[table["style"] == "fast"]
    holds = int((fast["joint_value_w260"] > 9.5).sum())
    assert robust.loc["style=fast", "holds"] == holds and robust.loc["style=fast", "futures"] == len(fast)
    assert robust.loc["style=fast", "share"] == pytest.approx(holds / len(fast))
    assert robust.loc["style=slow", "holds"] == 0 and robust.loc["style=slow", "share_high"] < 0.05
    assert set(result.scores["parameter"].head(2)) == {LEAD, SPREAD}


def test_regret_needs_futures_that_every_setting_ran(tmp_path):
    table = _table(scenarios=("race",), cases=200)
    table.insert(table.columns.get_loc("replicate"), "style", np.where(table["case"] % 2, "fast", "slow"))
    folder = _folder(tmp_path, table, "name: one\nscenarios: [race.yaml]\nlevers: [style]\n")
    with pytest.raises(ScenarioError, match="--score joint_value_w260: no future .* under every lever setting"):
        d.discover(folder, "joint_value_w260 > 9.5", score="joint_value_w260")
    assert not (folder / "discover").exists()  # nothing written for bad input


def test_wilson_interval():
    low, high = d.wilson(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert d.wilson(0, 20)[0] == 0 and d.wilson(20, 20)[1] == 1


def test_futures_pairs_ok_runs_by_case_and_replicate():
    table = _table(cases=20, replicates=2)
    table.loc[(table["scenario"] == "trust_first") & (table["case"] == 3) & (table["replicate"] == 1), "status"] = \
        "failed"
    wide = d.futures(table, {})
    assert len(wide) == 20 * 2 - 1
    assert not ((wide["case"] == 3) & (wide["replicate"] == 1)).any()
    assert list(wide.columns[:6]) == ["case", "replicate", LEAD, SPREAD, SIZE, CONFIDENCE]
    race = table[(table["scenario"] == "race") & (table["case"] == 5) & (table["replicate"] == 0)].iloc[0]
    row = wide[(wide["case"] == 5) & (wide["replicate"] == 0)].iloc[0]
    assert row["race.joint_value_w260"] == race["joint_value_w260"] and row[SPREAD] == race[SPREAD]
    other = table[(table["scenario"] == "trust_first") & (table["case"] == 5) & (table["replicate"] == 0)].iloc[0]
    assert row["trust_first.mean_trust_w26"] == other["mean_trust_w26"]
    # two scenarios: the one crossover column also stands under its plain name
    assert wide["crossover_milestones_met"].equals(wide["trust_first.crossover_milestones_met"])


def test_a_paired_outcome_on_the_crossover_column(tmp_path):
    folder = _folder(tmp_path, _table(cases=300))
    result = d.discover(folder, "crossover_milestones_met.notna()", threshold=0.9, out=tmp_path / "elsewhere")
    assert result.paired and result.out == tmp_path / "elsewhere" and (tmp_path / "elsewhere" / "discover.json").exists()
    assert set(result.limits["parameter"]) == {LEAD, SPREAD}
    assert result.box["density"] >= 0.9


@pytest.mark.parametrize("expr, problem", [
    ("race.joint_value_w260 >", "cannot evaluate it"),
    ("race.joint_value_w999 > 1", "unknown column 'race.joint_value_w999'"),
    ("race.joint_value_w260 + 1", "gives float64 values, not true/false"),
    ("race.joint_value_w260 > -1", "holds in every row"),
    ("race.joint_value_w260 > @limit", "local variables"),
    ("race.joint_value_w260.__class__", "names with __"),
    ("(race.joint_value_w260 > 10).sum()", "calls something other than abs, isna, notna of a column"),
    ("1 > 0", "gives one bool (True), not one true/false per row"),
])
def test_bad_outcomes_are_one_line_naming_the_columns(expr, problem):
    wide = d.futures(_table(cases=30), {})
    with pytest.raises(ScenarioError) as caught:
        d.outcome(wide, expr, "the list")
    message = str(caught.value)
    assert message.startswith(f"--outcome {expr}: ") and problem in message and "\n" not in message
    assert "; columns: " in message and f"({len(wide.columns)} in all: the list)" in message


def test_an_unknown_column_suggests_near_names():
    wide = d.futures(_table(cases=30), {})
    with pytest.raises(ScenarioError, match=r"columns: race\.joint_value_w260"):
        d.outcome(wide, "race.joint_valu_w260 > 1", "the list")


def test_outcome_reads_dotted_names_and_leaves_strings_alone():
    table = _table(scenarios=("race",), cases=30)
    holds = d.outcome(table, f"{SPREAD} < 0.2 and scenario == 'race'", "the list")
    assert holds.equals((table[SPREAD] < 0.2).rename("outcome"))


def test_bad_folders_and_options(tmp_path):
    with pytest.raises(ScenarioError, match="no such sweep folder"):
        d.discover(tmp_path / "none", PAYS)
    folder = _folder(tmp_path, _table(cases=50))
    with pytest.raises(ScenarioError, match=r"^--threshold 1.5: give a number above 0 and at most 1$"):
        d.discover(folder, PAYS, threshold=1.5)
    with pytest.raises(ScenarioError, match="--score mean_trust: not a numeric outcome .* such as: mean_trust_w26"):
        d.discover(folder, PAYS, score="mean_trust")
    (folder / "manifest.json").write_text(json.dumps({"files": {"runs_summary.parquet": "0" * 64}}))
    with pytest.raises(ScenarioError, match="runs_summary.parquet: its checksum differs from manifest.json"):
        d.discover(folder, PAYS)
    (folder / "manifest.json").write_text(json.dumps({"files": {}}))
    with pytest.raises(ScenarioError, match="the sweep is still running or was interrupted"):
        d.discover(folder, PAYS)
    (folder / "manifest.json").unlink()
    (folder / "experiment.yaml").write_text("name: x\nlevers: [values.nothing]\n")
    with pytest.raises(ScenarioError, match=r"experiment.yaml: levers: 'values.nothing' is not varied .* allowed: "
                                            r"scenario, mandates"):
        d.discover(folder, PAYS)
    (folder / "experiment.yaml").write_text(f"name: x\nuncertainties: [{LEAD}]\nlevers: [scenario, {LEAD}]\n")
    with pytest.raises(ScenarioError, match="is both a lever and an uncertainty"):
        d.discover(folder, PAYS)
    pd.DataFrame({"run_id": ["a"]}).to_parquet(folder / "runs_summary.parquet")
    with pytest.raises(ScenarioError, match="the per-run table has no column 'point'"):
        d.discover(folder, PAYS)
    assert not (folder / "discover").exists()


def test_a_box_on_the_trajectory_can_be_picked(tmp_path):
    folder = _folder(tmp_path, _table(cases=200))
    result = d.discover(folder, PAYS, box=0)
    assert result.chosen == 0 and result.limits.empty and result.box["coverage"] == 1
    assert "no restriction" in d.answer(result)
    with pytest.raises(ScenarioError, match=r"--box 999: PRIM's peeling trajectory has boxes 0 to \d+"):
        d.discover(folder, PAYS, box=999)


def test_without_the_extra_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    folder = _folder(tmp_path, _table(cases=50))
    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # as if not installed: importing it fails
    with pytest.raises(ScenarioError, match=r"^pcnsim discover needs the discover extra: "
                                            r"pip install 'pcnsim\[discover\]'$"):
        d.discover(folder, PAYS)


def test_the_readme_states_what_discover_finds_on_the_shipped_when_racing_pays_sweep(tmp_path):
    """The README's answer is discover's own on the shipped runs_summary (python experiments/when_racing_pays.py)."""
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("when_racing_pays", ROOT / "experiments" / "when_racing_pays.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    answers = []
    for folder, what, expr in script.QUESTIONS:
        result = d.discover(script.SHIPPED, expr, out=tmp_path / folder)
        assert 0 < result.box["coverage"] <= 1 and result.box["density"] > result.base_rate
        assert d.answer(result) in (script.SHIPPED / folder / "discover.md").read_text(encoding="utf-8")
        answers.append((what, expr, d.answer(result)))
    readme = script.README.read_text(encoding="utf-8")
    assert script.block(answers) in readme
