"""The model's week agent by agent, the plain Mesa way: the engine's oracle for traversal, indexing and batching.

`pcnsim.engine` runs the model as compiled kernels over arrays of many runs.
This module runs one run over objects: one Mesa agent per member (a
practice, or a partner organisation once it has joined), one `Tie` per
relationship, one `PCN` per network and one `Requirement` per national ask,
walked one at a time with no vectorisation and no call into the kernels.

The rules themselves are not restated: each process's per-agent half sits
beside its kernel (`pcnsim.engine.processes`) and both call the same rules
(`pcnsim.engine.rules`, as plain Python here). What this module adds is the
traversal. For the same scenario and seed it starts from the engine's
initial state (`build` on the model's generator), draws each week's uniforms
from that generator in the engine's layout (`engine.draws`) and runs the
week's order (`engine.week`), so its outcomes and state equal the engine's
bit for bit (tests/test_reference.py).
"""

from __future__ import annotations

import math

import mesa
import numpy as np
import pandas as pd

from .config import Scenario
from .engine import draws, rules, state
from .engine.jit import plain
from .engine.outcomes import OUTCOMES, PCN_OUTCOMES, TALLY
from .engine.processes.measure import measure_pcns_reference, measure_reference
from .engine.week import ORDER, START, reference_week
from .world.build import build

R = plain(rules)


class Tie:
    """A relationship between two members: trust, shared history (years) and latent tension (state.Ties)."""

    def __init__(self, index: int, src: Member, dst: Member, cross: bool, propensity: list[float]) -> None:
        self.index = index  # ties 0..base_edges-1 are between practices; partners' ties come last
        self.src, self.dst = src, dst
        self.cross = cross  # between practices of different PCNs
        self.propensity = propensity  # weights of productive, avoided, destructive handling


class Member(mesa.Agent):
    """A general practice, or a partner organisation (inactive until it joins its PCN); state.Members fields."""

    def __init__(self, model: ReferenceModel, index: int, partner: bool, style: int, core_demand: float,
                 list_size: float, authorisation: int) -> None:
        super().__init__(model)
        self.index, self.partner = index, partner
        self.style, self.core_demand, self.list_size, self.authorisation = style, core_demand, list_size, authorisation
        self.pcn: PCN | None = None
        self.ties: list[Tie] = []  # in the engine's adjacency order

    def mean_trust(self, limit: int) -> float:
        """Mean trust over its active ties inside its PCN (0 with none)."""
        return self._mean_over_own_ties("trust", limit)

    def mean_tension(self, limit: int) -> float:
        """Mean latent (unsaid) tension over its active ties inside its PCN (0 with none)."""
        return self._mean_over_own_ties("tension", limit)

    def _mean_over_own_ties(self, name: str, limit: int) -> float:
        total, count = 0.0, 0
        for tie in self.ties:
            if tie.index < limit and not tie.cross:
                total += getattr(tie, name)
                count += 1
        return total / count if count > 0 else 0.0

    def stake(self) -> float:
        return R.stake(self.stakes, self.model.params.values.workload_stakes, self.unfunded)

    def distance(self, proposal: list[float], emphasis: list[float]) -> float:
        """Emphasis-weighted distance between its values and a proposal."""
        dist = 0.0
        for mine, proposed, weight in zip(self.values, proposal, emphasis):
            dist += R.weighted_gap(weight, mine, proposed)
        return math.sqrt(dist)

    def backs(self, proposal: list[float], emphasis: list[float], limit: int) -> bool:
        v = self.model.params.values
        return R.backs(self.distance(proposal, emphasis), self.stake(), v.stakes_amplification, v.confidence,
                       R.openness(self.mean_trust(limit), v.trust_modulation))

    def alignment(self, proposal: list[float], emphasis: list[float], limit: int) -> float:
        v = self.model.params.values
        return R.alignment(self.distance(proposal, emphasis), self.stake(), v.stakes_amplification, v.confidence,
                           R.openness(self.mean_trust(limit), v.trust_modulation))


