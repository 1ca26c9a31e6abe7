"""Stylised facts SF1-SF6 and SF8 of the model brief (pattern-oriented validation).

Each fact is a statistical direction, judged over at least 30 seeds with a
one-sided test at p < 0.01, and checked at two or more parameter settings
(parametrised; the ids say what varies). Comparisons between two conditions
use the same seeds in both (common random numbers), so they are paired and
tested with the Wilcoxon signed-rank test; a one-sample Wilcoxon test against
one half is used where the fact is "most" (SF5). Nothing here depends on a
scenario's name or on numbers copied from model output: only directions,
significance thresholds and, where the fact says "most" or "beyond capacity",
thresholds taken from the fact itself or from the scenario's own parameters.

Each test prints (`pytest -s`) the means compared, their difference, Cohen's
d_z (mean paired difference / its SD; for SF5, mean distance from the
threshold / its SD), the matched-pairs rank-biserial correlation r_rb and the
p-value; lines marked "(info)" are reported, not asserted. SF4 also prints the
crossover step. pytest-xdist workers do not forward `-s` output, so the same
lines are attached to each test's report: add `-rA` to see them with `-n 2`.

Where a fact holds only in part, the part that fails is said so in the test: a
strict xfail that raises a named exception for the check that fails (SF4's
early lead at a heavy load, two of its ablations, SF5 at the shipped baseline).

SF7 (partner organisations) and SF9 ("everyone thinks they are behind") are
not tested here.

Run:  pytest tests/test_stylised_facts.py -n 2 -q -rA   (marked slow; about 5 CPU-minutes)

At a calibration's parameters (docs/CALIBRATION.md reports what changes):
      PCNSIM_CALIBRATED=docs/calibration/fit pytest tests/test_stylised_facts.py -n 2 -q -rA
sets the calibration's chosen values in every scenario these facts run, under each test's own settings
(a test that varies a calibrated parameter still varies it).
"""

from __future__ import annotations

import functools
import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pcnsim import load
from pcnsim.engine.batch import simulate
from pcnsim.engine.outcomes import OUTCOMES
from pcnsim.outputs.stats import crossover as series_crossover
from conftest import SCENARIOS

pytestmark = pytest.mark.slow

ALPHA = 0.01
SEEDS = range(30)
SEEDS_SF1 = range(40)
SEEDS_SF4 = range(40)
SEEDS_SF6 = range(80)  # the consensus effect of facilitation is modest (p < 0.01 in 8 of 10 sets of 50)
EARLY, YEAR3, END = 26, 156, 260  # SF4 checkpoints: month 6, year 3, year 5 (weeks)


# --------------------------------------------------------------------------- runs


def _calibrated() -> list[str]:
    folder = os.environ.get("PCNSIM_CALIBRATED")
    if not folder:
        return []
    from pcnsim.study.calibrate import as_overrides, chosen_parameters

    return as_overrides(chosen_parameters(folder))


CALIBRATED = _calibrated()


@functools.lru_cache(maxsize=None)
def _runs(path: str, overrides: tuple[str, ...], seeds: tuple[int, ...], steps: int) -> tuple:
    """Outcome tables of `path` under `overrides`, one per seed, run `steps` weeks as one batch (the same numbers
    as run one by one: tests/test_batch.py), cached per process: treat the frames as read-only."""
    scenario = load(SCENARIOS / path, CALIBRATED + list(overrides) + [f"steps={steps}"])
    return tuple(pd.DataFrame(table, columns=list(OUTCOMES)) for table in simulate([scenario] * len(seeds), list(seeds)))


def runs(path: str, overrides, seeds, steps: int) -> list:
    return list(_runs(path, tuple(overrides), tuple(int(s) for s in seeds), int(steps)))


def per_run(frames, f) -> np.ndarray:
    return np.array([f(d) for d in frames], dtype=float)


# --------------------------------------------------------------------------- statistics


def _rank_biserial(diff: np.ndarray) -> float:
    nz = diff[diff != 0]
    if nz.size == 0:
        return 0.0
    ranks = stats.rankdata(np.abs(nz))
    return float((ranks[nz > 0].sum() - ranks[nz < 0].sum()) / ranks.sum())


def _d_z(diff: np.ndarray) -> float:
    sd = diff.std(ddof=1)
    if sd > 0:
        return float(diff.mean() / sd)
    return 0.0 if diff.mean() == 0 else float(np.sign(diff.mean()) * np.inf)


_LINES: list[str] = []


def say(line: str) -> None:
    """Print a result line (shown by `pytest -s`) and keep it for the test's report section."""
    print(line)
    _LINES.append(line)


@pytest.fixture(autouse=True)
def _fresh_log():
    _LINES.clear()
    yield


