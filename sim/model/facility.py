"""What every facility kind shares: its budget, materials, people, breakdowns, expansions and
the booking of its time to producing or to each cause of waiting."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any, ClassVar

import numpy as np

from sim.language.schema import FacilityBase
from sim.language.values import Uncertain, draw
from sim.model.budget import Budget
from sim.model.expansion import ExpansionPlan, build_expansion
from sim.model.learning import UnitCost
from sim.model.material import Material
from sim.model.world import World

NOT_AVAILABLE = "not_available"
PRODUCING = "producing"
MONEY = "money"
DOWN = "down"
RAMPING = "ramping"


def material_cause(name: str) -> str:
    """The waiting cause for a material."""
    return f"material:{name}"


def workforce_cause(name: str) -> str:
    """The waiting cause for a workforce pool."""
    return f"workforce:{name}"


class Facility:
    """Base of the facility kinds: one instance per facility per replication."""

    kind: ClassVar[str]

    def __init__(self, world: World, index: int, name: str, spec: FacilityBase, rng: np.random.Generator) -> None:
        self.world = world
        self.env = world.env
        self.records = world.records
        self.index = index
        self.name = name
        self.spec = spec
        self.rng = rng
        self.product = world.records.products.index(spec.product)
        self.budget: Budget = world.budgets[spec.budget]
        self.materials: dict[str, Material] = {m: world.materials[m] for m in spec.consumes}
        self.priority = spec.priority
        self.available_from = (
            max(0.0, world.clock.day_of(spec.available_from)) if spec.available_from is not None else 0.0
        )
        cost = spec.unit_cost
        if hasattr(cost, "first_unit"):
            self.unit_cost = UnitCost(draw(cost.first_unit, rng), draw(cost.learning, rng))
        else:
            self.unit_cost = UnitCost(draw(cost, rng))
        self.consumes = {m: draw(v, rng) for m, v in spec.consumes.items()}
        self.made = 0.0
        self.expansion_plans = [ExpansionPlan.draw(e, world, rng) for e in spec.expansions]
        self._breakdowns = spec.breakdowns
        self._time_to_failure = self._draw_failure() if spec.breakdowns else math.inf

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the facility's processes."""
        self.env.process(self.run())
        for plan in self.expansion_plans:
            self.env.process(
                build_expansion(self.world, self.name, plan, self.budget, self.priority, self.index, self.commission)
            )

    def run(self) -> Generator[Any, Any, None]:
        """The facility's main process."""
        raise NotImplementedError

    def commission(self, plan: ExpansionPlan) -> None:
        """An expansion comes on line now."""
        raise NotImplementedError

    # -- time booking ---------------------------------------------------------------------
    def book(self, cause: str, days: float) -> None:
        """Book `days` of this facility's time to `cause`."""
        self.records.use_time(self.index, cause, days)

    def wait(self, event: Any, cause: str) -> Generator[Any, Any, None]:
        """Wait for `event`, booking the time to `cause`."""
        began = self.env.now
        yield event
        self.book(cause, self.env.now - began)

    def wait_until_available(self) -> Generator[Any, Any, None]:
        """Before `available_from`, the facility does not exist yet."""
        if self.available_from > self.env.now:
            yield from self.wait(self.env.timeout(self.available_from - self.env.now), NOT_AVAILABLE)

    # -- money and material -----------------------------------------------------------------
    def affordable_units(self) -> float:
        """Units the budget can pay for now, given learning and inflation."""
        money = self.budget.balance / self.budget.cost_multiplier(self.env.now)
        return self.unit_cost.affordable(self.made, money)

    def limit_by_inputs(self, wanted: float) -> tuple[float, str | None]:
        """Cut `wanted` units to what money and each material allow now, naming the cause."""
        units, cause = wanted, None
        money_units = self.affordable_units()
        if money_units < units:
            units, cause = money_units, MONEY
        for mname, use in self.consumes.items():
            if use > 0:
                can = self.materials[mname].available(self.env.now) / use
                if can < units:
                    units, cause = can, material_cause(mname)
        return max(0.0, units), cause

    def wait_for(self, cause: str, wanted: float) -> Generator[Any, Any, None]:
        """Wait until the input named by `cause` may allow `wanted` units."""
        if cause == MONEY:
            yield from self.wait(self.budget.funds_arrived(self.priority), MONEY)
        else:
            mname = cause.split(":", 1)[1]
            yield from self.wait(self.materials[mname].arrival(wanted * self.consumes[mname]), cause)

    def pay_and_take(self, units: float, what: str) -> None:
        """Commit the money and take the materials for `units` started now."""
        cost = self.unit_cost.cost(self.made, units) * self.budget.cost_multiplier(self.env.now)
        self.budget.commit(min(cost, self.budget.balance), self.index, what)
        for mname, use in self.consumes.items():
            self.materials[mname].take(min(units * use, self.materials[mname].available(self.env.now)))
        self.made += units
        self.records.starts.append((self.env.now, self.index, units))

    # -- people -------------------------------------------------------------------------------
    def hold_people(self, needs: dict[str, int]) -> Generator[Any, Any, None]:
        """Wait until every pool in `needs` can lend its people, then hold them."""
        while True:
            short = next((p for p, n in needs.items() if self.world.pools[p].available() + 1e-9 < n), None)
            if short is None:
                break
            yield from self.wait(self.world.pools[short].freed(needs[short]), workforce_cause(short))
        for pool, n in needs.items():
            self.world.pools[pool].hold(n)

    def release_people(self, needs: dict[str, int]) -> None:
        """Give back people held by `hold_people`."""
        for pool, n in needs.items():
            self.world.pools[pool].release(n)

    # -- breakdowns ---------------------------------------------------------------------------
    def _draw_failure(self) -> float:
        assert self._breakdowns is not None
        mtbf = self._breakdowns.mtbf
        return draw(mtbf, self.rng) if isinstance(mtbf, Uncertain) else float(self.rng.exponential(mtbf))

    def _draw_repair(self) -> float:
        assert self._breakdowns is not None
        mttr = self._breakdowns.mttr
        return draw(mttr, self.rng) if isinstance(mttr, Uncertain) else float(self.rng.exponential(mttr))

    def work(self, days: float) -> Generator[Any, Any, None]:
        """Spend `days` of working time; a breakdown pauses the work, which then resumes.
        Time to failure counts working time only; repair time is booked as 'down'."""
        remaining = days
        while remaining > 1e-12:
            if self._time_to_failure > remaining:
                self._time_to_failure -= remaining
                yield self.env.timeout(remaining)
                return
            yield self.env.timeout(self._time_to_failure)
            remaining -= self._time_to_failure
            yield from self.wait(self.env.timeout(self._draw_repair()), DOWN)
            self._time_to_failure = self._draw_failure()
