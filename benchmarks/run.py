"""Benchmarks of the fast path against the per-agent reference and a lower bound, side by side in one run.

Every figure is a ratio of two things measured in the same invocation on the
same machine (other jobs may share it), never an absolute time target:

1. National step: seconds per week of the batched engine (`Batch.advance(1)`
   on scenarios/england.yaml, median over N weeks after a warm-up that loads
   or compiles the kernels) against the per-agent reference
   (`pcnsim.reference.ReferenceModel`, same scenario and seed), their weeks
   alternating in one process (up to 20, within a time budget).
   Target: reference / engine >= 50.
2. Sweep throughput: runs per second of the `pcnsim sweep` command (wall
   time of the whole command: 1,000 replicates of scenarios/baseline.yaml,
   520 weeks, every outcome recorded every week, workers = cores) against
   `mesa.batch_run(ReferenceModel, ...)` on the same scenario with the same
   number of processes and every outcome collected every week, on the same
   number of runs unless they would overrun a time budget (then fewer; the
   figure is runs per second either way). The sweep command runs before and
   after batch_run and their mean is used; CPU time per run of both is shown
   as a cross-check. Target: sweep / batch_run >= 30. The same command at
   10,000 replicates (`--large-sweep`, 2,000 with --quick), run once, against
   the same batch_run rate: target >= 100.
3. Lower bound: drawing each run's uniforms exactly as `Batch.advance` does
   (same generators and follow-through streams, `engine.draws.weeks_of` with the batch's `Layout`) plus
   copying every array of the batch's state once per week into a
   preallocated buffer. Reported as fast path / bound (target <= 5) for the
   national week, for the whole sweep command (bound split ideally over the
   workers) and for the sweep's stepping alone (`Batch.advance` over the
   sweep's chunks in one process).
4. Peak memory (max RSS) of each side, each benchmark in its own process
   tree: the process's own ru_maxrss, and for the sweep and batch_run the
   VmHWM of every process in the tree, sampled every 50 ms; the larger
   sweep's against the 1,000-run one's. With `--flatness RUNS`, also a
   RUNS-run sweep's peak against a RUNS/10 one (26 weeks).
5. Cost per member-week (members: practices and partner organisations) of
   the engine's national week and of its lower bound (3.), on england.yaml's
   generated network scaled to 0.2, 1, 4 and 10 times its PCNs and ICSs
   (about 1,300 to 65,000 members), each size in its own process: both per
   member-week at each size, the engine's growth from the smallest size to
   the largest, and each size's peak memory.
6. Time to first result: `pcnsim run scenarios/baseline.yaml` with an empty
   XDG_CACHE_HOME (a fresh install's cold numba cache) against the same
   command again with that cache warm, wall and CPU seconds
   (`--no-first-result` skips it).

Run from the repository root:  .venv/bin/python benchmarks/run.py [--quick]
Prints a table and writes benchmarks/results/benchmarks.csv (and the raw
stage outputs in benchmarks.json), with the machine's core count, the Python,
numpy, numba and Mesa versions, the commit and the date.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
ENGLAND = ROOT / "scenarios" / "england.yaml"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
STEPS = 520
SCALES = (0.2, 1, 4, 10)  # network sizes for the cost per member-week, as multiples of england.yaml's
sys.path.insert(0, str(ROOT / "benchmarks"))
from _common import REFERENCE, outcomes_of, reference_class  # noqa: E402  (this folder, also for stages)

START = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - START:6.1f}s] {message}", flush=True)


def note(message: str) -> None:
    """Progress from inside a stage (its stdout carries the result, so this goes to stderr)."""
    print(f"           {message}", file=sys.stderr, flush=True)


def own_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# ----------------------------------------------------------------- the lower bound


def bound_advance(generators, follow, per: int, members: int, weeks: int, arrays, buffers) -> None:
    """What `Batch.advance(weeks)` must do at the least: its draws, in its blocks, and one pass over the state.

    The draws are the same calls on the same generators as in `Batch.advance`
    (`engine.draws.weeks_of` on each run's stream and on its follow-through
    stream); instead of the engine's step, every array of the state is copied
    once into a preallocated buffer.
    """
    import numpy as np

    from pcnsim.engine.draws import weeks_of

    for _ in zip(weeks_of(generators, per, weeks), weeks_of(follow, members, weeks)):
        for array, buffer in zip(arrays, buffers):
            np.copyto(buffer, array)


def state_arrays(batch) -> list:
    from pcnsim.engine.state import items

    return [array for _, array in items(batch.state)]


# ----------------------------------------------------------------- stages (each runs in its own process)


def stage_warm(p: dict) -> dict:
    """Load (or compile, if an engine edit invalidated the cache) the kernels once, outside any timing."""
    from pcnsim import load
    from pcnsim.engine.batch import simulate

    start = time.perf_counter()
    simulate([load(BASELINE, ["steps=2"])], [0])
    return {"seconds": time.perf_counter() - start}


def scaled(scale: float) -> list[str]:
    """Overrides making england.yaml's generated network `scale` times as large (PCNs and ICSs alike, so
    PCNs per ICS, practices per PCN and ties per practice stay as they are)."""
    from pcnsim import load

    network = load(ENGLAND).network
    return [f"network.pcns={round(network.pcns * scale)}", f"network.systems={max(1, round(network.systems * scale))}"]


def stage_national_engine(p: dict) -> dict:
    import numpy as np

    from pcnsim import load
    from pcnsim.engine.batch import Batch

    scenario = load(ENGLAND, [f"steps={STEPS}", *scaled(p.get("scale", 1))])
    start = time.perf_counter()
    batch = Batch.of([scenario], [scenario.seed])
    build = time.perf_counter() - start
    start = time.perf_counter()
    for _ in batch.advance(p["warmup"]):
        pass
    warmup = time.perf_counter() - start
    peak = own_peak_mb()  # the engine's own peak, before the bound's buffers exist
    generators = [np.random.default_rng(scenario.seed)]
    from pcnsim.engine.draws import follow_stream

    follow = [follow_stream(g) for g in generators]
    arrays = state_arrays(batch)
    buffers = [np.empty_like(array) for array in arrays]
    engine, bound = [], []
    note(f"engine: built in {build:.1f} s, warm-up ({p['warmup']} weeks, kernels loaded) {warmup:.1f} s; "
         f"timing {p['weeks']} weeks, each followed by one bound week")
    for _ in range(p["weeks"]):  # interleaved, so load from other jobs hits both alike
        start = time.perf_counter()
        for _ in batch.advance(1):
            pass
        engine.append(time.perf_counter() - start)
        start = time.perf_counter()
        bound_advance(generators, follow, batch.draws_per_week, batch.members, 1, arrays, buffers)
        bound.append(time.perf_counter() - start)
    index = batch.state.index
    return {"build_s": build, "warmup_s": warmup, "week_s": engine, "bound_week_s": bound,
            "engine_s": median(engine), "bound_s": median(bound), "peak_mb": peak,
            "members": int(index.partner.shape[1]), "practices": int((~index.partner[0]).sum()),
            "edges": int(index.src.shape[1]), "pcns": int(index.pcn_start.shape[1] - 1),
            "draws_per_week": int(batch.draws_per_week), "state_mb": sum(a.nbytes for a in arrays) / 1e6,
            "weeks_done": int(batch.week)}


def _outcome_row(model) -> list[float] | None:
    from pcnsim.engine.outcomes import OUTCOMES

    outcomes = outcomes_of(model)
    return None if outcomes is None else [float(outcomes[name]) for name in OUTCOMES]


def stage_national_reference(p: dict) -> dict:
    """The reference's peak memory, then reference and engine weeks interleaved in this one process.

    The peak is read after the reference is built and warmed up, before the
    engine's batch exists. Then the engine's batch is built and brought to the
    same week, and weeks alternate: one engine week (`Batch.advance(1)`), one
    reference week (`step()`), so a change in the machine's load hits both
    alike. At the end both are at the same week and their outcomes are compared.
    """
    from pcnsim import load
    from pcnsim.engine.batch import Batch

    Reference = reference_class()
    scenario = load(ENGLAND, [f"steps={STEPS}"])
    start = time.perf_counter()
    model = Reference(scenario, scenario.seed)
    build = time.perf_counter() - start
    note(f"reference: built in {build:.1f} s; warm-up {p['warmup']} week(s)")
    start = time.perf_counter()
    for _ in range(p["warmup"]):
        model.step()
    warmup = time.perf_counter() - start
    peak = own_peak_mb()
    batch = Batch.of([scenario], [scenario.seed])
    for _ in batch.advance(p["warmup"]):
        pass
    weeks: list[float] = []
    engine: list[float] = []
    began = time.perf_counter()
    while len(weeks) < p["max_weeks"]:
        if len(weeks) >= p["min_weeks"] and time.perf_counter() - began + median(weeks) > p["budget"]:
            break
        start = time.perf_counter()
        for _ in batch.advance(1):
            pass
        engine.append(time.perf_counter() - start)
        start = time.perf_counter()
        model.step()
        weeks.append(time.perf_counter() - start)
        note(f"week {len(weeks)}: reference {weeks[-1]:.3f} s, engine {engine[-1] * 1e3:.2f} ms")
    done = p["warmup"] + len(weeks)
    mine = _outcome_row(model)
    gap = None
    if mine is not None and batch.week == done:  # do the two agree?
        gap = max(0.0 if a != a and b != b else abs(a - b) if a == a and b == b else float("inf")
                  for a, b in zip(mine, batch.outcomes[0].tolist()))  # NaN equals NaN here
    return {"build_s": build, "warmup_s": warmup, "week_s": weeks, "reference_s": median(weeks),
            "engine_week_s": engine, "engine_s": median(engine), "peak_mb": peak, "weeks_done": done,
            "outcome_gap": gap}


def stage_sweep_stepping(p: dict) -> dict:
    """The sweep's stepping alone (`Batch.advance` over its chunks, one process) and the bound on the same batches."""
    import numpy as np

    from pcnsim import load
    from pcnsim.engine import draws
    from pcnsim.engine.batch import Batch

    scenario = load(BASELINE, [f"steps={STEPS}"])
    for _ in Batch.of([scenario] * 2, [0, 1]).advance(2):
        pass
    engine = bound = build = 0.0
    for first in range(0, p["runs"], p["chunk"]):
        seeds = list(range(first, min(first + p["chunk"], p["runs"])))
        start = time.perf_counter()
        batch = Batch.of([scenario] * len(seeds), seeds)
        build += time.perf_counter() - start
        arrays = state_arrays(batch)
        buffers = [np.empty_like(array) for array in arrays]
        generators = [np.random.default_rng(seed) for seed in seeds]
        follow = [draws.follow_stream(g) for g in generators]
        start = time.perf_counter()
        for _ in batch.advance(STEPS):
            pass
        engine += time.perf_counter() - start
        start = time.perf_counter()
        bound_advance(generators, follow, batch.draws_per_week, batch.members, STEPS, arrays, buffers)
        bound += time.perf_counter() - start
    return {"runs": p["runs"], "chunk": p["chunk"], "build_s": build, "engine_s": engine, "bound_s": bound,
            "draws_per_week": int(batch.draws_per_week), "state_kb_per_run": sum(a[0].nbytes for a in arrays) / 1e3}


