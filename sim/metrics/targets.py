"""When each target is first reached, from the measures of one replication."""

from __future__ import annotations

import math

import numpy as np

from sim.language.schema import Target
from sim.language.types import Relative
from sim.metrics.series import YEAR, Capacity, Deliveries, Stock


def first_crossing_steps(times: np.ndarray, values: np.ndarray, threshold: float) -> float:
    """The first time a step series (value after each time) reaches `threshold`."""
    hit = np.nonzero(values >= threshold * (1 - 1e-12))[0]
    return float(times[hit[0]]) if hit.size else math.nan


def capacity_crossing(capacity: Capacity, threshold: float, horizon: float) -> float:
    """The first time a piecewise-linear capacity reaches `threshold` (interpolated)."""
    reach = threshold * (1 - 1e-12)
    knots = capacity.knots()
    knots = knots[(knots >= 0) & (knots <= horizon)]
    values = capacity.at(knots)  # right-continuous: a step counts at its own instant
    if values[0] >= reach:
        return 0.0
    a, b = knots[:-1], knots[1:]
    before = capacity.at(b - 1e-9 * np.maximum(1.0, b - a))  # just before each knot: the end of a ramp
    ramped, stepped = before >= reach, values[1:] >= reach
    crossed = np.flatnonzero(ramped | stepped)
    if not crossed.size:
        return math.nan
    i = int(crossed[0])
    if ramped[i]:
        start, end, low = float(a[i]), float(b[i]), float(values[i])
        return start + (threshold - low) / (float(before[i]) - low) * (end - start)
    return float(b[i])


def resolve_threshold(target: Target, capacity: Capacity, initial_stock: float) -> float:
    """The threshold in base units; `Nx` is a multiple of the target's `baseline` (written, or
    resolved once per run or study from the scenario as written: `sim.studies.goals`). Without
    one, of this replication's own value at start (for a rate, of the capacity installed at
    start: the rate the plants could deliver then)."""
    threshold = target.threshold
    fixed = target.fixed_threshold
    if fixed is not None:
        return fixed
    assert isinstance(threshold, Relative)
    if target.measure == "stock":
        return threshold.factor * initial_stock
    return threshold.factor * float(capacity.at(0.0)[0])


def time_to_target(
    target: Target,
    deliveries: Deliveries,
    capacity: Capacity,
    stock: Stock | None,
    initial_stock: float,
    horizon: float,
) -> float:
    """Days from start until `target` is first reached; NaN if not within the horizon
    (`stock` is needed for a stock target only)."""
    threshold = resolve_threshold(target, capacity, initial_stock)
    measure = target.measure
    if measure == "capacity":
        return capacity_crossing(capacity, threshold, horizon)
    if threshold <= 0:
        return 0.0
    if measure == "delivered":
        return first_crossing_steps(deliveries.times, deliveries.cumulative, threshold)
    if measure == "rate":
        trailing = deliveries.trailing_year(deliveries.times, upto=deliveries.cumulative)
        return first_crossing_steps(deliveries.times, trailing, threshold * YEAR)
    if stock is None:
        raise ValueError(f"target {target.name!r}: a stock target needs the product's stock")
    levels_at_changes = stock.levels
    if levels_at_changes.size and levels_at_changes[0] >= threshold * (1 - 1e-12):
        return 0.0
    return first_crossing_steps(stock.times, levels_at_changes, threshold)
