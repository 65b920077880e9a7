"""Orders: the backlog that a product with orders is built to.

Each order is placed as call-offs (`call_offs`: a quantity on one date, or a rate as monthly
call-offs); the call-offs are written to the records, where the metrics route deliveries to
customers (`sim.metrics.orders`). In the model a product with orders has an `OrderBook` of the
orders naming no plant, shared by its facilities, and one per set of plants that orders name
(`plants`); each facility builds to the `Backlog` of the books it may serve: it starts no more
good units than are ordered there by now and not yet started (delivered or in production), and
with none open it waits, booking `orders`, until the next call-off is placed.
Orders flow down the supply chain (`component_books`): each
call-off of a product orders the components its makers take for it, so component plants too
build only to the backlog. Products without orders (and components of none) have no book and
behave as before.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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


class Open:
    """What open orders allow of a start: `allows` (units of a lot) and `whole` (vehicles),
    from `open`, the quantity ordered by a day and not yet started."""

    def open(self, day: float) -> float:
        """Ordered by `day` and not yet started."""
        raise NotImplementedError

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


class OrderBook(Open):
    """The call-offs of one product placed over time, and the good units started against them."""

    def __init__(self, placements: Sequence[tuple[float, float]]) -> None:
        ordered = sorted(placements)
        self.calls = ordered  # (day placed, quantity), in time order
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

    def start(self, good_units: float) -> None:
        """Good units started now against the orders."""
        self.started += good_units

    def next_placement(self, day: float) -> float:
        """The day of the first call-off after `day` (inf: none)."""
        k = bisect.bisect_right(self.days, day)
        return self.days[k] if k < len(self.days) else math.inf


class Backlog(Open):
    """The order books one facility may build to, most specific first (orders naming the
    fewest plants), its product's shared book (orders naming none) last: open is the sum of
    theirs, and a start takes from each in turn what is open there, the rest from the last."""

    def __init__(self, books: Sequence[OrderBook]) -> None:
        self.books = list(books)

    def open(self, day: float) -> float:
        """Ordered by `day` in its books and not yet started."""
        return sum(book.open(day) for book in self.books)

    def start(self, good_units: float, day: float) -> None:
        """Good units started at `day` against its books (see the class)."""
        for book in self.books[:-1]:
            taken = min(good_units, book.open(day))
            book.start(taken)
            good_units -= taken
        self.books[-1].start(good_units)

    def next_placement(self, day: float) -> float:
        """The day of the first call-off after `day` in any of its books (inf: none)."""
        return min(book.next_placement(day) for book in self.books)

    @property
    def started(self) -> tuple[float, ...]:
        """What its books have started (to put back after trying a run of starts)."""
        return tuple(book.started for book in self.books)

    @started.setter
    def started(self, started: tuple[float, ...]) -> None:
        for book, value in zip(self.books, started, strict=True):
            book.started = value


def backlog(books: Mapping[frozenset[str], OrderBook] | None, plant: str) -> Backlog | None:
    """The `Backlog` of the facility `plant` over its product's `books` (keyed by the plants
    their orders name, the shared book by none): the books naming it, most specific first,
    then the shared one (None: its product has no orders)."""
    if books is None:
        return None
    mine = sorted((p for p in books if p and plant in p), key=lambda p: (len(p), sorted(p)))
    return Backlog([books[p] for p in mine] + [books.get(frozenset(), OrderBook([]))])


@dataclass(frozen=True)
class Maker:
    """What orders flowing down the chain need of a facility: the product it makes, and per
    component it takes, the components one good unit takes (use per unit / yield)."""

    product: int
    takes: Mapping[int, float]


def component_books(
    books: Mapping[int, Sequence[tuple[float, float]]], makers: Sequence[Maker], stock: Mapping[int, float]
) -> dict[int, list[tuple[float, float]]]:
    """The call-offs of every product once orders flow down the supply chain: `books` (each
    product's own call-offs) plus, for each component, the call-offs of the products made
    from it, each times what the hungriest of those products' makers takes of it per good
    unit, less the component's `stock` at the start (netted from the earliest). Products are
    taken consumers first, so a component's components are ordered with it (the chain has no
    cycle: the language refuses one)."""
    takes: dict[int, dict[int, float]] = {}
    for maker in makers:
        need = takes.setdefault(maker.product, {})
        for component, per_good_unit in maker.takes.items():
            need[component] = max(need.get(component, 0.0), per_good_unit)
    order: list[int] = []
    seen: set[int] = set()

    def visit(product: int) -> None:
        if product in seen:
            return
        seen.add(product)
        for component in takes.get(product, {}):
            visit(component)
        order.append(product)  # after its components

    for product in list(books) + list(takes):
        visit(product)
    merged: dict[int, list[tuple[float, float]]] = {p: list(calls) for p, calls in books.items()}
    derived: dict[int, list[tuple[float, float]]] = {}
    for product in reversed(order):  # consumers first
        calls = merged.get(product, []) + net_of_stock(derived.get(product, []), stock.get(product, 0.0))
        if not calls:
            continue
        merged[product] = calls
        for component, per_good_unit in takes.get(product, {}).items():
            if per_good_unit > 0.0:
                derived.setdefault(component, []).extend((day, q * per_good_unit) for day, q in calls)
    return merged


def net_of_stock(calls: Sequence[tuple[float, float]], stock: float) -> list[tuple[float, float]]:
    """`calls` less `stock` on hand at the start, taken from the earliest call-offs first."""
    netted: list[tuple[float, float]] = []
    for day, quantity in sorted(calls):
        used = min(stock, quantity)
        stock -= used
        if quantity - used > 0.0:
            netted.append((day, quantity - used))
    return netted