def stage_sweep_phases(p: dict) -> dict:
    """Where the sweep command's time goes: what `pcnsim sweep` does, phase by phase, in one process.

    Phases: imports; `sweep.run` on a cold pool (workers start, load the
    kernels, build, step and tabulate their chunks; the parent writes Parquet);
    the same `sweep.run` again on the now warm pool into a fresh folder (so the
    difference is the workers' start); the summary and its CSV; the figure.
    """
    start = time.perf_counter()
    from pcnsim.outputs.figures import sweep_figure
    from pcnsim.study import sweep
    from pcnsim.study import experiment as experiments

    phases = {"imports_s": time.perf_counter() - start}
    experiment, folder = experiments.load(p["experiment"])
    out = Path(p["out"])
    start = time.perf_counter()
    table = sweep.run(experiment, out / "cold", folder=folder, workers=p["workers"], progress=False)
    phases["run_cold_pool_s"] = time.perf_counter() - start
    start = time.perf_counter()
    sweep.run(experiment, out / "warm", folder=folder, workers=p["workers"], progress=False)
    phases["run_warm_pool_s"] = time.perf_counter() - start
    start = time.perf_counter()
    summary = sweep.summarise(out / "cold", table, experiment.outcomes)
    summary.to_csv(out / "cold" / "summary.csv", index=False)
    phases["summary_s"] = time.perf_counter() - start
    start = time.perf_counter()
    sweep_figure(experiment, table, summary, out / "cold" / "figure")
    phases["figure_s"] = time.perf_counter() - start
    return phases


