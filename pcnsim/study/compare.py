"""Two scenarios compared: a sweep of the pair on the same seeds, read back as a table with 95% CIs and crossovers.

`pcnsim compare A B` is `pcnsim sweep` of an experiment with scenarios [A, B]
and no parameters: the same seed scheme (run r of each scenario has the
seed spawned with key (0, r)), the same folder, files and resume, so a
comparison and a sweep of the same pair agree to the last bit.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..config import Scenario, dump
from . import sweep
from .experiment import STORY, Experiment, Figure

CHUNK = 10  # runs per part: fixed, so that another --workers resumes the same folder
CROSSOVER = "milestones_met"


class Result(NamedTuple):
    labels: list[str]  # the two scenarios as the folder names them
    checkpoints: pd.DataFrame  # outcome, scenario, week, n, mean, ci_low, ci_high
    crossover: int | None  # week from which the second scenario's mean stays above the first's
    overtakes: int  # paired runs in which the second overtakes the first and stays ahead
    pairs: int  # paired runs, both ok
    median_week: float | None  # median week of those crossovers


def experiment(first: Scenario, second: Scenario, seeds: int, seed: int) -> Experiment:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{first.name}_vs_{second.name}").strip("_.-")[:100] or "compare"
    return Experiment(name=name, description=f"pcnsim compare: {first.name} against {second.name}",
                      scenarios=["1.yaml", "2.yaml"], replicates=seeds, seed=seed, steps=first.steps,
                      chunk_size=CHUNK, figure=Figure(outcomes=STORY, crossover=CROSSOVER))


def run(first: Scenario, second: Scenario, out: Path, *, seeds: int, seed: int, workers: int,
        scheduler: str | None = None, started=None) -> Result:
    """Run (or resume, or extend with more seeds) the comparison into `out`; both scenarios already validated."""
    planned = experiment(first, second, seeds, seed)
    with tempfile.TemporaryDirectory(prefix="pcnsim-compare-") as folder:
        for name, scenario in zip(planned.scenarios, (first, second)):
            (Path(folder) / name).write_text(dump(scenario), encoding="utf-8")
        sweep.run(planned, out, folder=Path(folder), workers=workers, scheduler=scheduler, started=started,
                  source=f"{first.name} vs {second.name}", option="--seeds")
    return read(out)


def read(out: Path) -> Result:
    """The comparison in a finished two-scenario sweep folder."""
    from ..outputs.stats import checkpoint_weeks, crossover

    out, planned, table, summary = sweep.read_finished(out)
    labels = list(dict.fromkeys(table.sort_values("point")["scenario"]))[:2]
    weeks = checkpoint_weeks(summary["step"])
    shown = [o for o in STORY if o in set(summary["outcome"])]
    rows = summary[summary["outcome"].isin(shown) & summary["step"].isin(weeks)]
    checkpoints = rows.rename(columns={"step": "week"})[["outcome", "scenario", "week", "n", "mean", "ci_low",
                                                          "ci_high"]]
    order = {o: i for i, o in enumerate(shown)}
    checkpoints = checkpoints.sort_values(["outcome", "scenario", "week"],
                                          key=lambda c: c.map(order) if c.name == "outcome" else c)
    means = summary[summary["outcome"] == CROSSOVER].pivot_table(index="step", columns="scenario", values="mean")
    cross = crossover(means[labels[0]], means[labels[1]]) if len(labels) == 2 else None
    per_run = pd.read_parquet(out / "runs_summary.parquet")
    column = f"crossover_{CROSSOVER}"
    later = per_run[(per_run["scenario"] == labels[-1]) & (per_run["status"] == "ok")]
    firsts = per_run[(per_run["scenario"] == labels[0]) & (per_run["status"] == "ok")]
    both = later[later["replicate"].isin(firsts["replicate"])]
    weeks_over = both[column].dropna() if column in both else pd.Series(dtype=float)
    return Result(labels, checkpoints.reset_index(drop=True), cross, len(weeks_over), len(both),
                  float(np.median(weeks_over)) if len(weeks_over) else None)


def table(result: Result) -> str:
    """The printed table: each outcome's mean and 95% CI per scenario at each checkpoint week."""
    cells = result.checkpoints.assign(
        value=lambda t: [f"{m:.3f} [{lo:.3f}, {hi:.3f}]" if np.isfinite(m) else "-"
                         for m, lo, hi in zip(t["mean"], t["ci_low"], t["ci_high"])])
    wide = cells.pivot_table(index=["outcome", "scenario"], columns="week", values="value", aggfunc="first", sort=False)
    wide.columns = [f"week {w}" for w in wide.columns]
    return wide.reset_index().to_string(index=False)
