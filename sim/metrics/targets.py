"""When each target is reached, from the measures of one replication: at the start of the first
span over which its measure stays at or above the threshold for the target's `sustain` (or
until the horizon, if that comes first: the span is then censored)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from sim.language.schema import Target
from sim.language.types import DaysOfDemand, Relative
from sim.metrics.series import YEAR, Capacity, Deliveries, Stock

#: a threshold counts as reached within this relative tolerance
REL_TOL = 1e-12


class Reach(NamedTuple):
    """When a target is reached (days from start; NaN if not within the horizon), and whether
    the span that reached it was cut short by the horizon before lasting its `sustain`."""

    day: float
    censored: bool


NOT_REACHED = Reach(math.nan, False)


def first_crossing_steps(times: np.ndarray, values: np.ndarray, threshold: float) -> float:
    """The first time a step series (value after each time) reaches `threshold`."""
    hit = np.nonzero(values >= threshold * (1 - REL_TOL))[0]
    return float(times[hit[0]]) if hit.size else math.nan


def capacity_crossing(capacity: Capacity, threshold: float, horizon: float) -> float:
    """The first time a piecewise-linear capacity reaches `threshold` (interpolated)."""
    reach = threshold * (1 - REL_TOL)
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
    """Days from start until `target` is reached (`target_reach`); NaN if not within the horizon."""
    return target_reach(target, deliveries, capacity, stock, initial_stock, horizon).day


def target_reach(
    target: Target,
    deliveries: Deliveries,
    capacity: Capacity,
    stock: Stock | None,
    initial_stock: float,
    horizon: float,
) -> Reach:
    """When `target` is reached, held for its `sustain` (`stock` is needed for a stock target
    only). Delivered never falls, nor does capacity unless a shipyard's programme starts its
    last hull (`sim.model.shipyard`), so they are held from their first crossing; the rate
    (piecewise linear), the stock (rising in steps, drawn down linearly) and a capacity that falls
    are walked exactly between the knots where their slope changes or they step."""
    measure, sustain = target.measure, target.sustain_days
    if measure == "unmet" or isinstance(target.threshold, DaysOfDemand):
        if stock is None:
            raise ValueError(f"target {target.name!r}: a {measure} target needs the product's stock")
        if measure == "unmet":  # the day demand left unmet first goes above the threshold
            day = stock.unmet_above(float(target.threshold))  # type: ignore[arg-type]
            return NOT_REACHED if math.isnan(day) else Reach(day, False)
        days = target.threshold.days  # type: ignore[union-attr]
        return sustained_reach(stock.unfloored, stock.times, days * stock.peak_demand(), sustain, horizon)
    threshold = resolve_threshold(target, capacity, initial_stock)
    if measure == "capacity":
        if (capacity.delta < 0).any():
            return sustained_reach(capacity_value(capacity), capacity.knots(), threshold, sustain, horizon)
        return held_from(capacity_crossing(capacity, threshold, horizon), sustain, horizon)
    if threshold <= 0:
        return held_from(0.0, sustain, horizon)
    if measure == "delivered":
        return held_from(first_crossing_steps(deliveries.times, deliveries.cumulative, threshold), sustain, horizon)
    if measure == "rate":
        made = deliveries.made
        level = threshold * YEAR
        begin = made.first_reaching(level * (1 - REL_TOL))
        if begin is None:
            return NOT_REACHED
        knots, known = made.year_knots(), made.known_until(horizon)
        return sustained_reach(made.trailing_year, knots, level, sustain, horizon, known, begin, made.continuous)
    if stock is None:
        raise ValueError(f"target {target.name!r}: a stock target needs the product's stock")
    return sustained_reach(stock.unfloored, stock.times, threshold, sustain, horizon)


def capacity_value(capacity: Capacity) -> Callable[[np.ndarray, bool], np.ndarray]:
    """`capacity` as `sustained_reach` reads a series: its values at `t`, or just before each."""

    def value(t: np.ndarray, left: bool) -> np.ndarray:
        if not left:
            return capacity.at(t)
        return capacity.at(t - 1e-9 * np.maximum(1.0, np.abs(t)))

    return value


def held_from(day: float, sustain: float, horizon: float) -> Reach:
    """A measure that never falls, first at its threshold at `day` (NaN: never): reached then,
    censored if the horizon comes before it has been held for `sustain`."""
    if math.isnan(day):
        return NOT_REACHED
    return Reach(day, day + sustain > horizon + span_tolerance(sustain))


def span_tolerance(sustain: float) -> float:
    """How much shorter than `sustain` a span may be and still count as lasting it (rounding)."""
    return 1e-9 * max(1.0, sustain)


def sustained_reach(
    value: Callable[[np.ndarray, bool], np.ndarray],
    knots: np.ndarray,
    threshold: float,
    sustain: float,
    horizon: float,
    known: float | None = None,
    begin: float = 0.0,
    continuous: bool = False,
) -> Reach:
    """The start of the first span in [0, horizon] over which a piecewise-linear series stays at
    or above `threshold` for `sustain` days, or runs on to the horizon (censored if shorter).

    `value(t, left)` gives the series at the times `t` (`left`: its limit from just before
    each), linear between the `knots` (where it may also step). Each piece between two knots
    is above the threshold over one interval at most (found by linear interpolation); pieces
    that meet above it at their common knot join into one span. Where the series is only a
    lower bound after `known` (the rate: work in production at the horizon is not recorded),
    a span still above the threshold then is taken to run on to the horizon. The caller may
    say the series is below the threshold before `begin`, and `continuous` (no steps: its
    limits from the left are its values), to save work."""
    reach = threshold * (1 - REL_TOL)
    begin = min(max(begin, 0.0), horizon)
    inside = knots[(knots > begin) & (knots < horizon)]
    grid = np.unique(np.concatenate(([begin], inside, [horizon])))
    after = value(grid, False)
    before = after if continuous else value(grid, True)
    # piece j runs from grid[j] (value after[j]) to grid[j + 1] (value before[j + 1]); the last
    # piece is the horizon itself
    a, b = grid, np.append(grid[1:], horizon)
    low, high = after, np.append(before[1:], after[-1])
    low_ok, high_ok = low >= reach, high >= reach
    good = low_ok | high_ok
    if not good.any():
        return NOT_REACHED
    rising = high - low
    crossing = a + np.divide(reach - low, rising, out=np.zeros_like(rising), where=rising != 0) * (b - a)
    crossing = np.clip(crossing, a, b)
    start = np.where(low_ok, a, crossing)  # the good part of each piece
    end = np.where(high_ok, b, crossing)
    joined = np.append(high_ok[:-1] & low_ok[1:], False)  # piece j runs on into piece j + 1
    first = good & ~np.concatenate(([False], joined[:-1]))
    last = good & ~joined
    starts, ends = np.flatnonzero(first), np.flatnonzero(last)
    known = horizon if known is None else known
    to_horizon = end[ends] >= min(known, horizon)
    length = np.where(to_horizon, horizon, end[ends]) - start[starts]
    held = (length >= sustain - span_tolerance(sustain)) | to_horizon
    found = np.flatnonzero(held)
    if not found.size:
        return NOT_REACHED
    i = int(found[0])
    return Reach(float(start[starts[i]]), bool(length[i] < sustain - span_tolerance(sustain)))
