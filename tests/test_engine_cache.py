"""numba's cache follows an edited rule, even one called from another file (numba issue 1833).

A temporary copy of the package is run in a subprocess with its own user
cache: once to compile and cache a process kernel (which takes the parameters,
namedtuples made from the schema), again to load it (a second process must find
it, not compile it again), then after a rule it calls (in another file) has
been edited. The last run must see the edit.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pcnsim

SCRIPT = """
import numpy as np
from pcnsim.config import Scenario
from pcnsim.engine import jit, params, state, warm
from pcnsim.engine.processes.facilitate import facilitate
print(warm.cache_ready(), jit.CACHE_DIR.name)
pcns = state.PCNs(**{f: np.zeros((1, 1)) for f in state.PCNs._fields} | {"cd_skill": np.full((1, 1), 0.5)})
traits = state.Traits(**{f: np.zeros((1, 1)) for f in state.Traits._fields}
                      | {"skill": np.full((1, 1), 0.5), "cd_time": np.full((1, 1), 0.25)})
facilitate(traits, pcns, params.of([Scenario()]))
print(repr(float(pcns.facilitation[0, 0])))
"""


def run(copy: Path, cache: Path) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(copy), XDG_CACHE_HOME=str(cache))
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True,
                          cwd=copy)
    return done.stdout.split()


def snapshot(cache: Path) -> dict[str, tuple[int, int]]:
    """Every file numba keeps in the cache, with its size and modification time."""
    return {str(f.relative_to(cache)): (f.stat().st_size, f.stat().st_mtime_ns) for f in cache.rglob("*") if f.is_file()}


def test_an_edited_rule_in_another_file_is_compiled_afresh(tmp_path):
    copy, cache = tmp_path / "src", tmp_path / "cache"
    shutil.copytree(Path(pcnsim.__file__).parent, copy / "pcnsim", ignore=shutil.ignore_patterns("__pycache__"))
    ready, folder, before = run(copy, cache)
    assert ready == "False"  # a fresh cache holds no kernels yet
    compiled = snapshot(cache)
    assert run(copy, cache)[2] == before  # the same value ...
    assert snapshot(cache) == compiled  # ... loaded, not compiled again: a second process writes nothing

    rules = copy / "pcnsim" / "engine" / "rules.py"
    text = rules.read_text()
    edited = text.replace("return facilitation * min(max(free / cd_need, 0.0), 1.0)",
                          "return 0.5 * facilitation * min(max(free / cd_need, 0.0), 1.0)")
    assert edited != text
    rules.write_text(edited)
    _, new_folder, after = run(copy, cache)
    assert new_folder != folder
    assert float(after) == 0.5 * float(before) and float(before) > 0
