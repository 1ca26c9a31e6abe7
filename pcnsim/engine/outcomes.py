"""What the model records, declared once: each outcome's name, kind, roll-up and one-line meaning.

Kernels write outcome rows by name (`N.mean_trust`, `P.progress`, columns of
an IntEnum, which numba compiles as constants); tables, the integer columns,
the ICS roll-up, the docs' outcome tables and the reference's tally all come
from here. This module imports neither numba nor Mesa, so validating an
experiment or plotting a sweep never loads the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

Kind = Literal["count", "share", "mean", "total", "flag"]


@dataclass(frozen=True)
class Outcome:
    """One recorded quantity.

    kind: "count" (a whole number: kept as an integer in tables), "share" (0..1),
    "mean" (an average), "total" (an amount, such as effort), "flag" (0 or 1).
    rollup: how PCN rows combine into an ICS row: "sum", or "weighted" (by practices).
    """

    name: str
    kind: Kind
    doc: str
    rollup: Literal["sum", "weighted"] = "weighted"


@dataclass(frozen=True)
class Registry:
    """An ordered set of outcomes: the columns of one kind of outcome row."""

    outcomes: tuple[Outcome, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.outcomes)

    @property
    def counts(self) -> frozenset[str]:
        return frozenset(o.name for o in self.outcomes if o.kind == "count")

    @property
    def summed(self) -> frozenset[str]:
        return frozenset(o.name for o in self.outcomes if o.rollup == "sum")

    def index(self, name: str) -> int:
        return self.names.index(name)

    def columns(self, enum_name: str) -> type[IntEnum]:
        """The row's columns by name, for kernels: `row[N.mean_trust] = ...`."""
        return IntEnum(enum_name, {name: i for i, name in enumerate(self.names)})

    def __len__(self) -> int:
        return len(self.outcomes)


NATIONAL = Registry((
    Outcome("step", "count", "week (0 is the initial state)"),
    Outcome("mean_trust", "mean", "mean trust over active ties"),
    Outcome("min_trust", "mean", "minimum trust over active ties"),
    Outcome("trust_growth", "mean", "change in mean trust this week, per year"),
    Outcome("trusted_components", "count", "groups of members connected by trusted ties (1: no fragmentation)"),
    Outcome("value_dispersion", "mean", "root mean square distance of value profiles from their mean, per dimension"),
    Outcome("n_clusters", "count", "opinion clusters (single linkage within `values.cluster_tolerance`), summed over PCNs"),
    Outcome("agreement_share", "share", "share of meetings and decisions ending in agreement, discounted over "
            "`meetings.agreement_memory_weeks` (undefined at week 0)"),
    Outcome("shared_purpose", "share", "share of practices engaged and backing their PCN's common proposal"),
    Outcome("decisions_agreed", "count", "requirements decided so far by agreement (cumulative)"),
    Outcome("decisions_imposed", "count", "requirements decided so far over dissent (cumulative)"),
    Outcome("meetings", "count", "meetings held this week"),
    Outcome("conflict_episodes", "count", "conflicts this week"),
    Outcome("conflict_intensity", "mean", "mean intensity of this week's conflicts"),
    Outcome("conflict_productive", "count", "this week's conflicts talked through"),
    Outcome("conflict_avoided", "count", "this week's conflicts left unsaid (tension builds)"),
    Outcome("conflict_destructive", "count", "this week's conflicts that cost trust"),
    Outcome("latent_tension", "mean", "mean unresolved tension per active tie"),
    Outcome("mandate_demand", "total", "effort the week's requirements ask for, practice-weeks"),
    Outcome("milestones_due", "count", "milestones due so far (cumulative)"),
    Outcome("milestones_met", "count", "milestones met on time so far (cumulative)"),
    Outcome("ownership", "share", "share of practices engaged in active ownership"),
    Outcome("passive_compliance", "share", "share of practices engaged in passive compliance"),
    Outcome("disengaged", "share", "share of practices disengaged (burnt out)"),
    Outcome("capacity", "mean", "mean capacity over practices"),
    Outcome("pressure", "mean", "mean pressure (work over capacity) over practices"),
    Outcome("burnout", "mean", "mean burnout over practices"),
    Outcome("believe_behind", "share", "share of PCNs that think they are behind the PCNs they watch"),
    Outcome("truly_behind", "share", "share of PCNs below the median on progress"),
    Outcome("false_urgency", "share", "share of PCNs that think they are behind but are not"),
    Outcome("relationship_time_lost", "mean", "mean meeting time per practice lost this week to working ahead "
            "out of urgency"),
    Outcome("joint_value", "total", "value of the joint work delivered so far (cumulative; one unit of effort at full "
            "collaborative capacity is worth one)"),
    Outcome("joint_effort", "total", "effort put into joint work so far, practice-weeks (cumulative)"),
    Outcome("joint_quality", "mean", "value per unit of joint effort so far (undefined before any joint work)"),
    Outcome("broken_agreements", "count", "agreements on joint work not carried out so far (cumulative)"),
    Outcome("mean_ownership", "mean", "mean ownership over practices"),
    Outcome("purpose_strength", "mean", "mean purpose alignment of practices with their PCN's proposal on a matter "
            "weighing every value equally (0 for a disengaged practice)"),
    Outcome("trust_ceiling", "mean", "mean over active ties of the trust their memory of damage lets them reach"),
    Outcome("ics_trust", "mean", "mean over PCNs of their trust in their ICS"),
    Outcome("ics_poor", "share", "share of PCNs whose relationship with their ICS is poor (trust below "
            "`ics.poor_below`)"),
))

