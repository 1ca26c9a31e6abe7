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
from .drawing import RECENT

ROOT = Path(__file__).resolve().parents[2]
FILES = (ROOT / "README.md", ROOT / "docs" / "TRAINERS.md")
SEEDS = range(1, 101)
EARLY, TWO_YEARS, YEAR3, END = 26, 104, 156, 260
# Practice-weeks of joint work in the five specifications (their effort times their joint share), from the file.
SPEC_JOINT_EFFORT = sum(m.total_effort * m.joint_share for m in load(settings.SCENARIOS / "race.yaml").mandates)
# Where the session stops: the page's "Go to" buttons for six months and two years.
PAUSES = (EARLY, TWO_YEARS)


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


PRACTICES = settings.BASIS.race.network.practices


def _owning(table: np.ndarray, week: int) -> int:
    """How many practices own the PCN's work at `week` (the page's "Own the work")."""
    return round(float(column(table, "ownership")[week]) * PRACTICES)


def session() -> str:
    """The five-minute session's table, its last column from the default seed's run."""
    seed = settings.DEFAULT_SEED
    (race,), (first,) = pair((seed,))
    met, due = column(race, "milestones_met"), column(race, "milestones_due")
    first_met, first_due = column(first, "milestones_met"), column(first, "milestones_due")
    cross = crossover(met, first_met)
    early, later = PAUSES
    trust_early, trust_later = _both(race, first, "mean_trust", early), _both(race, first, "mean_trust", later)
    agree_early, agree_later = (_both(race, first, "agreement_share", w, "{:.0%}") for w in PAUSES)
    value_later = _both(race, first, "joint_value", later, "{:.1f}")
    value_end = _both(race, first, "joint_value", END, "{:.1f}")
    trust_end = _both(race, first, "mean_trust", END)
    imposed, imposed_later = (int(column(race, "decisions_imposed")[w]) for w in PAUSES)
    # the page marks an overruled practice for RECENT weeks: is there a mark at six months?
    imposed_by_week = column(race, "decisions_imposed")
    marked = imposed_by_week[early] > imposed_by_week[early - RECENT]
    rises = np.flatnonzero(np.diff(imposed_by_week[:early + 1]) > 0)
    last_imposed = int(rises[-1]) + 1 if rises.size else None
    broken_later = int(column(race, "broken_agreements")[later])
    led = ("leadership.facilitation=0.9",)
    (led_race,), (led_first,) = pair((seed,), led)
    led_met, led_first_met = column(led_race, "milestones_met"), column(led_first, "milestones_met")
    led_cross = crossover(led_met, led_first_met)
    led_trust = _both(led_race, led_first, "mean_trust", later)
    rows = [
        ("0:00", "Switch to *Simulation*. Point at the two networks.",
         '"Same practices, same people, same work for the NHS. Which PCN would you rather lead? Which will be '
         '*ahead* at six months?"', "Two identical networks at week 0."),
        ("0:45", "Press **Go to: 6 months** (or **Play**, then **Pause** when the header says \"6 months in\").",
         '"Who is doing better?"',
         f"Race has met {met[early]:.0f} milestones of the {due[early]:.0f} due to Trust first's "
         f"{first_met[early]:.0f} of {first_due[early]:.0f}: it started all five specifications at once. "
         f"It has pushed {imposed} decision{'s' if imposed != 1 else ''} through over objections"
         + (" (the black **!** on a practice)" if marked else
            f" (the last at week {last_imposed}: drag *Weeks run* back to it to see the black **!**)"
            if last_imposed else "")
         + f", and its practices have had little time to meet: trust {trust_early[0]} against "
         f"Trust first's {trust_early[1]}, thinner and paler ties, and {agree_early[0]} of its meetings end in "
         f"agreement against {agree_early[1]}."),
        ("1:45", "Press **2 years**. Press **Back** a few times to read the weeks' events beside each network.",
         '"What did the early lead cost?" "What does *ahead* mean: boxes ticked, or practices that own the work?"',
         f"Race has met {met[later]:.0f} of {due[later]:.0f} milestones due, Trust first {first_met[later]:.0f} "
         f"of {first_due[later]:.0f}, but the joint work behind them is worth {value_later[0]} against "
         f"{value_later[1]} (the second curve). Race's practices are pale: {_owning(race, later)} of {PRACTICES} own the "
         f"work against {_owning(first, later)} of {PRACTICES}; trust {trust_later[0]} against {trust_later[1]}, "
         f"agreement {agree_later[0]} against {agree_later[1]}. "
         f"Race has imposed {imposed_later} decisions and {broken_later} agreements were not carried out."
         + (f" Press **5 years**: the dashed line labelled \"crossover: week {cross}\" is where Trust first "
            f"overtook on milestones and stayed ahead; by year 5 its joint work has delivered {value_end[1]} "
            f"units of value against Race's {value_end[0]} for the same effort, and trust ends at {trust_end[1]} "
            f"against {trust_end[0]}." if cross else "")),
        ("3:00", "Open **Settings**; move **Clinical Director's style** to 0.9 (both PCNs; the run restarts), then "
                 "**2 years** and **5 years**.",
         '"Can good leadership rescue a rushed timetable?"',
         f"Race still meets {led_met[early]:.0f} milestones by six months"
         + (f" and Trust first still overtakes, at week {led_cross}" if led_cross else
            " and, with this leader, Trust first does not overtake it on milestones")
         + f"; trust at two years is {led_trust[0]} against Trust first's {led_trust[1]} (with the default style "
         f"{trust_later[0]} against {trust_later[1]}): leadership softens the damage of rushing, it does not undo "
         "it."),
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
        f"- Race was ahead on milestones at six months in {ahead.sum()} of the {n} PCNs. Of those, Trust first had "
        f"overtaken it for good by year two in {by_two}, by year three in {by_three} and by year five in "
        f"{len(overtaken)} ({len(overtaken) / n:.0%} of all PCNs); in {ahead.sum() - len(overtaken)} Race was "
        "still level or ahead on milestones at five years.",
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
