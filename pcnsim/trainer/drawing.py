"""How the page and the slides draw a PCN: colours and plain words, where the practices sit, how dark a tie is."""

from __future__ import annotations

import math

from ..outputs.palette import PINNED

# colour and plain words by engagement, and by how a conflict was handled
ENGAGEMENT = {
    "ownership": ("#1f5fa8", "owns the PCN's work"),
    "compliance": ("#a9cbe8", "goes along with it"),
    "disengaged": ("#d9d9d9", "has disengaged (burnt out)"),
}
CONFLICT = {
    "productive": ("#2e9e44", "talked through"),
    "avoided": ("#8e44ad", "left unsaid (tension builds)"),
    "destructive": ("#d62728", "a row: trust fell"),
}
FLASHES = tuple(CONFLICT)  # mildest first
SIDE_COLOURS = (PINNED["race"], PINNED["trust_first"])  # first (left) and second (right) PCN: as in every figure


def elapsed(week: int) -> str:
    """Time since the start in plain words: '6 months in', '1 year, 3 months in'."""
    years, months = divmod(week * 12 // 52, 12)
    if not (years or months):
        return "the first month"
    parts = ([f"{years} year{'s' * (years != 1)}"] if years else []) + (
        [f"{months} month{'s' * (months != 1)}"] if months or not years else [])
    return ", ".join(parts) + " in"


def positions(n: int) -> list[tuple[float, float]]:
    """Practices on a unit circle, practice 1 at the top, clockwise (y up)."""
    return [(math.cos(math.pi / 2 - 2 * math.pi * i / n), math.sin(math.pi / 2 - 2 * math.pi * i / n))
            for i in range(n)]


def trust_grey(trust: float) -> float:
    """Grey level of a tie (1 white, 0 black): darker with more trust."""
    return (215 - 175 * trust) / 255
