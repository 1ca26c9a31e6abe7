"""Partners joining (docs/ODD.md 7.10), checked against the ODD's formula rather than against the reference."""

import numpy as np

from pcnsim import load
from pcnsim.engine.batch import Batch
from pcnsim.engine.processes.join_partners import join_partners
from conftest import SCENARIOS


def test_joining_follows_the_odd_formula_and_ties_between_partners_keep_their_trust():
    scenario = load(SCENARIOS / "partners.yaml", ["partners.join_week=10", "partners.per_pcn=3",
                                                  "partners.trust_transfer=0.4"])
    batch = Batch.of([scenario], [123])
    s = batch.state
    ix = s.index
    src, dst, cross, partner = ix.src[0], ix.dst[0], ix.cross[0], ix.partner[0]
    limit, n_edges = ix.base_edges[0], src.shape[0]
    before = s.ties.trust[0].copy()
    rng = np.random.default_rng(5)  # trust that differs tie by tie, so that a wrong mean or tie shows
    before[:] = rng.uniform(0.05, 0.95, n_edges)
    s.ties.trust[0] = before
    join_partners(ix, s.traits, s.members, s.ties, s.counters, batch.params, 10)
    after = s.ties.trust[0]

    between_partners = [e for e in range(limit, n_edges) if partner[src[e]]]
    to_partners = [e for e in range(limit, n_edges) if not partner[src[e]]]
    assert between_partners and to_partners
    np.testing.assert_array_equal(after[between_partners], before[between_partners])
    for e in to_partners:
        i = src[e]
        own = [f for f in range(limit) if (src[f] == i or dst[f] == i) and not cross[f]]
        expected = 0.6 * before[e] + 0.4 * before[own].mean()
        assert abs(after[e] - expected) < 1e-12
    np.testing.assert_array_equal(after[:limit], before[:limit])
    assert (s.ties.history[0, limit:] == 0).all()
