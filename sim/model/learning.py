"""Wright's-law unit cost: cumulative cost of units and how many units money buys.

Unit i costs a·i^b with b = log2(learning). The cumulative cost of the first n units is the
exact sum a·Σ i^b for the first `EXACT_UNITS` units (linear between whole units, since lots
may hold fractions of a unit), and beyond them the sum's tail in its continuous (midpoint)
form a·∫ x^b dx, within a few parts in a billion of the sum there. So the first hull costs
exactly `first_unit`, and a lot of a million shells still costs one formula, not a million terms.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

EXACT_UNITS = 1024


@dataclass
class UnitCost:
    """Cost of units as a function of how many were made before them."""

    first_unit: float
    learning: float = 1.0
    #: money per unit for its priced materials (`materials.X.price` × use), learning or not
    materials: float = 0.0
    #: the b in cost(i) = first_unit · i^b (asked at every lot: computed once)
    exponent: float = field(init=False, repr=False, compare=False)
    _prefix_sums: list[float] = field(init=False, repr=False, compare=False, default_factory=list)

    def __post_init__(self) -> None:
        self.exponent = math.log2(self.learning)

    @property
    def _prefix(self) -> list[float]:
        """Σ_{i≤k} i^b for k = 0 .. EXACT_UNITS (computed at the first ask)."""
        if not self._prefix_sums:
            i = np.arange(1, EXACT_UNITS + 1, dtype=float)
            self._prefix_sums = [0.0, *np.cumsum(i**self.exponent).tolist()]
        return self._prefix_sums

    def _tail(self, lo: float, hi: float) -> float:
        """∫_lo^hi x^b dx."""
        b = self.exponent
        if abs(b + 1) < 1e-12:
            return math.log(hi / lo)
        return (hi ** (b + 1) - lo ** (b + 1)) / (b + 1)

    def _units_sum(self, n: float) -> float:
        """Σ_{i≤n} i^b, linear between whole n."""
        if n <= EXACT_UNITS:
            k = int(n)
            partial = n - k
            return self._prefix[k] + (partial * (k + 1) ** self.exponent if partial else 0.0)
        return self._prefix[-1] + self._tail(EXACT_UNITS + 0.5, n + 0.5)

    def cumulative(self, n: float) -> float:
        """Cost of the first n units."""
        if n <= 0 or self.first_unit == 0:
            return 0.0
        if self.exponent == 0:
            return self.first_unit * n
        return self.first_unit * self._units_sum(n)

    @property
    def free(self) -> bool:
        """Whether its units cost nothing."""
        return self.first_unit == 0 and self.materials == 0

    def cost(self, made: float, units: float) -> float:
        """Cost of `units` more units after `made` units (their materials' price included)."""
        if self.materials:
            return self._made_cost(made, units) + self.materials * units if units > 0 else 0.0
        return self._made_cost(made, units)

    def _made_cost(self, made: float, units: float) -> float:
        """Cost of making `units` more units after `made` units (learning applies)."""
        if units <= 0 or self.first_unit == 0:
            return 0.0
        b = self.exponent
        if b == 0:
            return self.first_unit * units
        if made >= EXACT_UNITS:
            # ∫ x^b from made+1/2 to made+units+1/2, written so that a small lot after a long
            # run is not lost to cancellation between two large cumulative sums
            lo, c = made + 0.5, b + 1
            growth = math.log1p(units / lo)
            if abs(c) < 1e-12:
                return self.first_unit * growth
            return self.first_unit * lo**c * math.expm1(c * growth) / c
        return self.cumulative(made + units) - self.cumulative(made)

    def affordable(self, made: float, money: float) -> float:
        """How many more units `money` pays for after `made` units (inf if they are free)."""
        if self.materials:
            return self._affordable_with_materials(made, money)
        return self._affordable_made(made, money)

    def _affordable_with_materials(self, made: float, money: float) -> float:
        """`affordable` when each unit's materials cost `materials` too: the root of
        cost(made, n) = money, closed form without learning, else by bisection (cost grows
        with n)."""
        if money <= 0:
            return 0.0
        if self.exponent == 0 or self.first_unit == 0:
            return money / (self.first_unit + self.materials)
        lo, hi = 0.0, min(money / self.materials, self._affordable_made(made, money))
        for _ in range(200):
            mid = (lo + hi) / 2
            if mid in (lo, hi):
                break
            if self.cost(made, mid) <= money:
                lo = mid
            else:
                hi = mid
        return lo

    def _affordable_made(self, made: float, money: float) -> float:
        """How many more units `money` pays the making of (materials aside)."""
        if self.first_unit == 0:
            return math.inf
        if money <= 0:
            return 0.0
        b = self.exponent
        if b == 0:
            return money / self.first_unit
        if made >= EXACT_UNITS:
            return self._tail_affordable(made, money / self.first_unit)
        target = self._units_sum(max(made, 0.0)) + money / self.first_unit
        prefix = self._prefix
        if target <= prefix[-1]:
            k = min(bisect_right(prefix, target) - 1, EXACT_UNITS - 1)
            n = k + (target - prefix[k]) / (k + 1) ** b
        else:
            n = EXACT_UNITS + self._tail_affordable(EXACT_UNITS, target - prefix[-1])
        return max(0.0, n - made)

    def _tail_affordable(self, made: float, paid: float) -> float:
        """Units bought by `paid` (in first-unit costs) after `made` ≥ EXACT_UNITS: the inverse
        of the tail integral, free of cancellation."""
        lo, c = made + 0.5, self.exponent + 1
        try:
            if abs(c) < 1e-12:
                return lo * math.expm1(paid)
            ratio = paid * c / lo**c
            if ratio <= -1:  # learning below 50%: an endless run costs less than this money
                return math.inf
            return max(0.0, lo * math.expm1(math.log1p(ratio) / c))
        except OverflowError:
            return math.inf
