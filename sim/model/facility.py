"""What every facility kind shares: its budget, materials, people, breakdowns, expansions and
the booking of its time to producing or to each cause of waiting.

Waits and work still open at the horizon are booked by `close`, so a facility that waits for
ever (say, for a material with no supply) shows that cause in its time use."""

from __future__ import annotations

import math
import os
from collections.abc import Generator
from typing import Any, ClassVar

import numpy as np

from sim.language.schema import FacilityBase
from sim.language.values import draw
from sim.model.breakdowns import WorkClock
from sim.model.budget import Budget
from sim.model.curves import RateCurve
from sim.model.expansion import ExpansionPlan, build_expansion
from sim.model.learning import UnitCost
from sim.model.material import Material
from sim.model.world import World

RUN_AHEAD_TOL = 1e-9  # days: work starting this close to an appropriation is left to the step-by-step path
NOT_AVAILABLE = "not_available"
PRODUCING = "producing"
MONEY = "money"
DOWN = "down"
RAMPING = "ramping"
DOCKS = "docks"


def material_cause(name: str) -> str:
    """The waiting cause for a material."""
    return f"material:{name}"


def workforce_cause(name: str) -> str:
    """The waiting cause for a workforce pool."""
    return f"workforce:{name}"


class Facility:
    """Base of the facility kinds: one instance per facility per replication."""

    kind: ClassVar[str]
    #: simulate only what changes (lots run ahead while alone, deliveries booked at start where
    #: nothing can delay them); off (REARM_EVENT_SKIPPING=0), every lot and delivery is an event
    skip_events: ClassVar[bool] = os.environ.get("REARM_EVENT_SKIPPING", "1") != "0"

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
        self.budget.spenders += 1
        self.budget.facilities.append(self)
        self.ahead_until = -math.inf  # work starting before this is already paid (run ahead)
        self._retry_at = -math.inf  # money was short for running ahead: not worth asking again before
        self.materials: dict[str, Material] = {m: world.materials[m] for m in spec.consumes}
        for material in self.materials.values():
            material.takers += 1
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
        self.clock = WorkClock(world.env, spec.breakdowns, rng)
        self._open_waits: dict[int, tuple[str, float]] = {}
        self._open_work: dict[int, tuple[float, float, bool]] = {}  # (began, effective began, produce)
        self._seq = 0
        self._expansions: list[Any] = []  # their processes: alive until commissioned

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the facility's processes."""
        self.env.process(self.run())
        self._expansions = [
            self.env.process(
                build_expansion(self.world, self.name, plan, self.budget, self.priority, self.index, self.commission)
            )
            for plan in self.expansion_plans
        ]

    def run_ahead_until(self) -> float:
        """How far this facility may run its work ahead now: to just before the next
        appropriation if nothing but its own work can change what it may start until then, else
        now. That holds when it has no people to share, no breakdowns and no expansion to come,
        it is the only taker of its materials (supply only ever grows, so work that starts uncut
        would start uncut whoever else acts), and either it is the only spender of its budget or
        the money there now covers the most that every spender of it could commit until then
        (`max_spend`), so no spender's work would be cut by money on the lot-by-lot path either."""
        now, budget = self.env.now, self.budget
        if (
            not self.skip_events
            or now < self._retry_at
            or budget.has_waiters
            or self.spec.workforce
            or self.clock.breakdowns is not None
            or any(m.takers != 1 for m in self.materials.values())
            or any(p.is_alive for p in self._expansions)
        ):
            return now
        until = budget.next_appropriation(now) - RUN_AHEAD_TOL
        if budget.spenders == 1:
            return until
        if budget.spenders != len(budget.facilities):  # an expansion still to pay for
            return now
        most = sum(f.max_spend(max(now, f.ahead_until), until) for f in budget.facilities)
        if budget.balance >= most * (1 + 1e-9) + 1e-6:
            return until
        self._retry_at = until  # no money arrives before then: ask again at the appropriation
        return now

    def max_spend(self, a: float, b: float) -> float:
        """At least the money this facility could commit to work starting in [a, b]; a kind
        that cannot say keeps the default, infinity, and so no facility on its budget runs ahead."""
        return math.inf

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

    def wait(self, event: Any, cause: str) -> Generator[Any, Any, Any]:
        """Wait for `event`, booking the time to `cause`; returns the event's value."""
        self._seq += 1
        key, began = self._seq, self.env.now
        self._open_waits[key] = (cause, began)
        value = yield event
        del self._open_waits[key]
        self.book(cause, self.env.now - began)
        return value

    def close(self) -> None:
        """At the horizon: book waits and work still open, up to now."""
        now = self.env.now
        for cause, began in self._open_waits.values():
            self.book(cause, now - began)
        for began, effective_began, produce in self._open_work.values():
            worked = self.clock.effective(now) - effective_began
            self.book(DOWN, now - began - worked)
            if produce:
                self.book(PRODUCING, worked)
        self._open_waits.clear()
        self._open_work.clear()

    def wait_until_available(self) -> Generator[Any, Any, None]:
        """Before `available_from`, the facility does not exist yet."""
        if self.available_from > self.env.now:
            yield from self.wait(self.env.timeout(self.available_from - self.env.now), NOT_AVAILABLE)

    # -- money and material -----------------------------------------------------------------
    def affordable_units(self, day: float | None = None) -> float:
        """Units the budget can pay for now (or at `day`), given learning and inflation."""
        money = self.budget.balance / self.budget.cost_multiplier(self.env.now if day is None else day)
        return self.unit_cost.affordable(self.made, money)

    def limit_by_inputs(self, wanted: float, day: float | None = None) -> tuple[float, str | None]:
        """Cut `wanted` units to what money and each material allow now (or at `day`, for a lot
        run ahead), naming the cause."""
        when = self.env.now if day is None else day
        units, cause = wanted, None
        money_units = self.affordable_units(when)
        if money_units < units:
            units, cause = money_units, MONEY
        for mname, use in self.consumes.items():
            if use > 0:
                can = self.materials[mname].available(when) / use
                if can < units:
                    units, cause = can, material_cause(mname)
        return max(0.0, units), cause

    def wait_for(self, cause: str, wanted: float, within: float = math.inf) -> Generator[Any, Any, None]:
        """Wait until the input named by `cause` may allow `wanted` units (for a material, at
        most `within` days while its supply flows)."""
        if cause == MONEY:
            yield from self.wait(self.budget.funds_arrived(self.priority), MONEY)
        else:
            mname = cause.split(":", 1)[1]
            yield from self.wait(self.materials[mname].arrival(wanted * self.consumes[mname], within), cause)

    def pay_and_take(self, units: float, what: str, day: float | None = None) -> None:
        """Commit the money and take the materials for `units` started now (or at `day`, for a
        lot run ahead while this facility acts alone)."""
        when = self.env.now if day is None else day
        budget = self.budget
        cost = self.unit_cost.cost(self.made, units) * budget.cost_multiplier(when)
        budget.commit(min(cost, budget.balance), self.index, what, when)
        for mname, use in self.consumes.items():
            material = self.materials[mname]
            material.take(min(units * use, material.available(when)), when)
        self.made += units
        self.records.starts.append((when, self.index, units))

    # -- people -------------------------------------------------------------------------------
    def hold_people(self, needs: dict[str, int]) -> Generator[Any, Any, None]:
        """Wait until every pool in `needs` can lend its people, then hold them."""
        claims: dict[str, int] = {}
        while True:
            short = self.short_pool(needs, claims)
            if short is None:
                break
            yield from self.wait(self.world.pools[short].freed(needs[short]), workforce_cause(short))
        self.take_people(needs, claims)

    def short_pool(self, needs: dict[str, int], claims: dict[str, int]) -> str | None:
        """The first pool in `needs` that cannot lend its people now, if any; while any is short,
        this facility holds a claim (in `claims`) on every pool in `needs`, kept in its place."""
        pools = self.world.pools
        short = next((p for p, n in needs.items() if not pools[p].can_lend(n, self.priority, claims.get(p))), None)
        if short is not None:
            for p, n in needs.items():
                if p not in claims:
                    claims[p] = pools[p].claim(self.priority, n)
        return short

    def take_people(self, needs: dict[str, int], claims: dict[str, int]) -> None:
        """Hold the people in `needs` now (the caller checked) and drop the claims served."""
        for pool, n in needs.items():
            self.world.pools[pool].hold(n)
        self.drop_claims(claims)

    def drop_claims(self, claims: dict[str, int]) -> None:
        """Withdraw this facility's claims on people."""
        for pool, token in claims.items():
            self.world.pools[pool].withdraw(token)
        claims.clear()

    def release_people(self, needs: dict[str, int]) -> None:
        """Give back people held by `hold_people`."""
        for pool, n in needs.items():
            self.world.pools[pool].release(n)

    # -- breakdowns ---------------------------------------------------------------------------
    def work(self, days: float, produce: bool = False) -> Generator[Any, Any, None]:
        """Spend `days` of working time; a breakdown pauses it (and all the facility's other
        work), which then resumes. Repair time is booked as 'down'; with `produce`, the working
        time is booked as 'producing' (callers that book it ahead leave it False)."""
        if days <= 0:
            return
        self._seq += 1
        key = self._seq
        began = self.env.now
        if self.clock.breakdowns is None:  # no breakdowns: working time is real time
            self._open_work[key] = (began, began, produce)
            yield self.env.timeout(days)
        else:
            item = self.clock.begin(days)
            self._open_work[key] = (began, item.effective_began, produce)
            yield item.done
        del self._open_work[key]
        now = self.env.now
        down = now - began - days
        if down > 1e-9 * max(1.0, now):  # not rounding
            self.book(DOWN, down)
        if produce:
            self.book(PRODUCING, days)

    def wait_until_up(self) -> Generator[Any, Any, None]:
        """While the facility is under repair, nothing new starts (callers may skip it while
        `clock.down` is false)."""
        while self.clock.down:
            yield from self.wait(self.clock.repaired(), DOWN)


