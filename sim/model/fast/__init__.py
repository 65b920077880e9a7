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
same order, so both paths give the same records. Chosen by `simulate(..., fast=True)`; a kind
without a runner (the shipyard), or a facility with people, orders or several paying budgets,
or one that takes a component, always goes step by step. Work begun on a facility's working
clock is done on a day known when it begins (`WorkClock.begin`), so a run's deliveries (to a
component store too) are booked at its start, on a facility that breaks down as on one that
does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from sim.model.fast.path import FastPath, Runner

if TYPE_CHECKING:
    from sim.model.facility import Facility
    from sim.model.world import World

__all__ = ["FastPath", "Runner", "attach"]


def attach(world: World, facilities: Iterable[Facility], runners: Mapping[str, type[Runner] | None]) -> None:
    """Put `facilities` on the fast path: each kind with a runner in `runners` gets one as its
    hook; the others run step by step, counted only as users of their stocks."""
    path = FastPath(world)
    for facility in facilities:
        runner = runners.get(facility.kind)
        # (orders: built to the backlog; several budgets; a component's taker: all step by step)
        declined = facility.orders is not None or len(facility.payers) > 1 or facility.uses_components()
        if runner is None or declined:
            Runner(facility, path)
        else:
            facility.fast = runner(facility, path)
