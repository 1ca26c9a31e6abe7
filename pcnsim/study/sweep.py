"""Run an experiment's design: in chunks, on local processes or a Dask cluster, resumably, into a checked folder.

Layout of an output folder:
- manifest.json: what produced the folder (the experiment as it shapes
  results: pcnsim version, a digest of the model code and the numpy and
  numba versions, root seed, steps, record_every, outcomes,
  chunk_size, a hash of the resolved scenarios and one of the design points),
  the replicates it holds, and, once a sweep has finished, the checksums of
  the files below, which `pcnsim plot`, `sensitivity`, `discover` and
  `report` check;
- experiment.yaml: the experiment as run, its scenarios the copies in
  scenarios/ (each as read, a csv or nhs structure's files copied into
  data/), so `pcnsim sweep DIR/experiment.yaml` reruns it from anywhere;
- points.jsonl: each design point's fully resolved scenario, one per line;
- provenance.json: pcnsim version and commit, Python, platform, packages, and
  each session that ran runs (start, end, runs, workers, executor);
- runs.parquet: the design table with each run's status;
- runs_summary.parquet and runs_summary.csv: one row per run with its
  parameters, seed and scalar outcomes (pcnsim.study.runs);
- timeseries/part-NNNNN.parquet: recorded outcomes of one chunk of runs
  (run_id, step, the outcomes; null where undefined), written by the worker
  that ran the chunk if it sees this folder (the session's token file in
  timeseries/ tells it so), else sent back and written by the sweep process;
- status/part-NNNNN.json: that chunk's runs, ok or failed with the error,
  what produced it and the timeseries part's checksum. The sweep process
  writes it once the part is in place, so it means the chunk is complete.
Every file is written under a temporary name and renamed. A sweep run again
into its folder verifies every finished part and redoes the missing, damaged
or foreign ones; an experiment changed in a way that shapes results is
refused with one line saying what changed. One sweep at a time holds the
folder (flock, released by the kernel if the process dies).
"""
from __future__ import annotations

import io
import json
import textwrap
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, as_completed
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from .. import __version__
from ..config import Scenario, ScenarioError, safe_yaml
from ..outputs.files import STAGING, clear_staging, file_sha256, locked, make_folder, sha256, write_bytes, write_text
from ..outputs.provenance import describe, model_digest
from .experiment import Experiment, canonical, design_table, file_digest
from .runs import summarise_runs


def run_chunk(runs: list[dict], scenarios: dict[int, dict], steps_every: int, outcomes: list[str]):
    """Run a chunk of runs; returns its timeseries as an Arrow table and each run's [run_id, status, error].

    Never raises for a bad run. Runs of the chunk that share a shape are
    stepped together as one batch (pcnsim.engine.batch); their outcome arrays
    go straight into Arrow columns (an undefined value, NaN, as a null).
    """
    import pyarrow as pa

    from ..engine.batch import simulate

    ready, status = [], {}
    for run in runs:
        try:
            ready.append((run, Scenario.model_validate(scenarios[run["point"]])))
        except Exception as exc:
            status[run["run_id"]] = ("failed", _describe(exc))
    results = simulate([s for _, s in ready], [run["seed"] for run, _ in ready], steps_every, ["step", *outcomes])
    blocks, ids, lengths = [], [], []
    for (run, _), result in zip(ready, results):
        if isinstance(result, Exception):
            status[run["run_id"]] = ("failed", _describe(result))
            continue
        blocks.append(result)
        ids.append(run["run_id"])
        lengths.append(len(result))
        status[run["run_id"]] = ("ok", "")
    # Each outcome's weeks are contiguous in the engine's result (`block.T`), so a column is one copy per run.
    values = [np.concatenate([block.T[k] for block in blocks]) if blocks else np.empty(0)
              for k in range(len(outcomes) + 1)]
    columns = [pa.array(ids, pa.string()).take(np.repeat(np.arange(len(ids)), lengths)),
               pa.array(values[0].astype(np.int64))]
    columns += [pa.array(column, from_pandas=True) for column in values[1:]]
    timeseries = pa.Table.from_arrays(columns, schema=timeseries_schema(outcomes))
    return timeseries, [[r["run_id"], *status[r["run_id"]]] for r in runs]


