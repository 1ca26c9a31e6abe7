"""The national mandate schedule: requirements, their staged milestones and the effort they ask for.

A step is one week. Requirement r arrives after week `arrival[r]`; its work is
split into equal stages, stage m due at week `due[r, m]` with cumulative effort
target `target[r, m]`. Work is paced by deadlines (the engine's required rate): each week a requirement asks
for what is left of its next stage divided by the weeks left until that stage
is due, so pressure rises as a deadline nears and falls once a stage is met.

The ICS's own asks (`ics.*`) are requirements too, after the national ones:
one stage each, and each either with resources for all its work or with none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config.schema import ICS, MandateStream


@dataclass(frozen=True)
class Schedule:
    arrival: np.ndarray  # (R,) week after which the requirement is known
    effort: np.ndarray  # (R,) total effort, in practice-weeks
    funding: np.ndarray  # (R,) share of the effort that comes with resources
    due: np.ndarray  # (R, M) week each stage is due; padded with a large week
    target: np.ndarray  # (R, M) cumulative effort needed by each stage; padded with the total
    stage_exists: np.ndarray  # (R, M) False on padding
    joint: np.ndarray  # (R,) share of the effort that is joint work
    from_ics: np.ndarray  # (R,) an ask of the PCN's ICS rather than a national requirement

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


def ics_arrival_weeks(ics: ICS) -> np.ndarray:
    """Arrival week of each of the ICS's asks: evenly spaced over `span_weeks` from `start_week`."""
    if ics.asks_per_year == 0.0:
        return np.zeros(0, np.int64)
    gap = 52.0 / ics.asks_per_year
    offsets = np.floor(np.arange(int(np.ceil(ics.span_weeks / gap)) + 1) * gap)
    return ics.start_week + offsets[offsets < ics.span_weeks].astype(np.int64)


def ics_supported(count: int, support: float) -> np.ndarray:
    """Which of `count` asks come with resources: a share `support` of them, spread evenly (ask i when the running
    count of supported asks, floor((i + 1)·support), steps up)."""
    i = np.arange(count)
    return np.floor((i + 1) * support) > np.floor(i * support)


def build(streams: list[MandateStream], ics: ICS | None = None) -> Schedule:
    """Stack every stream's requirements into one schedule, then the ICS's asks."""
    # Each requirement: arrival week, effort, stages, lead weeks, funding, joint share, whether the ICS asks it.
    asks = [(week, stream.total_effort / stream.count, stream.milestones, stream.lead_weeks, stream.funding,
             stream.joint_share, False) for stream in streams for week in arrival_weeks(stream)]
    if ics is not None:
        weeks = ics_arrival_weeks(ics)
        asks += [(week, ics.ask_effort, 1, ics.lead_weeks, 1.0 if supported else 0.0, ics.joint_share, True)
                 for week, supported in zip(weeks, ics_supported(len(weeks), ics.support))]
    stages = max((s.milestones for s in streams), default=1)
    arrival, effort, funding, due, target, exists, joint, from_ics = [], [], [], [], [], [], [], []
    never = np.iinfo(np.int64).max // 4
    for week, each, milestones, lead_weeks, share_funded, joint_share, asked_by_ics in asks:
        m = np.arange(1, milestones + 1)
        row_due = np.full(stages, never, dtype=np.int64)
        row_target = np.full(stages, each)
        row_due[:milestones] = week + np.ceil(lead_weeks * m / milestones).astype(np.int64)
        row_target[:milestones] = each * m / milestones
        arrival.append(week)
        effort.append(each)
        funding.append(share_funded)
        due.append(row_due)
        target.append(row_target)
        exists.append(np.arange(stages) < milestones)
        joint.append(joint_share)
        from_ics.append(asked_by_ics)
    if not arrival:
        return Schedule(
            np.zeros(0, np.int64), np.zeros(0), np.zeros(0),
            np.zeros((0, 1), np.int64), np.zeros((0, 1)), np.zeros((0, 1), bool), np.zeros(0), np.zeros(0, bool),
        )
    return Schedule(
        np.array(arrival, np.int64), np.array(effort), np.array(funding),
        np.array(due), np.array(target), np.array(exists), np.array(joint), np.array(from_ics),
    )
