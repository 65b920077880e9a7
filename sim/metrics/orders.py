"""Deliveries routed to customers: each product's deliveries, in time order, go to the open
call-offs of its orders (`sim.model.orders`) by priority (higher first), then the day the
call-off was placed, then scenario order. A call-off is open from the day it is placed until it
is filled; what arrives with no call-off open (work in build at the start beyond the orders)
goes to no customer. Pure functions of the records."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from sim.metrics.series import Deliveries
from sim.records import Records

#: relative: a call-off filled to within this share of its quantity is filled
FILLED = 1e-9
#: the per-customer measures at the horizon (`Routed.totals`)
CUSTOMER_MEASURES = ("ordered", "delivered", "backlog", "waiting_days")


@dataclass(frozen=True)
class Routed:
    """Each share of a delivery that went to a call-off (parallel arrays, in routing order),
    and each call-off's quantity left unfilled at the horizon (in record order)."""

    day: np.ndarray  # delivered
    began: np.ndarray  # the day its production began
    placed: np.ndarray  # the day its call-off was placed
    call_off: np.ndarray  # index into `records.orders`
    quantity: np.ndarray
    unfilled: np.ndarray  # per call-off


def route(records: Records) -> Routed:
    """Route every product's deliveries to its call-offs (see the module)."""
    orders = records.orders
    unfilled = np.array([row[3] for row in orders], dtype=float)
    rows: list[tuple[float, float, float, int, float]] = []
    t, p, q, began = records.deliveries.columns(0, 1, 2, 3)
    for product in sorted({row[1] for row in orders}):
        mine = sorted((row[2], k) for k, row in enumerate(orders) if row[1] == product)
        at = np.flatnonzero((p == product) & (q > 0))
        at = at[np.argsort(t[at], kind="stable")]
        open_: list[tuple[float, float, int]] = []  # (-priority, placed, call-off)
        next_ = 0
        for day, qty, start in zip(t[at].tolist(), q[at].tolist(), began[at].tolist(), strict=True):
            while next_ < len(mine) and mine[next_][0] <= day:
                k = mine[next_][1]
                heapq.heappush(open_, (-orders[k][4], orders[k][2], k))
                next_ += 1
            while qty > 0.0 and open_:
                _, placed, k = open_[0]
                take = min(qty, float(unfilled[k]))
                rows.append((day, start, placed, k, take))
                unfilled[k] -= take
                qty -= take
                if unfilled[k] <= FILLED * orders[k][3]:
                    unfilled[k] = 0.0
                    heapq.heappop(open_)
    table = np.array(rows, dtype=float).reshape(len(rows), 5)
    return Routed(table[:, 0], table[:, 1], table[:, 2], table[:, 3].astype(np.intp), table[:, 4], unfilled)


def customer_rows(records: Records, routed: Routed, customer: int, product: int) -> np.ndarray:
    """The routed shares that went to `customer`'s orders of `product` (a boolean mask)."""
    if not routed.call_off.size:
        return np.zeros(0, dtype=bool)
    owner = np.array([(row[0], row[1]) for row in records.orders])[routed.call_off]
    return (owner[:, 0] == customer) & (owner[:, 1] == product)


def customer_deliveries(records: Records, routed: Routed, customer: int, product: int) -> Deliveries:
    """The deliveries of `product` to `customer`, as the target measures read a product's."""
    mask = customer_rows(records, routed, customer, product)
    day, quantity, began = routed.day[mask], routed.quantity[mask], routed.began[mask]
    order = np.argsort(day, kind="stable")
    day, quantity, began = day[order], quantity[order], began[order]
    if not day.size:
        empty = np.empty(0)
        return Deliveries(empty, empty, (empty, empty, empty))
    cumulative = np.cumsum(quantity)
    last = np.append(day[1:] != day[:-1], True)
    return Deliveries(day[last], cumulative[last], (began, day, quantity))


def lines(records: Records) -> list[tuple[int, int]]:
    """Each (customer, product) with orders, in order of first mention."""
    return records.order_lines


def line_measures(records: Records, routed: Routed, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per (customer, product) line (`lines`): (ordered, delivered, backlog, waiting days per
    unit delivered) at the horizon, and (delivered, backlog) cumulative at each of the times
    `at` (lines × 2 × times). Backlog is each call-off's quantity left unfilled, summed."""
    found = lines(records)
    totals = np.zeros((len(found), len(CUSTOMER_MEASURES)))
    series = np.zeros((len(found), 2, at.size))
    orders = records.orders
    for i, (customer, product) in enumerate(found):
        mine = [k for k, row in enumerate(orders) if row[0] == customer and row[1] == product]
        ordered = sum(orders[k][3] for k in mine)
        backlog = float(sum(routed.unfilled[k] for k in mine))
        mask = customer_rows(records, routed, customer, product)
        day, quantity, placed = routed.day[mask], routed.quantity[mask], routed.placed[mask]
        delivered = float(quantity.sum())
        waiting = float((quantity * (day - placed)).sum() / delivered) if delivered > 0 else float("nan")
        totals[i] = (ordered, delivered, backlog, waiting)
        order = np.argsort(day, kind="stable")
        got = np.concatenate(([0.0], np.cumsum(quantity[order])))[np.searchsorted(day[order], at, side="right")]
        place_days = np.array([orders[k][2] for k in mine])
        amounts = np.array([orders[k][3] for k in mine])
        by_order = np.argsort(place_days, kind="stable")
        cum_placed = np.concatenate(([0.0], np.cumsum(amounts[by_order])))
        placed_by = cum_placed[np.searchsorted(place_days[by_order], at, side="right")]
        series[i, 0] = got
        series[i, 1] = np.maximum(placed_by - got, 0.0)
    return totals, series
