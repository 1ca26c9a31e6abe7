# Bug (c): M = per_step x PCNs meetings are drawn over ALL ties of the country (reference.py:272/473,
# batch.py:46, kernels.py:476), so a PCN's ties meet per_step*P/E times a week, not per_step/E_q as alone.
import numpy as np; from pcnsim.config import files; from pcnsim.world.build import build
sc = files.load("scenarios/england.yaml", ["network.pcns=120", "network.systems=8"])
run, world = build(sc, np.random.default_rng(7000)); E, P = int(run.base_edges[0]), len(run.demand[0])
print(f"inside England: {sc.meetings.per_step * P / E:.3f} meetings per tie per week; a lone 5-practice PCN: {5 / 10:.3f}")
