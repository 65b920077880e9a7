"""Measures over time from the records: delivered, the production rate, stock and capacity.

Pure functions of plain arrays: deliveries are steps, capacity is piecewise linear, stock is
deliveries minus a demand drawdown that never takes it below zero. The rate is what was made in
the trailing year with each delivered batch's units spread evenly over the interval in which they
were produced (`Made`): a plant producing steadily at C reads exactly C whatever its lot length,
and a burst of deliveries counts only for the time it took to make.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from typing import Any

import numpy as np

from sim.language.units import DAYS_PER_YEAR
from sim.records import Records, columns, ramp_values, ramps_integral

YEAR = DAYS_PER_YEAR


@dataclass(frozen=True)
class Made:
    """Units made up to each time, each delivered batch's units spread evenly over the interval
    in which they were produced (from the day its production began to its delivery; a batch
    made in no time is a step at its delivery). Piecewise linear and right-continuous: its
    value just after each knot (steps included) and its slope until the next knot; `longest`,
    the longest time any batch took from its start to its delivery; `continuous` where no
    batch was made in no time (no steps: its limits from the left are its values)."""

    knots: np.ndarray
    values: np.ndarray
    slopes: np.ndarray
    longest: float = 0.0
    continuous: bool = False

    @classmethod
    def spread(cls, began: np.ndarray, ended: np.ndarray, units: np.ndarray) -> Made:
        """Batches of `units` produced from `began` to `ended`: the slope changes by each
        batch's units per day at its two ends (a step where they are one day); sorted once,
        summed per instant and accumulated, so the cost grows with batches, not units."""
        began = np.minimum(began, ended)
        span = ended - began
        ramp = span > 0
        steps = ~ramp
        n, m = int(np.count_nonzero(ramp)), int(np.count_nonzero(steps))
        if n + m == 0:
            return cls(span, span, span)
        # one event a ramp's start, a ramp's end and a step: when, and what it changes (the
        # slope, the batches in production, the units stepped up)
        if m:
            per_day = units[ramp] / span[ramp]
            times = np.concatenate((began[ramp], ended[ramp], ended[steps]))
        else:
            per_day = units / span
            times = np.concatenate((began, ended))
        turn, under_way = np.zeros(2 * n + m), np.zeros(2 * n + m, dtype=np.int32)
        turn[:n], turn[n : 2 * n] = per_day, -per_day
        under_way[:n], under_way[n : 2 * n] = 1, -1
        order = np.argsort(times, kind="stable")  # (runs already in order, from `Deliveries.by_product`, sort fast)
        times = times[order]
        last = np.empty(times.size, dtype=bool)  # the last event of each instant
        np.not_equal(times[1:], times[:-1], out=last[:-1])
        last[-1] = True
        at = np.flatnonzero(last)
        slopes = np.cumsum(turn[order])[at]
        slopes[np.cumsum(under_way[order])[at] == 0] = 0.0  # nothing in production: no rounding left over
        knots = times[at]
        values = np.cumsum(np.concatenate(([0.0], slopes[:-1] * np.diff(knots))))
        if m:
            stepped = np.zeros(2 * n + m)
            stepped[2 * n :] = units[steps]
            values += np.cumsum(stepped[order])[at]
        return cls(knots, values, slopes, float(span.max()), m == 0)

    @classmethod
    def at_delivery(cls, times: np.ndarray, cumulative: np.ndarray) -> Made:
        """Every unit counted as made when it was delivered (where nothing says when its
        production began): steps at the delivery times."""
        return cls(times, cumulative, np.zeros(times.size))

    def at(self, t: np.ndarray | float, left: bool = False) -> np.ndarray:
        """Units made up to and including `t` (`left`: up to just before `t`)."""
        return piecewise_at(self.knots, self.values, self.slopes, t, left)

    def trailing_year(self, t: np.ndarray | float, left: bool = False) -> np.ndarray:
        """Units made in the 12 months up to `t`: in (t − 1 year, t] (`left`: the limit from
        just before `t`)."""
        t = np.asarray(t, dtype=float)
        ends = self.at(np.concatenate((t.ravel(), t.ravel() - YEAR)), left)  # (one search for both ends)
        return (ends[: t.size] - ends[t.size :]).reshape(t.shape)

    def known_until(self, horizon: float) -> float:
        """Until when the record of what was made is complete: work still in production at the
        horizon is not delivered, so it is not recorded, and it may have begun as long before
        the horizon as the longest batch took (after then `at` is only a lower bound)."""
        return horizon - self.longest

    def first_reaching(self, level: float) -> float | None:
        """A time before which less than `level` had been made (so the trailing year, too, was
        below it); None if `level` was never made."""
        k = int(np.searchsorted(self.values, level))  # (what has been made never falls)
        if k == self.values.size:
            return None
        return float(self.knots[k - 1]) if k else 0.0

    def year_knots(self) -> np.ndarray:
        """Times where the trailing year's slope can change or it can step: each knot, and a
        year after it."""
        return np.concatenate((self.knots, self.knots + YEAR))


def piecewise_at(
    times: np.ndarray, values: np.ndarray, slopes: np.ndarray, t: np.ndarray | float, left: bool = False
) -> np.ndarray:
    """A right-continuous piecewise-linear series (`values` just after each of `times`, then
    `slopes` until the next; 0 before the first) at `t`, or its limit from the left."""
    t = np.asarray(t, dtype=float)
    if not times.size:
        return np.zeros(t.shape)
    idx = np.searchsorted(times, t, side="left" if left else "right") - 1
    at = np.maximum(idx, 0)
    return np.where(idx < 0, 0.0, values[at] + slopes[at] * (t - times[at]))


@dataclass(frozen=True)
class Deliveries:
    """Delivery times and the cumulative quantity delivered after each; with `batches`, each
    delivered batch as (day its production began, day delivered, units) for the rate."""

    times: np.ndarray
    cumulative: np.ndarray
    batches: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, records: Records, product: int) -> Deliveries:
        """The deliveries of one product, merged per instant."""
        return cls.by_product(records)[product]

    @classmethod
    def by_product(cls, records: Records) -> list[Deliveries]:
        """The deliveries of every product (by index), from the records' columns: grouped by
        product once, then each product's sorted by time (stable: ties keep record order)."""
        t, p, q, began = records.deliveries.columns(0, 1, 2, 3)
        n = len(records.products)
        rows = np.flatnonzero(q > 0)
        product = p[rows].astype(np.uint16 if n <= 1 << 16 else np.intp)  # small integers sort in one pass
        rows = rows[np.argsort(product, kind="stable")]
        bounds = np.searchsorted(p[rows], np.arange(n + 1) - 0.5).tolist()
        t, q, began = t[rows], q[rows], began[rows]
        out = []
        for a, b in pairwise(bounds):
            order = np.argsort(t[a:b], kind="stable")
            times, cum = t[a:b][order], np.cumsum(q[a:b][order])
            last = np.empty(times.size, dtype=bool)  # the last delivery of each instant
            np.not_equal(times[1:], times[:-1], out=last[:-1])
            last[-1:] = True
            out.append(cls(times[last], cum[last], (began[a:b][order], times, q[a:b][order])))
        return out

    @classmethod
    def summed(cls, times: np.ndarray, amounts: np.ndarray, began: np.ndarray | None = None) -> Deliveries:
        """`amounts` at `times` (in any order) as cumulative deliveries merged per instant
        (stable: ties keep their order); with `began`, each kept as a batch for the rate."""
        order = np.argsort(times, kind="stable")
        times, amounts = times[order], amounts[order]
        last = np.append(times[1:] != times[:-1], True) if times.size else np.zeros(0, dtype=bool)
        batches = None if began is None else (began[order], times, amounts)
        return cls(times[last], np.cumsum(amounts)[last], batches)

    def at(self, t: np.ndarray | float) -> np.ndarray:
        """Cumulative deliveries up to and including `t`."""
        idx = np.searchsorted(self.times, t, side="right")
        return self._from_zero[idx]

    @cached_property
    def _from_zero(self) -> np.ndarray:
        """Cumulative deliveries with the zero before the first."""
        return np.concatenate(([0.0], self.cumulative))

    @cached_property
    def made(self) -> Made:
        """What was made up to each time, each batch spread over its production (`Made`);
        without `batches`, counted at delivery."""
        if self.batches is None:
            return Made.at_delivery(self.times, self.cumulative)
        return Made.spread(*self.batches)

    def trailing_year(self, t: np.ndarray | float) -> np.ndarray:
        """The rate measure: units made in the 12 months up to `t`, in (t − 1 year, t], each
        batch spread over its production (`Made.trailing_year`)."""
        return self.made.trailing_year(t)


