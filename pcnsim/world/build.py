"""The initial state of one run, drawn from its scenario and random stream.

Everything random about a run's start is drawn here, in a fixed order: the
structure, the practices, the partners, the ties, the requirements' emphases
and which PCNs each PCN watches. The week-by-week draws come after, in the
engine's fixed layout.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..config import Scenario, ScenarioError
from ..config.schema import Spread
from ..engine.outcomes import TOTALS
from ..engine import state
from . import schedule as mandates
from .structure import Structure
from .structure import build as build_structure


# Drawn list sizes are clipped below at a small practice's list.
MIN_LIST_SIZE = 500.0
# Core work is clipped below a full week: a member's meeting time divides by the week left over (1 - core).
MAX_CORE_DEMAND = 0.98


def _spread(rng: np.random.Generator, spread: Spread, size, low: float, high: float) -> np.ndarray:
    return np.clip(rng.normal(spread.mean, spread.sd, size), low, high)


def _mix(rng: np.random.Generator, weights: dict, size: int) -> np.ndarray:
    shares = np.array(list(weights.values()), dtype=float)
    return rng.choice(len(shares), size=size, p=shares / shares.sum())


def _partner_edges(pcn_of_practice: np.ndarray, per_pcn: int, n_pcns: int) -> tuple[np.ndarray, np.ndarray]:
    """Each partner is tied to every practice and every other partner of its PCN."""
    n = len(pcn_of_practice)
    src, dst = [], []
    for q in range(n_pcns):
        practices = np.flatnonzero(pcn_of_practice == q)
        partners = n + q * per_pcn + np.arange(per_pcn)
        for a, partner in enumerate(partners):
            src.extend(practices.tolist())
            dst.extend([partner] * len(practices))
            src.extend([partner] * (per_pcn - a - 1))
            dst.extend(partners[a + 1:].tolist())
    return np.array(src, np.int64), np.array(dst, np.int64)


def _csr(keys: np.ndarray, size: int, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group `items` by `keys` (0..size-1), stable: (start offsets of size+1, items in key order)."""
    order = np.argsort(keys, kind="stable")
    start = np.zeros(size + 1, np.int64)
    np.cumsum(np.bincount(keys, minlength=size), out=start[1:])
    return start, items[order].astype(np.int64)


def _core_extra(sc) -> np.ndarray:
    """Core demand added to every practice's in each week 0..steps, the sum of the shocks active then.

    One more entry, always 0, stands for every week after the run's last (a page may step on).
    """
    extra = np.zeros(sc.steps + 2)
    for shock in sc.demand_shocks:
        extra[shock.start_week:min(shock.start_week + shock.weeks, sc.steps + 1)] += shock.extra
    return extra


def _watch(rng: np.random.Generator, n_pcns: int, visible: int) -> np.ndarray:
    """For each PCN, `visible` distinct other PCNs whose achievements it sees."""
    if visible == 0:
        return np.zeros((n_pcns, 0), np.int64)
    if visible >= n_pcns:
        raise ScenarioError(f"comparison.visible ({visible}) must be below the number of PCNs ({n_pcns})")
    others = np.array([rng.choice(n_pcns - 1, visible, replace=False) for _ in range(n_pcns)], np.int64)
    return others + (others >= np.arange(n_pcns)[:, None])


@lru_cache(maxsize=64)
def _schedule(streams: tuple, ics) -> mandates.Schedule:
    """The national schedule and the ICS's asks, built once per setting (the runs of a sweep point share it; it is
    copied)."""
    return mandates.build(list(streams), ics)


