"""Calibration targets: what the sources say of England's PCNs, as quantities the model can be held to.

A targets file (`calibration/targets.yaml`) names a scenario, the seeds to run
it on, and a list of targets. Each target quotes its source, says which model
quantity it is compared with (`measure`), at which week, and the band the
quantity must fall in, with the reason for the band. `evaluate` runs the
scenario on every seed and gives each target's simulated mean, its spread over
seeds and whether the mean is in the band:

    python -m pcnsim.study.targets calibration/targets.yaml [--out DIR]

Measures (per run; PCN measures read the per-PCN rows, so their week must be a
multiple of the scenario's `record_levels_every`):

- `national`: a national outcome (`outcome`) at the week;
- `ratio`: one national outcome over another (`outcome` / `denominator`);
- `pcn_share`: the share of PCNs whose `outcome` is at least `above`, below `below`, or both (a range);
- `pcn_spread`: the standard deviation over PCNs of `outcome`;
- `change`: a national outcome at the week less its value at `from_week`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ..config import ScenarioError, apply_overrides, read_yaml
from ..config import load as load_scenario
from ..config.files import read_section
from ..config.schema import SEED_MAX, FilePath, Label, Real, Scenario, Section, Text, Week, Whole
from ..engine.outcomes import OUTCOMES, PCN_OUTCOMES

MAX_TARGETS = 200
MAX_SEEDS = 10_000


class Measure(Section):
    kind: Literal["national", "ratio", "pcn_share", "pcn_spread", "change"]
    outcome: Label
    denominator: Label | None = None
    above: Real | None = None
    below: Real | None = None
    from_week: Week | None = None

    @model_validator(mode="after")
    def _complete(self):
        pcn = self.kind in ("pcn_share", "pcn_spread")
        known = PCN_OUTCOMES if pcn else OUTCOMES
        if self.outcome not in known:
            raise ValueError(f"outcome {self.outcome!r} is not a {'PCN' if pcn else 'national'} outcome; known: "
                             + ", ".join(known))
        if self.kind == "ratio" and self.denominator not in OUTCOMES:
            raise ValueError("a ratio needs a denominator: one of the national outcomes")
        if self.kind == "pcn_share" and self.above is None and self.below is None:
            raise ValueError("a pcn_share needs above, below, or both for a range")
        if self.kind == "pcn_share" and self.above is not None and self.below is not None and self.above >= self.below:
            raise ValueError(f"a pcn_share's range is empty: above ({self.above:g}) must be less than below "
                             f"({self.below:g})")
        if self.kind == "change" and self.from_week is None:
            raise ValueError("a change needs from_week")
        return self


class Target(Section):
    name: Label
    source: Label = Field(description="the seed document it rests on (000-004) or a named publication")
    quote: Text = Field(min_length=1)
    measure: Measure
    week: Week
    band: tuple[Real, Real]
    why: Text = Field(min_length=1, description="why this band, from the source's wording")

    @model_validator(mode="after")
    def _band_ordered(self):
        if self.band[0] > self.band[1]:
            raise ValueError(f"band: low ({self.band[0]:g}) is above high ({self.band[1]:g})")
        if self.measure.kind == "change" and self.measure.from_week >= self.week:
            raise ValueError("measure.from_week must be before week")
        return self


def _repeated(names: list[str]) -> list[str]:
    return sorted({n for n in names if names.count(n) > 1})


class FreeParameter(Section):
    key: Label = Field(description="a dotted scenario field, as for --set (e.g. practices.value_spread)")
    low: Real
    high: Real
    why: Text = Field(min_length=1, description="why this prior range")

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class Calibration(Section):
    """What `pcnsim calibrate` fits (pcnsim.study.calibrate): free parameters with prior ranges, and the search."""

    free: Annotated[list[FreeParameter], Field(min_length=1, max_length=50)]
    trials: Annotated[Whole, Field(ge=1, le=100_000)] = 96
    batch: Annotated[Whole, Field(ge=1, le=1_000, description="trials proposed together and run in parallel")] = 8
    startup: Annotated[Whole, Field(ge=0, le=100_000, description="trials drawn uniformly before TPE")] = 16
    seed: Annotated[Whole, Field(ge=0, le=SEED_MAX)] = 0

    @model_validator(mode="after")
    def _consistent(self):
        repeated = _repeated([f.key for f in self.free])
        if repeated:
            raise ValueError(f"free parameters must be named once: {', '.join(repeated)} repeated")
        if self.trials % self.batch:
            raise ValueError(f"trials ({self.trials}) must be a whole number of batches of {self.batch}, so that a "
                             "calibration extended later proposes what one run to the end would have")
        return self


class Targets(Section):
    scenario: FilePath
    overrides: Annotated[list[Annotated[str, Field(max_length=10_000)]], Field(max_length=1_000)] = []
    seeds: Annotated[list[Annotated[int, Field(ge=0, le=SEED_MAX)]], Field(min_length=2, max_length=MAX_SEEDS)]
    targets: Annotated[list[Target], Field(min_length=1, max_length=MAX_TARGETS)]
    calibrate: Calibration | None = None

    @model_validator(mode="after")
    def _names_unique(self):
        repeated = _repeated([t.name for t in self.targets])
        if repeated:
            raise ValueError(f"target names must be unique: {', '.join(repeated)} repeated")
        return self


def load(path: str | Path, overrides: list[str] | None = None):
    """A validated targets file and its scenario (its overrides applied, then `overrides`), each checked with
    one-line errors."""
    path = Path(path)
    targets = read_section(path, Targets, "a targets file", "targets-file fields")
    if overrides:
        targets = targets.model_copy(update={"overrides": [*targets.overrides, *overrides]})
    scenario = load_scenario(path.parent / targets.scenario, targets.overrides)
    for t in targets.targets:
        weeks = [t.week] + ([t.measure.from_week] if t.measure.kind == "change" else [])
        if max(weeks) > scenario.steps:
            raise ScenarioError(f"{path}: targets.{t.name}.week: {max(weeks)} is after the scenario's last week "
                                f"({scenario.steps})")
        if t.measure.kind.startswith("pcn_") and t.week % scenario.record_levels_every:
            raise ScenarioError(f"{path}: targets.{t.name}.week: PCN measures are read every "
                                f"{scenario.record_levels_every} weeks (record_levels_every); {t.week} is not one")
    if targets.calibrate:
        _check_free(path, targets, scenario)
    return targets, scenario


def _check_free(path: Path, targets: Targets, scenario: Scenario) -> None:
    """Each free parameter names a number of the scenario, its range holds the scenario's own value (the
    uncalibrated model is the first trial), and the scenario is valid at both ends of the range."""
    from .experiment import field_problem, integer_fields

    for i, free in enumerate(targets.calibrate.free):
        if free.key in ("seed", "steps"):
            raise ScenarioError(f"{path}: calibrate.free.{i}.key: {free.key} is not a model parameter (the runs take "
                                "the targets file's seeds and its scenario's steps)")
        problem = field_problem(scenario, free.key, targets.scenario)
        if problem:
            raise ScenarioError(f"{path}: calibrate.free.{i}.key: {problem}")
    base = read_yaml(path.parent / targets.scenario)
    overridden = apply_overrides(base or {}, targets.overrides, str(path))
    integral = integer_fields(overridden, [f.key for f in targets.calibrate.free])
    for i, free in enumerate(targets.calibrate.free):
        where = f"{path}: calibrate.free.{i}"
        value = current(scenario, free.key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value is None:
            raise ScenarioError(f"{where}.key: {free.key} is {value!r}, not a number; free parameters are numbers")
        whole = free.key in integral
        if whole and not (float(free.low).is_integer() and float(free.high).is_integer()):
            raise ScenarioError(f"{where}: {free.key} takes whole numbers; give whole numbers for low and high")
        if not free.low <= value <= free.high:
            raise ScenarioError(f"{where}: the scenario's {free.key} ({value:g}) is outside [{free.low:g}, "
                                f"{free.high:g}]; the range must hold it (the uncalibrated model is the first trial)")
        for end in (free.low, free.high):
            load_scenario(path.parent / targets.scenario,
                          [*targets.overrides, f"{free.key}={int(end) if whole else float(end)!r}"])


def current(scenario: Scenario, key: str):
    """The value of a dotted field of a scenario."""
    node = scenario
    for part in key.split("."):
        node = node[int(part)] if isinstance(node, (list, tuple)) else getattr(node, part)
    return node


def weeks_read(targets: list[Target]) -> list[int]:
    """Every week a target reads: its own and, for a change, the week it is measured from."""
    return sorted({t.week for t in targets} | {t.measure.from_week for t in targets if t.measure.kind == "change"})


def run_values(targets: list[Target], scenario: Scenario, seed: int) -> np.ndarray:
    """Each target's measure in one run of `scenario` with `seed` (NaN where it is undefined, e.g. nothing due).

    A plain function of its arguments, so sweeps' executors can run it in their workers.
    """
    from ..engine.batch import Batch

    weeks = weeks_read(targets)
    national, pcns = {}, {}
    batch = Batch.of([scenario], [seed])
    if 0 in weeks:
        national[0], pcns[0] = batch.outcomes[0].copy(), batch.pcn_outcomes()[0]
    for rows in batch.advance(max(weeks)):
        if batch.week in weeks:
            national[batch.week], pcns[batch.week] = rows[0].copy(), batch.pcn_outcomes()[0]
    return np.array([measured(t, national, pcns) for t in targets], dtype=float)


def measured(target: Target, national: dict, pcns: dict) -> float:
    """The target's measure in one run, from its national row and per-PCN rows at each week read."""
    m, week = target.measure, target.week
    if m.kind == "national":
        return national[week][OUTCOMES.index(m.outcome)]
    if m.kind == "ratio":
        den = national[week][OUTCOMES.index(m.denominator)]
        return national[week][OUTCOMES.index(m.outcome)] / den if den > 0 else np.nan
    if m.kind == "change":
        column = OUTCOMES.index(m.outcome)
        return national[week][column] - national[m.from_week][column]
    values = pcns[week][:, PCN_OUTCOMES.index(m.outcome)]
    if m.kind == "pcn_spread":
        return float(np.nanstd(values))
    low = -np.inf if m.above is None else m.above
    high = np.inf if m.below is None else m.below
    return float(((values >= low) & (values < high)).mean())


