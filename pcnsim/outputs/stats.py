"""Statistics of outcome tables: confidence intervals of means, and the crossover of two curves."""

from __future__ import annotations

import numpy as np
import pandas as pd

QUARTER = 13  # weeks: a few meetings a week read as a trend over a quarter
CHECKPOINTS = (26, 52, 156)  # weeks every table of checkpoints reports, with the last recorded week


def checkpoint_weeks(steps) -> list[int]:
    """26, 52, 156 and the last recorded week, those of them that were recorded."""
    steps = sorted({int(s) for s in steps})
    return sorted({w for w in CHECKPOINTS if w in steps} | {steps[-1]}) if steps else []


def trailing_mean(values, weeks: int = QUARTER) -> np.ndarray:
    """Mean over the last `weeks` values (fewer at the start), e.g. conflicts per week over a quarter."""
    values = np.asarray(values, dtype=float)
    sums = np.convolve(values, np.ones(weeks))[: len(values)]
    return sums / np.minimum(np.arange(1, len(values) + 1), weeks)


def half_width(sd, n):
    """Half-width of the t-based 95% confidence interval of a mean of n values with standard deviation sd."""
    from scipy.special import stdtrit  # here: scipy is slow to import, and pages need only the crossover

    return stdtrit(np.maximum(n - 1, 1), 0.975) * sd / np.sqrt(n)


def summarise(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Per step and outcome: n, mean, sd and a t-based 95% confidence interval of the mean."""
    grouped = runs.groupby("step")[outcomes]
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    half = half_width(sd, n)
    long = {
        name: frame.reset_index().melt(id_vars="step", var_name="outcome", value_name=name)
        for name, frame in {"n": n, "mean": mean, "sd": sd, "half": half}.items()
    }
    table = long["n"]
    for name in ("mean", "sd", "half"):
        table = table.merge(long[name], on=["step", "outcome"])
    table["ci_low"] = table["mean"] - table["half"]
    table["ci_high"] = table["mean"] + table["half"]
    return table.drop(columns="half")[["outcome", "step", "n", "mean", "sd", "ci_low", "ci_high"]]


def crossover(first: pd.Series, second: pd.Series) -> int | None:
    """First step from which `second` stays strictly above `first` to the end; None if it never does."""
    ahead = (second - first) > 0
    if not ahead.iloc[-1]:
        return None
    behind = np.flatnonzero(~ahead.to_numpy())
    start = behind[-1] + 1 if len(behind) else 0
    return int(ahead.index[start])


def wilson_interval(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score 95% interval of a proportion (successes of trials); (nan, nan) with no trials."""
    if trials <= 0:
        return float("nan"), float("nan")
    p = successes / trials
    scale = 1 + z**2 / trials
    centre = (p + z**2 / (2 * trials)) / scale
    half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / scale
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))
