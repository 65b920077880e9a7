"""The fast path's state for one replication: for each facility a `Runner` that says how far
its work may run ahead, and for each shared stock the runners that draw on it with the
`Cover` of how far it covers them all. The stocks themselves (`Budget`, `Material`) know
nothing of it."""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING

from sim.model.fast.cover import RUN_AHEAD_TOL, Cover, money_until, take_bound

if TYPE_CHECKING:
    from sim.model.budget import Budget
    from sim.model.facility import Facility
    from sim.model.world import World


class FastPath:
    """Who draws on each budget and material, and how far each stock covers them."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.spenders: dict[int, list[Runner]] = {b.index: [] for b in world.budgets.values()}
        self.money_covers: dict[int, Cover] = {b.index: Cover() for b in world.budgets.values()}
        self.takers: dict[int, list[Runner]] = {m.index: [] for m in world.materials.values()}
        self.stock_covers: dict[int, Cover] = {m.index: Cover() for m in world.materials.values()}
        #: the makers of each product with orders, who share its book (by product index)
        self.makers: dict[int, list[Runner]] = {}

    def join(self, runner: Runner) -> None:
        """Count `runner`'s facility among the users of its budget and materials."""
        facility = runner.facility
        for budget, _, _ in facility.payers:
            self.spenders[budget.index].append(runner)
        for name in facility.takes_from():
            self.takers[self.world.materials[name].index].append(runner)
        if facility.orders is not None:
            self.makers.setdefault(facility.product, []).append(runner)

    def shares_book(self, runner: Runner) -> bool:
        """Whether `runner`'s product has orders that other facilities make too: each one's
        lots cut the others', so it never runs ahead alone (in lockstep with them it may)."""
        return len(self.makers.get(runner.facility.product, ())) > 1


class Runner:
    """A facility on the fast path: how far it may run ahead alone, and the most it could draw.
    This one never runs ahead (a kind the fast path does not support, the shipyard): it only
    bounds what its facility could draw, as infinite, so that nobody sharing its stocks runs
    ahead past it. A rated kind's runner bounds it by its capacity, and one that
    `sim.model.fast.attach` declines (`declined`) keeps that bound while it goes step by step."""

    def __init__(self, facility: Facility, path: FastPath, declined: bool = False) -> None:
        self.facility = facility
        self.path = path
        #: it never runs ahead: its facility goes step by step, this only bounds what it draws
        self.declined = declined
        self.ahead_until = -math.inf  # work starting before this is already paid (run ahead)
        self.retry_at = -math.inf  # money was short for running ahead: not worth asking again before
        #: the most each material it takes could take per unit of `max_units` (this one: unbounded)
        self.takes: dict[str, float] = dict.fromkeys(facility.takes_from(), math.inf)
        #: each paying budget's share of its costs (by budget index)
        self.shares: dict[int, float] = {budget.index: share for budget, share, _ in facility.payers}
        #: who spends from its budget, and how far the money there covers them
        self.spenders = path.spenders[facility.budget.index]
        self.money_cover = path.money_covers[facility.budget.index]
        path.join(self)

    def run_ahead(self) -> float:
        """Run the facility's work ahead as far as it may; the day it next decides (now: it
        decides now, step by step)."""
        return float(self.facility.env.now)

    def max_units(self, a: float, b: float) -> float:
        """At least how many units the facility could start in [a, b]."""
        return math.inf

    def max_spend(self, a: float, b: float, units: float, budget: Budget) -> float:
        """At least the money `units` started in [a, b] could commit from `budget`: its share
        of the next unit's price for each (learning only lowers it), at the dearest fiscal
        year's prices."""
        f = self.facility
        if b < a or units <= 0 or f.unit_cost.free:
            return 0.0
        if math.isinf(units):
            return math.inf
        at_a, at_b = budget.cost_multiplier(a), budget.cost_multiplier(b)
        multiplier = at_b if at_b > at_a else at_a
        return f.unit_cost.cost(f.made, units) * self.shares[budget.index] * multiplier

    def run_ahead_until(self) -> float:
        """How far this facility may run its work ahead alone now (now if not at all): as far
        as `alone_until` allows and, for each material it shares, while the stock covers the
        most that all its takers could take up to then (`Cover`); supply only ever grows, so a
        material it alone takes needs no such check: its own cuts end the run
        (`sim.model.fast.runs.uncut_run`)."""
        f = self.facility
        now: float = f.env.now
        if now < self.retry_at:
            return now
        until = self.alone_until()
        path = self.path
        for material in f.materials.values():
            takers = path.takers[material.index]
            if until > now and len(takers) > 1:
                have = material.available(now)
                bound = partial(take_bound, material, takers, now)
                until = min(until, path.stock_covers[material.index].ask(now, until, have, bound))
        if until > now:
            return until
        self.retry_at = f.budget.next_appropriation(now)  # money and stock shrink until then
        return now

    def money_until(self, now: float) -> float:
        """`sim.model.fast.cover.money_until` of its budget."""
        f = self.facility
        return money_until(f.budget, self.spenders, self.money_cover, now, f.world.horizon)

    def alone_until(self, money: float | None = None) -> float:
        """How far nothing but its own work and its materials can change what this facility
        may start (now if not at all). That needs no people to share and money that nothing but
        its own work changes (`money_until`; pass it in if known); it also ends before any of
        its expansions can come on line. Breakdowns do not bound it: the day each piece of work
        ends is known when it begins (`WorkClock.begin`); runs of evenly spaced steps stop before
        the next failure (`WorkClock.next_failure`), lockstep goes through it."""
        f = self.facility
        now: float = f.env.now
        if f.spec.workforce:
            return now
        if money is None:
            money = money_until(f.budget, self.spenders, self.money_cover, now, f.world.horizon)
        until = money
        for c in f.constructions:
            if not c.done:
                until = min(until, c.online - RUN_AHEAD_TOL)
        return max(now, until)


class RatedRunner(Runner):
    """A runner of a kind whose every unit takes its facility's `consumes` of each material,
    and that starts no more units than its capacity allows (`rated_units`): true on the
    step-by-step path too, where orders, components, money and people only cut further."""

    def __init__(self, facility: Facility, path: FastPath, declined: bool = False) -> None:
        super().__init__(facility, path, declined)
        self.takes = facility.consumes


def rated_units(facility: Facility, a: float, b: float, step: float, extra_units: float) -> float:
    """`Runner.max_units` of a kind that starts at most nameplate × `step` (+ `extra_units`)
    per `step` from its next start, counting every expansion that could be on line by then as
    on line."""
    if b < a:
        return 0.0
    rate = facility.capacity.nameplate(b + step)  # type: ignore[attr-defined]
    if facility.constructions:  # (a loop, not `sum` of a generator: asked at every bound)
        coming = 0.0
        for c in facility.constructions:
            if not c.done and c.online <= b + step:
                coming += c.plan.capacity
        rate += coming
    return rate * (b - a + step) + extra_units
