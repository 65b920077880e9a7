"""What every facility kind shares: its budget, materials, people, breakdowns, expansions and
the booking of its time to producing or to each cause of waiting.

Waits and work still open at the horizon are booked by `close`, so a facility that waits for
ever (say, for a material with no supply) shows that cause in its time use."""

from __future__ import annotations

import math
import os
from bisect import bisect_left, bisect_right
from collections.abc import Generator
from functools import partial
from itertools import accumulate, compress
from typing import Any, ClassVar, Final

from sim.language.schema import FacilityBase
from sim.model.breakdowns import WorkClock
from sim.model.budget import Budget
from sim.model.cover import RUN_AHEAD_TOL, money_until, take_bound
from sim.model.curves import RateCurve
from sim.model.expansion import Construction, ExpansionPlan, build_expansion
from sim.model.learning import UnitCost
from sim.model.material import Material
from sim.model.ranks import FIRST_RANK, RankedTimeout
from sim.model.streams import facility_path, item_key
from sim.model.world import World

#: relative: a share of a lot this small is rounding, not work (a lot cut to it does not start)
ROUNDING: Final = 1e-9
RUN_AHEAD_MARGIN: Final = 1e-9  # relative: work this close to what money or stock allows goes step by step
NOT_AVAILABLE: Final = "not_available"
PRODUCING: Final = "producing"
MONEY: Final = "money"
DOWN: Final = "down"
RAMPING: Final = "ramping"
DOCKS: Final = "docks"


def material_cause(name: str) -> str:
    """The waiting cause for a material."""
    return f"material:{name}"


def workforce_cause(name: str) -> str:
    """The waiting cause for a workforce pool."""
    return f"workforce:{name}"


