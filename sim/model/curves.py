"""Capacity and supply over time as a sum of linear ramps (`sim.records.Ramp`): exact values,
integrals and crossings."""

from __future__ import annotations

import math

from sim.records import Ramp

__all__ = ["Ramp", "RateCurve"]


class RateCurve:
    """A rate over time (per day) built from ramps; later ramps may be added as the run goes."""

    def __init__(self) -> None:
        self.ramps: list[Ramp] = []
        # Once every ramp has begun (or finished) the curve is a constant: asked at every lot,
        # it answers without walking the ramps.
        self._first = math.inf  # earliest t0
        self._begun = -math.inf  # latest t0
        self.settled = -math.inf  # latest t1: from then on the rate is constant (until a ramp is added)
        self.total = 0.0  # the rate once every ramp has finished
        self._to_settled = 0.0  # the integral up to `settled`

    def add(self, t0: float, ramp_days: float, delta: float) -> Ramp:
        """Add `delta` ramping linearly over `ramp_days` from `t0`."""
        ramp = Ramp(t0, t0 + max(ramp_days, 0.0), delta)
        self.ramps.append(ramp)
        self._first = min(self._first, ramp.t0)
        self._begun = max(self._begun, ramp.t0)
        self.settled = max(self.settled, ramp.t1)
        self.total += delta
        to_settled = 0.0
        for r in self.ramps:
            to_settled += r.integral_to(self.settled)
        self._to_settled = to_settled
        return ramp

    def value(self, t: float) -> float:
        """The rate at `t`."""
        if t >= self.settled:
            return self.total
        rate = 0.0
        for r in self.ramps:
            rate += r.value(t)
        return rate

    def nameplate(self, t: float) -> float:
        """The rate once every ramp begun by `t` has finished."""
        if t >= self._begun:
            return self.total
        rate = 0.0
        for r in self.ramps:
            if r.t0 <= t:
                rate += r.delta
        return rate

    def integral(self, a: float, b: float) -> float:
        """The rate integrated over [a, b]."""
        if a >= self.settled:
            return self.total * (b - a)
        if a <= self._first:  # e.g. everything supplied from the start: no ramp has begun by a
            if b >= self.settled:
                return self._to_settled + self.total * (b - self.settled)
            total = 0.0
            for r in self.ramps:  # (each integral_to(a) is 0.0)
                total += r.integral_to(b)
            return total
        total = 0.0
        for r in self.ramps:
            total += r.integral_to(b) - r.integral_to(a)
        return total

    def time_to_accumulate(self, a: float, amount: float) -> float:
        """The earliest t ≥ a with integral(a, t) ≥ amount (inf if the rate never allows it)."""
        if amount <= 0:
            return a
        if not self.ramps:
            return math.inf
        last = max(r.t1 for r in self.ramps)
        final_rate = self.total
        have = self.integral(a, max(a, last))
        if have < amount:
            if final_rate <= 0:
                return math.inf
            return max(a, last) + (amount - have) / final_rate
        lo, hi = a, max(a, last)
        for _ in range(100):
            mid = (lo + hi) / 2
            if self.integral(a, mid) >= amount:
                hi = mid
            else:
                lo = mid
            if hi - lo < 1e-7:
                break
        return hi
