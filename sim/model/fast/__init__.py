"""The fast path: everything that makes a replication fast lives here, behind one boundary.

The kinds' processes (`sim.model.munitions_factory`, `sim.model.vehicle_line`) are the plain
rule, one event per lot or start interval; each asks, once per decision, one hook
(`Facility.fast_forward`, which asks the facility's `Runner`) whether its work up to some later day
can be done at once. A runner answers while nothing but the facility's own work can change
what it may start: money that covers every spender on its budget and stock that covers every
taker of its materials (`cover`), no people shared, no expansion coming on line (`path`), and
no failure before its run of work ends (`sim.model.breakdowns.WorkClock.next_failure`); factories
that cut each other's lots on a scarce material run them in lockstep (`lockstep`). Runs of
work use the batch forms of the plain path's steps (`runs`), which add the same floats in the
same order, so both paths give the same records. A product with orders that one facility
makes runs ahead with each start cut to the open orders as the plain path cuts it; a taker of
a component runs ahead while the units already booked into its store cover its work (alone,
never in lockstep). Work begun on a facility's working clock is done on a day known when it
begins (`WorkClock.begin`), so a run's deliveries (to a component store too) are booked at its
start, on a facility that breaks down as on one that does not. Chosen by
`simulate(..., fast=True)`; a kind without a runner (the shipyard), or a facility with people,
several paying budgets or a product with orders that several facilities make, always goes step
by step (`declines`); a declined factory or vehicle line still starts no more than its capacity
allows, so its neighbours on a budget or material may run ahead while the money or stock covers
them all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from sim.model.fast.path import FastPath, Runner

if TYPE_CHECKING:
    from sim.model.facility import Facility
    from sim.model.world import World

__all__ = ["FastPath", "Runner", "attach"]


def attach(world: World, facilities: Iterable[Facility], runners: Mapping[str, type[Runner] | None]) -> None:
    """Put `facilities` on the fast path: each kind with a runner in `runners` gets one as its
    hook, unless it `declines` the facility; a declined facility of such a kind keeps its
    runner only to bound what it could draw (its capacity), a kind without one (the shipyard)
    counts as drawing without bound. Either way it goes step by step."""
    facilities = list(facilities)
    path = FastPath(world)
    makers = Counter(f.product for f in facilities)
    for facility in facilities:
        runner = runners.get(facility.kind)
        if runner is None:
            Runner(facility, path)
        elif declines(facility, makers[facility.product]):
            runner(facility, path, declined=True)
        else:
            facility.fast = runner(facility, path)


def declines(facility: Facility, makers: int) -> bool:
    """Whether the fast path leaves `facility` (one of `makers` of its product) to the
    step-by-step path: a vehicle line whose product's orders several facilities make (they
    share its book, and each one's starts cut the others'; factories sharing a book run in
    lockstep, `sim.model.fast.lockstep`); several paying budgets."""
    shared_book = facility.orders is not None and makers > 1 and facility.kind != "munitions_factory"
    return shared_book or len(facility.payers) > 1
