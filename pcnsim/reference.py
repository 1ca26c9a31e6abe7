"""The model's weekly rules stated agent by agent, the plain Mesa way: the readable rules and the engine's oracle.

`pcnsim.engine` runs the model as compiled kernels over arrays of many runs.
This module states the same week as plain Python over objects: one Mesa
agent per member (a practice, or a partner organisation once it has joined),
one `Tie` per relationship, one `PCN` per network and one `Requirement` per
national ask. It is slow on purpose: every rule is a loop over PCNs, members
and ties, with no vectorisation and no call into the engine's kernels.

It is also the engine's test oracle (tests/test_reference.py). For the same
scenario and seed it starts from the engine's initial state (`build.build`
on the model's generator), draws each week's uniforms from that generator in
the engine's layout (see `engine.draw_count`) and does every floating-point
operation in the engine's order and association, so its outcomes and state
are equal to the engine's bit for bit.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
import pandas as pd

from .config import Scenario
from .engine import kernels as engine
from .engine.kernels import T_AGREED, T_DUE, T_IMPOSED, T_MET
from .engine.state import AGREED, AVOIDED, DESTRUCTIVE, NONE, PRODUCTIVE
from .world.build import build

WEEKS_PER_YEAR = engine.WEEKS_PER_YEAR


class Tie:
    """A relationship between two members: trust, shared history (years) and latent tension."""

    def __init__(self, index: int, src: Member, dst: Member, cross: bool, propensity: list[float],
                 trust: float, history: float) -> None:
        self.index = index  # ties 0..base_edges-1 are between practices; partners' ties come last
        self.src, self.dst = src, dst
        self.cross = cross  # between practices of different PCNs
        self.propensity = propensity  # weights of productive, avoided, destructive handling
        self.trust, self.history, self.tension = trust, history, 0.0
        self.last_meeting = NONE


class Member(mesa.Agent):
    """A general practice, or a partner organisation (inactive until it joins its PCN)."""

    def __init__(self, model: ReferenceModel, index: int, partner: bool, values: list[float], stakes: float,
                 core_demand: float, list_size: float, style: int, authorisation: int, ownership: float) -> None:
        super().__init__(model)
        self.index, self.partner = index, partner
        self.pcn: PCN | None = None
        self.ties: list[Tie] = []  # in the engine's adjacency order
        self.values, self.stakes, self.core_demand, self.list_size = values, stakes, core_demand, list_size
        self.style, self.authorisation, self.ownership = style, authorisation, ownership
        self.burnout, self.engaged, self.active = 0.0, not partner, not partner
        self.capacity, self.pressure, self.unfunded, self.attendance, self.time_lost = 1.0, 0.0, 0.0, 0.0, 0.0

    def mean_trust(self, limit: int) -> float:
        """Mean trust over its active ties inside its PCN (0 with none)."""
        total, count = 0.0, 0
        for tie in self.ties:
            if tie.index < limit and not tie.cross:
                total += tie.trust
                count += 1
        return total / count if count > 0 else 0.0

    def stake(self) -> float:
        """What a decision puts at stake for it: autonomy and income, and the unfunded work it already does."""
        return self.stakes + self.model.params.values.workload_stakes * self.unfunded

    def openness(self, limit: int) -> float:
        """How open it is to a proposal from its PCN, by its trust in the PCN."""
        return 1.0 - self.model.params.values.trust_modulation * (1.0 - self.mean_trust(limit))

    def distance(self, proposal: list[float], emphasis: list[float]) -> float:
        """Emphasis-weighted distance between its values and a proposal."""
        dist = 0.0
        for mine, proposed, weight in zip(self.values, proposal, emphasis):
            gap = mine - proposed
            dist += weight * gap * gap
        return math.sqrt(dist)

    def backs(self, proposal: list[float], emphasis: list[float], limit: int) -> bool:
        """Whether it would back a proposal: near enough its values for what is at stake and its trust in the PCN."""
        v = self.model.params.values
        gap = self.distance(proposal, emphasis) * (1.0 + v.stakes_amplification * self.stake())
        return gap < v.confidence * self.openness(limit)

    def week_of_work(self, output: float, funded: float, support: float) -> tuple[float, float, float, float]:
        """(capacity, effort, attendance, delivered) for a week with `output` of mandate work to do."""
        d = self.model.params.delivery
        loss = self.model.params.wellbeing.capacity_loss
        overtime = d.overtime * self.model.params.focus.mandates
        own, core = self.ownership, self.core_demand
        # Passive compliance gets less done per hour, so it takes more hours for the same output.
        efficiency = own + (1.0 - own) * d.compliance_efficiency
        hours = output / efficiency
        # Burnout eats the discretionary margin above core work, not core work itself.
        margin = max(support - core, 0.0) * (1.0 - loss * self.burnout)
        capacity = core + margin + funded * hours
        spare = max(capacity - core, 0.0)
        effort = min(hours, spare + overtime)
        attendance = min(max((spare - effort) / (1.0 - core), 0.0), 1.0)
        delivered = output if effort >= hours else effort * efficiency
        return capacity, effort, attendance, delivered


class PCN:
    """A Primary Care Network: its members, the ties inside it and its progress on each requirement."""

    def __init__(self, index: int, effort_scale: float, n_requirements: int) -> None:
        self.index, self.effort_scale = index, effort_scale
        self.members: list[Member] = []  # practices, then partners
        self.ties: list[Tie] = []  # ties between its own members
        self.watches: list[PCN] = []  # the PCNs whose achievements it sees
        self.decided = [False] * n_requirements
        self.done = [0.0] * n_requirements
        self.demand, self.facilitation, self.progress, self.shown = 0.0, 0.0, 0.0, 0.0
        self.behind, self.truly_behind = False, False
        self.totals = [0, 0, 0, 0]  # decisions agreed, imposed; milestones due, met

    def proposal(self, f: float) -> list[float]:
        """Engaged members' values weighted by list size (directive, f = 0) or equally (facilitative, f = 1)."""
        engaged = [member for member in self.members if member.engaged]
        out = [0.0] * len(self.members[0].values)
        size = 0.0
        for member in engaged:
            size += member.list_size
        for member in engaged:
            w = (1.0 - f) * member.list_size / size + f / len(engaged)
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
                    gap = mine - theirs
                    sq += gap * gap
                if sq <= limit:
                    links.append((one, other))
        return _components(active, links)