def timeseries_schema(outcomes: list[str]):
    """A timeseries part's columns: run_id, step, then each recorded outcome (float64; null where undefined)."""
    import pyarrow as pa

    return pa.schema([("run_id", pa.string()), ("step", pa.int64()), *((name, pa.float64()) for name in outcomes)])


def run_part(out: str, token: str | None, i: int, runs: list[dict], scenarios: dict[int, dict], steps_every: int,
             outcomes: list[str]) -> dict:
    """A worker's task: run chunk `i` and write its timeseries part into `out` if this worker sees the sweep's
    folder (its session's `token` file is there: a local or shared file system), else send the part's bytes back.

    The part is written under the session's own hidden name and the sweep
    process renames it into place, so a worker left running by a killed
    sweep never writes a part a later session reads. Returns the part's
    checksum and size, each run's status and, only if it could not write
    the part, its bytes: the sweep process records which parts are done.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    timeseries, status = run_chunk(runs, scenarios, steps_every, outcomes)
    sink = pa.BufferOutputStream()
    pq.write_table(timeseries, sink)
    data = sink.getvalue().to_pybytes()
    folder = Path(out) / "timeseries"
    mine = token is not None and (folder / token).is_file()
    if mine:
        write_bytes(folder / f"{token}-{_part(i)}.parquet", data, durable=False)  # checked by its checksum on resume
    return {"status": status, "sha256": sha256(data), "size": len(data), "data": None if mine else data}


def _describe(exc: Exception) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({Path(last.filename).name}:{last.lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@contextmanager
def executor(workers: int, scheduler: str | None) -> Iterator[Executor]:
    """Local processes by default (loky: works from scripts and notebooks), or a running Dask cluster."""
    if scheduler:
        from distributed import Client

        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, ValueError) as exc:
            raise ScenarioError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        with client:
            yield client.get_executor(pure=False)
        return
    from loky import get_reusable_executor

    yield get_reusable_executor(max_workers=workers)


def _chunks(table: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    return [table.iloc[i:i + size] for i in range(0, len(table), size)]


def _digest(value) -> str:
    return sha256(json.dumps(value, sort_keys=True).encode())


MANIFEST = "manifest.json"
FORMAT = 1
RESULTS = 2  # how parts are written (2: by the workers, with pyarrow: run_id a string, no pandas metadata)


def identity(experiment: Experiment, table: pd.DataFrame, scenarios: list[dict]) -> dict:
    """What shapes a sweep's results, field by field, so a changed one can be named.

    The replicates are not part of it: more of them only add runs (with seeds
    of their own) after the existing ones, so a folder can be extended.
    """
    first = table[table["replicate"] == 0]
    return {
        "pcnsim": __version__,
        "results": RESULTS,
        "model": model_digest(("numpy", "numba")),
        "seed": experiment.seed,
        "steps": experiment.steps,
        "record_every": experiment.record_every,
        "outcomes": list(experiment.outcomes),
        "chunk_size": experiment.chunk_size,
        "scenarios": _digest([canonical(scenario) for scenario in scenarios]),
        "design": _digest(first[["run_id", "point", "seed"]].astype(str).values.tolist()),
    }


def _changed(old: dict, new: dict, out: Path) -> ScenarioError:
    """One line: which field of the experiment changed since `out`'s runs were made, and what to do."""
    afresh = f"or start afresh with another --out (or after deleting {out})"
    if old.get("results", 1) != new["results"]:
        return ScenarioError(f"{out}: holds a sweep whose parts an earlier pcnsim wrote (results format "
                             f"{old.get('results', 1)}, this one writes {new['results']}): start afresh with another "
                             f"--out (or after deleting {out})")
    if old.get("pcnsim") == new["pcnsim"] and old.get("model") != new["model"]:
        return ScenarioError(f"{out}: holds a sweep made by other model code or other numpy or numba versions; its "
                             f"runs may differ: {afresh}")
    for field in ("pcnsim", "seed", "steps", "record_every", "outcomes", "chunk_size"):
        if old.get(field) != new[field]:
            was = old.get(field)
            if field == "pcnsim":
                return ScenarioError(f"{out}: holds a sweep made by pcnsim {was}, this is {new[field]}; "
                                     f"its runs may differ: {afresh}")
            shown = ", ".join(was) if isinstance(was, list) else was
            return ScenarioError(f"{out}: holds a sweep run with {field}: {shown}, not {new[field]!s}; "
                                 f"set {field} back to resume it, {afresh}")
    what = ("the resolved scenarios (a scenario file, a structure's data file or a parameter's values)" if old.get("scenarios") !=
            new["scenarios"] else "the design (parameters, design, samples or levels)")
    return ScenarioError(f"{out}: holds a sweep of another experiment: {what} changed since it ran; "
                         f"undo the change to resume it, {afresh}")


