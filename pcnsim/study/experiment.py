"""Experiment files: which scenarios and parameters to vary, how, and what to keep.

An experiment expands into a design table, one row per run: the base scenario,
the parameter values of its design point, the replicate, and the run's own
seed, spawned from the experiment's root `numpy.random.SeedSequence`.
"""

from __future__ import annotations

import functools
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
from ..config.files import NETWORK_FILES, read_section, resolve_files
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


class Scalar(Section):
    """One number per run, computed from its recorded weeks: a user-declared per-run outcome.

    kind: "at" (the value at `week`), "first_above" / "first_below" (the first recorded week the value is
    above / below `threshold`; empty if never), "total", "mean", "max", "min" (over the recorded weeks from
    `from_week` to `to_week`, both included).
    """

    outcome: Label
    kind: Literal["at", "first_above", "first_below", "total", "mean", "max", "min"]
    week: Week | None = None
    threshold: Real | None = None
    from_week: Week = 0
    to_week: Week | None = None

    @model_validator(mode="after")
    def _complete(self):
        if self.kind == "at" and self.week is None:
            raise ValueError("kind at needs a week")
        if self.kind in ("first_above", "first_below") and self.threshold is None:
            raise ValueError(f"kind {self.kind} needs a threshold")
        if self.kind not in ("first_above", "first_below") and self.threshold is not None:
            raise ValueError(f"threshold is for kinds first_above and first_below, not {self.kind}")
        if self.kind != "at" and self.week is not None:
            raise ValueError(f"week is for kind at; kind {self.kind} reads from_week to to_week")
        if self.to_week is not None and self.to_week < self.from_week:
            raise ValueError(f"to_week ({self.to_week}) is before from_week ({self.from_week})")
        return self


RUN_COLUMNS = ("run_id", "point", "case", "scenario", "replicate", "seed_entropy", "spawn_key", "seed", "status",
               "error")  # the design table's own columns, beside the parameters


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
    checkpoints: Annotated[list[Week], Field(max_length=1_000)] | None = None  # default: CHECKPOINTS, last week
    scalars: Annotated[dict[Label, Scalar], Field(max_length=100)] = {}
    levers: Annotated[list[Label], Field(max_length=100)] | None = None  # default: scenario, when there are several
    uncertainties: Annotated[list[Label], Field(max_length=100)] | None = None  # default: the other parameters
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
        for name, scalar in self.scalars.items():
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,99}", name):
                raise ValueError(f"scalars: {name[:60]!r} must be a plain identifier (letters, digits and _, "
                                 "starting with a letter): it names a column of runs_summary")
            if name in RUN_COLUMNS or name.startswith("crossover_") or re.fullmatch(
                    rf"({'|'.join(map(re.escape, self.outcomes))})_w\d+", name):
                raise ValueError(f"scalars: {name!r} is the name of a column runs_summary already has (its design "
                                 "columns, OUTCOME_wWEEK and crossover_OUTCOME); choose another name")
            if scalar.outcome not in self.outcomes:
                raise ValueError(f"scalars.{name}.outcome: {scalar.outcome!r} is not recorded; recorded: "
                                 f"{', '.join(self.outcomes)}")
            weeks = [w for w in (scalar.week, scalar.from_week, scalar.to_week) if w is not None]
            if any(w % self.record_every for w in weeks):
                raise ValueError(f"scalars.{name}: weeks must be recorded ones (multiples of record_every "
                                 f"{self.record_every})")
        if any(w % self.record_every for w in self.checkpoints or ()):
            raise ValueError(f"checkpoints: weeks must be recorded ones (multiples of record_every {self.record_every})")
        columns = ["scenario", *self.parameters]
        for field in ("levers", "uncertainties"):
            unknown = sorted(set(getattr(self, field) or ()) - set(columns))
            if unknown:
                raise ValueError(f"{field}: {unknown[0]!r} is not a column of the design; allowed: {', '.join(columns)}")
        both = set(self.levers or ()) & set(self.uncertainties or ())
        if both:
            raise ValueError(f"{sorted(both)[0]!r} is both a lever and an uncertainty; make it one of them")
        for name, spec in self.parameters.items():
            parts = name.split(".")
            if len(name) > 200 or len(parts) > 16 or not all(parts):
                raise ValueError(f"parameters: {name[:60]!r} is not a dotted scenario field such as values.confidence")
            if self.design == "factorial" and isinstance(spec, Range) and spec.num is None:
                raise ValueError(f"parameters.{name}: a factorial design needs a list of values or a range with num")
            if self.design != "factorial" and not isinstance(spec, Range) and not (
                    self.design == "lhs" and name in (self.levers or ())):
                raise ValueError(f"parameters.{name}: a {self.design} design needs a range {{low, high}} (an lhs "
                                 "design also takes a list of values for a lever: each is crossed with the sample)")
        if self.design != "factorial" and self.parameters and not any(
                isinstance(spec, Range) for spec in self.parameters.values()):
            raise ValueError(f"a {self.design} design samples ranges: give at least one parameter range (or use a "
                             "factorial design for lists of values only)")
        if self.design in ("sobol", "morris") and not self.parameters:
            raise ValueError(f"a {self.design} design needs at least one parameter range")
        if "seed" in self.parameters:
            raise ValueError("parameters: seed is each run's own, spawned from the experiment's seed; vary the "
                             "experiment's seed or its replicates instead")
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
    if experiment.design == "factorial":
        sizes = [spec.num if isinstance(spec, Range) else len(spec) for spec in experiment.parameters.values()]
        return math.prod(sizes)
    crossed = math.prod(len(spec) for spec in experiment.parameters.values() if not isinstance(spec, Range))
    sampled = sum(isinstance(spec, Range) for spec in experiment.parameters.values())
    return crossed * experiment.samples * {"lhs": 1, "sobol": sampled + 2, "morris": sampled + 1}[experiment.design]


