"""The first run after an install (issue 15, item 4): every kernel is compiled once, and the compile is shared out.

`pcnsim.engine.warm` reads which process kernels `start` and `step` call, and
with which types, by running the two as Python; each process must be called
with the same types in both (a kernel called with two signatures is compiled
twice). On a cold cache, a run compiles each kernel once and a second process
loads everything from the cache, compiling nothing.
"""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pcnsim
from pcnsim.config import Scenario
from pcnsim.engine import draws, params, state, warm, week
from pcnsim.engine.batch import wanted
from pcnsim.engine.outcomes import OUTCOMES
from pcnsim.world.build import build


def _calls():
    scenario = Scenario()
    run = state.concatenate([build(scenario, np.random.default_rng(0))[0]])
    layout = draws.of(run, scenario.meetings.per_step * run.pcns.decided.shape[1])
    return warm.calls(run, params.of([scenario]), wanted(None), np.zeros((1, len(OUTCOMES))), layout)


def test_start_and_step_call_each_process_with_the_same_types():
    processes, tops = _calls()
    names = [name for (_, name), _ in processes]
    assert sorted(names) == sorted(set(week.START) | set(week.ORDER) | {"measure", "measure_pcns"})
    assert [name for (_, name), _ in tops] == ["start", "step"]
    theirs, mine = warm.split(processes)
    assert sorted(theirs + mine, key=str) == sorted(processes, key=str)


SCRIPT = """
import hashlib, numpy as np
from pcnsim.config import Scenario
from pcnsim.engine.batch import simulate
print(hashlib.sha256(np.asarray(simulate([Scenario(steps=2)], [3])[0]).tobytes()).hexdigest())
"""


def _run(cache: Path) -> str:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    env.pop("NUMBA_CACHE_DIR", None)
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True,
                          cwd=Path(pcnsim.__file__).parent.parent).stdout.strip()


def _overloads(cache: Path) -> dict[str, int]:
    counts = {}
    for index in cache.rglob("*.nbi"):
        with open(index, "rb") as f:
            pickle.load(f)  # numba's version
            counts[index.name] = len(pickle.loads(f.read())[1])
    return counts


def _files(cache: Path) -> dict[str, int]:
    return {str(f.relative_to(cache)): f.stat().st_mtime_ns for f in cache.rglob("*") if f.is_file()}


@pytest.mark.slow
def test_a_cold_cache_compiles_each_kernel_once_and_a_second_process_only_loads(tmp_path):
    from pcnsim.engine.batch import simulate

    first = _run(tmp_path)
    counts = _overloads(tmp_path)
    assert counts and {name: n for name, n in counts.items() if n > 1} == {}
    compiled = _files(tmp_path)
    assert _run(tmp_path) == first
    assert _files(tmp_path) == compiled
    import hashlib

    here = np.asarray(simulate([Scenario(steps=2)], [3])[0])
    assert hashlib.sha256(here.tobytes()).hexdigest() == first


def test_another_checkouts_compiled_kernels_do_not_count_as_this_ones(tmp_path, monkeypatch):
    """numba files each source folder's entries under a subfolder named from its path: a second checkout of the
    same code shares the cache folder but has compiled nothing, so a cold-cache compile must still be shared out."""
    ours, theirs = tmp_path / "engine_ours", tmp_path / "engine_theirs"
    ours.mkdir()
    theirs.mkdir()
    (theirs / "week.step-54.py312.nbi").write_bytes(b"")
    monkeypatch.setattr(week.step._cache, "_cache_path", str(ours))
    assert not warm.cache_ready()
    (ours / "week.step-54.py312.nbi").write_bytes(b"")
    assert warm.cache_ready()
