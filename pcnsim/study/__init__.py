"""Studies: experiments, sweeps, replicates and sensitivity analysis."""
