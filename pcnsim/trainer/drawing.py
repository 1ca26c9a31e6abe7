"""How the page and the slides draw a PCN: colours and plain words, where the practices sit, how dark a tie is."""

from __future__ import annotations

import math

from ..outputs.palette import OKABE_ITO, PINNED

# Colour and plain words by how a conflict was handled: Okabe and Ito's colours (outputs/palette.py), none of them the two sides' own; the page also tells them
# apart by dash and by a mark.
CONFLICT = {
    "productive": (OKABE_ITO["blue"], "talked through"),
    "avoided": (OKABE_ITO["orange"], "left unsaid (tension builds)"),
    "destructive": (OKABE_ITO["reddish purple"], "a row: trust fell"),
}
DASH = {"productive": "none", "avoided": "2 5", "destructive": "9 5"}  # SVG stroke-dasharray
DASH_WORDS = {"productive": "solid", "avoided": "dotted", "destructive": "dashed"}
OVERRULED, BROKE = "#000000", "#595959"  # marks on a practice: overruled in a decision; broke an agreement
RECENT = 4  # weeks a practice keeps its mark for being overruled or breaking an agreement
# What the explanation calls each colour.
COLOUR_NAMES = {**{code: name for name, code in OKABE_ITO.items()}, OVERRULED: "black", BROKE: "grey"}
# Ownership of the PCN's work, 0 to 1: from pale to dark blue (one hue, so it reads in grey and to every eye).
OWNERSHIP_SCALE = ((0.0, (0xf7, 0xfb, 0xff)), (0.5, (0x6b, 0xae, 0xd6)), (1.0, (0x08, 0x30, 0x6b)))
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


def ownership_fill(ownership: float) -> str:
    """A practice's fill for its ownership of the PCN's work (OWNERSHIP_SCALE, linear between its stops)."""
    o = min(max(float(ownership), 0.0), 1.0)
    (a, low), (b, high) = next((s, t) for s, t in zip(OWNERSHIP_SCALE, OWNERSHIP_SCALE[1:]) if o <= t[0])
    f = (o - a) / (b - a)
    return "#" + "".join(f"{round(x + f * (y - x)):02x}" for x, y in zip(low, high))


def ink_on(ownership: float) -> str:
    """The colour of a practice's number on its fill: white on dark, black on light."""
    return "#ffffff" if ownership > 0.45 else "#000000"


def trust_grey(trust: float) -> float:
    """Grey level of a tie (1 white, 0 black): darker with more trust."""
    return (215 - 175 * trust) / 255
