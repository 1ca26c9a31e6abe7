"""Under which conditions does racing pay? The sweep, its scenario discovery, its report, and the README's answer.

    python experiments/when_racing_pays.py [--results results/when_racing_pays] [--workers N]   (from the repository root)

Runs (or resumes) `pcnsim sweep experiments/when_racing_pays.yaml`, then `pcnsim discover` with each question
in QUESTIONS and `pcnsim report`, copies into docs/when_racing_pays/ what a reader and the tests need (the
experiment and its scenarios, runs_summary.parquet, provenance.json, the figure, report.html and each
discovery's folder), and writes the README's answer between its markers. tests/test_discover.py reruns the
discoveries on the shipped runs_summary and checks the README says what they say.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "docs" / "when_racing_pays"
README = ROOT / "README.md"
BEGIN, END = "<!-- discover: when_racing_pays -->", "<!-- end discover -->"
# (folder under SHIPPED, what it asks, the outcome): racing pays when the rushing PCN has, at year five, delivered
# more than its twin that built trust first on the same draws.
QUESTIONS = (
    ("discover", "more value from its joint work", "race.joint_value_w260 > trust_first.joint_value_w260"),
    ("discover_milestones", "more milestones met", "race.milestones_met_w260 > trust_first.milestones_met_w260"),
)
KEPT = ("experiment.yaml", "runs_summary.parquet", "provenance.json", "figure.png", "figure.svg", "report.html")


def block(answers: list[tuple[str, str, str]]) -> str:
    """The README's answer: each question's command and PRIM's answer, in discover's own words."""
    lines = [BEGIN]
    for what, expr, text in answers:
        lines += [f"Racing pays with {what} at year five (`pcnsim discover results/when_racing_pays --outcome "
                  f"\"{expr}\"`): {text}", ""]
    lines[-1] = END
    return "\n".join(lines)


def readme_with(text: str, answer: str) -> str:
    head, rest = text.split(BEGIN, 1)
    return head + answer + rest.split(END, 1)[1]


def main(argv: list[str] | None = None) -> int:
    from pcnsim.cli import main as pcnsim
    from pcnsim.study import discover

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results/when_racing_pays"))  # as the shipped files name it
    parser.add_argument("--workers", default="2")
    args = parser.parse_args(argv)
    if pcnsim(["sweep", str(ROOT / "experiments" / "when_racing_pays.yaml"), "--out", str(args.results),
               "--workers", args.workers]):
        return 2
    answers = []
    for folder, what, expr in QUESTIONS:
        result = discover.discover(args.results, expr, out=args.results / folder)
        answers.append((what, expr, discover.answer(result)))
    if pcnsim(["report", str(args.results)]):
        return 2
    shutil.rmtree(SHIPPED, ignore_errors=True)
    (SHIPPED / "scenarios").mkdir(parents=True)
    for name in KEPT:
        shutil.copy2(args.results / name, SHIPPED / name)
    for path in (args.results / "scenarios").iterdir():
        shutil.copy2(path, SHIPPED / "scenarios" / path.name)
    for folder, _, _ in QUESTIONS:
        shutil.copytree(args.results / folder, SHIPPED / folder)
    README.write_text(readme_with(README.read_text(encoding="utf-8"), block(answers)), encoding="utf-8")
    print(f"wrote {SHIPPED} and the answer in {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