class Facility:
    """Base of the facility kinds: one instance per facility per replication."""

    kind: ClassVar[str]
    #: simulate only what changes (work run ahead while nothing else can cut it, cut lots in
    #: lockstep, deliveries booked at start where nothing can delay them); off
    #: (REARM_EVENT_SKIPPING=0), every lot, start interval and delivery is an event
    skip_events: ClassVar[bool] = os.environ.get("REARM_EVENT_SKIPPING", "1") != "0"

    def __init__(self, world: World, index: int, name: str, spec: FacilityBase) -> None:
        self.world = world
        self.env = world.env
        self.records = world.records
        self.index = index
        self.name = name
        #: its scenario entry. A kind keeps what it reads of its own entry's type in attributes
        #: of its own (`Shipyard.yard`, `VehicleLine.build_time`) and never re-declares `spec`
        #: with that type: in the optional compiled build, mypyc then visits the attribute twice
        #: for the garbage collector (`Py_VISIT` twice in the class's traverse), which decides
        #: the entry is garbage while the scenario still holds it and empties it
        self.spec = spec
        #: its place in the scenario, which names its random streams (`sim.model.streams`)
        self.path = facility_path(name)
        streams = world.streams
        self.product = world.records.products.index(spec.product)
        self.budget: Budget = world.budgets[spec.budget]
        self.budget.facilities.append(self)
        self.ahead_until = -math.inf  # work starting before this is already paid (run ahead)
        self._retry_at = -math.inf  # money was short for running ahead: not worth asking again before
        self.materials: dict[str, Material] = {m: world.materials[m] for m in spec.consumes}
        for material in self.materials.values():
            material.takers.append(self)
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
        self.inputs = [(self.materials[m], use, material_cause(m)) for m, use in self.consumes.items() if use > 0]
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

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the facility's processes."""
        self.env.process(self.run())
        for c in self.constructions:
            self.env.process(
                build_expansion(
                    self.world, self.name, c.plan, self.budget, self.priority, self.index, self.commission, c
                )
            )

    def run_ahead_until(self) -> float:
        """How far this facility may run its work ahead alone now (now if not at all): as far
        as `alone_until` allows and, for each material it shares, while the stock covers the
        most that all its takers could take up to then (`Cover`); supply only ever
        grows, so a material it alone takes needs no such check: its own cuts end the run
        (see `uncut_run`)."""
        now: float = self.env.now
        if now < self._retry_at:
            return now
        until = self.alone_until()
        for material in self.materials.values():
            if until > now and len(material.takers) > 1:
                have = material.available(now)
                until = min(until, material.cover.ask(now, until, have, partial(take_bound, material, now)))
        if until > now:
            return until
        self._retry_at = self.budget.next_appropriation(now)  # money and stock shrink until then
        return now

    def alone_until(self, money: float | None = None) -> float:
        """How far nothing but its own work and its materials can change what this facility
        may start (now if not at all). That needs no people to share, no breakdowns, and money
        that nothing but its own work changes (`money_until`; pass it in if known); it also
        ends before any of its expansions can come on line."""
        now: float = self.env.now
        if not self.skip_events or self.spec.workforce or self.clock.breakdowns is not None:
            return now
        until = money_until(self.budget, now, self.world.horizon) if money is None else money
        for c in self.constructions:
            if not c.done:
                until = min(until, c.online - RUN_AHEAD_TOL)
        return max(now, until)

    def max_units(self, a: float, b: float) -> float:
        """At least how many units this facility could start in [a, b]; a kind that cannot say
        keeps the default, infinity, and so no facility sharing its budget or materials runs
        ahead."""
        return math.inf

    def max_spend(self, a: float, b: float, units: float) -> float:
        """At least the money `units` started in [a, b] could commit: the next unit's price
        for each (learning only lowers it), at the dearest fiscal year's prices."""
        if b < a or units <= 0 or self.unit_cost.first_unit == 0:
            return 0.0
        if math.isinf(units):
            return math.inf
        at_a, at_b = self.budget.cost_multiplier(a), self.budget.cost_multiplier(b)
        multiplier = at_b if at_b > at_a else at_a
        return self.unit_cost.cost(self.made, units) * multiplier

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
            yield from self.wait(self.after(self.available_from - self.env.now), NOT_AVAILABLE)
        else:
            yield self.after(0.0)

    # -- money and material -----------------------------------------------------------------
    def affordable_units(self, day: float | None = None) -> float:
        """Units the budget can pay for now (or at `day`), given learning and inflation."""
        money = self.budget.balance / self.budget.cost_multiplier(self.env.now if day is None else day)
        return self.unit_cost.affordable(self.made, money)

    def limit_by_inputs(self, wanted: float, day: float | None = None) -> tuple[float, str | None]:
        """Cut `wanted` units to what money and each material allow now (or at `day`, for a lot
        run ahead), naming the cause. An input that allows no more than a rounding's worth of
        `wanted` (as `MunitionsFactory.startable` counts it) allows none: when money and a
        material are both spent, the cause is the first in order (money, then the materials),
        not whichever kept the smaller crumb of rounding (that differs between paths that add
        the same sums in another order)."""
        when: float = self.env.now if day is None else day
        units, cause, crumb = wanted, None, ROUNDING * wanted
        money_units = self.affordable_units(when)
        if money_units < units:
            units, cause = (money_units if money_units > crumb else 0.0), MONEY
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
        else:
            mname = cause.split(":", 1)[1]
            yield from self.wait(self.materials[mname].arrival(wanted * self.consumes[mname], within, self.rank), cause)

    def pay_and_take(self, units: float, what: str, day: float | None = None) -> None:
        """Commit the money and take the materials for `units` started now (or at `day`, for a
        lot run ahead while this facility acts alone)."""
        when: float = self.env.now if day is None else day
        budget = self.budget
        cost = self.unit_cost.cost(self.made, units) * budget.cost_multiplier(when)
        balance = budget.balance
        budget.commit(balance if balance < cost else cost, self.index, what, when)
        for material, use, _ in self.inputs:
            material.take(units * use, when)
        self.made += units
        self.records.starts.append((when, self.index, units))

    def uncut_run(self, days: list[float], wanted: list[float], what: str = "lot") -> list[float]:
        """Start, at once, the leading run of work (`wanted` units at each of `days`, ahead of
        time while this facility acts alone) that neither money nor any material would cut,
        paying and taking for each start as `pay_and_take` would; returns the units started
        (a prefix of `wanted`). Starts this close to a cut are left to the step-by-step path."""
        budget, keep = self.budget, 1 - RUN_AHEAD_MARGIN
        costs = self.run_costs(days, wanted)
        n = bisect_right(list(accumulate(costs)), budget.balance * keep)  # costs are never negative
        for material, use, _ in self.inputs:
            stock = material.initial - material.taken
            supplied = material.supplied_from(days[0], days[:n])
            taken = 0.0  # (0.0 + x is x: the same sums as `accumulate`)
            for k in range(n):
                taken += wanted[k] * use
                if taken > (stock + supplied[k]) * keep:
                    n = k
                    break
        if n == 0:
            return []
        units = wanted[:n]
        if min(units) > 0:
            day_list, paid, made = days[:n], costs[:n], units
        else:  # intervals that start no vehicle record nothing (units are never negative)
            day_list, paid, made = (list(compress(xs, units)) for xs in (days, costs, units))
        if paid and paid[-1] > 0:
            budget.commit_many(day_list, paid, self.index, what)
        for material, use, _ in self.inputs:
            material.take_many(day_list, [u * use for u in made])
        so_far = self.made
        for u in units:  # one by one, as `pay_and_take` adds them
            so_far += u
        self.made = so_far
        self.records.starts.add_run(day_list, self.index, made)
        return units

    def run_costs(self, days: list[float], wanted: list[float]) -> list[float]:
        """What each of a run of starts (`wanted` units at each of `days`, one after another
        from the units made so far) costs at its own fiscal year's prices, as `pay_and_take`
        would price it (a run may cross appropriations of money that carries over)."""
        budget, made = self.budget, self.made
        multiplier = budget.cost_multiplier(days[0])
        if budget.cost_multiplier(days[-1]) == multiplier:
            return self.unit_cost.costs(made, wanted, multiplier)
        costs: list[float] = []
        k, n = 0, len(days)
        while k < n:  # fiscal year by fiscal year
            end = bisect_left(days, budget.next_appropriation(days[k]), k)
            costs += self.unit_cost.costs(made, wanted[k:end], budget.cost_multiplier(days[k]))
            for units in wanted[k:end]:  # as each start adds to `made`
                made += units
            k = end
        return costs

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
            yield self.after(days)
        else:
            item = self.clock.begin(days)
            self._open_work[key] = (began, item.effective_began, produce)
            yield item.done
        del self._open_work[key]
        now: float = self.env.now
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

    def steps_before(self, stop: float, step: float) -> list[float]:
        """The days from now, `step` apart, that fall before `stop`."""
        now: float = self.env.now
        days = [now + k * step for k in range(math.ceil((stop - now) / step))] if stop > now else []
        while days and days[-1] >= stop:
            days.pop()
        return days

    def book_run(self, step: float, nameplates: list[float], done: list[float]) -> None:
        """Book a run of steps started ahead, each doing `done` of a nameplate's worth over
        `step`, to producing and (the rest of nameplate) ramping, as each step would."""
        producing = ramping = 0.0  # (added in order: see `sim.model.curves`)
        for k in range(len(done)):  # (indexed: see `sim.records.Log.add_run`)
            full = nameplates[k] * step
            work = done[k]
            producing += work / full
            ramping += (full - work) / full
        self.book(PRODUCING, step * producing)
        self.book(RAMPING, step * ramping)

    def rated_units(self, a: float, b: float, step: float, extra_units: float) -> float:
        """`max_units` of a kind that starts at most nameplate × `step` (+ `extra_units`) per
        `step` from its next start, counting every expansion that could be on line by then
        as on line."""
        if b < a:
            return 0.0
        rate = self.capacity.nameplate(b + step)
        if self.constructions:
            coming = 0.0  # (added in order: see `sim.model.curves`)
            for c in self.constructions:
                if not c.done and c.online <= b + step:
                    coming += c.plan.capacity
            rate += coming
        return rate * (b - a + step) + extra_units
