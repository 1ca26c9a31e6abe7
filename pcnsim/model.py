"""PCNModel: general practices collaborating in a Primary Care Network under national mandates.

One step is one week. Within a step, in this order:
1. the Clinical Director's time for facilitation is set by last week's mandate load;
2. pending requirements are decided, by agreement or imposed (decisions.py);
3. practices do the mandate work they can and effort is credited to milestones (workload.py);
4. practices meet in pairs, in sequence; values converge, conflict is handled, trust moves (meetings.py);
5. on every edge shared history lengthens, latent tension decays and erodes trust;
6. burnout and engagement update (workload.py);
7. outcomes are recorded (outcomes.py).
"""

from __future__ import annotations

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network

from . import mandates, outcomes
from .agents import Practice
from .decisions import decide, support
from .meetings import hold_meetings
from .network import build_graph, edge_arrays
from .scenario import Scenario
from .state import State
from .workload import cd_facilitation, wear, work

WEEKS_PER_YEAR = 52.0


def _spread(rng: np.random.Generator, spread, size, low: float, high: float) -> np.ndarray:
    return np.clip(rng.normal(spread.mean, spread.sd, size), low, high)


def _mix(rng: np.random.Generator, weights: dict, size: int) -> np.ndarray:
    p = np.array(list(weights.values()), dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


class PCNModel(mesa.Model):
    """A Primary Care Network of practices (Mesa agents) on a networkx graph.

    Parameters
    ----------
    scenario : Scenario
        Validated parameters (see pcnsim.scenario and docs/ODD.md).
    seed : int, optional
        Seed for the run; defaults to the scenario's own seed.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.seed_used = scenario.seed if seed is None else int(seed)
        super().__init__(rng=self.seed_used)
        self.params = scenario
        self.week = 0
        rng = self.rng
        sp = scenario.practices

        self.graph = build_graph(scenario.network, rng)
        n, k = scenario.network.practices, len(sp.value_dimensions)
        src, dst = edge_arrays(self.graph)
        self.edge_index = {(int(u), int(v)): e for e, (u, v) in enumerate(zip(src, dst))}
        self.schedule = mandates.build(scenario.mandates)

        if sp.value_distribution == "uniform":
            values = rng.random((n, k))
        else:
            values = np.clip(0.5 + rng.normal(0.0, sp.value_spread, (n, k)), 0.0, 1.0)
        history = _spread(rng, scenario.network.history_years, len(src), 0.0, np.inf)
        tr = scenario.trust
        base = tr.initial + tr.history_gain * (1.0 - np.exp(-history / tr.history_scale_years))
        self.state = State(
            values=values,
            stakes=_spread(rng, sp.stakes, n, 0.0, 1.0),
            core_demand=_spread(rng, sp.core_demand, n, 0.0, 0.98),
            list_size=_spread(rng, sp.list_size, n, 500.0, np.inf),
            style=_mix(rng, sp.styles.model_dump(), n),
            authorisation=_mix(rng, sp.authorisation.model_dump(), n),
            ownership=np.full(n, sp.initial_ownership),
            burnout=np.zeros(n),
            engaged=np.ones(n, dtype=bool),
            capacity=np.ones(n),
            pressure=np.zeros(n),
            unfunded=np.zeros(n),
            src=src,
            dst=dst,
            trust=np.clip(base + rng.normal(0.0, tr.initial_noise, len(src)), 0.0, 1.0),
            history=history,
            tension=np.zeros(len(src)),
            emphasis=rng.dirichlet(np.ones(k), self.schedule.size),
            decided=np.zeros(self.schedule.size, dtype=bool),
            done=np.zeros(self.schedule.size),
        )
        propensity = np.array(list(scenario.conflict.propensities.model_dump().values()), dtype=float)
        self.edge_propensity = 0.5 * (propensity[self.state.style[src]] + propensity[self.state.style[dst]])

        self.space = Network(self.graph, random=self.random, layout=nx.circular_layout)
        for i in range(n):
            Practice(self, i, self.space[i])

        work(self.state, scenario, np.zeros(self.schedule.size), self.schedule.funding)  # week-0 capacity, pressure
        self.demand = 0.0
        self.facilitation = cd_facilitation(scenario, 0.0)
        self._even_emphasis = np.full((1, k), 1.0 / k)
        self.totals = dict(agreed=0, imposed=0, due=0, met=0)
        self._agreement = np.zeros(2)  # discounted (agreements, decisions)
        self._last_mean_trust = float(self.state.trust.mean()) if len(src) else 0.0
        self.outcomes: dict = {}
        self._measure(None, None, None)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, name=name: m.outcomes[name]) for name in outcomes.COLUMNS}
        )
        self.datacollector.collect(self)

    def step(self) -> None:
        self.week += 1
        sc, st, sched = self.params, self.state, self.schedule
        n_edges, n_req = len(st.src), sched.size
        # Every random number of the week, in fixed shapes, before any branch (reproducible runs).
        picks = self.rng.integers(0, max(n_edges, 1), sc.meetings.per_step)
        meet_draws = self.rng.random((sc.meetings.per_step, 2))
        commit_draws = self.rng.random((n_req, len(st.stakes)))
        impose_draws = self.rng.random(n_req)

        self.facilitation = facilitation = cd_facilitation(sc, self.demand)
        decisions = decide(st, sc, sched, self.week, facilitation, commit_draws, impose_draws)

        started = st.decided & (sched.arrival < self.week)
        rates = mandates.required_rates(sched, st.done, self.week, started)
        week = work(st, sc, rates, sched.funding)
        if week.demand > 0:
            st.done = np.minimum(st.done + week.delivered * rates / week.demand, sched.effort)
        due_now = sched.stage_exists & (sched.due == self.week)
        met_now = due_now & st.decided[:, None] & (st.done[:, None] >= sched.target - 1e-9)
        self.demand = week.demand

        meetings = hold_meetings(
            st, sc, week.attendance, facilitation, self.edge_propensity, picks if n_edges else picks[:0], meet_draws
        )

        st.history += 1.0 / WEEKS_PER_YEAR
        st.tension *= 1.0 - sc.conflict.tension_decay
        st.trust *= 1.0 - np.minimum(1.0, sc.trust.tension_erosion * st.tension)
        wear(st, sc)

        self.totals["agreed"] += decisions.agreed
        self.totals["imposed"] += decisions.imposed
        self.totals["due"] += int(due_now.sum())
        self.totals["met"] += int(met_now.sum())
        self._measure(meetings, decisions, week)
        self.datacollector.collect(self)

    def _measure(self, meetings, decisions, week) -> None:
        sc, st = self.params, self.state
        memory = 1.0 / sc.meetings.agreement_memory_weeks
        if meetings is not None:
            fresh = np.array(
                [meetings.agreements + decisions.agreed, meetings.held + decisions.agreed + decisions.imposed]
            )
            self._agreement = (1.0 - memory) * self._agreement + fresh
        mean_trust = float(st.trust.mean()) if len(st.trust) else 0.0
        trusted = st.trust >= sc.trust.trusted_threshold
        owned = st.engaged & (st.ownership > 0.5)
        conflicts = meetings.conflicts if meetings else 0
        self.outcomes = {
            "step": self.week,
            "mean_trust": mean_trust,
            "min_trust": float(st.trust.min()) if len(st.trust) else 0.0,
            "trust_growth": (mean_trust - self._last_mean_trust) * WEEKS_PER_YEAR,
            "trusted_components": outcomes.components(len(st.stakes), st.src[trusted], st.dst[trusted]),
            "value_dispersion": outcomes.dispersion(st.values),
            "n_clusters": outcomes.clusters(st.values, sc.values.cluster_tolerance),
            "agreement_share": float(self._agreement[0] / self._agreement[1]) if self._agreement[1] > 0 else np.nan,
            "shared_purpose": float(np.mean(support(st, sc, self._even_emphasis, self.facilitation) & st.engaged)),
            "decisions_agreed": self.totals["agreed"],
            "decisions_imposed": self.totals["imposed"],
            "meetings": meetings.held if meetings else 0,
            "conflict_episodes": conflicts,
            "conflict_intensity": meetings.intensity / conflicts if conflicts else 0.0,
            "conflict_productive": meetings.productive if meetings else 0,
            "conflict_avoided": meetings.avoided if meetings else 0,
            "conflict_destructive": meetings.destructive if meetings else 0,
            "latent_tension": float(st.tension.mean()) if len(st.tension) else 0.0,
            "mandate_demand": week.demand if week else 0.0,
            "milestones_due": self.totals["due"],
            "milestones_met": self.totals["met"],
            "ownership": float(owned.mean()),
            "passive_compliance": float((st.engaged & ~owned).mean()),
            "disengaged": float((~st.engaged).mean()),
            "capacity": float(st.capacity.mean()),
            "pressure": float(st.pressure.mean()),
            "burnout": float(st.burnout.mean()),
        }
        self._last_mean_trust = mean_trust

    def run(self, steps: int | None = None):
        """Step the model (by default the scenario's `steps`) and return the outcome table."""
        for _ in range(self.params.steps if steps is None else steps):
            self.step()
        return self.timeseries()

    def timeseries(self):
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
