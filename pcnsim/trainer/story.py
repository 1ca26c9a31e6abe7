"""The story the trainer's guide and the README tell, with every number computed from the shipped scenario files.

The guide's five-minute session follows the default seed (`settings.DEFAULT_SEED`);
"be straight with the room" says how the story varies over seeds 1 to 100. Each
piece sits in README.md or docs/TRAINERS.md between `<!-- story: NAME -->` and
`<!-- end story -->`; regenerate them with

    python -m pcnsim.trainer.story

(tests/test_docs.py checks that the files hold what this renders).
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import numpy as np

from ..config import load
from ..config.docgen import regenerate
from ..engine.batch import simulate
from ..engine.outcomes import OUTCOMES
from . import settings

ROOT = Path(__file__).resolve().parents[2]
FILES = (ROOT / "README.md", ROOT / "docs" / "TRAINERS.md")
SEEDS = range(1, 101)
EARLY, TWO_YEARS, YEAR3, END = 26, 104, 156, 260
# Practice-weeks of joint work in the five specifications (their effort times their joint share), from the file.
SPEC_JOINT_EFFORT = sum(m.total_effort * m.joint_share for m in load(settings.SCENARIOS / "race.yaml").mandates)
# Where the session pauses: six months in, and about two years in (the header reads "1 year, 11 months").
PAUSES = (EARLY, 100)


@functools.lru_cache(maxsize=None)
def runs(name: str, seeds: tuple[int, ...], overrides: tuple[str, ...] = ()) -> np.ndarray:
    """(seeds, weeks + 1, outcomes) for the shipped scenario `name`."""
    scenario = load(settings.SCENARIOS / f"{name}.yaml", list(overrides))
    return np.array(simulate([scenario] * len(seeds), list(seeds)))


def column(table: np.ndarray, name: str) -> np.ndarray:
    return table[..., OUTCOMES.index(name)]


def crossover(race: np.ndarray, first: np.ndarray) -> int | None:
    """The week from which trust_first has met more milestones than race and stayed ahead (None: never)."""
    behind = np.flatnonzero(first <= race)
    if behind.size and behind[-1] == len(race) - 1:
        return None
    return int(behind[-1]) + 1 if behind.size else 0


def pair(seeds, overrides=()):
    return runs("race", tuple(seeds), tuple(overrides)), runs("trust_first", tuple(seeds), tuple(overrides))


def _both(race, first, name, week, fmt="{:.2f}"):
    return fmt.format(column(race, name)[week]), fmt.format(column(first, name)[week])


def session() -> str:
    """The five-minute session's table, its last column from the default seed's run."""
    seed = settings.DEFAULT_SEED
    (race,), (first,) = pair((seed,))
    met, due = column(race, "milestones_met"), column(race, "milestones_due")
    first_met, first_due = column(first, "milestones_met"), column(first, "milestones_due")
    cross = crossover(met, first_met)
    early, later = PAUSES
    trust_early, trust_later = _both(race, first, "mean_trust", early), _both(race, first, "mean_trust", later)
    own_later = _both(race, first, "mean_ownership", later)
    value_end = _both(race, first, "joint_value", END, "{:.1f}")
    trust_end = _both(race, first, "mean_trust", END)
    imposed = int(column(race, "decisions_imposed")[early])
    (led,), _ = pair((seed,), ("leadership.facilitation=0.9",))
    led_met, led_first_cross = column(led, "milestones_met"), crossover(column(led, "milestones_met"), first_met)
    rows = [
        ("0:00", "Switch to *Simulation*. Point at the two networks.",
         '"Same practices, same people, same work for the NHS. Which PCN would you rather lead? Which will be '
         '*ahead* at six months?"', "Two identical networks at week 0."),
        ("0:45", f"Press **Play**; press **Pause** at about week {early} (the header says \"6 months in\").",
         '"Who is doing better?"',
         f"Race has met {met[early]:.0f} milestones of the {due[early]:.0f} due to Trust first's "
         f"{first_met[early]:.0f} of {first_due[early]:.0f}: it started all five specifications at once. "
         f"It has pushed {imposed} decision{'s' if imposed != 1 else ''} through over objections, and its "
         f"practices have had little time to meet: trust {trust_early[0]} against Trust first's {trust_early[1]}."),
        ("1:45", f"**Play** again; pause at about week {later} (the header says \"1 year, 11 months in\").",
         '"What did the early lead cost?" "What does *ahead* mean: boxes ticked, or practices that own the work?"',
         f"Race has met {met[later]:.0f} of {due[later]:.0f} milestones due, Trust first {first_met[later]:.0f} "
         f"of {first_due[later]:.0f}. Race's trust is {trust_later[0]} against {trust_later[1]}, and its "
         f"practices' ownership {own_later[0]} against {own_later[1]}: much of its joint work was done by "
         f"practices that did not trust each other, and some of it was not carried out."
         + (f" Keep playing: the dashed crossover line appears at week {cross}, when Trust first overtakes on "
            f"milestones and stays ahead; by year 5 its joint work has delivered {value_end[1]} units of value "
            f"against Race's {value_end[0]} for the same effort, and trust ends at {trust_end[1]} against "
            f"{trust_end[0]}." if cross else "")),
        ("3:00", "Left PCN settings: move **Clinical Director's style** to 0.9 (the run restarts), then Play.",
         '"Can good leadership rescue a rushed timetable?"',
         f"Race still meets {led_met[early]:.0f} milestones by six months"
         + (f" and Trust first still overtakes, at week {led_first_cross}" if led_first_cross else "")
         + f"; trust at week {later} is {column(led, 'mean_trust')[later]:.2f} against "
         f"{trust_later[0]} with the default style (Trust first {trust_later[1]}): leadership softens the damage "
         "of rushing, it does not undo it."),
        ("4:00", "Open *What am I looking at?* and read the quote.",
         '"There is no prize for being ahead." "If everybody is behind everybody else, who is in front?" What '
         "would you phase, and what would you do with the first six months?", "The explanation and the two quotes."),
    ]
    lines = ["| time | what you set and do | what you ask the room | what they will see |", "|---|---|---|---|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def variation() -> str:
    """How the story varies between PCNs: seeds 1 to 100."""
    race, first = pair(SEEDS)
    n = len(SEEDS)
    met, first_met = column(race, "milestones_met"), column(first, "milestones_met")
    ahead = met[:, EARLY] > first_met[:, EARLY]
    crosses = [crossover(a, b) for a, b in zip(met, first_met)]
    overtaken = [c for c, a in zip(crosses, ahead) if a and c]
    by_two, by_three = sum(c <= TWO_YEARS for c in overtaken), sum(c <= YEAR3 for c in overtaken)
    value, first_value = column(race, "joint_value")[:, END], column(first, "joint_value")[:, END]
    trust, first_trust = column(race, "mean_trust")[:, END], column(first, "mean_trust")[:, END]
    own, first_own = column(race, "mean_ownership")[:, END], column(first, "mean_ownership")[:, END]
    deficit = 1.0 - np.median(value / first_value)
    late = runs("race", tuple(SEEDS), ("mandates.0.start_week=26",))
    late_value, late_trust = column(late, "joint_value")[:, END], column(late, "mean_trust")[:, END]
    late_share = (first_value - late_value).mean() / (first_value - value).mean()
    return "\n".join([
        f"- Race was ahead on milestones at six months in {ahead.sum()} of the {n} PCNs. In {len(overtaken)} of "
        f"those Trust first overtook it later and stayed ahead ({by_two} within two years, {by_three} within "
        f"three); in {ahead.sum() - len(overtaken)} Race was still level or ahead on milestones at five years.",
        f"- Milestones are boxes ticked; the joint work behind them is what differs. By year 5 Race's joint work "
        f"had delivered less value than Trust first's for the same effort in {(value < first_value).sum()} of the "
        f"{n} PCNs: in the median PCN {deficit:.0%} less (the medians are {np.median(value):.1f} and "
        f"{np.median(first_value):.1f} units of value from the same {SPEC_JOINT_EFFORT:.1f} practice-weeks of "
        "joint work).",
        f"- Trust at five years was lower in Race in {(trust < first_trust).sum()} of the {n} PCNs (mean "
        f"{trust.mean():.2f} against {first_trust.mean():.2f}), and its practices' ownership in "
        f"{(own < first_own).sum()} (mean {own.mean():.2f} against {first_own.mean():.2f}). The damage lasts: "
        "impositions and broken agreements leave a memory on a tie that caps the trust it can regain, and "
        "overruled practices move away from what was imposed on them.",
        f"- Most of the cost is starting joint work before the practices know each other. A Race that takes all "
        f"five on at once but only after the same six months for relationships falls short of Trust first's "
        f"joint value by {late_share:.0%} of what the Race from week 0 does (median {np.median(late_value):.1f} against Trust first's "
        f"{np.median(first_value):.1f}), and ends with trust {late_trust.mean():.2f} against {first_trust.mean():.2f}.",
        f"- Some PCNs can sprint: in {ahead.sum() - len(overtaken)} of the {n} Race met its milestones as fast "
        "and never fell behind on them, but even there its joint work was worth less in "
        f"{sum(1 for a, c, v, fv in zip(ahead, crosses, value, first_value) if a and not c and v < fv)} of them.",
    ])


def headline() -> str:
    """The README's one line for trainers."""
    race, first = pair(SEEDS)
    met, first_met = column(race, "milestones_met"), column(first, "milestones_met")
    ahead = met[:, EARLY] > first_met[:, EARLY]
    value, first_value = column(race, "joint_value")[:, END], column(first, "joint_value")[:, END]
    trust, first_trust = column(race, "mean_trust")[:, END], column(first, "mean_trust")[:, END]
    return (f"that rushes is ahead on milestones at month six (in {ahead.sum()} of {len(SEEDS)} PCNs) and by year "
            f"five has delivered less value from its joint work ({(value < first_value).sum()} of {len(SEEDS)}) "
            f"and has lower trust ({(trust < first_trust).sum()} of {len(SEEDS)}): `python -m pcnsim.trainer.story` "
            f"computes these.")


SECTIONS = {"headline": headline, "session": session, "variation": variation}


def render(text: str) -> str:
    """`text` with every story section it holds replaced by what the model says now."""
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- story: {re.escape(name)} -->\n)(?:(?!<!-- ).*?\n)?(<!-- end story -->)", re.S)
        if pattern.search(text):
            text = pattern.sub(lambda m: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main() -> int:
    for path in FILES:
        regenerate(path, render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
