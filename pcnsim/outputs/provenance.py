"""What made a results file: pcnsim's version and commit, Python and the key packages, and when."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from .. import __version__

PACKAGES = ("numpy", "numba", "pandas", "mesa", "networkx", "optuna")


def commit() -> str | None:
    """The git commit of the pcnsim source in use, with "+changes" if its tree differs; None outside a checkout."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():  # an installed copy, perhaps inside someone else's repository
        return None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "pcnsim"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+changes" if dirty else "") if head else None


def model_digest(libraries: tuple[str, ...]) -> str:
    """A digest of the model's code (engine, world, schema) and of the `libraries`' versions: what a results folder
    records so that work made by other code is never resumed into it."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for name in libraries:
        h.update(f"{name}={metadata.version(name)};".encode())
    for path in sorted([*(root / "engine").rglob("*.py"), *(root / "world").rglob("*.py"),
                        root / "config" / "schema.py"]):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def describe() -> dict:
    """pcnsim version and commit, Python, platform, package versions and the time (UTC)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"pcnsim": __version__, "commit": commit(), "python": platform.python_version(),
            "platform": platform.platform(), "packages": versions,
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds")}
