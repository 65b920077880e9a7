"""A yard's build positions: the lowest free dock goes to the waiting hull of highest
priority, then first come, first served. Docks can be added while hulls wait (expansions);
yards that share them are told, so their capacity measure follows."""

from __future__ import annotations

import heapq
from collections.abc import Callable

import simpy


class DockPool:
    """Docks of one yard, possibly shared with other yards' programmes."""

    def __init__(self, env: simpy.Environment, docks: int) -> None:
        self.env = env
        self.count = docks
        self._free = list(range(docks))
        self._waiting: list[tuple[float, int, simpy.Event]] = []
        self._seq = 0
        self.listeners: list[Callable[[int, int], None]] = []

    @property
    def busy(self) -> int:
        """Docks holding a hull now."""
        return self.count - len(self._free)

    def request(self, priority: float) -> simpy.Event:
        """An event whose value is the dock index granted to this hull."""
        event = self.env.event()
        self._seq += 1
        heapq.heappush(self._waiting, (-priority, self._seq, event))
        self._grant()
        return event

    def release(self, dock: int) -> None:
        """A hull leaves dock `dock`."""
        heapq.heappush(self._free, dock)
        self._grant()

    def add(self, docks: int) -> None:
        """`docks` new docks open now."""
        old = self.count
        for i in range(old, old + docks):
            heapq.heappush(self._free, i)
        self.count += docks
        for listener in self.listeners:
            listener(old, self.count)
        self._grant()

    def _grant(self) -> None:
        while self._free and self._waiting:
            _, _, event = heapq.heappop(self._waiting)
            event.succeed(heapq.heappop(self._free))
