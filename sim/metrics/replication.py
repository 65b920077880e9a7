"""The measures of one replication, reduced from its records to a small result.

A `ReplicationResult` is what crosses process boundaries and is kept per replication: the
records themselves are dropped once measured, so memory does not grow with event counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from sim.language.calendar import Clock
from sim.language.schema import Scenario, Target
from sim.metrics.money import national_money
from sim.metrics.orders import (
    CUSTOMER_MEASURES,
    LINE_SERIES,
    Routed,
    customer_weights,
    exported,
    line_measures,
    nation_weights,
    route,
    weighted_deliveries,
)
from sim.metrics.series import (
    YEAR,
    Capacity,
    Deliveries,
    DemandWindows,
    Stock,
    component_uses,
    draws_down,
    net_of,
)
from sim.metrics.supply import supplier_use
from sim.metrics.targets import Reach, target_reach
from sim.records import Records

#: target measures read from the product's stock (drawn down by its demand)
STOCK_MEASURES = ("stock", "unmet")
#: `used`: units of a component taken by the facilities consuming it (0 for other products)
TIMELINE_MEASURES = ("delivered", "rate", "stock", "capacity", "used")
END_MEASURES = ("delivered", "rate", "stock", "capacity", "used", "unmet_demand")


def month_grid(start: dt.date, horizon: float) -> tuple[list[dt.date], np.ndarray]:
    """Monthly dates from start to the horizon and their day numbers (`Clock.month_grid`)."""
    return Clock(start).month_grid(horizon)


@lru_cache(maxsize=16)
def month_days(start: dt.date, horizon: float) -> np.ndarray:
    """`month_grid`'s day numbers, computed once per start and horizon (every replication of a
    study is measured on the same months); read-only, as every caller shares it."""
    days = month_grid(start, horizon)[1]
    days.flags.writeable = False
    return days


@dataclass
class ReplicationResult:
    """What one replication yields for summaries, studies and plots."""

    replication: int
    target_days: np.ndarray  # per target, NaN where not reached
    censored: np.ndarray  # per target, whether the horizon cut the span that reached it short of its sustain
    timeline: np.ndarray  # products × TIMELINE_MEASURES × months
    end: np.ndarray  # products × END_MEASURES
    budgets: np.ndarray  # budgets × (appropriated, spent, lapsed)
    by_year: dict[str, dict[int, float]]  # budget -> fiscal year -> appropriated
    time_use: dict[str, dict[str, float]]
    events: int
    #: its history for the pictures (`sim.metrics.detail.replication_detail`), where the run
    #: asked to keep it (replication 0 of `rearm run`), so presentation never simulates again
    detail: dict[str, Any] | None = None
    #: per (customer, product) line with orders (`sim.metrics.orders.lines`): its
    #: `CUSTOMER_MEASURES` at the horizon, and its `LINE_SERIES` at the months
    orders_end: np.ndarray = field(default_factory=lambda: np.zeros((0, len(CUSTOMER_MEASURES))))
    orders_timeline: np.ndarray = field(default_factory=lambda: np.zeros((0, len(LINE_SERIES), 0)))
    #: per material with suppliers: what each delivered, its days disrupted, the waiting it
    #: caused (`sim.metrics.supply.supplier_use`)
    supply: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: per nation and path, its spending and the money of the budgets it fills: nations × paths
    #: × `sim.metrics.money.NATIONAL_MEASURES`
    national: np.ndarray = field(default_factory=lambda: np.zeros((0, 2, 6)))


def demand_window(records: Records, product: int) -> DemandWindows:
    """(from, until, rate per day) of a product's demand, in days: one window, or a list of
    them for a schedule; None without demand."""
    found = [(a, b, r) for p, a, b, r in records.demand if p == product]
    return None if not found else found[0] if len(found) == 1 else found


def measure(scenario: Scenario, records: Records, replication: int, grid: np.ndarray) -> ReplicationResult:
    """Reduce one replication's records to its measures."""
    horizon = scenario.horizon
    products = records.products
    delivered = Deliveries.by_product(records)
    capacities = Capacity.by_product(records)
    at = np.append(grid, horizon)  # the months, then the horizon: one evaluation of each series
    capacity_at = Capacity.table(capacities, at) * YEAR
    initial = [float(scenario.inventory.get(name, 0.0)) for name in products]
    target_product = [products.index(t.product) for t in scenario.targets]
    stock_targets = {p for t, p in zip(scenario.targets, target_product, strict=True) if t.measure in STOCK_MEASURES}
    stocks: dict[int, Stock] = {}
    series, unmet = [], []  # per product: TIMELINE_MEASURES at the months and the horizon; unmet demand
    uses = component_uses(records)
    routed = route(records) if records.order_lines else None
    exports = exported(records, routed, {o.customer for o in scenario.orders if o.export})
    for p, deliveries in enumerate(delivered):
        cumulative = deliveries.at(at)
        demand = demand_window(records, p)
        used = uses[p].at(at) if p in uses else np.zeros(at.size)
        if p in stock_targets or draws_down(demand) or p in uses or p in exports:
            in_store = net_of(deliveries, uses[p]) if p in uses else deliveries
            if p in exports:  # exports leave the stock when delivered
                in_store = net_of(in_store, exports[p])
            stocks[p] = stock = Stock.build(initial[p], in_store, demand, horizon)
            stock_at = stock.at(at)
            unmet.append(stock.unmet)
        else:  # nothing draws it down: the stock is what has been delivered (as `Stock.at` gives it)
            stock_at = initial[p] + cumulative
            unmet.append(0.0)
        series.append((cumulative, deliveries.trailing_year(at), stock_at, capacity_at[p], used))
    values = np.array(series).reshape(len(products), len(TIMELINE_MEASURES), at.size)
    timeline = np.ascontiguousarray(values[:, :, :-1])
    end = np.column_stack((values[:, :, -1], unmet))
    reaches = [
        target_reach(t, delivered[p], capacities[p], stocks.get(p), initial[p], horizon)
        if (t.customer is None and t.nation is None) or routed is None
        else customer_reach(t, records, routed, p, capacities[p], horizon)
        for t, p in zip(scenario.targets, target_product, strict=True)
    ]
    target_days = np.array([r.day for r in reaches], dtype=float)
    censored = np.array([r.censored for r in reaches], dtype=bool)
    by_year: dict[str, dict[int, float]] = {b: {} for b in records.budgets}
    for _, b, year, amount in records.appropriations:
        by_year[records.budgets[b]][year] = amount
    budgets = budget_totals(records)
    time_use: dict[str, dict[str, float]] = defaultdict(dict)
    for f, causes in records.time_use.items():
        time_use[records.facilities[f]] = dict(causes)
    result = ReplicationResult(
        replication,
        target_days,
        censored,
        timeline,
        end,
        budgets,
        by_year,
        dict(time_use),
        records.events,
        supply=supplier_use(records, horizon),
        national=national_money(records, budgets),
    )
    if routed is not None:
        totals, by_month = line_measures(records, routed, at)
        result.orders_end, result.orders_timeline = totals, np.ascontiguousarray(by_month[:, :, :-1])
    return result


def customer_reach(
    target: Target, records: Records, routed: Routed, product: int, capacity: Capacity, horizon: float
) -> Reach:
    """When a target naming a `customer` (or a `nation`) is reached: its measure read on the
    deliveries of its product to that customer (to the nation's customers, `nation_weights`);
    its stock: what they have received."""
    if target.nation is not None:
        weights = nation_weights(records, target.nation)
    else:
        assert target.customer is not None
        weights = customer_weights(records, target.customer)
    deliveries = weighted_deliveries(records, routed, weights, product)
    stock = Stock.build(0.0, deliveries, None, horizon) if target.measure == "stock" else None
    return target_reach(target, deliveries, capacity, stock, 0.0, horizon)


def budget_totals(records: Records) -> np.ndarray:
    """Money appropriated, spent and lapsed per budget: budgets × 3 (each summed in record order)."""
    n = len(records.budgets)
    sums = [
        np.bincount(b.astype(np.intp), weights=amount, minlength=n)
        for b, amount in (
            records.appropriations.columns(1, 3),
            records.spending.columns(1, 3),
            records.lapses.columns(1, 2),
        )
    ]
    return np.column_stack(sums).reshape(n, 3)
