"""SF5 under model 2 at a value spread calibrated to 003's "most 'somewhat unclear'" (review T1: 0.20-0.22),
baseline mandates, 40 seeds: passive share when milestones are met (> 0.5, one-sample Wilcoxon), share met, and the
share of seeds whose PCN has a clear shared purpose (every practice backing) at week 117."""
import numpy as np
from scipy.stats import wilcoxon
from pcnsim.config import files
from pcnsim.reference import ReferenceModel

for spread in (0.15, 0.2, 0.22):
    sc = files.load("scenarios/baseline.yaml", [f"practices.value_spread={spread}"])
    passive, met, clear, trust = [], [], [], []
    for seed in range(7000, 7040):
        df = ReferenceModel(sc, seed=seed, model2={"mandates.joint_share": [0.6, 0.0]}).run()
        m = np.diff(df.milestones_met.values, prepend=0)
        passive.append((m * df.passive_compliance.values).sum() / m.sum())
        met.append(df.milestones_met[260] / df.milestones_due[260])
        clear.append(df.shared_purpose[117] == 1.0)
        trust.append(df.mean_trust[117])
    passive = np.array(passive)
    p = wilcoxon(passive - 0.5, alternative="greater", zero_method="zsplit").pvalue
    print(f"spread {spread}: passive when met {passive.mean():.3f} (median {np.median(passive):.3f}) p(>0.5)={p:.2g}; "
          f"milestones met {np.mean(met):.3f}; clear shared purpose wk117 {np.mean(clear):.2f}; trust wk117 {np.mean(trust):.3f}")