def summarise(targets: list[Target], values: np.ndarray) -> pd.DataFrame:
    """One row per target from its measure in every run (`values`: runs x targets): its band, the mean over runs,
    the 2.5% and 97.5% points, the runs it is defined in, whether the mean is in the band, and its distance outside
    the band in band widths (0 inside)."""
    rows = []
    for t, column in zip(targets, np.asarray(values, dtype=float).T):
        finite = column[np.isfinite(column)]
        mean = float(finite.mean()) if len(finite) else np.nan
        low, high = t.band
        rows.append({"target": t.name, "source": t.source, "week": t.week, "low": low, "high": high, "mean": mean,
                     "q025": float(np.quantile(finite, 0.025)) if len(finite) else np.nan,
                     "q975": float(np.quantile(finite, 0.975)) if len(finite) else np.nan, "runs": len(finite),
                     "in_band": bool(low <= mean <= high), "distance": distance(mean, low, high)})
    return pd.DataFrame(rows)


UNDEFINED_DISTANCE = 10.0  # a target with no run where it is defined counts as ten band widths away


def distance(mean: float, low: float, high: float) -> float:
    """How far `mean` lies outside [low, high], in band widths (0 inside; a band of one point counts as width 1)."""
    if not np.isfinite(mean):
        return UNDEFINED_DISTANCE
    return max(low - mean, mean - high, 0.0) / ((high - low) or 1.0)


