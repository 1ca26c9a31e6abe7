"""Sobol and Morris sensitivity indices of a finished sweep, at several time points (SALib)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import ScenarioError
from .experiment import Experiment, salib_problem

INDICES = {"sobol": ("S1", "ST"), "morris": ("mu_star",)}  # each with its 95% CI half-width, `<index>_conf`
COLUMNS = {"sobol": ["S1", "S1_conf", "ST", "ST_conf"], "morris": ["mu_star", "mu_star_conf", "sigma"]}


def analyze(experiment: Experiment, table: pd.DataFrame, summary: pd.DataFrame,
            source: str) -> tuple[pd.DataFrame, list[str]]:
    """One row per scenario, outcome, step and parameter with the design's indices and their 95% CIs, and warnings.

    An outcome that did not vary over the design points at a step, or was undefined at some of them, has no indices
    there; it is named in a warning with the step, not left out silently. So is every index whose 95% CI is as wide
    as the index: more samples would tell it apart from nothing.
    """
    if experiment.design not in ("sobol", "morris"):
        raise ScenarioError(f"{source}: design: sensitivity needs a sobol or morris design, not {experiment.design}")
    from SALib.analyze import morris, sobol

    problem = salib_problem(experiment)
    names = problem["names"]
    steps = sorted(summary["step"].unique())
    chosen = experiment.sensitivity_steps or [steps[round(q * (len(steps) - 1))] for q in (0.2, 0.4, 0.6, 0.8, 1.0)]
    missing = sorted(set(chosen) - set(steps))
    if missing:
        raise ScenarioError(f"{source}: sensitivity_steps: step {missing[0]} was not recorded (record_every)")
    several = table["scenario"].nunique() > 1
    rows, warnings = [], []
    for scenario, points in table.drop_duplicates("point").groupby("scenario", sort=False):
        order = points.sort_values("point")
        inputs = order[names].to_numpy(dtype=float)
        where = f" ({scenario})" if several else ""
        for outcome in experiment.outcomes:
            means = summary[(summary["outcome"] == outcome)].pivot_table(index="point", columns="step", values="mean",
                                                                         dropna=False)
            for step in dict.fromkeys(chosen):
                y = means.reindex(index=order["point"], columns=[step])[step].to_numpy(dtype=float)
                if not np.isfinite(y).all():
                    warnings.append(f"{outcome}{where} at week {step}: undefined at {int((~np.isfinite(y)).sum())} "
                                    f"of {len(y)} design points: no indices")
                    continue
                if np.ptp(y) == 0:
                    warnings.append(f"{outcome}{where} at week {step}: the same ({y[0]:g}) at every design point: "
                                    "no indices")
                    continue
                if experiment.design == "sobol":
                    s = sobol.analyze(problem, y, calc_second_order=False, seed=experiment.seed)
                else:
                    s = morris.analyze(problem, inputs, y, num_levels=experiment.levels, seed=experiment.seed)
                for i, name in enumerate(names):
                    rows.append({"scenario": scenario, "outcome": outcome, "step": int(step), "parameter": name,
                                 **{k: float(s[k][i]) for k in COLUMNS[experiment.design]}})
                    for index in INDICES[experiment.design]:
                        value, half = float(s[index][i]), float(s[f"{index}_conf"][i])
                        # NaN too (no interval could be estimated); but 0 ± 0 is an effect known to be nil
                        if not half < abs(value) and half != 0:
                            warnings.append(f"{index} of {name} on {outcome}{where} at week {step}: {value:.3g} ± "
                                            f"{half:.3g}, the interval is as wide as the index: add samples")
    columns = ["scenario", "outcome", "step", "parameter", *COLUMNS[experiment.design]]
    return pd.DataFrame(rows, columns=columns), warnings
