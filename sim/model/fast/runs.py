"""A run of work started at once: the batch forms of what the step-by-step path does one start
at a time (`Facility.pay_and_take`, `Budget.commit`, `Material.take`, `UnitCost.cost`,
`RateCurve.nameplate`/`integral`), each adding the same floats in the same order, so a run
gives the records the steps would. Only the fast path uses them."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from itertools import accumulate, compress
from typing import TYPE_CHECKING

from sim.errors import ModelError
from sim.model.budget import EPS
from sim.model.facility import PRODUCING, RAMPING
from sim.model.orders import ORDERS

if TYPE_CHECKING:
    from sim.model.budget import Budget
    from sim.model.curves import RateCurve
    from sim.model.facility import Facility
    from sim.model.learning import UnitCost
    from sim.model.material import Material

RUN_AHEAD_MARGIN = 1e-9  # relative: work this close to what money or stock allows goes step by step


def steps_before(now: float, stop: float, step: float) -> list[float]:
    """The days from `now`, `step` apart, that fall before `stop`."""
    days = [now + k * step for k in range(math.ceil((stop - now) / step))] if stop > now else []
    while days and days[-1] >= stop:
        days.pop()
    return days


def over_steps(curve: RateCurve, t0: float, step: float, n: int) -> tuple[list[float], list[float]]:
    """`nameplate` at the start of, and `integral` over, each of `n` steps of `step` from
    `t0` (at once: once the curve is constant, without walking its ramps)."""
    if t0 >= curve.settled:
        total = curve.total
        return [total] * n, [total * step] * n
    starts = [t0 + k * step for k in range(n)]
    return [curve.nameplate(t) for t in starts], [curve.integral(t, t + step) for t in starts]


def unit_costs(unit_cost: UnitCost, made: float, units: list[float], multiplier: float = 1.0) -> list[float]:
    """`UnitCost.cost` (× `multiplier`) of each of a run of lots of `units` (none negative),
    started one after another from `made`."""
    if unit_cost.materials == 0 and (unit_cost.first_unit == 0 or unit_cost.exponent == 0):
        first = unit_cost.first_unit  # (the same rounding as `cost` × multiplier)
        return [first * u * multiplier for u in units]
    out = []
    for u in units:
        out.append(unit_cost.cost(made, u) * multiplier)
        made += u
    return out


def supplied_at(material: Material, t0: float, days: list[float]) -> list[float]:
    """`Material.supplied` by each of `days` (from `t0` on; at once once the supply rate is constant)."""
    supply = material.supply
    if t0 >= supply.settled:
        base, rate = material.supplied(t0), supply.value(t0)
        return [base + rate * (d - t0) for d in days]
    return [material.supplied(d) for d in days]


def commit_run(budget: Budget, days: list[float], amounts: list[float], facility: int, what: str) -> None:
    """`Budget.commit` of a run of work started ahead at `days` (each amount positive) by a
    facility that nobody can cut (the caller checked that the money covers them all)."""
    balance = budget.balance
    for amount in amounts:  # one by one, as `commit` would
        balance -= amount
    if balance < -(budget.balance * 1e-9 + EPS):
        raise ModelError(
            f"budget {budget.records.budgets[budget.index]!r} would go negative at day {days[-1]:.1f}: "
            f"commit {budget.balance - balance:.2f} with {budget.balance:.2f} available"
        )
    budget.balance = max(0.0, balance)
    budget.records.spending.add_run(days, budget.index, facility, amounts, what)


def take_run(material: Material, days: list[float], amounts: list[float]) -> None:
    """`Material.take` of a run of work started ahead at `days` (each amount positive) by a
    facility that nobody can cut (the caller checked that the stock covers each)."""
    taken = material.taken
    for amount in amounts:  # one by one, as `take` would: the same rounding
        taken += amount
    material.taken = taken
    material.records.takes.add_run(days, material.index, amounts)


def run_costs(facility: Facility, days: list[float], wanted: list[float]) -> list[float]:
    """What each of a run of starts (`wanted` units at each of `days`, one after another
    from the units made so far) costs at its own fiscal year's prices, as `pay_and_take`
    would price it (a run may cross appropriations of money that carries over)."""
    budget, made, unit_cost = facility.budget, facility.made, facility.unit_cost
    multiplier = budget.cost_multiplier(days[0])
    if budget.cost_multiplier(days[-1]) == multiplier:
        return unit_costs(unit_cost, made, wanted, multiplier)
    costs: list[float] = []
    k, n = 0, len(days)
    while k < n:  # fiscal year by fiscal year
        end = bisect_left(days, budget.next_appropriation(days[k]), k)
        costs += unit_costs(unit_cost, made, wanted[k:end], budget.cost_multiplier(days[k]))
        for units in wanted[k:end]:  # as each start adds to `made`
            made += units
        k = end
    return costs


def uncut_run(facility: Facility, days: list[float], wanted: list[float], what: str = "lot") -> list[float]:
    """Start, at once, the leading run of `facility`'s work (`wanted` units at each of `days`,
    ahead of time while it acts alone) that neither money nor any material would cut, paying
    and taking for each start (and starting it against its orders) as `Facility.pay_and_take`
    would; returns the units started (a prefix of `wanted`). Starts this close to a cut are
    left to the step-by-step path."""
    budget, keep = facility.budget, 1 - RUN_AHEAD_MARGIN
    for material, use, _ in facility.inputs:  # (a run its first start's material cuts: at once)
        if wanted[0] * use > material.available(days[0]) * keep:
            return []
    costs = run_costs(facility, days, wanted)
    n = bisect_right(list(accumulate(costs)), budget.balance * keep)  # costs are never negative
    for material, use, _ in facility.inputs:
        stock = material.initial - material.taken
        supplied = supplied_at(material, days[0], days[:n])
        store = material.product is not None  # (a component store: the units booked to arrive
        taken = 0.0  # by each day count, more only ever come; 0.0 + x is x: the same sums as `accumulate`)
        for k in range(n):
            taken += wanted[k] * use
            if taken > (stock + supplied[k] + (material.arrived(days[k]) if store else 0.0)) * keep:
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
        commit_run(budget, day_list, paid, facility.index, what)
    for material, use, _ in facility.inputs:
        take_run(material, day_list, [u * use for u in made])
    so_far = facility.made
    for u in units:  # one by one, as `pay_and_take` adds them
        so_far += u
    facility.made = so_far
    if facility.orders is not None:
        good = facility.good_fraction
        for day, u in zip(day_list, made, strict=True):
            facility.orders.start(u * good, day)
    facility.records.starts.add_run(day_list, facility.index, made)
    return units


def book_run(facility: Facility, step: float, nameplates: list[float], planned: list[float], done: list[float]) -> None:
    """Book a run of steps started ahead, each doing `done` of the `planned` share of a
    nameplate's worth over `step`, to producing, ramping (the rest of nameplate) and orders
    (what open orders cut of `planned`), as each step would."""
    producing = ramping = cut = 0.0  # (added in order, as the steps would)
    for k in range(len(done)):
        full = nameplates[k] * step
        producing += done[k] / full
        ramping += (full - planned[k]) / full
        cut += (planned[k] - done[k]) / full
    facility.book(PRODUCING, step * producing)
    facility.book(RAMPING, step * ramping)
    facility.book(ORDERS, step * cut)


def ordered_run(facility: Facility, days: list[float], planned: list[float]) -> list[float]:
    """What open orders allow of each of a run of starts (`planned` units at each of `days`,
    one after another as `size_lot` sizes them, with the call-offs placed by each day:
    `OrderBook.allows`): the leading run of starts they allow some of. The book is left as
    it was (`uncut_run` starts what money and materials allow of it)."""
    book, good = facility.orders, facility.good_fraction
    assert book is not None
    started, wanted = book.started, []
    for day, units in zip(days, planned, strict=True):
        allowed = book.allows(units, good, day)
        if allowed <= 0.0:
            break
        wanted.append(allowed)
        book.start(allowed * good, day)
    book.started = started
    return wanted
