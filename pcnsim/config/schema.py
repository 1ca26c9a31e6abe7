"""The scenario schema: the validated parameters of one run.

Every field has a documented default, so a scenario file only states what it
changes. Unknown keys and out-of-range values are rejected at load time with
one line naming the file, the field path and what is allowed (pcnsim.config.errors).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

STYLES = ("competing", "collaborating", "compromising", "avoiding", "accommodating")
AUTHORISATIONS = ("full", "specified", "observe")

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Spread(Section):
    """A per-entity quantity drawn from a normal distribution, then clipped."""

    mean: float
    sd: NonNeg = 0.0


class Network(Section):
    """Who is in which PCN and who is tied to whom.

    kind "single": one PCN of `practices` practices tied by `topology`.
    kind "generated": an England-like system of `systems` ICSs and `pcns` PCNs.
    kind "csv": a real structure read from `file` (and optionally `edges_file`).
    In generated and csv structures every PCN's practices are all tied to each
    other, and some ties cross between PCNs of the same ICS.
    """

    kind: Literal["single", "generated", "csv"] = "single"
    practices: Annotated[int, Field(ge=2, le=100_000)] = 5
    topology: Literal["complete", "small_world", "random"] = "complete"
    degree: Annotated[int, Field(ge=1)] = 4
    rewire: Unit = 0.1
    history_years: Spread = Spread(mean=3.0, sd=2.0)
    systems: Annotated[int, Field(ge=1, le=1_000)] = 42
    pcns: Annotated[int, Field(ge=1, le=20_000)] = 1250
    pcn_practices: Spread = Spread(mean=5.2, sd=2.6)
    cross_ties: Annotated[float, Field(ge=0.0, le=100.0)] = 2.0
    cross_history_years: Spread = Spread(mean=1.0, sd=1.0)
    file: str | None = None
    edges_file: str | None = None

    @model_validator(mode="after")
    def _fits(self):
        if self.kind == "single" and self.topology != "complete" and self.degree >= self.practices:
            raise ValueError(f"degree must be below practices ({self.practices}) for a {self.topology} network")
        if self.kind == "csv" and not self.file:
            raise ValueError("kind csv needs file: a CSV of practice_code, pcn_code, ics_code, list_size")
        if self.kind != "csv" and (self.file or self.edges_file):
            raise ValueError("file and edges_file are read only when kind is csv")
        if self.kind == "generated" and self.systems > self.pcns:
            raise ValueError(f"systems ({self.systems}) cannot exceed pcns ({self.pcns})")
        if self.pcn_practices.mean < 2:
            raise ValueError("pcn_practices.mean must be at least 2")
        return self


class _Mix(Section):
    """Shares of practices in each category; they are normalised, so only their ratios matter."""

    @model_validator(mode="after")
    def _some_weight(self):
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("at least one share must be positive")
        return self


class StyleMix(_Mix):
    """Share of practices with each Thomas-Kilmann conflict-handling style."""

    competing: NonNeg = 0.2
    collaborating: NonNeg = 0.2
    compromising: NonNeg = 0.2
    avoiding: NonNeg = 0.2
    accommodating: NonNeg = 0.2


class AuthorisationMix(_Mix):
    """Share of representatives authorised fully, on specified matters, or to observe only."""

    full: NonNeg = 0.6
    specified: NonNeg = 0.3
    observe: NonNeg = 0.1


DEFAULT_DIMENSIONS = ["social_justice", "income_generation", "clinical_quality", "efficiency", "sustainability"]


class Practices(Section):
    list_size: Spread = Spread(mean=8000.0, sd=2500.0)
    value_dimensions: Annotated[list[str], Field(min_length=1, max_length=20)] = DEFAULT_DIMENSIONS
    value_distribution: Literal["normal", "uniform"] = "normal"
    value_spread: Unit = 0.15
    stakes: Spread = Spread(mean=0.3, sd=0.1)
    core_demand: Spread = Spread(mean=0.85, sd=0.03)
    styles: StyleMix = StyleMix()
    authorisation: AuthorisationMix = AuthorisationMix()
    initial_ownership: Unit = 0.3

    @model_validator(mode="after")
    def _dimensions_unique(self):
        if len(set(self.value_dimensions)) != len(self.value_dimensions):
            raise ValueError("value_dimensions must be distinct names")
        return self


class Values(Section):
    confidence: Annotated[float, Field(gt=0.0, le=2.0)] = 0.35
    convergence: Annotated[float, Field(gt=0.0, le=0.5)] = 0.2
    trust_modulation: Unit = 0.5
    stakes_amplification: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    workload_stakes: Annotated[float, Field(ge=0.0, le=10.0)] = 2.0
    cluster_tolerance: Annotated[float, Field(gt=0.0, le=1.0)] = 0.05


class Trust(Section):
    initial: Unit = 0.3
    history_gain: Unit = 0.3
    history_scale_years: Annotated[float, Field(gt=0.0)] = 4.0
    initial_noise: NonNeg = 0.05
    gain: Unit = 0.04
    loss: Unit = 0.25
    productive_ratio: Unit = 0.5
    imposition_loss: Unit = 0.05
    tension_erosion: Unit = 0.01
    trusted_threshold: Unit = 0.5


Propensity = tuple[NonNeg, NonNeg, NonNeg]


class Propensities(Section):
    """Per style, the relative weights of productive, avoided and destructive handling."""

    competing: Propensity = (0.3, 0.1, 0.6)
    collaborating: Propensity = (0.8, 0.1, 0.1)
    compromising: Propensity = (0.6, 0.25, 0.15)
    avoiding: Propensity = (0.1, 0.8, 0.1)
    accommodating: Propensity = (0.3, 0.6, 0.1)

    @model_validator(mode="after")
    def _rows_positive(self):
        for style, row in self.model_dump().items():
            if sum(row) <= 0:
                raise ValueError(f"{style} needs at least one positive weight")
        return self


class Conflict(Section):
    propensities: Propensities = Propensities()
    tension_decay: Unit = 0.02
    tension_resolve: Unit = 0.5


class Meetings(Section):
    per_step: Annotated[int, Field(ge=0, le=10_000_000)] = 5
    agreement_memory_weeks: Annotated[float, Field(ge=1.0)] = 13.0


class Leadership(Section):
    facilitation: Unit = 0.5
    cd_wte: Unit = 0.25
    cd_need: Annotated[float, Field(gt=0.0, le=1.0)] = 0.15
    cd_admin: NonNeg = 0.1
    impose_rate: Unit = 0.2
    facilitation_protects: Unit = 0.5


class Focus(Section):
    """How the PCN splits its strategic attention across the three drivers (000)."""

    mandates: Unit = 0.4
    stabilise: Unit = 0.4
    partners: Unit = 0.2

    @model_validator(mode="after")
    def _sums_to_one(self):
        total = self.mandates + self.stabilise + self.partners
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"mandates + stabilise + partners must sum to 1 (got {total:g})")
        return self


class MandateStream(Section):
    """A set of national requirements arriving on one schedule."""

    kind: Literal["constant", "ramp", "step", "phased"] = "constant"
    count: Annotated[int, Field(ge=1, le=10_000)] = 5
    total_effort: NonNeg = 10.0
    start_week: Annotated[int, Field(ge=0)] = 0
    span_weeks: Annotated[int, Field(ge=0)] = 208
    first_wave: Annotated[int, Field(ge=0)] = 0
    lead_weeks: Annotated[int, Field(ge=1)] = 52
    milestones: Annotated[int, Field(ge=1, le=52)] = 4
    funding: Unit = 0.0

    @model_validator(mode="after")
    def _wave_fits(self):
        if self.first_wave > self.count:
            raise ValueError(f"first_wave ({self.first_wave}) cannot exceed count ({self.count})")
        return self


class Decisions(Section):
    decision_lead_weeks: Annotated[int, Field(ge=0)] = 2
    commit_full: Unit = 1.0
    commit_specified: Unit = 0.5
    commit_observe: Unit = 0.2


class Delivery(Section):
    compliance_efficiency: Annotated[float, Field(gt=0.0, le=1.0)] = 0.7
    overtime: Unit = 0.15
    arrs_support: NonNeg = 0.05
    ownership_rate: Unit = 0.1
    meeting_ownership_rate: Unit = 0.02
    # When set, each PCN's requirement effort is scaled by its registered population over this many patients.
    effort_population: Annotated[float, Field(gt=0.0)] | None = None


class Wellbeing(Section):
    burnout_rate: NonNeg = 0.5
    recovery_rate: Unit = 0.02
    capacity_loss: Unit = 0.5
    disengage_at: Annotated[float, Field(gt=0.0, le=1.0)] = 0.7
    reengage_at: Unit = 0.4

    @model_validator(mode="after")
    def _hysteresis(self):
        if self.reengage_at >= self.disengage_at:
            raise ValueError("reengage_at must be below disengage_at")
        return self


class Partners(Section):
    """Partner organisations (community, mental health, local authority, voluntary sector) joining each PCN."""

    per_pcn: Annotated[int, Field(ge=0, le=10)] = 0
    join_week: Annotated[int, Field(ge=0)] = 0
    value_centre: list[Unit] | None = None  # per value dimension; default: the practices' centre
    stakes: Spread = Spread(mean=0.2, sd=0.1)
    core_demand: Spread = Spread(mean=0.85, sd=0.03)
    voice: NonNeg = 1.0  # a partner's weight in PCN decisions, in units of the PCN's mean practice list size
    trust_transfer: Unit = 0.5  # share of a practice's trust in its PCN it extends to a newcomer
    autonomy_cost: Unit = 0.5  # rise in a practice's stake per unit of the partners' share of the PCN's voice


class Comparison(Section):
    """PCNs watching a few others' visible achievements and judging whether they are behind."""

    visible: Annotated[int, Field(ge=0, le=100)] = 0  # other PCNs each PCN watches; 0 switches comparison off
    bias: Unit = 0.0  # 0: what is shared is the whole story; 1: only the best of it
    urgency: Annotated[float, Field(ge=0.0, le=5.0)] = 0.5  # extra pace of mandate work when a PCN thinks it is behind
    haste: Unit = 0.3  # weekly chance it then decides a pending matter without waiting for agreement


class Scenario(Section):
    name: str = "unnamed"
    description: str = ""
    steps: Annotated[int, Field(ge=1, le=1_000_000)] = 260
    seed: Annotated[int, Field(ge=0)] = 0
    network: Network = Network()
    practices: Practices = Practices()
    values: Values = Values()
    trust: Trust = Trust()
    conflict: Conflict = Conflict()
    meetings: Meetings = Meetings()
    leadership: Leadership = Leadership()
    focus: Focus = Focus()
    mandates: list[MandateStream] = []
    decisions: Decisions = Decisions()
    delivery: Delivery = Delivery()
    wellbeing: Wellbeing = Wellbeing()
    partners: Partners = Partners()
    comparison: Comparison = Comparison()
    record_levels_every: Annotated[int, Field(ge=1)] = 13  # weeks between rows of the per-PCN and per-ICS tables

    @model_validator(mode="after")
    def _partner_values_fit(self):
        centre = self.partners.value_centre
        if centre is not None and len(centre) != len(self.practices.value_dimensions):
            raise ValueError(
                f"partners.value_centre needs one entry per value dimension ({len(self.practices.value_dimensions)})"
            )
        return self