def publish(request) -> None:
    """Attach this test's result lines to its report, so `-rA` shows them even under pytest-xdist
    (whose workers do not forward `-s` output)."""
    if _LINES:
        request.node.add_report_section("call", "stylised-fact statistics", "\n".join(_LINES) + "\n")
    _LINES.clear()


def paired(fact: str, setting: str, what: str, a, b, alternative: str, labels=("A", "B")) -> dict:
    """Wilcoxon signed-rank test of a against b, paired by seed; prints and returns the result.

    alternative "greater": H1 a > b; "less": H1 a < b.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    diff = a - b
    if np.all(diff == 0):
        p = 1.0
    else:
        p = float(stats.wilcoxon(a, b, alternative=alternative).pvalue)
    res = dict(
        fact=fact, setting=setting, what=what, mean_a=a.mean(), mean_b=b.mean(), diff=diff.mean(),
        d=_d_z(diff), r=_rank_biserial(diff), p=p, n=len(a), alternative=alternative, labels=labels,
    )
    sign = ">" if alternative == "greater" else "<"
    say(
        f"[{fact}] {setting} | {what}: {labels[0]}={res['mean_a']:.4g} {sign}? {labels[1]}={res['mean_b']:.4g} "
        f"diff={res['diff']:+.4g} (median {np.median(diff):+.4g}) d_z={res['d']:+.2f} r_rb={res['r']:+.2f} "
        f"p={p:.2g} (n={len(a)})"
    )
    return res


def above(fact: str, setting: str, what: str, x, threshold: float) -> dict:
    """One-sample Wilcoxon signed-rank test of H1: x is typically above `threshold`."""
    x = np.asarray(x, float)
    diff = x - threshold
    p = 1.0 if np.all(diff == 0) else float(stats.wilcoxon(diff, alternative="greater").pvalue)
    res = dict(
        fact=fact, setting=setting, what=what, mean_a=x.mean(), mean_b=threshold, diff=diff.mean(),
        d=_d_z(diff), r=_rank_biserial(diff), p=p, n=len(x), alternative="greater", labels=("mean", "threshold"),
    )
    say(
        f"[{fact}] {setting} | {what}: mean={x.mean():.4g} (median {np.median(x):.4g}, min {x.min():.4g}) "
        f">? {threshold:g} "
        f"diff={res['diff']:+.4g} d={res['d']:+.2f} r_rb={res['r']:+.2f} p={p:.2g} (n={len(x)})"
    )
    return res


def check(results: list[dict]) -> None:
    """Assert every result is significant in its stated direction (after printing all of them)."""
    failed = [
        f"{r['what']}: diff={r['diff']:+.4g}, p={r['p']:.2g}"
        for r in results
        if not (r["p"] < ALPHA and (r["diff"] > 0 if r["alternative"] == "greater" else r["diff"] < 0))
    ]
    assert not failed, "not significant in the stated direction (p < %g): %s" % (ALPHA, "; ".join(failed))


# --------------------------------------------------------------------------- SF1


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(("mandates=[]", "network.practices=5"), id="no_mandates-5_practices"),
        pytest.param(("mandates=[]", "network.practices=8"), id="no_mandates-8_practices"),
        pytest.param(
            ("mandates.0.total_effort=8", "mandates.1.total_effort=4", "trust.initial=0.15"),
            id="light_mandates-low_initial_trust",
        ),
    ],
)
def test_sf1_trust_grows_under_low_pressure_faster_with_longer_history(overrides, request):
    """SF1: under no or light mandates mean trust rises over time, and faster where shared history is longer.

    Growth: mean trust at week 52 vs week 0, for short (0.5 y) and long (10 y) mean shared history.
    Faster: the share of the room for growth (1 - initial trust) closed by week 52 is larger with long
    history (paired by seed). Trust builds in proportion to 1 - trust, so this relative rate, not the
    absolute gain, is what "faster" means when the two start at different levels (longer history also
    starts higher); the absolute gain in the first 26 weeks is printed.
    """
    setting = "+".join(overrides)
    steps = 52
    short = runs("baseline.yaml", overrides + ("network.history_years.mean=0.5",), SEEDS_SF1, steps)
    long_ = runs("baseline.yaml", overrides + ("network.history_years.mean=10",), SEEDS_SF1, steps)
    results = []
    for name, frames in (("short history", short), ("long history", long_)):
        results.append(paired(
            "SF1", setting, f"{name}: mean_trust week {steps} vs week 0",
            per_run(frames, lambda d: d.mean_trust.iloc[steps]), per_run(frames, lambda d: d.mean_trust.iloc[0]),
            "greater", ("week52", "week0"),
        ))

    def gain(d, t=26):
        return d.mean_trust.iloc[t] - d.mean_trust.iloc[0]

    def room_closed(d, t=steps):
        return (d.mean_trust.iloc[t] - d.mean_trust.iloc[0]) / (1.0 - d.mean_trust.iloc[0])

    # Reported, not asserted: the absolute gain is larger with long history on average, but long history
    # also starts nearer the ceiling (trust builds in proportion to 1 - trust), so at 5 practices this
    # is not significant for every seed set; the rate relative to the room for growth is robust.
    paired(
        "SF1", setting, "(info) trust gained in first 26 weeks, long vs short history",
        per_run(long_, gain), per_run(short, gain), "greater", ("long", "short"),
    )
    results.append(paired(
        "SF1", setting, f"share of room for trust growth closed by week {steps}, long vs short history",
        per_run(long_, room_closed), per_run(short, room_closed), "greater", ("long", "short"),
    ))
    publish(request)
    check(results)


# --------------------------------------------------------------------------- SF2


def _conflict_measures(d):
    e = d.iloc[1:]
    episodes = e.conflict_episodes.sum()
    intensity = (e.conflict_intensity * e.conflict_episodes).sum() / episodes if episodes else 0.0
    return episodes, intensity


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(("network.practices=5",), id="baseline_mandates-5_practices"),
        pytest.param(("network.practices=8",), id="baseline_mandates-8_practices"),
        pytest.param(("mandates=[]", "trust.initial=0.15"), id="no_mandates-low_initial_trust"),
    ],
)
def test_sf2_conflict_rises_with_stakes(overrides, request):
    """SF2: conflict episodes and their mean intensity rise with autonomy / income stakes (mean 0.1 vs 0.6)."""
    setting = "+".join(overrides) or "baseline"
    steps = 52
    low = runs("baseline.yaml", overrides + ("practices.stakes.mean=0.1",), SEEDS, steps)
    high = runs("baseline.yaml", overrides + ("practices.stakes.mean=0.6",), SEEDS, steps)
    results = [
        paired("SF2", setting, f"conflict episodes in {steps} weeks, stakes 0.6 vs 0.1",
               per_run(high, lambda d: _conflict_measures(d)[0]), per_run(low, lambda d: _conflict_measures(d)[0]),
               "greater", ("high", "low")),
        paired("SF2", setting, "mean conflict intensity, stakes 0.6 vs 0.1",
               per_run(high, lambda d: _conflict_measures(d)[1]), per_run(low, lambda d: _conflict_measures(d)[1]),
               "greater", ("high", "low")),
    ]
    publish(request)
    check(results)


# --------------------------------------------------------------------------- SF3


def _weeks_to_halve_dispersion(d, steps):
    disp = d.value_dispersion.to_numpy()[: steps + 1]
    below = np.flatnonzero(disp < 0.5 * disp[0])
    return below[0] if below.size else steps + 1  # censored at the end of the run


@pytest.mark.parametrize(
    "overrides,narrow,wide",
    [
        pytest.param(("network.practices=5",), 0.08, 0.15, id="5_practices-spread_0.08_vs_0.15"),
        pytest.param(("network.practices=8",), 0.15, 0.22, id="8_practices-spread_0.15_vs_0.22"),
        pytest.param(("mandates=[]",), 0.15, 0.22, id="no_mandates-spread_0.15_vs_0.22"),
    ],
)
def test_sf3_wider_values_slow_consensus_and_raise_avoided_or_destructive_conflict(overrides, narrow, wide, request):
    """SF3: wider value differences give slower consensus and more avoided or destructive conflict.

    Slower consensus: a larger share of the initial value dispersion remains at week 52, and a lower mean
    agreement share over the year. Conflict: more avoided + destructive episodes over the year.
    """
    setting = ("+".join(overrides) or "baseline") + f", value_spread {wide} vs {narrow}"
    steps = 52
    lo = runs("baseline.yaml", overrides + (f"practices.value_spread={narrow}",), SEEDS, steps)
    hi = runs("baseline.yaml", overrides + (f"practices.value_spread={wide}",), SEEDS, steps)

    def remaining(d):
        return d.value_dispersion.iloc[steps] / d.value_dispersion.iloc[0]

    def agreement(d):
        return d.agreement_share.iloc[1 : steps + 1].mean()

    def unproductive(d):
        e = d.iloc[1 : steps + 1]
        return (e.conflict_avoided + e.conflict_destructive).sum()

    results = [
        paired("SF3", setting, f"share of initial value dispersion left at week {steps}",
               per_run(hi, remaining), per_run(lo, remaining), "greater", ("wide", "narrow")),
        paired("SF3", setting, f"mean agreement_share weeks 1-{steps}",
               per_run(hi, agreement), per_run(lo, agreement), "less", ("wide", "narrow")),
        paired("SF3", setting, f"avoided + destructive conflicts in {steps} weeks",
               per_run(hi, unproductive), per_run(lo, unproductive), "greater", ("wide", "narrow")),
    ]
    # Reported, not asserted (censored at the end of the run): weeks until dispersion halves.
    paired("SF3", setting, "(info) weeks until value dispersion halves (censored at 53)",
           per_run(hi, lambda d: _weeks_to_halve_dispersion(d, steps)),
           per_run(lo, lambda d: _weeks_to_halve_dispersion(d, steps)), "greater", ("wide", "narrow"))
    publish(request)
    check(results)


# --------------------------------------------------------------------------- SF4


def crossover(race_frames, first_frames, column="milestones_met") -> int | None:
    """First step after which trust-first's mean `column` stays strictly above race's to the end."""
    race = np.mean([d[column].to_numpy() for d in race_frames], axis=0)
    first = np.mean([d[column].to_numpy() for d in first_frames], axis=0)
    return series_crossover(pd.Series(race), pd.Series(first))  # the index is the step


def _load(effort: float) -> str:
    """The specifications' total effort (practice-weeks), stated so the setting does not drift with the files."""
    return f"mandates.0.total_effort={effort:g}"