class PCN:
    """A Primary Care Network: its members, the ties inside it and its progress on each requirement (state.PCNs)."""

    def __init__(self, index: int, effort_scale: float, perception: float, skill: float, cd_time: float) -> None:
        self.index, self.effort_scale, self.perception = index, effort_scale, perception
        self.skill, self.cd_time = skill, cd_time  # its own Clinical Director's facilitation skill and time
        self.members: list[Member] = []  # practices, then partners
        self.ties: list[Tie] = []  # ties between its own members
        self.watches: list[PCN] = []  # the PCNs whose achievements it sees
        self.shown = 0.0  # what it shows of its progress to the PCNs that watch it

    def proposal(self, f: float) -> list[float]:
        """Engaged members' values, weighted (rules.proposal_weight)."""
        engaged = [member for member in self.members if member.engaged]
        out = [0.0] * len(self.members[0].values)
        size = 0.0
        for member in engaged:
            size += member.list_size
        for member in engaged:
            w = R.proposal_weight(f, member.list_size, size, len(engaged))
            for k, value in enumerate(member.values):
                out[k] += w * value
        return out

    def clusters(self, tolerance: float) -> int:
        """Opinion clusters: active members linked by chains of profiles within `tolerance` (single linkage)."""
        active = [member for member in self.members if member.active]
        limit = tolerance * tolerance * len(self.members[0].values)
        links = []
        for a, one in enumerate(active):
            for other in active[a + 1:]:
                sq = 0.0
                for mine, theirs in zip(one.values, other.values):
                    sq += R.square_gap(mine, theirs)
                if sq <= limit:
                    links.append((one, other))
        return ReferenceModel.components(active, links)


class Requirement:
    """A national requirement or an ask of the ICS (`from_ics`): known after week `arrival`, its work due in stages
    (due week, cumulative target)."""

    def __init__(self, arrival: int, effort: float, funding: float, stages: list[tuple[int, float]],
                 emphasis: list[float], joint: float, from_ics: bool) -> None:
        self.arrival, self.effort, self.funding = arrival, effort, funding
        self.stages, self.emphasis, self.joint, self.from_ics = stages, emphasis, joint, from_ics

    def required_rate(self, done: float, scale: float, late_weeks: float, week: int) -> float:
        """Effort per week one of its tracks asks of a PCN: to meet its next stage on time, or to work off late
        what is left after the last."""
        for due, target in self.stages:
            if due >= week:
                return R.stage_rate(target, scale, done, due, week)
        return R.late_rate(R.left_to_do(self.effort, scale, done), late_weeks)


class Tally:
    """What happened this week (outcomes.TALLY, by name): counts as ints, amounts as floats."""

    def __init__(self) -> None:
        for outcome in TALLY.outcomes:
            setattr(self, outcome.name, 0 if outcome.kind == "count" else 0.0)


