"""kind: munitions_factory — flow production in lots, cut to what money and materials allow.

Lots are sized by time, so the cost grows with lots, not shells. When nothing but its own lots
can change what it may start (`Facility.run_ahead_until`), the factory runs the lots up to
then ahead in one SimPy event, up to the first that money or material would cut; lots that are
cut run in lockstep with the other takers of its materials, or alone (`sim.model.lockstep`).
Either way each lot is sized, paid, taken, recorded and booked at its own start and end exactly
as the lot-by-lot path would. With `Facility.skip_events` off (REARM_EVENT_SKIPPING=0) it makes
one event per lot: the reference path the tests compare against.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any, Final

from sim.language.schema import MunitionsFactory as MunitionsFactorySpec
from sim.model.facility import MONEY, NOT_AVAILABLE, PRODUCING, RAMPING, ROUNDING, RatedFacility
from sim.model.lockstep import run_together, takers_together
from sim.model.world import World

#: a factory that shares its materials runs ahead alone only for at least this many lots
SHORT_RUN_LOTS: Final = 4


class MunitionsFactory(RatedFacility):
    """Each lot is sized to capacity over its duration, cut to money and materials at its start,
    and delivered (times the yield) when it ends."""

    kind = "munitions_factory"

    def __init__(self, world: World, index: int, name: str, spec: MunitionsFactorySpec) -> None:
        super().__init__(world, index, name, spec)
        self.lot: float = spec.lot
        streams, path = world.streams, self.path
        self.good_fraction = streams.value(spec.yield_, f"{path}.yield")
        # A plant opened before the start has ramped up for that long already (negative days).
        ramp_up = streams.value(spec.ramp_up, f"{path}.ramp_up")
        self.add_capacity(self.opened, ramp_up, streams.value(spec.capacity, f"{path}.capacity") * self.achieved)
        #: when it next decides what to start unless something outside its lockstep group
        #: changes (inf: not before its own expansion comes on line; None: it waits for money
        #: or people): see `sim.model.lockstep`
        self.next_start: float | None = self.available_from
        #: the factories it runs in lockstep with, itself included (empty: it cannot), once
        #: `takers_together` has found them
        self.group: list[MunitionsFactory] | None = None

    def run(self) -> Generator[Any, Any, None]:
        """Produce lot after lot until the horizon."""
        yield from self.wait_until_available()
        needs = dict(self.spec.workforce)
        # lots that money or material cut run in lockstep with the other takers of its materials
        # (or alone), without an event each; a factory that holds people goes lot by lot
        together = takers_together(self, MunitionsFactory) if not needs else []
        shared = len(together) > 1
        while True:
            now: float = self.env.now
            if self.ahead_until > now:  # its lots up to then are started (alone or together)
                self.next_start = self.ahead_until
                yield self.after(self.ahead_until - now)
                continue
            self.next_start = None
            until = self.run_ahead_until()
            # a run of a few lots alone costs more than the same lots in lockstep with the
            # other takers (which runs on as far as nothing outside them interferes)
            short = shared and until < now + SHORT_RUN_LOTS * self.lot
            if until > now and not short and self.run_ahead(until) > now:
                continue
            if together and run_together(self, together):
                continue
            if needs:
                yield from self.hold_people(needs)
            now = self.env.now
            nameplate, planned, units, cause = self.size_lot(now)
            if not self.startable(nameplate, planned, units):
                if needs:
                    self.release_people(needs)
                if nameplate <= 0:  # until an expansion of its own comes on line
                    self.next_start = math.inf
                    yield from self.wait(self._capacity_changed, NOT_AVAILABLE)
                else:
                    assert cause is not None
                    # it wakes then unless supply changes (None: when money or people come, not known)
                    unknown = needs or cause == MONEY
                    self.next_start = None if unknown else self.material_wake(cause, planned, now)
                    yield from self.wait_for(cause, planned)
                continue
            self.start_lot(nameplate, planned, units, cause)
            self.next_start = now + self.lot
            yield from self.work(self.lot)
            if needs:
                self.release_people(needs)
            self.records.deliveries.append((self.env.now, self.product, units * self.good_fraction, now))

    @staticmethod
    def startable(nameplate: float, planned: float, units: float) -> bool:
        """Whether a lot sized by `size_lot` can start: the factory has capacity, and money and
        materials allow more than a rounding's worth of it (else it waits)."""
        return nameplate > 0 and units > ROUNDING * planned

    def size_lot(self, day: float) -> tuple[float, float, float, str | None]:
        """A lot starting at `day`: a lot's worth at nameplate, what capacity allows over the
        lot (planned), and the units money and materials allow, with the cause of any cut."""
        nameplate = self.capacity.nameplate(day) * self.lot
        planned = self.capacity.integral(day, day + self.lot)
        units, cause = self.limit_by_inputs(planned, day)
        return nameplate, planned, units, cause

    def material_wake(self, cause: str, planned: float, day: float) -> float:
        """When a wait from `day` for what `cause` names, for a lot of `planned`, ends unless
        supply changes (`Material.wake_day`); inf when it waits for money."""
        if cause == MONEY:
            return math.inf
        material = self.materials[cause.split(":", 1)[1]]
        return material.wake_day(planned * self.consumes[material.name], math.inf, day)

    def start_lot(
        self, nameplate: float, planned: float, units: float, cause: str | None, day: float | None = None
    ) -> None:
        """Pay for and start `units` now (or at `day`, run ahead), booking the lot's time to its causes."""
        if day is None:
            self.pay_and_take(units, "lot")
        else:
            self.pay_and_take(units, "lot", day)
        lot = self.lot
        self.book(PRODUCING, lot * units / nameplate)
        self.book(RAMPING, lot * (nameplate - planned) / nameplate)
        if cause is not None:
            self.book(cause, lot * (planned - units) / nameplate)

    def max_units(self, a: float, b: float) -> float:
        """At least how many units its lots starting in [a, b] could hold."""
        return self.rated_units(a, b, self.lot, 0.0)

    def run_ahead(self, until: float) -> float:
        """Start, and record the delivery of, each lot from now that starts before `until`, ends
        before the horizon and that nothing cuts, all at once; returns when the last ends (now
        if none). Each lot is sized, paid, taken, delivered and booked exactly as `run` would."""
        lot = self.lot
        now: float = self.env.now
        stop = min(until, self.world.horizon - lot)
        days = self.steps_before(stop, lot)
        if not days:
            return now
        nameplates, planned = self.capacity.over_steps(now, lot, len(days))
        if min(nameplates) <= 0 or min(planned) <= 0:  # it stops before the first lot without capacity
            del days[next(k for k, (a, b) in enumerate(zip(nameplates, planned, strict=True)) if a <= 0 or b <= 0) :]
            if not days:
                return now
        units = self.uncut_run(days, planned[: len(days)])
        n = len(units)
        if n == 0:
            return now
        self.book_run(lot, nameplates[:n], units)
        ends = [day + lot for day in days[:n]]
        good = self.good_fraction
        self.records.deliveries.add_run(ends, self.product, [u * good for u in units], days[:n])
        self.ahead_until = ends[-1]
        return self.ahead_until
