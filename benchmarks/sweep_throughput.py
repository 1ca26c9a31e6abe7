"""Sweep throughput and memory, each as a ratio measured side by side in one run.

1. `pcnsim sweep` against `mesa.batch_run` driving the same PCNModel over the
   same design (race and trust_first, N replicates, 260 weekly steps, every
   step recorded), with the same number of worker processes.
2. Peak memory (parent and largest worker) of a 10,000-run sweep against a
   1,000-run sweep of the same design: flat means a ratio near 1, because
   results are streamed to Parquet parts, not held.

Run: .venv/bin/python benchmarks/sweep_throughput.py [--replicates 50] [--workers 2]
Prints a table and writes benchmarks/results/sweep_throughput.csv.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [ROOT / "scenarios" / "race.yaml", ROOT / "scenarios" / "trust_first.yaml"]


def time_sweep(replicates: int, workers: int, steps: int, folder: Path) -> float:
    from pcnsim import experiment, sweep

    path = folder / "bench.yaml"
    path.write_text(json.dumps({"name": "bench", "scenarios": [str(s) for s in SCENARIOS], "replicates": replicates,
                                "steps": steps, "chunk_size": max(1, replicates // 4)}))
    exp, base = experiment.load(path)
    start = time.perf_counter()
    table = sweep.run(exp, folder / "out", folder=base, workers=workers, progress=False)
    sweep.summarise(folder / "out", table, exp.outcomes)
    return time.perf_counter() - start


def time_batch_run(replicates: int, workers: int, steps: int) -> float:
    import mesa

    from pcnsim import PCNModel, load

    scenarios = [load(s, [f"steps={steps}"]) for s in SCENARIOS]
    start = time.perf_counter()
    mesa.batch_run(PCNModel, parameters={"scenario": scenarios}, number_processes=workers,
                   rng=list(range(replicates)), data_collection_period=1, max_steps=steps, display_progress=False)
    return time.perf_counter() - start


MEMORY_PROBE = """
import json, resource, sys
from pathlib import Path
from pcnsim import experiment, sweep
path, out, workers = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
exp, base = experiment.load(path)
table = sweep.run(exp, out, folder=base, workers=workers, progress=False)
sweep.summarise(out, table, exp.outcomes)
from loky import get_reusable_executor
get_reusable_executor().shutdown(wait=True)  # reap the workers so RUSAGE_CHILDREN counts them
print(json.dumps({"parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def peak_memory(runs: int, workers: int, steps: int, folder: Path) -> dict:
    path = folder / f"mem{runs}.yaml"
    path.write_text(json.dumps({"name": f"mem{runs}", "scenarios": [str(SCENARIOS[0])], "replicates": runs,
                                "steps": steps, "chunk_size": 50, "outcomes": ["mean_trust", "milestones_met"]}))
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path), str(folder / f"mem{runs}"), str(workers)],
                            capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]), seconds=time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=50, help="replicates per scenario for the throughput race")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--memory-runs", type=int, default=10_000)
    parser.add_argument("--memory-steps", type=int, default=26, help="steps per run in the memory sweep")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runs = 2 * args.replicates
        ours = time_sweep(args.replicates, args.workers, 260, tmp)
        theirs = time_batch_run(args.replicates, args.workers, 260)
        rows.append({"measure": f"{runs} runs x 260 steps, {args.workers} workers: runs per second",
                     "pcnsim": runs / ours, "reference": runs / theirs, "ratio": theirs / ours,
                     "reference is": "mesa.batch_run, same model and design"})
        small = peak_memory(args.memory_runs // 10, args.workers, args.memory_steps, tmp)
        large = peak_memory(args.memory_runs, args.workers, args.memory_steps, tmp)
        for key in ("parent_mb", "worker_mb"):
            rows.append({"measure": f"peak {key[:-3]} memory (MB), {args.memory_runs} vs {args.memory_runs // 10} runs",
                         "pcnsim": large[key], "reference": small[key], "ratio": large[key] / small[key],
                         "reference is": f"{args.memory_runs // 10}-run sweep of the same design"})
    table = pd.DataFrame(rows)
    print(f"machine: {os.cpu_count()} cores")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    table.assign(cores=os.cpu_count()).to_csv(out / "sweep_throughput.csv", index=False)


if __name__ == "__main__":
    main()
