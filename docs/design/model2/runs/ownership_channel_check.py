"""Which mechanism carries the year-5 ownership gap at P1: success channel off, and success + damage off."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from m2lib import fair_pair, one_sided, run  # noqa: E402

DAMAGE_OFF = {"damage.imposition_scar": 0.0, "damage.break_scar": 0.0, "damage.conflict_scar": 0.0, "damage.repulsion": 0.0}
race, tf = fair_pair()
for label, m2 in (("success off", {"ownership.success_rate": 0.0}),
                  ("success and damage off", {"ownership.success_rate": 0.0, **DAMAGE_OFF})):
    r = [run(race, s, m2) for s in range(7000, 7040)]
    t = [run(tf, s, m2) for s in range(7000, 7040)]
    for key, week in (("mean_ownership", 156), ("mean_ownership", 260), ("mean_trust", 260), ("joint_value", 260)):
        a = np.array([x[key][week] for x in r]); b = np.array([x[key][week] for x in t])
        p, d = one_sided(b, a)
        print(f"P1 {label}: {key}@{week} race {a.mean():.3f} tf {b.mean():.3f} gap {(b - a).mean():+.3f} "
              f"median {np.median(b - a):+.3f} p={p:.2g} d_z={d:.2f}")
