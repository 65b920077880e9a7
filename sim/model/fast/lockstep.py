"""Factories that take the same scarce material run their lots together, in one SimPy event.

When the stock of a shared material no longer covers what all its takers could take, who gets
it depends on who starts first, so no taker may run ahead alone (`Runner.run_ahead_until`).
They may run ahead together: while nothing outside them can change what they may start (for
each, `Runner.alone_until`: money that covers every spender, no appropriation of money that
lapses, no expansion of theirs coming on line) and no expansion of the materials' supply comes
on line (nor has come on line this instant: it wakes their waiting takers, and a member whose
wait the run does not reach keeps it), the lots of all of them are started in time order, each
taker at its rank among those of its instant (`sim.model.ranks`), cut to the stock then, and a
taker that finds none waits as it would in SimPy (`Material.wake_day`) — exactly the
step-by-step path, without an event per lot. The run stops at the first start that could depend
on anything else (a lot that money would cut after an appropriation not yet arrived among them).
A lot that a failure pauses ends when its member's working clock says (`WorkClock.begin`: its
days plus the repairs within it), as on the step-by-step path. A factory that shares no
material runs the same way alone: its lots that money or its own material cut need no event
each either.
"""

from __future__ import annotations

import math
from heapq import heapify, heapreplace
from typing import TYPE_CHECKING

from sim.model.facility import MONEY
from sim.model.orders import ORDERS
from sim.model.ranks import FIRST_RANK

if TYPE_CHECKING:
    from sim.model.fast.lots import LotRunner
    from sim.model.fast.path import Runner
    from sim.model.munitions_factory import MunitionsFactory

#: (day, rank, facility index, runner, (cause, waiting since) or None): a taker's next decision
Entry = tuple[float, int, int, "LotRunner", "tuple[str, float] | None"]


def takers_together(first: LotRunner) -> list[LotRunner]:
    """`first` and every factory linked to it by the materials they take or the order book of
    the product they make (`FastPath.makers`), or none if one of
    them is not a munitions factory on the fast path or takes a component (only they run in
    lockstep: a taker waiting for a store wakes at arrivals that makers book as they go). Found once for the whole
    group, which every member keeps (`LotRunner.group`): asked by each member, a walk each
    would cost the square of the group's size."""
    if first.group is not None:
        return first.group
    takers = first.path.takers
    linked: dict[int, Runner] = {first.facility.index: first}  # runners of any kind
    todo: list[Runner] = [first]
    while todo:
        runner = todo.pop()
        users = [takers[material.index] for material in runner.facility.materials.values()]
        if runner.facility.orders is not None:  # the makers sharing its product's book
            users.append(runner.path.makers[runner.facility.product])
        for user in users:
            for taker in user:
                if taker.facility.index not in linked:
                    linked[taker.facility.index] = taker
                    todo.append(taker)
    factories: list[LotRunner] = [
        r for r in linked.values() if isinstance(r, type(first)) and not r.declined and not r.facility.uses_components()
    ]
    group = factories if len(factories) == len(linked) else []
    for r in linked.values():  # (each factory among them keeps it, even one left out of it)
        if isinstance(r, type(first)):
            r.group = group
    return group