class RatedFacility(Facility):
    """A facility whose nameplate is a rate (units per day) ramping up over time; expansions add
    rate. Installed capacity is recorded as ramps for the capacity measure."""

    def __init__(
        self,
        world: World,
        index: int,
        name: str,
        spec: FacilityBase,
        rng: np.random.Generator,
        capacity: float | None = None,
        ramp_up: float = 0.0,
    ) -> None:
        """With `capacity`, it is installed from `available_from`; without, the subclass installs
        its first capacity itself (so its random draws keep their order)."""
        super().__init__(world, index, name, spec, rng)
        self.capacity = RateCurve()
        self._capacity_changed = world.env.event()
        if capacity is not None:
            self.add_capacity(self.available_from, ramp_up, capacity)

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

    def rated_spend(self, a: float, b: float, step: float, extra_units: float) -> float:
        """`max_spend` of a kind that starts at most nameplate × `step` (+ `extra_units`) per
        `step` from its next start, paying at most the next unit's price for each (learning
        only lowers it, and no expansion is still to come)."""
        if b < a:
            return 0.0
        if any(p.is_alive for p in self._expansions):
            return math.inf
        units = self.capacity.nameplate(b + step) * (b - a + 2 * step) + extra_units
        multiplier = max(self.budget.cost_multiplier(a), self.budget.cost_multiplier(b))
        return self.unit_cost.cost(self.made, units) * multiplier
