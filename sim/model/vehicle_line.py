"""kind: vehicle_line — discrete vehicles started at a rate, each delivered after its build time.

The line starts vehicles in batches, one batch per start interval (`start_interval`, a week
unless the scenario says otherwise): the capacity over the interval (plus any fraction left
over) gives whole vehicles, cut to what money and materials allow. Each vehicle's build time
is drawn per vehicle (and rounded to a whole day, so that at high rates vehicles of a batch
finishing on the same day travel together); vehicles of a batch that share a build time travel
as one item of work on the facility's working clock, whose end (paused by any breakdowns) is
known when they start: their delivery is booked then, with no event of its own. So the cost
grows with start intervals, not with vehicles. Work in progress is start rate × lead time
(Little's law).

Vehicles in build at the start (`in_progress`), paid and supplied before it, are recorded as
started on day 0 and delivered each its build time (drawn per vehicle from its own stream,
`in_progress`) after the day it started, or on day 0 if that is past: a line already running
delivers from day one, whatever its own `available_from` or ramp-up.

The line's `workforce` is its crew: held while the line is starting vehicles (per interval);
vehicles already begun finish without it.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any, NamedTuple

import numpy as np

from sim.language.schema import VehicleLine as VehicleLineSpec
from sim.language.values import Uncertain
from sim.model.facility import PRODUCING, RAMPING, RatedFacility
from sim.model.orders import ORDERS
from sim.model.streams import IN_PROGRESS, facility_path
from sim.model.world import World

EPS = 1e-9


class Batch(NamedTuple):
    """One start interval's batch (`VehicleLine.size_batch`)."""

    nameplate: float  # an interval's worth at nameplate
    planned: float  # what capacity allows over the interval
    wanted: float  # whole vehicles of it, with the credit carried in
    vehicles: int  # whole vehicles money and materials allow
    cause: str | None  # what cut it, if anything
    credit: float  # the fraction of a vehicle carried on


