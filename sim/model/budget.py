"""A budget in the simulation: money arriving each fiscal year, committed as work starts."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator
from typing import Any

import simpy

from sim.errors import ModelError
from sim.records import Records

EPS = 1e-9
LAPSE_ROUNDING = 1e-12  # of the year's appropriation: a balance below it is rounding, not money


class Budget:
    """A pot of money that never goes below zero; work that cannot be paid waits for money."""

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        schedule: list[tuple[float, int, float]],
        carry_over: bool,
        inflation: float,
        records: Records,
    ) -> None:
        self.env = env
        self.index = index
        self.schedule = schedule
        self.carry_over = carry_over
        self.inflation = inflation
        self.records = records
        self.balance = 0.0
        self._year_starts = [day for day, _, _ in schedule[1:]]
        #: the multiplier of each fiscal year (asked at every lot and every cover search)
        self._multipliers = [float((1 + inflation) ** k) for k in range(len(schedule) + 1)]
        #: the fiscal year `cost_multiplier` found last, [from, until), and its multiplier: most
        #: asks fall in it
        self._year_from, self._year_until, self._year_multiplier = -math.inf, -math.inf, 1.0
        self._waiters: list[tuple[float, int, simpy.Event]] = []
        self._seq = 0
        self.received = 0  # appropriations received so far
        #: expansions whose capex is still to pay -> the earliest day they may commit it
        self.capex_due: dict[int, float] = {}
        env.process(self.appropriate_funds())

    def cost_multiplier(self, day: float) -> float:
        """Inflation: (1 + inflation)^k in the k-th fiscal year after the one containing start."""
        if not self.inflation:
            return 1.0
        if self._year_from <= day < self._year_until:
            return self._year_multiplier
        starts = self._year_starts
        k = bisect_right(starts, day)
        self._year_from = starts[k - 1] if k else -math.inf
        self._year_until = starts[k] if k < len(starts) else math.inf
        self._year_multiplier = self._multipliers[k]
        return self._year_multiplier

    def appropriate_funds(self) -> Generator[Any, Any, None]:
        """Receive each fiscal year's appropriation; without carry-over, unspent money lapses."""
        last = 0.0
        for day, year, amount in self.schedule:
            if day > self.env.now:
                yield self.env.timeout(day - self.env.now)
            # what is left of a year's money lapses, unless it is rounding (it is then kept, so
            # the books still balance exactly whichever order the lots were paid in)
            if not self.carry_over and day > 0 and self.balance > LAPSE_ROUNDING * last:
                self.records.lapses.append((self.env.now, self.index, self.balance))
                self.balance = 0.0
            self.balance += amount
            last = amount
            self.received += 1
            self.records.appropriations.append((self.env.now, self.index, year, amount))
            self._wake_waiters()

    def next_appropriation(self, day: float) -> float:
        """The first appropriation (and lapse) strictly after `day`; inf if none is left."""
        i = bisect_right(self._year_starts, day)
        return self._year_starts[i] if i < len(self._year_starts) else math.inf

    def commit(self, amount: float, facility: int, what: str, day: float | None = None) -> None:
        """Commit money to work that starts now (or at `day`, for a lot run ahead while nobody
        else can spend); the caller has checked that it is there."""
        if amount <= 0:
            return
        when: float = self.env.now if day is None else day
        if amount > self.balance * (1 + 1e-9) + EPS:
            raise ModelError(
                f"budget {self.records.budgets[self.index]!r} would go negative at day {when:.1f}: "
                f"commit {amount:.2f} with {self.balance:.2f} available"
            )
        left = self.balance - amount
        self.balance = left if left > 0.0 else 0.0
        self.records.spending.append((when, self.index, facility, amount, what))

    @property
    def has_waiters(self) -> bool:
        """Whether anyone waits for the next appropriation."""
        return bool(self._waiters)

    def funds_arrived(self, priority: float) -> simpy.Event:
        """An event fired at the next appropriation; waiters wake by priority, then in order."""
        event = self.env.event()
        self._seq += 1
        self._waiters.append((-priority, self._seq, event))
        return event

    def _wake_waiters(self) -> None:
        waiters, self._waiters = sorted(self._waiters, key=lambda w: (w[0], w[1])), []
        for _, _, event in waiters:
            event.succeed()
