"""The scenario schema: the validated parameters of one run.

Every field has a documented default, so a scenario file only states what it
changes. Every field states its meaning (`description`, which the README's
reference table is generated from: pcnsim.config.docgen) and its bounds:
numbers are finite and of their own type (`true` is not a number, `2.0` is
not a count), and weeks, counts and sizes have upper bounds a real system
never reaches, so nothing overflows or runs out of memory. Unknown keys and
out-of-range values are rejected at load time with one line naming the file,
the field path and what is allowed (pcnsim.config.errors).

A rule that links fields (a mix not all zero, a hysteresis) is checked by a
model validator; its `rule` note says it in words for the reference table.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator

STYLES = ("competing", "collaborating", "compromising", "avoiding", "accommodating")
AUTHORISATIONS = ("full", "specified", "observe")

WEEKS = 1_000_000  # the longest run; every week field is bounded by it
SEED_MAX = 2**63 - 1  # seeds are 64-bit signed integers in the engine and the sweep tables
WEIGHT_MAX = 1_000_000.0  # relative weights (mixes, propensities): any ratio a user means, no overflow

Real = Annotated[float, Strict()]  # a finite number (int or float); never a bool or a string
Whole = Annotated[int, Strict()]  # a whole number; never a bool, a string or 2.0
Unit = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
Weight = Annotated[float, Strict(), Field(ge=0.0, le=WEIGHT_MAX)]
Week = Annotated[int, Strict(), Field(ge=0, le=WEEKS)]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _printable(text: str) -> str:
    if _CONTROL.search(text):
        raise ValueError("must not hold control characters (such as a NUL, a tab or a line break)")
    return text


def _text(text: str) -> str:
    if _CONTROL.search(text.replace("\n", "").replace("\t", "")):
        raise ValueError("must not hold control characters other than line breaks and tabs")
    return text


def _plain_label(text: str) -> str:
    _printable(text)
    if "/" in text or "\\" in text:
        raise ValueError("must not hold / or \\ (it names output files)")
    return text


Text = Annotated[str, Strict(), Field(max_length=10_000), AfterValidator(_text)]
Label = Annotated[str, Strict(), Field(min_length=1, max_length=100), AfterValidator(_printable)]
FilePath = Annotated[str, Strict(), Field(min_length=1, max_length=4096), AfterValidator(_printable)]


def rule(text: str) -> dict:
    """A field's cross-field rule in words, shown in the reference table's allowed column."""
    return {"rule": text}


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Spread(Section):
    """A per-entity quantity drawn from a normal distribution, then clipped to its range."""

    mean: Real = Field(description="mean of the normal distribution")
    sd: Real = Field(0.0, ge=0.0, description="its standard deviation")

    @model_validator(mode="before")
    @classmethod
    def _from_any_spread(cls, data):
        """A spread of another kind is checked against this kind's bounds."""
        return data.model_dump() if isinstance(data, Spread) and not isinstance(data, cls) else data


class YearsSpread(Spread):
    """Years of shared history per tie, clipped at 0."""

    mean: Real = Field(ge=0.0, le=100.0, description="mean years")
    sd: Real = Field(0.0, ge=0.0, le=100.0, description="sd in years")


class PatientsSpread(Spread):
    """Registered patients per practice, clipped at 500."""

    mean: Real = Field(gt=0.0, le=1_000_000.0, description="mean patients")
    sd: Real = Field(0.0, ge=0.0, le=1_000_000.0, description="sd in patients")


class ShareSpread(Spread):
    """A share of a practice's (or partner's) situation, clipped to 0 – 1 (core demand to 0 – 0.98)."""

    mean: Real = Field(ge=0.0, le=1.0, description="mean share")
    sd: Real = Field(0.0, ge=0.0, le=1.0, description="sd of the share")


class PracticesSpread(Spread):
    """Practices per PCN, lognormal, rounded, at least 2."""

    mean: Real = Field(ge=2.0, le=100.0, description="mean practices per PCN")
    sd: Real = Field(0.0, ge=0.0, le=100.0, description="sd of practices per PCN")


