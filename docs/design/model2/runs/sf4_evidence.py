"""SF4 under model 2 with a fair race, its ablations, SF5 and ownership saturation, at several parameter points.

40 paired seeds (7000-7039, which no test uses), one-sided Wilcoxon signed-rank (zero_method zsplit), d_z.
Run: nice -n 19 .venv/bin/python proto_runs/sf4_evidence.py  (writes proto_runs/sf4_evidence.json and .md)
"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from m2lib import fair_pair, one_sided, run  # noqa: E402

SEEDS = range(7000, 7040)
POINTS = {
    "P1 defaults (5 practices, load 14, trust 0.3, history 3 y)": dict(),
    "P2 low start (trust 0.15, history 0.5 y)": dict(initial=0.15, history=0.5),
    "P3 8 practices, load 22.4": dict(practices=8, load=22.4),
    "P4 heavier load 18": dict(load=18.0),
    "P5 long history 10 y, aligned values (spread 0.08)": dict(history=10.0, spread=0.08),
}
VARIANTS = {
    "model 2": {},
    "capacity off": {"joint.capacity_effect": 0.0},
    "damage off": {"damage.imposition_scar": 0.0, "damage.break_scar": 0.0, "damage.conflict_scar": 0.0,
                   "damage.repulsion": 0.0},
    "model 1": None,
}
WEEKS = (26, 156, 260)


def measures(df, m2):
    out = {"milestones_26": df.milestones_met[26], "milestones_260": df.milestones_met[260]}
    for w in (156, 260):
        out[f"trust_{w}"] = df.mean_trust[w]
        out[f"shared_purpose_{w}"] = df.shared_purpose[w]
        out[f"owning_share_{w}"] = df.ownership[w]
        if m2:
            out[f"joint_value_{w}"] = df.joint_value[w]
            out[f"purpose_strength_{w}"] = df.purpose_strength[w]
            out[f"mean_ownership_{w}"] = df.mean_ownership[w]
    if m2:
        out["joint_quality_260"] = df.joint_quality[260]
        out["ownership_26"] = df.mean_ownership[26]
    met = np.diff(df.milestones_met.values, prepend=0)
    out["passive_when_met"] = float((met * df.passive_compliance.values).sum() / met.sum()) if met.sum() else np.nan
    out["curve_met"] = df.milestones_met.values.tolist()
    return out


def main():
    results = {}
    for point, kw in POINTS.items():
        race_sc, tf_sc = fair_pair(**kw)
        for variant, m2 in VARIANTS.items():
            arms = {"race": [], "tf": []}
            for seed in SEEDS:
                arms["race"].append(measures(run(race_sc, seed, m2), m2 is not None))
                arms["tf"].append(measures(run(tf_sc, seed, m2), m2 is not None))
            results[(point, variant)] = arms
            print(point, variant, "done", flush=True)
    table = {}
    for (point, variant), arms in results.items():
        r, t = arms["race"], arms["tf"]
        col = lambda arm, key: np.array([x[key] for x in arm], float)  # noqa: E731
        row = {}
        # race ahead early: race > tf
        for key in r[0]:
            if key == "curve_met":
                continue
            a, b = col(r, key), col(t, key)
            if key == "milestones_26":
                p, d = one_sided(a, b)
            elif key == "passive_when_met":
                row["passive_when_met_race"] = dict(mean=float(np.nanmean(a)), p=float(one_sided(a, np.full_like(a, 0.5))[0]))
                row["passive_when_met_tf"] = dict(mean=float(np.nanmean(b)), p=float(one_sided(b, np.full_like(b, 0.5))[0]))
                continue
            elif key == "ownership_26":
                row["ownership_26"] = dict(race=float(a.mean()), tf=float(b.mean()))
                continue
            else:  # later legs: tf > race
                p, d = one_sided(b, a)
            row[key] = dict(race=float(a.mean()), tf=float(b.mean()), gap=float((b - a).mean()),
                            median_gap=float(np.median(b - a)), p=p, dz=d)
        cr = np.mean([x["curve_met"] for x in r], axis=0)
        ct = np.mean([x["curve_met"] for x in t], axis=0)
        ahead = np.flatnonzero(ct > cr)
        # crossover: first week from which trust_first stays ahead on mean milestones met
        cross = None
        for w in range(27, 261):
            if (ct[w:] > cr[w:]).all():
                cross = w
                break
        row["crossover_milestones"] = cross
        table[f"{point} | {variant}"] = row
    out = Path(__file__).with_suffix(".json")
    out.write_text(json.dumps(table, indent=1, default=float))
    print("wrote", out)


if __name__ == "__main__":
    main()
