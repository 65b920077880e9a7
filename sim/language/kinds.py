"""The facility kinds' language half, registered in one place: each kind's schema class and
its event estimate (what drives its events, the key a user changes to have fewer, and how
many over the days it acts: `sim.language.limits`). The model half, with the class that
simulates it and its fast-path runner, is `sim.model.kinds`, which reads this one."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.language.schema import (
    DEFAULT_START_INTERVAL,
    FACILITY_KINDS,
    FacilityBase,
    MunitionsFactory,
    Shipyard,
    VehicleLine,
)
from sim.language.values import mean_of

#: (what drives the events, the key under the facility that sets it, events over `days`)
Estimate = tuple[str, tuple[str, ...], float]


@dataclass(frozen=True)
class LanguageKind:
    """A facility kind as the scenario language knows it."""

    name: str
    schema: type[FacilityBase]
    events: Callable[[Any, float], Estimate]  # (its entry, days it acts) -> its event estimate


def _capacity(spec: Any) -> float:
    """Nameplate rate per day once every expansion is built."""
    added = sum(mean_of(e.capacity) for e in spec.expansions if e.capacity is not None)
    return mean_of(spec.capacity) + added


def _vehicle_batches(spec: Any, days: float) -> float:
    """A vehicle line starts a batch each start interval. Its deliveries are booked at the
    start and make no event (on a line that breaks down too: the working clock knows when each
    build ends, `sim.model.breakdowns`)."""
    return days / spec.start_interval


def _hull_stages(spec: Any, days: float) -> float:
    """Hull stages started over `days`: hulls are bounded by their number, the drumbeat and the docks."""
    stages = len(spec.stages)
    dock_days = sum(mean_of(s.duration) for s in spec.stages if s.dock)
    total_days = sum(mean_of(s.duration) for s in spec.stages)
    bounds = [math.inf]
    if spec.hulls is not None:
        bounds.append(spec.hulls)
    if spec.drumbeat:
        bounds.append(days / spec.drumbeat + 1)
    docks = (spec.docks or 1) + sum(e.docks or 0 for e in spec.expansions)
    if dock_days > 0:
        bounds.append(docks * days / dock_days + docks)
    elif total_days > 0 and spec.hulls is None and not spec.drumbeat:
        bounds.append(math.inf)
    return 2 * stages * min(bounds)


def _lots(spec: Any, days: float) -> Estimate:
    """A munitions factory makes an event per lot."""
    return f"lots of {spec.lot:g} days", ("lot",), days / spec.lot


def _batches(spec: Any, days: float) -> Estimate:
    """Many batches come from a short start interval or, within each, many build times."""
    key = "start_interval" if spec.start_interval < DEFAULT_START_INTERVAL else "capacity"
    return "batches of vehicles", (key,), _vehicle_batches(spec, days)


def _stages(spec: Any, days: float) -> Estimate:
    """A shipyard makes events per hull stage."""
    return "hull stages", ("stages",), _hull_stages(spec, days)


LANGUAGE_KINDS: dict[str, LanguageKind] = {
    k.name: k
    for k in (
        LanguageKind("munitions_factory", MunitionsFactory, _lots),
        LanguageKind("vehicle_line", VehicleLine, _batches),
        LanguageKind("shipyard", Shipyard, _stages),
    )
}
assert tuple(LANGUAGE_KINDS) == FACILITY_KINDS, "the schema's kinds are the registered kinds"
