"""What every facility kind shares: its budget, materials, people, breakdowns, expansions and
the booking of its time to producing or to each cause of waiting.

Waits and work still open at the horizon are booked by `close`, so a facility that waits for
ever (say, for a material with no supply) shows that cause in its time use."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any, ClassVar, Protocol

from sim.language.schema import FacilityBase
from sim.model.breakdowns import WorkClock
from sim.model.budget import Budget
from sim.model.curves import RateCurve
from sim.model.expansion import Construction, ExpansionPlan, build_expansion
from sim.model.learning import UnitCost
from sim.model.material import Material
from sim.model.orders import ORDERS, Backlog, backlog
from sim.model.ranks import FIRST_RANK, RankedTimeout
from sim.model.streams import facility_path, item_key
from sim.model.world import World

#: relative: a share of a lot this small is rounding, not work (a lot cut to it does not start)
ROUNDING = 1e-9
NOT_AVAILABLE = "not_available"
PRODUCING = "producing"
MONEY = "money"
DOWN = "down"
RAMPING = "ramping"
DOCKS = "docks"


def material_cause(name: str) -> str:
    """The waiting cause for a material."""
    return f"material:{name}"


def component_cause(product: str) -> str:
    """The waiting cause for a component (a product other facilities make)."""
    return f"component:{product}"


def money_cause(budget: str) -> str:
    """The waiting cause for one budget of a facility paid from several (one budget: `money`)."""
    return f"{MONEY}:{budget}"


def workforce_cause(name: str) -> str:
    """The waiting cause for a workforce pool."""
    return f"workforce:{name}"


class Ahead(Protocol):
    """The fast path's hook (`sim.model.fast`): it runs a facility's work ahead as far as it
    may, without an event per step, and says when the facility next decides."""

    def run_ahead(self) -> float:
        """The day the facility next decides (now: it decides now, step by step)."""
        ...


class Facility:
    """Base of the facility kinds: one instance per facility per replication."""

    kind: ClassVar[str]
    #: the share of units started that come out good (a munitions factory's `yield`)
    good_fraction: float = 1.0

    def __init__(self, world: World, index: int, name: str, spec: FacilityBase) -> None:
        self.world = world
        self.env = world.env
        self.records = world.records
        self.index = index
        self.name = name
        self.spec = spec  # its scenario entry
        #: its place in the scenario, which names its random streams (`sim.model.streams`)
        self.path = facility_path(name)
        streams = world.streams
        self.product = world.records.products.index(spec.product)
        #: the order books it builds to, if its product has orders (`sim.model.orders`)
        self.orders: Backlog | None = backlog(world.orders.get(self.product), name)
        payers = spec.payers
        #: (budget, share of every cost, waiting cause) of each budget paying its work: one
        #: budget pays all, waiting for `money`; several pay their shares, each waiting for
        #: `money:<budget>`
        self.payers: list[tuple[Budget, float, str]] = [
            (world.budgets[b], share, MONEY if len(payers) == 1 else money_cause(b)) for b, share in payers.items()
        ]
        #: the budget paying its work (of several, the first: the fast path declines them)
        self.budget: Budget = self.payers[0][0]
        self.materials: dict[str, Material] = {m: world.materials[m] for m in spec.consumes}
        #: the fast path's hook, if it runs this facility's work ahead (set by `sim.model.fast`)
        self.fast: Ahead | None = None
        self.priority = spec.priority
        #: the day it opens (drawn, if its `available_from` is a distribution; negative: opened
        #: before the start) and the day it starts acting
        announced = (
            streams.day(spec.available_from, f"{self.path}.available_from", world.clock)
            if spec.available_from is not None
            else 0.0
        )
        #: how its plan turns out (`sim.model.realism`), and the share of its own capacity it
        #: reaches: its plan's if it opens after the start or says so itself, else all of it
        self.realism = world.realism.plan(self.kind, self.path, spec.realism)
        self.achieved = self.realism.achieved if announced > 0 or spec.realism.achieved is not None else 1.0
        self.opened = self.realism.date(announced)
        self.available_from = max(0.0, self.opened)
        cost = spec.unit_cost
        path = self.path
        if hasattr(cost, "first_unit"):
            first_unit = streams.value(cost.first_unit, f"{path}.unit_cost.first_unit")
            self.unit_cost = UnitCost(first_unit, streams.value(cost.learning, f"{path}.unit_cost.learning"))
        else:
            self.unit_cost = UnitCost(streams.value(cost, f"{path}.unit_cost"))
        self.consumes: dict[str, float] = {
            m: streams.value(v, f"{path}.consumes.{m}") for m, v in spec.consumes.items()
        }
        #: (material, use per unit, waiting cause) of each material it uses (asked at every lot)
        self.inputs = [(self.materials[m], use, self.materials[m].cause) for m, use in self.consumes.items() if use > 0]
        #: the price of the materials each unit takes, paid with the unit (`materials.X.price`)
        self.unit_cost.materials = math.fsum(use * self.materials[m].price for m, use in self.consumes.items())
        #: the component store its deliveries feed, if other facilities consume its product
        store = world.materials.get(spec.product)
        self.store: Material | None = store if store is not None and store.product is not None else None
        self.made = 0.0
        names = [e.name for e in spec.expansions]
        self.expansion_plans = [
            ExpansionPlan.draw(e, world, f"{path}.expansions.{item_key(names, k)}", self.kind)
            for k, e in enumerate(spec.expansions)
        ]
        self.clock = WorkClock(world.env, spec.breakdowns, streams, f"{path}.breakdowns")
        self._open_waits: dict[int, tuple[str, float]] = {}
        self._open_work: dict[int, tuple[float, float, bool]] = {}  # (began, effective began, produce)
        self._seq = 0
        self.constructions = [Construction(plan) for plan in self.expansion_plans]
        #: its place among facilities acting at the same instant (set by the replication:
        #: higher priority first, then scenario order)
        self.rank = FIRST_RANK + index
        #: the day its process next acts unless something changes (None: not known)
        self.resumes: float | None = self.available_from

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the facility's processes."""
        self.env.process(self.run())
        for c, espec in zip(self.constructions, self.spec.expansions, strict=True):
            budget = self.world.budgets[espec.budget] if espec.budget is not None else self.budget
            self.env.process(
                build_expansion(self.world, self.name, c.plan, budget, self.priority, self.index, self.commission, c)
            )

    def takes_from(self) -> set[str]:
        """The materials its work may take."""
        return set(self.materials)

    def uses_components(self) -> bool:
        """Whether its work takes a component (the fast path runs such a taker ahead only alone,
        while the units already booked into its store cover it: a store grows at other
        facilities' deliveries, which a run in lockstep cannot foresee)."""
        materials = self.world.materials
        return any(materials[m].product is not None for m in self.takes_from())

    def feed_store(self, day: float, units: float) -> None:
        """Units it will deliver on `day` reach its component store then, if it feeds one."""
        if self.store is not None:
            self.store.arrive(day, units)

    def reach_stock(self, units: float, began: float) -> None:
        """Finished units reach stock now (and its component store, if it feeds one)."""
        self.records.deliveries.append((self.env.now, self.product, units, began, self.index))
        self.feed_store(self.env.now, units)

    def run(self) -> Generator[Any, Any, None]:
        """The facility's main process."""
        raise NotImplementedError

    def commission(self, plan: ExpansionPlan) -> None:
        """An expansion comes on line now."""
        raise NotImplementedError

    def after(self, days: float) -> RankedTimeout:
        """An event `days` from now, at this facility's rank among those of its instant."""
        return RankedTimeout(self.env, days, self.rank)

    # -- time booking ---------------------------------------------------------------------
    def book(self, cause: str, days: float) -> None:
        """Book `days` of this facility's time to `cause`."""
        if days > 0:
            self.records.time_use[self.index][cause] += days

    def fast_forward(self) -> RankedTimeout | None:
        """The fast path's one hook: when it has run this facility's work ahead, the event the
        facility sleeps on until it next decides; None (at once on the plain path): it decides now."""
        if self.fast is None:
            return None
        now: float = self.env.now
        until = self.fast.run_ahead()
        if until <= now:
            return None
        self.resumes = until
        return self.after(until - now)

    def wait(self, event: Any, cause: str, resumes: float | None = None) -> Generator[Any, Any, Any]:
        """Wait for `event`, booking the time to `cause`; returns the event's value. `resumes`:
        the day it fires unless something changes (None: not known)."""
        self.resumes = resumes
        self._seq += 1
        key, began = self._seq, self.env.now
        self._open_waits[key] = (cause, began)
        value = yield event
        del self._open_waits[key]
        self.book(cause, self.env.now - began)
        return value

    def close(self) -> None:
        """At the horizon: book waits and work still open, up to now."""
        now: float = self.env.now
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
        """Before `available_from`, the facility does not exist yet; from then it acts at its
        rank among the facilities of its instant (from the start too)."""
        if self.available_from > self.env.now:
            wait = self.after(self.available_from - self.env.now)
            yield from self.wait(wait, NOT_AVAILABLE, self.available_from)
        else:
            self.resumes = self.available_from
            yield self.after(0.0)

    # -- money and material -----------------------------------------------------------------
    def affordable_units(self, day: float | None = None) -> float:
        """Units the budget can pay for now (or at `day`), given learning and inflation."""
        return self.money_limit(self.env.now if day is None else day)[0]

    def money_limit(self, day: float) -> tuple[float, str]:
        """Units its budgets can pay for at `day`, given learning and inflation, and the cause
        of waiting for more: of several budgets, the one that allows the fewest (the first
        such, counting a rounding's worth of a unit's price as none: when two are spent, the
        crumbs they keep differ between paths that add the same sums in another order) pays
        its share of no more than that."""
        if len(self.payers) == 1:
            budget = self.budget
            return self.unit_cost.affordable(self.made, budget.balance / budget.cost_multiplier(day)), MONEY
        covers = [(budget.balance / (budget.cost_multiplier(day) * share), wait) for budget, share, wait in self.payers]
        money = min(c for c, _ in covers)
        crumb = ROUNDING * self.unit_cost.cost(self.made, 1.0)
        cause = next(wait for c, wait in covers if c <= money + crumb)
        return self.unit_cost.affordable(self.made, money), cause

    def limit_by_inputs(self, wanted: float, day: float | None = None) -> tuple[float, str | None]:
        """Cut `wanted` units to what money and each material allow now (or at `day`, for a lot
        run ahead), naming the cause. An input that allows no more than a rounding's worth of
        `wanted` (as `MunitionsFactory.startable` counts it) allows none: when money and a
        material are both spent, the cause is the first in order (money, then the materials),
        not whichever kept the smaller crumb of rounding (that differs between paths that add
        the same sums in another order)."""
        when: float = self.env.now if day is None else day
        units, cause, crumb = wanted, None, ROUNDING * wanted
        money_units, money_wait = self.money_limit(when)
        if money_units < units:
            units, cause = (money_units if money_units > crumb else 0.0), money_wait
        for material, use, material_wait in self.inputs:
            can = material.available(when) / use
            if can < units:
                units, cause = (can if can > crumb else 0.0), material_wait
        return (units if units > 0.0 else 0.0), cause

    def wait_for(self, cause: str, wanted: float, within: float = math.inf) -> Generator[Any, Any, None]:
        """Wait until the input named by `cause` may allow `wanted` units (for a material, at
        most `within` days while its supply flows)."""
        if cause == MONEY:
            yield from self.wait(self.budget.funds_arrived(self.priority), MONEY)
        elif cause == ORDERS:
            yield from self.wait_for_orders()
        elif cause.startswith(f"{MONEY}:"):
            budget = self.world.budgets[cause.split(":", 1)[1]]
            yield from self.wait(budget.funds_arrived(self.priority), cause)
        else:
            name = cause.split(":", 1)[1]
            material = self.materials[name]
            when = material.wake_day(wanted * self.consumes[name], within)
            yield from self.wait(material.arrival(when, self.rank), cause, when)

    def wait_for_orders(self) -> Generator[Any, Any, None]:
        """No open orders: wait until the next call-off of its product is placed (for ever, if
        none is left)."""
        assert self.orders is not None
        placed = self.orders.next_placement(self.env.now)
        event = self.after(placed - self.env.now) if math.isfinite(placed) else self.env.event()
        yield from self.wait(event, ORDERS, placed)

    def pay_and_take(self, units: float, what: str, day: float | None = None) -> None:
        """Commit the money and take the materials for `units` started now (or at `day`, for a
        lot run ahead while this facility acts alone)."""
        when: float = self.env.now if day is None else day
        if len(self.payers) == 1:
            budget = self.budget
            cost = self.unit_cost.cost(self.made, units) * budget.cost_multiplier(when)
            balance = budget.balance
            budget.commit(balance if balance < cost else cost, self.index, what, when)
        else:
            base = self.unit_cost.cost(self.made, units)
            for budget, share, _ in self.payers:
                cost = base * share * budget.cost_multiplier(when)
                balance = budget.balance
                budget.commit(balance if balance < cost else cost, self.index, what, when)
        for material, use, _ in self.inputs:
            material.take(units * use, when)
        self.made += units
        if self.orders is not None:
            self.orders.start(units * self.good_fraction, when)
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
    def begin_work(self, days: float, day: float | None = None) -> float:
        """Begin `days` of working time now (or at `day`, run ahead); the day it is done (a
        breakdown pauses it, and all the facility's other work, for the repair:
        `sim.model.breakdowns`)."""
        return self.clock.begin(days, day)

    def work(self, days: float, produce: bool = False, end: float | None = None) -> Generator[Any, Any, None]:
        """Spend `days` of working time (begun now by `begin_work`, done at `end`, if the caller
        needed the day first); a breakdown pauses it (and all the facility's other work), which
        then resumes. Repair time is booked as 'down'; with `produce`, the working time is booked
        as 'producing' (callers that book it ahead leave it False)."""
        if days <= 0:
            return
        self._seq += 1
        key = self._seq
        began: float = self.env.now
        if end is None:
            end = self.begin_work(days)
        self._open_work[key] = (began, self.clock.effective(began), produce)
        self.resumes = end
        yield self.after(end - began)  # it acts again at its rank, as ever
        del self._open_work[key]
        self.book_down(began, days, end)
        if produce:
            self.book(PRODUCING, days)

    def book_down(self, began: float, days: float, end: float) -> None:
        """Book the repairs within `days` of work begun at `began` and done at `end` as 'down'
        (of work still in progress at the horizon, those up to it)."""
        horizon = self.world.horizon
        if end < horizon:
            down = end - began - days
            if down > 1e-9 * max(1.0, end):  # not rounding
                self.book(DOWN, down)
        elif began < horizon:  # (as `close` books it)
            clock = self.clock
            self.book(DOWN, horizon - began - (clock.effective(horizon) - clock.effective(began)))

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
        capacity: float | None = None,
        ramp_up: float = 0.0,
    ) -> None:
        """With `capacity`, it is installed from `available_from`; without, the subclass installs
        its first capacity itself."""
        super().__init__(world, index, name, spec)
        self.capacity = RateCurve()
        self._capacity_changed = world.env.event()
        if capacity is not None:
            self.add_capacity(self.available_from, ramp_up, capacity * self.achieved)

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

    def wait_for_capacity(self) -> Generator[Any, Any, None]:
        """Without capacity: wait until an expansion of its own comes on line."""
        yield from self.wait(self._capacity_changed, NOT_AVAILABLE, math.inf)
