"""`pcnsim report DIR`: a finished sweep as one self-contained HTML page (pcnsim.outputs.report draws it)."""

from __future__ import annotations

from pathlib import Path

from ..outputs.files import write_text
from ..outputs.report import render
from . import sweep


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of the finished sweep in `folder` to `out` (default FOLDER/report.html); returns its path.

    The folder is checked first (`sweep.read_finished`: a folder that is not a
    finished, undamaged sweep is a one-line ScenarioError), and the page is
    built whole before it is written, atomically: a refused folder or an
    unreadable optional file writes nothing.
    """
    from ..outputs.figures import shown_outcomes

    checked, experiment, table, summary = sweep.read_finished(folder)
    manifest = sweep.read_manifest(checked)
    outcomes = shown_outcomes(list(experiment.figure.outcomes), list(dict.fromkeys(summary["outcome"])))
    page = render(checked, experiment, table, summary, manifest, outcomes, f"pcnsim report {folder}")
    path = Path(out) if out is not None else checked / "report.html"
    write_text(path, page)
    return path