def build(scenario: Scenario, rng: np.random.Generator) -> tuple[state.State, Structure]:
    """A batch of one run in its initial state, and the structure it was built on."""
    sc, sp, pa = scenario, scenario.practices, scenario.partners
    structure = build_structure(sc.network, sp.list_size, rng)
    n, n_pcns, k = structure.n, structure.n_pcns, len(sp.value_dimensions)
    c = pa.per_pcn
    n_members = n + n_pcns * c
    pcn = np.concatenate([structure.pcn, np.repeat(np.arange(n_pcns), c)]).astype(np.int64)
    partner = np.arange(n_members) >= n

    if sp.value_distribution == "uniform":
        practice_values = rng.random((n, k))
    else:
        practice_values = np.clip(0.5 + rng.normal(0.0, sp.value_spread, (n, k)), 0.0, 1.0)
    inside = _spread(rng, sc.network.history_years, len(structure.src), 0.0, np.inf)
    across = _spread(rng, sc.network.cross_history_years, len(structure.src), 0.0, np.inf)
    history = np.where(structure.cross, across, inside)
    if structure.history is not None:
        history = np.where(np.isnan(structure.history), history, structure.history)
    stakes = _spread(rng, sp.stakes, n, 0.0, 1.0)
    core = _spread(rng, sp.core_demand, n, 0.0, MAX_CORE_DEMAND)
    drawn_sizes = _spread(rng, sp.list_size, n, MIN_LIST_SIZE, np.inf)
    list_size = drawn_sizes if structure.list_size is None else np.asarray(structure.list_size, float)
    style = _mix(rng, sp.styles.model_dump(), n)
    authorisation = _mix(rng, sp.authorisation.model_dump(), n)

    centre = np.full(k, 0.5) if pa.value_centre is None else np.array(pa.value_centre)
    partner_values = np.clip(centre + rng.normal(0.0, sp.value_spread, (n_pcns * c, k)), 0.0, 1.0)
    partner_stakes = _spread(rng, pa.stakes, n_pcns * c, 0.0, 1.0)
    partner_core = _spread(rng, pa.core_demand, n_pcns * c, 0.0, MAX_CORE_DEMAND)
    partner_style = _mix(rng, sp.styles.model_dump(), n_pcns * c)
    partner_authorisation = _mix(rng, sp.authorisation.model_dump(), n_pcns * c)
    mean_size = np.bincount(structure.pcn, list_size, n_pcns) / np.bincount(structure.pcn, minlength=n_pcns)
    partner_size = pa.voice * np.repeat(mean_size, c)

    p_src, p_dst = _partner_edges(structure.pcn, c, n_pcns)
    src = np.concatenate([structure.src, p_src]).astype(np.int64)
    dst = np.concatenate([structure.dst, p_dst]).astype(np.int64)
    cross = np.concatenate([structure.cross, np.zeros(len(p_src), bool)])
    history = np.concatenate([history, np.zeros(len(p_src))])
    n_edges = len(src)
    tr = sc.trust
    base = tr.initial + tr.history_gain * (1.0 - np.exp(-history / tr.history_scale_years))
    trust = np.clip(base + rng.normal(0.0, tr.initial_noise, n_edges), 0.0, 1.0)

    schedule = _schedule(tuple(sc.mandates), sc.ics)
    national = int(np.count_nonzero(~schedule.from_ics))
    emphasis = rng.dirichlet(np.ones(k), national)
    watch = _watch(rng, n_pcns, sc.comparison.visible)

    style = np.concatenate([style, partner_style]).astype(np.int64)
    table = np.array(list(sc.conflict.propensities.model_dump().values()), dtype=float)
    propensity = 0.5 * (table[style[src]] + table[style[dst]])
    edge_ids = np.arange(n_edges)
    adj_start, adj_edge = _csr(np.concatenate([src, dst]), n_members, np.concatenate([edge_ids, edge_ids]))
    pcn_start, pcn_members = _csr(pcn, n_pcns, np.arange(n_members))
    inner = np.flatnonzero(~cross)
    pcn_edge_start, pcn_edges = _csr(pcn[src[inner]], n_pcns, inner)
    population = np.bincount(structure.pcn, list_size, n_pcns)
    per = sc.delivery.effort_population
    n_req = schedule.size
    # Drawn from a child stream, so that the run's own stream is unchanged; perception first, then each PCN's
    # Clinical Director (with spreads of 0 these add exactly nothing), then the ICS's asks' emphases and each PCN's
    # starting trust in its ICS.
    child = rng.spawn(1)[0]
    perception = child.normal(0.0, sc.comparison.perception_sd, n_pcns)
    le = sc.leadership
    skill = np.clip(le.facilitation + child.normal(0.0, le.facilitation_sd, n_pcns), 0.0, 1.0)
    cd_time = np.clip(le.cd_wte + child.normal(0.0, le.cd_wte_sd, n_pcns), 0.0, 1.0)
    new_cd = child.random(n_pcns) < le.new_cd_share
    emphasis = np.concatenate([emphasis, child.dirichlet(np.ones(k), schedule.size - national)])
    ics_trust = np.clip(sc.ics.initial + child.normal(0.0, sc.ics.initial_sd, n_pcns), 0.0, 1.0)

    arrays = dict(
        pcn=pcn, partner=partner, src=src, dst=dst, cross=cross, base_edges=np.int64(len(structure.src)),
        adj_start=adj_start, adj_edge=adj_edge, pcn_start=pcn_start, pcn_members=pcn_members,
        pcn_edge_start=pcn_edge_start, pcn_edges=pcn_edges, cross_edges=np.flatnonzero(cross).astype(np.int64), watch=watch, propensity=propensity, style=style,
        values=np.concatenate([practice_values, partner_values]),
        stakes=np.concatenate([stakes, partner_stakes]),
        core_demand=np.concatenate([core, partner_core]),
        list_size=np.concatenate([list_size, partner_size]),
        authorisation=np.concatenate([authorisation, partner_authorisation]).astype(np.int64),
        ownership=np.full(n_members, sp.initial_ownership),
        burnout=np.zeros(n_members), engaged=~partner, active=~partner,
        capacity=np.ones(n_members), pressure=np.zeros(n_members), unfunded=np.zeros(n_members),
        attendance=np.zeros(n_members), time_lost=np.zeros(n_members),
        overruled=np.zeros(n_members, bool), broke=np.zeros(n_members, bool),
        trust=trust, history=history, tension=np.zeros(n_edges), last_meeting=np.zeros(n_edges, np.int8),
        scar=np.zeros(n_edges),
        decided=np.zeros((n_pcns, n_req), bool), done=np.zeros((n_pcns, n_req)),
        done_joint=np.zeros((n_pcns, n_req)), joint_work=np.zeros((n_pcns, 3)),
        demand=np.zeros(n_pcns), facilitation=np.zeros(n_pcns),
        cd_skill=np.where(new_cd, skill * le.new_cd_start, skill), ics_trust=ics_trust,
        effort_scale=population / per if per else np.ones(n_pcns),
        perception=perception, skill=skill, cd_time=cd_time,
        behind=np.zeros(n_pcns, bool), truly_behind=np.zeros(n_pcns, bool), progress=np.zeros(n_pcns),
        pcn_totals=np.zeros((n_pcns, len(TOTALS)), np.int64),
        arrival=schedule.arrival, effort=schedule.effort, funding=schedule.funding, due=schedule.due,
        target=schedule.target, stage_exists=schedule.stage_exists, emphasis=emphasis, core_extra=_core_extra(sc),
        joint=schedule.joint, from_ics=schedule.from_ics,
        totals=np.zeros(len(TOTALS), np.int64), agreement=np.zeros(2), last_trust=np.float64(0.0), joined=np.bool_(False),
    )
    return state.of({name: np.asarray(arrays[name])[None].copy() for name in state.FIELDS}), structure
