"""Where tasks run: in this process, in a pool of local processes, or on a Dask cluster.

Every executor maps a module-level function over picklable tasks (scenario data and seeds,
never a SimPy object) and yields results as they finish, keeping only a bounded number of
tasks in flight so memory does not grow with the size of a study. Callers key results by
what they contain, never by arrival order, so results do not depend on the executor.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import itertools
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from types import TracebackType
from typing import Any, Protocol, TypeVar

from sim.errors import RearmError, UsageError

T = TypeVar("T")
R = TypeVar("R")
IN_FLIGHT_PER_WORKER = 3
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL = 1.0  # seconds between a worker's checks that its parent is alive
STOP_TIMEOUT = 5.0  # seconds an interrupted study waits for each worker to stop
DASK_TIMEOUT = 30.0  # default seconds without a reachable scheduler, or without any worker, before a study ends
DASK_POLL = 1.0  # seconds between checks of the Dask cluster while no result comes


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
    """A pool of `workers` local processes, which end with the process that started them: a
    kill -9 of the parent leaves none behind, and an interruption stops them at once."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessExecutor:
        context = multiprocessing.get_context()
        # a forkserver is the workers' parent, not this process: it ends when this one does
        parent = os.getpid() if context.get_start_method() != "forkserver" else None
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=_worker_setup, initargs=(parent,)
        )
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._pool is not None
        pool, self._pool = self._pool, None
        if exc_type is None:
            pool.shutdown(wait=True)
            return
        # interrupted or failed: stop the workers now rather than after their current task
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(STOP_TIMEOUT)

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield `fn(task)` for every task, in the order they finish."""
        assert self._pool is not None, "use the executor in a with block"
        pool = self._pool
        yield from _bounded(lambda task: pool.submit(fn, task), tasks, self.workers * IN_FLIGHT_PER_WORKER)


def _worker_setup(parent: int | None) -> None:
    """A worker ignores Ctrl-C (the parent stops the study, keeping its finished batches) and
    ends when its parent does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with_parent(parent)


