"""SF8 with overtime 0 via a core-demand shock (model 2, item 6): baseline mandates, delivery.overtime 0,
a 26-week shock of +0.25 core demand from week 52 against no shock; 40 paired seeds, one-sided Wilcoxon."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from m2lib import one_sided  # noqa: E402
from pcnsim.config import files  # noqa: E402
from pcnsim.reference import ReferenceModel  # noqa: E402

sc = files.load("scenarios/baseline.yaml", ["delivery.overtime=0"])
rows = {"none": [], "shock": []}
for seed in range(7000, 7040):
    for arm, shocks in (("none", []), ("shock", [(52, 26, 0.25)])):
        df = ReferenceModel(sc, seed=seed, model2={"mandates.joint_share": [0.6, 0.0], "core_demand.shocks": shocks}).run()
        rows[arm].append([df.burnout[52:105].mean(), df.disengaged[52:105].mean(), df.mean_ownership[104]])
a, b = np.array(rows["shock"]), np.array(rows["none"])
for j, name in enumerate(["mean burnout wk52-104", "mean disengaged share wk52-104", "mean ownership wk104 (none>shock)"]):
    x, y = (a[:, j], b[:, j]) if j < 2 else (b[:, j], a[:, j])
    p, d = one_sided(x, y)
    print(f"{name}: shock {a[:, j].mean():.3f} vs none {b[:, j].mean():.3f}, p={p:.2g}, d_z={d:.2f}")