class PCNPatientsSpread(Spread):
    """Registered patients per PCN: `least` plus a lognormal of mean `mean - least`.

    The defaults are England's PCNs of January 2020, fitted to their published shares and mean (ODD 2.6).
    """

    mean: Real = Field(48_020.0, gt=0.0, le=1_000_000.0, description="mean patients per PCN")
    sd: Real = Field(16_680.0, ge=0.0, le=1_000_000.0, description="sd of patients per PCN")
    least: Real = Field(17_680.0, ge=500.0, le=1_000_000.0, description="the fewest patients a PCN has (at "
                        "least one practice's smallest list, 500)")

    @model_validator(mode="after")
    def _above_floor(self):
        if self.mean <= self.least:
            raise ValueError(f"mean ({self.mean:g}) must be above least ({self.least:g})")
        return self


class Network(Section):
    """Who is in which PCN and who is tied to whom.

    kind "single": one PCN of `practices` practices tied by `topology`.
    kind "generated": an England-like system of `systems` ICSs and `pcns` PCNs, their
    practices drawn per PCN (`pcn_practices`) or from the PCN's patients (`pcn_patients`).
    kind "csv": a real structure read from `file` (and optionally `edges_file`).
    kind "nhs": a real structure read from NHS Digital's monthly files as published:
    `file` the practice-to-PCN/ICB mapping, `list_sizes_file` the patient counts.
    In generated, csv and nhs structures every PCN's practices are all tied to each
    other, and some ties cross between PCNs of the same ICS.

    The NHS files are a kind of their own, not detected from a header: they are
    two files where csv is one, a scenario then says in words which format it
    reads, and a wrong file is refused for its missing columns, not read as the
    other format.
    """

    kind: Literal["single", "generated", "csv", "nhs"] = Field(
        "single", description="one PCN; an England-like system of PCNs in ICSs; a real structure from CSV; or "
        "one from the NHS's own monthly practice files (see \"National scale\")")
    practices: Whole = Field(5, ge=2, le=100_000, description="practices in the PCN (`single`)")
    topology: Literal["complete", "small_world", "random"] = Field(
        "complete", description="who is tied to whom (`single`; in the other kinds every PCN is complete)")
    degree: Whole = Field(4, ge=1, le=100_000, description="mean ties per practice (non-complete graphs)",
                          json_schema_extra=rule("below practices"))
    rewire: Unit = Field(0.1, description="small-world rewiring probability")
    history_years: YearsSpread = Field(YearsSpread(mean=3.0, sd=2.0),
                                       description="years of shared history per tie inside a PCN")
    systems: Whole = Field(42, ge=1, le=1_000, description="ICSs (`generated`)", json_schema_extra=rule("at most pcns"))
    pcns: Whole = Field(1250, ge=1, le=20_000, description="PCNs (`generated`)")
    pcn_practices: PracticesSpread = Field(PracticesSpread(mean=5.2, sd=2.6),
                                           description="practices per PCN, lognormal, at least 2 (`generated`, "
                                           "unless pcn_patients is set)")
    pcn_patients: PCNPatientsSpread | None = Field(
        None, description="registered patients per PCN, `least` plus a lognormal (fields left out: England's of "
        "January 2020, mean 48,020, sd 16,680, least 17,680); if set, drawn first, and each PCN's practices and "
        "their lists follow from them and practices.list_size, not from pcn_practices (`generated`; ODD 2.6)",
        json_schema_extra=rule("mean above least"))
    cross_ties: Real = Field(2.0, ge=0.0, le=100.0, description="mean ties from each PCN to practices of other PCNs "
                             "in its ICS (`generated`)")
    cross_history_years: YearsSpread = Field(YearsSpread(mean=1.0, sd=1.0),
                                             description="years of shared history per tie between PCNs")
    file: FilePath | None = Field(None, description="practice table (`csv`), or the NHS practice-to-PCN/ICB mapping "
                                  "gp-reg-pat-prac-map.csv (`nhs`); relative to the scenario file; see "
                                  "scenarios/data/README.md")
    list_sizes_file: FilePath | None = Field(None, description="the NHS patient counts gp-reg-pat-prac-all.csv "
                                             "(`nhs`; relative to the scenario file)")
    edges_file: FilePath | None = Field(None, description="optional tie list (`csv` or `nhs`; relative to the "
                                        "scenario file)")

    @model_validator(mode="after")
    def _fits(self):
        if self.kind == "single" and self.topology != "complete" and self.degree >= self.practices:
            raise ValueError(f"degree must be below practices ({self.practices}) for a {self.topology} network")
        if self.kind == "csv" and not self.file:
            raise ValueError("kind csv needs file: a CSV of practice_code, pcn_code, ics_code, list_size")
        if self.kind == "nhs" and not (self.file and self.list_sizes_file):
            raise ValueError("kind nhs needs file: the NHS mapping gp-reg-pat-prac-map.csv, and list_sizes_file: "
                             "the patient counts gp-reg-pat-prac-all.csv")
        if self.kind not in ("csv", "nhs") and (self.file or self.edges_file):
            raise ValueError("file and edges_file are read only when kind is csv or nhs")
        if self.kind != "nhs" and self.list_sizes_file:
            raise ValueError("list_sizes_file is read only when kind is nhs")
        if self.kind == "generated" and self.systems > self.pcns:
            raise ValueError(f"systems ({self.systems}) cannot exceed pcns ({self.pcns})")
        return self


