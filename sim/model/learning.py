"""Wright's-law unit cost: cumulative cost of units and how many units money buys.

The cumulative cost of the first n units, a·Σ i^b with b = log2(learning), is taken in its
continuous (midpoint) form a·∫_{1/2}^{n+1/2} x^b dx, exact for a flat cost and within a
fraction of a percent of the sum otherwise, so that a lot of a million shells costs one
formula, not a million terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class UnitCost:
    """Cost of units as a function of how many were made before them."""

    first_unit: float
    learning: float = 1.0

    @property
    def exponent(self) -> float:
        """b in cost(i) = first_unit · i^b."""
        return math.log2(self.learning)

    def cumulative(self, n: float) -> float:
        """Cost of the first n units."""
        if n <= 0 or self.first_unit == 0:
            return 0.0
        b = self.exponent
        if b == 0:
            return self.first_unit * n
        if abs(b + 1) < 1e-12:
            return self.first_unit * math.log((n + 0.5) / 0.5)
        return self.first_unit * ((n + 0.5) ** (b + 1) - 0.5 ** (b + 1)) / (b + 1)

    def cost(self, made: float, units: float) -> float:
        """Cost of `units` more units after `made` units."""
        return self.cumulative(made + units) - self.cumulative(made)

    def affordable(self, made: float, money: float) -> float:
        """How many more units `money` pays for after `made` units (inf if they are free)."""
        if self.first_unit == 0:
            return math.inf
        if money <= 0:
            return 0.0
        b = self.exponent
        if b == 0:
            return money / self.first_unit
        target = self.cumulative(made) + money
        if abs(b + 1) < 1e-12:
            return 0.5 * math.exp(target / self.first_unit) - 0.5 - made
        inner = target * (b + 1) / self.first_unit + 0.5 ** (b + 1)
        return max(0.0, inner ** (1 / (b + 1)) - 0.5 - made)
