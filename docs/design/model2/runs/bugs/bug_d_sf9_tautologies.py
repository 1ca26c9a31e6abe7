# Bug (d): tests/test_national.py:89 and :91 cannot fail. truly_behind is "progress < median" (reference.py:565,
# kernels.py:578): at most half of any set lies strictly below its median; with visible=0, behind is False by code (:562).
import numpy as np
rng = np.random.default_rng(0)
print("max share strictly below the median over 10^4 random sets:",
      max(float((x < np.median(x)).mean()) for x in rng.random((10_000, 60)) ** rng.uniform(0.1, 10, (10_000, 1))))
print("behind with no watched PCNs:", any(len([]) > 0 and p < 0 for p in rng.random(60)))
