import csv
import time
from pathlib import Path

import numpy as np
import pytest

from pcnsim.world import structure
from pcnsim.config import ScenarioError
from pcnsim.config.schema import Network, Spread

DATA = Path(__file__).resolve().parent.parent / "scenarios" / "data"
PRACTICES = DATA / "example_practices.csv"
TIES = DATA / "example_ties.csv"
ENGLAND = Network(kind="generated", pcns=1250, systems=42, pcn_practices=Spread(mean=5.2, sd=2.6))
LIST_SIZE = Spread(mean=9500.0, sd=5000.0)


def england(seed: int) -> structure.Structure:
    return structure.build(ENGLAND, LIST_SIZE, np.random.default_rng(seed))


def assert_edges_well_formed(world):
    assert (world.src < world.dst).all()
    keys = world.src * world.n + world.dst
    assert (np.diff(keys) > 0).all(), "edges must be sorted and distinct"
    assert (world.cross == (world.pcn[world.src] != world.pcn[world.dst])).all()


def assert_pcns_complete(world):
    inside = ~world.cross
    size = np.bincount(world.pcn, minlength=world.n_pcns)
    per_pcn = np.bincount(world.pcn[world.src[inside]], minlength=world.n_pcns)
    assert (per_pcn == size * (size - 1) // 2).all()
    assert (np.diff(world.pcn) >= 0).all(), "practices must be contiguous by PCN"


# ---------------------------------------------------------------- single


def _networkx_graph(spec, seed):
    import networkx as nx

    if spec.topology == "complete":
        return nx.complete_graph(spec.practices)
    if spec.topology == "small_world":
        return nx.connected_watts_strogatz_graph(spec.practices, spec.degree, spec.rewire, tries=1000, seed=seed)
    return nx.gnm_random_graph(spec.practices, spec.practices * spec.degree // 2, seed=seed)


@pytest.mark.parametrize("topology", ["complete", "small_world", "random"])
def test_single_is_the_networkx_graph_seeded_from_the_stream(topology):
    spec = Network(kind="single", practices=12, topology=topology, degree=4, rewire=0.3)
    world = structure.build(spec, LIST_SIZE, np.random.default_rng(11))
    graph = _networkx_graph(spec, int(np.random.default_rng(11).integers(2**31)))
    expected = sorted((min(u, v), max(u, v)) for u, v in graph.edges())
    assert list(zip(world.src.tolist(), world.dst.tolist())) == expected
    assert world.n == 12 and world.n_pcns == 1 and world.n_systems == 1
    assert (world.pcn == 0).all() and not world.cross.any()
    assert world.history is None and world.list_size is None
    assert world.practice_codes[0] == "P1" and world.pcn_codes == ["PCN1"] and world.ics_codes == ["ICS1"]


# ---------------------------------------------------------------- generated


def test_generated_looks_like_england():
    start = time.perf_counter()
    world = england(1)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0
    assert world.n_pcns == 1250 and world.n_systems == 42
    assert abs(world.n - 6500) < 650
    size = np.bincount(world.pcn, minlength=world.n_pcns)
    assert size.min() >= 2
    assert ((size >= 3) & (size <= 8)).mean() > 0.5
    assert size.max() >= 15
    assert world.list_size.shape == (world.n,) and world.list_size.min() >= 500
    assert 30_000 < np.median(np.bincount(world.pcn, world.list_size)) < 55_000
    assert (np.bincount(world.ics, minlength=42) >= 1).all()
    assert world.history is None and len(world.practice_codes) == world.n


def test_generated_ties():
    world = england(2)
    assert_edges_well_formed(world)
    assert_pcns_complete(world)
    a, b = world.pcn[world.src[world.cross]], world.pcn[world.dst[world.cross]]
    assert (world.ics[a] == world.ics[b]).all()
    # Poisson(2) per PCN, less the rare duplicates.
    assert 0.9 * 2 * 1250 < world.cross.sum() <= 1.1 * 2 * 1250


def test_generated_is_reproducible():
    one, again, other = england(5), england(5), england(6)
    for field in ("pcn", "ics", "src", "dst", "cross", "list_size"):
        np.testing.assert_array_equal(getattr(one, field), getattr(again, field))
    assert one.n != other.n or not np.array_equal(one.list_size, other.list_size)
    assert not np.array_equal(np.bincount(one.ics), np.bincount(other.ics))


def test_generated_lone_pcns_get_no_cross_ties():
    spec = Network(kind="generated", pcns=6, systems=6, cross_ties=5.0)
    world = structure.build(spec, LIST_SIZE, np.random.default_rng(0))
    assert not world.cross.any() and world.n_systems == 6
    assert_pcns_complete(world)


def test_generated_exact_sizes_without_spread():
    spec = Network(kind="generated", pcns=20, systems=2, pcn_practices=Spread(mean=4, sd=0))
    world = structure.build(spec, Spread(mean=7000, sd=0), np.random.default_rng(0))
    assert (np.bincount(world.pcn) == 4).all()
    np.testing.assert_allclose(world.list_size, 7000)


# ---------------------------------------------------------------- csv


def read(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_example_files_load():
    rows, ties = read(PRACTICES), read(TIES)
    world = structure.build(Network(kind="csv", file=str(PRACTICES), edges_file=str(TIES)), LIST_SIZE,
                            np.random.default_rng(0))
    assert world.n == len(rows)
    assert world.n_pcns == len({r["pcn_code"] for r in rows})
    assert world.n_systems == len({r["ics_code"] for r in rows}) == 2
    assert_edges_well_formed(world)
    assert_pcns_complete(world)
    by_code = {r["practice_code"]: r for r in rows}
    for i, code in enumerate(world.practice_codes):
        assert world.pcn_codes[world.pcn[i]] == by_code[code]["pcn_code"]
        assert world.ics_codes[world.ics[world.pcn[i]]] == by_code[code]["ics_code"]
        assert world.list_size[i] == float(by_code[code]["list_size"])

    index = {code: i for i, code in enumerate(world.practice_codes)}
    keys = world.src * world.n + world.dst
    listed = np.zeros(len(keys), bool)
    for tie in ties:
        a, b = sorted((index[tie["practice_a"]], index[tie["practice_b"]]))
        e = np.flatnonzero(keys == a * world.n + b)
        assert len(e) == 1
        listed[e] = True
        if tie["history_years"]:
            assert world.history[e[0]] == float(tie["history_years"])
        else:
            assert np.isnan(world.history[e[0]])
        assert world.cross[e[0]] == (by_code[tie["practice_a"]]["pcn_code"] != by_code[tie["practice_b"]]["pcn_code"])
    assert np.isnan(world.history[~listed]).all()
    inside_listed = sum(by_code[t["practice_a"]]["pcn_code"] == by_code[t["practice_b"]]["pcn_code"] for t in ties)
    assert world.cross.sum() == len(ties) - inside_listed
    assert world.cross.sum() >= 1 and inside_listed >= 1


def test_csv_without_edges_and_with_reordering(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("list_size,pcn_code,practice_code,ics_code,extra\n"
                    "100,B,p1,S,x\n200,A,p2,S,y\n300,B,p3,S,z\n400,C,p4,T2,w\n")
    world = structure.load_csv(path)
    assert world.practice_codes == ["p1", "p3", "p2", "p4"]
    assert world.pcn_codes == ["B", "A", "C"] and world.ics_codes == ["S", "T2"]
    assert list(world.pcn) == [0, 0, 1, 2] and list(world.ics) == [0, 0, 1]
    assert list(world.list_size) == [100, 300, 200, 400]
    assert world.history is None and list(zip(world.src, world.dst)) == [(0, 1)]


GOOD = "practice_code,pcn_code,ics_code,list_size\nP1,U1,Q1,5000\nP2,U1,Q1,6000\nP3,U2,Q1,7000\n"


@pytest.mark.parametrize("text, problem", [
    ("practice_code,pcn_code,ics_code\nP1,U1,Q1\n", "missing column(s) list_size"),
    ("", "empty"),
    ("practice_code,pcn_code,ics_code,list_size\n", "no rows"),
    (GOOD + "P1,U2,Q1,800\n", "line 5: duplicate practice_code P1 (first on line 2)"),
    (GOOD.replace("6000", "abc"), "line 3: list_size 'abc' is not a number"),
    (GOOD.replace("6000", "0"), "line 3: list_size '0' is not positive"),
    (GOOD.replace("6000", "-20"), "line 3: list_size '-20' is not positive"),
    (GOOD + "P4,U2,Q9,800\n", "line 5: PCN U2 is in ICS Q9 here but in ICS Q1 on line 4"),
    (GOOD + "P4,,Q1,800\n", "line 5: pcn_code is empty"),
    (GOOD + "P4,U2,Q1\n", "line 5: 3 fields but the header has 4"),
])
def test_bad_practice_files(tmp_path, text, problem):
    path = tmp_path / "practices.csv"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        structure.load_csv(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path)) and problem in message


def test_missing_files(tmp_path):
    with pytest.raises(ScenarioError, match=r"nope\.csv: no such file$"):
        structure.load_csv(tmp_path / "nope.csv")
    (tmp_path / "p.csv").write_text(GOOD)
    with pytest.raises(ScenarioError, match=r"ties\.csv: no such file$"):
        structure.load_csv(tmp_path / "p.csv", tmp_path / "ties.csv")


@pytest.mark.parametrize("text, problem", [
    ("practice_a,history_years\nP1,2\n", "missing column(s) practice_b"),
    ("practice_a,practice_b\nP1,Q9\n", "line 2: practice_b Q9 is not in"),
    ("practice_a,practice_b\nP1,P3\nP2,P2\n", "line 3: practice_a and practice_b are both P2"),
    ("practice_a,practice_b,history_years\nP1,P2,-1\n", "line 2: history_years '-1' is negative"),
    ("practice_a,practice_b,history_years\nP1,P2,long\n", "line 2: history_years 'long' is not a number"),
    ("practice_a,practice_b\nP1,P3\nP3,P1\n", "line 3: tie P3-P1 is listed twice (first on line 2)"),
    ("", "empty"),
])
def test_bad_edge_files(tmp_path, text, problem):
    practices, ties = tmp_path / "practices.csv", tmp_path / "ties.csv"
    practices.write_text(GOOD)
    ties.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        structure.load_csv(practices, ties)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(ties)) and problem in message
    if "is not in" in problem:
        assert message.endswith(str(practices))


def test_edges_across_pcns_and_inside(tmp_path):
    practices, ties = tmp_path / "practices.csv", tmp_path / "ties.csv"
    practices.write_text(GOOD)
    ties.write_text("practice_b,practice_a,history_years\nP2,P1,7.5\nP3,P1,\n")
    world = structure.load_csv(practices, ties)
    assert list(zip(world.src, world.dst)) == [(0, 1), (0, 2)]
    assert list(world.cross) == [False, True]
    assert world.history[0] == 7.5 and np.isnan(world.history[1])