def read_manifest(out: Path) -> dict | None:
    """The folder's manifest, or None if it is missing or damaged."""
    try:
        manifest = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = (isinstance(manifest, dict) and manifest.get("format") == FORMAT
          and isinstance(manifest.get("experiment"), dict) and isinstance(manifest.get("files"), dict))
    return manifest if ok else None


def _write_manifest(out: Path, experiment: dict, replicates: int, files: dict) -> None:
    write_text(out / MANIFEST, json.dumps({"format": FORMAT, "experiment": experiment, "replicates": replicates,
                                           "files": files}, indent=1, sort_keys=True) + "\n")


def _part(i: int) -> str:
    return f"part-{i:05d}"


def _read_part_status(out: Path, i: int, runs: list[str]) -> tuple[dict, pd.DataFrame] | None:
    """A finished part's status and what produced it, if its status and timeseries files are intact and
    hold exactly this chunk's runs; None if the part is missing, truncated, garbage or another chunk's."""
    try:
        status = json.loads((out / "status" / f"{_part(i)}.json").read_text(encoding="utf-8"))
        rows = status["runs"]
        ok = (isinstance(status["experiment"], dict) and status["part"] == i and [r[0] for r in rows] == runs
              and all(r[1] in ("ok", "failed") and isinstance(r[2], str) for r in rows))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    if not ok or file_sha256(out / "timeseries" / f"{_part(i)}.parquet") != status["timeseries_sha256"]:
        return None
    return status["experiment"], pd.DataFrame(rows, columns=["run_id", "status", "error"])


def _record_part(out: Path, token: str, i: int, produced_by: dict, done: dict) -> pd.DataFrame:
    """Put part `i` in place (the worker's file renamed, or the bytes it sent back written), then mark it done (its
    status file); returns the part's status table."""
    path = out / "timeseries" / f"{_part(i)}.parquet"
    staged = out / "timeseries" / f"{token}-{path.name}"
    if done["data"] is not None:
        write_bytes(path, done["data"], durable=False)
    elif staged.is_file() and staged.stat().st_size == done["size"]:
        staged.replace(path)
    else:
        raise ScenarioError(f"{out}: a worker reported writing {path.name} but it is not there as written; "
                            "run the same command again to redo it")
    record = {"part": i, "experiment": produced_by, "timeseries_sha256": done["sha256"], "runs": done["status"]}
    write_text(out / "status" / f"{_part(i)}.json", json.dumps(record) + "\n", durable=False)
    return pd.DataFrame(done["status"], columns=["run_id", "status", "error"])


def checked_parts(out: Path, table: pd.DataFrame, chunk_size: int) -> list[Path]:
    """A finished sweep's timeseries parts in order, each checked as a resume checks it (`_read_part_status`: its
    status file intact, its runs this chunk's, its checksum the one recorded): the manifest does not list the
    parts, so a reader of the parts checks them here; a damaged one is a one-line error."""
    parts = []
    for i, chunk in enumerate(_chunks(table, chunk_size)):
        part = Path(out) / "timeseries" / f"{_part(i)}.parquet"
        if _read_part_status(Path(out), i, chunk["run_id"].tolist()) is None:
            raise ScenarioError(f"{out}: timeseries/{part.name} does not match its status file (damaged or replaced); "
                                f"run `pcnsim sweep {out}/experiment.yaml` to redo it")
        parts.append(part)
    return parts


