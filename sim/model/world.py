"""One replication's world: its SimPy environment, records, clock and shared stocks.

`World` is what every model process is handed; it holds no global state and is built anew
for each replication from the validated scenario and that replication's random streams.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import simpy

from sim.model.budget import Budget
from sim.model.clock import Clock
from sim.model.material import Material
from sim.model.streams import Streams
from sim.records import Records

if TYPE_CHECKING:
    from sim.model.docks import DockPool
    from sim.model.orders import OrderBook
    from sim.model.realism import Realism
    from sim.model.workforce import WorkforcePool


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes. Its clock starts at 0.0, a
    float (SimPy's default is the integer 0): days are floats from the first instant."""

    def __init__(self) -> None:
        super().__init__(initial_time=0.0)
        self.processed = 0

    def step(self) -> None:
        """Process the next event, counting it."""
        self.processed += 1
        super().step()


@dataclass
class World:
    """Shared state of one replication."""

    env: CountingEnvironment
    records: Records
    clock: Clock
    horizon: float
    streams: Streams  # its random streams, one per uncertain value and purpose
    realism: Realism  # how its plans turn out (as announced unless the scenario says otherwise)
    budgets: dict[str, Budget] = field(default_factory=dict)
    materials: dict[str, Material] = field(default_factory=dict)
    pools: dict[str, WorkforcePool] = field(default_factory=dict)
    docks: dict[str, DockPool] = field(default_factory=dict)  # shipyard -> its docks (shared by name)
    #: product with orders -> its order books, by the plants their orders name (none: shared)
    orders: dict[int, dict[frozenset[str], OrderBook]] = field(default_factory=dict)
