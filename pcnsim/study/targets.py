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

from ..config import ScenarioError
from ..config import load as load_scenario
from ..config.files import read_section
from ..config.schema import SEED_MAX, FilePath, Label, Real, Section, Text, Week
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


class Targets(Section):
    scenario: FilePath
    overrides: Annotated[list[Annotated[str, Field(max_length=10_000)]], Field(max_length=1_000)] = []
    seeds: Annotated[list[Annotated[int, Field(ge=0, le=SEED_MAX)]], Field(min_length=2, max_length=MAX_SEEDS)]
    targets: Annotated[list[Target], Field(min_length=1, max_length=MAX_TARGETS)]

    @model_validator(mode="after")
    def _names_unique(self):
        names = [t.name for t in self.targets]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"target names must be unique: {', '.join(repeated)} repeated")
        return self


def load(path: str | Path):
    """A validated targets file and its scenario (overrides applied), each checked with one-line errors."""
    path = Path(path)
    targets = read_section(path, Targets, "a targets file", "targets-file fields")
    scenario = load_scenario(path.parent / targets.scenario, targets.overrides)
    for t in targets.targets:
        weeks = [t.week] + ([t.measure.from_week] if t.measure.kind == "change" else [])
        if max(weeks) > scenario.steps:
            raise ScenarioError(f"{path}: targets.{t.name}.week: {max(weeks)} is after the scenario's last week "
                                f"({scenario.steps})")
        if t.measure.kind.startswith("pcn_") and t.week % scenario.record_levels_every:
            raise ScenarioError(f"{path}: targets.{t.name}.week: PCN measures are read every "
                                f"{scenario.record_levels_every} weeks (record_levels_every); {t.week} is not one")
    return targets, scenario


def _runs(scenario, seeds: list[int], weeks: list[int]) -> tuple[dict, dict]:
    """National rows and per-PCN rows of every run at each of `weeks`: {week: [row per run]}, {week: [rows per run]}.

    One batch per seed: a generated England differs in size from seed to seed, so its runs do not share a shape.
    """
    from ..engine.batch import Batch

    national: dict[int, list] = {week: [] for week in weeks}
    pcns: dict[int, list] = {week: [] for week in weeks}
    for seed in seeds:
        batch = Batch.of([scenario], [seed])
        if 0 in national:
            national[0].append(batch.outcomes[0].copy())
            pcns[0].append(batch.pcn_outcomes()[0])
        for rows in batch.advance(max(weeks)):
            if batch.week in national:
                national[batch.week].append(rows[0].copy())
                pcns[batch.week].append(batch.pcn_outcomes()[0])
    return {week: np.array(rows) for week, rows in national.items()}, pcns


def measured(target: Target, national: dict, pcns: dict) -> np.ndarray:
    """The target's measure in every run."""
    m, week = target.measure, target.week
    if m.kind == "national":
        return national[week][:, OUTCOMES.index(m.outcome)]
    if m.kind == "ratio":
        num, den = national[week][:, OUTCOMES.index(m.outcome)], national[week][:, OUTCOMES.index(m.denominator)]
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    if m.kind == "change":
        column = OUTCOMES.index(m.outcome)
        return national[week][:, column] - national[m.from_week][:, column]
    column = PCN_OUTCOMES.index(m.outcome)
    if m.kind == "pcn_spread":
        return np.array([np.nanstd(rows[:, column]) for rows in pcns[week]])
    low = -np.inf if m.above is None else m.above
    high = np.inf if m.below is None else m.below
    return np.array([((rows[:, column] >= low) & (rows[:, column] < high)).mean() for rows in pcns[week]])


def evaluate(targets: Targets, scenario) -> pd.DataFrame:
    """One row per target: its band, the simulated mean, the 2.5% and 97.5% points over seeds, and whether the mean
    is in the band."""
    weeks = sorted({t.week for t in targets.targets}
                   | {t.measure.from_week for t in targets.targets if t.measure.kind == "change"})
    national, pcns = _runs(scenario, list(targets.seeds), weeks)
    rows = []
    for t in targets.targets:
        values = measured(t, national, pcns)
        mean = float(np.nanmean(values))
        rows.append({"target": t.name, "source": t.source, "week": t.week, "low": t.band[0], "high": t.band[1],
                     "mean": mean, "q025": float(np.nanquantile(values, 0.025)),
                     "q975": float(np.nanquantile(values, 0.975)), "runs": int(np.isfinite(values).sum()),
                     "in_band": bool(t.band[0] <= mean <= t.band[1])})
    return pd.DataFrame(rows)


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
