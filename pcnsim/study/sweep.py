"""Run an experiment's design: in chunks, on local processes or a Dask cluster, resumably.

Layout of an output folder:
- runs.parquet: the design table (written first, status updated at the end);
- timeseries/part-NNNNN.parquet: recorded outcomes of one chunk of runs;
- status/part-NNNNN.parquet: each run of that chunk, ok or failed with its error.
A part is written under a temporary name and renamed, and a chunk's status is
written after its timeseries, so a status file means the chunk is complete.
A sweep killed at any point and run again does only the chunks without one.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from concurrent.futures import Executor, as_completed
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Scenario, ScenarioError
from .experiment import Experiment, design_table


def run_chunk(runs: list[dict], scenarios: dict[int, dict], steps_every: int, outcomes: list[str]):
    """Run a chunk of runs in a worker; returns (timeseries, status) tables. Never raises for a bad run.

    Runs of the chunk that share a shape are stepped together as one batch (pcnsim.engine.batch).
    """
    from ..engine.batch import simulate
    from ..engine.outcomes import OUTCOMES

    columns = ["run_id", "step", *outcomes]
    picked = [OUTCOMES.index(name) for name in ("step", *outcomes)]
    ready, status = [], {}
    for run in runs:
        try:
            ready.append((run, Scenario.model_validate(scenarios[run["point"]])))
        except Exception as exc:
            status[run["run_id"]] = ("failed", _describe(exc))
    results = simulate([s for _, s in ready], [run["seed"] for run, _ in ready], steps_every)
    blocks, ids = [], []
    for (run, _), result in zip(ready, results):
        if isinstance(result, Exception):
            status[run["run_id"]] = ("failed", _describe(result))
            continue
        blocks.append(result[:, picked])
        ids.append(np.full(len(result), run["run_id"], dtype=object))
        status[run["run_id"]] = ("ok", "")
    if blocks:
        values = np.concatenate(blocks)
        timeseries = pd.DataFrame(values[:, 1:], columns=list(outcomes))
        timeseries.insert(0, "step", values[:, 0].astype(np.int64))
        timeseries.insert(0, "run_id", np.concatenate(ids))
    else:
        timeseries = pd.DataFrame(columns=columns)
    table = pd.DataFrame([(r["run_id"], *status[r["run_id"]]) for r in runs], columns=["run_id", "status", "error"])
    return timeseries, table


def _describe(exc: Exception) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({Path(last.filename).name}:{last.lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    frame.to_parquet(temporary, index=False)
    os.replace(temporary, path)


@contextmanager
def executor(workers: int, scheduler: str | None) -> Iterator[Executor]:
    """Local processes by default (loky: works from scripts and notebooks), or a running Dask cluster."""
    if scheduler:
        from distributed import Client

        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise ScenarioError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        with client:
            yield client.get_executor(pure=False)
        return
    from loky import get_reusable_executor

    yield get_reusable_executor(max_workers=workers)


def _chunks(table: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    return [table.iloc[i:i + size] for i in range(0, len(table), size)]


def prepare(experiment: Experiment, folder: Path, source: str, out: Path) -> tuple[pd.DataFrame, list[dict]]:
    """Write (or check) the design table in `out`; refuse a folder that holds another experiment."""
    table, scenarios = design_table(experiment, folder, source)
    runs_file = out / "runs.parquet"
    if runs_file.exists():
        existing = pd.read_parquet(runs_file, columns=["run_id"])
        if existing["run_id"].tolist() != table["run_id"].tolist():
            raise ScenarioError(f"{out}: holds results of a different experiment design; use another --out")
    else:
        _write_atomic(table, runs_file)
    (out / "timeseries").mkdir(exist_ok=True)
    (out / "status").mkdir(exist_ok=True)
    return table, scenarios


def run(experiment: Experiment, out: Path, *, folder: Path = Path("."), workers: int = 1,
        scheduler: str | None = None, progress: bool = True, source: str | None = None) -> pd.DataFrame:
    """Run whatever is missing from `out` and return the design table with each run's status.

    `folder` is where the experiment's scenario paths are relative to; `source`
    names the experiment in error messages (default: its name).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table, scenarios = prepare(experiment, Path(folder), source or experiment.name, out)
    chunks = _chunks(table, experiment.chunk_size)
    todo = [i for i in range(len(chunks)) if not (out / "status" / f"part-{i:05d}.parquet").exists()]
    needed = {int(p) for i in todo for p in chunks[i]["point"].unique()}
    by_point = {p: scenarios[p] for p in needed}
    failures = 0
    if todo:
        with executor(workers, scheduler) as pool:
            bar = _progress_bar(sum(len(chunks[i]) for i in todo), len(table), progress)
            futures = {}
            for i in todo:
                runs = chunks[i][["run_id", "point", "seed"]].to_dict("records")
                points = {r["point"]: by_point[r["point"]] for r in runs}
                futures[pool.submit(run_chunk, runs, points, experiment.record_every, experiment.outcomes)] = i
            for future in as_completed(futures):
                i = futures[future]
                timeseries, status = future.result()
                _write_atomic(timeseries, out / "timeseries" / f"part-{i:05d}.parquet")
                _write_atomic(status, out / "status" / f"part-{i:05d}.parquet")
                failures += int((status["status"] == "failed").sum())
                bar.update(len(status))
                bar.set_postfix(failed=failures)
            bar.close()
    status = pd.concat([pd.read_parquet(p) for p in sorted((out / "status").glob("part-*.parquet"))], ignore_index=True)
    table = table.drop(columns=["status", "error"]).merge(status, on="run_id", how="left")
    table["status"] = table["status"].fillna("pending")
    table["error"] = table["error"].fillna("")
    _write_atomic(table, out / "runs.parquet")
    return table