class _Mix(Section):
    """Shares of practices in each category; they are normalised, so only their ratios matter."""

    @model_validator(mode="after")
    def _some_weight(self):
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("at least one share must be positive")
        return self


_NOT_ALL_ZERO = rule("not all 0")


class StyleMix(_Mix):
    """Share of practices with each Thomas-Kilmann conflict-handling style."""

    competing: Weight = Field(0.2, description="weight of the competing style", json_schema_extra=_NOT_ALL_ZERO)
    collaborating: Weight = Field(0.2, description="weight of the collaborating style", json_schema_extra=_NOT_ALL_ZERO)
    compromising: Weight = Field(0.2, description="weight of the compromising style", json_schema_extra=_NOT_ALL_ZERO)
    avoiding: Weight = Field(0.2, description="weight of the avoiding style", json_schema_extra=_NOT_ALL_ZERO)
    accommodating: Weight = Field(0.2, description="weight of the accommodating style", json_schema_extra=_NOT_ALL_ZERO)


class AuthorisationMix(_Mix):
    """Share of representatives authorised fully, on specified matters, or to observe only."""

    full: Weight = Field(0.6, description="weight of representatives who can commit fully",
                         json_schema_extra=_NOT_ALL_ZERO)
    specified: Weight = Field(0.3, description="weight of those who can commit on specified matters",
                              json_schema_extra=_NOT_ALL_ZERO)
    observe: Weight = Field(0.1, description="weight of those who observe only", json_schema_extra=_NOT_ALL_ZERO)


DEFAULT_DIMENSIONS = ["social_justice", "income_generation", "clinical_quality", "efficiency", "sustainability"]


class Practices(Section):
    list_size: PatientsSpread = Field(PatientsSpread(mean=8000.0, sd=2500.0),
                                      description="registered patients (drawn at least 500)")
    value_dimensions: Annotated[list[Label], Field(min_length=1, max_length=20)] = Field(
        DEFAULT_DIMENSIONS, description="the motivations practices hold values on (default: the five motivations)",
        json_schema_extra=rule("distinct names"))
    value_distribution: Literal["normal", "uniform"] = Field(
        "normal", description="initial values: around 0.5, or uniform on [0, 1]")
    value_spread: Unit = Field(0.15, description="sd of initial values (normal)")
    stakes: ShareSpread = Field(ShareSpread(mean=0.3, sd=0.1), description="autonomy / income stake")
    core_demand: ShareSpread = Field(ShareSpread(mean=0.85, sd=0.03),
                                     description="share of capacity taken by core GP work (drawn at most 0.98)")
    styles: StyleMix = Field(StyleMix(), description="mix of Thomas–Kilmann conflict-handling styles")
    authorisation: AuthorisationMix = Field(AuthorisationMix(), description="mix of representatives' authority to commit")
    initial_ownership: Unit = Field(0.3, description="starting ownership (above 0.5 is active ownership)")

    @model_validator(mode="after")
    def _dimensions_unique(self):
        if len(set(self.value_dimensions)) != len(self.value_dimensions):
            raise ValueError("value_dimensions must be distinct names")
        return self


