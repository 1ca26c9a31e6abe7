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

Where a fact holds only in part, the part that fails is said so in the test
(SF4 at 5 practices is a strict xfail).

SF7 (partner organisations) and SF9 ("everyone thinks they are behind") are
not tested here.

Run:  pytest tests/test_stylised_facts.py -n 2 -q -rA   (marked slow; about 5 CPU-minutes)
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pcnsim import PCNModel, load
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


@functools.lru_cache(maxsize=None)
def _run(path: str, overrides: tuple[str, ...], seed: int, steps: int):
    """One run's outcome table (cached per process: treat the frame as read-only)."""
    scenario = load(SCENARIOS / path, list(overrides))
    return PCNModel(scenario, seed=seed).run(steps)


def runs(path: str, overrides, seeds, steps: int) -> list:
    return [_run(path, tuple(overrides), int(s), int(steps)) for s in seeds]


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
        f"diff={res['diff']:+.4g} d_z={res['d']:+.2f} r_rb={res['r']:+.2f} p={p:.2g} (n={len(a)})"
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


def crossover(race_frames, first_frames) -> int | None:
    """First step after which trust-first's mean milestones_met stays strictly above race's to the end."""
    race = np.mean([d.milestones_met.to_numpy() for d in race_frames], axis=0)
    first = np.mean([d.milestones_met.to_numpy() for d in first_frames], axis=0)
    return series_crossover(pd.Series(race), pd.Series(first))  # the index is the step


SF4_OVER_CAPACITY = (
    "5 practices, specification load 16: the rush overruns spare capacity plus overtime, so the race is only "
    "narrowly ahead at week 26 (5.5 against 2 milestones) and overtaken at week 52; it has lower trust at "
    "year 3 and lower agreement, but by week 260 the trust gap has closed in the typical seed."
)
SF4_GAP_CLOSES = (
    "5 practices, specification load 14: the race is ahead at week 26, is overtaken before year 3 and has "
    "lower trust at year 3 and lower agreement, but by week 260 the trust gap has closed in the typical "
    "seed (a minority of seeds keep a large gap)."
)

SF4_LATE_CROSSOVER = (
    "6 practices, specification load 14: the race is ahead at week 26 and has lower trust at years 3 and 5, "
    "but a six-practice PCN has enough spare capacity that trust_first overtakes it on milestones only at "
    "week 169, after year 3 (the engine's weekly commitment draws and one-by-one decisions, since the batched "
    "engine, moved it from week 130)."
)


def _load(effort: float) -> str:
    """The specifications' total effort (practice-weeks), stated so the setting does not drift with the files."""
    return f"mandates.0.total_effort={effort:g}"


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(
            ("network.practices=6", _load(14)), id="6_practices-load_14",
            marks=pytest.mark.xfail(strict=True, reason=SF4_LATE_CROSSOVER),
        ),
        pytest.param(
            ("network.practices=6", _load(16), "leadership.facilitation=0.3"), id="6_practices-load_16-facilitation_0.3"
        ),
        pytest.param(
            ("network.practices=7", _load(16), "delivery.overtime=0.1", "trust.initial=0.2"),
            id="7_practices-load_16-overtime_0.10-low_initial_trust_0.2",
        ),
        pytest.param(
            ("network.practices=5", _load(16)), id="5_practices-load_16",
            marks=pytest.mark.xfail(strict=True, reason=SF4_OVER_CAPACITY),
        ),
        pytest.param(
            ("network.practices=5", _load(14)), id="5_practices-load_14",
            marks=pytest.mark.xfail(strict=True, reason=SF4_GAP_CLOSES),
        ),
    ],
)
def test_sf4_it_is_not_a_race(overrides, request):
    """SF4: race.yaml vs trust_first.yaml, same seeds and the same overrides (the specifications' load is
    stated in each setting: 14 or 16 practice-weeks).

    Early (week 26) the race has met more milestones; later it has lower mean trust (year 3 and end) and
    lower consensus: a lower mean agreement share from month 6 to year 3 and from month 6 to the end.
    The crossover step (trust_first's mean milestones_met stays strictly above race's from then on) is
    printed and must lie between the early and the year-3 checkpoints. Ownership is printed, not asserted.
    """
    setting = "+".join(overrides)
    race = runs("race.yaml", overrides, SEEDS_SF4, END)
    first = runs("trust_first.yaml", overrides, SEEDS_SF4, END)
    labels = ("race", "trust_first")

    def at(column, t):
        return lambda d: d[column].iloc[t]

    def window(column, t0, t1):
        return lambda d: d[column].iloc[t0 : t1 + 1].mean()

    results = [
        paired("SF4", setting, f"milestones_met at week {EARLY}",
               per_run(race, at("milestones_met", EARLY)), per_run(first, at("milestones_met", EARLY)),
               "greater", labels),
    ]
    for t in (YEAR3, END):
        results.append(paired("SF4", setting, f"mean_trust at week {t}",
                              per_run(race, at("mean_trust", t)), per_run(first, at("mean_trust", t)), "less", labels))
    for t in (YEAR3, END):
        results.append(paired("SF4", setting, f"mean agreement_share weeks {EARLY + 1}-{t}",
                              per_run(race, window("agreement_share", EARLY + 1, t)),
                              per_run(first, window("agreement_share", EARLY + 1, t)), "less", labels))
    # Reported only: the 13-week EWMA agreement_share at single weeks is noisy and ownership does not
    # separate the scenarios robustly (see the report); printed so the evidence is visible.
    for t in (YEAR3, END):
        paired("SF4", setting, f"(info) agreement_share at week {t}",
               per_run(race, at("agreement_share", t)), per_run(first, at("agreement_share", t)), "less", labels)
        paired("SF4", setting, f"(info) ownership at week {t}",
               per_run(race, at("ownership", t)), per_run(first, at("ownership", t)), "less", labels)
    paired("SF4", setting, f"(info) milestones_met at week {END}",
           per_run(race, at("milestones_met", END)), per_run(first, at("milestones_met", END)), "less", labels)

    step = crossover(race, first)
    say(f"[SF4] {setting} | crossover step (trust_first's mean milestones_met stays above race's): {step}")
    publish(request)
    check(results)
    assert step is not None, "trust_first never overtakes race in milestones met"
    assert EARLY < step <= YEAR3, f"crossover at week {step}, not between week {EARLY} and week {YEAR3}"


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
