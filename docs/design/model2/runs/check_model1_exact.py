"""With model2=None the prototype reference equals main's reference bit for bit (every shipped single-PCN scenario)."""
import subprocess, sys, json
import pandas as pd
code = r'''
import sys, pandas as pd
from pcnsim.config import files
from pcnsim.reference import ReferenceModel
for name in ["baseline","race","trust_first","partners","diverse_values","directive"]:
    sc = files.load(f"scenarios/{name}.yaml")
    ReferenceModel(sc, seed=7).run(60).to_csv(sys.argv[1] + f"/{name}.csv", index=False)
'''
import tempfile, os
for tree in ["/work/main", "/work/proto"]:
    d = f"/tmp/m1_{os.path.basename(tree)}"; os.makedirs(d, exist_ok=True)
    subprocess.run(["/work/proto/.venv/bin/python", "-c", code, d], cwd=tree, check=True)
for name in ["baseline","race","trust_first","partners","diverse_values","directive"]:
    a = open(f"/tmp/m1_main/{name}.csv").read(); b = open(f"/tmp/m1_proto/{name}.csv").read()
    print(name, "IDENTICAL" if a == b else "DIFFERENT")