class Values(Section):
    confidence: Real = Field(0.35, gt=0.0, le=2.0, description="bounded-confidence threshold d")
    convergence: Real = Field(0.2, gt=0.0, le=0.5, description="convergence rate mu")
    trust_modulation: Unit = Field(0.5, description="how far low trust narrows d and slows mu (0: off)")
    stakes_amplification: Real = Field(1.0, ge=0.0, le=10.0, description="how far stakes amplify disagreement (0: off)")
    workload_stakes: Real = Field(2.0, ge=0.0, le=10.0, description="how far unfunded mandate work adds to stakes "
                                  "(0: off)")
    cluster_tolerance: Real = Field(0.05, gt=0.0, le=1.0, description="distance within which profiles count as one "
                                    "opinion cluster")


class Trust(Section):
    initial: Unit = Field(0.3, description="trust with no shared history")
    history_gain: Unit = Field(0.3, description="extra starting trust from long shared history")
    history_scale_years: Real = Field(4.0, gt=0.0, le=100.0, description="years for history's effect to build")
    initial_noise: Real = Field(0.05, ge=0.0, le=1.0, description="sd of starting trust around its base")
    gain: Unit = Field(0.04, description="trust gained by an agreement (builds slowly)")
    loss: Unit = Field(0.25, description="trust lost in destructive conflict (falls fast)")
    productive_ratio: Unit = Field(0.5, description="productive conflict's gain relative to agreement's")
    imposition_loss: Unit = Field(0.05, description="trust lost on a dissenter's ties when a decision is imposed")
    tension_erosion: Unit = Field(0.01, description="weekly erosion of trust per unit of latent tension")
    trusted_threshold: Unit = Field(0.5, description="trust at which a tie counts as trusted")


Propensity = tuple[Weight, Weight, Weight]
_PROPENSITY = "weights of productive, avoided and destructive handling"
_SOME_POSITIVE = rule("not all 0")


class Propensities(Section):
    """Per style, the relative weights of productive, avoided and destructive handling."""

    competing: Propensity = Field((0.3, 0.1, 0.6), description=f"competing style: {_PROPENSITY}",
                                  json_schema_extra=_SOME_POSITIVE)
    collaborating: Propensity = Field((0.8, 0.1, 0.1), description=f"collaborating style: {_PROPENSITY}",
                                      json_schema_extra=_SOME_POSITIVE)
    compromising: Propensity = Field((0.6, 0.25, 0.15), description=f"compromising style: {_PROPENSITY}",
                                     json_schema_extra=_SOME_POSITIVE)
    avoiding: Propensity = Field((0.1, 0.8, 0.1), description=f"avoiding style: {_PROPENSITY}",
                                 json_schema_extra=_SOME_POSITIVE)
    accommodating: Propensity = Field((0.3, 0.6, 0.1), description=f"accommodating style: {_PROPENSITY}",
                                      json_schema_extra=_SOME_POSITIVE)

    @model_validator(mode="after")
    def _rows_positive(self):
        for style, row in self.model_dump().items():
            if sum(row) <= 0:
                raise ValueError(f"{style} needs at least one positive weight")
        return self


class Conflict(Section):
    propensities: Propensities = Field(Propensities(), description="how each style handles conflict")
    tension_decay: Unit = Field(0.02, description="weekly decay of latent tension")
    tension_resolve: Unit = Field(0.5, description="share of tension resolved by a productive conflict")


class Meetings(Section):
    per_step: Whole = Field(5, ge=0, le=10_000_000, description="pairwise meetings drawn per week, per PCN, "
                            "among its own ties")
    cross_rate: Unit = Field(0.1, description="chance a tie between practices of different PCNs meets in a week")
    agreement_memory_weeks: Real = Field(13.0, ge=1.0, le=WEEKS, description="memory of the agreement share, weeks")