def finished_replicates(manifest: dict | None) -> int:
    """The replicates of the last sweep that finished in the folder (an interrupted extension can be undone)."""
    return manifest.get("replicates", 0) if manifest else 0


def _verify(out: Path, chunks: list[pd.DataFrame], current: dict, replicates: int,
            option: str = "replicates") -> dict[int, pd.DataFrame]:
    """The finished parts of `out` that this experiment can keep, by chunk; refuses a folder of another one.

    A part that is missing or damaged, or a lone part made by another
    experiment among this one's, is simply redone: the same configuration
    gives the same bytes. If the folder itself was made by another
    configuration (its manifest, or failing that its parts, say so), redoing
    would throw away every finished run, so that is refused with one line.
    """
    manifest = read_manifest(out)
    found = {i: _read_part_status(out, i, c["run_id"].tolist()) for i, c in enumerate(chunks)}
    made_by = manifest["experiment"] if manifest else next((p[0] for p in found.values() if p), None)
    if made_by is not None and made_by != current:
        raise _changed(made_by, current, out)
    if manifest is None and made_by is None and not (out / "status").is_dir() and any(out.iterdir()):
        raise ScenarioError(f"{out}: holds files that are not a sweep's; choose another --out (or empty {out})")
    held = finished_replicates(manifest)
    if held > replicates:
        raise ScenarioError(f"{out}: holds {held} finished replicates, more than this experiment's {replicates}; set "
                            f"{option} to {held} or more to keep them, or start afresh with another --out")
    if manifest is None and made_by is None and (out / "runs.parquet").exists() and any(out.glob("status/*.parquet")):
        raise ScenarioError(f"{out}: holds a sweep made by an older pcnsim (no {MANIFEST}); "
                            f"start afresh with another --out (or after deleting {out})")
    return {i: part[1] for i, part in found.items() if part and part[0] == current}


def _remove_strays(out: Path, n: int) -> None:
    """Drop part files that are not one of this sweep's n parts, so `read_parquet(DIR/timeseries)` reads only its own."""
    keep = {f"{_part(i)}{suffix}" for i in range(n) for suffix in (".parquet", ".json")}
    for sub in ("timeseries", "status"):
        clear_staging(out / sub)
        for path in (out / sub).iterdir():
            if path.name not in keep and path.is_file():
                path.unlink()


