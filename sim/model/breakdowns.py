"""A facility's working clock: failures and repairs that pause all of its work at once.

Time to failure counts working time only: it runs while at least one item of work (a lot, a
hull's stage, a batch of vehicles, a line's start interval) is in progress, and is frozen while
the facility is idle. A failure pauses all the facility's work for the repair; every item then
resumes with exactly the work it had left. So when an item begins, the day it ends is known at
once: its days of work plus every repair that falls within it. The clock has no process of its
own: it keeps the failures and repairs known up to the latest end of the work begun (extending
them, drawn in order from its two streams, as later work reaches further), and an item is one
timeout to its known end (`Facility.work`) or a delivery booked at its start.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any, Final, NamedTuple

import numpy as np
import simpy

from sim.language.schema import Breakdowns
from sim.language.values import Uncertain, draw
from sim.model.streams import BREAKDOWNS, Streams

#: relative: work that ends this close to a failure ends at it (done before the repair)
TOL: Final = 1e-9


class Work(NamedTuple):
    """`days` of work begun at real day `began`, done at real day `end`."""

    end: float
    began: float
    days: float


class WorkClock:
    """The working time of one facility: the failures and repairs known so far, and the work
    in progress on it."""

    def __init__(self, env: simpy.Environment, breakdowns: Breakdowns | None, streams: Streams, path: str) -> None:
        """`path` names the breakdowns' streams: times to failure and repair times are drawn
        from two of their own (`sim.model.streams`), made only if it breaks down at all, one
        draw per failure and one per repair, in order."""
        self.env = env
        self.breakdowns = breakdowns
        self.failures: np.random.Generator | None = None
        self.repairs: np.random.Generator | None = None
        if breakdowns is not None:
            self.failures = streams.rng(f"{path}.mtbf", BREAKDOWNS)
            self.repairs = streams.rng(f"{path}.mttr", BREAKDOWNS)
        #: the failures known so far (each the day it fails, the day its repair ends), and the
        #: time down before each (for working time: `effective`)
        self._fails: list[float] = []
        self._ups: list[float] = []
        self._repairs: list[float] = []
        self._down_before: list[float] = []
        self._e_fails: list[float] = []  # working time elapsed at each failure
        #: the latest end of the work begun: failures are known up to here (and a repair that
        #: begins here, when work ends at the instant of a failure)
        self._known = 0.0
        #: the working time left to the next failure from `_known` (frozen while it is idle)
        self._ttf = self._draw(breakdowns.mtbf, self.failures) if breakdowns is not None else math.inf
        self._work: list[Work] = []  # in the order begun (done work dropped now and then)
        self._prune_at = 64
        self._repaired: tuple[int, simpy.Event] | None = None

    @staticmethod
    def _draw(value: Any, rng: np.random.Generator | None) -> float:
        assert rng is not None
        return draw(value, rng) if isinstance(value, Uncertain) else float(rng.exponential(value))

    # -- the failures known ------------------------------------------------------------------
    def _repair_at(self, day: float) -> int | None:
        """The index of the repair under way at `day` (from its failure, up to its end), if any."""
        i = bisect_right(self._fails, day) - 1
        return i if i >= 0 and day < self._ups[i] else None

    @property
    def down(self) -> bool:
        """Whether the facility is under repair now."""
        return self._repair_at(self.env.now) is not None

    @property
    def down_since(self) -> float | None:
        """The day the repair under way now began (None: it is up)."""
        i = self._repair_at(self.env.now)
        return None if i is None else self._fails[i]

    @property
    def down_periods(self) -> list[tuple[float, float]]:
        """The repairs finished by now: (failure day, repair end) of each."""
        n = bisect_right(self._ups, self.env.now)
        return list(zip(self._fails[:n], self._ups[:n], strict=True))

    def repaired(self) -> simpy.Event:
        """An event at the end of the repair under way (one per repair, shared by all who wait)."""
        i = self._repair_at(self.env.now)
        assert i is not None, "repaired() asked while up"
        if self._repaired is None or self._repaired[0] != i:
            self._repaired = (i, self.env.timeout(self._ups[i] - self.env.now))
        return self._repaired[1]

    def effective(self, day: float | None = None) -> float:
        """Working time elapsed by `day` (default now): real time less time spent down (frozen
        during a repair)."""
        day = self.env.now if day is None else day
        i = bisect_right(self._fails, day) - 1
        if i < 0:
            return day
        if day < self._ups[i]:
            return self._e_fails[i]
        return day - (self._down_before[i] + self._repairs[i])

    @property
    def in_progress(self) -> list[Work]:
        """Work begun and not yet done (in the order begun)."""
        now: float = self.env.now
        self._work = [w for w in self._work if w.end > now]
        return list(self._work)

    def next_failure(self, day: float | None = None) -> float:
        """The day of the next failure if work goes on without a pause from now, or from `day`
        while no work is in progress until then (inf: it never breaks down; now: it is under
        repair)."""
        now: float = self.env.now
        if self.down:
            return now
        i = bisect_right(self._fails, now)
        if i < len(self._fails):  # (known: work is in progress until it)
            return self._fails[i]
        if now < self._known:
            return self._known + self._ttf
        return (now if day is None else max(now, day)) + self._ttf

    # -- work ----------------------------------------------------------------------------------
    def begin(self, days: float, day: float | None = None) -> float:
        """Begin `days` of work now (or at `day`, ahead: work run ahead begins in time order,
        and work known on the clock now runs without a pause until it, or the clock is idle
        until it); returns the day it is done: `days` after it begins, plus every repair that
        falls within it (work done at the instant of a failure is done before the repair). A
        failure under way when it begins delays its start to the repair's end."""
        began: float = self.env.now if day is None else day
        if self.breakdowns is None:
            return began + days
        end = self._end(began, days)
        self._work.append(Work(end, began, days))
        if len(self._work) > self._prune_at:  # (kept short: only `in_progress` reads it)
            self._work = [w for w in self._work if w.end > self.env.now]
            self._prune_at = 2 * len(self._work) + 64
        return end

    def _end(self, began: float, days: float) -> float:
        """The day `days` of work begun at `began` is done: through the failures known (as a
        repair ends, the work resumes with what it had left), then, past the work known, on
        with the countdown, knowing each failure as it comes."""
        fails, ups = self._fails, self._ups
        first = bisect_right(fails, began)
        start, left = began, days  # working from `start`, with `left` to do
        if first > 0 and ups[first - 1] > start:  # begun under repair: it works from the repair's end
            start = ups[first - 1]
        for j in range(first, len(fails)):
            gap = fails[j] - start
            tol = TOL * max(1.0, fails[j])
            if left < gap - tol:
                return start + left
            if left <= gap + tol:  # done at the instant of the failure
                return fails[j]
            left -= gap
            start = ups[j]
        known = self._known
        if start + left <= known:  # (no failure up to the work known)
            return start + left
        if start < known:  # working until `known` with the work known: the countdown goes on from there
            left -= known - start
            start = known
        return self._reach(start, left)

    def _reach(self, start: float, left: float) -> float:
        """Work from `start` (the work known ends by then) with `left` to do, without a pause
        but for the repairs: the countdown runs, failures and repairs drawn as they come; the
        day it is done."""
        assert self.breakdowns is not None
        ttf = self._ttf
        while True:
            failed = start + (min(left, ttf) if ttf > 0.0 else 0.0)  # (where it fails, if it does)
            tol = TOL * max(1.0, failed)
            if left < ttf - tol:
                self._known, self._ttf = start + left, ttf - left
                return start + left
            self._fail(failed, self._draw(self.breakdowns.mttr, self.repairs))
            done = left <= ttf + tol  # (it is done at the instant of the failure)
            left -= ttf
            ttf = self._draw(self.breakdowns.mtbf, self.failures)
            if done:
                self._known, self._ttf = failed, ttf
                return failed
            start = self._ups[-1]

    def _fail(self, day: float, repair: float) -> None:
        """A failure at `day`, repaired `repair` days later."""
        down = self._down_before[-1] + self._repairs[-1] if self._fails else 0.0
        self._fails.append(day)
        self._ups.append(day + repair)
        self._repairs.append(repair)
        self._down_before.append(down)
        self._e_fails.append(day - down)