class Leadership(Section):
    facilitation: Unit = Field(0.5, description="Clinical Director: 0 directive, 1 facilitative")
    cd_wte: Unit = Field(0.25, description="Clinical Director's time (whole-time equivalent)")
    facilitation_sd: Unit = Field(0.0, description="spread between PCNs of their own Clinical Director's skill at "
                                  "facilitation around `facilitation`, drawn once per PCN (0: every CD alike)")
    cd_wte_sd: Unit = Field(0.0, description="spread between PCNs of their Clinical Director's time around "
                            "`cd_wte`, drawn once per PCN (0: every CD alike)")
    new_cd_share: Unit = Field(0.0, description="share of PCNs whose Clinical Director is in their first clinical "
                               "leadership role, drawn once per PCN (0: every CD experienced)")
    new_cd_start: Unit = Field(0.5, description="a new Clinical Director's facilitation skill at the start, as a "
                               "share of the skill they grow into")
    learning_weeks: Real = Field(104.0, ge=1.0, le=WEEKS, description="weeks over which a new Clinical Director "
                                 "learns the skill (each week closes 1/learning_weeks of the gap)")
    cd_need: Real = Field(0.15, gt=0.0, le=1.0, description="time the CD needs to facilitate fully")
    cd_admin: Real = Field(0.1, ge=0.0, le=100.0, description="CD time per unit of weekly mandate demand")
    impose_rate: Unit = Field(0.2, description="weekly chance a fully directive CD imposes a pending decision")
    facilitation_protects: Unit = Field(0.5, description="how far facilitation cuts the trust lost in destructive "
                                        "conflict")


_SUM_ONE = rule("mandates + stabilise + partners = 1")


class Focus(Section):
    """How the PCN splits its strategic attention across the three drivers (000)."""

    mandates: Unit = Field(0.4, description="strategic focus on national mandates", json_schema_extra=_SUM_ONE)
    stabilise: Unit = Field(0.4, description="strategic focus on stabilising practices", json_schema_extra=_SUM_ONE)
    partners: Unit = Field(0.2, description="strategic focus on system partners", json_schema_extra=_SUM_ONE)

    @model_validator(mode="after")
    def _sums_to_one(self):
        total = self.mandates + self.stabilise + self.partners
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"mandates + stabilise + partners must sum to 1 (got {total:g})")
        return self


class MandateStream(Section):
    """A set of national requirements arriving on one schedule."""

    kind: Literal["constant", "ramp", "step", "phased"] = Field("constant", description="arrival pattern")
    count: Whole = Field(5, ge=1, le=10_000, description="requirements in the stream")
    total_effort: Real = Field(10.0, ge=0.0, le=1_000_000.0, description="practice-weeks of work in all")
    start_week: Week = Field(0, description="first arrival")
    span_weeks: Week = Field(208, description="weeks over which arrivals spread")
    first_wave: Whole = Field(0, ge=0, le=10_000, description="`phased`: requirements arriving at the start",
                              json_schema_extra=rule("at most count"))
    lead_weeks: Whole = Field(52, ge=1, le=WEEKS, description="from arrival to final deadline")
    milestones: Whole = Field(4, ge=1, le=52, description="equal stages, each with its own deadline")
    funding: Unit = Field(0.0, description="share of the work that comes with resources")
    joint_share: Unit = Field(0.0, description="share of the work that is joint work across practices (shared "
                              "services, population health), whose value depends on collaborative capacity; the rest "
                              "is administrative and can be done by compliance")

    @model_validator(mode="after")
    def _wave_fits(self):
        if self.first_wave > self.count:
            raise ValueError(f"first_wave ({self.first_wave}) cannot exceed count ({self.count})")
        return self


class DemandShock(Section):
    """A spell of core demand above the usual: a winter, a pandemic, a workforce loss (our assumption: all practices alike)."""

    start_week: Week = Field(52, description="first week of the shock")
    weeks: Whole = Field(26, ge=1, le=WEEKS, description="how long it lasts")
    extra: Real = Field(0.25, ge=0.0, le=10.0, description="core demand added to every practice, in practice-weeks "
                        "a week (core demand may then exceed capacity)")


class Decisions(Section):
    decision_lead_weeks: Week = Field(2, description="a decision is forced this long before the first stage is due")
    commit_full: Unit = Field(1.0, description="weekly chance a fully authorised representative can commit")
    commit_specified: Unit = Field(0.5, description="weekly chance a representative authorised on specified matters "
                                   "can commit")
    commit_observe: Unit = Field(0.2, description="weekly chance an observing representative can commit")


