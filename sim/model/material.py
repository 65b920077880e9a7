"""A material in the simulation: a stock fed continuously by its supplier, drawn by facilities.

A component store is the same stock fed instead by the deliveries of the facilities making
its product (`arrive`): one mechanism for every input a facility waits for. A delivery is
scheduled into the store when it is known (a lot's at its start, run ahead or not), so a
taker sees at any day exactly what has arrived by then, whichever path recorded it."""

from __future__ import annotations

import math
from bisect import bisect_right
from functools import partial
from typing import Any

import simpy

from sim.model.curves import RateCurve
from sim.model.ranks import RankedTimeout, succeed_at_rank
from sim.records import Records


class Material:
    """Stock = initial + supplied so far − taken; supply arrives `lead_time` after production."""

    def __init__(self, env: simpy.Environment, index: int, initial: float, lead_time: float, records: Records) -> None:
        self.env = env
        self.index = index
        self.initial = initial
        self.lead_time = lead_time
        self.records = records
        self.supply = RateCurve()
        self.taken = 0.0
        self._changed = env.event()
        self._cache: tuple[float, float] = (0.0, 0.0)  # (day, supplied by then)
        #: (arrival day, share of the supply delivered from then on), ascending: its supply's
        #: disruptions (`disrupt`)
        self.cuts: list[tuple[float, float]] = []
        #: money per unit, paid by the facility that takes it (`Facility.unit_cost`)
        self.price = 0.0
        #: expansions of its supply (Construction; no import cycle)
        self.constructions: list[Any] = []
        #: for a component store, the index of the product whose deliveries feed it
        self.product: int | None = None
        self._arrival_days: list[float] = []  # days component units arrive, ascending
        self._arrived: list[float] = []  # units arrived by each of those days

    @property
    def cause(self) -> str:
        """The waiting cause of a facility short of it: `material:<name>`, or
        `component:<product>` for a component store."""
        return f"{'material' if self.product is None else 'component'}:{self.name}"

    def arrive(self, day: float, amount: float) -> None:
        """Component units that reach the store on `day` (now or later); takers waiting here
        re-check if it comes before the next arrival they know of."""
        if amount <= 0:
            return
        days, arrived = self._arrival_days, self._arrived
        now: float = self.env.now
        following = bisect_right(days, now)
        # a taker waiting here wakes at the first arrival after now: only an earlier one changes that
        wakes = following == len(days) or day < days[following]
        k = bisect_right(days, day)
        days.insert(k, day)
        arrived.insert(k, (arrived[k - 1] if k else 0.0) + amount)
        for j in range(k + 1, len(arrived)):  # (later arrivals, scheduled before this one: rare)
            arrived[j] += amount
        if wakes:
            self._changed.succeed()
            self._changed = self.env.event()

    def arrived(self, day: float) -> float:
        """Component units arrived by `day` (0 for a material fed by supply)."""
        k = bisect_right(self._arrival_days, day)
        return self._arrived[k - 1] if k else 0.0

    @property
    def name(self) -> str:
        """The material's name in the scenario."""
        return self.records.materials[self.index]

    def add_supply(self, t0: float, ramp_days: float, delta: float) -> None:
        """More supply rate produced from `t0` (it arrives a lead time later), cut by its
        disruptions (`disrupt`) where they apply."""
        for a, days, d in cut_ramp(t0 + self.lead_time, ramp_days, delta, self.cuts):
            ramp = self.supply.add(a, days, d)
            self.records.supply.append((self.index, ramp.t0, ramp.t1, ramp.delta))
        self._cache = (0.0, 0.0)
        self._changed.succeed()
        self._changed = self.env.event()

    def disrupt(self, periods: list[tuple[float, float, float]]) -> None:
        """Its supply delivers only `fraction` of its rate from `start` to `end` (days of
        production; the deepest cut where periods overlap), whatever the rate then: set before
        any supply is added."""
        days = sorted({t + self.lead_time for start, end, _ in periods for t in (start, end)})
        self.cuts = []
        for day in days:
            share = 1.0
            for start, end, fraction in periods:
                if start <= day - self.lead_time < end and fraction < share:
                    share = fraction
            if share != (self.cuts[-1][1] if self.cuts else 1.0):
                self.cuts.append((day, share))

    def supplied(self, day: float) -> float:
        """Everything that has arrived by `day` (cached: facilities ask many times per instant)."""
        cached_day, cached = self._cache
        if day == cached_day:
            return cached
        value = self.supply.integral(0.0, day)
        self._cache = (day, value)
        return value

    def available(self, day: float) -> float:
        """Stock on hand at `day`."""
        cached_day, supplied = self._cache
        if day != cached_day:
            supplied = self.supplied(day)
        stock = self.initial + supplied - self.taken
        if self._arrival_days:
            stock += self.arrived(day)
        return stock if stock > 0.0 else 0.0

    def take(self, amount: float, day: float | None = None) -> None:
        """Take `amount` now (or at `day`, for a lot run ahead), or what is in stock if that is
        less (callers have sized their work to the stock: the difference is rounding)."""
        when: float = self.env.now if day is None else day
        have = self.available(when)
        if have < amount:  # (a comparison, not `min`: asked at every lot)
            amount = have
        if amount > 0:
            self.taken += amount
            self.records.takes.append((when, self.index, amount))

    def time_when_available(self, amount: float, day: float | None = None) -> float:
        """The earliest day from now (or from `day`) on which `amount` will be in stock if
        nobody else takes any."""
        now: float = self.env.now if day is None else day
        short = amount - self.available(now)
        if short <= 0:
            return now
        # at least one tick of the clock: a wait too short to register would repeat at the same instant forever
        return max(self.supply.time_to_accumulate(now, short), math.nextafter(now, math.inf))

    def wake_day(self, amount: float, within: float = math.inf, day: float | None = None) -> float:
        """When a taker that starts waiting now (or at `day`) for `amount` wakes, unless supply
        changes first: when the amount is in stock, or, if supply is flowing, after `within`
        days at most (so a waiting factory can start a partial lot instead of waiting for a
        whole lot's worth it may never see); inf: only when supply changes."""
        now: float = self.env.now if day is None else day
        if self.product is not None:  # a store: at the next arrival (a partial lot may start then)
            if self.available(now) >= amount:
                return now
            k = bisect_right(self._arrival_days, now)
            return self._arrival_days[k] if k < len(self._arrival_days) else math.inf
        when = self.time_when_available(amount, now)
        if self.supply.value(now) > 0:
            when = min(when, now + within)
        return when

    def arrival(self, when: float, rank: int) -> simpy.Event:
        """An event fired at `when` (a `wake_day`) or when supply changes, either at the
        waiter's `rank` among its instant: a change made by another facility acting at that
        instant (an arrival it books, say) lets no waiter act before those ranked above it."""
        changed = self.env.event()
        self._changed.callbacks.append(partial(_wake_at_rank, changed, rank))
        if math.isinf(when):
            return changed
        return self.env.any_of([RankedTimeout(self.env, max(0.0, when - self.env.now), rank), changed])


