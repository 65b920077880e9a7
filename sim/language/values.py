"""Certain and uncertain values: a number, or a distribution that stands in its place.

A `Value` is either a float (already in base units) or an `Uncertain` distribution over
base-unit floats. The model draws from it with its own `numpy.random.Generator`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from sim.language.suggest import did_you_mean
from sim.language.units import UnitError

DISTRIBUTIONS: dict[str, int] = {
    "triangular": 3,
    "pert": 3,
    "uniform": 2,
    "normal": 2,
    "lognormal": 2,
}


@dataclass(frozen=True)
class Uncertain:
    """A distribution written in the scenario, parameters in base units."""

    kind: str
    params: tuple[float, ...]
    #: a distribution of dates: its parameters are day ordinals (`datetime.date.toordinal`)
    dates: bool = False

    def sample(self, rng: np.random.Generator) -> float:
        """One draw; normal is truncated at zero by rejection."""
        p = self.params
        if self.kind == "triangular":
            low, mode, high = p
            return low if high == low else float(rng.triangular(low, mode, high))
        if self.kind == "pert":
            low, mode, high = p
            if high == low:
                return low
            a = 1 + 4 * (mode - low) / (high - low)
            b = 1 + 4 * (high - mode) / (high - low)
            return low + float(rng.beta(a, b)) * (high - low)
        if self.kind == "uniform":
            return float(rng.uniform(p[0], p[1]))
        if self.kind == "normal":
            mean, sd = p
            for _ in range(1000):
                x = float(rng.normal(mean, sd))
                if x >= 0:
                    return x
            return 0.0
        if self.kind == "lognormal":
            median, sigma = p
            return float(median * math.exp(sigma * rng.standard_normal()))
        raise AssertionError(self.kind)

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` draws at once: the same numbers, in order, as `n` calls of `sample`."""
        p = self.params
        if self.kind == "triangular" and p[2] != p[0]:
            return rng.triangular(p[0], p[1], p[2], size=n)
        if self.kind == "uniform":
            return rng.uniform(p[0], p[1], size=n)
        if self.kind == "lognormal":
            return p[0] * np.exp(p[1] * rng.standard_normal(n))
        return np.array([self.sample(rng) for _ in range(n)])

    def quantile(self, u: float) -> float:
        """The value at quantile `u` (0 < u < 1) of the distribution: the inverse of its
        distribution function, so that a draw made through a uniform `u` follows it (normal:
        truncated at zero, as `sample` draws it)."""
        p = self.params
        if self.kind in ("triangular", "pert") and p[2] == p[0]:
            return p[0]
        if self.kind == "triangular":
            low, mode, high = p
            split = (mode - low) / (high - low)
            if u <= split:
                return low + math.sqrt(u * (high - low) * (mode - low))
            return high - math.sqrt((1 - u) * (high - low) * (high - mode))
        if self.kind == "pert":
            from scipy.special import betaincinv  # (scipy is a core dependency; only pert needs it)

            low, mode, high = p
            a = 1 + 4 * (mode - low) / (high - low)
            b = 1 + 4 * (high - mode) / (high - low)
            return low + float(betaincinv(a, b, u)) * (high - low)
        if self.kind == "uniform":
            return p[0] + u * (p[1] - p[0])
        if self.kind == "normal":
            mean, sd = p
            if sd == 0:
                return max(mean, 0.0)
            law = NormalDist(mean, sd)
            below = law.cdf(0.0)
            return max(0.0, law.inv_cdf(below + u * (1 - below)))
        if self.kind == "lognormal":
            median, sigma = p
            return median * math.exp(sigma * NormalDist().inv_cdf(u))
        raise AssertionError(self.kind)

    @property
    def mean(self) -> float:
        """The distribution's mean (for normal, of the untruncated law)."""
        p = self.params
        if self.kind == "triangular":
            return (p[0] + p[1] + p[2]) / 3  # (not `sum`: see `sim.model.curves`)
        if self.kind == "pert":
            return (p[0] + 4 * p[1] + p[2]) / 6
        if self.kind == "uniform":
            return (p[0] + p[1]) / 2
        if self.kind == "normal":
            return p[0]
        return p[0] * math.exp(p[1] ** 2 / 2)

    @property
    def low(self) -> float:
        """The smallest value a draw can take."""
        if self.kind in ("triangular", "pert", "uniform"):
            return self.params[0]
        return 0.0

    @property
    def high(self) -> float:
        """The largest value a draw can take (infinite for normal and lognormal)."""
        if self.kind in ("triangular", "pert"):
            return self.params[2]
        if self.kind == "uniform":
            return self.params[1]
        return math.inf

    def to_yaml(self) -> dict[str, list[float]]:
        """The distribution in its written form, base units."""
        return {self.kind: list(self.params)}


Value = float | Uncertain


def draw(value: Value, rng: np.random.Generator) -> float:
    """A concrete float: the value itself, or one draw from its distribution."""
    if isinstance(value, Uncertain):
        return value.sample(rng)
    return value


def mean_of(value: Value) -> float:
    """The value, or its distribution's mean."""
    return value.mean if isinstance(value, Uncertain) else value


def is_uncertain(value: object) -> bool:
    """Whether a value is a distribution."""
    return isinstance(value, Uncertain)


def parse_value(raw: object, parse_item: Callable[[object], float]) -> Value:
    """A plain value read by `parse_item`, or a one-key mapping naming a distribution."""
    if isinstance(raw, dict):
        if len(raw) != 1:
            raise UnitError(
                f"a distribution is a mapping with exactly one key among {', '.join(DISTRIBUTIONS)}, got {raw!r}"
            )
        ((kind, items),) = raw.items()
        if kind not in DISTRIBUTIONS:
            raise UnitError(
                f"unknown distribution {kind!r}{did_you_mean(str(kind), DISTRIBUTIONS)}; "
                f"use one of {', '.join(DISTRIBUTIONS)}"
            )
        n = DISTRIBUTIONS[kind]
        if not isinstance(items, list) or len(items) != n:
            raise UnitError(f"{kind} takes a list of {n} values, got {items!r}")
        params: tuple[float, ...]
        if kind == "lognormal":
            params = (parse_item(items[0]), _plain_number(items[1], "sigma"))
        else:
            params = tuple(parse_item(item) for item in items)
        _check_params(kind, params, items)
        return Uncertain(kind, params)
    return parse_item(raw)


def _plain_number(raw: object, what: str) -> float:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw):
        if raw < 0:
            raise UnitError(f"{what} must not be negative, got {raw!r}")
        return float(raw)
    raise UnitError(f"{what} must be a plain number, got {raw!r}")


def _check_params(kind: str, p: tuple[float, ...], written: list[object]) -> None:
    """Check a distribution's parameters; messages quote them as written, not in base units."""
    if kind in ("triangular", "pert"):
        if not p[0] <= p[1] <= p[2]:
            raise UnitError(f"{kind} needs low ≤ mode ≤ high, got {written}")
    elif kind == "uniform":
        if not p[0] <= p[1]:
            raise UnitError(f"uniform needs low ≤ high, got {written}")
    elif kind == "normal":
        if p[0] <= 0 and p[1] == 0:
            raise UnitError(f"normal needs a positive mean or a spread, got {written}")
    elif kind == "lognormal" and p[0] <= 0:
        raise UnitError(f"lognormal needs a positive median, got {written}")
