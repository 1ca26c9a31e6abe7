"""The layout of a week's random numbers, declared once.

Each week every run draws one block of uniforms from its own generator, in
this order: each meeting slot's tie (`edge`; slots come per PCN, `meetings`
in all), then each slot's attendance draw (`attend`), then each slot's
conflict-mode draw (`mode`), one commitment draw per member (`commit`), one
imposition draw per PCN and requirement (`impose`), and last, for each tie
between PCNs, whether it meets, its attendance and its conflict mode (`cross`,
three blocks of `cross_ties`). The batch, the kernels, the reference and the
benchmarks' lower bound all read the offsets from a `Layout`.

A second stream per run (`follow_stream`) gives one follow-through uniform
per member each week. Being separate, it leaves the first stream's numbers as
they were, whatever the follow-through settings.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

# Offsets into a week's block; `meetings` is the meetings per week, `size` the block's length.
Layout = namedtuple("Layout", ["meetings", "edge", "attend", "mode", "commit", "impose", "cross_ties", "cross", "size"])

# Uniforms pre-drawn at once, at most: 32 MB keeps a block in memory at any batch size ...
BLOCK_BYTES = 32_000_000
# ... and a year of weeks at a time is enough to make drawing cheap (a run's numbers do not depend on it).
MAX_BLOCK_WEEKS = 52


def layout(meetings: int, members: int, pcns: int, requirements: int, cross_ties: int = 0) -> Layout:
    commit = 3 * meetings
    impose = commit + members
    cross = impose + pcns * requirements
    return Layout(meetings, 0, meetings, 2 * meetings, commit, impose, cross_ties, cross, cross + 3 * cross_ties)


def of(state, meetings: int) -> Layout:
    """The layout for a batch's state (members, PCNs, requirements and ties between PCNs from its array shapes)."""
    return layout(meetings, state.members.values.shape[1], state.pcns.decided.shape[1],
                  state.pcns.decided.shape[2], state.index.cross_edges.shape[1])


def split(lay: Layout, u: list[float]) -> dict[str, list[float]]:
    """One week's uniforms by purpose (for the per-agent reference)."""
    m = lay.meetings
    return {"edge": u[lay.edge:lay.edge + m], "attend": u[lay.attend:lay.attend + m], "mode": u[lay.mode:lay.mode + m],
            "commit": u[lay.commit:lay.impose], "impose": u[lay.impose:lay.cross], "cross": u[lay.cross:lay.size]}


def follow_stream(generator: np.random.Generator) -> np.random.Generator:
    """A run's second stream, spawned from its generator after the world is built (whose perception draw spawned
    the first child), so the same seed gives the same stream in the engine and the reference."""
    return generator.spawn(1)[0]


def weeks_of(generators: list[np.random.Generator], per_week: int, weeks: int):
    """Every run's uniforms week by week, (runs, per_week) each, drawn in blocks (`blocks`)."""
    for block in blocks(generators, per_week, weeks):
        yield from block


def block_weeks(runs: int, per_week: int) -> int:
    """How many weeks of uniforms to draw at once for `runs` runs."""
    return int(np.clip(BLOCK_BYTES // max(runs * per_week * 8, 1), 1, MAX_BLOCK_WEEKS))


def blocks(generators: list[np.random.Generator], per_week: int, weeks: int):
    """Every run's uniforms for `weeks` weeks, a block of (span, runs, per_week) at a time.

    A generator gives the same numbers drawn a block at a time as week by week,
    so a run's draws do not depend on the block size or on the batch.
    """
    span_max, done = block_weeks(len(generators), per_week), 0
    while done < weeks:
        span = min(span_max, weeks - done)
        draws = np.empty((span, len(generators), per_week))
        for b, generator in enumerate(generators):
            draws[:, b, :] = generator.random((span, per_week))
        yield draws
        done += span
