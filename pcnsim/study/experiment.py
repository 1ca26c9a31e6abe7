"""Experiment files: which scenarios and parameters to vary, how, and what to keep.

An experiment expands into a design table, one row per run: the base scenario,
the parameter values of its design point, the replicate, and the run's own
seed, spawned from the experiment's root `numpy.random.SeedSequence`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from .. import __version__
from ..config import ScenarioError, apply_overrides, read_yaml, validate
from ..config.errors import one_line
from ..config.schema import Section
from ..engine.outcomes import OUTCOMES as COLUMNS

Design = Literal["factorial", "lhs", "sobol", "morris"]


class Range(Section):
    """A continuous range; `num` evenly spaced values when used in a factorial design."""

    low: float
    high: float
    num: Annotated[int, Field(ge=2)] | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        return self


# The outcomes a comparison or a sweep figure shows unless told otherwise.
STORY = ["milestones_met", "mean_trust", "agreement_share", "ownership"]


class Figure(Section):
    outcomes: list[str] = STORY
    by: str = "scenario"
    crossover: str | None = None  # outcome on which to mark where the second group overtakes the first


class Experiment(Section):
    name: str
    description: str = ""
    scenarios: Annotated[list[str], Field(min_length=1)]
    parameters: dict[str, list[float | int | str | bool] | Range] = {}
    design: Design = "factorial"
    samples: Annotated[int, Field(ge=1)] = 8
    levels: Annotated[int, Field(ge=2)] = 4
    replicates: Annotated[int, Field(ge=1, le=100_000)] = 10
    seed: Annotated[int, Field(ge=0)] = 0
    steps: Annotated[int, Field(ge=1)] | None = None
    record_every: Annotated[int, Field(ge=1)] = 1
    outcomes: list[str] = list(COLUMNS[1:])
    chunk_size: Annotated[int, Field(ge=1)] = 10
    sensitivity_steps: list[int] | None = None
    figure: Figure = Figure()

    @model_validator(mode="after")
    def _consistent(self):
        unknown = sorted(set(self.outcomes) - set(COLUMNS[1:]))
        if unknown:
            raise ValueError(f"unknown outcome {unknown[0]!r}; allowed: {', '.join(COLUMNS[1:])}")
        for name, spec in self.parameters.items():
            if self.design == "factorial" and isinstance(spec, Range) and spec.num is None:
                raise ValueError(f"parameters.{name}: a factorial design needs a list of values or a range with num")
            if self.design != "factorial" and not isinstance(spec, Range):
                raise ValueError(f"parameters.{name}: a {self.design} design needs a range {{low, high}}")
        if self.design in ("sobol", "morris") and not self.parameters:
            raise ValueError(f"a {self.design} design needs at least one parameter range")
        return self


def load(path: str | Path) -> "tuple[Experiment, Path]":
    """Read and validate an experiment file; returns it with the folder its paths are relative to."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: the file must hold a mapping of experiment fields")
    try:
        experiment = Experiment.model_validate(data)
    except ValidationError as exc:
        raise one_line(Experiment, exc, str(path)) from None
    for name in experiment.scenarios:
        if not (path.parent / name).is_file():
            raise ScenarioError(f"{path}: scenarios: no such scenario file {name!r} (paths are relative to the experiment)")
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


def _integer_fields(base: dict, names: list[str]) -> set[str]:
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


def design_table(experiment: Experiment, folder: Path, source: str) -> tuple[pd.DataFrame, list[dict]]:
    """One row per run, and the resolved scenario of each design point.

    Each run's seed is spawned from the root SeedSequence(experiment.seed) with
    spawn key (point, replicate), so adding replicates or points never changes
    the seeds of existing runs.
    """
    points = sample_points(experiment)
    rows, scenarios, seen = [], [], {}
    for file in experiment.scenarios:
        base = read_yaml(folder / file) or {}
        integral = _integer_fields(base, list(points.columns))
        for _, values in points.iterrows():
            point = {k: (int(round(v)) if k in integral else v.item() if hasattr(v, "item") else v)
                     for k, v in values.items()}
            scenario = _resolved_scenario(base, point, experiment.steps, f"{source} (scenario {file}, point {point})")
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
