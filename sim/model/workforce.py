"""A workforce pool: people hired at a rate, productive after training, held while working."""

from __future__ import annotations

import math

import simpy

from sim.errors import ModelError
from sim.records import Records


class WorkforcePool:
    """Size(t) = min(max, initial + hiring · (t − training)⁺); people are held, not consumed."""

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        initial: float,
        hiring: float,
        training: float,
        ceiling: float,
        records: Records,
    ) -> None:
        self.env = env
        self.index = index
        self.initial = initial
        self.hiring = hiring
        self.training = training
        self.ceiling = ceiling
        self.records = records
        self.held = 0.0
        self._released = env.event()
        records.workforce.append((index, 0.0, self.size(0.0)))
        if hiring > 0 and ceiling > initial:
            records.workforce.append((index, training, self.size(training)))
            records.workforce.append((index, self.time_full(), self.size(self.time_full())))

    def size(self, day: float) -> float:
        """People in the pool and productive at `day`."""
        return min(self.ceiling, self.initial + self.hiring * max(0.0, day - self.training))

    def time_full(self) -> float:
        """The day the pool reaches its ceiling (inf if it never does)."""
        if self.initial >= self.ceiling:
            return 0.0
        if self.hiring <= 0 or math.isinf(self.ceiling):
            return math.inf
        return self.training + (self.ceiling - self.initial) / self.hiring

    def available(self) -> float:
        """People free now."""
        return max(0.0, self.size(self.env.now) - self.held)

    def hold(self, people: float) -> None:
        """Hold `people` now; the caller has checked they are free."""
        if people > self.available() + 1e-9:
            raise ModelError(
                f"workforce {self.records.pools[self.index]!r} over-committed at day {self.env.now:.1f}"
            )
        self.held += people

    def release(self, people: float) -> None:
        """Give `people` back to the pool and wake whoever waits for them."""
        self.held = max(0.0, self.held - people)
        self._released.succeed()
        self._released = self.env.event()

    def freed(self, people: float) -> simpy.Event:
        """An event fired when `people` could be free: by hiring, or when someone releases."""
        short = people - self.available()
        if self.hiring > 0 and self.size(math.inf) - self.held >= people:
            # size grows linearly after training until the ceiling
            start = max(self.env.now, self.training)
            when = start + max(0.0, (self.held + people - self.size(start))) / self.hiring
            if short <= 0:
                when = self.env.now
            return self.env.any_of([self.env.timeout(max(0.0, when - self.env.now)), self._released])
        return self._released