class Requirement:
    """A national requirement: known after week `arrival`, its work due in stages (due week, cumulative target)."""

    def __init__(self, arrival: int, effort: float, funding: float, stages: list[tuple[int, float]],
                 emphasis: list[float]) -> None:
        self.arrival, self.effort, self.funding = arrival, effort, funding
        self.stages, self.emphasis = stages, emphasis

    def required_rate(self, done: float, scale: float, week: int) -> float:
        """Effort per week it asks of a PCN to meet its next stage on time."""
        for due, target in self.stages:
            if due >= week:
                remaining = max(target * scale - done, 0.0)
                return remaining / max(due - week + 1, 1)
        return 0.0


class Tally:
    """What happened this week, for the outcome row."""

    def __init__(self) -> None:
        self.meetings, self.agreements, self.conflicts, self.intensity = 0, 0, 0, 0.0
        self.productive, self.avoided, self.destructive = 0, 0, 0
        self.agreed, self.imposed, self.due, self.met = 0, 0, 0, 0
        self.demand = 0.0


def _components(nodes: list, links: list[tuple]) -> int:
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


def _column(objects: list, name: str, dtype=float) -> np.ndarray:
    """One attribute of every object, as an array."""
    return np.array([getattr(obj, name) for obj in objects], dtype)


def _dispersion(members: list[Member]) -> float:
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
            gap = value - mean
            sq += gap * gap
    return math.sqrt(sq / len(active) / dims)


