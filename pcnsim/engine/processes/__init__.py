"""The week's processes, one module each: its rules, its batched kernel and its per-agent reference side by side.

A kernel walks every run of a batch (arrays with a leading batch axis, CSR
offsets, the active-tie limit); the reference version (`<process>_reference`)
does the same to one run's objects (`pcnsim.reference`), calling the same
rules as plain Python. The order of the week is in `pcnsim.engine.week`.
"""