def evaluate(targets: Targets, scenario: Scenario) -> pd.DataFrame:
    """`summarise` over the targets file's seeds, run one after another."""
    values = [run_values(targets.targets, scenario, seed) for seed in targets.seeds]
    return summarise(targets.targets, np.array(values))


def table_md(result: pd.DataFrame) -> str:
    lines = ["| target | source | week | band | simulated mean [2.5%, 97.5%] | in band |", "|---|---|---|---|---|---|"]
    for r in result.itertuples():
        lines.append(f"| `{r.target}` | {r.source} | {r.week} | {r.low:g} – {r.high:g} | "
                     f"{r.mean:.3f} [{r.q025:.3f}, {r.q975:.3f}] | {'yes' if r.in_band else '**no**'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcnsim.study.targets", description=__doc__.splitlines()[0])
    parser.add_argument("targets", help="a targets file (calibration/targets.yaml)")
    parser.add_argument("--out", type=Path, help="write targets.csv and targets.md here")
    args = parser.parse_args(argv)
    try:
        targets, scenario = load(args.targets)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = evaluate(targets, scenario)
    print(table_md(result), end="")
    print(f"{int(result.in_band.sum())} of {len(result)} targets in band ({len(targets.seeds)} runs of "
          f"{targets.scenario})")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, text in (("targets.csv", result.to_csv(index=False)), ("targets.md", table_md(result))):
            tmp = args.out / (name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