class VehicleLine(RatedFacility):
    """A line that starts whole vehicles at its capacity and delivers each after its build time."""

    kind = "vehicle_line"

    def __init__(self, world: World, index: int, name: str, spec: VehicleLineSpec) -> None:
        path = facility_path(name)
        capacity = world.streams.value(spec.capacity, f"{path}.capacity")
        super().__init__(world, index, name, spec, capacity, world.streams.value(spec.ramp_up, f"{path}.ramp_up"))
        self.started = 0
        self.delivered = 0
        self.credit = 0.0  # fraction of a vehicle carried to the next interval
        self.start_interval: float = spec.start_interval  # days between batches of starts
        self.build_time = spec.build_time  # days from a vehicle's start to its delivery
        #: each vehicle's build time, in the order vehicles start (None: the time is fixed)
        self.build_times = world.streams.units(spec.build_time, f"{path}.build_time")
        #: (vehicles, the day they started: zero or before) in build at the start
        self.carried = [(h.vehicles, world.clock.day_of(h.since)) for h in spec.in_progress]
        #: the build times of the vehicles in build at the start (None: fixed, or none)
        self.carried_times = (
            world.streams.rng(f"{path}.build_time", IN_PROGRESS)
            if spec.in_progress and isinstance(spec.build_time, Uncertain)
            else None
        )

    @property
    def in_progress(self) -> int:
        """Vehicles started and not yet delivered (nor booked for delivery)."""
        return self.started - self.delivered

    def start(self) -> None:
        """Put the vehicles in build at the start to work, then start the line."""
        build_time, rng = self.build_time, self.carried_times
        for vehicles, since in self.carried:
            self.started += vehicles
            if self.orders is not None:  # they serve its orders too
                self.orders.start(float(vehicles), 0.0)
            self.records.starts.append((0.0, self.index, float(vehicles)))
            if isinstance(build_time, Uncertain):
                assert rng is not None
                times: list[float] = sorted(np.round(build_time.sample_many(rng, vehicles)).tolist())
            else:
                times = [build_time] * vehicles
            k = 0
            while k < len(times):  # vehicles finishing on the same day travel together
                j = k
                while j < len(times) and times[j] == times[k]:
                    j += 1
                left = since + times[k]
                self.build(left if left > 0.0 else 0.0, j - k)
                k = j
        super().start()

    def run(self) -> Generator[Any, Any, None]:
        """Start batch after batch until the horizon."""
        yield from self.wait_until_available()
        needs = dict(self.spec.workforce)
        while True:
            skip = self.fast_forward()
            if skip is not None:  # the fast path ran its intervals ahead: sleep until it next decides
                yield skip
                continue
            if self.clock.down:
                yield from self.wait_until_up()
            if needs:
                yield from self.hold_people(needs)
            batch = self.size_batch(self.env.now)
            if batch.nameplate <= 0 or (batch.wanted >= 1 and batch.vehicles == 0):
                if needs:
                    self.release_people(needs)
                if batch.nameplate <= 0:
                    yield from self.wait_for_capacity()
                else:
                    assert batch.cause is not None
                    yield from self.wait_for(batch.cause, 1.0)
                continue
            self.start_batch(batch)
            yield from self.work(self.start_interval)
            if needs:
                self.release_people(needs)

    def size_batch(self, day: float) -> Batch:
        """The batch of an interval starting at `day`: whole vehicles of the capacity over the
        interval and the credit carried in, cut to what money and materials allow."""
        step = self.start_interval
        nameplate = self.capacity.nameplate(day) * step
        planned = self.capacity.integral(day, day + step)
        (wanted,), (credit,) = whole_vehicles(self.credit, [planned])
        units, cause = self.limit_by_inputs(wanted)
        vehicles = math.floor(units + EPS)
        if self.orders is not None:
            allowed = self.orders.whole(day)
            if allowed < vehicles or (allowed == 0 and wanted >= 1):
                vehicles, cause = allowed, ORDERS
        return Batch(nameplate, planned, wanted, vehicles, cause, credit)

    def start_batch(self, batch: Batch) -> None:
        """Start the batch's vehicles now and book the interval's time to its causes."""
        step, nameplate, planned, count = self.start_interval, batch.nameplate, batch.planned, batch.vehicles
        self.credit = batch.credit
        if count > 0:
            self.start_vehicles(count)
        done = planned * (count / batch.wanted if batch.wanted else 1.0)
        self.book(PRODUCING, step * done / nameplate)
        self.book(RAMPING, step * (nameplate - planned) / nameplate)
        if batch.cause is not None and count < batch.wanted:
            self.book(batch.cause, step * (planned - done) / nameplate)

    def drawn_builds(self, counts: list[int]) -> tuple[list[int], list[float], list[float]]:
        """Build times of `counts` vehicles started in each of a run of intervals, drawn one per
        vehicle in order (rounded to a whole day) and grouped per interval and build time:
        (interval, days, vehicles) of each group, in interval then day order."""
        build_time, rng = self.build_time, self.build_times
        if not isinstance(build_time, Uncertain):
            busy = [k for k, c in enumerate(counts) if c]
            return busy, [build_time] * len(busy), [float(counts[k]) for k in busy]
        assert rng is not None
        drawn: list[float] = np.round(build_time.sample_many(rng, sum(counts))).tolist()
        intervals: list[int] = []
        days: list[float] = []
        vehicles: list[float] = []
        end = 0
        for k, count in enumerate(counts):  # (a few vehicles an interval: plain Python beats numpy here)
            if not count:
                continue
            begin, end = end, end + count
            last = None
            for day in sorted(drawn[begin:end]) if count > 1 else drawn[begin:end]:
                if day == last:
                    vehicles[-1] += 1.0
                else:
                    intervals.append(k)
                    days.append(day)
                    vehicles.append(1.0)
                    last = day
        return intervals, days, vehicles

    def start_vehicles(self, count: int) -> None:
        """Pay for and begin `count` vehicles now, each with its own build time."""
        self.pay_and_take(float(count), "vehicle")
        self.started += count
        for _, days, n in zip(*self.drawn_builds([count]), strict=True):
            self.build(days, int(n))

    def build(self, days: float, n: int) -> None:
        """Build `n` vehicles for `days` of working time from now. The day they are done is
        known now (`sim.model.breakdowns`: their days plus the repairs within them), so the
        delivery (before the horizon) is booked at the start: reaching stock needs no event of
        its own (a component store it feeds is told the day)."""
        end = self.clock.begin(days)
        if end < self.world.horizon:
            self.delivered += n
            self.records.deliveries.append((end, self.product, float(n), self.env.now, self.index))
            self.feed_store(end, float(n))


def whole_vehicles(credit: float, planned: list[float]) -> tuple[list[float], list[float]]:
    """The whole vehicles wanted in each of a run of intervals of `planned` capacity, from
    `credit` (a fraction of a vehicle) carried in, and the credit carried on after each (the
    plain process sizes one interval with it, the fast path a run of them)."""
    wanted, credits = [], []
    for p in planned:
        w = math.floor(credit + p + EPS)
        credit = credit + p - w
        if credit < 0.0:
            credit = 0.0
        wanted.append(float(w))
        credits.append(credit)
    return wanted, credits
