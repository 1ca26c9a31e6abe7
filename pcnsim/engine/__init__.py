"""The engine: the week as compiled kernels over batches of runs, and what it records.

rules.py (each local rule once), walk.py (array traversal the processes share), processes/ (one module
per process: kernel and per-agent half), week.py (the order), state.py, params.py, draws.py and
outcomes.py (declarations), batch.py (runs stepped together), jit.py (the decorator and numba's cache).
"""
