"""A facility's working clock: failures and repairs that pause all of its work at once.

Work items (a lot, a hull's stage, a batch of vehicles, a line's start interval) are kept in
one heap keyed by *effective* time, which is real time less the time spent down. A breakdown
freezes effective time, so every item in progress resumes after the repair with exactly the
work it had left: nothing is lost or done twice, and one process serves all items, so the
cost grows with distinct completion times, not with units. Time to failure counts working
time only: it runs while at least one item is in progress.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import simpy

from sim.language.schema import Breakdowns
from sim.language.values import Uncertain, draw
from sim.model.streams import BREAKDOWNS, Streams

TOL: Final = 1e-9


@dataclass(eq=False)
class WorkItem:
    """Work of `days` begun at real day `began`, ending at effective time `effective_end`."""

    effective_end: float
    seq: int
    days: float
    began: float
    effective_began: float
    units: float = 1.0
    on_done: Callable[[WorkItem], None] | None = None
    done: simpy.Event | None = None


class WorkClock:
    """Effective (working) time of one facility and the work in progress on it."""

    def __init__(self, env: simpy.Environment, breakdowns: Breakdowns | None, streams: Streams, path: str) -> None:
        """`path` names the breakdowns' streams: times to failure and repair times are drawn
        from two of their own (`sim.model.streams`), made only if it breaks down at all."""
        self.env = env
        self.breakdowns = breakdowns
        self.failures: np.random.Generator | None = None
        self.repairs: np.random.Generator | None = None
        if breakdowns is not None:
            self.failures = streams.rng(f"{path}.mtbf", BREAKDOWNS)
            self.repairs = streams.rng(f"{path}.mttr", BREAKDOWNS)
        self.down_periods: list[tuple[float, float]] = []
        self._down_total = 0.0
        self._down_since: float | None = None
        self._items: list[tuple[float, int, WorkItem]] = []  # heap by (effective end, order begun)
        self._seq = 0
        self._ttf = self._draw(breakdowns.mtbf, self.failures) if breakdowns else math.inf
        self._wake: simpy.Event | None = None
        self._repaired = env.event()
        self._running = False

    @staticmethod
    def _draw(value: Any, rng: np.random.Generator | None) -> float:
        assert rng is not None
        return draw(value, rng) if isinstance(value, Uncertain) else float(rng.exponential(value))

    @property
    def down(self) -> bool:
        """Whether the facility is under repair now."""
        return self._down_since is not None

    def repaired(self) -> simpy.Event:
        """An event fired when the current repair ends."""
        return self._repaired

    def effective(self, day: float | None = None) -> float:
        """Working time elapsed by `day` (default now): real time less time spent down."""
        now = self.env.now if day is None else day
        if self._down_since is not None and now >= self._down_since:
            return self._down_since - self._down_total
        if day is None:
            return now - self._down_total
        ahead = sum(b - max(a, now) for a, b in self.down_periods if b > now)  # down time booked after `day`
        return now - self._down_total + ahead

    @property
    def in_progress(self) -> list[WorkItem]:
        """Items begun and not yet finished."""
        return [item for _, _, item in self._items]

    def begin(self, days: float, units: float = 1.0, on_done: Callable[[WorkItem], None] | None = None) -> WorkItem:
        """Begin `days` of work now; `on_done(item)` is called (or `item.done` fires) when it ends."""
        e_now = self.effective()
        self._seq += 1
        item = WorkItem(e_now + days, self._seq, days, self.env.now, e_now, units, on_done)
        if on_done is None:
            item.done = self.env.event()
        heapq.heappush(self._items, (item.effective_end, item.seq, item))
        if not self._running:
            self._running = True
            self.env.process(self.keep_time())
        elif self._items[0][2] is item and self._wake is not None and not self._wake.triggered:
            self._wake.succeed()
        return item

    def keep_time(self) -> Generator[Any, Any, None]:
        """Finish items as their working time is done; fail and repair while work is in progress."""
        env = self.env
        while True:
            if not self._items:
                self._wake = env.event()
                yield self._wake
                continue
            e_now = self.effective()
            due = self._items[0][0] - e_now
            if due <= TOL * max(1.0, abs(e_now)):
                self._finish_due(e_now)
                continue
            step = min(due, self._ttf)
            began = env.now
            self._wake = env.event()
            yield env.timeout(step) | self._wake
            self._ttf -= env.now - began
            if self._ttf <= TOL * max(1.0, env.now):
                self._finish_due(self.effective())  # work done at the instant of failure is done
                yield from self._repair()

    def _finish_due(self, e_now: float) -> None:
        tol = TOL * max(1.0, abs(e_now))
        while self._items and self._items[0][0] - e_now <= tol:
            item = heapq.heappop(self._items)[2]
            if item.on_done is not None:
                item.on_done(item)
            else:
                assert item.done is not None
                item.done.succeed(item)

    def _repair(self) -> Generator[Any, Any, None]:
        assert self.breakdowns is not None
        self._down_since = self.env.now
        repair = self._draw(self.breakdowns.mttr, self.repairs)
        yield self.env.timeout(repair)
        self.down_periods.append((self._down_since, self.env.now))
        self._down_total += self.env.now - self._down_since
        self._down_since = None
        self._ttf = self._draw(self.breakdowns.mtbf, self.failures)
        self._repaired.succeed()
        self._repaired = self.env.event()