def run(experiment: Experiment, out: Path, *, folder: Path = Path("."), workers: int = 1,
        scheduler: str | None = None, progress: bool = True, source: str | None = None,
        started: Callable[[], None] | None = None, option: str = "replicates") -> pd.DataFrame:
    """Run whatever is missing from `out`, write its summaries, and return the design table with each run's status.

    `folder` is where the experiment's scenario paths are relative to; `source`
    names the experiment in error messages (default: its name); `started` is
    called once everything is checked, just before the first run; `option` is
    what the user calls the replicates (`compare`: --seeds). Nothing is
    created on disk before the experiment and the executor are known good.
    """
    out = Path(out)
    begun = describe()["time"]
    table, scenarios = design_table(experiment, Path(folder), source or experiment.name)
    current = identity(experiment, table, scenarios)
    chunks = _chunks(table, experiment.chunk_size)
    as_run, copies = resolved_experiment(experiment, Path(folder), table)
    with ExitStack() as stack:
        existed = out.is_dir()
        if existed:
            stack.enter_context(locked(out, wait=False))
            done = _verify(out, chunks, current, experiment.replicates, option)
        todo = [i for i in range(len(chunks)) if not existed or i not in done]
        pool = stack.enter_context(executor(workers, scheduler)) if todo else None
        if not existed:
            make_folder(out)
            stack.enter_context(locked(out, wait=False))
            done = _verify(out, chunks, current, experiment.replicates, option)
            todo = [i for i in range(len(chunks)) if i not in done]
        clear_staging(out)
        for sub in ("timeseries", "status", "scenarios", *({"data"} & {name.split("/")[0] for name in copies})):
            make_folder(out / sub)
            clear_staging(out / sub)
        _remove_strays(out, len(chunks))
        _write_manifest(out, current, min(finished_replicates(read_manifest(out)), experiment.replicates), {})
        write_bytes(out / "runs.parquet", _parquet_bytes(table))
        if todo:
            if started:
                started()
            done.update(_run_parts(pool, out, chunks, todo, scenarios, experiment, current, len(table), progress))
        status = pd.concat([done[i] for i in range(len(chunks))], ignore_index=True)
        table = table.drop(columns=["status", "error"]).merge(status, on="run_id", how="left")
        files = dict(copies)
        files["experiment.yaml"] = safe_yaml.dump(as_run.model_dump(mode="json")).encode("utf-8")
        files["points.jsonl"] = "".join(json.dumps({"point": i, "scenario": sc}, sort_keys=True) + "\n"
                                        for i, sc in enumerate(scenarios)).encode("utf-8")
        files["runs.parquet"] = _parquet_bytes(table)
        files["summary.csv"] = summarise(out, table, experiment.outcomes).to_csv(index=False).encode("utf-8")
        per_run = summarise_runs(out, table, experiment, {i: sc["steps"] for i, sc in enumerate(scenarios)})
        files["runs_summary.parquet"] = _parquet_bytes(per_run)
        files["runs_summary.csv"] = per_run.to_csv(index=False).encode("utf-8")
        files["provenance.json"] = _provenance(out, begun, [len(chunks[i]) for i in todo], workers, scheduler)
        for name, data in files.items():
            write_bytes(out / name, data)
        _remove_old_copies(out, copies)
        _write_manifest(out, current, experiment.replicates, {name: sha256(data) for name, data in files.items()})
    return table


def estimate(experiment: Experiment, out: Path, *, folder: Path = Path("."), workers: int = 1,
              source: str | None = None) -> str:
    """What a sweep into `out` would still run and about how long it would take here, from one part run and timed
    (after the kernels are compiled), with every check a real sweep makes; nothing is written."""
    import time

    out = Path(out)
    table, scenarios = design_table(experiment, Path(folder), source or experiment.name)
    chunks = _chunks(table, experiment.chunk_size)
    done = _verify(out, chunks, identity(experiment, table, scenarios), experiment.replicates) if out.is_dir() else {}
    todo = [i for i in range(len(chunks)) if i not in done]
    runs = sum(len(chunks[i]) for i in todo)
    head = (f"{experiment.name}: {len(table):,} runs ({len(scenarios)} design points x {experiment.replicates} "
            f"replicates) in {len(chunks):,} parts; {runs:,} to do" + (f" ({len(table) - runs:,} already done in {out})"
                                                                       if runs < len(table) else ""))
    if not todo:
        return head
    sample = chunks[todo[0]][["run_id", "point", "seed"]].to_dict("records")
    points = {r["point"]: scenarios[r["point"]] for r in sample}
    run_chunk(sample[:1], {k: dict(v, steps=1) for k, v in points.items()}, 1, experiment.outcomes)  # compile
    clock = time.perf_counter()
    run_chunk(sample, points, experiment.record_every, experiment.outcomes)
    seconds = (time.perf_counter() - clock) / len(sample)
    minutes = runs * seconds / workers / 60
    return (f"{head}; a run took {seconds:.3f} s here (one part of {len(sample)}), so about {minutes:.1f} minutes on "
            f"{workers} worker{'s' if workers > 1 else ''}")


