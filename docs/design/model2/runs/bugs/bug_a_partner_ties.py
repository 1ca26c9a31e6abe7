# Bug (a): partner-partner ties lose half their trust when partners join (reference.py:322, kernels.py:286).
from pcnsim.config import files; from pcnsim.reference import ReferenceModel
m = ReferenceModel(files.load("scenarios/partners.yaml"), seed=7000)
pp = [t for t in m.ties if t.src.partner and t.dst.partner]
before = [t.trust for t in pp]; m.join_partners(m.params.partners.join_week)
print("partner-partner trust after/before:", sorted({round(t.trust / b, 6) for t, b in zip(pp, before)}))