def end_with_parent(parent: int | None = None) -> None:
    """End this process when its parent process ends, however the parent ends (kill -9
    included): on Linux the kernel sends SIGKILL (`prctl(PR_SET_PDEATHSIG)`); everywhere a
    daemon thread checks every `PARENT_POLL` seconds that the parent is still the same.
    `parent`: the pid the parent must have now (None: not known), so that a parent that died
    before this call is noticed too."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl: the thread still watches
            pass
    now = os.getppid()
    if parent is not None and now != parent:
        os._exit(1)  # the parent is gone already
    threading.Thread(target=_watch_parent, args=(now,), name="rearm-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL)
        if os.getppid() != parent:  # re-parented: the parent has died
            os._exit(1)


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


class ExecutorLost(RearmError):
    """The Dask scheduler or every worker was lost: the study stops (exit 1), its finished runs kept."""


class DaskExecutor:
    """A Dask distributed cluster: `tcp://HOST:PORT`, or `local` for a LocalCluster of `workers`
    single-threaded worker processes (`processes=False`: threads in this process, for tests).

    A scheduler that cannot be reached (or accepts and never answers) within `timeout` seconds
    is refused at the start; during a study, a scheduler that stops answering, or a cluster
    left without any worker, for `timeout` seconds ends it with `ExecutorLost`."""

    def __init__(self, scheduler: str, workers: int, processes: bool = True, timeout: float = DASK_TIMEOUT) -> None:
        self.scheduler = scheduler
        self.workers = workers
        self.processes = processes
        self.timeout = timeout
        self._client: Any = None
        self._cluster: Any = None
        self._client_level = logging.NOTSET

    def __enter__(self) -> DaskExecutor:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError("--scheduler needs Dask: pip install 'rearm[cluster]'") from None
        # a lost scheduler is reported in one line (ExecutorLost); the client's own traceback
        # about failing to reconnect is shown only when debugging (-vv)
        client_log = logging.getLogger("distributed.client")
        self._client_level = client_log.level
        if not logging.getLogger("sim").isEnabledFor(logging.DEBUG):
            client_log.setLevel(logging.CRITICAL)
        if self.scheduler == "local":
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=self.processes,
                dashboard_address=None,
                silence_logs=40,
            )
            self._client = Client(self._cluster, timeout=self.timeout)
        else:
            try:
                _probe(self.scheduler, self.timeout)  # Client() itself waits forever on a silent scheduler
                self._client = Client(self.scheduler, timeout=self.timeout)
                self.workers = max(1, sum(self._client.nthreads(callback_timeout=self.timeout).values()))
            except Exception as exc:  # noqa: BLE001 - whatever the failure, the study cannot start
                self.__exit__()
                raise UsageError(
                    f"--scheduler {self.scheduler}: cannot reach the Dask scheduler within {self.timeout:g} s "
                    f"({str(exc) or type(exc).__name__})"
                ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if exc and exc[0] is not None:
            # the study has said in one line what was lost and kept: Dask's own tracebacks about
            # the lost connection, logged while it closes, would only bury that line
            for name in ("distributed", "asyncio"):  # asyncio: its 'exception never retrieved' of a cancelled fetch
                logging.getLogger(name).setLevel(logging.CRITICAL)
        else:
            logging.getLogger("distributed.client").setLevel(self._client_level)
        try:
            if client is not None:
                client.close(timeout=min(self.timeout, STOP_TIMEOUT))
            if cluster is not None:
                cluster.close(timeout=min(self.timeout, STOP_TIMEOUT))
        except (OSError, TimeoutError, RuntimeError):  # a lost cluster may not close cleanly: nothing to keep there
            pass

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield `fn(task)` for every task, in the order they finish; raise `ExecutorLost`
        when the cluster stays unusable for `timeout` seconds."""
        from distributed import wait as wait_any

        assert self._client is not None, "use the executor in a with block"
        client = self._client
        source = iter(tasks)
        pending = {client.submit(fn, t, pure=False) for t in _take(source, self.workers * IN_FLIGHT_PER_WORKER)}
        health = _ClusterHealth(client, self.timeout)
        while pending:
            try:
                done, rest = wait_any(list(pending), timeout=DASK_POLL, return_when="FIRST_COMPLETED")
            except TimeoutError:
                health.check()
                continue
            except CancelledError:  # the client cancels every future when it loses the scheduler
                raise ExecutorLost("the study stopped: the Dask scheduler was lost") from None
            except OSError as exc:
                raise ExecutorLost(f"the study stopped: the connection to the Dask cluster was lost ({exc})") from None
            pending = set(rest)
            for future in done:
                result = health.result(future)
                future.release()
                pending.update(client.submit(fn, t, pure=False) for t in _take(source, 1))
                yield result


def _probe(address: str, timeout: float) -> None:
    """Raise unless the Dask scheduler at `address` answers within `timeout` seconds (asked on
    a thread of its own, so that this works beside a running event loop too)."""
    from distributed.core import rpc

    failure: list[BaseException] = []

    async def ask() -> None:
        scheduler = rpc(address, timeout=timeout)
        try:
            await scheduler.identity()
        finally:
            await scheduler.close_rpc()

    def run() -> None:
        try:
            asyncio.run(asyncio.wait_for(ask(), timeout))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            failure.append(exc)

    thread = threading.Thread(target=run, name="rearm-dask-probe", daemon=True)
    thread.start()
    thread.join(timeout + STOP_TIMEOUT)
    if thread.is_alive():
        raise TimeoutError("no answer")
    if failure:
        raise failure[0]