def levers(experiment: Experiment) -> list[str]:
    """What a policy maker sets: as declared, or the scenario when an experiment compares several."""
    if experiment.levers is not None:
        return list(experiment.levers)
    return ["scenario"] if len(experiment.scenarios) > 1 else []


def uncertainties(experiment: Experiment) -> list[str]:
    """What a policy maker does not control: as declared, or every parameter that is not a lever."""
    if experiment.uncertainties is not None:
        return list(experiment.uncertainties)
    return [name for name in experiment.parameters if name not in levers(experiment)]


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
    longest = experiment.steps or max(load_scenario(path.parent / name).steps for name in experiment.scenarios)
    weeks = [("checkpoints", w) for w in experiment.checkpoints or ()] + [
        (f"scalars.{name}", w) for name, sc in experiment.scalars.items()
        for w in (sc.week, sc.from_week, sc.to_week) if w is not None]
    past = [(where, w) for where, w in weeks if w > longest]
    if past:
        raise ScenarioError(f"{path}: {past[0][0]}: week {past[0][1]} is past the last week ({longest}) of every run; "
                            f"give weeks up to {longest}")
    for _ in _design_points(experiment, path.parent, str(path)):
        pass
    return experiment, path.parent


def salib_problem(experiment: Experiment) -> dict:
    """The experiment's parameter ranges as SALib's problem, which its samplers and analysers share."""
    ranges = {name: spec for name, spec in experiment.parameters.items() if isinstance(spec, Range)}
    return {"num_vars": len(ranges), "names": list(ranges), "bounds": [[s.low, s.high] for s in ranges.values()]}


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
    sampled = pd.DataFrame(matrix, columns=problem["names"])
    # A lever's values are each crossed with the same sample, so its settings meet the same futures.
    for name, spec in experiment.parameters.items():
        if not isinstance(spec, Range):
            sampled = pd.concat([sampled.assign(**{name: [value] * len(sampled)}) for value in spec], ignore_index=True)
    return sampled[names]


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
    """The parameters that shape a run, as canonical JSON (labels and the scenario's own seed left out); a csv or
    nhs structure's files by their contents' digest, so an edited file is another experiment and a moved one is not."""
    shaped = {k: v for k, v in scenario.items() if k not in ("name", "description", "seed")}
    network = shaped.get("network")
    if isinstance(network, dict) and any(network.get(key) for key in NETWORK_FILES):
        shaped["network"] = {k: (f"sha256:{file_digest(v)}" if k in NETWORK_FILES and v else v)
                             for k, v in network.items()}
    return json.dumps(shaped, sort_keys=True)


