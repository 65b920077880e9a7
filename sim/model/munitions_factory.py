"""kind: munitions_factory — flow production in lots, cut to what money and materials allow.

Lots are sized by time, so the cost grows with lots, not shells. Each lot holds its people,
is sized to capacity over its duration, cut to what money and materials allow at its start
(or waits for what it lacks), works for the lot's duration and delivers, times the yield, at
its end. The fast path (`sim.model.fast`) may run many lots in one event, exactly as here.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sim.language.schema import MunitionsFactory as MunitionsFactorySpec
from sim.model.facility import PRODUCING, RAMPING, ROUNDING, RatedFacility
from sim.model.orders import ORDERS
from sim.model.world import World


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

    def run(self) -> Generator[Any, Any, None]:
        """Produce lot after lot until the horizon."""
        yield from self.wait_until_available()
        needs = dict(self.spec.workforce)
        while True:
            skip = self.fast_forward()
            if skip is not None:  # the fast path ran its lots ahead: sleep until it next decides
                yield skip
                continue
            if needs:
                yield from self.hold_people(needs)
            now: float = self.env.now
            nameplate, planned, units, cause = self.size_lot(now)
            if not self.startable(nameplate, planned, units):
                if needs:
                    self.release_people(needs)
                if nameplate <= 0:
                    yield from self.wait_for_capacity()
                else:
                    assert cause is not None
                    yield from self.wait_for(cause, planned)
                continue
            self.start_lot(nameplate, planned, units, cause)
            end = self.begin_work(self.lot)
            self.feed_store(end, units * self.good_fraction)  # (its end is known now: it reaches a store then)
            yield from self.work(self.lot, end=end)
            if needs:
                self.release_people(needs)
            self.records.deliveries.append((self.env.now, self.product, units * self.good_fraction, now, self.index))

    @staticmethod
    def startable(nameplate: float, planned: float, units: float) -> bool:
        """Whether a lot sized by `size_lot` can start: the factory has capacity, and money and
        materials allow more than a rounding's worth of it (else it waits)."""
        return nameplate > 0 and units > ROUNDING * planned

    def size_lot(self, day: float) -> tuple[float, float, float, str | None]:
        """A lot starting at `day`: a lot's worth at nameplate, what capacity allows over the
        lot (planned), and the units open orders (if its product has any), money and materials
        allow, with the cause of any cut."""
        nameplate = self.capacity.nameplate(day) * self.lot
        planned = self.capacity.integral(day, day + self.lot)
        if self.orders is None:
            units, cause = self.limit_by_inputs(planned, day)
            return nameplate, planned, units, cause
        wanted = self.orders.allows(planned, self.good_fraction, day)
        if wanted <= 0.0:
            return nameplate, planned, 0.0, ORDERS
        units, cause = self.limit_by_inputs(wanted, day)
        return nameplate, planned, units, cause if cause is not None or wanted >= planned else ORDERS

    def start_lot(
        self, nameplate: float, planned: float, units: float, cause: str | None, day: float | None = None
    ) -> None:
        """Pay for and start `units` now (or at `day`, run ahead), booking the lot's time to its causes."""
        self.pay_and_take(units, "lot", day)
        lot = self.lot
        self.book(PRODUCING, lot * units / nameplate)
        self.book(RAMPING, lot * (nameplate - planned) / nameplate)
        if cause is not None:
            self.book(cause, lot * (planned - units) / nameplate)
