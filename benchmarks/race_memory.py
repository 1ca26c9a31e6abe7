"""Peak memory of `pcnsim race` (the slides' animation and still) against its 500 MB target.

    .venv/bin/python benchmarks/race_memory.py                 # the default command, outputs in a temporary folder
    .venv/bin/python benchmarks/race_memory.py --out out/race  # keep the files written
    .venv/bin/python benchmarks/race_memory.py -- --seed 3     # options after `--` go to `pcnsim race`

Runs `python -m pcnsim race --out DIR` from this tree (PYTHONPATH set to the repository root) in a fresh
process and, every 20 ms, reads every process of its tree from /proc: each one's VmHWM (the kernel's
high-water mark of its resident set, exact however short the peak) and the sum of their current RSS.
Two figures are held against the target: the pcnsim process's own peak (VmHWM), and the peak of the
whole tree (the pcnsim process and ffmpeg, when there is one) as the largest sampled sum. Also printed:
ffmpeg's own peak, and the two peaks added, an upper bound on the tree that is loose because ffmpeg has
finished before the pcnsim process reaches its peak (writing the GIF). Linux only. Memory is measured
here, never asserted in a test (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 500


def _status_mb(pid: int, field: str) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _tree(root: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(kids.get(pid, []))
    return tree


def measure(out: Path, extra: list[str]) -> dict:
    command = [sys.executable, "-m", "pcnsim", "race", "--out", str(out), *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks: dict[int, float] = {}
    names: dict[int, str] = {}
    tree_sum = 0.0
    while True:
        pid, status, _ = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        now = 0.0
        for pid in _tree(process.pid):
            hwm, rss = _status_mb(pid, "VmHWM"), _status_mb(pid, "VmRSS")
            if hwm is None or rss is None:
                continue
            peaks[pid] = max(peaks.get(pid, 0.0), hwm)
            now += rss
            if pid not in names:
                try:
                    names[pid] = Path(f"/proc/{pid}/comm").read_text().strip()
                except OSError:
                    names[pid] = "?"
        tree_sum = max(tree_sum, now)
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise SystemExit(f"pcnsim race failed (exit {code}):\n{stderr[-2000:]}")
    children = {pid: mb for pid, mb in peaks.items() if pid != process.pid}
    largest = max(children, key=children.get, default=None)
    return {"seconds": seconds, "parent_mb": peaks.get(process.pid, 0.0),
            "child_mb": children.get(largest, 0.0), "child": names.get(largest, "none"),
            "tree_sum_mb": tree_sum, "files": sorted(p.name for p in out.iterdir())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder for the files written (default: a temporary one)")
    parser.add_argument("extra", nargs="*", help="options for `pcnsim race`, after `--`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="race-memory-") as scratch:
        result = measure(args.out or Path(scratch) / "race", args.extra)
    bound = result["parent_mb"] + result["child_mb"]

    def verdict(mb: float) -> str:
        return f"target < {TARGET_MB} MB: " + ("pass" if mb < TARGET_MB else "MISS")

    print(f"pcnsim race {' '.join(args.extra)}".rstrip() + f": {result['seconds']:.0f} s, wrote "
          f"{', '.join(result['files'])}")
    print(f"  peak RSS of the pcnsim process (VmHWM):   {result['parent_mb']:7.0f} MB   {verdict(result['parent_mb'])}")
    print(f"  peak RSS of the tree (sampled sum, 20 ms): {result['tree_sum_mb']:6.0f} MB   "
          f"{verdict(result['tree_sum_mb'])}")
    print(f"  peak RSS of its largest child ({result['child']}): {result['child_mb']:.0f} MB; "
          f"the two peaks added (a loose upper bound): {bound:.0f} MB")

if __name__ == "__main__":
    main()