def resolved_experiment(experiment: Experiment, folder: Path, table: pd.DataFrame) -> tuple[Experiment, dict[str, str]]:
    """The experiment as a sweep folder keeps it: its scenarios read once and copied into `scenarios/`, a csv or nhs
    structure's files into `data/` (so the folder reruns wherever it is moved), the experiment naming the copies;
    returns it with each copy's bytes by path."""
    from ..config import read_yaml
    from ..config.files import NETWORK_FILES, resolve_files

    labels = table.drop_duplicates("point").groupby("point")["scenario"].first()
    per_file = len(labels) // len(experiment.scenarios)
    copies, data = {}, {}
    for k, file in enumerate(experiment.scenarios):
        label = "".join(c if c.isalnum() or c in "-_" else "_" for c in labels.iloc[k * per_file]).strip("_")
        name = f"scenarios/{k + 1}-{label or 'scenario'}.yaml"
        scenario = resolve_files(read_yaml(folder / file) or {}, (folder / file).parent)
        network = dict(scenario.get("network") or {})
        for key in NETWORK_FILES:  # the structure's files travel with the folder, named by their contents
            if isinstance(network.get(key), str) and network[key]:
                prefix = file_digest(network[key])[:12]
                base = Path(network[key]).name
                copied = f"data/{base if base.startswith(prefix + '-') else f'{prefix}-{base}'}"
                data[copied] = Path(network[key]).read_bytes()
                network[key] = f"../{copied}"
        if network:
            scenario = {**scenario, "network": network}
        copies[name] = safe_yaml.dump(scenario).encode("utf-8")
    return experiment.model_copy(update={"scenarios": list(copies)}), {**copies, **data}


def _remove_old_copies(out: Path, copies: dict[str, bytes]) -> None:
    for sub in ("scenarios", "data"):
        for path in (out / sub).iterdir() if (out / sub).is_dir() else ():
            if f"{sub}/{path.name}" not in copies and path.is_file():
                path.unlink()


def _provenance(out: Path, begun: str, ran: list[int], workers: int, scheduler: str | None) -> bytes:
    """What made the folder's results, with one entry per session that ran runs (kept across resumes)."""
    try:
        sessions = json.loads((out / "provenance.json").read_text(encoding="utf-8"))["sessions"]
    except (OSError, ValueError, KeyError, TypeError):
        sessions = []
    sessions = sessions if isinstance(sessions, list) else []
    record = describe()
    if ran:
        sessions.append({"started": begun, "finished": record["time"], "runs": sum(ran), "commit": record["commit"],
                         "pcnsim": record["pcnsim"], "executor": scheduler or f"local processes ({workers})"})
    record.pop("time")
    return (json.dumps({**record, "sessions": sessions}, indent=1) + "\n").encode("utf-8")


def _run_parts(pool, out, chunks, todo, scenarios, experiment, current, total, progress) -> dict[int, pd.DataFrame]:
    done, failures = {}, 0
    bar = _progress_bar(sum(len(chunks[i]) for i in todo), total, progress)
    futures = {}
    # Workers that see this file (the same folder, or a shared file system) write their parts themselves.
    token = f"{STAGING}session-{uuid.uuid4().hex}"
    write_bytes(out / "timeseries" / token, b"")
    try:
        for i in todo:
            runs = chunks[i][["run_id", "point", "seed"]].to_dict("records")
            points = {r["point"]: scenarios[r["point"]] for r in runs}
            futures[pool.submit(run_part, str(out), token, i, runs, points, experiment.record_every,
                                experiment.outcomes)] = i
        for future in as_completed(futures):
            i = futures[future]
            try:
                part = future.result()
            except ScenarioError:  # the worker could not write its part (a full disk): its own one line
                raise
            except Exception as exc:  # a worker died (out of memory, killed) or the cluster went away
                why = textwrap.shorten(str(exc), 300)
                raise ScenarioError(f"{out}: a worker stopped ({type(exc).__name__}: {why}); the finished parts are "
                                    "kept: run the same command again to resume") from None
            status = done[i] = _record_part(out, token, i, current, part)
            failures += int((status["status"] == "failed").sum())
            bar.update(len(status))
            bar.set_postfix(failed=failures)
    finally:
        for future in futures:
            future.cancel()
        clear_staging(out / "timeseries")  # the token, and any part a worker wrote after the sweep stopped waiting
        bar.close()
    return done