def stage_batch_run(p: dict) -> dict:
    import mesa

    os.environ["PCNSIM_BENCH_REFERENCE"] = REFERENCE
    from reference_adapter import ReferenceForBatchRun  # benchmarks/ is this script's folder, so on sys.path

    # Calibrate on a pilot batch_run of two runs per process (one run stepped in this process misjudged the
    # pool's rate several times over); its pool start makes the estimate err towards fewer runs.
    workers = p["workers"]

    def batch(runs: int, first: int):
        return mesa.batch_run(ReferenceForBatchRun, parameters={"scenario_path": str(BASELINE), "steps": STEPS},
                              number_processes=workers, rng=list(range(first, first + runs)),
                              data_collection_period=1, max_steps=STEPS, display_progress=False)

    start = time.perf_counter()
    batch(2 * workers, 10**6)
    per_run = (time.perf_counter() - start) / (2 * workers)
    runs = int(p["budget"] / per_run) // workers * workers
    runs = max(p["min_runs"], min(p["max_runs"], runs))
    note(f"batch_run: about {per_run:.2f} s of wall time per {STEPS}-week run in a pilot of {2 * workers}; running "
         f"{runs} runs on {workers} processes")
    start = time.perf_counter()
    results = batch(runs, 0)
    seconds = time.perf_counter() - start
    return {"runs": runs, "seconds": seconds, "rows": len(results), "calibrated_run_s": per_run,
            "parent_peak_mb": own_peak_mb()}


STAGES = {"warm": stage_warm, "national_engine": stage_national_engine,
          "national_reference": stage_national_reference, "sweep_stepping": stage_sweep_stepping,
          "sweep_phases": stage_sweep_phases, "batch_run": stage_batch_run}


