"""Prototype harness for model 2 (issue 12): the fair race, paired runs over seeds, one-sided Wilcoxon tests.

Everything runs in the per-agent reference model (pcnsim/reference.py, PROTOTYPE branch `model2=`).
"""
from __future__ import annotations

import numpy as np
from scipy.stats import wilcoxon

from pcnsim.config.files import validate
from pcnsim.reference import ReferenceModel

BACKGROUND = dict(kind="constant", count=10, total_effort=8.0, span_weeks=240, lead_weeks=26, milestones=2)


def fair_pair(load=14.0, lead=39, practices=5, initial=0.3, history=3.0, spread=0.15, extra=None):
    """race and trust_first: same five specifications (same effort, same joint share, same lead time from
    arrival to each stage), same background asks, same 260 weeks; only the arrival weeks differ."""
    base = dict(steps=260, seed=1, network=dict(practices=practices, history_years=dict(mean=history, sd=2.0)),
                trust=dict(initial=initial), practices=dict(value_spread=spread))
    for key, value in (extra or {}).items():  # dotted overrides, set whole
        node = base
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    race = dict(base, name="race", mandates=[
        dict(kind="step", count=5, total_effort=load, start_week=0, lead_weeks=lead, milestones=4), BACKGROUND])
    first = dict(base, name="trust_first", mandates=[
        dict(kind="phased", count=5, total_effort=load, start_week=26, first_wave=2, span_weeks=156,
             lead_weeks=lead, milestones=4), BACKGROUND])
    return validate(race, "race"), validate(first, "trust_first")


SPECS_JOINT = [0.6, 0.0]  # the specifications are 60% joint work; background asks are administrative


def run(scenario, seed, model2):
    m2 = None if model2 is None else {"mandates.joint_share": SPECS_JOINT, **model2}
    return ReferenceModel(scenario, seed=seed, model2=m2).run()


def one_sided(x, y):
    """p that x > y (paired, one-sided Wilcoxon, zsplit for ties), and d_z."""
    d = np.asarray(x, float) - np.asarray(y, float)
    if np.allclose(d, 0):
        return 1.0, 0.0
    p = wilcoxon(d, alternative="greater", zero_method="zsplit").pvalue
    sd = d.std(ddof=1)
    return float(p), float(d.mean() / sd) if sd > 0 else float("inf")