def component_uses(records: Records) -> dict[int, Deliveries]:
    """Per product used as a component: its units taken from its store (times, cumulative)."""
    if not records.stores:
        return {}
    day, material, amount = records.takes.columns(0, 1, 2)
    out = {}
    for m, product in records.stores.items():
        mine = material == m
        out[product] = Deliveries.summed(day[mine], amount[mine])
    return out


def net_of(delivered: Deliveries, used: Deliveries) -> Deliveries:
    """Deliveries less uses, as one series of changes (a component store's stock)."""
    times = np.union1d(delivered.times, used.times)
    return Deliveries(times, delivered.at(times) - used.at(times))


@dataclass(frozen=True)
class Capacity:
    """Installed capacity (per day) as a sum of linear ramps (a material's supply rate, too)."""

    t0: np.ndarray
    t1: np.ndarray
    delta: np.ndarray

    @classmethod
    def of(cls, records: Records, product: int) -> Capacity:
        """The installed capacity of one product, summed over its facilities."""
        return cls.by_product(records)[product]

    @classmethod
    def by_product(cls, records: Records) -> list[Capacity]:
        """The installed capacity of every product (by index), from one pass over the records."""
        return cls.grouped(records.capacity, len(records.products), key=1, first=2)

    @classmethod
    def grouped(cls, rows: Sequence[Sequence[Any]], groups: int, key: int, first: int) -> list[Capacity]:
        """One sum of ramps per group 0..groups-1 from rows holding the group at field `key`
        and (t0, t1, delta) from field `first` on: `records.capacity` by product, `records.supply`
        by material."""
        group, t0, t1, delta = columns(rows, key, first, first + 1, first + 2)
        order = np.argsort(group, kind="stable")  # each group's rows in record order
        bounds = np.searchsorted(group[order], np.arange(groups + 1) - 0.5).tolist()
        t0, t1, delta = t0[order], t1[order], delta[order]
        return [cls(t0[a:b], t1[a:b], delta[a:b]) for a, b in pairwise(bounds)]

    def at(self, t: np.ndarray | float) -> np.ndarray:
        """Capacity per day at `t` (steps count from their own instant)."""
        return ramp_values(self.t0, self.t1, self.delta, t).sum(axis=0)

    @staticmethod
    def table(capacities: Sequence[Capacity], t: np.ndarray) -> np.ndarray:
        """Each of `capacities` (rows) at the times `t` (columns): row i is exactly
        `capacities[i].at(t)`, from one evaluation of all their ramps."""
        t0, t1, delta = (
            np.concatenate([np.empty(0)] + [getattr(c, f) for c in capacities]) for f in ("t0", "t1", "delta")
        )
        values = ramp_values(t0, t1, delta, t)
        bounds = np.cumsum([0] + [c.t0.size for c in capacities]).tolist()
        out = np.empty((len(capacities), values.shape[1]))
        for row, (a, b) in enumerate(pairwise(bounds)):
            out[row] = values[a:b].sum(axis=0)
        return out

    def integral_to(self, t: np.ndarray) -> np.ndarray:
        """The rate integrated from −inf to each of the times `t` (`records.ramps_integral`)."""
        return ramps_integral(self.t0, self.t1, self.delta, t)

    def knots(self) -> np.ndarray:
        """Times where the capacity's slope can change."""
        return np.unique(np.concatenate(([0.0], self.t0, self.t1)))