# ----------------------------------------------------------------- process trees and their peak memory


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def _hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_tree(command: list[str], timeout: float | None = None, quiet: bool = False, env: dict | None = None) -> dict:
    """Run a command; wall time, stdout, and the peak RSS of it and of every process it starts.

    VmHWM (a high-water mark) of every process in the tree is sampled every
    50 ms; the command's own figure is also taken from wait4, which covers the
    whole tree it reaped.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err if quiet else None, cwd=ROOT,
                                   env={**os.environ, **(env or {})})
        peaks: dict[int, float] = {}
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            kids = _children()
            tree, todo = [], [process.pid]
            while todo:
                pid = todo.pop()
                tree.append(pid)
                todo.extend(kids.get(pid, []))
            for pid in tree:
                hwm = _hwm_mb(pid)
                if hwm is not None:
                    peaks[pid] = max(peaks.get(pid, 0.0), hwm)
            if timeout and time.perf_counter() - start > timeout:
                process.kill()
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        stdout = out.read()
        err.seek(0)
        stderr = err.read()
    if process.returncode:
        raise RuntimeError(f"{' '.join(command[:4])} ... failed with exit code {process.returncode}\n{stderr}")
    workers = [mb for pid, mb in peaks.items() if pid != process.pid]
    return {"seconds": seconds, "stdout": stdout, "parent_mb": peaks.get(process.pid, 0.0),
            "load_after": os.getloadavg()[0], "cpu_s": usage.ru_utime + usage.ru_stime,
            "largest_child_mb": max(workers, default=0.0), "tree_max_mb": usage.ru_maxrss / 1024,
            "processes": len(peaks)}


def stage(name: str, **params) -> dict:
    """Run one stage in a fresh interpreter; its result and its process tree's peak memory."""
    result = run_tree([sys.executable, str(Path(__file__).resolve()), "--stage", name, "--params",
                       json.dumps(params)])
    data = json.loads(result["stdout"].strip().splitlines()[-1])
    data.update(wall_s=result["seconds"], load_after=result["load_after"], tree_cpu_s=result["cpu_s"],
                tree_parent_mb=result["parent_mb"],
                tree_largest_child_mb=result["largest_child_mb"], tree_max_mb=result["tree_max_mb"])
    return data


# ----------------------------------------------------------------- the benchmarks


