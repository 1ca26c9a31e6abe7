"""Experiment files: which scenarios and parameters to vary, how, and what to keep.

An experiment expands into a design table, one row per run: the base scenario,
the parameter values of its design point, the replicate, and the run's own
seed, spawned from the experiment's root `numpy.random.SeedSequence`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from pathlib import Path
from typing import Annotated, Literal, Union

import numpy as np
import pandas as pd
from pydantic import BaseModel, Discriminator, Field, Strict, Tag, model_validator

from .. import __version__
from ..config import ScenarioError, apply_overrides, read_yaml, validate
from ..config import load as load_scenario
from ..config.files import read_section, resolve_files
from ..config.schema import SEED_MAX, WEEKS, FilePath, Label, Real, Section, Text, Week, Whole
from ..engine.outcomes import OUTCOMES as COLUMNS

Design = Literal["factorial", "lhs", "sobol", "morris"]
MAX_RUNS = 1_000_000  # runs in one sweep (design points x scenarios x replicates)
MAX_POINTS = 100_000  # design points per scenario
MAX_VALUES = 1_000  # values of one parameter in a factorial design
PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class Range(Section):
    """A continuous range; `num` evenly spaced values when used in a factorial design."""

    low: Real
    high: Real
    num: Annotated[Whole, Field(ge=2, le=MAX_VALUES)] | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.high == self.low:
            raise ValueError(f"low and high are both {self.low:g}; a range needs high above low "
                             f"(for one value give a list: [{self.low:g}])")
        if self.high < self.low:
            raise ValueError(f"high ({self.high:g}) is below low ({self.low:g}); a range needs high above low")
        return self


def _spec_kind(value) -> str | None:
    if isinstance(value, (dict, Range)):
        return "range"
    if isinstance(value, (list, tuple)):
        return "values"
    return None


Values = Annotated[list[Union[Real, Whole, Annotated[str, Field(max_length=200)], bool]],
                   Field(min_length=1, max_length=MAX_VALUES)]
Spec = Annotated[
    Union[Annotated[Values, Tag("values")], Annotated[Range, Tag("range")]],
    Discriminator(_spec_kind, custom_error_type="parameter",
                  custom_error_message="give a list of values or a range {low, high} (with num for a factorial "
                  "design)"),
]

# The outcomes a comparison or a sweep figure shows unless told otherwise.
STORY = ["milestones_met", "joint_value", "mean_trust", "mean_ownership"]  # what `compare` shows: model 2's story


class Figure(Section):
    outcomes: Annotated[list[Label], Field(max_length=100)] = STORY
    by: Label = "scenario"
    crossover: Label | None = None  # outcome on which to mark where the second group overtakes the first


class Experiment(Section):
    name: Annotated[str, Strict()]
    description: Text = ""
    scenarios: Annotated[list[FilePath], Field(min_length=1, max_length=100)]
    parameters: Annotated[dict[str, Spec], Field(max_length=100)] = {}
    design: Design = "factorial"
    samples: Annotated[Whole, Field(ge=1, le=MAX_POINTS)] = 8
    levels: Annotated[Whole, Field(ge=2, le=1_000)] = 4
    replicates: Annotated[Whole, Field(ge=1, le=100_000)] = 10
    seed: Annotated[Whole, Field(ge=0, le=SEED_MAX)] = 0
    steps: Annotated[Whole, Field(ge=1, le=WEEKS)] | None = None
    record_every: Annotated[Whole, Field(ge=1, le=WEEKS)] = 1
    outcomes: Annotated[list[Label], Field(min_length=1, max_length=len(COLUMNS))] = list(COLUMNS[1:])
    chunk_size: Annotated[Whole, Field(ge=1, le=100_000)] = 10
    sensitivity_steps: Annotated[list[Week], Field(max_length=10_000)] | None = None
    figure: Figure = Figure()

    @model_validator(mode="after")
    def _consistent(self):
        if not PLAIN_NAME.match(self.name):
            raise ValueError(f"name {self.name[:60]!r} must be a plain name (letters, digits, _ - ., up to 100, "
                             "starting with a letter or digit): it names the results folder")
        unknown = sorted(set(self.outcomes) - set(COLUMNS[1:]))
        if unknown:
            raise ValueError(f"unknown outcome {unknown[0]!r}; allowed: {', '.join(COLUMNS[1:])}")
        if len(set(self.outcomes)) != len(self.outcomes):
            raise ValueError("outcomes: name each outcome once")
        for name, spec in self.parameters.items():
            parts = name.split(".")
            if len(name) > 200 or len(parts) > 16 or not all(parts):
                raise ValueError(f"parameters: {name[:60]!r} is not a dotted scenario field such as values.confidence")
            if self.design == "factorial" and isinstance(spec, Range) and spec.num is None:
                raise ValueError(f"parameters.{name}: a factorial design needs a list of values or a range with num")
            if self.design != "factorial" and not isinstance(spec, Range):
                raise ValueError(f"parameters.{name}: a {self.design} design needs a range {{low, high}}")
        if self.design in ("sobol", "morris") and not self.parameters:
            raise ValueError(f"a {self.design} design needs at least one parameter range")
        points = design_size(self)
        if points > MAX_POINTS:
            raise ValueError(f"the design has {points:,} points per scenario; at most {MAX_POINTS:,} are allowed")
        runs = points * len(self.scenarios) * self.replicates
        if runs > MAX_RUNS:
            raise ValueError(f"the design has {runs:,} runs (points x scenarios x replicates); at most {MAX_RUNS:,} "
                             "are allowed: split it into several experiments")
        return self


def design_size(experiment: Experiment) -> int:
    """Design points per scenario, counted without sampling."""
    k = len(experiment.parameters)
    if experiment.design == "factorial":
        sizes = [spec.num if isinstance(spec, Range) else len(spec) for spec in experiment.parameters.values()]
        return math.prod(sizes)
    return experiment.samples * {"lhs": 1, "sobol": k + 2, "morris": k + 1}[experiment.design]


def field_problem(scenario: BaseModel, key: str, file: str) -> str | None:
    """Why a dotted parameter name does not name a value of the scenario, or None if it does."""
    parts = key.split(".")
    node = scenario
    for depth, part in enumerate(parts):
        here = ".".join(parts[: depth + 1])
        if isinstance(node, BaseModel):
            fields = type(node).model_fields
            if part not in fields:
                return f"{key}: {here} is not a scenario field; allowed there: {', '.join(fields)}"
            node = getattr(node, part)
        elif isinstance(node, (list, tuple)):
            if not part.isdigit() or int(part) >= len(node):
                where = ".".join(parts[:depth])
                return f"{key}: {file} has {len(node)} entries in {where}; give an index below {len(node)}"
            node = node[int(part)]
        else:
            return f"{key}: {'.'.join(parts[:depth])} is a value, not a section"
    if isinstance(node, BaseModel):
        return f"{key}: is a section; name one of its fields: {', '.join(type(node).model_fields)}"
    return None


def load(path: str | Path) -> "tuple[Experiment, Path]":
    """Read and validate an experiment file; returns it with the folder its paths are relative to.

    Everything is checked here, before any folder is made: the experiment's
    fields, each scenario (with the same one-line error as `pcnsim run` on that
    file, and its CSV structure if it has one), that each parameter names a
    value of each scenario, and every design point's resolved scenario.
    """
    path = Path(path)
    experiment = read_section(path, Experiment, "an experiment file", "experiment fields")
    for name in experiment.scenarios:
        file = path.parent / name
        try:
            file.stat()
        except FileNotFoundError:
            raise ScenarioError(f"{path}: scenarios: no such scenario file {name!r} (paths are relative to the "
                                "experiment)") from None
        except (OSError, ValueError):
            pass  # reading it says what is wrong, in one line
        scenario = load_scenario(file)
        if scenario.network.kind in ("csv", "nhs"):  # its structure's files are part of it: checked now
            from ..world.structure import load

            load(scenario.network)
        for key in experiment.parameters:
            problem = field_problem(scenario, key, name)
            if problem:
                raise ScenarioError(f"{path}: parameters.{problem}")
        integral = integer_fields(scenario.model_dump(), list(experiment.parameters))
        for key, spec in experiment.parameters.items():
            # Sampled values of a whole-number field are rounded; values listed by hand must be whole already.
            wrong = [v for v in spec if isinstance(v, bool) or isinstance(v, float) and not v.is_integer()] \
                if key in integral and not isinstance(spec, Range) else []
            if wrong:
                raise ScenarioError(f"{path}: parameters.{key}: {wrong[0]!r} is not a whole number; "
                                    f"{key} takes whole numbers")
    for _ in _design_points(experiment, path.parent, str(path)):
        pass
    return experiment, path.parent


def salib_problem(experiment: Experiment) -> dict:
    """The experiment's parameter ranges as SALib's problem, which its samplers and analysers share."""
    names = list(experiment.parameters)
    return {"num_vars": len(names), "names": names,
            "bounds": [[spec.low, spec.high] for spec in experiment.parameters.values()]}


def sample_points(experiment: Experiment) -> pd.DataFrame:
    """Parameter values of every design point (without the scenario factor)."""
    names, specs = list(experiment.parameters), list(experiment.parameters.values())
    if not names:
        return pd.DataFrame(index=[0])
    if experiment.design == "factorial":
        levels = [list(np.linspace(s.low, s.high, s.num)) if isinstance(s, Range) else list(s) for s in specs]
        return pd.DataFrame(list(itertools.product(*levels)), columns=names)
    from SALib.sample import latin, morris, sobol

    problem = salib_problem(experiment)
    if experiment.design == "lhs":
        matrix = latin.sample(problem, experiment.samples, seed=experiment.seed)
    elif experiment.design == "sobol":
        matrix = sobol.sample(problem, experiment.samples, calc_second_order=False, seed=experiment.seed)
    else:
        matrix = morris.sample(problem, experiment.samples, num_levels=experiment.levels, seed=experiment.seed)
    return pd.DataFrame(matrix, columns=names)


def _resolved_scenario(base: dict, point: dict, steps: int | None, source: str) -> dict:
    overrides = []
    for key, value in point.items():
        overrides.append(f"{key}={json.dumps(value)}")
    data = apply_overrides(base, overrides, source)
    if steps is not None:
        data["steps"] = steps
    return validate(data, source).model_dump(mode="json")


def integer_fields(base: dict, names: list[str]) -> set[str]:
    """Parameters whose scenario field is a whole number, so sampled values are rounded."""
    from ..config import Scenario

    defaults = Scenario.model_validate(base).model_dump()
    integral = set()
    for name in names:
        node = defaults
        for part in name.split("."):
            node = node[int(part)] if isinstance(node, list) else node.get(part) if isinstance(node, dict) else None
        if isinstance(node, int) and not isinstance(node, bool):
            integral.add(name)
    return integral


def canonical(scenario: dict) -> str:
    """The parameters that shape a run, as canonical JSON (labels and the scenario's own seed left out)."""
    return json.dumps({k: v for k, v in scenario.items() if k not in ("name", "description", "seed")}, sort_keys=True)


def run_id(scenario: dict, replicate: int, repeat: int = 0) -> str:
    """Stable id from the model version, the canonical parameters and the replicate.

    `repeat` counts earlier design points with the same parameters (Morris
    trajectories revisit points), so each row still has its own id.
    """
    return hashlib.sha256(f"{__version__}|{canonical(scenario)}|{replicate}|{repeat}".encode()).hexdigest()[:16]


def _design_points(experiment: Experiment, folder: Path, source: str):
    """(scenario file, design point, resolved scenario) for every point of every scenario, each validated."""
    points = sample_points(experiment)
    for file in experiment.scenarios:
        base = resolve_files(read_yaml(folder / file) or {}, (folder / file).parent)
        integral = integer_fields(base, list(points.columns))
        for _, values in points.iterrows():
            point = {k: (int(round(v)) if k in integral else v.item() if hasattr(v, "item") else v)
                     for k, v in values.items()}
            yield file, point, _resolved_scenario(base, point, experiment.steps,
                                                  f"{source} (scenario {file}, point {point})")


def design_table(experiment: Experiment, folder: Path, source: str) -> tuple[pd.DataFrame, list[dict]]:
    """One row per run, and the resolved scenario of each design point.

    Each run's seed is spawned from the root SeedSequence(experiment.seed) with
    spawn key (point, replicate), so adding replicates or points never changes
    the seeds of existing runs.
    """
    rows, scenarios, seen = [], [], {}
    for _, point, scenario in _design_points(experiment, folder, source):
        index = len(scenarios)
        scenarios.append(scenario)
        key = canonical(scenario)
        repeat = seen[key] = seen.get(key, -1) + 1
        for replicate in range(experiment.replicates):
            sequence = np.random.SeedSequence(experiment.seed, spawn_key=(index, replicate))
            rows.append({
                "run_id": run_id(scenario, replicate, repeat),
                "point": index,
                "scenario": scenario["name"],
                **point,
                "replicate": replicate,
                "seed_entropy": str(experiment.seed),
                "spawn_key": f"{index},{replicate}",
                "seed": int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1)),
                "status": "pending",
                "error": "",
            })
    table = pd.DataFrame(rows)
    return table, scenarios