class ReferenceModel(mesa.Model):
    """PCNs of practices (and partners) under national mandates, one Mesa agent per member.

    Parameters
    ----------
    scenario : Scenario
        Validated parameters (see pcnsim.config.schema and docs/ODD.md).
    seed : int, optional
        Seed for the run; defaults to the scenario's own seed.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.seed_used = scenario.seed if seed is None else int(seed)
        super().__init__(rng=self.seed_used)
        self.params = scenario
        run, self.structure = build(scenario, self.rng)
        r = {name: np.asarray(getattr(run, name))[0] for name in engine.Run._fields}
        n_members, n_pcns, n_req = len(r["pcn"]), len(r["demand"]), len(r["arrival"])

        self.requirements = [
            Requirement(int(r["arrival"][k]), float(r["effort"][k]), float(r["funding"][k]),
                        [(int(due), float(target)) for due, target, exists in
                         zip(r["due"][k], r["target"][k], r["stage_exists"][k]) if exists],
                        r["emphasis"][k].tolist())
            for k in range(n_req)
        ]
        self.pcns = [PCN(q, float(r["effort_scale"][q]), n_req) for q in range(n_pcns)]
        self.members = [
            Member(self, i, bool(r["partner"][i]), r["values"][i].tolist(), float(r["stakes"][i]),
                   float(r["core_demand"][i]), float(r["list_size"][i]), int(r["style"][i]),
                   int(r["authorisation"][i]), float(r["ownership"][i]))
            for i in range(n_members)
        ]
        for q, pcn in enumerate(self.pcns):
            pcn.members = [self.members[i] for i in r["pcn_members"][r["pcn_start"][q]:r["pcn_start"][q + 1]]]
            pcn.watches = [self.pcns[w] for w in r["watch"][q]]
            for member in pcn.members:
                member.pcn = pcn
        self.ties = [
            Tie(e, self.members[r["src"][e]], self.members[r["dst"][e]], bool(r["cross"][e]),
                r["propensity"][e].tolist(), float(r["trust"][e]), float(r["history"][e]))
            for e in range(len(r["src"]))
        ]
        for i, member in enumerate(self.members):
            member.ties = [self.ties[e] for e in r["adj_edge"][r["adj_start"][i]:r["adj_start"][i + 1]]]
        for q, pcn in enumerate(self.pcns):
            pcn.ties = [self.ties[e] for e in r["pcn_edges"][r["pcn_edge_start"][q]:r["pcn_edge_start"][q + 1]]]
        self.base_edges = int(r["base_edges"])  # ties among practices; partners' ties count once they join
        self.joined = False

        self.meetings_per_week = scenario.meetings.per_step * n_pcns
        self.draw_count = 3 * self.meetings_per_week + n_members + n_pcns * n_req
        self.totals = [0, 0, 0, 0]  # decisions agreed, imposed; milestones due, met
        self.agreement = [0.0, 0.0]  # agreements and occasions, remembered with decay
        self.last_trust = 0.0
        self.rows: list[dict] = []

        # Week 0: partners due at once join, capacity and time for meetings are set, outcomes recorded.
        self.join_partners(0)
        self.facilitate()
        tally = Tally()
        tally.demand = self.work(0)
        self.compare(0)
        self.measure(0, tally)

    # ------------------------------------------------------------ the week

    @property
    def week(self) -> int:
        return self.steps

    def active_ties(self) -> int:
        """Ties 0..active_ties()-1 are active: partners' ties only once they have joined."""
        return len(self.ties) if self.joined else self.base_edges

    def step(self) -> None:
        week = self.steps  # Mesa counts the step before calling this
        u = self.rng.random(self.draw_count).tolist()
        m, n = self.meetings_per_week, len(self.members)
        tally = Tally()
        self.join_partners(week)
        self.facilitate()
        self.decide(week, u[3 * m:3 * m + n], u[3 * m + n:], tally)
        tally.demand = self.work(week)
        self.milestones(week, tally)
        self.meet(u[:m], u[m:2 * m], u[2 * m:3 * m], tally)
        self.drift_and_wear()
        self.compare(week)
        for column, count in ((T_AGREED, tally.agreed), (T_IMPOSED, tally.imposed), (T_DUE, tally.due),
                              (T_MET, tally.met)):
            self.totals[column] += count
        self.measure(week, tally)

    def join_partners(self, week: int) -> None:
        """Partners become members; each tie to them starts from its practice's trust in the PCN, in part."""
        pa = self.params.partners
        if self.joined or self.base_edges == len(self.ties) or week < pa.join_week:
            return
        limit, tau = self.base_edges, pa.trust_transfer
        for tie in self.ties[limit:]:
            felt = 0.0 if tie.src.partner else tie.src.mean_trust(limit)
            tie.trust = (1.0 - tau) * tie.trust + tau * felt
            tie.history = 0.0
        for pcn in self.pcns:
            # Practices lose influence over PCN decisions in proportion to the partners' voice (001).
            voice, total = 0.0, 0.0
            for member in pcn.members:
                total += member.list_size
                if member.partner:
                    voice += member.list_size
            for member in pcn.members:
                if member.partner:
                    member.active = member.engaged = True
                else:
                    member.stakes = min(1.0, member.stakes + pa.autonomy_cost * voice / total)
        self.joined = True

    def facilitate(self) -> None:
        """Facilitation each Clinical Director has time for, after partners and last week's mandate admin."""
        le = self.params.leadership
        for pcn in self.pcns:
            free = le.cd_wte * (1.0 - self.params.focus.partners) - le.cd_admin * pcn.demand
            pcn.facilitation = le.facilitation * min(max(free / le.cd_need, 0.0), 1.0)

    def decide(self, week: int, u_commit: list[float], u_impose: list[float], tally: Tally) -> None:
        """Each PCN puts its pending requirements to its members, one after another."""
        sc = self.params
        limit = self.active_ties()
        commit = (sc.decisions.commit_full, sc.decisions.commit_specified, sc.decisions.commit_observe)
        rate = sc.delivery.ownership_rate
        for pcn in self.pcns:
            f = pcn.facilitation
            proposal = None
            for k, req in enumerate(self.requirements):
                if pcn.decided[k] or req.arrival >= week:
                    continue
                if proposal is None:
                    proposal = pcn.proposal(f)
                backs, unanimous, agreed = {}, True, True
                for member in pcn.members:
                    if not member.active:
                        backs[member] = True
                        continue
                    if member.engaged:
                        backs[member] = member.backs(proposal, req.emphasis, limit)
                        can_commit = u_commit[member.index] < commit[member.authorisation]
                    else:
                        backs[member], can_commit = True, True
                    unanimous = unanimous and backs[member]
                    agreed = agreed and backs[member] and can_commit
                first_due = req.stages[0][0]
                forced = week >= first_due - sc.decisions.decision_lead_weeks
                chance = (1.0 - f) * sc.leadership.impose_rate
                if pcn.behind:
                    # Thinking it is behind, a PCN is less willing to wait for agreement (001).
                    chance = 1.0 - (1.0 - chance) * (1.0 - sc.comparison.haste)
                directive = u_impose[pcn.index * len(self.requirements) + k] < chance
                if not (agreed or forced or directive):
                    continue
                pcn.decided[k] = True
                for member in pcn.members:
                    if not member.active:
                        continue
                    if not backs[member]:
                        member.ownership -= rate * member.ownership
                    elif member.engaged:
                        member.ownership += rate * (1.0 - member.ownership)
                if unanimous:
                    tally.agreed += 1
                    pcn.totals[T_AGREED] += 1
                    continue
                tally.imposed += 1
                pcn.totals[T_IMPOSED] += 1
                for tie in pcn.ties:
                    if tie.index < limit and not (backs[tie.src] and backs[tie.dst]):
                        tie.trust -= sc.trust.imposition_loss * tie.trust

    def work(self, week: int) -> float:
        """Share each PCN's mandate work out by list size; set capacity, pressure and time for meetings.

        A PCN that believes it is behind works ahead of its deadlines; the time
        for relationships this costs its members is kept in `time_lost`.
        Returns the national mandate demand this week.
        """
        support = 1.0 + self.params.focus.stabilise * self.params.delivery.arrs_support
        urgency = self.params.comparison.urgency
        national = 0.0
        for pcn in self.pcns:
            scale, urgent = pcn.effort_scale, pcn.behind
            rates = [0.0] * len(self.requirements)
            demand, calm_demand, funded_effort, calm_funded = 0.0, 0.0, 0.0, 0.0
            for k, req in enumerate(self.requirements):
                if not (pcn.decided[k] and req.arrival < week):
                    continue
                rate = req.required_rate(pcn.done[k], scale, week)
                calm_demand += rate
                calm_funded += rate * req.funding
                if urgent:
                    left = max(req.effort * scale - pcn.done[k], 0.0)
                    rate = min(rate * (1.0 + urgency), left)
                rates[k] = rate
                demand += rate
                funded_effort += rate * req.funding
            pcn.demand = demand
            national += demand
            weight = 0.0
            for member in pcn.members:
                if member.engaged:
                    weight += member.list_size
            funded = funded_effort / demand if demand > 0.0 else 0.0
            calm = calm_funded / calm_demand if calm_demand > 0.0 else 0.0
            delivered = 0.0
            for member in pcn.members:
                share = member.list_size / weight if (member.engaged and weight > 0.0) else 0.0
                capacity, effort, attendance, done = member.week_of_work(demand * share, funded, support)
                member.capacity = capacity
                member.pressure = (member.core_demand + effort) / capacity
                member.unfunded = (1.0 - funded) * effort / capacity
                member.attendance = attendance
                member.time_lost = 0.0
                if urgent:
                    member.time_lost = member.week_of_work(calm_demand * share, calm, support)[2] - attendance
                delivered += done
            if demand > 0.0:
                for k, req in enumerate(self.requirements):
                    pcn.done[k] = min(pcn.done[k] + delivered * rates[k] / demand, req.effort * scale)
        return national

    def milestones(self, week: int, tally: Tally) -> None:
        """Stages due this week, and whether each PCN has done enough of the work by now."""
        for pcn in self.pcns:
            for k, req in enumerate(self.requirements):
                for due, target in req.stages:
                    if due != week:
                        continue
                    tally.due += 1
                    pcn.totals[T_DUE] += 1
                    if pcn.decided[k] and pcn.done[k] >= target * pcn.effort_scale - 1e-9:
                        tally.met += 1
                        pcn.totals[T_MET] += 1

    def meet(self, u_edge: list[float], u_attend: list[float], u_mode: list[float], tally: Tally) -> None:
        """The week's meetings, one after another: values converge, conflict is handled, trust moves."""
        sc = self.params
        v, tr, le = sc.values, sc.trust, sc.leadership
        n_edges = self.active_ties()
        for tie in self.ties:
            tie.last_meeting = NONE
        if n_edges == 0:
            return
        for draw, attend, mode in zip(u_edge, u_attend, u_mode):
            tie = self.ties[min(int(draw * n_edges), n_edges - 1)]
            one, other = tie.src, tie.dst
            if not (one.engaged and other.engaged) or attend >= one.attendance * other.attendance:
                continue
            tally.meetings += 1
            sq = 0.0
            for mine, theirs in zip(one.values, other.values):
                gap = theirs - mine
                sq += gap * gap
            distance = math.sqrt(sq / len(one.values))
            intensity = distance * (1.0 + v.stakes_amplification * 0.5 * (one.stake() + other.stake()))
            trust = tie.trust
            openness = 1.0 - v.trust_modulation * (1.0 - trust)
            bound = v.confidence * openness
            build = 0.5 + 0.5 * (1.0 - math.exp(-tie.history / tr.history_scale_years))
            if intensity < bound:
                # Agreement: both move towards each other, trust and ownership grow.
                for k in range(len(one.values)):
                    step = v.convergence * openness * (other.values[k] - one.values[k])
                    one.values[k] += step
                    other.values[k] -= step
                tie.trust = trust + tr.gain * build * (1.0 - trust)
                for member in (one, other):
                    member.ownership += sc.delivery.meeting_ownership_rate * (1.0 - member.ownership)
                tie.last_meeting = AGREED
                tally.agreements += 1
                continue
            tally.conflicts += 1
            tally.intensity += intensity
            f = 0.5 * (one.pcn.facilitation + other.pcn.facilitation)
            productive, avoided, destructive = tie.propensity
            w_productive = productive * (0.5 + trust) * (0.5 + f)
            w_avoided = avoided
            w_destructive = destructive * (1.5 - trust) * (1.5 - f) * (1.0 + tie.tension)
            pick = mode * (w_productive + w_avoided + w_destructive)
            if pick < w_productive:
                tie.trust = trust + tr.gain * tr.productive_ratio * build * (1.0 - trust)
                tie.tension *= 1.0 - sc.conflict.tension_resolve
                tie.last_meeting = PRODUCTIVE
                tally.productive += 1
            elif pick < w_productive + w_avoided:
                tie.tension += intensity - bound
                tie.last_meeting = AVOIDED
                tally.avoided += 1
            else:
                loss = tr.loss * (1.0 - le.facilitation_protects * f)
                tie.trust = trust - loss * min(1.0, intensity) * trust
                tie.last_meeting = DESTRUCTIVE
                tally.destructive += 1

    def drift_and_wear(self) -> None:
        """Ties age, tension decays and erodes trust; burnout moves with pressure and sets engagement."""
        decay, erosion = 1.0 - self.params.conflict.tension_decay, self.params.trust.tension_erosion
        wb = self.params.wellbeing
        for tie in self.ties:
            tie.history += 1.0 / WEEKS_PER_YEAR
            tie.tension *= decay
            tie.trust *= 1.0 - min(1.0, erosion * tie.tension)
        for member in self.members:
            if not member.active:
                continue
            over = max(member.pressure - 1.0, 0.0)
            recovery = wb.recovery_rate * member.burnout if member.pressure <= 1.0 else 0.0
            member.burnout = min(max(member.burnout + wb.burnout_rate * over - recovery, 0.0), 1.0)
            member.engaged = member.burnout < (wb.disengage_at if member.engaged else wb.reengage_at)

    def compare(self, week: int) -> None:
        """Each PCN judges itself behind when its own progress trails what it sees of the PCNs it watches.

        What a PCN shows others is biased towards its best work: a mix of its
        overall progress and that of its most advanced requirement.
        """
        bias = self.params.comparison.bias
        for pcn in self.pcns:
            asked, done, best = 0.0, 0.0, 0.0
            for k, req in enumerate(self.requirements):
                if req.arrival >= week:
                    continue
                effort = req.effort * pcn.effort_scale
                asked += effort
                done += pcn.done[k]
                if effort > 0.0:
                    best = max(best, pcn.done[k] / effort)
            pcn.progress = done / asked if asked > 0.0 else 0.0
            pcn.shown = (1.0 - bias) * pcn.progress + bias * best
        for pcn in self.pcns:
            seen = 0.0
            for other in pcn.watches:
                seen += other.shown
            pcn.behind = len(pcn.watches) > 0 and pcn.progress < seen / len(pcn.watches)
        median = np.median([pcn.progress for pcn in self.pcns])
        for pcn in self.pcns:
            pcn.truly_behind = bool(pcn.progress < median)

    def measure(self, week: int, tally: Tally) -> None:
        """This week's national outcome row (docs/ODD.md, section 7)."""
        sc = self.params
        v = sc.values
        limit = self.active_ties()
        if week > 0:
            memory = 1.0 / sc.meetings.agreement_memory_weeks
            self.agreement[0] = (1.0 - memory) * self.agreement[0] + (tally.agreements + tally.agreed)
            self.agreement[1] = (1.0 - memory) * self.agreement[1] + (tally.meetings + tally.agreed + tally.imposed)
        trust_sum, trust_min, tension_sum = 0.0, math.inf, 0.0
        for tie in self.ties[:limit]:
            trust_sum += tie.trust
            trust_min = min(trust_min, tie.trust)
            tension_sum += tie.tension
        mean_trust = trust_sum / limit if limit else 0.0
        trusted = [(tie.src, tie.dst) for tie in self.ties[:limit] if tie.trust >= sc.trust.trusted_threshold]
        components = _components([member for member in self.members if member.active], trusted)

        # Shared purpose: practices that would back their PCN's proposal, weighing every value equally.
        dims = len(self.members[0].values)
        even = [1.0 / dims] * dims
        clusters, backing = 0, 0
        for pcn in self.pcns:
            clusters += pcn.clusters(v.cluster_tolerance)
            proposal = pcn.proposal(pcn.facilitation)
            for member in pcn.members:
                if member.partner or not member.engaged:
                    continue
                if member.backs(proposal, even, limit):
                    backing += 1

        practices = [member for member in self.members if not member.partner]
        owning = sum(1 for member in practices if member.engaged and member.ownership > 0.5)
        complying = sum(1 for member in practices if member.engaged and not member.ownership > 0.5)
        disengaged = sum(1 for member in practices if not member.engaged)
        capacity, pressure, burnout, lost = 0.0, 0.0, 0.0, 0.0
        for member in practices:
            capacity += member.capacity
            pressure += member.pressure
            burnout += member.burnout
            lost += member.time_lost
        n, n_pcns = len(practices), len(self.pcns)
        believe = sum(1 for pcn in self.pcns if pcn.behind)
        truly = sum(1 for pcn in self.pcns if pcn.truly_behind)
        falsely = sum(1 for pcn in self.pcns if pcn.behind and not pcn.truly_behind)
        self.rows.append({
            "step": week,
            "mean_trust": mean_trust,
            "min_trust": trust_min if limit else 0.0,
            "trust_growth": (mean_trust - self.last_trust) * WEEKS_PER_YEAR if week > 0 else 0.0,
            "trusted_components": components,
            "value_dispersion": _dispersion([member for pcn in self.pcns for member in pcn.members]),  # PCN order
            "n_clusters": clusters,
            "agreement_share": self.agreement[0] / self.agreement[1] if self.agreement[1] > 0 else math.nan,
            "shared_purpose": backing / n,
            "decisions_agreed": self.totals[T_AGREED],
            "decisions_imposed": self.totals[T_IMPOSED],
            "meetings": tally.meetings,
            "conflict_episodes": tally.conflicts,
            "conflict_intensity": tally.intensity / tally.conflicts if tally.conflicts > 0 else 0.0,
            "conflict_productive": tally.productive,
            "conflict_avoided": tally.avoided,
            "conflict_destructive": tally.destructive,
            "latent_tension": tension_sum / limit if limit else 0.0,
            "mandate_demand": tally.demand,
            "milestones_due": self.totals[T_DUE],
            "milestones_met": self.totals[T_MET],
            "ownership": owning / n,
            "passive_compliance": complying / n,
            "disengaged": disengaged / n,
            "capacity": capacity / n,
            "pressure": pressure / n,
            "burnout": burnout / n,
            "believe_behind": believe / n_pcns,
            "truly_behind": truly / n_pcns,
            "false_urgency": falsely / n_pcns,
            "relationship_time_lost": lost / n,
        })
        self.last_trust = mean_trust

    # ------------------------------------------------------------ results

    def run(self, steps: int | None = None) -> pd.DataFrame:
        """Step the model (by default the scenario's `steps`) and return the outcome table."""
        for _ in range(self.params.steps if steps is None else steps):
            self.step()
        return self.timeseries()

    def timeseries(self) -> pd.DataFrame:
        """One row per week from week 0: the national outcomes (engine.OUTCOMES)."""
        return pd.DataFrame(self.rows, columns=list(engine.OUTCOMES))

    def pcn_outcomes(self) -> np.ndarray:
        """(P, PCN_OUTCOMES) per-PCN outcomes now, as `Batch.pcn_outcomes()[0]`."""
        limit = self.active_ties()
        tolerance = self.params.values.cluster_tolerance
        rows = []
        for pcn in self.pcns:
            ties = [tie for tie in pcn.ties if tie.index < limit]
            trust_sum = 0.0
            for tie in ties:
                trust_sum += tie.trust
            practices = [member for member in pcn.members if not member.partner]
            burnout, pressure = 0.0, 0.0
            for member in practices:
                burnout += member.burnout
                pressure += member.pressure
            n = len(practices)
            rows.append([
                trust_sum / len(ties) if ties else math.nan,
                _dispersion(pcn.members),
                pcn.clusters(tolerance),
                *pcn.totals,
                pcn.progress,
                1.0 if pcn.behind else 0.0,
                1.0 if pcn.truly_behind else 0.0,
                sum(1 for m in practices if m.engaged and m.ownership > 0.5) / n,
                sum(1 for m in practices if m.engaged and not m.ownership > 0.5) / n,
                sum(1 for m in practices if not m.engaged) / n,
                burnout / n,
                pressure / n,
                pcn.facilitation,
            ])
        return np.array(rows, float).reshape(len(self.pcns), len(engine.PCN_OUTCOMES))

    def state(self) -> dict[str, np.ndarray]:
        """The dynamic state as the engine's arrays (run row 0 of `engine.Run`), for comparison."""
        members, ties, pcns = self.members, self.ties, self.pcns
        n_req = len(self.requirements)
        return dict(
            values=_column(members, "values").reshape(len(members), -1),
            stakes=_column(members, "stakes"), ownership=_column(members, "ownership"),
            burnout=_column(members, "burnout"), engaged=_column(members, "engaged", bool),
            active=_column(members, "active", bool), capacity=_column(members, "capacity"),
            pressure=_column(members, "pressure"), unfunded=_column(members, "unfunded"),
            attendance=_column(members, "attendance"), time_lost=_column(members, "time_lost"),
            trust=_column(ties, "trust"), history=_column(ties, "history"), tension=_column(ties, "tension"),
            last_meeting=_column(ties, "last_meeting", np.int8),
            decided=_column(pcns, "decided", bool).reshape(len(pcns), n_req),
            done=_column(pcns, "done").reshape(len(pcns), n_req),
            demand=_column(pcns, "demand"), facilitation=_column(pcns, "facilitation"),
            progress=_column(pcns, "progress"), behind=_column(pcns, "behind", bool),
            truly_behind=_column(pcns, "truly_behind", bool),
            pcn_totals=_column(pcns, "totals", np.int64).reshape(len(pcns), 4),
            totals=np.array(self.totals, np.int64), agreement=np.array(self.agreement, float),
            last_trust=np.float64(self.last_trust), joined=np.bool_(self.joined),
        )
