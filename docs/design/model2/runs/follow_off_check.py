"""Where race's missed milestones come from at P1 (lead 39): following-through off, and low-ownership efficiency off."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from m2lib import fair_pair, one_sided, run  # noqa: E402

race, tf = fair_pair(lead=39)
for label, m2 in (("follow-through off", {"follow.break_rate": 0.0}),
                  ("follow-through off, compliance as efficient as ownership", {"follow.break_rate": 0.0}, )):
    if "efficient" in label:
        race, tf = fair_pair(lead=39, extra={"delivery.compliance_efficiency": 1.0})
    r = [run(race, s, m2) for s in range(7000, 7040)]
    t = [run(tf, s, m2) for s in range(7000, 7040)]
    for key, week in (("milestones_met", 260), ("joint_value", 260), ("mean_trust", 260), ("mean_ownership", 260)):
        a = np.array([x[key][week] for x in r]); b = np.array([x[key][week] for x in t])
        p, d = one_sided(b, a)
        print(f"{label}: {key}@{week} race {a.mean():.3f} tf {b.mean():.3f} (tf>race p={p:.2g} d_z={d:.2f})")
