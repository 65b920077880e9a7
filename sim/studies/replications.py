"""Monte Carlo replications of one scenario, on one process or many, with identical results.

Workers (any executor of `sim.studies.executors`) receive the validated scenario and
replication indices, never a SimPy environment;
each replication's random streams come from `SeedSequence(seed)` by its index, so results do
not depend on how the work is split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from sim.language.schema import Scenario
from sim.metrics.replication import ReplicationResult, measure, month_days
from sim.model.replication import simulate
from sim.studies.executors import Executor, default_jobs, make_executor

__all__ = ["default_jobs", "iter_replications", "replication_seed", "run_batch", "run_one", "run_replications"]

Progress = Callable[[int], None]


def replication_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The stream of replication `index`: the same as SeedSequence(seed).spawn(n)[index]."""
    return np.random.SeedSequence(seed, spawn_key=(index,))


def run_one(scenario: Scenario, seed: int, index: int) -> ReplicationResult:
    """Simulate and measure replication `index`."""
    records = simulate(scenario, replication_seed(seed, index))
    return measure(scenario, records, index, month_days(scenario.start, scenario.horizon))


def run_batch(scenario: Scenario, seed: int, indices: Sequence[int]) -> list[ReplicationResult]:
    """Several replications in one task (a worker imports once and runs many)."""
    return [run_one(scenario, seed, i) for i in indices]


def batches(n: int, jobs: int, per_batch: int | None = None) -> list[list[int]]:
    """Split replication indices 0..n-1 into batches for `jobs` workers."""
    size = per_batch or max(1, min(50, -(-n // (jobs * 4))))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def iter_replications(
    scenario: Scenario, replications: int, seed: int, jobs: int = 1, executor: Executor | None = None, first: int = 0
) -> Iterator[list[ReplicationResult]]:
    """Yield batches of the results of replications first..first+replications-1 as they finish
    (on `executor` if given, else on `jobs` local processes)."""
    workers = executor.workers if executor else jobs
    tasks = [(scenario, seed, [first + i for i in b]) for b in batches(replications, max(1, workers))]
    if executor is not None:
        yield from executor.map_unordered(_run_task, tasks)
        return
    with make_executor(jobs if replications > 1 else 1) as local:
        yield from local.map_unordered(_run_task, tasks)


def _run_task(task: tuple[Scenario, int, list[int]]) -> list[ReplicationResult]:
    return run_batch(*task)


def run_replications(
    scenario: Scenario, replications: int, seed: int, jobs: int = 1, progress: Progress | None = None
) -> list[ReplicationResult]:
    """All replications' results, ordered by replication index."""
    results: list[ReplicationResult] = []
    for batch in iter_replications(scenario, replications, seed, jobs):
        results.extend(batch)
        if progress:
            progress(len(batch))
    return sorted(results, key=lambda r: r.replication)
