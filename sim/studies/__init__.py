"""Studies: replications, sweeps, sensitivity, bottlenecks and comparisons on an executor."""