#: a product's demand: one window (from, until, rate per day), a schedule of them, or none
Window = tuple[float, float, float]
DemandWindows = Window | Sequence[Window] | None


def windows_of(demand: DemandWindows) -> list[Window]:
    """`demand` as a list of windows (from, until, rate per day)."""
    if demand is None:
        return []
    if len(demand) == 3 and not isinstance(demand[0], Sequence):
        return [demand]  # type: ignore[list-item]
    return list(demand)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Stock:
    """Stock after each change: (time, level just after, slope until the next change)."""

    times: np.ndarray
    levels: np.ndarray
    slopes: np.ndarray
    unmet: float
    horizon: float = math.inf

    @classmethod
    def build(
        cls,
        initial: float,
        deliveries: Deliveries,
        demand: DemandWindows,
        horizon: float,
    ) -> Stock:
        """Walk deliveries and the demand windows (from, until, rate per day: rates of windows
        that overlap add) exactly."""
        windows = windows_of(demand)
        if not draws_down(demand):
            bounds = tuple(t for a, b, _ in windows for t in (a, b))
            return cls.without_drawdown(initial, deliveries, bounds, horizon)
        marks = [t for a, b, _ in windows for t in (a, b) if 0 <= t <= horizon]
        times = np.unique(np.concatenate(([0.0], deliveries.times, marks)))
        changes = np.zeros(times.size)
        qty = np.diff(np.concatenate(([0.0], deliveries.cumulative)))
        np.add.at(changes, np.searchsorted(times, deliveries.times), qty)
        ends = np.minimum(np.append(times[1:], horizon), horizon)
        if len(windows) == 1:
            d_from, d_until, rate = windows[0]
            drawing = (d_from <= times) & (times < d_until)
            rates = np.where(drawing, rate, 0.0)
        else:
            rates = np.zeros(times.size)
            for d_from, d_until, rate in windows:
                rates = rates + np.where((d_from <= times) & (times < d_until), rate, 0.0)
            drawing = rates > 0
        drawn = drawing & (ends > times)
        levels, unmet = drawdown(initial, changes, np.where(drawn, rates * (ends - times), 0.0), drawn)
        return cls(times, levels, np.where(drawing, -rates, 0.0), unmet, horizon)

    def peak_demand(self) -> float:
        """The heaviest demand rate per day that draws this stock down (0 if none)."""
        return float(-self.slopes.min()) if self.slopes.size and self.slopes.min() < 0 else 0.0

    def unmet_above(self, level: float) -> float:
        """The first day the demand left unmet so far goes above `level` (for 0: the day the
        stock runs out while demand draws on it); NaN if it never does within the horizon.
        Unmet demand grows at the demand rate from the instant the stock reaches zero."""
        short = 0.0
        ends = np.minimum(np.append(self.times[1:], self.horizon), self.horizon).tolist()
        walk = zip(self.times.tolist(), ends, self.levels.tolist(), self.slopes.tolist(), strict=True)
        for t, end, have, slope in walk:
            rate = -slope
            if rate <= 0 or end <= t:
                continue
            have = max(have, 0.0)
            wanted = rate * (end - t)
            if have < wanted:
                empty = t + have / rate
                day = empty + (level - short) / rate
                if day < end:
                    return day
                short += wanted - have
        return math.nan

    @classmethod
    def without_drawdown(
        cls, initial: float, deliveries: Deliveries, marks: tuple[float, ...], horizon: float
    ) -> Stock:
        """`build` where nothing draws stock down (vectorised): the level is what has been
        delivered; `marks` (a demand window of rate zero) are changes of nothing."""
        times = np.concatenate(([0.0], deliveries.times))
        levels = initial + np.concatenate(([0.0], deliveries.cumulative))
        if deliveries.times.size and deliveries.times[0] == 0.0:
            times, levels = times[1:], levels[1:]
        extra = [t for t in marks if 0 <= t <= horizon]
        if extra:
            known = set(times.tolist())
            extra = [t for t in extra if t not in known]
        if extra:
            at = np.searchsorted(times, extra, side="right") - 1
            times = np.concatenate((times, extra))
            levels = np.concatenate((levels, levels[at]))
            order = np.argsort(times, kind="stable")
            times, levels = times[order], levels[order]
        return cls(times, levels, np.zeros(times.size), 0.0)

    def at(self, t: np.ndarray | float) -> np.ndarray:
        """Stock at `t`."""
        return np.maximum(0.0, self.unfloored(t))

    def unfloored(self, t: np.ndarray | float, left: bool = False) -> np.ndarray:
        """`at` before the floor at zero: linear between the changes, so where it is above zero
        (all a positive threshold needs) it is the stock, and between two changes it is the
        line through them."""
        t = np.asarray(t, dtype=float)
        idx = np.maximum(np.searchsorted(self.times, t, side="left" if left else "right") - 1, 0)
        return self.levels[idx] + self.slopes[idx] * (t - self.times[idx])


