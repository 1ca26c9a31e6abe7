"""State invariants over random parameter settings (property-based)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcnsim import PCNModel, load
from conftest import SCENARIOS

unit = st.floats(0.0, 1.0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=st.sampled_from(["baseline", "race", "trust_first", "high_stakes", "diverse_values"]),
    facilitation=unit, stakes=unit, spread=st.floats(0.0, 0.5), effort=st.floats(0.0, 80.0),
    overtime=unit, gain=unit, loss=unit, practices=st.integers(2, 12), seed=st.integers(0, 2**31),
)
def test_state_stays_in_bounds(scenario, facilitation, stakes, spread, effort, overtime, gain, loss, practices, seed):
    sc = load(SCENARIOS / f"{scenario}.yaml", [
        f"leadership.facilitation={facilitation}", f"practices.stakes.mean={stakes}",
        f"practices.value_spread={spread}", f"mandates.0.total_effort={effort}", f"delivery.overtime={overtime}",
        f"trust.gain={gain}", f"trust.loss={loss}", f"network.practices={practices}", "steps=80",
    ])
    model = PCNModel(sc, seed=seed)
    df = model.run()
    s = model.state
    for name in ("values", "trust", "tension", "ownership", "burnout", "capacity", "pressure", "done"):
        assert np.isfinite(getattr(s, name)).all(), name
    assert ((s.trust >= 0) & (s.trust <= 1)).all()
    assert ((s.values >= 0) & (s.values <= 1)).all()
    assert ((s.ownership >= 0) & (s.ownership <= 1)).all()
    assert ((s.burnout >= 0) & (s.burnout <= 1)).all()
    assert (s.capacity > 0).all() and (s.tension >= 0).all()
    assert (s.done <= s.effort[None, :] * s.effort_scale[:, None] + 1e-12).all()  # effort as scaled for each PCN
    assert (s.scar >= 0).all() and (s.done_joint <= s.done + 1e-12).all()
    # undefined by definition: agreement_share at week 0, joint_quality before any joint work
    assert df.drop(columns=["agreement_share", "joint_quality"]).notna().all().all()
    assert (df.joint_value <= df.joint_effort + 1e-12).all() and df.trust_ceiling.between(0, 1, "right").all()
    assert (df.milestones_met <= df.milestones_due).all()
    assert (df.conflict_productive + df.conflict_avoided + df.conflict_destructive == df.conflict_episodes).all()
    assert (df.conflict_episodes <= df.meetings).all()
    shares = df.ownership + df.passive_compliance + df.disengaged
    assert np.allclose(shares, 1.0)
    assert (df.min_trust <= df.mean_trust + 1e-12).all()
    assert df.agreement_share.iloc[1:].dropna().between(0, 1).all()


def test_agents_are_views_of_the_state():
    model = PCNModel(load(SCENARIOS / "baseline.yaml"), seed=2)
    model.run(20)
    agents = sorted(model.agents, key=lambda a: a.index)
    a, b = agents[0], agents[1]
    edge = model.edge_index[(0, 1)]
    assert a.trust_in(b) == b.trust_in(a) == model.state.trust[edge]
    model.state.trust[edge] = 0.123
    assert a.trust_in(b) == 0.123
    assert np.array_equal(a.values, model.state.values[0])
    assert set(a.value_profile) == set(model.params.practices.value_dimensions)
    assert {x.index for x in a.neighbours()} == set(model.graph.neighbors(0))
    assert a.engagement in {"ownership", "compliance", "disengaged"}