# The points at which SF4 is judged (docs/design/model2/README.md 2.1): the shipped pair, a PCN with low
# starting trust and little shared history, a larger PCN with its load scaled to its size, a heavier load,
# and long history with aligned values, where the brief expects the gap may narrow.
SF4_POINTS = {
    "defaults": (),
    "low_trust_short_history": ("trust.initial=0.15", "network.history_years.mean=0.5"),
    "8_practices-load_22.4": ("network.practices=8", _load(22.4)),
    "heavier_load_18": (_load(18),),
    "long_history_aligned_values": ("network.history_years.mean=10", "practices.value_spread=0.08"),
}
# What a trainer can show a room: gaps of at least 0.05 on a 0-1 scale (trust, mean ownership) at year 3, and
# joint work worth at least a tenth less by year 5. Model 1's year-5 trust gap was 0.002 in the typical seed.
VISIBLE_GAP, VISIBLE_VALUE_DEFICIT = 0.05, 0.10
SPEC_JOINT_EFFORT = 14.0 * 0.6  # practice-weeks of joint work in the five specifications, per PCN


class NotAheadEarly(AssertionError):
    """The race has not met significantly more milestones than trust_first at week 26."""


class GapStays(AssertionError):
    """With the mechanism switched off, the race's year-5 gap is still significant."""


