"""Conservation laws checked at the end of every replication, so a bug is a loud failure and
never a silently wrong answer.

Per budget: appropriated − spent − lapsed equals the final balance, which is not negative.
Per material: at every take, what was taken so far is at most initial + supplied by then
(for a component store: + its product delivered by then).
Per product: delivered is at most started by the facilities making it (yield ≤ 100%).
Every delivery's production began inside the horizon and not after the delivery.
Every recorded amount and day is finite, amounts are not negative, days lie in the horizon.
Each ledger's fields are read as arrays (`Log.columns`) and every law is checked on whole
arrays; only a broken law goes back to its first offending row to name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np

from sim.errors import ModelError
from sim.model.world import World
from sim.records import Log, Records, columns, ramps_integral

REL_TOL: Final = 1e-7
ABS_TOL: Final = 1e-6

Columns = Sequence[np.ndarray]  #: a record list's (day, index, amount) fields as arrays


def _close_enough(excess: np.ndarray | float, scale: np.ndarray | float) -> np.ndarray:
    """`excess` ≤ 0 up to rounding on amounts of size `scale` (False where NaN)."""
    return np.asarray(excess <= REL_TOL * np.abs(scale) + ABS_TOL)


def _first(broken: np.ndarray) -> int | None:
    """The index of the first True, or None."""
    return int(np.argmax(broken)) if broken.size and broken.any() else None


def _check_entries(name: str, rows: Log, cols: Columns, at: tuple[int, int], horizon: float) -> int:
    """Days finite and inside the horizon, amounts finite and ≥ 0; returns rows checked.
    `cols` are the (day, index, amount) columns of `rows`; `at` the day's and the amount's
    fields in a row, which a broken entry's message shows as recorded."""
    day, _, amount = cols
    bad_day = ~(np.isfinite(day) & (day >= -ABS_TOL) & (day <= horizon + ABS_TOL))
    bad_amount = ~(np.isfinite(amount) & (amount >= -ABS_TOL))
    i = _first(bad_day | bad_amount)
    if i is not None:
        row = rows[i]
        if bad_day[i]:
            raise ModelError(
                f"invariant broken: {name} recorded at day {row[at[0]]!r}, outside 0..{horizon:g}: {row!r}"
            )
        raise ModelError(
            f"invariant broken: {name} amount {row[at[1]]!r} is not a finite, non-negative number: {row!r}"
        )
    return len(rows)


def _by_index(index: np.ndarray, amount: np.ndarray, n: int) -> np.ndarray:
    """`amount` summed per index 0..n-1, in record order."""
    return np.bincount(index.astype(np.intp), weights=amount, minlength=n)


def check_money(world: World, appropriations: Columns, spending: Columns, lapses: Columns) -> int:
    """Appropriated − spent − lapsed = final balance ≥ 0, per budget; each record list comes as
    its (day, budget, amount) columns. Returns checks made."""
    names = world.records.budgets
    totals = [_by_index(b, amount, len(names)).tolist() for _, b, amount in (appropriations, spending, lapses)]
    for b, name in enumerate(names):
        appropriated, spent, lapsed = (t[b] for t in totals)
        balance = world.budgets[name].balance
        left = appropriated - spent - lapsed
        if balance < -ABS_TOL or not _close_enough(abs(left - balance), appropriated):
            raise ModelError(
                f"invariant broken: budget {name!r}: appropriated {appropriated:,.2f} − spent {spent:,.2f} − "
                f"lapsed {lapsed:,.2f} = {left:,.2f}, but the final balance is {balance:,.2f}"
            )
    return 2 * len(names)


