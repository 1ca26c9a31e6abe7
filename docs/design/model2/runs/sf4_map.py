"""A small SF4 map under model 2 (fair pair): load x starting trust x PCN size, 40 paired seeds per cell.
Gaps trust_first - race (week 26: race - trust_first), one-sided Wilcoxon p. Writes proto_runs/sf4_map.md."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from m2lib import fair_pair, one_sided, run  # noqa: E402

lines = ["| practices | load (per 5 practices) | trust.initial | race−TF milestones wk26 (p) | joint value wk260 (p) | trust wk260 (p) | mean ownership wk260 (p) | all four legs |",
         "|---|---|---|---|---|---|---|---|"]
for practices in (5, 8):
    for load in (10.0, 14.0, 18.0):
        for initial in (0.15, 0.3, 0.45):
            race, tf = fair_pair(load=load * practices / 5, practices=practices, initial=initial)
            r = [run(race, s, {}) for s in range(7000, 7040)]
            t = [run(tf, s, {}) for s in range(7000, 7040)]
            get = lambda runs, key, w: np.array([x[key][w] for x in runs])  # noqa: E731
            cells, ok = [], True
            for key, w, early in (("milestones_met", 26, True), ("joint_value", 260, False),
                                  ("mean_trust", 260, False), ("mean_ownership", 260, False)):
                a, b = get(r, key, w), get(t, key, w)
                p, _ = one_sided(a, b) if early else one_sided(b, a)
                gap = (a - b).mean() if early else (b - a).mean()
                ok = ok and p < 0.01
                cells.append(f"{gap:+.3f} ({p:.1g})")
            lines.append(f"| {practices} | {load:g} | {initial:g} | " + " | ".join(cells) + f" | {'yes' if ok else 'no'} |")
            print(lines[-1], flush=True)
Path(__file__).with_suffix(".md").write_text("\n".join(lines) + "\n")
