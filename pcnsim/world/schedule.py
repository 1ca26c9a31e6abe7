"""The national mandate schedule: requirements, their staged milestones and the effort they ask for.

A step is one week. Requirement r arrives after week `arrival[r]`; its work is
split into equal stages, stage m due at week `due[r, m]` with cumulative effort
target `target[r, m]`. Work is paced by deadlines (the engine's required rate): each week a requirement asks
for what is left of its next stage divided by the weeks left until that stage
is due, so pressure rises as a deadline nears and falls once a stage is met.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config.schema import MandateStream


@dataclass(frozen=True)
class Schedule:
    arrival: np.ndarray  # (R,) week after which the requirement is known
    effort: np.ndarray  # (R,) total effort, in practice-weeks
    funding: np.ndarray  # (R,) share of the effort that comes with resources
    due: np.ndarray  # (R, M) week each stage is due; padded with a large week
    target: np.ndarray  # (R, M) cumulative effort needed by each stage; padded with the total
    stage_exists: np.ndarray  # (R, M) False on padding
    joint: np.ndarray  # (R,) share of the effort that is joint work

    @property
    def size(self) -> int:
        return len(self.arrival)


def arrival_weeks(stream: MandateStream) -> np.ndarray:
    """Arrival week of each requirement in a stream, by the stream's kind."""
    n, start, span = stream.count, stream.start_week, stream.span_weeks
    i = np.arange(n)
    if stream.kind == "step":
        offsets = np.zeros(n)
    elif stream.kind == "constant":
        offsets = span * i / n
    elif stream.kind == "ramp":
        # Arrivals accelerate: the gap between requirements shrinks over the span.
        offsets = span * np.sqrt(i / n)
    else:  # phased: a first wave at the start, the rest evenly over the span
        rest = n - stream.first_wave
        later = span * np.arange(1, rest + 1) / rest if rest else np.zeros(0)
        offsets = np.concatenate([np.zeros(stream.first_wave), later])
    return start + np.floor(offsets).astype(np.int64)


def build(streams: list[MandateStream]) -> Schedule:
    """Stack every stream's requirements into one schedule."""
    stages = max((s.milestones for s in streams), default=1)
    arrival, effort, funding, due, target, exists, joint = [], [], [], [], [], [], []
    never = np.iinfo(np.int64).max // 4
    for stream in streams:
        weeks = arrival_weeks(stream)
        each = stream.total_effort / stream.count
        m = np.arange(1, stream.milestones + 1)
        for week in weeks:
            row_due = np.full(stages, never, dtype=np.int64)
            row_target = np.full(stages, each)
            row_due[: stream.milestones] = week + np.ceil(stream.lead_weeks * m / stream.milestones).astype(np.int64)
            row_target[: stream.milestones] = each * m / stream.milestones
            arrival.append(week)
            effort.append(each)
            funding.append(stream.funding)
            due.append(row_due)
            target.append(row_target)
            exists.append(np.arange(stages) < stream.milestones)
            joint.append(stream.joint_share)
    if not arrival:
        return Schedule(
            np.zeros(0, np.int64), np.zeros(0), np.zeros(0),
            np.zeros((0, 1), np.int64), np.zeros((0, 1)), np.zeros((0, 1), bool), np.zeros(0),
        )
    return Schedule(
        np.array(arrival, np.int64), np.array(effort), np.array(funding),
        np.array(due), np.array(target), np.array(exists), np.array(joint),
    )
