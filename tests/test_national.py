"""National scale and wider membership: SF7 (partners) and SF9 ("everyone thinks they are behind").

Each fact is a direction over many seeds, paired on seed, with a one-sided
Wilcoxon signed-rank test, at more than one setting.
"""

import numpy as np
import pytest
from scipy.stats import wilcoxon

from pcnsim import load
from pcnsim.engine.outcomes import OUTCOMES
from pcnsim.engine.batch import simulate
from conftest import SCENARIOS

O = {name: i for i, name in enumerate(OUTCOMES)}
pytestmark = pytest.mark.slow


def runs(name, overrides, seeds):
    scenario = load(SCENARIOS / f"{name}.yaml", overrides)
    results = simulate([scenario] * len(seeds), list(seeds))
    return np.stack(results)


def greater(a, b):
    """p-value that a > b, paired."""
    if np.all(a == b):
        return 1.0
    return wilcoxon(a, b, alternative="greater", zero_method="zsplit").pvalue


def window(res, outcome, start, stop):
    return res[:, start:stop, O[outcome]].sum(axis=1)


def later(res, outcome):
    """Per seed, an outcome's mean over weeks 26-156 (after the first half year)."""
    return res[:, 26:157, O[outcome]].mean(axis=1)


# ---------------------------------------------------------------- SF7


@pytest.mark.parametrize("setting", [[], ["network.history_years.mean=1.0"], ["partners.voice=0.5"]])
def test_sf7_partners_joining_before_trust_exists_raise_conflict(setting):
    seeds = range(80)
    without = runs("partners", setting + ["partners.per_pcn=0"], seeds)
    early = runs("partners", setting + ["partners.join_week=1"], seeds)
    a, b = window(early, "conflict_episodes", 1, 53), window(without, "conflict_episodes", 1, 53)
    print(f"SF7 early {setting}: first-year conflicts {b.mean():.1f} -> {a.mean():.1f}")
    assert greater(a, b) < 0.01


@pytest.mark.parametrize("setting", [[], ["partners.voice=0.5"], ["network.history_years.mean=6.0"]])
def test_sf7_partners_joining_after_trust_exists_raise_delivery(setting):
    seeds = range(60)
    without = runs("partners", setting + ["partners.per_pcn=0"], seeds)
    late = runs("partners", setting + ["partners.join_week=130"], seeds)
    met = lambda res: res[:, 260, O["milestones_met"]] - res[:, 130, O["milestones_met"]]  # noqa: E731
    print(f"SF7 late {setting}: milestones met after joining {met(without).mean():.2f} -> {met(late).mean():.2f}")
    assert greater(met(late), met(without)) < 0.01


def test_sf7_conflict_cost_of_partners_is_larger_before_trust_exists():
    seeds = range(300)
    without = runs("partners", ["partners.per_pcn=0"], seeds)
    early = runs("partners", ["partners.join_week=1"], seeds)
    late = runs("partners", ["partners.join_week=130"], seeds)
    rise_early = window(early, "conflict_episodes", 1, 53) - window(without, "conflict_episodes", 1, 53)
    rise_late = window(late, "conflict_episodes", 130, 182) - window(without, "conflict_episodes", 130, 182)
    print(f"SF7 first-year conflict rise: early {rise_early.mean():.1f}, late {rise_late.mean():.1f}")
    assert greater(rise_early, rise_late) < 0.01


# ---------------------------------------------------------------- SF9

SMALL_ENGLAND = ["network.pcns=60", "network.systems=4", "steps=156"]


@pytest.mark.parametrize("setting", [[], ["comparison.visible=5"], ["mandates.0.total_effort=28"]])
def test_sf9_most_pcns_believe_they_are_behind_when_what_is_shared_is_biased(setting):
    seeds = range(12)
    biased = runs("england", SMALL_ENGLAND + setting + ["comparison.bias=0.6"], seeds)
    fair = runs("england", SMALL_ENGLAND + setting + ["comparison.bias=0.0"], seeds)
    believe = {"biased": later(biased, "believe_behind"), "fair": later(fair, "believe_behind")}
    truly = later(biased, "truly_behind")
    print(f"SF9 {setting}: believe behind biased {believe['biased'].mean():.2f}, fair {believe['fair'].mean():.2f}; "
          f"truly behind {truly.mean():.2f}")
    assert (believe["biased"] > 0.5).all()  # most, in every seed
    # More believe it than are: by over 0.2 of all PCNs, paired on seed (truly behind is below the median by
    # definition, so it is never above 0.5; this compares belief with it rather than restating that).
    assert greater(believe["biased"] - truly, np.full_like(truly, 0.2)) < 0.01
    assert greater(believe["biased"], believe["fair"]) < 0.01
    assert abs(believe["fair"].mean() - truly.mean()) < 0.15  # without the bias, belief tracks the truth