def chunk_size(replicates: int, workers: int) -> int:
    """At most 250 runs a chunk, and at least two chunks a worker, so that every worker has work to the end."""
    return max(1, min(250, replicates // (2 * workers)))


def write_experiment(replicates: int, chunk: int, folder: Path, steps: int = STEPS, **fields) -> Path:
    """The sweep benchmark's experiment: one design point, baseline, 520 weeks, every outcome every week."""
    experiment = folder / f"bench_sweep_{replicates}.yaml"
    experiment.write_text(json.dumps({  # JSON is YAML
        "name": "bench_sweep", "description": "benchmarks/run.py: sweep throughput",
        "scenarios": [str(BASELINE)], "replicates": replicates, "steps": steps, "record_every": 1,
        "chunk_size": chunk, "seed": 0, **fields}))
    return experiment


def sweep_command(experiment: Path, replicates: int, workers: int, out: Path) -> dict:
    result = run_tree([sys.executable, "-m", "pcnsim", "sweep", str(experiment), "--out", str(out),
                       "--workers", str(workers)], quiet=True)  # quiet: its progress bar, shown on failure
    if f"{replicates} runs ok" not in result["stdout"]:
        raise RuntimeError(f"pcnsim sweep did not finish every run:\n{result['stdout']}")
    return result


def first_result(folder: Path) -> dict:
    """`pcnsim run scenarios/baseline.yaml` as on a fresh install (an empty cache folder), then again with it warm.

    pcnsim/engine/jit.py keeps numba's cache under $XDG_CACHE_HOME/pcnsim, so
    an empty XDG_CACHE_HOME is a fresh install's; other libraries that cache
    there (matplotlib's font list) start cold too, as they would on a fresh
    install. What the cache holds afterwards is recorded, to show what was built.
    """
    cache = folder / "cache"
    cache.mkdir()
    command = [sys.executable, "-m", "pcnsim", "run", str(BASELINE)]
    runs = {}
    for name in ("cold", "warm"):
        runs[name] = run_tree([*command, "--out", str(folder / name)], quiet=True, env={"XDG_CACHE_HOME": str(cache)})
        runs[name].pop("stdout")
    runs["cache_mb"] = {entry.name: _size_mb(entry) for entry in cache.iterdir()}
    return runs


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
    return sum(f.stat().st_size for f in files) / 1e6


def row(benchmark: str, unit: str, fast: float | None, comparison: float | None, ratio_is: str,
        target: str, detail: str) -> dict:
    ratio = None
    if fast is not None and comparison is not None:
        ratio = {"comparison/fast": comparison / fast, "fast/comparison": fast / comparison}.get(ratio_is)
    verdict = "-"
    if ratio is not None and target.startswith(">="):
        verdict = "pass" if ratio >= float(target[2:].strip().rstrip("x")) else "MISS"
    elif ratio is not None and target.startswith("<="):
        verdict = "pass" if ratio <= float(target[2:].strip().rstrip("x")) else "MISS"
    elif fast is None or comparison is None:
        verdict = "n/a"
    return {"benchmark": benchmark, "unit": unit, "fast": fast, "comparison": comparison, "ratio": ratio,
            "ratio_is": ratio_is, "target": target, "result": verdict, "detail": detail}


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    digits = 2 - int(f"{abs(value):e}".split("e")[1]) if value else 2
    return f"{value:.{max(digits, 2)}f}"


def print_table(rows: list[dict]) -> None:
    header = ["benchmark", "unit", "fast path", "comparison", "ratio", "target", "result"]
    cells = [[r["benchmark"], r["unit"], fmt(r["fast"]), fmt(r["comparison"]),
              "-" if r["ratio"] is None else f"{r['ratio']:.1f}x", r["target"], r["result"]] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    line = lambda items: "  ".join(s.ljust(w) if i < 2 else s.rjust(w) for i, (s, w) in enumerate(zip(items, widths)))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print(line(c))
    print()
    for r in rows:
        print(f"- {r['benchmark']}: {r['detail']}")


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True)
    return {"cores": os.cpu_count(), "python": platform.python_version(), "numpy": metadata.version("numpy"),
            "numba": metadata.version("numba"), "mesa": metadata.version("mesa"),
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "commit": commit.stdout.strip() + ("+edits" if dirty.stdout.strip() else ""),
            "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (under 2 minutes): fewer weeks, "
                        "runs and replicates; its ratios are indicative only")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes for the sweep and "
                        "for batch_run (default: the core count)")
    parser.add_argument("--replicates", type=int, help="sweep replicates (default 1000; 200 with --quick)")
    parser.add_argument("--reference-budget", type=float, help="seconds of reference weeks on the national "
                        "network (default 120; 20 with --quick)")
    parser.add_argument("--batch-run-budget", type=float, help="seconds batch_run should take, which sets its "
                        "number of runs, at most the sweep's (default 240; 15 with --quick)")
    parser.add_argument("--large-sweep", type=int, metavar="RUNS", help="replicates of the second, larger sweep "
                        "(default 10000; 2000 with --quick)")
    parser.add_argument("--no-first-result", action="store_true", help="skip the time to first result of `pcnsim "
                        "run` on a fresh install (it compiles every kernel: minutes)")
    parser.add_argument("--flatness", type=int, metavar="RUNS", help="also check that a sweep's memory stays flat: "
                        "peak memory of a RUNS-run sweep against a RUNS/10-run one (26 weeks, chunks of 50; "
                        "10000 was the old benchmark's size)")
    parser.add_argument("--stage", choices=list(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        result = STAGES[args.stage](json.loads(args.params))
        print(json.dumps(result))
        return

    quick, workers = args.quick, args.workers
    replicates = args.replicates or (200 if quick else 1000)
    large = args.large_sweep or (2000 if quick else 10000)
    chunk = chunk_size(replicates, workers)
    total = 9 if args.no_first_result else 10
    engine_weeks = 5 if quick else 20
    reference_budget = args.reference_budget or (20.0 if quick else 120.0)
    batch_budget = args.batch_run_budget or (15.0 if quick else 240.0)
    info = machine()
    say(f"benchmarks{' (quick)' if quick else ''}: {info['cores']} cores, Python {info['python']}, numpy "
        f"{info['numpy']}, numba {info['numba']}, Mesa {info['mesa']}, commit {info['commit']}, "
        f"load average {info['load_average']}")
    raw: dict = {"machine": info, "quick": quick, "workers": workers}

    say(f"1/{total} loading the engine's kernels once (compiling them if the cache is stale)")
    raw["warm"] = stage("warm")
    say(f"2/{total} national step, engine: england.yaml, median of {engine_weeks} weeks after 2 warm-up weeks, "
        f"interleaved with the lower bound")
    national = raw["national_engine"] = stage("national_engine", weeks=engine_weeks, warmup=2)
    say(f"3/{total} sweep: `pcnsim sweep` of {replicates} x baseline x {STEPS} weeks, record_every 1, "
        f"chunk_size {chunk}, {workers} workers")
    folder = tempfile.TemporaryDirectory()
    experiment = write_experiment(replicates, chunk, Path(folder.name))
    sweep = raw["sweep"] = sweep_command(experiment, replicates, workers, Path(folder.name) / "out")
    sweep.pop("stdout")
    say(f"4/{total} where the sweep's time goes (the same sweep in one process, phase by phase), then its stepping "
        f"alone and the lower bound: Batch.advance over {replicates // chunk} chunks of {chunk}, one process")
    phases = raw["sweep_phases"] = stage("sweep_phases", experiment=str(experiment),
                                         out=str(Path(folder.name) / "p"), workers=workers)
    shutil.rmtree(Path(folder.name) / "p")
    stepping = raw["sweep_stepping"] = stage("sweep_stepping", runs=replicates, chunk=chunk)

    say(f"5/{total} national step, per-agent reference ({REFERENCE}) on the same network and seed: 1 warm-up "
        f"week, then up to {engine_weeks} weeks (or {reference_budget:.0f} s), alternating with engine weeks")
    reference = raw["national_reference"] = stage(
        "national_reference", warmup=1, min_weeks=2 if quick else 3, max_weeks=engine_weeks,
        budget=reference_budget)
    say(f"6/{total} mesa.batch_run of the reference on baseline x {STEPS} weeks, {workers} processes, every outcome "
        f"collected every week, runs fitted to about {batch_budget:.0f} s")
    batch = raw["batch_run"] = stage("batch_run", workers=workers, budget=batch_budget,
                                     min_runs=workers, max_runs=replicates)
    say(f"7/{total} the same `pcnsim sweep` command again, so that the sweep's time brackets batch_run's")
    again = raw["sweep_again"] = sweep_command(experiment, replicates, workers, Path(folder.name) / "again")
    again.pop("stdout")
    sweep = raw["sweep_both"] = {
        "seconds": (sweep["seconds"] + again["seconds"]) / 2, "cpu_s": (sweep["cpu_s"] + again["cpu_s"]) / 2,
        "walls": [sweep["seconds"], again["seconds"]],
        "parent_mb": max(sweep["parent_mb"], again["parent_mb"]),
        "largest_child_mb": max(sweep["largest_child_mb"], again["largest_child_mb"])}
    say(f"8/{total} the same `pcnsim sweep` command at {large} replicates, once")
    experiment = write_experiment(large, chunk_size(large, workers), Path(folder.name))
    wide = raw["sweep_large"] = sweep_command(experiment, large, workers, Path(folder.name) / "large")
    wide.pop("stdout")
    folder.cleanup()
    others = [scale for scale in SCALES if scale != 1]
    say(f"9/{total} cost per member-week: stage 2 again on england.yaml's network scaled by "
        f"{', '.join(f'{s:g}' for s in others)}, each size in its own process")
    sizes = {1: national, **{scale: stage("national_engine", weeks=engine_weeks, warmup=2, scale=scale)
                             for scale in others}}
    raw["national_engine_scaled"] = {str(scale): sizes[scale] for scale in others}

    rows = build_rows(national, sweep, phases, stepping, reference, batch, replicates, chunk, workers)
    rows += large_sweep_rows(len(rows) + 1, wide, large, sweep, replicates, chunk, batch, workers)
    rows += member_week_rows(len(rows) + 1, sizes)
    if not args.no_first_result:
        say(f"10/{total} time to first result: `pcnsim run` of baseline with an empty cache (a fresh install's), "
            f"then again with it warm")
        with tempfile.TemporaryDirectory() as folder:
            raw["first_result"] = first_result(Path(folder))
        rows += first_result_rows(len(rows) + 1, raw["first_result"])
    if args.flatness:
        say(f"extra: sweep memory flatness, {args.flatness} against {args.flatness // 10} runs of 26 weeks")
        with tempfile.TemporaryDirectory() as folder:
            peaks = {}
            for runs in (args.flatness // 10, args.flatness):
                experiment = write_experiment(runs, 50, Path(folder), steps=26, outcomes=["mean_trust",
                                                                                          "milestones_met"])
                peaks[runs] = sweep_command(experiment, runs, workers, Path(folder) / f"out{runs}")
                peaks[runs].pop("stdout")
        raw["flatness"] = peaks
        small, large = peaks[args.flatness // 10], peaks[args.flatness]
        for key, name in (("parent_mb", "parent"), ("largest_child_mb", "largest worker")):
            rows.append(row(f"{len(rows) + 1} sweep memory flatness, {name}", "MB", large[key], small[key],
                            "fast/comparison", "none", f"peak of a {args.flatness}-run sweep against a "
                            f"{args.flatness // 10}-run one (comparison column): near 1 means results are "
                            f"streamed, not held"))
    print()
    loads = ", ".join(f"{name} {raw[name]['load_after']:.1f}" for name in
                      ("national_engine", "sweep", "sweep_stepping", "national_reference", "batch_run", "sweep_again",
                       "sweep_large") if raw.get(name))
    print(f"machine: {info['cores']} cores; Python {info['python']}, numpy {info['numpy']}, numba {info['numba']}, "
          f"Mesa {info['mesa']}; {info['date']}; commit {info['commit']}; load average at start "
          f"{info['load_average']}{'; QUICK run: indicative only' if quick else ''}")
    print(f"1-minute load average after each stage (other jobs share the machine): {loads}")
    print_table(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_csv(rows, info, quick, RESULTS / "benchmarks.csv")
    (RESULTS / "benchmarks.json").write_text(json.dumps(raw, indent=1, default=str))
    say(f"wrote {RESULTS / 'benchmarks.csv'} and benchmarks.json")


def build_rows(national, sweep, phases, stepping, reference, batch, replicates, chunk, workers) -> list[dict]:
    n = national
    rows = [row(
        "1 national step (england.yaml)", "s/week", reference["engine_s"], reference["reference_s"],
        "comparison/fast", ">= 50x",
        f"{_network(n)}; medians of {len(reference['week_s'])} weeks after 1 warm-up week, engine "
        f"(Batch.advance(1)) and reference (ReferenceModel.step(), built in {reference['build_s']:.1f} s) weeks "
        f"alternating in one process (the engine alone, in row 2: {n['engine_s']:.4f} s/week)"
        + _agreement(reference))]
    rows.append(row(
        "2 national step vs lower bound", "s/week", n["engine_s"], n["bound_s"], "fast/comparison", "<= 5x",
        f"engine = median of {len(n['week_s'])} Batch.advance(1) weeks after 2 warm-up weeks, each followed by one "
        f"bound week: {n['draws_per_week']:,} uniforms drawn as Batch.advance does + one copy of the "
        f"{n['state_mb']:.1f} MB of state arrays"))
    sweep_rate = replicates / sweep["seconds"]
    batch_rate = batch["runs"] / batch["seconds"]
    rows.append(row(
        "3 sweep throughput (baseline)", "runs/s", sweep_rate, batch_rate, "fast/comparison", ">= 30x",
        f"sweep = wall time of the whole `pcnsim sweep` command ({replicates} runs x {STEPS} weeks, all 30 outcomes "
        f"recorded every week, chunk_size {chunk}, {workers} workers: startup, Parquet, summary and figure "
        f"included) = {_walls(sweep)}; batch_run = "
        + (f"{batch['runs']} runs x {STEPS} weeks on {workers} processes, all outcomes collected every week, "
           f"{batch['seconds']:.1f} s. CPU time per run (user + sys of every process, less sensitive to other "
           f"jobs): sweep {sweep['cpu_s'] / replicates * 1e3:.1f} ms, batch_run "
           f"{batch['tree_cpu_s'] / batch['runs'] * 1e3:.1f} ms (ratio "
           f"{batch['tree_cpu_s'] / batch['runs'] / (sweep['cpu_s'] / replicates):.1f}x)")))
    ideal = stepping["bound_s"] * replicates / stepping["runs"] / workers
    rows.append(row(
        "4 sweep command vs lower bound", "s", sweep["seconds"], ideal, "fast/comparison", "<= 5x",
        f"bound = draws + one state copy per week for the {replicates} runs (in chunks of {chunk}), "
        f"{stepping['bound_s']:.2f} s in one process, split ideally over {workers} workers. Where the command's "
        f"time goes (the same sweep again in one process): imports {phases['imports_s']:.1f} s, workers' start "
        f"{phases['run_cold_pool_s'] - phases['run_warm_pool_s']:.1f} s, running the chunks (build, step, outcome "
        f"tables, Parquet) {phases['run_warm_pool_s']:.1f} s, summary {phases['summary_s']:.1f} s, figure "
        f"{phases['figure_s']:.1f} s"))
    rows.append(row(
        "5 sweep stepping vs lower bound", "s", stepping["engine_s"], stepping["bound_s"], "fast/comparison",
        "<= 5x",
        f"Batch.advance({STEPS}) over {stepping['runs'] // stepping['chunk']} batches of {stepping['chunk']} runs "
        f"in one process (building them took {stepping['build_s']:.2f} s more), against the bound on the "
        f"same batches ({stepping['draws_per_week']} uniforms and {stepping['state_kb_per_run']:.1f} kB of state "
        f"per run-week)"))
    rows.append(row(
        "6 peak memory, national", "MB", n["peak_mb"], reference["peak_mb"] if reference else None,
        "comparison/fast", "none", "max RSS of a process building the network and stepping it (engine: after "
        "its warm-up, before the bound's buffers exist; reference: after its warm-up week, before the engine's batch "
        "exists; both processes import numba, as pcnsim.reference uses the engine's constants)"))
    rows.append(row(
        "7 peak memory, sweep parent", "MB", sweep["parent_mb"], batch["parent_peak_mb"],
        "comparison/fast", "none", f"the process that runs `pcnsim sweep` / mesa.batch_run (batch_run keeps all "
        f"results in memory, so its figure grows with its {batch['runs']} runs)"))
    rows.append(row(
        "8 peak memory, sweep largest worker", "MB", sweep["largest_child_mb"],
        batch["tree_largest_child_mb"], "comparison/fast", "none",
        "largest worker process (VmHWM sampled every 50 ms)"))
    return rows


def large_sweep_rows(first: int, wide: dict, runs: int, sweep: dict, replicates: int, chunk: int, batch: dict,
                     workers: int) -> list[dict]:
    """The larger sweep against row 3's batch_run rate (runs per second, measured on fewer runs), and its memory
    against the smaller sweep's."""
    batch_rate = batch["runs"] / batch["seconds"]
    rows = [row(
        f"{first} sweep throughput, {runs:,} runs", "runs/s", runs / wide["seconds"], batch_rate, "fast/comparison",
        ">= 100x", f"the sweep command of row 3 at {runs:,} replicates (chunk_size {chunk_size(runs, workers)}, "
        f"{workers} workers), run once: {wide['seconds']:.1f} s, CPU "
        f"{wide['cpu_s'] / runs * 1e3:.1f} ms per run; batch_run = row 3's rate on its {batch['runs']} runs (at "
        f"that rate {runs:,} runs would take {runs / batch_rate / 60:.0f} min)")]
    for key, name in (("parent_mb", "parent"), ("largest_child_mb", "largest worker")):
        rows.append(row(
            f"{first + len(rows)} peak memory, {runs:,}-run sweep {name}", "MB", wide[key], sweep[key],
            "fast/comparison", "none", f"against the {replicates:,}-run sweep's (rows 7-8, the larger of its two "
            f"runs, chunk_size {chunk}; comparison column): near 1 with equal chunks means a sweep's results are "
            f"streamed, not held"))
    return rows


def member_week_rows(first: int, sizes: dict) -> list[dict]:
    """Engine and bound per member-week at each network size, how the engine's cost grows, and peak memory by size."""
    rows = []
    per = lambda s, key: s[key] * 1e9 / s["members"]  # ns per member-week
    for scale, s in sorted(sizes.items()):
        rows.append(row(
            f"{first + len(rows)} member-week cost, {s['members']:,} members", "ns", per(s, "engine_s"),
            per(s, "bound_s"), "fast/comparison", "none",
            f"england.yaml's network x{scale:g} ({_network(s)}{'; the run of row 2' if scale == 1 else ''}): median"
            f" of {len(s['week_s'])} weeks, engine {s['engine_s'] * 1e3:.2f} ms/week, bound "
            f"{s['bound_s'] * 1e3:.2f} ms/week ({s['draws_per_week']:,} uniforms + {s['state_mb']:.1f} MB of state)"))
    small, large = sizes[min(sizes)], sizes[max(sizes)]
    rows.append(row(
        f"{first + len(rows)} member-week cost growth", "ns", per(large, "engine_s"), per(small, "engine_s"),
        "fast/comparison", "none", f"engine cost per member-week at {large['members']:,} against "
        f"{small['members']:,} members ({large['members'] / small['members']:.0f}x the members; 1x would be "
        f"linear); the bound's cost grew {per(large, 'bound_s') / per(small, 'bound_s'):.1f}x"))
    rows.append(row(
        f"{first + len(rows)} peak memory, national by size", "MB", large["peak_mb"], small["peak_mb"],
        "fast/comparison", "none", "max RSS of each size's own process after its warm-up, before the bound's "
        "buffers exist (largest against smallest): " + ", ".join(
            f"{s['members']:,} members {s['peak_mb']:.0f} MB (state {s['state_mb']:.1f} MB)"
            for _, s in sorted(sizes.items()))))
    return rows


def first_result_rows(first: int, runs: dict) -> list[dict]:
    cold, warm = runs["cold"], runs["warm"]
    cache = ", ".join(f"{name}/ {mb:.2f} MB" for name, mb in sorted(runs["cache_mb"].items()))
    return [
        row(f"{first} time to first result", "s", cold["seconds"], warm["seconds"], "fast/comparison", "none",
            f"wall time of `pcnsim run scenarios/baseline.yaml --out TMP` with XDG_CACHE_HOME an empty folder, as on "
            f"a fresh install (fast path column), against the same command again with that cache warm; the cache "
            f"then held {cache}; peak RSS {cold['tree_max_mb']:.0f} MB cold, {warm['tree_max_mb']:.0f} MB warm; "
            f"1-minute load average after each {cold['load_after']:.1f} and {warm['load_after']:.1f}"),
        row(f"{first + 1} time to first result, CPU", "s", cold["cpu_s"], warm["cpu_s"], "fast/comparison", "none",
            "user + sys of the same two commands (less sensitive to other jobs than wall time)")]


def _network(n: dict) -> str:
    partners = n["members"] - n["practices"]
    return f"{n['practices']:,} practices{f' + {partners:,} partners' if partners else ''}, {n['edges']:,} " \
           f"ties, {n['pcns']:,} PCNs"


def _walls(sweep: dict) -> str:
    if "walls" in sweep:
        return f"mean of {sweep['walls'][0]:.1f} s before and {sweep['walls'][1]:.1f} s after batch_run"
    return f"{sweep['seconds']:.1f} s"


def _agreement(reference: dict) -> str:
    if reference.get("outcome_gap") is None:
        return ""
    return (f"; after {reference['weeks_done']} weeks the two models' national outcomes differ by at most "
            f"{reference['outcome_gap']:.2g}")


def write_csv(rows: list[dict], info: dict, quick: bool, path: Path) -> None:
    import csv

    fields = ["benchmark", "unit", "fast", "comparison", "ratio", "ratio_is", "target", "result", "detail",
              "quick", *info]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "quick": quick, **info})


if __name__ == "__main__":
    main()
