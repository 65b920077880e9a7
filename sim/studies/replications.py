"""Monte Carlo replications of one scenario, on one process or many, with identical results.

Workers (any executor of `sim.studies.executors`) receive the validated scenario (pickled once
per study) and replication indices, never a SimPy environment;
each replication's random streams come from `SeedSequence(seed)` by its index, so results do
not depend on how the work is split.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache, partial

import numpy as np

from sim.language.schema import Scenario
from sim.metrics.detail import replication_detail
from sim.metrics.replication import ReplicationResult, measure, month_days
from sim.model.replication import simulate
from sim.studies.executors import Executor, default_jobs, make_executor

__all__ = ["default_jobs", "iter_replications", "replication_seed", "run_batch", "run_one", "run_replications"]

Progress = Callable[[int], None]


def replication_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The stream of replication `index`: the same as SeedSequence(seed).spawn(n)[index]."""
    return np.random.SeedSequence(seed, spawn_key=(index,))


def run_one(scenario: Scenario, seed: int, index: int, keep_detail: bool = False) -> ReplicationResult:
    """Simulate and measure replication `index`; with `keep_detail`, keep its history for the
    pictures too (its records are dropped either way)."""
    records = simulate(scenario, replication_seed(seed, index))
    result = measure(scenario, records, index, month_days(scenario.start, scenario.horizon))
    if keep_detail:
        result.detail = replication_detail(scenario, records, index)
    return result


def run_batch(
    scenario: Scenario, seed: int, indices: Sequence[int], detail_of: int | None = None
) -> list[ReplicationResult]:
    """Several replications in one task (a worker imports once and runs many); replication
    `detail_of`, if among them, keeps its history."""
    return [run_one(scenario, seed, i, i == detail_of) for i in indices]


#: replications in a batch at most: enough that a task's overheads (the scenario pickled and
#: sent, the results sent back) are small beside its work, few enough to report progress
MAX_BATCH = 50


def batches(n: int, jobs: int, per_batch: int | None = None) -> list[list[int]]:
    """Split replication indices 0..n-1 into batches for `jobs` workers (taken in this order):
    `per_batch` each if given, else shrinking with what is left (a quarter of each worker's
    share, at most `MAX_BATCH`, down to one), so the workers finish within about one
    replication of each other rather than one whole batch."""
    out: list[list[int]] = []
    first = 0
    while first < n:
        size = per_batch or max(1, min(MAX_BATCH, (n - first) // (4 * jobs)))
        out.append(list(range(first, min(n, first + size))))
        first += size
    return out


def iter_replications(
    scenario: Scenario,
    replications: int,
    seed: int,
    jobs: int = 1,
    executor: Executor | None = None,
    first: int = 0,
    detail_of: int | None = None,
) -> Iterator[list[ReplicationResult]]:
    """Yield batches of the results of replications first..first+replications-1 as they finish
    (on `executor` if given, else on `jobs` local processes); replication `detail_of` keeps
    its history (`ReplicationResult.detail`)."""
    workers = executor.workers if executor else jobs
    packed = pickle.dumps(scenario, protocol=pickle.HIGHEST_PROTOCOL)  # once, not once per task
    tasks = [(packed, seed, [first + i for i in b]) for b in batches(replications, max(1, workers))]
    run_task = _run_task if detail_of is None else partial(_run_task, detail_of=detail_of)
    if executor is not None:
        yield from executor.map_unordered(run_task, tasks)
        return
    with make_executor(jobs if replications > 1 else 1) as local:
        yield from local.map_unordered(run_task, tasks)


def _run_task(task: tuple[bytes, int, list[int]], detail_of: int | None = None) -> list[ReplicationResult]:
    packed, seed, indices = task
    return run_batch(_unpacked(packed), seed, indices, detail_of)


@lru_cache(maxsize=4)
def _unpacked(packed: bytes) -> Scenario:
    """A task's scenario, unpickled once per worker: every task of a study carries the same
    one (about a millisecond to unpickle the flagship; its bytes are compared in microseconds)."""
    scenario: Scenario = pickle.loads(packed)  # our own tasks' bytes
    return scenario


def run_replications(
    scenario: Scenario,
    replications: int,
    seed: int,
    jobs: int = 1,
    progress: Progress | None = None,
    detail_of: int | None = None,
) -> list[ReplicationResult]:
    """All replications' results, ordered by replication index (replication `detail_of`
    keeping its history)."""
    results: list[ReplicationResult] = []
    for batch in iter_replications(scenario, replications, seed, jobs, detail_of=detail_of):
        results.extend(batch)
        if progress:
            progress(len(batch))
    return sorted(results, key=lambda r: r.replication)
