"""The one decorator for compiled code, and where numba keeps what it compiled.

numba's on-disk cache (`cache=True`) is keyed on each function's own file, so
a kernel that calls a rule edited in another file would keep running the
cached old rule (numba issue 1833). Every engine module is therefore compiled
into a cache folder named from a digest of all the engine's source files and
the numba version: any edit to the engine moves to a fresh folder. numba reads
`config.CACHE_DIR` when a function is decorated, so this module sets it on
import, before any engine module decorates anything (they all decorate
through `kernel`, imported from here).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from types import FunctionType, SimpleNamespace

import numba
from numba.core.registry import CPUDispatcher

ENGINE = Path(__file__).resolve().parent
DIGEST_HEX = 16  # hex digits of the digest in the folder's name: enough to tell versions apart


def _digest() -> str:
    h = hashlib.sha256(numba.__version__.encode())
    for path in sorted(ENGINE.rglob("*.py")):
        h.update(path.relative_to(ENGINE).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:DIGEST_HEX]


def _user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pcnsim"


CACHE_DIR = _user_cache() / f"numba-{_digest()}"
numba.config.CACHE_DIR = str(CACHE_DIR)


class Kernel(CPUDispatcher):
    """A kernel: called from Python it is compiled as numba compiles any function; called from another kernel it
    is its twin `inner`, the same source compiled without numba's entry points from Python and from C
    (`no_cpython_wrapper`, `no_cfunc_wrapper`), which only a call from Python or through a C pointer would use.

    Those entry points unbox every array of every argument (the state groups and the parameters are some 170
    arrays), and compiling them took about half of each process kernel's compile time, for code no run calls:
    `start`, `step` and `measure_pcns` are called from Python, everything else only from kernels. The
    function's own code is the same either way. `inner` is cached under its own name (`<name>__inner`), so
    the two never share a cache entry; it must not be called from Python (it has no entry point).
    """

    inner: CPUDispatcher

    def get_call_template(self, args, kws):  # how numba types a call from compiled code
        return self.inner.get_call_template(args, kws)

    def get_overload(self, sig):  # which compiled function such a call links
        return self.inner.get_overload(sig)


def kernel(function):
    """Compile `function` with the engine's settings (no fastmath, so rules stay bit for bit with their py_func)."""
    compiled = numba.njit(cache=True)(function)
    if not isinstance(compiled, CPUDispatcher):  # NUMBA_DISABLE_JIT: the plain function
        return compiled
    twin = FunctionType(function.__code__, function.__globals__, function.__name__, function.__defaults__,
                        function.__closure__)
    twin.__qualname__ = function.__qualname__ + "__inner"
    twin.__module__, twin.__doc__ = function.__module__, function.__doc__
    compiled.__class__ = Kernel
    compiled.inner = numba.njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)(twin)
    return compiled


def plain(module) -> SimpleNamespace:
    """The module's compiled functions as plain Python (their `py_func`): the same source, run by the interpreter."""
    return SimpleNamespace(**{name: f.py_func for name, f in vars(module).items() if hasattr(f, "py_func")})