SF4_HEAVY_EARLY = (
    "at load 18 the rush overruns a five-practice PCN's spare capacity: its joint work, done at low capacity and "
    "with broken agreements, does not put it significantly ahead even at week 26 (NotAheadEarly); every long-run "
    "leg holds"
)


def sf4_runs(path, overrides, seeds=SEEDS_SF4):
    """Five years of `path` under `overrides`, one table per seed."""
    return runs(path, overrides, seeds, END)


def _at(column, t):
    return lambda d: d[column].iloc[t]


@pytest.mark.parametrize("point", [
    pytest.param(name, id=name, marks=pytest.mark.xfail(strict=True, raises=NotAheadEarly, reason=SF4_HEAVY_EARLY)
                 if name == "heavier_load_18" else ()) for name in SF4_POINTS])
def test_sf4_it_is_not_a_race(point, request):
    """SF4 on the fair pair (race.yaml, trust_first.yaml: the same requirements, effort, kinds of work and lead
    times; only the arrival weeks differ), paired by seed, 40 seeds.

    The race is ahead on milestones at week 26; by year 5 its joint work has delivered less value for the same
    effort, and it has lower mean trust and lower mean ownership at years 3 and 5, by margins a room can see
    (VISIBLE_GAP at year 3, VISIBLE_VALUE_DEFICIT of joint value). Purpose alignment and the milestone crossover
    are printed, not asserted (purpose saturates where values are aligned).
    """
    overrides = SF4_POINTS[point]
    race, first = sf4_runs("race.yaml", overrides), sf4_runs("trust_first.yaml", overrides)
    labels = ("race", "trust_first")
    early = paired("SF4", point, f"milestones_met at week {EARLY}", per_run(race, _at("milestones_met", EARLY)),
                   per_run(first, _at("milestones_met", EARLY)), "greater", labels)
    later = [paired("SF4", point, f"joint_value at week {END}", per_run(race, _at("joint_value", END)),
                    per_run(first, _at("joint_value", END)), "less", labels)]
    for column in ("mean_trust", "mean_ownership"):
        for t in (YEAR3, END):
            later.append(paired("SF4", point, f"{column} at week {t}", per_run(race, _at(column, t)),
                                per_run(first, _at(column, t)), "less", labels))
    for t in (YEAR3, END):
        paired("SF4", point, f"(info) purpose_strength at week {t}", per_run(race, _at("purpose_strength", t)),
               per_run(first, _at("purpose_strength", t)), "less", labels)
    paired("SF4", point, f"(info) milestones_met at week {END}", per_run(race, _at("milestones_met", END)),
           per_run(first, _at("milestones_met", END)), "less", labels)
    say(f"[SF4] {point} | (info) crossover on mean milestones_met: {crossover(race, first)}, "
        f"on mean joint_value: {crossover(race, first, 'joint_value')}")
    publish(request)
    check(later)
    trust, ownership = (-later[1]["diff"], -later[3]["diff"])
    value_deficit = -later[0]["diff"] / later[0]["mean_b"]
    assert trust >= VISIBLE_GAP and ownership >= VISIBLE_GAP, (trust, ownership)
    assert value_deficit >= VISIBLE_VALUE_DEFICIT, value_deficit
    if not (early["p"] < ALPHA and early["diff"] > 0):
        raise NotAheadEarly(f"diff={early['diff']:+.3g}, p={early['p']:.2g}")


