"""Per-run results: one row per run with its parameters, seed and scalar outcomes (`runs_summary`).

Scalars are read from each run's recorded weeks, part by part, so memory
holds one part and the crossover outcome's curves, never the whole sweep:
- `{outcome}_w{week}`: the value at each checkpoint week (the experiment's
  `checkpoints`, or 26, 52, 156 and each run's last week), empty past a run's end;
- each declared scalar under its own name (`Scalar`: at, first_above,
  first_below, total, mean, max, min);
- `crossover_{outcome}` when the experiment compares scenarios and names a
  crossover outcome: on a run of the second or a later scenario, the first
  recorded week from which it stays strictly above its paired run (the first
  scenario's run with the same case and replicate, hence the same seed) to
  the last week both recorded; empty if it never does, and on the first
  scenario's runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..outputs.stats import CHECKPOINTS, crossover
from .experiment import Experiment

DESIGN = ["run_id", "point", "case", "scenario"]
AFTER = ["replicate", "seed", "status"]


def checkpoint_weeks(experiment: Experiment, steps: dict[int, int]) -> list[int]:
    """The weeks a per-run table reports: as declared, else 26, 52, 156 and each run's last week (recorded ones)."""
    if experiment.checkpoints is not None:
        return sorted(set(experiment.checkpoints))
    last = {s - s % experiment.record_every for s in steps.values()}
    longest = max(last) if last else 0
    return sorted({w for w in CHECKPOINTS if w <= longest and w % experiment.record_every == 0} | last)


def _scalar(frame: pd.DataFrame, spec) -> pd.Series:
    """One declared scalar per run of a part (run_id, step, outcomes)."""
    values = frame[["run_id", "step", spec.outcome]]
    if spec.kind == "at":
        return values[values["step"] == spec.week].set_index("run_id")[spec.outcome]
    if spec.kind in ("first_above", "first_below"):
        hit = values[spec.outcome] > spec.threshold if spec.kind == "first_above" else \
            values[spec.outcome] < spec.threshold
        return values[hit].groupby("run_id")["step"].min().astype(float)
    inside = values[values["step"].between(spec.from_week, np.inf if spec.to_week is None else spec.to_week)]
    grouped = inside.groupby("run_id")[spec.outcome]
    return {"total": grouped.sum, "mean": grouped.mean, "max": grouped.max, "min": grouped.min}[spec.kind]()


def _part_scalars(at: pd.DataFrame, frame: pd.DataFrame, experiment: Experiment, weeks: list[int]) -> pd.DataFrame:
    """A part's scalars per run, from its rows at the checkpoint weeks (`at`) and its scalars' columns (`frame`)."""
    at = at.pivot(index="run_id", columns="step", values=list(experiment.outcomes))
    columns = {}
    for outcome in experiment.outcomes:
        for week in weeks:
            columns[f"{outcome}_w{week}"] = at[(outcome, week)] if (outcome, week) in at.columns else np.nan
    result = pd.DataFrame(columns, index=frame["run_id"].unique())
    for name, spec in experiment.scalars.items():
        result[name] = _scalar(frame, spec)
    return result


def crossover_weeks(curves: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
    """Per later run of each pair (`run_id`, `paired`): the first week from which it stays strictly above its pair."""
    wide = curves.pivot(index="step", columns="run_id", values="value")
    result = {}
    for run, paired in zip(pairs["run_id"], pairs["paired"]):
        if run not in wide.columns or paired not in wide.columns:
            continue
        both = wide[[run, paired]].dropna()  # the weeks both recorded (scenarios may run for different lengths)
        week = crossover(both[paired], both[run]) if len(both) else None
        result[run] = np.nan if week is None else float(week)
    return pd.Series(result, dtype=float)


def summarise_runs(out: Path, table: pd.DataFrame, experiment: Experiment, steps: dict[int, int]) -> pd.DataFrame:
    """The per-run table of a sweep whose parts `out/timeseries` are complete; `steps` is each point's last week."""
    weeks = checkpoint_weeks(experiment, steps)
    crossing = experiment.figure.crossover if len(experiment.scenarios) > 1 else None
    if crossing not in experiment.outcomes:
        crossing = None
    pieces, curves = [], []
    # Every outcome at the checkpoint weeks, and at every week only the outcomes a scalar or the crossover reads.
    every_week = sorted({spec.outcome for spec in experiment.scalars.values()} | ({crossing} if crossing else set()))
    for part in sorted((Path(out) / "timeseries").glob("part-*.parquet")):
        at = pd.read_parquet(part, filters=[("step", "in", weeks)])
        frame = pd.read_parquet(part, columns=["run_id", "step", *every_week]) if every_week else at
        if frame.empty:
            continue
        pieces.append(_part_scalars(at, frame, experiment, weeks))
        if crossing:
            curves.append(frame[["run_id", "step", crossing]].rename(columns={crossing: "value"}))
    parameters = [c for c in table.columns if c in experiment.parameters]
    runs = table[DESIGN + parameters + AFTER].set_index("run_id")
    names = [f"{o}_w{w}" for o in experiment.outcomes for w in weeks] + list(experiment.scalars)
    scalars = pd.concat(pieces) if pieces else pd.DataFrame(columns=names)
    runs = runs.join(scalars[names].astype(float), how="left")
    if crossing:
        first = table[table["scenario"] == table["scenario"].iloc[0]].set_index(["case", "replicate"])["run_id"]
        later = table[table["scenario"] != table["scenario"].iloc[0]]
        pairs = pd.DataFrame({"run_id": later["run_id"].to_numpy(),
                              "paired": first.reindex(pd.MultiIndex.from_frame(later[["case", "replicate"]])).to_numpy()})
        runs[f"crossover_{crossing}"] = crossover_weeks(pd.concat(curves), pairs) if curves else np.nan
    return runs.reset_index()