def file_digest(path: str) -> str:
    """The sha256 of a file's bytes (read once per run of the command: the same path, size and time is the same file)."""
    stat = Path(path).stat()
    return _digest_of(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _digest_of(path: str, size: int, mtime: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run_id(scenario: dict, replicate: int, repeat: int = 0) -> str:
    """Stable id from the model version, the canonical parameters and the replicate.

    `repeat` counts earlier design points with the same parameters (Morris
    trajectories revisit points), so each row still has its own id.
    """
    return hashlib.sha256(f"{__version__}|{canonical(scenario)}|{replicate}|{repeat}".encode()).hexdigest()[:16]


def _design_points(experiment: Experiment, folder: Path, source: str):
    """(scenario's place in the list, design point, resolved scenario) for every point of every scenario, each
    validated."""
    points = sample_points(experiment)
    for which, file in enumerate(experiment.scenarios):
        base = resolve_files(read_yaml(folder / file) or {}, (folder / file).parent)
        integral = integer_fields(base, list(points.columns))
        for _, values in points.iterrows():
            point = {k: (int(round(v)) if k in integral else v.item() if hasattr(v, "item") else v)
                     for k, v in values.items()}
            yield which, point, _resolved_scenario(base, point, experiment.steps,
                                                  f"{source} (scenario {file}, point {point})")


def run_seed(root: int, case: int, replicate: int) -> int:
    """A run's seed: spawned from SeedSequence(root) with spawn key (case, replicate)."""
    sequence = np.random.SeedSequence(root, spawn_key=(case, replicate))
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))


def design_table(experiment: Experiment, folder: Path, source: str) -> tuple[pd.DataFrame, list[dict]]:
    """One row per run, and the resolved scenario of each design point.

    A run's seed is spawned from the root SeedSequence(experiment.seed) with
    spawn key (case, replicate), where `case` is the design point's place
    within its scenario: each scenario meets the same draws (paired runs, as
    `compare` needs), and adding replicates never changes existing runs'
    seeds. Rows run replicate by replicate, so the runs of added replicates
    come after every existing run and the existing chunks stay as they were.
    """
    points, scenarios, seen, labels, cases = [], [], {}, {}, {}
    for which, point, scenario in _design_points(experiment, folder, source):
        if which not in labels:  # a name met again (a scenario against a variant of itself) gets a number
            label, k = scenario["name"], 1
            while label in labels.values():
                k += 1
                label = f"{scenario['name']} ({k})"
            labels[which] = label
        key = canonical(scenario)
        repeat = seen[key] = seen.get(key, -1) + 1
        case = cases[which] = cases.get(which, -1) + 1
        points.append((len(scenarios), which, case, point, repeat, scenario))
        scenarios.append(scenario)
    rows = []
    for replicate in range(experiment.replicates):
        for index, which, case, point, repeat, scenario in points:
            rows.append({
                "run_id": run_id(scenario, replicate, repeat),
                "point": index,
                "case": case,
                "scenario": labels[which],
                **point,
                "replicate": replicate,
                "seed_entropy": str(experiment.seed),
                "spawn_key": f"{case},{replicate}",
                "seed": run_seed(experiment.seed, case, replicate),
                "status": "pending",
                "error": "",
            })
    return pd.DataFrame(rows), scenarios
