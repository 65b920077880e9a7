"""A workforce pool: people hired at a rate, productive after training, held while working,
and leaving at a yearly rate (`attrition`).

With attrition a (per day) the pool's productive people N follow dN/dt = h − a·N once the
first hires are trained (h the hiring rate; before then only −a·N), so the pool settles
where hiring equals quits, at h ÷ a, approached exponentially; never above its ceiling (at the
ceiling, hiring only replaces those who leave). People who leave come out of those free: a
facility keeps the people it holds until it releases them.

Facilities short of people stake a claim; a claim outranks any later claim of equal priority and
every claim of lower priority, and nobody may take people that an outranking claim is waiting
for (so a facility that releases and asks again at once does not jump the queue)."""

from __future__ import annotations

import math
from typing import Final

import simpy

from sim.errors import ModelError
from sim.language.units import DAYS_PER_YEAR
from sim.records import Records

#: days added to a computed time when a curve reaches a size, so that rounding never leaves it short
ROUNDING_DAYS: Final = 1e-9


#: days between the recorded sizes of a pool that loses people (its size is then a curve)
SIZE_RECORD_STEP: Final = DAYS_PER_YEAR / 12


class WorkforcePool:
    """Size(t) = min(max, initial + hiring · (t − training)⁺) without attrition, or the
    settling curve of the module docstring with it; people are held, not consumed."""

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        initial: float,
        hiring: float,
        training: float,
        ceiling: float,
        records: Records,
        attrition: float = 0.0,
    ) -> None:
        """`hiring` in people per day, `attrition` the share leaving per day."""
        self.env = env
        self.index = index
        self.initial = initial
        self.hiring = hiring
        self.training = training
        self.ceiling = ceiling
        self.attrition = attrition
        self.records = records
        self.held = 0.0
        self._released = env.event()  # fired when people are released or a claim is withdrawn
        self._claims: dict[int, tuple[float, float]] = {}  # token -> (priority, people)
        self._seq = 0
        records.workforce.append((index, 0.0, self.size(0.0)))
        if attrition > 0:  # a curve: its size each month, and when the first hires are trained
            days = [k * SIZE_RECORD_STEP for k in range(1, math.ceil(records.horizon / SIZE_RECORD_STEP) + 1)]
            if 0 < training < records.horizon and training not in days:
                days.append(training)
            for day in sorted(days):
                records.workforce.append((index, day, self.size(day)))
        elif hiring > 0 and ceiling > initial:
            records.workforce.append((index, training, self.size(training)))
            records.workforce.append((index, self.time_full(), self.size(self.time_full())))

    def size(self, day: float) -> float:
        """People in the pool and productive at `day` (at `math.inf`, where it settles)."""
        if self.attrition <= 0:
            return min(self.ceiling, self.initial + self.hiring * max(0.0, day - self.training))
        a = self.attrition
        if day <= self.training:
            return min(self.ceiling, self.initial * math.exp(-a * day))
        settled = self.hiring / a
        trained = self.initial * math.exp(-a * self.training)  # at the first hires' arrival
        return min(self.ceiling, settled + (trained - settled) * math.exp(-a * (day - self.training)))

    def reaches(self, people: float, start: float) -> float:
        """The first day from `start` (at or after training) on which the pool's size reaches
        `people`, which it must reach (less than where it settles)."""
        if self.attrition <= 0:
            return start + max(0.0, people - self.size(start)) / self.hiring
        settled = self.hiring / self.attrition
        now = self.size(start)
        if now >= people:
            return start
        return start + math.log((settled - now) / (settled - people)) / self.attrition + ROUNDING_DAYS

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
        # (with attrition the pool only nears where it settles: a size reached must lie below it)
        settles_above = self.attrition <= 0 or self.hiring / self.attrition > self.held + people
        if self.hiring > 0 and self.size(math.inf) - self.held >= people and settles_above:
            # size grows after training (linearly, or towards where it settles) until the ceiling
            start = max(self.env.now, self.training)
            when = self.reaches(self.held + people, start)
            # at least one tick of the clock when people are short: a wait too short to register never ends
            when = self.env.now if short <= 0 else max(when, math.nextafter(self.env.now, math.inf))
            return self.env.any_of([self.env.timeout(max(0.0, when - self.env.now)), self._released])
        return self._released