def draws_down(demand: DemandWindows) -> bool:
    """Whether the demand windows (from, until, rate per day) draw stock down at all: where they
    do not, the stock at any time is the initial stock plus what has been delivered."""
    return any(rate > 0 for _, _, rate in windows_of(demand))


#: stock-outs after which `drawdown` walks the rest step by step rather than summing again
RESTARTS = 8


def drawdown(initial: float, changes: np.ndarray, wanted: np.ndarray, drawn: np.ndarray) -> tuple[np.ndarray, float]:
    """The stock just after each change, and the demand left unmet, when after change i the
    stock is drawn down by `wanted[i]` (where `drawn[i]`) but never below zero.

    A running floor at zero is a sequential recurrence. Between stock-outs it is one running
    sum of the changes and the draws (`np.add.accumulate` adds in order, so every rounding
    step is the loop's and results do not move by a bit), started again from zero after
    each stock-out; past `RESTARTS` stock-outs the rest is walked step by step."""
    n = changes.size
    steps = np.empty(2 * n + 1)  # the level, then change, −draw, change, −draw, ...
    steps[1::2] = changes
    steps[2::2] = -np.where(drawn, wanted, 0.0)  # −0.0 where nothing is drawn: x + −0.0 is x
    levels = np.empty(n)
    level, unmet, start = initial, 0.0, 0
    for _ in range(RESTARTS):
        steps[2 * start] = level
        after = np.add.accumulate(steps[2 * start :])[1::2]
        levels[start:] = after
        short = np.flatnonzero(drawn[start:] & (after < wanted[start:]))
        if not short.size:
            return levels, unmet
        i = start + int(short[0])
        unmet += float(wanted[i]) - float(levels[i])
        level, start = 0.0, i + 1
    levels[start:], unmet = walk_down(level, unmet, changes[start:], wanted[start:], drawn[start:])
    return levels, unmet


def walk_down(
    level: float, unmet: float, changes: np.ndarray, wanted: np.ndarray, drawn: np.ndarray
) -> tuple[list[float], float]:
    """`drawdown` one step at a time from `level` with `unmet` so far (for many stock-outs)."""
    levels = []
    for change, want, draws in zip(changes.tolist(), wanted.tolist(), drawn.tolist(), strict=True):
        level += change
        levels.append(level)
        if draws:
            if level < want:
                unmet += want - level
                level = 0.0
            else:
                level -= want
    return levels, unmet