@pytest.mark.parametrize("point", ["defaults", "low_trust_short_history", "8_practices-load_22.4"])
def test_sf4_decomposed_most_of_the_cost_is_joint_work_done_before_trust_has_grown(point, request):
    """Where the race's cost comes from: a race that takes the five specifications on all at once, but only at
    week 26, after the same six months for relationships as trust_first, still ends with less joint value and
    lower ownership (bunching costs something), but its joint-value deficit is less than half that of the race
    from week 0: most of it is doing joint work before trust and a shared purpose have grown (001's "moving too
    quickly into doing things without spending time coalescing around a shared vision")."""
    overrides = SF4_POINTS[point]
    labels = ("race", "trust_first")
    first = sf4_runs("trust_first.yaml", overrides)
    rushed = sf4_runs("race.yaml", overrides)
    grounded = sf4_runs("race.yaml", overrides + ("mandates.0.start_week=26",))
    full = paired("SF4 decomposed", point, f"joint_value at week {END}, race from week 0",
                  per_run(rushed, _at("joint_value", END)), per_run(first, _at("joint_value", END)), "less", labels)
    late = [paired("SF4 decomposed", point + "+race from week 26", f"{column} at week {END}",
                   per_run(grounded, _at(column, END)), per_run(first, _at(column, END)), "less", labels)
            for column in ("joint_value", "mean_ownership")]
    paired("SF4 decomposed", point + "+race from week 26", f"(info) mean_trust at week {END}",
           per_run(grounded, _at("mean_trust", END)), per_run(first, _at("mean_trust", END)), "less", labels)
    publish(request)
    check(late)
    assert -late[0]["diff"] < 0.5 * -full["diff"], (late[0]["diff"], full["diff"])


CAPACITY_OFF = ("joint.capacity_effect=0",)
DAMAGE_OFF = ("damage.imposition_scar=0", "damage.break_scar=0", "damage.conflict_scar=0", "damage.repulsion=0")


@pytest.mark.parametrize("point", ["defaults", "8_practices-load_22.4", "heavier_load_18"])
def test_sf4_ablation_with_collaborative_capacity_off_the_race_delivers_as_much_joint_value(point, request):
    """With joint work's value independent of who does it (`joint.capacity_effect` 0), the race's year-5 joint-value
    deficit is gone: not significant, and less than 1% of the specifications' joint effort. Late work
    (`delivery.late_weeks`) delivers both arms' effort by then, so the calendar alone gives no deficit."""
    overrides = SF4_POINTS[point] + CAPACITY_OFF
    race, first = sf4_runs("race.yaml", overrides), sf4_runs("trust_first.yaml", overrides)
    res = paired("SF4 ablation", point + "+capacity off", f"joint_value at week {END}",
                 per_run(race, _at("joint_value", END)), per_run(first, _at("joint_value", END)), "less",
                 ("race", "trust_first"))
    publish(request)
    scale = 8 / 5 if point.startswith("8_") else 1.0  # joint effort scales with the load
    assert res["p"] >= ALPHA and abs(res["diff"]) < 0.01 * SPEC_JOINT_EFFORT * scale, res


DAMAGE_GAP_STAYS = (
    "8 practices: with lasting damage off the year-5 trust gap shrinks by more than half but stays significant "
    "(GapStays): in a larger PCN the race's broken agreements and impositions cost more trust than its ties regain "
    "in four years even with no memory"
)


@pytest.mark.parametrize("point", [
    "defaults", "low_trust_short_history", "heavier_load_18",
    pytest.param("8_practices-load_22.4", marks=pytest.mark.xfail(strict=True, raises=GapStays,
                                                                  reason=DAMAGE_GAP_STAYS))])
