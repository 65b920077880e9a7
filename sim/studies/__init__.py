"""Studies: replications, sweeps, sensitivity, bottlenecks, audit and comparisons on an executor."""
