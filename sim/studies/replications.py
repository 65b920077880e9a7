"""Monte Carlo replications of one scenario, on one process or many, with identical results.

Workers receive the validated scenario and replication indices, never a SimPy environment;
each replication's random streams come from `SeedSequence(seed)` by its index, so results do
not depend on how the work is split.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from sim.language.schema import Scenario
from sim.metrics.replication import ReplicationResult, measure, month_grid
from sim.model.replication import simulate

Progress = Callable[[int], None]


def replication_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The stream of replication `index`: the same as SeedSequence(seed).spawn(n)[index]."""
    return np.random.SeedSequence(seed, spawn_key=(index,))


def run_one(scenario: Scenario, seed: int, index: int) -> ReplicationResult:
    """Simulate and measure replication `index`."""
    _, grid = month_grid(scenario.start, scenario.horizon)
    records = simulate(scenario, replication_seed(seed, index))
    return measure(scenario, records, index, grid)


def run_batch(scenario: Scenario, seed: int, indices: Sequence[int]) -> list[ReplicationResult]:
    """Several replications in one task (a worker imports once and runs many)."""
    return [run_one(scenario, seed, i) for i in indices]


def batches(n: int, jobs: int, per_batch: int | None = None) -> list[list[int]]:
    """Split replication indices 0..n-1 into batches for `jobs` workers."""
    size = per_batch or max(1, min(50, -(-n // (jobs * 4))))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def iter_replications(
    scenario: Scenario, replications: int, seed: int, jobs: int = 1
) -> Iterator[list[ReplicationResult]]:
    """Yield batches of results as they finish (in order of replication index)."""
    if jobs <= 1 or replications <= 1:
        for batch in batches(replications, 1):
            yield run_batch(scenario, seed, batch)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_batch, scenario, seed, b) for b in batches(replications, jobs)]
        for future in futures:
            yield future.result()


def run_replications(
    scenario: Scenario, replications: int, seed: int, jobs: int = 1, progress: Progress | None = None
) -> list[ReplicationResult]:
    """All replications' results, ordered by replication index."""
    results: list[ReplicationResult] = []
    for batch in iter_replications(scenario, replications, seed, jobs):
        results.extend(batch)
        if progress:
            progress(len(batch))
    return results