def test_sf4_ablation_with_lasting_damage_off_the_year5_trust_and_purpose_gaps_close(point, request):
    """With every write to a tie's memory of damage and value repulsion off, the race's year-5 trust and purpose
    gaps are no longer significant, and the trust gap is at most half what it is with damage on."""
    overrides = SF4_POINTS[point]
    labels = ("race", "trust_first")
    on = [sf4_runs(path, overrides) for path in ("race.yaml", "trust_first.yaml")]
    off = [sf4_runs(path, overrides + DAMAGE_OFF) for path in ("race.yaml", "trust_first.yaml")]
    gap_on = paired("SF4 ablation", point, f"mean_trust at week {END}", *(per_run(r, _at("mean_trust", END))
                                                                           for r in on), "less", labels)
    gaps = [paired("SF4 ablation", point + "+damage off", f"{column} at week {END}",
                   *(per_run(r, _at(column, END)) for r in off), "less", labels)
            for column in ("mean_trust", "purpose_strength")]
    paired("SF4 ablation", point + "+damage off", f"(info) mean_ownership at week {END}",
           *(per_run(r, _at("mean_ownership", END)) for r in off), "less", labels)
    publish(request)
    assert -gaps[0]["diff"] <= 0.5 * -gap_on["diff"], (gaps[0]["diff"], gap_on["diff"])
    stays = [f"{r['what']}: p={r['p']:.2g}" for r in gaps if r["p"] < ALPHA]
    if stays:
        raise GapStays("; ".join(stays))


OWNERSHIP_CHANNELS_OFF = ("ownership.success_rate=0", "ownership.imposed_backer_gain=1") + DAMAGE_OFF
OWNERSHIP_GAP_STAYS = (
    "the year-5 ownership gap is carried mostly by seeing joint work fail (ownership.success_rate) and being "
    "overruled (backers gain nothing from an imposed decision), not by the ties' memory; with those and damage off "
    "it shrinks to a small fraction but stays significant (GapStays): overload and broken agreements cost ownership "
    "at the time and nothing later repays it, since ownership has no drift"
)


@pytest.mark.xfail(strict=True, raises=GapStays, reason=OWNERSHIP_GAP_STAYS)
def test_sf4_ablation_with_the_ownership_channels_off_the_year5_ownership_gap_closes(request):
    labels = ("race", "trust_first")
    on = [sf4_runs(path, ()) for path in ("race.yaml", "trust_first.yaml")]
    off = [sf4_runs(path, OWNERSHIP_CHANNELS_OFF) for path in ("race.yaml", "trust_first.yaml")]
    gap_on = paired("SF4 ablation", "defaults", f"mean_ownership at week {END}",
                    *(per_run(r, _at("mean_ownership", END)) for r in on), "less", labels)
    gap_off = paired("SF4 ablation", "defaults+success, imposed gain and damage off", f"mean_ownership at week {END}",
                     *(per_run(r, _at("mean_ownership", END)) for r in off), "less", labels)
    publish(request)
    assert -gap_off["diff"] < -gap_on["diff"], "switching the channels off does not even narrow the gap"
    if gap_off["p"] < ALPHA:
        raise GapStays(f"gap {-gap_off['diff']:+.3f} (with the channels on {-gap_on['diff']:+.3f}), p={gap_off['p']:.2g}")


# --------------------------------------------------------------------------- SF5


@pytest.mark.parametrize(
    "path,overrides",
    [
        pytest.param("baseline.yaml", ("network.practices=5",), id="baseline_mandates-5_practices"),
        pytest.param("trust_first.yaml", ("network.practices=8",), id="phased_mandates-8_practices"),
        pytest.param("baseline.yaml", ("leadership.facilitation=0.1",), id="baseline_mandates-directive_lead"),
    ],
)
def test_sf5_milestones_met_with_mostly_passive_compliance(path, overrides, request):
    """SF5: milestones can be met with mostly passive compliance.

    Setting, from the mechanisms: practices with widely different values (value_spread 0.3) rarely all back
    a proposal, so requirements are imposed (by a directive lead or by the deadline); imposition over dissent
    lowers the dissenters' ownership, so most engaged practices comply passively; milestones are met by
    effort whether owned or not (compliance is less efficient but capacity suffices). Over 30 seeds:
    most decisions are imposed, most due milestones are met, and the mean passive-compliance share over
    years 2-5 is above one half (one-sample Wilcoxon against 0.5). Paired check against the same setting
    with the default value spread: passive compliance is higher with wide values.
    """
    setting = f"{path}+" + "+".join(overrides + ("practices.value_spread=0.3",))
    wide = runs(path, overrides + ("practices.value_spread=0.3",), SEEDS, 260)
    default = runs(path, overrides, SEEDS, 260)

    def imposed_share(d):
        e = d.iloc[-1]
        return e.decisions_imposed / max(e.decisions_agreed + e.decisions_imposed, 1)

    def met_share(d):
        e = d.iloc[-1]
        return e.milestones_met / max(e.milestones_due, 1)

    def passive(d):
        return d.passive_compliance.iloc[53:].mean()

    results = [
        above("SF5", setting, "share of decisions imposed", per_run(wide, imposed_share), 0.5),
        above("SF5", setting, "share of due milestones met on time", per_run(wide, met_share), 0.5),
        above("SF5", setting, "mean passive_compliance share, years 2-5", per_run(wide, passive), 0.5),
        paired("SF5", setting, "mean passive_compliance years 2-5, value_spread 0.3 vs default",
               per_run(wide, passive), per_run(default, passive), "greater", ("wide", "default")),
    ]
    paired("SF5", setting, "(info) share of due milestones met, value_spread 0.3 vs default",
           per_run(wide, met_share), per_run(default, met_share), "less", ("wide", "default"))
    publish(request)
    check(results)


