"""One colour per scenario in every product: the figures, the trainer's page and the race animation.

Okabe and Ito's eight colours (Color Universal Design, 2002) stay apart under every common colour-vision
deficiency. race and trust_first, the two sides of the trainer's story, keep the same two wherever they appear;
other scenarios take the rest in order, yellow last (it is faint on white).
"""

from __future__ import annotations

from collections.abc import Iterable

OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7", "black": "#000000"}
PINNED = {"race": OKABE_ITO["vermillion"], "trust_first": OKABE_ITO["bluish green"]}
OTHERS = tuple(OKABE_ITO[c] for c in ("blue", "orange", "sky blue", "reddish purple", "black", "yellow"))
CYCLE = (*PINNED.values(), *OTHERS)  # lines that are not scenarios: the same colours, in the same order


def scenario_colours(names: Iterable[str]) -> dict[str, str]:
    """Each distinct name's colour: a pinned scenario its own, the others the unpinned colours in order."""
    names = list(dict.fromkeys(names))
    free = {n: OTHERS[i % len(OTHERS)] for i, n in enumerate(n for n in names if n not in PINNED)}
    return {n: PINNED[n] if n in PINNED else free[n] for n in names}
