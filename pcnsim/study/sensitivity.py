"""Sobol and Morris sensitivity indices of a finished sweep, at several time points (SALib)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import ScenarioError
from .experiment import Experiment, salib_problem


def analyze(experiment: Experiment, table: pd.DataFrame, summary: pd.DataFrame, source: str) -> pd.DataFrame:
    """One row per scenario, outcome, step and parameter with the design's indices and their 95% CIs."""
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
    rows = []
    for scenario, points in table.drop_duplicates("point").groupby("scenario", sort=False):
        order = points.sort_values("point")
        inputs = order[names].to_numpy(dtype=float)
        for outcome in experiment.outcomes:
            means = summary[(summary["outcome"] == outcome)].pivot_table(index="point", columns="step", values="mean")
            for step in chosen:
                y = means.loc[order["point"], step].to_numpy(dtype=float)
                if not np.isfinite(y).all() or np.ptp(y) == 0:
                    continue  # an outcome that does not vary (or is undefined) has no indices
                if experiment.design == "sobol":
                    s = sobol.analyze(problem, y, calc_second_order=False, seed=experiment.seed)
                    values = {"S1": s["S1"], "S1_conf": s["S1_conf"], "ST": s["ST"], "ST_conf": s["ST_conf"]}
                else:
                    s = morris.analyze(problem, inputs, y, num_levels=experiment.levels, seed=experiment.seed)
                    values = {"mu_star": s["mu_star"], "mu_star_conf": s["mu_star_conf"], "sigma": s["sigma"]}
                for i, name in enumerate(names):
                    rows.append({"scenario": scenario, "outcome": outcome, "step": int(step), "parameter": name,
                                 **{k: float(v[i]) for k, v in values.items()}})
    return pd.DataFrame(rows)
