"""PCN sizes as published (issue 13 item 7): `network.pcn_patients` draws each PCN's registered patients first.

The published figures, January 2020 (ODD 2.6): Morciano, Checkland, Hammond, Lau & Sutton, "Variability in size
and characteristics of primary care networks in England: observational study", Br J Gen Pract 2020;70(701):
e899-e905: 1,250 PCNs of 6,758 practices; 84 (7%) below 30,000 patients, 726 (58%) at 30,000-50,000, 440 (35%)
above; 34 of one practice, 77 of more than 10; its Figure 1: P10 31,100, P90 69,200. The mean, 48,020: BMA, "Primary
Care Networks the year in stats". The shares and the mean are what england.yaml's spread was solved for; the
percentiles and the practice counts are not, so they test the shape of the distribution and the practices' draw.
"""

import numpy as np
import pytest

from pcnsim import load
from pcnsim.config.schema import Network, PCNPatientsSpread, Spread
from pcnsim.engine.batch import Batch
from pcnsim.engine.outcomes import PCN_OUTCOMES
from pcnsim.model import PCNModel
from pcnsim.study import targets as T
from pcnsim.world import structure
from conftest import SCENARIOS
from inputs_schema import refusal
from test_reference import EVERYTHING, MODEL2, assert_same

ENGLAND = SCENARIOS / "england.yaml"
SEEDS = [1, 2, 3, 4]
PCNS, PRACTICES = 1250, 6758
BELOW, BETWEEN, ABOVE = 84 / 1250, 726 / 1250, 440 / 1250
MEAN, P10, P90 = 48_020.0, 31_100.0, 69_200.0
SINGLE, OVER_TEN = 34, 77


def england(seed, overrides=()):
    sc = load(ENGLAND, list(overrides))
    return structure.build(sc.network, sc.practices.list_size, np.random.default_rng(seed)), sc


def patients(world):
    return np.bincount(world.pcn, world.list_size, world.n_pcns)


@pytest.fixture(scope="module")
def worlds():
    return [england(seed)[0] for seed in SEEDS]


def shares(x):
    return (x < 30_000).mean(), ((x >= 30_000) & (x <= 50_000)).mean(), (x > 50_000).mean()


def test_england_is_1250_pcns_in_42_systems(worlds):
    for world in worlds:
        assert world.n_pcns == PCNS and world.n_systems == 42
        assert abs(world.n - PRACTICES) < 0.05 * PRACTICES


def test_each_seed_has_the_published_shares_and_mean_within_sampling_error(worlds):
    # Over 1,250 PCNs a share's sampling sd is about 0.014 (0.007 below 30,000) and the mean's about 470.
    for world in worlds:
        x = patients(world)
        below, between, above = shares(x)
        assert abs(below - BELOW) < 0.025 and abs(between - BETWEEN) < 0.045 and abs(above - ABOVE) < 0.045
        assert abs(x.mean() - MEAN) < 1_600


def test_over_the_seeds_the_shares_and_mean_are_the_published_ones(worlds):
    x = [patients(world) for world in worlds]
    below, between, above = np.mean([shares(one) for one in x], axis=0)
    print(f"below 30,000 {below:.3f} (published {BELOW:.3f}), 30,000-50,000 {between:.3f} ({BETWEEN:.3f}), "
          f"above 50,000 {above:.3f} ({ABOVE:.3f}), mean {np.mean([one.mean() for one in x]):,.0f} ({MEAN:,.0f})")
    assert abs(below - BELOW) < 0.012 and abs(between - BETWEEN) < 0.02 and abs(above - ABOVE) < 0.02
    assert abs(np.mean([one.mean() for one in x]) - MEAN) < 800


def test_the_unfitted_percentiles_are_near_the_published_ones(worlds):
    p10, p90 = np.mean([np.percentile(patients(world), [10, 90]) for world in worlds], axis=0)
    print(f"P10 {p10:,.0f} (published {P10:,.0f}), P90 {p90:,.0f} ({P90:,.0f})")
    assert abs(p10 - P10) < 1_500 and abs(p90 - P90) < 3_000


def test_single_practice_and_large_pcns_are_as_many_as_published(worlds):
    for world in worlds:
        size = np.bincount(world.pcn, minlength=world.n_pcns)
        print(f"one practice {(size == 1).sum()} (published {SINGLE}), more than 10 {(size > 10).sum()} "
              f"({OVER_TEN}), practices {world.n} ({PRACTICES})")
        # "a few dozen" and "several dozen": within about half to one and a half times the published counts
        assert 17 <= (size == 1).sum() <= 51
        assert 38 <= (size > 10).sum() <= 116