def read_finished(folder: str | Path) -> tuple[Path, Experiment, pd.DataFrame, pd.DataFrame]:
    """A finished sweep's experiment, design table and summary, each checked against the manifest.

    A folder that is not a sweep's, is still being written, was interrupted or
    has a damaged file is a one-line error saying how to finish or rebuild it.
    """
    from ..config import read_yaml
    from ..config.errors import one_line

    out = Path(folder)
    redo = f"run `pcnsim sweep EXPERIMENT --out {out}` to finish or rebuild it"
    if not out.is_dir():
        raise ScenarioError(f"{out}: no such sweep folder; run `pcnsim sweep EXPERIMENT --out {out}` first")
    manifest = read_manifest(out)
    if manifest is None:
        raise ScenarioError(f"{out}: no readable {MANIFEST}, so not a finished sweep of this pcnsim; {redo}")
    if not manifest["files"]:
        raise ScenarioError(f"{out}: the sweep is still running or was interrupted; {redo}")
    for name, checksum in sorted(manifest["files"].items()):
        if file_sha256(out / name) != checksum:
            raise ScenarioError(f"{out}: {name} is missing or damaged (its checksum differs from {MANIFEST}); {redo}")
    try:
        experiment = Experiment.model_validate(read_yaml(out / "experiment.yaml"))
    except ValidationError as exc:
        raise one_line(Experiment, exc, str(out / "experiment.yaml")) from None
    summary = pd.read_csv(out / "summary.csv") if (out / "summary.csv").stat().st_size > 1 else pd.DataFrame()
    if summary.empty:
        raise ScenarioError(f"{out}: no run of this sweep succeeded, so there is nothing to analyse "
                            "(see the errors in runs.parquet)")
    return out, experiment, pd.read_parquet(out / "runs.parquet"), summary


def _progress_bar(todo: int, total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=todo, desc=f"runs ({total - todo} of {total} already done)", unit="run",
                disable=not enabled, dynamic_ncols=True)


def _literal(path: Path) -> str:
    """`path` as DuckDB reads a file name: with its glob characters escaped, so a `*`, `?` or `[` in a folder's name
    never reads another folder's files. (Streaming the parts from pyarrow instead held them all in memory.)"""
    return "".join(f"[{c}]" if c in "*?[" else c for c in str(path))


def summarise(out: Path, table: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Per design point, recorded step and outcome: n, mean, sd and 95% CI, a group-by streamed over the parts.

    It reads every part in `out/timeseries`: call it on a folder `run` has
    verified and completed. DuckDB reads the parts as one stream, in name
    order, on one thread, so memory stays flat and the sums are added in the
    same order whatever order the chunks finished in, or however many workers
    ran them.
    """
    import duckdb

    from ..outputs.stats import half_width

    parts = sorted((out / "timeseries").glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame()
    columns = ", ".join(f'count("{o}") AS "n {o}", avg("{o}") AS "mean {o}", stddev_samp("{o}") AS "sd {o}"'
                        for o in outcomes)
    with duckdb.connect(config={"threads": 1}) as db:
        db.execute("SET enable_progress_bar = false")  # the sweep's own progress is shown; this one would mix in
        db.register("runs", table[["run_id", "point"]])
        wide = db.execute(f"SELECT point, step, {columns} FROM read_parquet(?) JOIN runs USING (run_id) "
                          "GROUP BY point, step ORDER BY point, step", [[_literal(p) for p in parts]]).df()
    if wide.empty:
        return pd.DataFrame()
    long = pd.concat({o: wide[["point", "step", f"n {o}", f"mean {o}", f"sd {o}"]].set_axis(
        ["point", "step", "n", "mean", "sd"], axis=1) for o in outcomes}, names=["outcome", None])
    long = long.reset_index(level=0).sort_values(["point", "step"], kind="stable")
    long["n"] = long["n"].astype(np.int64)
    half = half_width(long["sd"], long["n"])
    long["ci_low"], long["ci_high"] = long["mean"] - half, long["mean"] + half
    long = long[["point", "step", "outcome", "n", "mean", "sd", "ci_low", "ci_high"]].reset_index(drop=True)
    points = table.drop_duplicates("point").drop(columns=["run_id", "replicate", "seed_entropy", "spawn_key", "seed",
                                                          "status", "error"])
    return points.merge(long, on="point")
