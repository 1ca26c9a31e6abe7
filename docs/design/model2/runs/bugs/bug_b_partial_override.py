# Bug (b): a partial override of a spread drops its other field (files.py:71 builds {} ; schema.py:29 sd defaults 0).
from pcnsim.config import files
for key in ("practices.stakes.mean=0.6", "network.history_years.mean=3.0"):
    sc = files.load("scenarios/baseline.yaml", [key])
    print(key, "->", sc.practices.stakes if "stakes" in key else sc.network.history_years, "(shipped sd 0.1 / 2.0)")
