"""A facility's working clock: failures and repairs that pause all of its work at once.

Work items (a lot, a hull's stage, a batch of vehicles, a line's start interval) are kept in
one heap keyed by *effective* time, which is real time less the time spent down. A breakdown
freezes effective time, so every item in progress resumes after the repair with exactly the
work it had left: nothing is lost or done twice, and one process serves all items, so the
cost grows with distinct completion times, not with units. Time to failure counts working
time only: it runs while at least one item is in progress. So while work goes on without a
pause, the next failure's day is known ahead (`next_failure`): the fast path (`sim.model.fast`)
runs work ahead up to it, counted as working time at once (`advance`) or as one item
(`busy_until`), and begins the work that may outlast the failure at the day the run starts it
(`begin(..., day=)`).
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
from sim.model.ranks import succeed_at_rank
from sim.model.streams import BREAKDOWNS, Streams

TOL: Final = 1e-9
MARGIN: Final = 1e-9  # relative: work that ends this close to a failure is not known to end before it


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
    rank: int | None = None  # the rank at which `done` wakes its facility (None: as SimPy's events)


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
        # each stream is drawn in its order, one failure and repair ahead of need: the same
        # values as drawn when needed, and the day work ends is known across one failure
        self._ttf = self._draw(breakdowns.mtbf, self.failures) if breakdowns else math.inf
        self._ttf_next = self._draw(breakdowns.mtbf, self.failures) if breakdowns else math.inf
        self._repair_next = self._draw(breakdowns.mttr, self.repairs) if breakdowns else 0.0
        self._up_at = math.inf  # under repair: the day it ends
        self._counting_since: float | None = None  # the day `_ttf` was last counted down, while it runs
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

    def next_failure(self, day: float | None = None) -> float:
        """The day of the next failure if work goes on without a pause from now, or from `day`
        while no work is in progress until then (inf: it never breaks down; now: it is under
        repair)."""
        now: float = self.env.now
        if self._down_since is not None:
            return now
        if self._counting_since is not None:
            return self._counting_since + self._ttf
        return (now if day is None or self._items else day) + self._ttf

    def up_by(self, day: float) -> bool:
        """Whether it is up at `day` (under repair now: the repair ends by then)."""
        return self._down_since is None or day >= self._up_at

    def _past_failure(self, day: float) -> bool:
        """Whether work in progress until `day` meets the next failure (or the one now) first."""
        return self._down_since is not None or day >= self.next_failure(day)

    def working_left(self, day: float) -> float:
        """Working days from `day` to the next failure, with the work on the clock now in
        progress until `day` (across at most one failure) or the clock idle until then."""
        if not self._past_failure(day):
            return self.next_failure(day) - day
        up = self._up_at if self._down_since is not None else self.next_failure(day) + self._repair_next
        return self._ttf_next - (day - up)

    def finish_day(self, effective_end: float) -> float | None:
        """The day work in progress ending at effective time `effective_end` is done, if at
        most one failure comes first (None: not known yet)."""
        left = effective_end - self.effective()
        if self._down_since is not None:
            return self._up_at + left if left < self._ttf_next * (1 - MARGIN) else None
        return self.finish_ahead(self.env.now + left)

    def finish_ahead(self, end: float) -> float | None:
        """The day work that goes on without a pause from now (it, or other work) and would
        end at `end` without failures is done, if at most one failure comes first (None: not
        known yet). The clock is up."""
        failure = self.next_failure()
        tol = MARGIN * max(1.0, failure)
        if end < failure - tol:
            return end
        if end <= failure + tol:  # done at the instant of failure, or paused by it: not known
            return None
        rest = end - failure
        return failure + self._repair_next + rest if rest < self._ttf_next * (1 - MARGIN) else None

    def advance(self, days: float, day: float) -> None:
        """Work run ahead from `day`, after the work on the clock now, takes `days` of working
        time before the next failure from then: counted now (a factory's lots run ahead alone
        or in lockstep, which may wait between them; nothing asks the clock before they end)."""
        if self._past_failure(day):
            self._ttf_next -= days
        else:
            self._ttf -= days

    def begin(
        self,
        days: float,
        units: float = 1.0,
        on_done: Callable[[WorkItem], None] | None = None,
        day: float | None = None,
        rank: int | None = None,
    ) -> WorkItem:
        """Begin `days` of work now (or at `day`, ahead: the caller checked that no failure
        comes before it, so working time runs with real time until then); `on_done(item)` is
        called (or `item.done` fires, processed at `rank` among the facilities of its instant:
        `sim.model.ranks`) when it ends."""
        now: float = self.env.now
        began = now if day is None else day
        e_began = self.effective() + (began - now)
        self._seq += 1
        item = WorkItem(e_began + days, self._seq, days, began, e_began, units, on_done, rank=rank)
        if on_done is None:
            item.done = self.env.event()
        heapq.heappush(self._items, (item.effective_end, item.seq, item))
        if not self._running:
            self._running = True
            self.env.process(self.keep_time())
        elif self._items[0][2] is item and self._wake is not None and not self._wake.triggered:
            self._wake.succeed()
        return item

    def busy_until(self, day: float) -> None:
        """Work run ahead goes on without a pause from now until `day` (before the next
        failure), beside other work on the clock (a vehicle line's builds): one item, so that
        the time to failure counts down as the steps would."""
        if self.breakdowns is not None and day > self.env.now:  # (else working time is real time)
            self.begin(day - self.env.now, 0.0, _nothing)

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
            step = min(due, max(0.0, self._ttf))  # (work counted ahead may leave a crumb below 0)
            began = env.now
            self._wake = env.event()
            self._counting_since = began
            yield env.timeout(step) | self._wake
            self._counting_since = None
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
            elif item.rank is None:
                assert item.done is not None
                item.done.succeed(item)
            else:
                assert item.done is not None
                succeed_at_rank(item.done, item, item.rank)

    def _repair(self) -> Generator[Any, Any, None]:
        assert self.breakdowns is not None
        self._down_since = self.env.now
        repair = self._repair_next
        self._up_at = self.env.now + repair
        self._repair_next = self._draw(self.breakdowns.mttr, self.repairs)
        yield self.env.timeout(repair)
        self.down_periods.append((self._down_since, self.env.now))
        self._down_total += self.env.now - self._down_since
        self._down_since = None
        self._ttf = self._ttf_next
        self._ttf_next = self._draw(self.breakdowns.mtbf, self.failures)
        self._repaired.succeed()
        self._repaired = self.env.event()


def _nothing(item: WorkItem) -> None:
    """A run of work ahead ends: its lots and intervals were recorded when it began."""