@pytest.mark.parametrize("setting", [["comparison.bias=0.3", "comparison.perception_sd=0.1"],
                                     ["comparison.bias=0.6", "comparison.perception_sd=0.1"],
                                     ["comparison.bias=0.6", "comparison.perception_sd=0.2"]])
def test_sf9_with_perception_differing_between_pcns_most_but_not_all_believe_they_are_behind(setting):
    seeds = range(12)
    res = runs("england", SMALL_ENGLAND + setting, seeds)
    believe, truly = later(res, "believe_behind"), later(res, "truly_behind")
    print(f"SF9 perception {setting}: believe behind {believe.mean():.2f} ({believe.min():.2f}-{believe.max():.2f}), "
          f"truly {truly.mean():.2f}")
    assert ((believe > 0.5) & (believe < 0.95)).all()  # most, not all, in every seed
    assert greater(believe - truly, np.full_like(truly, 0.1)) < 0.01


# False urgency costs trust through anxiety (unsaid tension while a PCN believes it is behind, as far as its
# purpose is not shared: ODD 7.16) and haste (7.11), at the shipped load and at a heavier one.
@pytest.mark.parametrize("setting", [[], ["mandates.0.total_effort=28"]])
def test_sf9_false_urgency_lowers_trust(setting):
    seeds = range(20)
    biased = runs("england", SMALL_ENGLAND + setting + ["comparison.bias=0.6"], seeds)
    off = runs("england", SMALL_ENGLAND + setting + ["comparison.visible=0"], seeds)
    trust = lambda res: later(res, "mean_trust")  # noqa: E731
    print(f"SF9 trust {setting}: comparison off {trust(off).mean():.4f}, biased {trust(biased).mean():.4f}")
    assert (later(biased, "false_urgency") > 0.25).all()
    assert greater(trust(off), trust(biased)) < 0.01


class UrgencyActs(AssertionError):
    """PCNs that believe they are behind meet 5% or more milestones by year 3 than PCNs that do not compare."""


SF9_ACTION = (
    "at the calibrated England (docs/CALIBRATION.md) false urgency does lead to action: PCNs that believe they are "
    "behind meet about a tenth more milestones by year 3 (UrgencyActs). Before calibration 97% of milestones were "
    "met, so there was little action left to take: the leg held by that ceiling, not by the mechanism"
)


@pytest.mark.parametrize("setting", [
    pytest.param([], id="shipped", marks=pytest.mark.xfail(strict=True, raises=UrgencyActs, reason=SF9_ACTION)),
    pytest.param(["mandates.0.total_effort=28"], id="heavier",
                 marks=pytest.mark.xfail(strict=True, raises=UrgencyActs, reason=SF9_ACTION)),
])
def test_sf9_false_urgency_brings_tension_far_more_than_action(setting):
    """Kotter's reading (001): a false sense of urgency, "whereby people feel anxious, angry and frustrated ...
    does not lead to taking action", while a true one does. Believing they are behind, PCNs carry at least twice
    the unsaid tension of PCNs that do not compare themselves, and meet under 5% more milestones by year 3: the
    extra pace comes only as far as their purpose is shared (ODD 7.16)."""
    seeds = range(20)
    biased = runs("england", SMALL_ENGLAND + setting + ["comparison.bias=0.6"], seeds)
    off = runs("england", SMALL_ENGLAND + setting + ["comparison.visible=0"], seeds)
    met = lambda res: res[:, 156, O["milestones_met"]]  # noqa: E731
    print(f"SF9 Kotter {setting}: latent tension off {later(off, 'latent_tension').mean():.3f}, biased "
          f"{later(biased, 'latent_tension').mean():.3f}; milestones met by week 156 off {met(off).mean():.1f}, "
          f"biased {met(biased).mean():.1f}")
    assert greater(later(biased, "latent_tension"), later(off, "latent_tension")) < 0.01
    assert later(biased, "latent_tension").mean() >= 2 * later(off, "latent_tension").mean()
    if not met(biased).mean() < 1.05 * met(off).mean():
        raise UrgencyActs(f"{met(biased).mean():.1f} against {met(off).mean():.1f} milestones by week 156")
