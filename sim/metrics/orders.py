"""Deliveries routed to customers: each product's deliveries, in time order, go to the open
call-offs of its orders (`sim.model.orders`) that the delivering plant may serve (those naming
no plant, and those naming it) by priority (higher first), then the day the call-off was
placed, then scenario order. A call-off is open from the day it is placed until it
is filled; what arrives with no call-off open (work in build at the start beyond the orders)
goes to no customer. Pure functions of the records."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from sim.metrics.money import contribution_shares
from sim.metrics.series import Deliveries
from sim.records import Records

#: relative: a call-off filled to within this share of its quantity is filled
FILLED = 1e-9
#: the per-customer measures at the horizon (`line_measures`): units, then their value (money,
#: in the scenario's currency: each call-off's units times its price)
CUSTOMER_MEASURES = (
    "ordered",
    "delivered",
    "backlog",
    "waiting_days",
    "ordered_value",
    "delivered_value",
    "backlog_value",
)
#: the per-customer series over time (`line_measures`), as `timeline.csv`'s customer rows
LINE_SERIES = ("delivered", "backlog", "delivered_value", "backlog_value")


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
    plants = records.order_plants or [()] * len(orders)
    unfilled = np.array([row[3] for row in orders], dtype=float)
    rows: list[tuple[float, float, float, int, float]] = []
    t, p, q, began, made_by = records.deliveries.columns(0, 1, 2, 3, 4)
    for product in sorted({row[1] for row in orders}):
        mine = sorted((row[2], k) for k, row in enumerate(orders) if row[1] == product)
        at = np.flatnonzero((p == product) & (q > 0))
        at = at[np.argsort(t[at], kind="stable")]
        #: the open call-offs (-priority, placed, call-off) by the plants they name (none: any)
        open_: dict[tuple[int, ...], list[tuple[float, float, int]]] = {}
        next_ = 0
        for day, qty, start, plant in zip(
            t[at].tolist(), q[at].tolist(), began[at].tolist(), made_by[at].tolist(), strict=True
        ):
            while next_ < len(mine) and mine[next_][0] <= day:
                k = mine[next_][1]
                heapq.heappush(open_.setdefault(plants[k], []), (-orders[k][4], orders[k][2], k))
                next_ += 1
            served = [heap for named, heap in open_.items() if not named or int(plant) in named]
            while qty > 0.0 and (ready := [heap for heap in served if heap]):
                heap = min(ready, key=lambda h: h[0])
                _, placed, k = heap[0]
                take = min(qty, float(unfilled[k]))
                rows.append((day, start, placed, k, take))
                unfilled[k] -= take
                qty -= take
                if unfilled[k] <= FILLED * orders[k][3]:
                    unfilled[k] = 0.0
                    heapq.heappop(heap)
    table = np.array(rows, dtype=float).reshape(len(rows), 5)
    return Routed(table[:, 0], table[:, 1], table[:, 2], table[:, 3].astype(np.intp), table[:, 4], unfilled)


def exported(records: Records, routed: Routed | None, exports: set[str]) -> dict[int, Deliveries]:
    """Per product, the units delivered to export buyers (`exports`: their names) over time:
    they leave the product's stock when delivered (an export is not a stock at home)."""
    if routed is None or not exports or not routed.call_off.size:
        return {}
    owner = owners(records, routed)
    out: dict[int, Deliveries] = {}
    buyers = [c for c, name in enumerate(records.customers) if name in exports]
    for product in np.unique(owner[:, 1]).tolist():
        mine = (owner[:, 1] == product) & np.isin(owner[:, 0], buyers)
        if mine.any():
            out[int(product)] = Deliveries.summed(routed.day[mine], routed.quantity[mine])
    return out


def owners(records: Records, routed: Routed) -> np.ndarray:
    """The (customer, product) of each routed share's call-off (shares × 2)."""
    table = np.array([(row[0], row[1]) for row in records.orders], dtype=np.intp).reshape(len(records.orders), 2)
    return table[routed.call_off]


def customer_rows(records: Records, routed: Routed, customer: int, product: int) -> np.ndarray:
    """The routed shares that went to `customer`'s orders of `product` (a boolean mask)."""
    if not routed.call_off.size:
        return np.zeros(0, dtype=bool)
    owner = owners(records, routed)
    return (owner[:, 0] == customer) & (owner[:, 1] == product)


