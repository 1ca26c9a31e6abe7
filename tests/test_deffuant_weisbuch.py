"""The value dynamics reduce exactly to Deffuant-Weisbuch in the documented special case."""

import numpy as np
import pytest

from pcnsim import PCNModel, load
from conftest import SCENARIOS

DW = SCENARIOS / "deffuant_weisbuch.yaml"


def squared_deviation(values):
    return float(((values - values.mean()) ** 2).sum())


@pytest.mark.parametrize("mu", [0.1, 0.3, 0.5])
@pytest.mark.parametrize("n", [7, 40])
def test_each_interaction_lowers_squared_deviation_by_exactly_2mu_1_minus_mu_delta2(mu, n):
    sc = load(DW, ["values.confidence=1.0", f"values.convergence={mu}", f"network.practices={n}",
                   "meetings.per_step=1"])
    model = PCNModel(sc, seed=11)
    for _ in range(200):
        before = model.state.values[:, 0].copy()
        model.step()
        after = model.state.values[:, 0]
        moved = np.flatnonzero(after != before)
        if len(moved) == 0:  # the pair already agreed exactly
            continue
        assert len(moved) == 2
        i, j = moved
        delta = before[j] - before[i]
        assert after[i] == pytest.approx(before[i] + mu * delta, abs=1e-15)
        assert after[j] == pytest.approx(before[j] - mu * delta, abs=1e-15)
        reduction = squared_deviation(before) - squared_deviation(after)
        assert reduction == pytest.approx(2 * mu * (1 - mu) * delta**2, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("mu,n", [(0.2, 10), (0.5, 25), (0.35, 60)])
def test_expected_variance_shrinks_by_the_random_pair_factor(mu, n):
    # E[S_{t+1} / S_t] = 1 - 4 mu (1 - mu) / (n - 1) for one uniformly random pair with d >= 1.
    sc = load(DW, ["values.confidence=1.0", f"values.convergence={mu}", f"network.practices={n}",
                   "meetings.per_step=1"])
    ratios = []
    for seed in range(40):
        model = PCNModel(sc, seed=seed)
        for _ in range(150):
            before = squared_deviation(model.state.values[:, 0])
            model.step()
            ratios.append(squared_deviation(model.state.values[:, 0]) / before)
    ratios = np.array(ratios)
    expected = 1 - 4 * mu * (1 - mu) / (n - 1)
    standard_error = ratios.std(ddof=1) / np.sqrt(len(ratios))
    assert abs(ratios.mean() - expected) < 4 * standard_error


def test_values_outside_the_confidence_bound_never_move():
    sc = load(DW, ["values.confidence=0.15", "meetings.per_step=1", "network.practices=30"])
    model = PCNModel(sc, seed=3)
    for _ in range(300):
        before = model.state.values[:, 0].copy()
        model.step()
        moved = np.flatnonzero(model.state.values[:, 0] != before)
        if len(moved) == 2:
            assert abs(before[moved[0]] - before[moved[1]]) < 0.15


def test_narrower_confidence_leaves_more_opinion_clusters():
    # The classic Deffuant-Weisbuch result: final clusters grow as d shrinks (about 1 / (2d)).
    finals = {}
    for d in (0.1, 0.25, 0.5):
        sc = load(DW, [f"values.confidence={d}", "values.convergence=0.5", "steps=300"])
        finals[d] = np.mean([PCNModel(sc, seed=s).run()["n_clusters"].iloc[-1] for s in range(6)])
    assert finals[0.1] > finals[0.25] > finals[0.5]
    assert finals[0.5] <= 1.5
