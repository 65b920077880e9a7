"""Conservation laws checked at the end of every replication, so a bug is a loud failure and
never a silently wrong answer.

Per budget: appropriated − spent − lapsed equals the final balance, which is not negative.
Per material: at every take, what was taken so far is at most initial + supplied by then.
Per product: delivered is at most started by the facilities making it (yield ≤ 100%).
Every recorded amount and day is finite, amounts are not negative, days lie in the horizon.
The cost is one pass over the records (supply integrals at each take), small beside the run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from sim.errors import ModelError
from sim.model.world import World
from sim.records import Records

REL_TOL = 1e-7
ABS_TOL = 1e-6


def _close_enough(excess: float, scale: float) -> bool:
    """`excess` ≤ 0 up to rounding on amounts of size `scale`."""
    return excess <= REL_TOL * abs(scale) + ABS_TOL


def _check_entries(name: str, rows: Iterable[Sequence[Any]], day_at: int, amount_at: int, horizon: float) -> int:
    """Days finite and inside the horizon, amounts finite and ≥ 0; returns rows checked."""
    n = 0
    for row in rows:
        day, amount = row[day_at], row[amount_at]
        if not (math.isfinite(day) and -ABS_TOL <= day <= horizon + ABS_TOL):
            raise ModelError(f"invariant broken: {name} recorded at day {day!r}, outside 0..{horizon:g}: {row!r}")
        if not (math.isfinite(amount) and amount >= -ABS_TOL):
            raise ModelError(
                f"invariant broken: {name} amount {amount!r} is not a finite, non-negative number: {row!r}"
            )
        n += 1
    return n


def check_money(world: World) -> int:
    """Appropriated − spent − lapsed = final balance ≥ 0, per budget; returns checks made."""
    records = world.records
    appropriated = [0.0] * len(records.budgets)
    spent = [0.0] * len(records.budgets)
    lapsed = [0.0] * len(records.budgets)
    for _, b, _, amount in records.appropriations:
        appropriated[b] += amount
    for _, b, _, amount, _ in records.spending:
        spent[b] += amount
    for _, b, amount in records.lapses:
        lapsed[b] += amount
    for b, name in enumerate(records.budgets):
        balance = world.budgets[name].balance
        left = appropriated[b] - spent[b] - lapsed[b]
        if balance < -ABS_TOL or not _close_enough(abs(left - balance), appropriated[b]):
            raise ModelError(
                f"invariant broken: budget {name!r}: appropriated {appropriated[b]:,.2f} − spent {spent[b]:,.2f} − "
                f"lapsed {lapsed[b]:,.2f} = {left:,.2f}, but the final balance is {balance:,.2f}"
            )
    return 2 * len(records.budgets)


def check_stocks(world: World) -> int:
    """Taken so far ≤ initial + supplied by then, at every take, per material; returns checks made."""
    records = world.records
    taken = [0.0] * len(records.materials)
    n = 0
    for day, m, amount in records.takes:
        taken[m] += amount
        material = world.materials[records.materials[m]]
        have = material.initial + material.supplied(day)
        if not _close_enough(taken[m] - have, have):
            raise ModelError(
                f"invariant broken: material {records.materials[m]!r} went negative at day {day:.1f}: "
                f"taken {taken[m]:,.3f} of initial + supplied {have:,.3f}"
            )
        n += 1
    for m, name in enumerate(records.materials):
        if not _close_enough(abs(taken[m] - world.materials[name].taken), taken[m]):
            raise ModelError(
                f"invariant broken: material {name!r}: takes recorded {taken[m]:,.3f}, "
                f"stock says {world.materials[name].taken:,.3f}"
            )
        n += 1
    return n


def check_deliveries(records: Records, product_of: Sequence[int]) -> int:
    """Delivered ≤ started, per product (over the facilities making it); returns checks made."""
    started = [0.0] * len(records.products)
    delivered = [0.0] * len(records.products)
    for _, f, units in records.starts:
        started[product_of[f]] += units
    for _, p, units in records.deliveries:
        delivered[p] += units
    for p, name in enumerate(records.products):
        if not _close_enough(delivered[p] - started[p], started[p]):
            raise ModelError(
                f"invariant broken: product {name!r}: delivered {delivered[p]:,.3f} but only {started[p]:,.3f} started"
            )
    return len(records.products)


def check_invariants(world: World, product_of: Sequence[int]) -> int:
    """Check every invariant of a finished replication; raise ModelError on the first broken one.
    `product_of[f]` is the product index of facility f. Returns the number of checks made."""
    records, horizon = world.records, world.horizon
    n = _check_entries("an appropriation", records.appropriations, 0, 3, horizon)
    n += _check_entries("spending", records.spending, 0, 3, horizon)
    n += _check_entries("a lapse", records.lapses, 0, 2, horizon)
    n += _check_entries("a take", records.takes, 0, 2, horizon)
    n += _check_entries("a start", records.starts, 0, 2, horizon)
    n += _check_entries("a delivery", records.deliveries, 0, 2, horizon)
    return n + check_money(world) + check_stocks(world) + check_deliveries(records, product_of)