def test_practices_lists_split_their_pcns_patients(worlds):
    sc = load(ENGLAND)
    least = sc.network.pcn_patients.least
    for world in worlds:
        assert world.list_size.min() >= structure.MIN_LIST_SIZE
        assert patients(world).min() >= least
        assert 8_400 < world.list_size.mean() < 9_400  # about the mean practice list, practices.list_size.mean


def test_the_spread_and_the_practices_follow_the_options():
    # A PCN's patients, not its practices, now follow pcn_patients: no spread, and every PCN has that many.
    world, _ = england(3, ["network.pcn_patients={mean: 40000, sd: 0, least: 20000}", "network.pcns=50",
                           "network.systems=5"])
    np.testing.assert_allclose(patients(world), 40_000)
    # Practices of exactly 10,000 patients apiece: 1 + Poisson(3), so about 4 a PCN, and lists of equal shares.
    world, _ = england(3, ["network.pcn_patients={mean: 40000, sd: 0, least: 20000}", "network.pcns=400",
                           "network.systems=5", "practices.list_size={mean: 10000, sd: 0}"])
    size = np.bincount(world.pcn)
    assert abs(size.mean() - 4.0) < 0.25 and size.min() == 1
    np.testing.assert_allclose(world.list_size, 40_000 / size[world.pcn])


# ---------------------------------------------------------------- unset: main's structure, draw for draw


def mains_generated(network, list_size, rng):
    """The arrays main's generator drew before pcn_patients (commit d47e974), draw for draw, frozen here."""
    n_pcns, n_systems = network.pcns, network.systems
    per_ics = structure.ics_sizes(rng, n_pcns, n_systems)
    ics = np.repeat(np.arange(n_systems), per_ics)
    ics_first = np.concatenate([[0], np.cumsum(per_ics)[:-1]])
    spread = network.pcn_practices
    size = np.maximum(np.rint(structure._lognormal(rng, spread.mean, spread.sd, n_pcns)), 2).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    n = int(size.sum())
    pcn = np.repeat(np.arange(n_pcns), size)
    sizes = np.maximum(structure._lognormal(rng, list_size.mean, list_size.sd, n), 500.0)
    inside_src, inside_dst = structure._complete_within(start, size)
    count = rng.poisson(network.cross_ties, n_pcns)
    count[per_ics[ics] < 2] = 0
    owner = np.repeat(np.arange(n_pcns), count)
    a = start[owner] + rng.integers(0, size[owner])
    slot = rng.integers(0, per_ics[ics[owner]] - 1)
    slot += slot >= owner - ics_first[ics[owner]]
    other = ics_first[ics[owner]] + slot
    b = start[other] + rng.integers(0, size[other])
    src, dst = structure._sorted_unique(np.concatenate([inside_src, a]), np.concatenate([inside_dst, b]), n)
    return {"pcn": pcn, "ics": ics, "src": src, "dst": dst, "list_size": sizes}


@pytest.mark.parametrize("network, list_size", [
    (Network(kind="generated", pcns=1250, systems=42, pcn_practices=Spread(mean=5.2, sd=2.6)),
     Spread(mean=9500.0, sd=5000.0)),  # main's england.yaml
    (Network(kind="generated", pcns=30, systems=4, cross_ties=3.0), Spread(mean=8000.0, sd=2500.0)),
    (Network(kind="generated", pcns=7, systems=7, pcn_practices=Spread(mean=4, sd=0)), Spread(mean=7000.0, sd=0.0)),
])
@pytest.mark.parametrize("seed", [1, 2])
def test_without_pcn_patients_the_structure_is_mains_bit_for_bit(network, list_size, seed):
    assert network.pcn_patients is None
    world = structure.build(network, list_size, np.random.default_rng(seed))
    rng = np.random.default_rng(seed)
    old = mains_generated(network, list_size, rng)
    for field, expected in old.items():
        assert np.array_equal(getattr(world, field), expected), field
    again = np.random.default_rng(seed)
    structure.build(network, list_size, again)
    assert again.random() == rng.random(), "the draws after the structure must be where they were"