def check_stocks(world: World, takes: Columns) -> int:
    """Taken so far ≤ initial + supplied by then, at every take, per material (so far: in record
    order); `takes` are the (day, material, amount) columns. Returns checks made."""
    records = world.records
    day, material, amount = takes
    supplier, t0, t1, delta = columns(records.supply, 0, 1, 2, 3)
    taken: list[float] = []
    worst: tuple[int, str, float, float] | None = None  # the first broken take: row, material, taken, have
    for m, name in enumerate(records.materials):
        mine = np.flatnonzero(material == m)
        so_far = np.cumsum(amount[mine])
        ramps = supplier == m
        supplied = ramps_integral(t0[ramps], t1[ramps], delta[ramps], np.append(0.0, day[mine]))  # from day 0
        have = world.materials[name].initial + (supplied[1:] - supplied[0])
        if m in records.stores:
            have = have + delivered_by(records, records.stores[m], day[mine])
        i = _first(~_close_enough(so_far - have, have))
        if i is not None and (worst is None or mine[i] < worst[0]):
            worst = (int(mine[i]), name, float(so_far[i]), float(have[i]))
        taken.append(float(so_far[-1]) if so_far.size else 0.0)
    if worst is not None:
        row, name, so_far_then, have_then = worst
        raise ModelError(
            f"invariant broken: material {name!r} went negative at day {records.takes[row][0]:.1f}: "
            f"taken {so_far_then:,.3f} of initial + supplied {have_then:,.3f}"
        )
    for m, name in enumerate(records.materials):
        if not _close_enough(abs(taken[m] - world.materials[name].taken), taken[m]):
            raise ModelError(
                f"invariant broken: material {name!r}: takes recorded {taken[m]:,.3f}, "
                f"stock says {world.materials[name].taken:,.3f}"
            )
    return len(records.takes) + len(records.materials)


def delivered_by(records: Records, product: int, days: np.ndarray) -> np.ndarray:
    """Units of `product` delivered up to and including each of `days`."""
    day, p, units = records.deliveries.columns(0, 1, 2)
    mine = p == product
    order = np.argsort(day[mine], kind="stable")
    times, cumulative = day[mine][order], np.concatenate(([0.0], np.cumsum(units[mine][order])))
    return cumulative[np.searchsorted(times, days, side="right")]


def check_deliveries(records: Records, product_of: Sequence[int], starts: Columns, deliveries: Columns) -> int:
    """Delivered ≤ started, per product (over the facilities making it); `starts` are the (day,
    facility, units) columns, `deliveries` the (day, product, units) ones. Returns checks made."""
    n = len(records.products)
    _, facility, begun = starts
    started = _by_index(np.asarray(product_of, dtype=np.intp)[facility.astype(np.intp)], begun, n)
    _, product, units = deliveries
    delivered = _by_index(product, units, n)
    p = _first(~_close_enough(delivered - started, started))
    if p is not None:
        raise ModelError(
            f"invariant broken: product {records.products[p]!r}: delivered {delivered[p]:,.3f} "
            f"but only {started[p]:,.3f} started"
        )
    return n


def check_began(records: Records, day: np.ndarray, began: np.ndarray) -> int:
    """Each delivery's production began at day 0 or later and not after it was delivered (the
    rate spreads its units over that interval); `day` and `began` are the deliveries' columns.
    Returns checks made."""
    i = _first(~(np.isfinite(began) & (began >= -ABS_TOL) & (began <= day + ABS_TOL)))
    if i is not None:
        row = records.deliveries[i]
        raise ModelError(
            f"invariant broken: a delivery's production began at day {row[3]!r}, not in 0..{row[0]!r}: {row!r}"
        )
    return len(began)


def check_invariants(world: World, product_of: Sequence[int]) -> int:
    """Check every invariant of a finished replication; raise ModelError on the first broken one.
    `product_of[f]` is the product index of facility f. Returns the number of checks made."""
    records, horizon = world.records, world.horizon
    appropriations = records.appropriations.columns(0, 1, 3)
    spending = records.spending.columns(0, 1, 3)
    lapses = records.lapses.columns(0, 1, 2)
    takes = records.takes.columns(0, 1, 2)
    starts = records.starts.columns(0, 1, 2)
    deliveries = records.deliveries.columns(0, 1, 2)
    (began,) = records.deliveries.columns(3)
    n = _check_entries("an appropriation", records.appropriations, appropriations, (0, 3), horizon)
    n += _check_entries("spending", records.spending, spending, (0, 3), horizon)
    n += _check_entries("a lapse", records.lapses, lapses, (0, 2), horizon)
    n += _check_entries("a take", records.takes, takes, (0, 2), horizon)
    n += _check_entries("a start", records.starts, starts, (0, 2), horizon)
    n += _check_entries("a delivery", records.deliveries, deliveries, (0, 2), horizon)
    n += check_money(world, appropriations, spending, lapses)
    n += check_began(records, deliveries[0], began)
    return n + check_stocks(world, takes) + check_deliveries(records, product_of, starts, deliveries)
