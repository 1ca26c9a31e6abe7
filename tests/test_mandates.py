import numpy as np
import pytest

from pcnsim import load
from conftest import ROOT

from pcnsim.world import schedule as mandates
from pcnsim.config.schema import MandateStream


def test_arrival_patterns():
    step = mandates.arrival_weeks(MandateStream(kind="step", count=4, start_week=10))
    assert (step == 10).all()
    constant = mandates.arrival_weeks(MandateStream(kind="constant", count=4, span_weeks=200))
    assert np.ptp(np.diff(constant)) <= 1 and constant[0] == 0
    ramp = mandates.arrival_weeks(MandateStream(kind="ramp", count=6, span_weeks=200))
    assert (np.diff(np.diff(ramp)) <= 1).all() and np.diff(ramp)[0] > np.diff(ramp)[-1]
    phased = mandates.arrival_weeks(MandateStream(kind="phased", count=5, first_wave=2, start_week=3, span_weeks=156))
    assert list(phased[:2]) == [3, 3] and phased[-1] == 3 + 156 and (np.diff(phased[1:]) > 0).all()


@pytest.mark.parametrize("kind", ["constant", "ramp", "step", "phased"])
def test_schedule_keeps_total_effort_and_stages(kind):
    streams = [MandateStream(kind=kind, count=5, total_effort=12.0, first_wave=2, lead_weeks=30, milestones=3),
               MandateStream(kind="constant", count=2, total_effort=1.0, milestones=1)]
    sched = mandates.build(streams)
    assert sched.effort.sum() == pytest.approx(13.0)
    assert sched.stage_exists.sum() == 5 * 3 + 2 * 1
    last = sched.stage_exists.sum(axis=1) - 1
    assert np.allclose(sched.target[np.arange(sched.size), last], sched.effort)
    assert (sched.due[np.arange(sched.size), last] == sched.arrival + np.array([30] * 5 + [52] * 2)).all()


def test_required_rate_rises_as_a_deadline_nears():
    from pcnsim.engine.processes.work import required_rate

    sched = mandates.build([MandateStream(kind="step", count=1, total_effort=4.0, lead_weeks=40, milestones=1)])
    due, target, exists = sched.due[None], sched.target[None], sched.stage_exists[None]

    def rate(done, week, scale=1.0, late=0.0):
        return required_rate(due, target, exists, done, 0, 0, scale, 4.0, late, week)

    assert rate(0.0, 35) > rate(0.0, 1) == pytest.approx(4.0 / 40)
    assert rate(0.0, 1, scale=2.0) == pytest.approx(2 * rate(0.0, 1))  # effort scaled by population
    assert rate(4.0, 10) == 0
    assert rate(0.0, 41) == 0  # past its last stage, with late_weeks 0 nothing more is asked (model 1)
    # With late work, what is left after the last deadline is worked off over late_weeks, whatever the week.
    assert rate(1.0, 41, late=13.0) == pytest.approx(3.0 / 13) == rate(1.0, 90, late=13.0)
    assert rate(1.0, 41, scale=0.0, late=13.0) == 0  # a track with no share of the work asks nothing


def test_race_and_trust_first_differ_only_in_when_their_requirements_arrive():
    """The fair race (issue 12 item 8): the same requirements, effort, kinds of work, lead times and horizon."""
    race, first = (load(ROOT / "scenarios" / f"{name}.yaml") for name in ("race", "trust_first"))
    rest = [s.model_dump(exclude={"name", "description", "mandates"}) for s in (race, first)]
    assert rest[0] == rest[1]

    def requirements(streams):
        """Each requirement's effort, funding, joint share, stage due weeks after arrival and targets, sorted."""
        sched = mandates.build(streams)
        rows = []
        for r in range(sched.size):
            stages = sched.stage_exists[r]
            rows.append((sched.effort[r], sched.funding[r], sched.joint[r],
                         tuple((sched.due[r, stages] - sched.arrival[r]).tolist()), tuple(sched.target[r, stages].tolist())))
        return sorted(rows), sched.arrival

    race_reqs, race_arrival = requirements(race.mandates)
    first_reqs, first_arrival = requirements(first.mandates)
    assert race_reqs == first_reqs
    assert sorted(race_arrival) != sorted(first_arrival)
    assert race_arrival[:5].max() < first_arrival[:5].max()  # the race takes its five specifications on sooner