class PassiveNotMost(AssertionError):
    """The mean passive-compliance share over years 2-5 is not significantly above one half."""


SF5_BIMODAL = (
    "at the shipped baseline the passive share is bimodal across seeds: in a calm PCN joint work succeeds and "
    "ownership follows it, in the rest most practices comply passively, so the mean is near one half and not "
    "significantly above it (PassiveNotMost); it holds where the load is heavier (race) or trust starts lower"
)


@pytest.mark.parametrize("path,overrides", [
    pytest.param("baseline.yaml", (), id="baseline_defaults",
                 marks=pytest.mark.xfail(strict=True, raises=PassiveNotMost, reason=SF5_BIMODAL)),
    pytest.param("race.yaml", (), id="race_defaults"),
    pytest.param("baseline.yaml", ("trust.initial=0.15",), id="baseline-low_initial_trust_0.15"),
])
def test_sf5_at_the_shipped_defaults_milestones_are_met_with_mostly_passive_compliance(path, overrides, request):
    """SF5 with no special settings: most due milestones are met and most engaged practices comply passively
    over years 2-5 (one-sample Wilcoxon against one half, 30 seeds)."""
    setting = f"{path}+" + ("+".join(overrides) or "defaults")
    frames = runs(path, overrides, SEEDS, END)
    met = above("SF5", setting, "share of due milestones met on time",
                per_run(frames, lambda d: d.milestones_met.iloc[-1] / max(d.milestones_due.iloc[-1], 1)), 0.5)
    passive = above("SF5", setting, "mean passive_compliance share, years 2-5",
                    per_run(frames, lambda d: d.passive_compliance.iloc[53:].mean()), 0.5)
    publish(request)
    check([met])
    if not (passive["p"] < ALPHA and passive["diff"] > 0):
        raise PassiveNotMost(f"mean {passive['mean_a']:.2f}, p={passive['p']:.2g}")


# --------------------------------------------------------------------------- SF6


@pytest.mark.parametrize(
    "path,overrides",
    [
        pytest.param("baseline.yaml", (), id="baseline_mandates"),
        pytest.param("race.yaml", (), id="heavy_early_mandates"),
        pytest.param("baseline.yaml", ("trust.initial=0.15",), id="baseline_mandates-low_initial_trust_0.15"),
        pytest.param("baseline.yaml", ("practices.stakes.mean=0.5",), id="baseline_mandates-high_stakes_0.5"),
    ],
)
def test_sf6_facilitative_leadership_beats_directive(path, overrides, request):
    """SF6: under the same mandates, facilitation 0.9 gives higher trust and consensus than 0.1.

    Trust: mean trust at week 156. Consensus: mean agreement share (meetings and decisions) over weeks
    1-156, and the share of decisions reached by agreement rather than imposed over dissent.
    """
    setting = f"{path}+" + ("+".join(overrides) or "defaults")
    steps = 156
    directive = runs(path, overrides + ("leadership.facilitation=0.1",), SEEDS_SF6, steps)
    facilitative = runs(path, overrides + ("leadership.facilitation=0.9",), SEEDS_SF6, steps)
    labels = ("facilitative", "directive")

    def agreed_share(d):
        e = d.iloc[-1]
        return e.decisions_agreed / max(e.decisions_agreed + e.decisions_imposed, 1)

    results = [
        paired("SF6", setting, f"mean_trust at week {steps}",
               per_run(facilitative, lambda d: d.mean_trust.iloc[steps]),
               per_run(directive, lambda d: d.mean_trust.iloc[steps]), "greater", labels),
        paired("SF6", setting, f"mean agreement_share weeks 1-{steps}",
               per_run(facilitative, lambda d: d.agreement_share.iloc[1:].mean()),
               per_run(directive, lambda d: d.agreement_share.iloc[1:].mean()), "greater", labels),
        paired("SF6", setting, "share of decisions reached by agreement",
               per_run(facilitative, agreed_share), per_run(directive, agreed_share), "greater", labels),
    ]
    paired("SF6", setting, f"(info) mean shared_purpose weeks 1-{steps}",
           per_run(facilitative, lambda d: d.shared_purpose.iloc[1:].mean()),
           per_run(directive, lambda d: d.shared_purpose.iloc[1:].mean()), "greater", labels)
    paired("SF6", setting, f"(info) ownership at week {steps}",
           per_run(facilitative, lambda d: d.ownership.iloc[steps]),
           per_run(directive, lambda d: d.ownership.iloc[steps]), "greater", labels)
    publish(request)
    check(results)


