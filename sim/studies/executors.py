"""Where tasks run: in this process, in a pool of local processes, or on a Dask cluster.

Every executor maps a module-level function over picklable tasks (scenario data and seeds,
never a SimPy object) and yields results as they finish, keeping only a bounded number of
tasks in flight so memory does not grow with the size of a study. Callers key results by
what they contain, never by arrival order, so results do not depend on the executor.
"""

from __future__ import annotations

import itertools
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from types import TracebackType
from typing import Any, Protocol, TypeVar

from sim.errors import UsageError

T = TypeVar("T")
R = TypeVar("R")
IN_FLIGHT_PER_WORKER = 3


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Executor(Protocol):
    """Runs `fn` over tasks, yielding results in the order they finish."""

    workers: int

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield `fn(task)` for every task, in the order they finish."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: Any) -> None: ...


class SerialExecutor:
    """Runs every task here, one after another (no pickling, no processes)."""

    workers = 1

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield `fn(task)` for every task, in the order they finish."""
        for task in tasks:
            yield fn(task)

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class ProcessExecutor:
    """A pool of `workers` local processes."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessExecutor:
        self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_leave_interrupts_to_the_parent)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._pool is not None
        self._pool.shutdown(wait=exc_type is None, cancel_futures=True)
        self._pool = None

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield `fn(task)` for every task, in the order they finish."""
        assert self._pool is not None, "use the executor in a with block"
        pool = self._pool
        yield from _bounded(lambda task: pool.submit(fn, task), tasks, self.workers * IN_FLIGHT_PER_WORKER)


def _leave_interrupts_to_the_parent() -> None:
    """Workers ignore Ctrl-C: the parent stops the study (its finished batches are kept)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _bounded(submit: Callable[[Any], Future[Any]], tasks: Iterable[Any], window: int) -> Iterator[Any]:
    pending: set[Future[Any]] = set()
    source = iter(tasks)
    exhausted = False
    while True:
        while not exhausted and len(pending) < window:
            task = next(source, _END)
            if task is _END:
                exhausted = True
            else:
                pending.add(submit(task))
        if not pending:
            return
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            yield future.result()


_END = object()


class DaskExecutor:
    """A Dask distributed cluster: `tcp://HOST:PORT`, or `local` for a LocalCluster of `workers`
    single-threaded worker processes (`processes=False`: threads in this process, for tests)."""

    def __init__(self, scheduler: str, workers: int, processes: bool = True) -> None:
        self.scheduler = scheduler
        self.workers = workers
        self.processes = processes
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskExecutor:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError("--scheduler needs Dask: pip install 'rearm[cluster]'") from None
        if self.scheduler == "local":
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=self.processes,
                dashboard_address=None,
                silence_logs=40,
            )
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.scheduler, timeout=30)
            except (OSError, TimeoutError, ValueError) as exc:
                raise UsageError(f"--scheduler {self.scheduler}: cannot reach the Dask scheduler ({exc})") from None
            self.workers = max(1, sum(self._client.nthreads().values()))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield `fn(task)` for every task, in the order they finish."""
        from distributed import as_completed

        assert self._client is not None, "use the executor in a with block"
        client = self._client
        source = iter(tasks)
        window = self.workers * IN_FLIGHT_PER_WORKER
        first = [client.submit(fn, t, pure=False) for t in _take(source, window)]
        if not first:
            return
        queue = as_completed(first)
        for future in queue:
            result = future.result()
            future.release()
            for task in _take(source, 1):
                queue.add(client.submit(fn, task, pure=False))
            yield result


def _take(source: Iterator[T], n: int) -> list[T]:
    return list(itertools.islice(source, n))


def make_executor(jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor the command line asks for: Dask if `scheduler`, else local processes."""
    workers = jobs or default_jobs()
    if scheduler:
        return DaskExecutor(scheduler, workers)
    return SerialExecutor() if workers <= 1 else ProcessExecutor(workers)
