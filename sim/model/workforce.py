"""A workforce pool: people hired at a rate, productive after training, held while working.

Facilities short of people stake a claim; a claim outranks any later claim of equal priority and
every claim of lower priority, and nobody may take people that an outranking claim is waiting
for (so a facility that releases and asks again at once does not jump the queue)."""

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
        self._released = env.event()  # fired when people are released or a claim is withdrawn
        self._claims: dict[int, tuple[float, float]] = {}  # token -> (priority, people)
        self._seq = 0
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
            raise ModelError(f"workforce {self.records.pools[self.index]!r} over-committed at day {self.env.now:.1f}")
        self.held += people

    def release(self, people: float) -> None:
        """Give `people` back to the pool and wake whoever waits for them."""
        self.held = max(0.0, self.held - people)
        self._changed()

    def _changed(self) -> None:
        self._released.succeed()
        self._released = self.env.event()

    def claim(self, priority: float, people: float) -> int:
        """Stake a claim for `people` at `priority`; returns its token (claims are served in order)."""
        self._seq += 1
        self._claims[self._seq] = (priority, people)
        return self._seq

    def withdraw(self, token: int) -> None:
        """Drop a claim (it was served, or given up) and let the claims behind it look again."""
        if self._claims.pop(token, None) is not None:
            self._changed()

    def outranked(self, priority: float, token: int | None) -> bool:
        """Whether a waiting claim that could ever be served comes before this one."""
        ceiling = self.size(math.inf)
        for other, (p, people) in self._claims.items():
            if other == token or people > ceiling:
                continue
            if p > priority or (p == priority and (token is None or other < token)):
                return True
        return False

    def can_lend(self, people: float, priority: float, token: int | None) -> bool:
        """Whether `people` are free now for a claim (or a newcomer, token None) at `priority`."""
        return self.available() + 1e-9 >= people and not self.outranked(priority, token)

    def freed(self, people: float) -> simpy.Event:
        """An event fired when `people` could be free: by hiring, or when someone releases
        (or withdraws a claim)."""
        short = people - self.available()
        if short <= 0:  # free, but promised to an earlier claim: wait for a change
            return self._released
        if self.hiring > 0 and self.size(math.inf) - self.held >= people:
            # size grows linearly after training until the ceiling
            start = max(self.env.now, self.training)
            when = start + max(0.0, (self.held + people - self.size(start))) / self.hiring
            # at least one tick of the clock when people are short: a wait too short to register never ends
            when = self.env.now if short <= 0 else max(when, math.nextafter(self.env.now, math.inf))
            return self.env.any_of([self.env.timeout(max(0.0, when - self.env.now)), self._released])
        return self._released
