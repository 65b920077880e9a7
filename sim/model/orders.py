"""Orders: the backlog that a product with orders is built to.

Each order is placed as call-offs (`call_offs`: a quantity on one date, or a rate as monthly
call-offs); the call-offs are written to the records, where the metrics route deliveries to
customers (`sim.metrics.orders`). In the model a product with orders has one `OrderBook`,
shared by its facilities: a facility starts no more good units than are ordered by now and not
yet started (delivered or in production), and with none open it waits, booking `orders`, until
the next call-off is placed. Products without orders have no book and behave as before.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence

from sim.language.calendar import Clock, monthly_dates
from sim.language.schema import Order, Scenario

#: the waiting cause of a facility whose product has no open orders
ORDERS = "orders"
#: relative: an open backlog this small (of a lot or a vehicle) is rounding, not an order
ROUNDING = 1e-9


def call_offs(order: Order, clock: Clock, horizon: float) -> list[tuple[float, float]]:
    """(day placed, quantity) of each of the order's call-offs placed before the horizon: a
    quantity at once on `placed` (default the start); a rate on `placed` and the same day of
    each later month before `until`, each call-off the rate over the days to the next."""
    placed = clock.start if order.placed is None else order.placed
    if order.quantity is not None:
        day = clock.day_of(placed)
        return [(day, float(order.quantity))] if day < horizon and order.quantity > 0 else []
    assert order.rate is not None and order.until is not None
    days = [clock.day_of(d) for d in monthly_dates(placed, order.until)] + [clock.day_of(order.until)]
    return [(a, order.rate * (b - a)) for a, b in zip(days[:-1], days[1:], strict=True) if a < horizon]


def unit_prices(scenario: Scenario, unit_costs: Mapping[str, float]) -> list[float]:
    """Each order's price per unit, in scenario order: its `price`, else `unit_costs` of its
    product (the first facility making it: its unit cost at the start). The buyer's price is
    reported as order value; the plants' costs are paid from their budgets as before."""
    return [float(o.price) if o.price is not None else unit_costs[o.product] for o in scenario.orders]


def customers_of(scenario: Scenario) -> list[str]:
    """The customers with orders, in order of first mention."""
    return list(dict.fromkeys(o.customer for o in scenario.orders))


class OrderBook:
    """The call-offs of one product placed over time, and the good units started against them."""

    def __init__(self, placements: Sequence[tuple[float, float]]) -> None:
        ordered = sorted(placements)
        self.days = [d for d, _ in ordered]
        self.placed: list[float] = []  # cumulative quantity placed up to each call-off
        total = 0.0
        for _, quantity in ordered:
            total += quantity
            self.placed.append(total)
        self.started = 0.0  # good units started (or in build at the start) against them

    def placed_by(self, day: float) -> float:
        """The quantity placed on or before `day`."""
        k = bisect.bisect_right(self.days, day)
        return self.placed[k - 1] if k else 0.0

    def open(self, day: float) -> float:
        """Ordered by `day` and not yet started: what may still be started then."""
        left = self.placed_by(day) - self.started
        return left if left > 0.0 else 0.0

    def allows(self, planned: float, good_fraction: float, day: float) -> float:
        """Of `planned` units (of which `good_fraction` come out good), those the open orders
        allow at `day` (none, if only a rounding's worth of `planned` is open)."""
        if good_fraction <= 0.0:  # nothing comes out good: orders never close
            return planned
        wanted = self.open(day) / good_fraction
        if wanted >= planned:
            return planned
        return wanted if wanted > ROUNDING * planned else 0.0

    def whole(self, day: float) -> int:
        """Whole units the open orders allow at `day` (a vehicle line's starts)."""
        return math.floor(self.open(day) + ROUNDING)

    def start(self, good_units: float) -> None:
        """Good units started now against the orders."""
        self.started += good_units

    def next_placement(self, day: float) -> float:
        """The day of the first call-off after `day` (inf: none)."""
        k = bisect.bisect_right(self.days, day)
        return self.days[k] if k < len(self.days) else math.inf
