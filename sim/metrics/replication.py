"""The measures of one replication, reduced from its records to a small result.

A `ReplicationResult` is what crosses process boundaries and is kept per replication: the
records themselves are dropped once measured, so memory does not grow with event counts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from sim.language.schema import Scenario
from sim.metrics.series import YEAR, Capacity, Deliveries, Stock
from sim.metrics.targets import time_to_target
from sim.records import Records

TIMELINE_MEASURES = ("delivered", "rate", "stock", "capacity")
END_MEASURES = ("delivered", "rate", "stock", "capacity", "unmet_demand")


def month_grid(start: dt.date, horizon: float) -> tuple[list[dt.date], np.ndarray]:
    """Monthly dates from start to the horizon, and their day numbers."""
    dates, days = [], []
    k = 0
    while True:
        month0 = start.month - 1 + k
        year, month = start.year + month0 // 12, month0 % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        date = dt.date(year, month, day)
        offset = (date - start).days
        if offset > horizon + 1e-9:
            break
        dates.append(date)
        days.append(float(offset))
        k += 1
    return dates, np.array(days)


@dataclass
class ReplicationResult:
    """What one replication yields for summaries, studies and plots."""

    replication: int
    target_days: np.ndarray  # per target, NaN where not reached
    timeline: np.ndarray  # products × TIMELINE_MEASURES × months
    end: np.ndarray  # products × END_MEASURES
    budgets: np.ndarray  # budgets × (appropriated, spent, lapsed)
    by_year: dict[str, dict[int, float]]  # budget -> fiscal year -> appropriated
    time_use: dict[str, dict[str, float]]
    events: int


def demand_window(records: Records, product: int) -> tuple[float, float, float] | None:
    """(from, until, rate per day) of a product's demand, in days."""
    return next(((a, b, r) for p, a, b, r in records.demand if p == product), None)


def measure(scenario: Scenario, records: Records, replication: int, grid: np.ndarray) -> ReplicationResult:
    """Reduce one replication's records to its measures."""
    horizon = scenario.horizon
    products = records.products
    timeline = np.zeros((len(products), len(TIMELINE_MEASURES), grid.size))
    end = np.zeros((len(products), len(END_MEASURES)))
    per_product = {}
    delivered = Deliveries.by_product(records)
    for p, name in enumerate(products):
        deliveries = delivered[p]
        capacity = Capacity.of(records, p)
        initial = float(scenario.inventory.get(name, 0.0))
        stock = Stock.build(initial, deliveries, demand_window(records, p), horizon)
        per_product[name] = (deliveries, capacity, stock, initial)
        timeline[p, 0] = deliveries.at(grid)
        timeline[p, 1] = deliveries.trailing_year(grid)
        timeline[p, 2] = stock.at(grid)
        timeline[p, 3] = capacity.at(grid) * YEAR
        end[p] = (
            deliveries.at(horizon)[()],
            deliveries.trailing_year(horizon)[()],
            stock.at(horizon)[()],
            capacity.at(horizon)[0] * YEAR,
            stock.unmet,
        )
    target_days = np.array(
        [time_to_target(t, *per_product[t.product][:3], per_product[t.product][3], horizon) for t in scenario.targets],
        dtype=float,
    )
    sums = [[0.0, 0.0, 0.0] for _ in records.budgets]  # plain floats: one pass, no numpy item access
    by_year: dict[str, dict[int, float]] = {b: {} for b in records.budgets}
    for _, b, year, amount in records.appropriations:
        sums[b][0] += amount
        by_year[records.budgets[b]][year] = amount
    for _, b, _, amount, _ in records.spending:
        sums[b][1] += amount
    for _, b, amount in records.lapses:
        sums[b][2] += amount
    budgets = np.array(sums, dtype=float).reshape(len(records.budgets), 3)
    time_use: dict[str, dict[str, float]] = defaultdict(dict)
    for f, causes in records.time_use.items():
        time_use[records.facilities[f]] = dict(causes)
    return ReplicationResult(replication, target_days, timeline, end, budgets, by_year, dict(time_use), records.events)
