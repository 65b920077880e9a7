"""Measures over time from the records: delivered, trailing-12-month rate, stock and capacity.

Pure functions of plain arrays: deliveries are steps, capacity is piecewise linear, stock is
deliveries minus a demand drawdown that never takes it below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np

from sim.language.units import DAYS_PER_YEAR
from sim.records import Records

YEAR = DAYS_PER_YEAR


@dataclass(frozen=True)
class Deliveries:
    """Delivery times and the cumulative quantity delivered after each."""

    times: np.ndarray
    cumulative: np.ndarray

    @classmethod
    def of(cls, records: Records, product: int) -> Deliveries:
        """The deliveries of one product, merged per instant."""
        return cls.by_product(records)[product]

    @classmethod
    def by_product(cls, records: Records) -> list[Deliveries]:
        """The deliveries of every product (by index), from one array of the records."""
        rows = records.deliveries
        arr = np.fromiter(chain.from_iterable(rows), dtype=float, count=3 * len(rows)).reshape(-1, 3)
        arr = arr[arr[:, 2] > 0]
        arr = arr[np.argsort(arr[:, 0], kind="stable")]
        out = []
        for product in range(len(records.products)):
            mine = arr[arr[:, 1] == product]
            times, cum = mine[:, 0], np.cumsum(mine[:, 2])
            last = np.append(times[1:] != times[:-1], True) if times.size else np.zeros(0, dtype=bool)
            out.append(cls(times[last], cum[last]))
        return out

    def at(self, t: np.ndarray | float) -> np.ndarray:
        """Cumulative deliveries up to and including `t`."""
        idx = np.searchsorted(self.times, t, side="right")
        padded = np.concatenate(([0.0], self.cumulative))
        return padded[idx]

    def trailing_year(self, t: np.ndarray | float) -> np.ndarray:
        """Deliveries in the 12 months up to `t`: in (t − 1 year, t]."""
        return self.at(t) - self.at(np.asarray(t) - YEAR)


@dataclass(frozen=True)
class Capacity:
    """Installed capacity (per day) as a sum of linear ramps."""

    t0: np.ndarray
    t1: np.ndarray
    delta: np.ndarray

    @classmethod
    def of(cls, records: Records, product: int) -> Capacity:
        """The installed capacity of one product, summed over its facilities."""
        rows = [(a, b, d) for _, p, a, b, d in records.capacity if p == product]
        arr = np.array(rows, dtype=float).reshape(-1, 3)
        return cls(arr[:, 0], arr[:, 1], arr[:, 2])

    def at(self, t: np.ndarray | float) -> np.ndarray:
        """Capacity per day at `t` (steps count from their own instant)."""
        t = np.atleast_1d(np.asarray(t, dtype=float))[:, None]
        span = np.where(self.t1 > self.t0, self.t1 - self.t0, 1.0)
        frac = np.clip((t - self.t0) / span, 0.0, 1.0)
        frac = np.where(t >= self.t1, 1.0, frac)
        return (frac * self.delta).sum(axis=1)

    def knots(self) -> np.ndarray:
        """Times where the capacity's slope can change."""
        return np.unique(np.concatenate(([0.0], self.t0, self.t1)))


@dataclass(frozen=True)
class Stock:
    """Stock after each change: (time, level just after, slope until the next change)."""

    times: np.ndarray
    levels: np.ndarray
    slopes: np.ndarray
    unmet: float

    @classmethod
    def build(
        cls,
        initial: float,
        deliveries: Deliveries,
        demand: tuple[float, float, float] | None,
        horizon: float,
    ) -> Stock:
        """Walk deliveries and the demand window (from, until, rate per day) exactly."""
        if demand is None or demand[2] <= 0:
            return cls.without_drawdown(initial, deliveries, demand[:2] if demand else (), horizon)
        qty = np.diff(np.concatenate(([0.0], deliveries.cumulative)))
        changes: dict[float, float] = {0.0: 0.0}
        for t, q in zip(deliveries.times, qty, strict=True):
            changes[float(t)] = changes.get(float(t), 0.0) + float(q)
        d_from, d_until, rate = demand if demand else (0.0, 0.0, 0.0)
        for t in (d_from, d_until):
            if 0 <= t <= horizon:
                changes.setdefault(float(t), 0.0)
        times = sorted(changes)
        levels, slopes = [], []
        level, unmet = initial, 0.0
        for i, t in enumerate(times):
            level += changes[t]
            drawing = rate > 0 and d_from <= t < d_until
            levels.append(level)
            slopes.append(-rate if drawing else 0.0)
            end = min(times[i + 1] if i + 1 < len(times) else horizon, horizon)
            if drawing and end > t:
                wanted = rate * (end - t)
                unmet += max(0.0, wanted - level)
                level = max(0.0, level - wanted)
        return cls(np.array(times), np.array(levels), np.array(slopes), unmet)

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
        known = set(times.tolist())
        extra = [t for t in marks if 0 <= t <= horizon and t not in known]
        if extra:
            at = np.searchsorted(times, extra, side="right") - 1
            times = np.concatenate((times, extra))
            levels = np.concatenate((levels, levels[at]))
            order = np.argsort(times, kind="stable")
            times, levels = times[order], levels[order]
        return cls(times, levels, np.zeros(times.size), 0.0)

    def at(self, t: np.ndarray | float) -> np.ndarray:
        """Stock at `t`."""
        t = np.asarray(t, dtype=float)
        idx = np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, None)
        return np.maximum(0.0, self.levels[idx] + self.slopes[idx] * (t - self.times[idx]))
