"""Compiling the engine on a cold cache: the week's processes on both cores, then `start` and `step`, once per machine.

On a fresh install nearly all of the first run's time is numba compiling. A
process kernel compiled into the cache is loaded, not compiled again, when
`start` or `step` calls it, so the work can be split: the processes are
compiled in two processes at once (this one and a helper, `python -m
pcnsim.engine.warm`), then `start` in the helper while `step` compiles
here, and last `start` is loaded here. The code is the same as compiling
it all lazily in one process (each function is compiled once, from the same
source, for the same types; a caller links its callees' optimised code
either way), so results are unchanged.

Which kernel is called with which types is not written down a second time:
`calls` runs `start` and `step` as plain Python with every process kernel
replaced by a recorder of its argument types. A lock in the cache folder
lets one process compile while another (a second pytest worker, a sweep's
workers) waits for it and then loads what it compiled.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import types
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

import numba
import numpy as np

from . import jit, week

# Seconds each kernel took to compile on its own (measured on a cold cache, process kernels with their rules and
# walks): shares the processes out evenly between the two compilers.
COST = {"work": 16.0, "measure": 12.0, "decide": 10.0, "meet": 16.0, "social_comparison": 6.0,
        "join_partners": 6.0, "measure_pcns": 8.0, "facilitate": 3.0, "drift_and_wear": 3.0,
        "remember_agreement": 3.0, "milestones": 1.0, "remember_trust": 1.0}
PYTHON_CALLED = {"start", "step", "measure_pcns"}  # the kernels called from Python (batch.py), not from kernels
_warmed = False
_warming = threading.Lock()  # one thread of a process warms at a time


class _Recorder:
    """Stands in for a kernel while `start` or `step` runs as Python: keeps the numba types it is called with."""

    def __init__(self, dispatcher, seen):
        self.dispatcher, self.seen = dispatcher, seen

    def __call__(self, *args):
        key = (self.dispatcher.py_func.__module__, self.dispatcher.py_func.__name__)
        signature = tuple(numba.typeof(a) for a in args)
        if (key, signature) not in self.seen:
            self.seen.append((key, signature))


def _recorded(dispatcher, args) -> list:
    """The (module, name) and argument types of every kernel `dispatcher` calls, for `args`, in order."""
    seen: list = []
    code = dispatcher.py_func
    names = {name: _Recorder(value, seen) if isinstance(value, numba.core.registry.CPUDispatcher) else value
             for name, value in code.__globals__.items()}
    types.FunctionType(code.__code__, names, code.__name__, code.__defaults__, code.__closure__)(*args)
    return seen


def calls(state, params, wanted, outcomes, layout) -> tuple[list, list]:
    """The process kernels `start` and `step` call on a batch (with their types), and their own two signatures."""
    runs, members = state.members.values.shape[:2]
    step_args = (state, params, 1, np.zeros((runs, layout.size)), np.zeros((runs, members)), layout, True, wanted,
                 outcomes)
    start_args = (state, params, wanted, outcomes)
    pcn_out = np.zeros((runs, state.pcns.decided.shape[1], 1))
    processes = _recorded(week.start, start_args) + _recorded(week.step, step_args)
    processes.append((("pcnsim.engine.processes.measure", "measure_pcns"),
                      tuple(numba.typeof(a) for a in (*state[:2], *state[3:], params, pcn_out))))
    unique = list(dict.fromkeys(processes))
    tops = [(("pcnsim.engine.week", "start"), tuple(numba.typeof(a) for a in start_args)),
            (("pcnsim.engine.week", "step"), tuple(numba.typeof(a) for a in step_args))]
    return unique, tops


def compile_all(jobs) -> None:
    """Compile (or load from the cache) each ((module, name), signature): a process as kernels call it (its
    `inner`), `start` and `step` as Python calls them."""
    for (module, name), signature in jobs:
        dispatcher = getattr(import_module(module), name)
        (dispatcher if name in PYTHON_CALLED else getattr(dispatcher, "inner", dispatcher)).compile(signature)


def split(jobs) -> tuple[list, list]:
    """Two shares of about equal compile time (longest first, each to the lighter share)."""
    shares, loads = ([], []), [0.0, 0.0]
    for job in sorted(jobs, key=lambda j: -COST.get(j[0][1], 5.0)):
        lighter = loads.index(min(loads))
        shares[lighter].append(job)
        loads[lighter] += COST.get(job[0][1], 5.0)
    return shares


@contextmanager
def _locked():
    """Hold the cache folder's compile lock (others wait; without fcntl, no lock)."""
    jit.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: every process compiles for itself, as numba would anyway
        yield
        return
    with open(jit.CACHE_DIR / "compile.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _send(helper, jobs) -> None:
    pickle.dump(jobs, helper.stdin)
    helper.stdin.flush()


def _done(helper) -> None:
    if helper.stdout.readline().strip() != b"ok":
        raise RuntimeError("the compile helper stopped")


def cache_ready() -> bool:
    """Whether this engine's kernels are already compiled in the cache (cheap: looks for numba's index file).

    numba keeps each source folder's entries in a subfolder named from its
    path, so another checkout of the same code has compiled nothing for this
    one: the week's own subfolder is the one to look in.
    """
    folder = getattr(getattr(week.step, "_cache", None), "_cache_path", None)  # None without numba's jit
    return folder is not None and next(Path(folder).glob("week.step-*.nbi"), None) is not None


def warm(state, params, wanted, outcomes, layout, helpers: int | None = None) -> None:
    """Make sure `start` and `step` are compiled for this batch's types, compiling them on two cores if the cache
    is cold. Cheap once done (a flag per process). Anything going wrong here leaves compiling to numba, as before.

    A second thread of this process (the page's, while the server's preparing compiles) waits for the first
    to finish and then loads what it compiled, rather than compiling the same kernels beside it on one core."""
    global _warmed
    if _warmed:
        return
    with _warming:
        if _warmed:
            return
        try:
            _warm(state, params, wanted, outcomes, layout, helpers)
        finally:
            _warmed = True


def _warm(state, params, wanted, outcomes, layout, helpers: int | None) -> None:
    if not isinstance(week.step, numba.core.registry.CPUDispatcher) or cache_ready():  # no jit, or compiled
        return
    with _locked():
        if cache_ready():  # compiled by another process while this one waited
            return
        processes, tops = calls(state, params, wanted, outcomes, layout)
        helpers = (os.cpu_count() or 1) > 1 if helpers is None else helpers
        if not helpers:
            compile_all(processes + tops)
            return
        package_root = str(Path(__file__).resolve().parents[2])  # where this pcnsim is imported from
        path = os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH"))))
        try:
            helper = subprocess.Popen([sys.executable, "-m", "pcnsim.engine.warm"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=path))
        except OSError:
            compile_all(processes + tops)
            return
        theirs, mine = split(processes)
        try:
            _send(helper, theirs)
            compile_all(mine)
            _done(helper)
            _send(helper, tops[:1])  # `start` there, `step` here: both link the processes from the cache
            compile_all(tops[1:])
            _done(helper)
        except (OSError, EOFError, RuntimeError, pickle.PickleError):
            pass  # the helper failed: what it did not compile is compiled here, as numba would have anyway
        finally:
            try:
                helper.stdin.close()
            except OSError:
                pass
            helper.wait()
        compile_all(processes + tops)  # from the cache, or compiled here whatever the helper did not


def _helper() -> None:
    """The helper's side: compile each list of jobs read from stdin, answering `ok` after each."""
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            jobs = pickle.load(source)
        except EOFError:
            return
        compile_all(jobs)
        sink.write(b"ok\n")
        sink.flush()


if __name__ == "__main__":
    _helper()