PCN = Registry((
    Outcome("population", "total", "registered patients of its practices", "sum"),
    Outcome("mean_trust", "mean", "mean trust over the active ties inside the PCN"),
    Outcome("value_dispersion", "mean", "value dispersion of its active members"),
    Outcome("n_clusters", "count", "opinion clusters among its active members", "sum"),
    Outcome("decisions_agreed", "count", "requirements it decided by agreement (cumulative)", "sum"),
    Outcome("decisions_imposed", "count", "requirements it decided over dissent (cumulative)", "sum"),
    Outcome("milestones_due", "count", "milestones due so far (cumulative)", "sum"),
    Outcome("milestones_met", "count", "milestones met on time so far (cumulative)", "sum"),
    Outcome("progress", "share", "share of arrived requirement effort delivered"),
    Outcome("believes_behind", "flag", "1 if it thinks it is behind the PCNs it watches (ICS: PCNs counted)", "sum"),
    Outcome("truly_behind", "flag", "1 if it is below the median on progress (ICS: PCNs counted)", "sum"),
    Outcome("ownership", "share", "share of its practices in active ownership"),
    Outcome("passive_compliance", "share", "share of its practices in passive compliance"),
    Outcome("disengaged", "share", "share of its practices disengaged"),
    Outcome("burnout", "mean", "mean burnout of its practices"),
    Outcome("pressure", "mean", "mean pressure of its practices"),
    Outcome("facilitation", "mean", "its Clinical Director's facilitation this week"),
    Outcome("joint_value", "total", "value of the joint work it has delivered (cumulative)", "sum"),
    Outcome("joint_effort", "total", "effort it has put into joint work (cumulative)", "sum"),
    Outcome("broken_agreements", "count", "agreements on joint work not carried out (cumulative)", "sum"),
    Outcome("mean_ownership", "mean", "mean ownership of its practices"),
    Outcome("purpose_strength", "mean", "mean purpose alignment of its practices with its proposal"),
    Outcome("ics_trust", "mean", "its trust in its ICS: its working relationship with the system"),
))

# What happened this week, tallied by the processes for the national row (not an outcome row itself).
TALLY = Registry((
    Outcome("held", "count", "meetings held"),
    Outcome("agreements", "count", "meetings that ended in agreement"),
    Outcome("conflicts", "count", "meetings that ended in conflict"),
    Outcome("intensity", "total", "summed intensity of the conflicts"),
    Outcome("productive", "count", "conflicts talked through"),
    Outcome("avoided", "count", "conflicts left unsaid"),
    Outcome("destructive", "count", "conflicts that cost trust"),
    Outcome("agreed_decisions", "count", "requirements decided by agreement"),
    Outcome("imposed_decisions", "count", "requirements decided over dissent"),
    Outcome("demand", "total", "effort the week's requirements ask for, practice-weeks"),
))

# Running totals kept in the state, nationally and per PCN (the outcomes of the same names read them).
TOTALS = Registry(tuple(o for o in NATIONAL.outcomes if o.name in (
    "decisions_agreed", "decisions_imposed", "milestones_due", "milestones_met", "broken_agreements")))

# Columns by name, for kernels (numba compiles IntEnum members as constants): row[N.mean_trust] = ...
N = NATIONAL.columns("N")
P = PCN.columns("P")
T = TALLY.columns("T")
C = TOTALS.columns("C")

OUTCOMES = NATIONAL.names
COUNTS = NATIONAL.counts
PCN_OUTCOMES = PCN.names