# --------------------------------------------------------------------------- SF8


def _load_stream(overrides, load_ratio: float) -> str:
    """A sustained stream of requirements whose weekly demand is `load_ratio` times the PCN's spare capacity.

    Spare capacity per practice is read from the scenario's own parameters: nominal capacity (1) plus ARRS
    support, less mean core demand. 20 requirements arrive evenly over 208 weeks, each with a 26-week lead,
    so about 2.5 overlap and the PCN-wide demand is about total_effort / 208 per week.
    """
    sc = load(SCENARIOS / "baseline.yaml", list(overrides))
    spare = 1.0 + sc.focus.stabilise * sc.delivery.arrs_support - sc.practices.core_demand.mean
    total = load_ratio * spare * sc.network.practices * 208
    return (
        "mandates=[{kind: constant, count: 20, total_effort: %.4f, span_weeks: 208, lead_weeks: 26, milestones: 2}]"
        % total
    )


def _burnout_and_disengagement(setting, first, last, more, less, labels) -> list:
    """SF8's two legs, paired: mean burnout and mean disengaged share over weeks first-last are higher in `more`."""
    return [paired("SF8", setting, f"mean {name} weeks {first}-{last}",
                   per_run(more, lambda d, c=column: d[c].iloc[first:].mean()),
                   per_run(less, lambda d, c=column: d[c].iloc[first:].mean()), "greater", labels)
            for name, column in (("burnout", "burnout"), ("disengaged share", "disengaged"))]


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(("network.practices=5",), id="5_practices"),
        pytest.param(("network.practices=8",), id="8_practices"),
        pytest.param(("network.practices=5", "delivery.overtime=0.3"), id="5_practices-overtime_0.30"),
    ],
)
def test_sf8_pressure_beyond_capacity_raises_burnout_and_disengagement(overrides, request):
    """SF8: sustained mandate demand at 1.5x spare capacity vs 0.5x raises burnout and disengagement.

    Mean burnout and mean disengaged share over weeks 1-104, paired by seed.
    """
    setting = "+".join(overrides)
    steps = 104
    within = runs("baseline.yaml", overrides + (_load_stream(overrides, 0.5),), SEEDS, steps)
    beyond = runs("baseline.yaml", overrides + (_load_stream(overrides, 1.5),), SEEDS, steps)
    labels = ("1.5x", "0.5x")
    results = _burnout_and_disengagement(setting, 1, steps, beyond, within, labels)
    paired("SF8", setting, f"(info) mean pressure weeks 1-{steps}",
           per_run(beyond, lambda d: d.pressure.iloc[1:].mean()),
           per_run(within, lambda d: d.pressure.iloc[1:].mean()), "greater", labels)
    publish(request)
    check(results)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(("network.practices=5",), id="5_practices"),
        pytest.param(("network.practices=8",), id="8_practices"),
        pytest.param(("network.practices=5", "practices.core_demand.mean=0.75"), id="5_practices-core_0.75"),
    ],
)
def test_sf8_core_demand_above_capacity_burns_out_with_no_mandate_and_no_overtime(overrides, request):
    """SF8 from core work alone: no national requirement, `delivery.overtime` 0, and a 26-week demand shock
    (weeks 13-38) that takes mean core demand to 1.1 (10% above nominal capacity), against the same PCNs with no
    shock, paired by seed.

    Mean burnout and mean disengaged share over weeks 13-78.
    """
    setting = "+".join(overrides)
    steps, base = 78, overrides + ("mandates=[]", "delivery.overtime=0")
    extra = 1.1 - load(SCENARIOS / "baseline.yaml", list(overrides)).practices.core_demand.mean
    calm = runs("baseline.yaml", base, SEEDS, steps)
    shock = runs("baseline.yaml", base + (f"demand_shocks=[{{start_week: 13, weeks: 26, extra: {extra:.4f}}}]",),
                 SEEDS, steps)
    labels = ("shock", "none")
    results = _burnout_and_disengagement(setting + "+core shock", 13, steps, shock, calm, labels)
    publish(request)
    check(results)
