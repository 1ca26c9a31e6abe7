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
from types import SimpleNamespace

import numba

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


def kernel(function):
    """Compile `function` with the engine's settings (no fastmath, so rules stay bit for bit with their py_func)."""
    return numba.njit(cache=True)(function)


def cache_ready() -> bool:
    """Whether this engine's kernels are already compiled in the cache (cheap: looks for numba's index files)."""
    return CACHE_DIR.is_dir() and next(CACHE_DIR.rglob("week.step-*.nbi"), None) is not None


def plain(module) -> SimpleNamespace:
    """The module's compiled functions as plain Python (their `py_func`): the same source, run by the interpreter."""
    return SimpleNamespace(**{name: f.py_func for name, f in vars(module).items() if hasattr(f, "py_func")})