def _progress_bar(todo: int, total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=todo, desc=f"runs ({total - todo} of {total} already done)", unit="run",
                disable=not enabled, dynamic_ncols=True)


def summarise(out: Path, table: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Per design point, recorded step and outcome: n, mean, sd and 95% CI, streamed part by part.

    Means and variances are merged chunk by chunk (Chan et al.'s pairwise
    update), in part order, so memory stays flat and the result is the same
    whatever order the chunks finished in.
    """
    from ..outputs.stats import half_width

    point_of = table.set_index("run_id")["point"]
    n = mean = m2 = None
    for part in sorted((out / "timeseries").glob("part-*.parquet")):
        frame = pd.read_parquet(part)
        if frame.empty:
            continue
        frame["point"] = point_of.loc[frame["run_id"]].to_numpy()
        grouped = frame.groupby(["point", "step"])[outcomes]
        part_n, part_mean = grouped.count(), grouped.mean()
        part_m2 = grouped.var(ddof=0) * part_n
        if n is None:
            n, mean, m2 = part_n, part_mean, part_m2
            continue
        index = n.index.union(part_n.index)
        a_n, b_n = n.reindex(index, fill_value=0), part_n.reindex(index, fill_value=0)
        a_mean, b_mean = mean.reindex(index).fillna(0.0), part_mean.reindex(index).fillna(0.0)
        a_m2, b_m2 = m2.reindex(index).fillna(0.0), part_m2.reindex(index).fillna(0.0)
        total = a_n + b_n
        safe = total.where(total > 0, 1)
        delta = b_mean - a_mean
        mean = a_mean + delta * b_n / safe
        m2 = a_m2 + b_m2 + delta**2 * a_n * b_n / safe
        n = total
    if n is None:
        return pd.DataFrame()
    sd = np.sqrt(m2 / (n - 1).where(n > 1))
    half = half_width(sd, n)
    long = pd.concat({"n": n, "mean": mean.where(n > 0), "sd": sd, "ci_low": mean - half, "ci_high": mean + half},
                     axis=1)
    long = long.stack(level=1, future_stack=True).rename_axis(["point", "step", "outcome"]).reset_index()
    points = table.drop_duplicates("point").drop(columns=["run_id", "replicate", "seed_entropy", "spawn_key", "seed",
                                                          "status", "error"])
    return points.merge(long, on="point")
