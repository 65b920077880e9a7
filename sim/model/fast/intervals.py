"""The fast path of a vehicle line: its start intervals run ahead, all at once, while nothing
but its own starts can change what it may start (`Runner.run_ahead_until`), up to the first
that money or material would cut or a failure would pause (`WorkClock.next_failure`), each
exactly as the interval-by-interval path would."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.fast.path import RatedRunner, rated_units
from sim.model.fast.runs import book_run, over_steps, steps_before, uncut_run
from sim.model.vehicle_line import whole_vehicles

if TYPE_CHECKING:
    from sim.model.vehicle_line import VehicleLine


class IntervalRunner(RatedRunner):
    """A vehicle line's start intervals, run ahead alone."""

    facility: VehicleLine

    def run_ahead(self) -> float:
        """Run, at once, each start interval from now that begins before it may be cut, ends
        before the horizon and that nothing (money, materials, open orders) cuts;
        returns when the last ends (now if none)."""
        f = self.facility
        now: float = f.env.now
        if self.ahead_until > now:
            return self.ahead_until
        until = self.run_ahead_until()
        if until <= now:
            return now
        step = f.start_interval
        failure = f.clock.next_failure()
        stop = min(until, f.world.horizon - step, failure - step)
        days = steps_before(now, stop, step)  # the last intervals, and one a failure pauses, go step by step
        if not days:
            return now
        nameplates, planned = over_steps(f.capacity, now, step, len(days))
        if nameplates[0] <= 0:  # no capacity yet (nameplate never falls: later intervals have some)
            return now
        wanted, credits = whole_vehicles(f.credit, planned)
        if f.orders is not None:
            del days[self.ordered(days, wanted) :]
            if not days:
                return now
        counts = uncut_run(f, days, wanted[: len(days)], "vehicle")
        n = len(counts)
        if n == 0:
            return now
        f.credit = credits[n - 1]
        book_run(f, step, nameplates[:n], planned[:n], planned[:n])
        self.ahead_until = days[n - 1] + step
        f.clock.begin(self.ahead_until - now)  # its intervals' working time (no failure comes first)
        self.build_run(days[:n], [int(c) for c in counts])
        return self.ahead_until

    def max_units(self, a: float, b: float) -> float:
        """At least how many vehicles it could start in intervals beginning in [a, b]."""
        f = self.facility
        return rated_units(f, a, b, f.start_interval, f.credit + 1.0)

    def ordered(self, days: list[float], wanted: list[float]) -> int:
        """How many of a run of intervals (`wanted` vehicles at each of `days`) its open orders
        allow in full (call-offs are placed on known days), one after another (`OrderBook.whole`, as
        `VehicleLine.size_batch` cuts a batch); the first they would cut goes step by step.
        The book is left as it was."""
        book = self.facility.orders
        assert book is not None
        started, n = book.started, 0
        for day, vehicles in zip(days, wanted, strict=False):
            if book.whole(day) < vehicles:
                break
            book.start(vehicles, day)
            n += 1
        book.started = started
        return n

    def build_run(self, starts: list[float], counts: list[int]) -> None:
        """`VehicleLine.start_vehicles`' builds for a run of intervals started ahead: the same
        draws, in the same order, and one delivery per interval and build time, booked now at
        the day it is done (`VehicleLine.build`: on a line that breaks down, its days plus the
        repairs within it, known when it begins on the working clock)."""
        f = self.facility
        f.started += sum(counts)
        horizon = f.world.horizon
        interval, days, vehicles = f.drawn_builds(counts)
        began = [starts[k] for k in interval]
        clock = f.clock
        if clock.breakdowns is None:
            ends = [b + d for b, d in zip(began, days, strict=True)]
        else:  # (begun in time order: the intervals' work is on the clock until the last ends)
            ends = [clock.begin(d, b) for b, d in zip(began, days, strict=True)]
        if ends and max(ends) >= horizon:  # vehicles still in the hall at the horizon are not delivered
            kept = [k for k, end in enumerate(ends) if end < horizon]
            ends, vehicles, began = [ends[k] for k in kept], [vehicles[k] for k in kept], [began[k] for k in kept]
        f.delivered += int(sum(vehicles))
        f.records.deliveries.add_run(ends, f.product, vehicles, began, f.index)
        if f.store is not None:
            for end, n in zip(ends, vehicles, strict=True):
                f.store.arrive(end, float(n))