class Delivery(Section):
    compliance_efficiency: Real = Field(0.7, gt=0.0, le=1.0, description="output per hour of passive compliance "
                                        "relative to ownership")
    overtime: Unit = Field(0.15, description="work beyond capacity a fully mandate-focused PCN will do")
    arrs_support: Real = Field(0.05, ge=0.0, le=10.0, description="capacity added by PCN resources when fully focused "
                               "on stabilising")
    ownership_rate: Unit = Field(0.1, description="ownership gained or lost per decision")
    meeting_ownership_rate: Unit = Field(0.0, description="ownership gained per agreement in a meeting")
    late_weeks: Real = Field(13.0, ge=0.0, le=WEEKS, description="weeks over which work still outstanding after a "
                             "requirement's last deadline is done late (0: it is never made up)",
                             json_schema_extra=rule("0, or at least 1"))
    effort_population: Real | None = Field(None, gt=0.0, le=100_000_000.0, description="if set, each PCN's "
                                           "requirement effort is scaled by its population over this many patients")

    @model_validator(mode="after")
    def _late_at_least_a_week(self):
        # Arrears are worked off at a share 1 / late_weeks a week: more than all of them in one week means nothing.
        if 0.0 < self.late_weeks < 1.0:
            raise ValueError(f"late_weeks must be 0 (never made up) or at least 1 week (got {self.late_weeks:g})")
        return self


class Joint(Section):
    """What joint work delivers: its value depends on the collaborative capacity of the practice doing it."""

    capacity_effect: Unit = Field(1.0, description="how far joint work's value depends on collaborative capacity "
                                  "(0: not at all, every unit of effort is worth one)")
    weight_trust: Weight = Field(1.0, description="weight of trust in collaborative capacity",
                                 json_schema_extra=_NOT_ALL_ZERO)
    weight_purpose: Weight = Field(1.0, description="weight of shared purpose (alignment with the PCN's proposal)",
                                   json_schema_extra=_NOT_ALL_ZERO)
    weight_ownership: Weight = Field(1.0, description="weight of ownership", json_schema_extra=_NOT_ALL_ZERO)

    @model_validator(mode="after")
    def _some_weight(self):
        if self.weight_trust + self.weight_purpose + self.weight_ownership <= 0:
            raise ValueError("at least one of weight_trust, weight_purpose, weight_ownership must be positive")
        return self


class Follow(Section):
    """Following through on agreements: with low trust or unsaid disagreement, joint work is not always done (000)."""

    break_rate: Real = Field(2.0, ge=0.0, le=1_000.0, description="broken agreements per practice-week of joint "
                             "work at trust 0 and no tension (0: agreements are always kept)")
    unsaid: Real = Field(1.0, ge=0.0, le=100.0, description="how far unsaid (latent) tension raises that rate")
    trust_loss: Unit = Field(0.03, description="share of trust lost on the breaker's ties inside its PCN")


class Ownership(Section):
    """Where ownership comes from besides decisions: seeing joint work succeed; where it goes: overload, broken agreements."""

    imposed_backer_gain: Unit = Field(0.0, description="share of the ownership gain a backer gets when the decision "
                                      "was imposed on others (1: as for an agreement)")
    success_rate: Real = Field(2.0, ge=0.0, le=1_000.0, description="pull of ownership towards the success of "
                               "one's joint work, per practice-week of it (0: off)")
    overload_loss: Real = Field(0.5, ge=0.0, le=100.0, description="share of ownership lost weekly per unit of "
                                "pressure above 1")
    break_loss: Unit = Field(0.03, description="share of ownership every engaged member loses per broken agreement "
                             "in its PCN")


class Damage(Section):
    """Lasting damage: a tie's memory of impositions, broken agreements and destructive conflict caps its trust."""

    imposition_scar: Real = Field(0.15, ge=0.0, le=100.0, description="memory added to a dissenter's ties per "
                                  "imposed decision")
    break_scar: Real = Field(0.05, ge=0.0, le=100.0, description="memory added to the breaker's ties per broken "
                             "agreement")
    conflict_scar: Real = Field(0.05, ge=0.0, le=100.0, description="memory added per destructive conflict, times "
                                "its intensity (at most 1)")
    memory_decay: Unit = Field(0.005, description="weekly fading of a tie's memory of damage")
    repulsion: Unit = Field(0.2, description="share of its distance from an imposed proposal a dissenter moves away")


