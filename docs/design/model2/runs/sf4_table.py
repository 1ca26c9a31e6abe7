"""Print the SF4 evidence (proto_runs/sf4_evidence.json) as markdown tables."""
import json
from pathlib import Path

t = json.loads(Path(__file__).with_name("sf4_evidence.json").read_text())


def cell(x, key):
    v = x.get(key)
    if v is None:
        return "—"
    return f"{v['gap']:+.3f} (p={v['p']:.1g}, d={v['dz']:.2f})"


KEYS = [("milestones_26", "race−TF milestones wk26"), ("milestones_260", "TF−race milestones wk260"),
        ("joint_value_156", "joint value wk156"), ("joint_value_260", "joint value wk260"),
        ("joint_quality_260", "joint quality wk260"),
        ("trust_156", "trust wk156"), ("trust_260", "trust wk260"),
        ("purpose_strength_156", "purpose strength wk156"), ("purpose_strength_260", "purpose strength wk260"),
        ("shared_purpose_260", "shared purpose (share) wk260"),
        ("mean_ownership_156", "mean ownership wk156"), ("mean_ownership_260", "mean ownership wk260"),
        ("owning_share_260", "share owning wk260")]
for name, row in t.items():
    point, variant = name.split(" | ")
    print(f"\n#### {point} — {variant}\n")
    print("| measure | race | trust_first | gap (TF−race; wk26: race−TF), p one-sided, d_z | median gap |")
    print("|---|---|---|---|---|")
    for key, label in KEYS:
        v = row.get(key)
        if v is None:
            continue
        gap = v["gap"] if key != "milestones_26" else -v["gap"]
        med = v["median_gap"] if key != "milestones_26" else -v["median_gap"]
        print(f"| {label} | {v['race']:.3f} | {v['tf']:.3f} | {gap:+.3f} (p={v['p']:.1g}, d_z={v['dz']:.2f}) | {med:+.3f} |")
    pr, pt = row["passive_when_met_race"], row["passive_when_met_tf"]
    print(f"| passive share when milestones met (>0.5?) | {pr['mean']:.3f} (p={pr['p']:.1g}) | {pt['mean']:.3f} (p={pt['p']:.1g}) | | |")
    if "ownership_26" in row:
        print(f"| mean ownership wk26 | {row['ownership_26']['race']:.3f} | {row['ownership_26']['tf']:.3f} | | |")
    print(f"| crossover (mean milestones curve) | | | week {row['crossover_milestones']} | |")