class _ClusterHealth:
    """Whether a Dask cluster can still finish the study: its scheduler answers and it has a
    worker; unusable for longer than `timeout` seconds ends the study."""

    def __init__(self, client: Any, timeout: float) -> None:
        self.client = client
        self.timeout = timeout
        self.since: float | None = None

    def check(self) -> None:
        """Called while no result comes: raise ExecutorLost once unusable for `timeout` seconds."""
        problem = self.problem()
        if problem is None:
            self.since = None
            return
        now = time.monotonic()
        self.since = self.since or now
        if now - self.since >= self.timeout:
            raise ExecutorLost(f"the study stopped: {problem} for {self.timeout:g} s")

    def problem(self) -> str | None:
        """What makes the cluster unusable now, or None."""
        if self.client.status not in ("running", "newly-created"):
            return "the Dask scheduler was lost"
        try:
            workers = self.client.nthreads(callback_timeout=min(self.timeout, 5.0))
        except (OSError, TimeoutError, RuntimeError):
            return "the Dask scheduler did not answer"
        return None if workers else "no Dask worker was left"

    def result(self, future: Any) -> Any:
        """A finished future's result (fetched from its worker: if that worker is gone, the
        task is run again, so this waits with the same checks); a task lost with its workers
        ends the study."""
        from distributed import KilledWorker

        try:
            while True:
                try:
                    value = future.result(timeout=DASK_POLL)
                    self.since = None
                    return value
                except TimeoutError:
                    self.check()
        except KilledWorker as exc:
            lost = _first_line(exc)
            raise ExecutorLost(f"the study stopped: a task was lost with the Dask workers ({lost})") from None
        except CancelledError:
            raise ExecutorLost("the study stopped: the Dask scheduler was lost") from None
        except OSError as exc:
            raise ExecutorLost(f"the study stopped: the connection to the Dask cluster was lost ({exc})") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0]


def _take(source: Iterator[T], n: int) -> list[T]:
    return list(itertools.islice(source, n))


class FuturesExecutor:
    """A `concurrent.futures.Executor` the caller made (a thread or process pool, or any other):
    used as it is, and left open for the caller to shut down."""

    def __init__(self, pool: concurrent.futures.Executor, workers: int | None = None) -> None:
        self.pool = pool
        self.workers = workers or getattr(pool, "_max_workers", None) or default_jobs()

    def __enter__(self) -> FuturesExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield `fn(task)` for every task, in the order they finish."""
        yield from _bounded(lambda task: self.pool.submit(fn, task), tasks, self.workers * IN_FLIGHT_PER_WORKER)


class ClientExecutor(DaskExecutor):
    """A Dask `distributed.Client` the caller made (for example on a `LocalCluster`): used as it
    is, with the same checks on a lost cluster as `--scheduler`, and left open for the caller."""

    def __init__(self, client: Any, timeout: float = DASK_TIMEOUT) -> None:
        super().__init__(str(getattr(client, "scheduler", "client")), 1, timeout=timeout)
        self.given = client

    def __enter__(self) -> ClientExecutor:
        self._client = self.given
        try:
            self.workers = max(1, sum(self.given.nthreads(callback_timeout=self.timeout).values()))
        except (OSError, TimeoutError, RuntimeError) as exc:
            raise UsageError(f"the Dask client does not answer ({str(exc) or type(exc).__name__})") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._client = None


def is_dask_client(value: object) -> bool:
    """Whether `value` is a `distributed.Client` (checked without importing Dask)."""
    return any(cls.__module__.startswith("distributed") and cls.__name__ == "Client" for cls in type(value).__mro__)


#: where a study may run: a Dask scheduler's address (or 'local'), a Dask Client, or an Executor
Scheduler = str | concurrent.futures.Executor | Any


def make_executor(
    jobs: int | None = None, scheduler: Scheduler | None = None, timeout: float = DASK_TIMEOUT
) -> Executor:
    """The executor a study asks for: on Dask if `scheduler` is an address (lost for `timeout`
    seconds: the study ends) or a `distributed.Client`; on a `concurrent.futures.Executor` the
    caller made; else local processes (`jobs`, default all cores; one: in this process)."""
    workers = jobs or default_jobs()
    if is_dask_client(scheduler):
        return ClientExecutor(scheduler, timeout)
    if isinstance(scheduler, concurrent.futures.Executor):
        return FuturesExecutor(scheduler, jobs)
    if isinstance(scheduler, str) and scheduler:
        return DaskExecutor(scheduler, workers, timeout=timeout)
    if scheduler:
        raise TypeError(
            "a study runs on a Dask scheduler address, a distributed.Client or a concurrent.futures.Executor, "
            f"not {type(scheduler).__name__}"
        )
    return SerialExecutor() if workers <= 1 else ProcessExecutor(workers)
