"""The README's scenario reference and the ODD keep up with the code."""

import re
from typing import get_args, get_origin

from pydantic import BaseModel

from pcnsim.engine.outcomes import OUTCOMES as COLUMNS
from pcnsim.config.schema import Scenario
from conftest import ROOT


def leaf_keys(model, prefix=""):
    for name, field in model.model_fields.items():
        annotation = field.annotation
        inner = get_args(annotation)[0] if get_origin(annotation) is list else None
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            yield prefix + name
            yield from leaf_keys(inner, f"{prefix}{name}[].")
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation.__name__ != "Spread":
            yield from leaf_keys(annotation, f"{prefix}{name}.")
        else:
            yield prefix + name


def test_readme_documents_every_scenario_field():
    readme = (ROOT / "README.md").read_text()
    missing = []
    for key in leaf_keys(Scenario):
        section, _, last = key.rpartition(".")
        # A row may group siblings: `section.first`, `.second`, `.third`
        grouped = rf"`{re.escape(section)}\.[^`]*`[^|]*`\.{last}`"
        if f"`{key}`" in readme or (section and re.search(grouped, readme)):
            continue
        if key.startswith("conflict.propensities."):
            if "`conflict.propensities.<style>`" in readme:
                continue
        missing.append(key)
    assert not missing, f"README scenario reference lacks: {missing}"


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