class ReferenceModel(mesa.Model):
    """One run of `scenario` (seeded by `seed`, else the scenario's own) over objects, as PCNModel runs it in arrays."""

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.seed_used = scenario.seed if seed is None else int(seed)
        super().__init__(rng=self.seed_used)
        self.params = scenario
        built, self.structure = build(scenario, self.rng)
        r = {name: array[0] for name, array in state.items(built)}
        n_members, n_pcns, n_req = len(r["pcn"]), len(r["demand"]), len(r["arrival"])

        self.requirements = [
            Requirement(int(r["arrival"][k]), float(r["effort"][k]), float(r["funding"][k]),
                        [(int(due), float(target)) for due, target, exists in
                         zip(r["due"][k], r["target"][k], r["stage_exists"][k]) if exists],
                        r["emphasis"][k].tolist(), float(r["joint"][k]), bool(r["from_ics"][k]))
            for k in range(n_req)
        ]
        self.core_extra = r["core_extra"].tolist()
        self.pcns = [PCN(q, float(r["effort_scale"][q]), float(r["perception"][q]), float(r["skill"][q]),
                         float(r["cd_time"][q])) for q in range(n_pcns)]
        self.members = [
            Member(self, i, bool(r["partner"][i]), int(r["style"][i]), float(r["core_demand"][i]),
                   float(r["list_size"][i]), int(r["authorisation"][i]))
            for i in range(n_members)
        ]
        self.ties = [
            Tie(e, self.members[r["src"][e]], self.members[r["dst"][e]], bool(r["cross"][e]),
                r["propensity"][e].tolist())
            for e in range(len(r["src"]))
        ]
        # The changing state: every field of state.Members, Ties, PCNs and Counters, as plain Python values.
        self.objects = {"members": self.members, "ties": self.ties, "pcns": self.pcns}
        for group, objects in self.objects.items():
            for name in state.GROUPS[group]._fields:
                for k, obj in enumerate(objects):
                    setattr(obj, name, r[name][k].tolist())
        for name in state.Counters._fields:
            setattr(self, name, r[name].tolist())
        for q, pcn in enumerate(self.pcns):
            pcn.members = [self.members[i] for i in r["pcn_members"][r["pcn_start"][q]:r["pcn_start"][q + 1]]]
            pcn.watches = [self.pcns[w] for w in r["watch"][q]]
            pcn.ties = [self.ties[e] for e in r["pcn_edges"][r["pcn_edge_start"][q]:r["pcn_edge_start"][q + 1]]]
            for member in pcn.members:
                member.pcn = pcn
        for i, member in enumerate(self.members):
            member.ties = [self.ties[e] for e in r["adj_edge"][r["adj_start"][i]:r["adj_start"][i + 1]]]
        self.cross_ties = [self.ties[e] for e in r["cross_edges"]]
        self.shapes = {name: (r[name].dtype, r[name].shape) for group in state.DYNAMIC
                       for name in state.GROUPS[group]._fields}
        self.base_edges = int(r["base_edges"])  # ties among practices; partners' ties count once they join

        self.follow_rng = draws.follow_stream(self.rng)
        self.layout = draws.layout(scenario.meetings.per_step * n_pcns, n_members, n_pcns, n_req, len(r["cross_edges"]))
        self.rows: list[dict] = []
        week_tally = Tally()
        reference_week(self, START, 0, None, week_tally)
        self.rows.append(measure_reference(self, 0, week_tally))

    def active_ties(self) -> int:
        """Ties 0..active_ties()-1 are active: partners' ties only once they have joined."""
        return len(self.ties) if self.joined else self.base_edges

    def step(self) -> None:
        week = self.steps  # Mesa counts the step before calling this
        u = draws.split(self.layout, self.rng.random(self.layout.size).tolist())
        u["follow"] = self.follow_rng.random(len(self.members)).tolist()
        week_tally = Tally()
        reference_week(self, ORDER, week, u, week_tally)
        self.rows.append(measure_reference(self, week, week_tally))

    @staticmethod
    def components(nodes: list, links: list[tuple]) -> int:
        """Number of connected components of `nodes` joined by `links`."""
        parent = {node: node for node in nodes}

        def root(node):
            while parent[node] is not node:
                parent[node] = parent[parent[node]]  # path halving
                node = parent[node]
            return node

        for one, other in links:
            parent[root(one)] = root(other)
        return sum(1 for node in nodes if root(node) is node)

    @staticmethod
    def dispersion(members: list[Member]) -> float:
        """Root mean square distance of the active members' value profiles from their mean, per dimension."""
        active = [member for member in members if member.active]
        if not active:
            return 0.0
        dims = len(active[0].values)
        centre = [0.0] * dims
        for member in active:
            for k, value in enumerate(member.values):
                centre[k] += value
        for k in range(dims):
            centre[k] /= len(active)
        sq = 0.0
        for member in active:
            for value, mean in zip(member.values, centre):
                sq += R.square_gap(mean, value)
        return math.sqrt(sq / len(active) / dims)

    # ------------------------------------------------------------ results

    def run(self, steps: int | None = None) -> pd.DataFrame:
        """Step the model (by default the scenario's `steps`) and return the outcome table."""
        for _ in range(self.params.steps if steps is None else steps):
            self.step()
        return self.timeseries()

    def timeseries(self) -> pd.DataFrame:
        """One row per week from week 0: the national outcomes (engine.outcomes.OUTCOMES)."""
        return pd.DataFrame(self.rows, columns=list(OUTCOMES))

    def pcn_outcomes(self) -> np.ndarray:
        """(P, PCN_OUTCOMES) per-PCN outcomes now, as `Batch.pcn_outcomes()[0]`."""
        rows = measure_pcns_reference(self)
        return np.array([[row[name] for name in PCN_OUTCOMES] for row in rows], float).reshape(
            len(self.pcns), len(PCN_OUTCOMES))

    def state(self) -> dict[str, np.ndarray]:
        """The changing state (every field of the dynamic groups) as arrays, like run 0 of the engine's, for comparison."""
        out = {}
        for group in state.DYNAMIC:
            for name in state.GROUPS[group]._fields:
                mine = getattr(self, name) if group == "counters" else [getattr(obj, name) for obj in self.objects[group]]
                dtype, shape = self.shapes[name]
                out[name] = np.array(mine, dtype).reshape(shape)
        return out
