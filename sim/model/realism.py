"""Plan realism in one replication: each plan's share of capacity achieved, slip and delay,
drawn through one shared programme-risk factor (a Gaussian copula).

A realised value is the announced value transformed by the replication's draws:
- `achieved` multiplies capacity that is announced, not yet in being at the start: the capacity
  of a facility that opens after the start, an expansion's added capacity; a shipyard's build
  times of the hulls it lays down in the run are divided by it (its hull rate is multiplied). A
  facility producing at the start keeps its stated capacity unless its own `realism:` sets
  `achieved` (its measured rate is not a plan).
- `slip` multiplies the time from the start to each announced date in the future (a facility's
  `available_from`, a yard's `first_start`, an expansion's `start`) and an expansion's
  construction; `delay` adds to those dates. A date on or before the start has happened.

Each (plan, key) has its own normal draw e from its own stream (`<path>.realism.<key>`) and the
replication one shared Z (`realism#shared`); the quantile drawn is u = Φ(ρZ + √(1-ρ²)e), with
ρ the scenario's `correlation`. A bad year is bad for everyone: `slip` and `delay` take
quantile u, `achieved` quantile 1 - u. Each uncertain value drawn is kept in `Streams.drawn`
under its path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

from sim.language.realism import plan_values, scenario_value
from sim.language.schema import PlanRealism, ScenarioRealism
from sim.language.values import Uncertain, Value
from sim.model.streams import Streams

REALISM: Final = "realism"  # the purpose of a realism draw's stream
SUPPLY: Final = "supply"  # the kind a material supply's expansions take their priors from
SHARED_PATH: Final = "realism"  # the path of the shared programme-risk factor's stream
SHARED: Final = "shared"
#: quantiles are kept this far inside (0, 1), so that no draw reaches an unbounded tail's infinity
EDGE: Final = 1e-12
_NORMAL: Final = NormalDist()


@dataclass(frozen=True)
class Plan:
    """One plan's realism, drawn: as announced when every value is its default."""

    achieved: float = 1.0
    slip: float = 1.0
    delay: float = 0.0

    def date(self, day: float) -> float:
        """The realised day of an announced day (from the start): slipped and delayed if in
        the future, as written if on or before the start."""
        return day * self.slip + self.delay if day > 0 else day

    def duration(self, days: float) -> float:
        """The realised length of an announced construction."""
        return days * self.slip


AS_ANNOUNCED: Final = Plan()


class Realism:
    """The realism of one replication's plans, drawn from its streams."""

    def __init__(self, spec: ScenarioRealism, streams: Streams) -> None:
        self.spec = spec
        self.streams = streams
        rho = scenario_value(spec, "correlation")
        assert isinstance(rho, float)  # (a correlation is one value, never a distribution)
        self.rho = rho
        self._shared: float | None = None

    def contract_lag(self) -> float:
        """Days from money being appropriated to its being usable for work (drawn once)."""
        return self.streams.value(scenario_value(self.spec, "contract_lag"), "realism.contract_lag")

    def shared(self) -> float:
        """The replication's shared programme-risk factor Z ~ N(0, 1), from its own stream."""
        if self._shared is None:
            self._shared = float(self.streams.rng(SHARED_PATH, SHARED).standard_normal())
        return self._shared

    def quantile(self, path: str) -> float:
        """The quantile u = Φ(ρZ + √(1-ρ²)e) of the value at `path`, e from its own stream."""
        own = float(self.streams.rng(path, REALISM).standard_normal())
        rho = self.rho
        x = rho * self.shared() + math.sqrt(1.0 - rho * rho) * own if rho > 0 else own
        return min(1.0 - EDGE, max(EDGE, _NORMAL.cdf(x)))

    def plan(self, kind: str, path: str, *layers: PlanRealism) -> Plan:
        """The realism drawn for the plan at `path` (a facility, or an expansion) of `kind`,
        `layers` from the least specific to the most (see `sim.language.realism.plan_values`)."""
        values = plan_values(self.spec, kind, *layers)
        if not values:
            return AS_ANNOUNCED
        drawn = {key: self._draw(value, f"{path}.realism.{key}", key == "achieved") for key, value in values.items()}
        return Plan(**drawn)

    def _draw(self, value: Value, path: str, good: bool) -> float:
        """A fixed value as it is; a distribution at this plan's quantile (its complement for a
        `good` value, which a bad year lowers)."""
        if not isinstance(value, Uncertain):
            return value
        u = self.quantile(path)
        drawn = value.quantile(1.0 - u if good else u)
        self.streams.drawn[path] = drawn
        return drawn
