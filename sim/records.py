"""The append-only log of what happened in one replication, written by the model at state changes.

Records hold plain tuples of floats and indices into the name tables, appended as events
happen; metrics turn them into arrays afterwards. Nothing here knows about SimPy.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Records:
    """Everything one replication emitted, in time order within each list."""

    products: list[str]
    facilities: list[str]
    budgets: list[str]
    materials: list[str]
    pools: list[str] = field(default_factory=list)
    horizon: float = 0.0
    #: (day, product, quantity) each time finished units reach stock
    deliveries: list[tuple[float, int, float]] = field(default_factory=list)
    #: (day, facility, quantity) each time work is started (a lot, a vehicle, a hull)
    starts: list[tuple[float, int, float]] = field(default_factory=list)
    #: (day, budget, fiscal year, amount) each appropriation
    appropriations: list[tuple[float, int, int, float]] = field(default_factory=list)
    #: (day, budget, amount) money lapsed at a fiscal year's end
    lapses: list[tuple[float, int, float]] = field(default_factory=list)
    #: (day, budget, facility or -1, amount, what) money committed
    spending: list[tuple[float, int, int, float, str]] = field(default_factory=list)
    #: (day, material, amount) material taken from stock
    takes: list[tuple[float, int, float]] = field(default_factory=list)
    #: (facility, product, t0, t1, delta) capacity ramps: installed capacity per day
    capacity: list[tuple[int, int, float, float, float]] = field(default_factory=list)
    #: (facility, t0, t1, delta) docks opened (shipyards; t0 = t1: docks open at once)
    docks: list[tuple[int, float, float, float]] = field(default_factory=list)
    #: (owner, expansion name, construction start, online, fully ramped)
    expansions: list[tuple[str, str, float, float, float]] = field(default_factory=list)
    #: (material, t0, t1, delta) supply-rate ramps (arrival times, lead time included)
    supply: list[tuple[int, float, float, float]] = field(default_factory=list)
    #: (product, from, until, rate per day) demand drawing down stock
    demand: list[tuple[int, float, float, float]] = field(default_factory=list)
    #: (pool, day, size) workforce pool size changes
    workforce: list[tuple[int, float, float]] = field(default_factory=list)
    #: facility -> cause -> days spent that way ('producing' is one cause)
    time_use: dict[int, dict[str, float]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    #: (facility, hull, stage, dock or -1, t0, t1) shipyard stage spans
    stages: list[tuple[int, int, str, int, float, float]] = field(default_factory=list)
    #: SimPy events processed
    events: int = 0

    def use_time(self, facility: int, cause: str, days: float) -> None:
        """Book `days` of a facility's time to `cause`."""
        if days > 0:
            self.time_use[facility][cause] += days
