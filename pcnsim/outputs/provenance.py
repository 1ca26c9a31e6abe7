"""What made a results file: pcnsim's version and commit, Python and the key packages, and when."""

from __future__ import annotations

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
