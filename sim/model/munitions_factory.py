"""kind: munitions_factory — flow production in lots, cut to what money and materials allow."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np

from sim.language.schema import MunitionsFactory as MunitionsFactorySpec
from sim.language.values import draw
from sim.model.curves import RateCurve
from sim.model.expansion import ExpansionPlan
from sim.model.facility import NOT_AVAILABLE, PRODUCING, RAMPING, Facility
from sim.model.world import World


class MunitionsFactory(Facility):
    """Each lot is sized to capacity over its duration, cut to money and materials at its start,
    and delivered (times the yield) when it ends."""

    kind = "munitions_factory"
    spec: MunitionsFactorySpec

    def __init__(
        self, world: World, index: int, name: str, spec: MunitionsFactorySpec, rng: np.random.Generator
    ) -> None:
        super().__init__(world, index, name, spec, rng)
        self.lot = spec.lot
        self.good_fraction = draw(spec.yield_, rng)
        self.capacity = RateCurve()
        self._capacity_changed = world.env.event()
        # A plant opened before the start has ramped up for that long already (negative days).
        opened = world.clock.day_of(spec.available_from) if spec.available_from is not None else 0.0
        self.add_capacity(opened, draw(spec.ramp_up, rng), draw(spec.capacity, rng))

    def add_capacity(self, t0: float, ramp_days: float, delta: float) -> None:
        """Installed capacity rises by `delta` per day, ramping linearly from `t0`."""
        if delta <= 0:
            return
        ramp = self.capacity.add(t0, ramp_days, delta)
        self.records.capacity.append((self.index, self.product, ramp.t0, ramp.t1, ramp.delta))
        self._capacity_changed.succeed()
        self._capacity_changed = self.env.event()

    def commission(self, plan: ExpansionPlan) -> None:
        """An expansion adds its capacity, ramping up from now."""
        self.add_capacity(self.env.now, plan.ramp_up, plan.capacity)

    def run(self) -> Generator[Any, Any, None]:
        """Produce lot after lot until the horizon."""
        yield from self.wait_until_available()
        needs = dict(self.spec.workforce)
        while True:
            if needs:
                yield from self.hold_people(needs)
            now = self.env.now
            nameplate = self.capacity.nameplate(now) * self.lot
            planned = self.capacity.integral(now, now + self.lot)
            units, cause = self.limit_by_inputs(planned)
            if nameplate <= 0 or units <= 1e-9 * planned:
                if needs:
                    self.release_people(needs)
                if nameplate <= 0:
                    yield from self.wait(self._capacity_changed, NOT_AVAILABLE)
                else:
                    assert cause is not None
                    yield from self.wait_for(cause, planned, within=self.lot)
                continue
            self.pay_and_take(units, "lot")
            self.book(PRODUCING, self.lot * units / nameplate)
            self.book(RAMPING, self.lot * (nameplate - planned) / nameplate)
            if cause is not None:
                self.book(cause, self.lot * (planned - units) / nameplate)
            yield from self.work(self.lot)
            if needs:
                self.release_people(needs)
            self.records.deliveries.append((self.env.now, self.product, units * self.good_fraction))