def test_the_option_changes_the_structure():
    old, _ = england(1, ["network.pcn_patients=null"])
    new, _ = england(1)
    assert old.n != new.n or not np.array_equal(old.list_size, new.list_size)
    assert (np.bincount(old.pcn) >= 2).all()  # main's generator never draws a PCN of one practice


# ---------------------------------------------------------------- PCNs of one practice run


@pytest.mark.parametrize("partners", [0, 1])
def test_pcns_of_one_practice_run_the_same_in_the_engine_and_the_reference(partners):
    small = ["network.pcns=8", "network.systems=2", "network.pcn_patients={mean: 14000, sd: 6000, least: 2000}",
             f"partners.per_pcn={partners}"]
    scenario = load(SCENARIOS / "race.yaml", EVERYTHING + MODEL2 + small)
    model = PCNModel(scenario, 3)
    size = np.bincount(model.structure.pcn)
    assert (size == 1).sum() >= 2 and size.max() >= 2
    got = assert_same(scenario, 3, 80)
    defined = got.drop(columns=["agreement_share", "joint_quality"])  # undefined at week 0 / before joint work
    assert np.isfinite(defined.to_numpy(float)).all()
    assert got.decisions_agreed.iloc[-1] + got.decisions_imposed.iloc[-1] > 0


def test_the_population_outcome_is_the_pcns_patients_and_sums_to_its_ics():
    scenario = load(ENGLAND, ["network.pcns=40", "network.systems=4", "steps=13"])
    model = PCNModel(scenario, 2)
    model.run(13)
    table = model.pcn_table()
    expected = patients(model.structure)
    for _, rows in table.groupby("step"):
        np.testing.assert_array_equal(rows.population.to_numpy(), expected)
    from pcnsim.outputs.tables import ics_table

    ics = ics_table(table)
    by_ics = np.bincount(model.structure.ics, expected)
    np.testing.assert_allclose(ics[ics.step == 13].population.to_numpy(), by_ics, rtol=1e-12)


def test_a_target_reads_the_share_of_pcns_at_30000_to_50000():
    scenario = load(ENGLAND, ["network.pcns=200", "network.systems=6"])
    batch = Batch.of([scenario], [4])
    rows = batch.pcn_outcomes()[0]
    target = T.Target(name="sizes", source="BJGP 2020", quote="q", why="w", week=0, band=(0.5, 0.65),
                      measure={"kind": "pcn_share", "outcome": "population", "above": 30000, "below": 50000})
    share = T.measured(target, {}, {0: rows})
    world = structure.build(scenario.network, scenario.practices.list_size, np.random.default_rng(4))
    x = patients(world)
    assert share == ((x >= 30_000) & (x < 50_000)).mean()
    assert rows[:, PCN_OUTCOMES.index("population")].sum() == pytest.approx(world.list_size.sum(), rel=1e-12)


def test_a_field_set_alone_turns_the_spread_on_with_englands_other_fields():
    network = load(SCENARIOS / "baseline.yaml", ["network.pcn_patients.sd=0"]).network
    assert network.pcn_patients == PCNPatientsSpread(mean=48_020.0, sd=0.0, least=17_680.0)
    assert load(ENGLAND).network.pcn_patients == PCNPatientsSpread()


# ---------------------------------------------------------------- bad values


@pytest.mark.parametrize("value, says", [
    ("{mean: 400, sd: 1, least: 500}", "network.pcn_patients: mean (400) must be above least (500)"),
    ("{mean: 40000, sd: 1000, least: 400}", "network.pcn_patients.least: Input should be greater than or equal to 500"),
    ("{mean: 40000, sd: -1}", "network.pcn_patients.sd: Input should be greater than or equal to 0"),
    ("{mean: 15000}", "network.pcn_patients: mean (15000) must be above least (17680)"),
    ("{mean: 2000000}", "network.pcn_patients.mean: Input should be less than or equal to 1000000"),
    ("{mean: .nan}", "network.pcn_patients.mean: Input should be a finite number"),
    ("{mean: 40000, most: 9}", "network.pcn_patients.most: unknown key; allowed: mean, sd, least"),
    ("40000", "network.pcn_patients: Input should be a valid dictionary"),
])
def test_a_bad_pcn_patients_is_refused_in_one_line(tmp_path, capsys, value, says):
    path = tmp_path / "s.yaml"
    path.write_text(f"network: {{kind: generated, pcns: 10, systems: 2, pcn_patients: {value}}}\nsteps: 2\n")
    line = refusal(["validate", path], capsys)
    assert line.startswith(f"error: {path}: ") and says in line
