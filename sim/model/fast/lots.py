"""The fast path of a munitions factory: its lots run ahead, all at once, while nothing but
its own lots can change what it may start (`Runner.run_ahead_until`), up to the first that
money or material would cut or a failure would pause (`WorkClock.next_failure`); lots that
are cut run in lockstep with the other takers of its materials, or alone
(`sim.model.fast.lockstep`). Either way each lot is sized, paid, taken,
recorded and booked at its own start and end exactly as the lot-by-lot path would."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.fast.lockstep import run_together, takers_together
from sim.model.fast.path import FastPath, RatedRunner, rated_units
from sim.model.fast.runs import book_run, ordered_run, over_steps, steps_before, uncut_run
from sim.model.orders import ORDERS

if TYPE_CHECKING:
    from sim.model.munitions_factory import MunitionsFactory

#: a factory that shares its materials runs ahead alone only for at least this many lots
SHORT_RUN_LOTS = 4


class LotRunner(RatedRunner):
    """A munitions factory's lots, run ahead alone or in lockstep."""

    facility: MunitionsFactory

    def __init__(self, facility: MunitionsFactory, path: FastPath, declined: bool = False) -> None:
        super().__init__(facility, path, declined)
        #: the factories it runs in lockstep with, itself included (empty: it cannot), once
        #: `takers_together` has found them
        self.group: list[LotRunner] | None = None
        self.people = bool(facility.spec.workforce)

    def run_ahead(self) -> float:
        """Its lots up to when it next decides, started (alone or together); now if none."""
        f = self.facility
        now: float = f.env.now
        if self.ahead_until > now:
            return self.ahead_until
        if self.people:  # a factory that holds people goes lot by lot
            return now
        together = self.group if self.group is not None else takers_together(self)
        # (a factory whose product's book others share never runs alone: their lots cut its own)
        until = now if self.path.shares_book(self) else self.run_ahead_until()
        # a run of a few lots alone costs more than the same lots in lockstep with the other
        # takers (which runs on as far as nothing outside them interferes)
        short = until < now + SHORT_RUN_LOTS * f.lot and len(together) > 1
        if until > now and not short and self.run_alone(until) > now:
            return self.ahead_until
        if together and run_together(self, together):
            return self.ahead_until
        return now

    def max_units(self, a: float, b: float) -> float:
        """At least how many units its lots starting in [a, b] could hold."""
        return rated_units(self.facility, a, b, self.facility.lot, 0.0)

    def run_alone(self, until: float) -> float:
        """Start, and record the delivery of, each lot from now that starts before `until`, ends
        before the horizon and the next failure and that neither money nor materials cut (open
        orders may: a product one factory makes has a book that only its lots and the call-offs,
        known days, change), all at once; returns when
        the last ends, or when the next call-off is placed if it then finds no open orders
        (now if none). Each lot is sized, paid, taken, delivered and booked exactly
        as the lot-by-lot path would, and its working time counted on the factory's clock."""
        f = self.facility
        lot = f.lot
        now: float = f.env.now
        stop = min(until, f.world.horizon - lot, f.clock.next_failure() - lot)
        days = steps_before(now, stop, lot)
        if not days:
            return now
        nameplates, planned = over_steps(f.capacity, now, lot, len(days))
        if min(nameplates) <= 0 or min(planned) <= 0:  # it stops before the first lot without capacity
            del days[next(k for k, (a, b) in enumerate(zip(nameplates, planned, strict=True)) if a <= 0 or b <= 0) :]
            if not days:
                return now
        wanted = planned[: len(days)] if f.orders is None else ordered_run(f, days, planned[: len(days)])
        units = uncut_run(f, days[: len(wanted)], wanted) if wanted else []
        n = len(units)
        if n == 0:
            return now
        book_run(f, lot, nameplates[:n], planned[:n], units)
        ends = [day + lot for day in days[:n]]
        good = f.good_fraction
        made = [u * good for u in units]
        f.records.deliveries.add_run(ends, f.product, made, days[:n], f.index)
        if f.store is not None:
            for end, units_made in zip(ends, made, strict=True):
                f.store.arrive(end, units_made)
        self.ahead_until = ends[-1]
        f.clock.begin(self.ahead_until - now)  # its working time, counted now (no failure comes first)
        if f.orders is not None and n == len(wanted) < len(days):  # the next lot may find no open orders
            self.wait_for_orders()
        return self.ahead_until

    def wait_for_orders(self) -> None:
        """If, after its run, the factory's next lot finds no open orders (`size_lot`), it
        sleeps until the next call-off is placed, booking `orders`, as
        `Facility.wait_for_orders` would (unless that comes at the horizon or later: then it
        waits step by step)."""
        f = self.facility
        assert f.orders is not None
        day = self.ahead_until
        nameplate, _, units, cause = f.size_lot(day)  # (the plain rule: orders are asked first)
        placed = f.orders.next_placement(day)
        if nameplate > 0 and units <= 0 and cause == ORDERS and day < placed < f.world.horizon:
            f.book(ORDERS, placed - self.ahead_until)
            self.ahead_until = placed
