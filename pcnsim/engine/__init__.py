"""The engine: the week as compiled kernels over batches of runs, and what it records."""