class Wellbeing(Section):
    burnout_rate: Real = Field(0.5, ge=0.0, le=100.0, description="burnout per unit of work beyond capacity")
    recovery_rate: Unit = Field(0.02, description="weekly recovery below capacity")
    capacity_loss: Unit = Field(0.5, description="share of the discretionary margin lost at full burnout")
    disengage_at: Real = Field(0.7, gt=0.0, le=1.0, description="burnout at which a practice disengages")
    reengage_at: Unit = Field(0.4, description="burnout below which it re-engages",
                              json_schema_extra=rule("below disengage_at"))

    @model_validator(mode="after")
    def _hysteresis(self):
        if self.reengage_at >= self.disengage_at:
            raise ValueError("reengage_at must be below disengage_at")
        return self


class Partners(Section):
    """Partner organisations (community, mental health, local authority, voluntary sector) joining each PCN."""

    per_pcn: Whole = Field(0, ge=0, le=10, description="partner organisations joining each PCN")
    join_week: Week = Field(0, description="week they join (0: from the start)")
    value_centre: Annotated[list[Unit], Field(max_length=20)] | None = Field(
        None, description="centre of the partners' value profiles (default: the practices' centre)",
        json_schema_extra=rule("one per value dimension"))
    stakes: ShareSpread = Field(ShareSpread(mean=0.2, sd=0.1), description="partners' own stakes")
    core_demand: ShareSpread = Field(ShareSpread(mean=0.85, sd=0.03), description="partners' own core workload")
    voice: Real = Field(1.0, ge=0.0, le=1_000.0, description="a partner's weight in decisions and work, in mean "
                        "practice list sizes of its PCN")
    trust_transfer: Unit = Field(0.5, description="share of a practice's trust in its PCN it extends to a newcomer")
    autonomy_cost: Unit = Field(0.5, description="rise in each practice's stake per unit of the partners' share of "
                                "the PCN's voice")


class Comparison(Section):
    """PCNs watching a few others' visible achievements and judging whether they are behind."""

    visible: Whole = Field(0, ge=0, le=100, description="other PCNs each PCN watches (0: no comparison)",
                           json_schema_extra=rule("below the PCNs"))
    bias: Unit = Field(0.0, description="how far what PCNs show is their best work rather than the whole story")
    urgency: Real = Field(0.5, ge=0.0, le=5.0, description="extra pace of mandate work while a PCN thinks it is behind")
    haste: Unit = Field(0.3, description="weekly chance it then decides a pending matter without waiting for agreement")
    perception_sd: Real = Field(0.1, ge=0.0, le=1.0, description="spread between PCNs in how they read the same "
                                "feed: each PCN's own offset to its progress, drawn once (0: all read it alike)")
    urgency_purpose: Unit = Field(1.0, description="how far the extra pace needs a shared purpose: at 1 it is "
                                  "`urgency` times the PCN's mean purpose alignment (0: the full `urgency` always)")
    anxiety: Real = Field(0.05, ge=0.0, le=10.0, description="latent tension added weekly to a PCN's ties while it "
                          "thinks it is behind, times the share of purpose it lacks (false urgency; 0: off)")


# Asks of the ICS in one run, at most: each is a requirement every PCN holds a copy of.
MAX_ICS_ASKS = 10_000


class ICS(Section):
    """The integrated care system as an actor: its own asks of its PCNs, and each PCN's working relationship with
    it, which moves with how those asks land (ODD 7.17). With no asks (the default) the relationship never moves."""

    asks_per_year: Real = Field(0.0, ge=0.0, le=52.0, description="asks the ICS makes of each of its PCNs a year, "
                                "evenly spaced over `span_weeks` (0: none)",
                                json_schema_extra=rule(f"at most {MAX_ICS_ASKS:,} asks in all"))
    start_week: Week = Field(0, description="week of the first ask")
    span_weeks: Whole = Field(520, ge=1, le=WEEKS, description="weeks from `start_week` over which the asks arrive "
                              "(fixed, not the run's length, so a shorter run of a scenario is the start of a longer "
                              "one; asks after the last week never arrive)")
    ask_effort: Real = Field(1.0, ge=0.0, le=1_000_000.0, description="practice-weeks of work in each ask (scaled "
                             "by `delivery.effort_population` like the national requirements)")
    lead_weeks: Whole = Field(13, ge=1, le=WEEKS, description="from an ask to its deadline (one stage)")
    support: Unit = Field(0.5, description="share of the asks that come with resources for their work, spread "
                          "evenly over the asks")
    joint_share: Unit = Field(0.5, description="share of an ask's work that is joint work across practices")
    gain: Unit = Field(0.05, description="share of the room below 1 a PCN's trust in its ICS gains per practice-week "
                       "of supported ICS work landing on practices with room for it")
    loss: Unit = Field(0.05, description="share of its trust a PCN loses per practice-week of ICS work landing "
                       "without support or on practices working beyond capacity")
    initial: Unit = Field(0.5, description="each PCN's trust in its ICS at the start")
    initial_sd: Unit = Field(0.0, description="spread between PCNs of their starting trust in their ICS, drawn once")
    poor_below: Unit = Field(0.4, description="trust below which a PCN's relationship with its ICS counts as poor "
                             "(the `ics_poor` outcome)")