def _wake_at_rank(event: simpy.Event, rank: int, _: simpy.Event) -> None:
    """`Material.arrival`'s wake on a change, at the waiter's rank, if it still waits."""
    if event.callbacks:  # (its wait ended otherwise: nobody listens)
        succeed_at_rank(event, None, rank)


def cut_ramp(
    t0: float, ramp_days: float, delta: float, cuts: list[tuple[float, float]]
) -> list[tuple[float, float, float]]:
    """A ramp (rising by `delta` over `ramp_days` from `t0`) times a step share (`cuts`: from
    each day on, this share; 1 before the first) as ramps (t0, ramp days, delta) whose sum is
    exactly that product: the ramp, then at each cut day the change of share times the part of
    the ramp from that day on (a step of what it has reached, and the rest of its rise)."""
    out = [(t0, ramp_days, delta)]
    before = 1.0
    t1 = t0 + max(ramp_days, 0.0)
    for day, share in cuts:
        c = share - before
        before = share
        if c == 0:
            continue
        if day <= t0:
            out.append((t0, ramp_days, c * delta))
        elif day >= t1:
            out.append((day, 0.0, c * delta))
        else:
            reached = (day - t0) / (t1 - t0)
            out.append((day, 0.0, c * delta * reached))
            out.append((day, t1 - day, c * delta * (1 - reached)))
    return out
