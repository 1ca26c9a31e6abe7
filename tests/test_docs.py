"""The README's scenario reference and outcome tables are what the schema and registry say; the ODD keeps up."""

import pytest
from pydantic import BaseModel

from pcnsim.config import docgen
from pcnsim.config.schema import Scenario
from pcnsim.engine.outcomes import OUTCOMES as COLUMNS
from conftest import ROOT


def test_readme_generated_sections_are_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docgen.render(readme) == readme, "README.md is out of date: run `python -m pcnsim.config.docgen`"


def test_every_scenario_field_has_a_description_and_a_row():
    rows = {key: meaning for key, _, _, meaning, _ in docgen._rows(Scenario)}
    missing = [key for key, meaning in rows.items() if not meaning]
    assert not missing, f"fields without a description: {missing}"
    table = docgen.scenario_reference()

    def leaves(model, prefix=""):
        for name, field in model.model_fields.items():
            bare, _, _ = docgen.strip_annotation(field.annotation)
            if isinstance(bare, type) and issubclass(bare, BaseModel) and bare.__name__ != "Spread" \
                    and not issubclass(bare, docgen.Spread):
                yield from leaves(bare, f"{prefix}{name}.")
            else:
                yield prefix + name

    for key in leaves(Scenario):
        assert f"| `{key}` |" in table, key
    assert "| `mandates[].total_effort` |" in table


def test_a_changed_bound_shows_in_the_table():
    before = docgen.scenario_reference()
    field = Scenario.model_fields["steps"]
    assert "| `steps` | 260 | whole, 1 – 1,000,000 |" in before
    field.description = "changed"
    try:
        assert "| `steps` | 260 | whole, 1 – 1,000,000 | changed |" in docgen.scenario_reference()
    finally:
        field.description = "weeks to simulate"


def test_readme_and_odd_define_every_outcome_column():
    readme = (ROOT / "README.md").read_text()
    odd = (ROOT / "docs" / "ODD.md").read_text()
    for column in COLUMNS:
        assert f"`{column}`" in readme, column
        assert column in odd, column


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = next(line for line in readme.splitlines() if "pytest" in line and line.startswith("python3"))
    assert command in ci


def test_the_trainers_story_in_readme_and_guide_is_what_the_model_computes():
    from pcnsim.trainer import story

    for path in story.FILES:
        text = path.read_text(encoding="utf-8")
        assert "<!-- story: " in text, path
        assert story.render(text) == text, f"{path.name} is out of date: run `python -m pcnsim.trainer.story`"


@pytest.mark.parametrize("folder", ["not_a_race_map", "not_a_race_map/calibrated"])
def test_the_not_a_race_map_table_is_what_its_experiment_wrote(folder):
    """docs/not_a_race_map/map.md (and the map at the calibrated parameters) is experiments/not_a_race_map.py's
    table of the map.csv beside it."""
    import importlib.util

    import pandas as pd

    spec = importlib.util.spec_from_file_location("not_a_race_map", ROOT / "experiments" / "not_a_race_map.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = ROOT / "docs" / folder
    table = pd.read_csv(folder / "map.csv")
    text = (folder / "map.md").read_text(encoding="utf-8")
    assert text.split("\n", 1)[1] == module.table_md(table)
    assert len(table) == len(module.LOADS) * len(module.TRUST) * len(module.PRACTICES)
