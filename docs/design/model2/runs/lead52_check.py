"""Sensitivity of the P1 result to the race's lead time: lead 52 (looser) instead of 39, model 2 and capacity off."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from m2lib import fair_pair, one_sided, run  # noqa: E402

race, tf = fair_pair(lead=52)
for label, m2 in (("model 2", {}), ("capacity off", {"joint.capacity_effect": 0.0}), ("model 1", None)):
    r = [run(race, s, m2) for s in range(7000, 7040)]
    t = [run(tf, s, m2) for s in range(7000, 7040)]
    for key, week in (("milestones_met", 26), ("milestones_met", 260), ("mean_trust", 156), ("mean_trust", 260)) + (
            (("joint_value", 260), ("mean_ownership", 260)) if m2 is not None else ()):
        a = np.array([x[key][week] for x in r]); b = np.array([x[key][week] for x in t])
        p, d = one_sided(a, b) if week == 26 else one_sided(b, a)
        print(f"lead 52 {label}: {key}@{week} race {a.mean():.3f} tf {b.mean():.3f} p={p:.2g} d_z={d:.2f}")