class Scenario(Section):
    name: Annotated[str, Strict(), Field(max_length=200), AfterValidator(_plain_label)] = Field(
        "unnamed", description="label used in outputs; changes nothing else",
        json_schema_extra=rule("no / or \\, no control characters"))
    description: Text = Field("", description="free text")
    steps: Whole = Field(260, ge=1, le=WEEKS, description="weeks to simulate")
    seed: Whole = Field(0, ge=0, le=SEED_MAX, description="random seed")
    network: Network = Field(Network(), description="who is in which PCN and who is tied to whom")
    practices: Practices = Field(Practices(), description="the practices")
    values: Values = Field(Values(), description="values and bounded confidence")
    trust: Trust = Field(Trust(), description="trust")
    conflict: Conflict = Field(Conflict(), description="conflict")
    meetings: Meetings = Field(Meetings(), description="meetings")
    leadership: Leadership = Field(Leadership(), description="the Clinical Director")
    focus: Focus = Field(Focus(), description="strategic focus")
    mandates: Annotated[list[MandateStream], Field(max_length=1_000)] = Field(
        [], description="national requirements, one entry per stream")
    demand_shocks: Annotated[list[DemandShock], Field(max_length=1_000)] = Field(
        [], description="spells of extra core demand, one entry per shock")
    decisions: Decisions = Field(Decisions(), description="decisions")
    delivery: Delivery = Field(Delivery(), description="delivery")
    joint: Joint = Field(Joint(), description="joint work and collaborative capacity")
    follow: Follow = Field(Follow(), description="following through on agreements")
    ownership: Ownership = Field(Ownership(), description="ownership from success; its loss to overload and breaks")
    damage: Damage = Field(Damage(), description="lasting damage to ties")
    wellbeing: Wellbeing = Field(Wellbeing(), description="wellbeing")
    partners: Partners = Field(Partners(), description="partner organisations")
    comparison: Comparison = Field(Comparison(), description="social comparison between PCNs")
    ics: ICS = Field(ICS(), description="the integrated care system's asks and each PCN's relationship with it")
    record_levels_every: Whole = Field(13, ge=1, le=WEEKS, description="weeks between rows of the per-PCN and "
                                       "per-ICS tables")

    @model_validator(mode="after")
    def _partner_values_fit(self):
        centre = self.partners.value_centre
        if centre is not None and len(centre) != len(self.practices.value_dimensions):
            raise ValueError(
                f"partners.value_centre needs one entry per value dimension ({len(self.practices.value_dimensions)})"
            )
        network, visible = self.network, self.comparison.visible
        pcns = {"single": 1, "generated": network.pcns}.get(network.kind)  # a csv structure's: when it is read
        if pcns is not None and visible >= pcns and visible:
            raise ValueError(f"comparison.visible ({visible}) must be below the number of PCNs ({pcns})")
        asks = math.ceil(self.ics.asks_per_year * self.ics.span_weeks / 52.0)
        if asks > MAX_ICS_ASKS:
            raise ValueError(f"ics.asks_per_year: {self.ics.asks_per_year:g} a year over {self.ics.span_weeks} weeks "
                             f"(ics.span_weeks) is {asks:,} asks; at most {MAX_ICS_ASKS:,} are allowed")
        return self
