"""The engine's state, declared once in groups (numba-free, so displays can read it without the engine).

A run's state is a `State` of seven groups of arrays; every array has a
leading batch axis (row b is one run). Three groups are fixed when the run is
built (`STATIC`); the other four change week by week, and are what the
per-agent reference must reproduce.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator

import numpy as np

# Columns of PCNs.joint_work.
JOINT_VALUE, JOINT_EFFORT, JOINT_ASKED = 0, 1, 2
# What happened at a tie's last meeting this week (`last_meeting`), for displays.
NONE, AGREED, PRODUCTIVE, AVOIDED, DESTRUCTIVE = 0, 1, 2, 3, 4

# Who is where: members are practices 0..n-1, then partners; ties among partners' come last (from base_edges).
# A PCN's inner ties are `pcn_edges` (CSR, in tie order); ties between PCNs are `cross_edges`.
Index = namedtuple("Index", [
    "pcn", "partner", "src", "dst", "cross", "base_edges", "adj_start", "adj_edge",
    "pcn_start", "pcn_members", "pcn_edge_start", "pcn_edges", "cross_edges", "watch"])
# What members, ties and PCNs are like, fixed at build.
# `skill` and `cd_time`: the facilitation skill each PCN's own Clinical Director grows into, and their funded time.
Traits = namedtuple("Traits", ["style", "propensity", "core_demand", "list_size", "authorisation", "effort_scale",
                               "perception", "skill", "cd_time"])
# The national requirements (world.schedule), each one's emphasis over the value dimensions, and the core
# demand each week adds to every practice's (demand shocks; index: week, up to the run's last); `from_ics` marks
# the asks of the PCN's ICS, which come after the national requirements.
Schedule = namedtuple("Schedule", ["arrival", "effort", "funding", "due", "target", "stage_exists", "emphasis",
                                   "core_extra", "joint", "from_ics"])
Members = namedtuple("Members", [
    "values", "stakes", "ownership", "burnout", "engaged", "active", "capacity", "pressure", "unfunded",
    "attendance", "time_lost", "overruled", "broke"])
# `overruled` (in a decision imposed this week) and `broke` (an agreement, in this week's work): for displays.
# `scar`: the tie's memory of damage (impositions, broken agreements, destructive conflict); it caps trust.
Ties = namedtuple("Ties", ["trust", "history", "tension", "last_meeting", "scar"])
# `done` is each requirement's effort delivered, `done_joint` its joint-work part; `joint_work` per PCN
# (columns JOINT): cumulative value, effort delivered and effort asked of its joint work.
# `cd_skill` is the CD's facilitation skill now: below `skill` while a new CD learns it. `ics_trust`: the PCN's
# working relationship with its ICS.
PCNs = namedtuple("PCNs", ["decided", "done", "done_joint", "joint_work", "demand", "facilitation", "cd_skill",
                           "behind", "truly_behind", "progress", "pcn_totals", "ics_trust"])
# Cumulative totals (columns: outcomes.TOTALS), agreement memory, last week's mean trust, partners joined.
Counters = namedtuple("Counters", ["totals", "agreement", "last_trust", "joined"])

State = namedtuple("State", ["index", "traits", "schedule", "members", "ties", "pcns", "counters"])
GROUPS = {"index": Index, "traits": Traits, "schedule": Schedule, "members": Members, "ties": Ties,
          "pcns": PCNs, "counters": Counters}
STATIC = ("index", "traits", "schedule")
DYNAMIC = tuple(name for name in GROUPS if name not in STATIC)
STATIC_FIELDS = frozenset(f for name in STATIC for f in GROUPS[name]._fields)
FIELDS = tuple(f for group in GROUPS.values() for f in group._fields)


def of(arrays: dict) -> State:
    """A State from one array per field name (each already with its batch axis)."""
    return State(**{name: group(**{f: arrays[f] for f in group._fields}) for name, group in GROUPS.items()})


def items(state: State) -> Iterator[tuple[str, np.ndarray]]:
    """(field name, array) for every field of every group."""
    for group in state:
        yield from zip(group._fields, group)


def concatenate(states: list[State]) -> State:
    """Runs of one shape as one batch."""
    columns = zip(*([array for _, array in items(state)] for state in states))
    return of({name: np.concatenate(arrays) for name, arrays in zip(FIELDS, columns)})