def run_together(first: LotRunner, members: list[LotRunner]) -> bool:
    """Run `first` (deciding its next lot now) and the other `members` ahead together as far
    as nothing outside them can interfere; each member then sleeps until its next decision
    (`ahead_until`). False if `first`'s next decision could not be taken that way."""
    head: MunitionsFactory = first.facility
    now: float = head.env.now
    horizon = head.world.horizon
    stop = min(first.alone_until(), horizon - head.lot)  # (its own last lots go step by step)
    if stop <= now:  # (cheap, and so never tried lot after lot when it cannot run: the group may be large)
        return False
    entries: list[Entry] = []
    for r in members:
        m = r.facility
        day = now if r is first else (r.ahead_until if r.ahead_until > now else m.resumes)
        if day is None or day < now:  # waiting for money or people: its next decision is not known
            return False
        if day < math.inf:  # (inf: it has no capacity until its expansion, after the run's end)
            # `first` acts now, before any other: it may have been woken by money or supply
            # arriving (not at its rank), and any facility ranked before it has acted already
            entries.append((day, m.rank if r is not first else FIRST_RANK - 1, m.index, r, None))
    stop = min(stop, min(horizon - r.facility.lot for r in members))  # the last lots go step by step
    money: dict[int, float] = {}  # budget -> `money_until` (members often share one)
    for r in members:
        m = r.facility
        if r is not first:
            budget = m.budget
            if budget.index not in money:
                money[budget.index] = r.money_until(now)
            stop = min(stop, r.alone_until(money[budget.index]))
        for material in m.materials.values():
            for c in material.constructions:
                # (one on line this instant has woken its waiting takers, which have not yet
                # decided again: their `resumes` is stale, so the run may not begin now)
                if not c.done or c.online >= now:
                    stop = min(stop, c.online)
        if stop <= now:
            return False
    # money that carries over lets the run cross an appropriation (`money_until`), but a lot
    # there that money would cut is cut by the money on hand now, without the appropriation's:
    # the run ends there, and that lot goes step by step (after the money has arrived)
    year_end = {r.facility.budget.index: r.facility.budget.next_appropriation(now) for r in members}
    heapify(entries)
    decided: set[int] = set()  # the members whose decisions the run took
    while entries[0][0] < stop:
        day, rank, index, r, waiting = entries[0]  # the next decision: replaced in place below
        m = r.facility
        decided.add(index)
        if waiting is not None:  # woken: the wait is over, as `Facility.wait` books it
            m.book(waiting[0], day - waiting[1])
        nameplate, planned, units, cause = m.size_lot(day)
        if cause == MONEY and day >= year_end[m.budget.index]:
            entries[0] = (day, rank, index, r, None)  # (the same key: the heap stays a heap)
            break
        if not m.startable(nameplate, planned, units):
            wake = material_wake(m, cause, planned, day) if nameplate > 0 and cause is not None else math.inf
            if wake >= stop:  # it would wait for something else: it goes step by step from here
                entries[0] = (day, rank, index, r, None)
                break
            assert cause is not None
            heapreplace(entries, (wake, m.rank, index, r, (cause, day)))
            continue
        m.start_lot(nameplate, planned, units, cause, day)
        end = m.begin_work(m.lot, day)  # (a failure pauses it: its end is known now all the same)
        made = units * m.good_fraction
        if end < horizon:
            m.records.deliveries.append((end, m.product, made, day, m.index))
        m.feed_store(end, made)
        m.book_down(day, m.lot, end)
        heapreplace(entries, (end, m.rank, index, r, None))
    for day, _, index, r, waiting in entries:
        if waiting is not None:  # asleep until `day`, as on the step-by-step path
            r.facility.book(waiting[0], min(day, horizon) - waiting[1])
        # a member none of whose decisions the run took keeps its own wait: one for a material
        # ends early if the supply changes (an expansion coming on line at the run's stop)
        if index in decided:
            r.ahead_until = day
    return first.ahead_until > now  # else nothing of `first`'s was touched: it goes step by step


def material_wake(factory: MunitionsFactory, cause: str, planned: float, day: float) -> float:
    """When `factory`'s wait from `day` for what `cause` names, for a lot of `planned`, ends
    unless supply changes (`Material.wake_day`, as `Facility.wait_for` waits) or, for orders,
    when the next call-off is placed; inf when it waits for money."""
    if cause == MONEY:
        return math.inf
    if cause == ORDERS:  # (`Facility.wait_for_orders`)
        assert factory.orders is not None
        return factory.orders.next_placement(day)
    name = cause.split(":", 1)[1]
    return factory.materials[name].wake_day(planned * factory.consumes[name], math.inf, day)