def nation_weights(records: Records, nation: str) -> np.ndarray:
    """Per customer (`records.customers`), the share of its deliveries that counts for `nation`:
    all of the nation's own, a budget's in the nation's share of the money it received
    (`contribution_shares`: a joint budget's deliveries are shared among the nations filling it,
    as its money is), none of any other customer's (an export buyer, another nation's budget)."""
    weights = np.zeros(len(records.customers))
    n = records.nations.index(nation) if nation in records.nations else None
    shares = contribution_shares(records).sum(axis=2)  # budgets × nations
    for c, name in enumerate(records.customers):
        if name == nation:
            weights[c] = 1.0
        elif n is not None and name in records.budgets:
            weights[c] = shares[records.budgets.index(name), n]
    return weights


def customer_weights(records: Records, customer: str) -> np.ndarray:
    """Per customer, 1 for `customer` and 0 for the others."""
    return np.array([1.0 if name == customer else 0.0 for name in records.customers])


def customer_deliveries(records: Records, routed: Routed, customer: int, product: int) -> Deliveries:
    """The deliveries of `product` to `customer`, as the target measures read a product's."""
    return weighted_deliveries(records, routed, customer_weights(records, records.customers[customer]), product)


def weighted_deliveries(records: Records, routed: Routed, weights: np.ndarray, product: int) -> Deliveries:
    """The deliveries of `product` to the customers, each share counted in its customer's
    weight (`customer_weights`, `nation_weights`), as the target measures read a product's."""
    if routed.call_off.size:
        owner = owners(records, routed)
        weight = np.where(owner[:, 1] == product, weights[owner[:, 0]], 0.0)
    else:
        weight = np.zeros(0)
    mask = weight > 0
    return Deliveries.summed(routed.day[mask], routed.quantity[mask] * weight[mask], routed.began[mask])


def lines(records: Records) -> list[tuple[int, int]]:
    """Each (customer, product) with orders, in order of first mention."""
    return records.order_lines


def line_measures(records: Records, routed: Routed, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per (customer, product) line (`lines`): its `CUSTOMER_MEASURES` at the horizon, and its
    `LINE_SERIES` cumulative at each of the times `at` (lines × series × times). Backlog is each
    call-off's quantity left unfilled, summed; a value is each unit's quantity times its
    call-off's price (`Records.order_prices`), so delivered + backlog = ordered in value too."""
    found = lines(records)
    totals = np.zeros((len(found), len(CUSTOMER_MEASURES)))
    series = np.zeros((len(found), len(LINE_SERIES), at.size))
    orders = records.orders
    prices = np.asarray(records.order_prices, dtype=float)
    share_price = prices[routed.call_off] if routed.call_off.size else np.zeros(0)
    for i, (customer, product) in enumerate(found):
        mine = [k for k, row in enumerate(orders) if row[0] == customer and row[1] == product]
        amounts = np.array([orders[k][3] for k in mine], dtype=float)
        price = prices[mine] if mine else np.zeros(0)
        unfilled = routed.unfilled[mine] if mine else np.zeros(0)
        mask = customer_rows(records, routed, customer, product)
        day, quantity, placed = routed.day[mask], routed.quantity[mask], routed.placed[mask]
        value = quantity * share_price[mask]
        delivered = float(quantity.sum())
        waiting = float((quantity * (day - placed)).sum() / delivered) if delivered > 0 else float("nan")
        totals[i] = (
            float(amounts.sum()),
            delivered,
            float(unfilled.sum()),
            waiting,
            float((amounts * price).sum()),
            float(value.sum()),
            float((unfilled * price).sum()),
        )
        order = np.argsort(day, kind="stable")
        where = np.searchsorted(day[order], at, side="right")
        got = np.concatenate(([0.0], np.cumsum(quantity[order])))[where]
        got_value = np.concatenate(([0.0], np.cumsum(value[order])))[where]
        place_days = np.array([orders[k][2] for k in mine], dtype=float)
        by_order = np.argsort(place_days, kind="stable")
        placed_at = np.searchsorted(place_days[by_order], at, side="right")
        placed_by = np.concatenate(([0.0], np.cumsum(amounts[by_order])))[placed_at]
        placed_value = np.concatenate(([0.0], np.cumsum((amounts * price)[by_order])))[placed_at]
        series[i] = (got, np.maximum(placed_by - got, 0.0), got_value, np.maximum(placed_value - got_value, 0.0))
    return totals, series
