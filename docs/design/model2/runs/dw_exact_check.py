"""The Deffuant-Weisbuch special case with model 2 switched on: values equal model 1's bit for bit (trust may differ
through the conflict scar, which cannot reach values when trust_modulation is 0)."""
import numpy as np
from pcnsim.config import files
from pcnsim.reference import ReferenceModel

sc = files.load("scenarios/deffuant_weisbuch.yaml", ["steps=60"])
a, b = ReferenceModel(sc, seed=3), ReferenceModel(sc, seed=3, model2={})
a.run(); b.run()
va = np.array([m.values for m in a.members]); vb = np.array([m.values for m in b.members])
print("values identical:", bool((va == vb).all()), "| dispersion", a.rows[-1]["value_dispersion"], b.rows[-1]["value_dispersion"])
