"""A yard's build positions, shared by the programmes (yards) that build in them.

Waiting hulls are served in order: highest priority first, then first come, first served; each
takes the lowest free dock. With `reserve_docks` (the default, on the yard that owns the
docks), a free dock is also held for a higher-priority hull that is due: a waiting hull gets a
dock only if more docks are free than are claimed, one each, by the hulls ahead of it in the
queue that still wait, and by the hulls of higher-priority programmes due to ask for a first
dock before this one would leave it (now plus its drawn dock stages). A programme says when its
hulls are due (`Shipyard.due_at_dock`: by its `first_start` and `drumbeat`, plus the mean
durations of the stages before its first dock); a hull late by `RESERVATION_GRACE` days or
more holds nothing, so a programme short of money cannot keep docks idle for ever. Without
`reserve_docks`, nothing is held (first come, first served within each priority). Docks can be
added while hulls wait (expansions); yards that share them are told, so their capacity measure
follows.

Installed capacity counts each dock once (`divide_docks`): the docks are divided evenly among
the programmes building here that still have hulls to start; a programme whose drumbeat cannot
keep its share busy (it fills at most mean dock days ÷ drumbeat docks) takes only what it can
fill, and the rest goes evenly to the others. A programme leaves the division when its last hull
starts (it has no installed capacity from then); one not yet available (`available_from`) joins
it then. The docks are divided again whenever a programme joins or leaves and when docks are
added."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator
from typing import Any

import simpy

#: days a due hull may be late (not yet asking for its first dock) and still hold a dock
RESERVATION_GRACE = 90.0


def divide_docks(docks: float, fills: list[float]) -> list[float]:
    """`docks` divided evenly among programmes, none taking more than it can fill (`fills`),
    what one leaves going evenly to the others; the shares add up to `docks` unless every
    programme is full."""
    shares = [0.0] * len(fills)
    left, count = docks, len(fills)
    for i in sorted(range(len(fills)), key=lambda k: fills[k]):
        share = min(fills[i], left / count)
        shares[i] = share
        left -= share
        count -= 1
    return shares


class DockPool:
    """Docks of one yard, possibly shared with other yards' programmes."""

    def __init__(self, env: simpy.Environment, docks: int, reserve: bool = True) -> None:
        self.env = env
        self.count = docks
        self.reserve = reserve
        self._free = list(range(docks))
        #: (-priority, arrival, days it would hold the dock, its event): a sorted list is a heap
        self._waiting: list[tuple[float, int, float, simpy.Event]] = []
        self._seq = 0
        self.listeners: list[Callable[[int, int], None]] = []
        #: (priority, due dates) of each programme building here: `due(now)` lists the days its
        #: hulls not yet asking for a first dock are due to ask
        self.programmes: list[tuple[float, Callable[[float], list[float]]]] = []
        #: the programmes with hulls still to start, among which the docks' capacity is divided:
        #: programme (facility index) -> (docks it can fill, told its share), in the order they came
        self.tenants: dict[int, tuple[float, Callable[[float], None]]] = {}
        self._reserving = False  # holding docks, and programmes of more than one priority
        self._recheck_at = math.inf  # a look again is due then (a reservation may lapse)

    @property
    def busy(self) -> int:
        """Docks holding a hull now."""
        return self.count - len(self._free)

    def join(self, priority: float, due: Callable[[float], list[float]]) -> None:
        """A programme of `priority` builds here; `due(now)` gives its hulls' due dates."""
        self.programmes.append((priority, due))
        first = self.programmes[0][0]
        self._reserving = self.reserve and any(p != first for p, _ in self.programmes)

    def request(self, priority: float, holds: float = 0.0) -> simpy.Event:
        """An event whose value is the dock index granted to a hull that would hold it `holds`
        days."""
        event = self.env.event()
        self._seq += 1
        heapq.heappush(self._waiting, (-priority, self._seq, holds, event))
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
        self.divide()
        self._grant()

    def count_in(self, programme: int, fills: float, told: Callable[[float], None]) -> None:
        """A programme (facility index) with hulls to start, able to fill `fills` docks, shares
        the docks' capacity: `told(share)` whenever the docks are divided (`divide`)."""
        self.tenants[programme] = (fills, told)

    def count_out(self, programme: int) -> None:
        """`programme` has started its last hull: its share is 0 from now, and the docks are
        divided among the others."""
        told = self.tenants.pop(programme)[1]
        told(0.0)
        self.divide()

    def divide(self) -> None:
        """Tell each programme its share of the docks now (`divide_docks`)."""
        tenants = list(self.tenants.values())
        shares = divide_docks(float(self.count), [fills for fills, _ in tenants])
        for k in range(len(tenants)):
            tenants[k][1](shares[k])

    def review(self) -> None:
        """A programme's due dates changed (a hull was laid down or started): look again."""
        if self._reserving:
            self._grant()

    def _grant(self) -> None:
        if not self._reserving:
            while self._free and self._waiting:
                event = heapq.heappop(self._waiting)[3]
                event.succeed(heapq.heappop(self._free))
            return
        if not self._free or not self._waiting:
            return
        now: float = self.env.now
        ahead = 0  # hulls ahead in the queue still waiting: each claims a dock
        lapse = math.inf  # the first moment a reservation that held a hull back lapses
        kept: list[tuple[float, int, float, simpy.Event]] = []
        for entry in sorted(self._waiting):
            if self._free:
                held, ends = self._reserved(-entry[0], now, now + entry[2])
                if len(self._free) > ahead + held:
                    entry[3].succeed(heapq.heappop(self._free))
                    continue
                lapse = min(lapse, ends)
            ahead += 1
            kept.append(entry)
        self._waiting = kept
        if lapse < self._recheck_at or self._recheck_at <= now:
            if math.isfinite(lapse):
                self._recheck_at = lapse
                self.env.process(self._recheck(lapse - now))

    def _reserved(self, priority: float, now: float, leave: float) -> tuple[int, float]:
        """Docks held for hulls of programmes above `priority` due before `leave` (late by less
        than the grace), and the first moment one of those holds lapses."""
        held = 0
        ends = math.inf
        for p, due in self.programmes:
            if p <= priority:
                continue
            for day in due(now):
                if day < leave and now < day + RESERVATION_GRACE:
                    held += 1
                    ends = min(ends, day + RESERVATION_GRACE)
        return held, ends

    def _recheck(self, delay: float) -> Generator[Any, Any, None]:
        """Look again once a reservation has lapsed."""
        yield self.env.timeout(delay)
        if self.env.now >= self._recheck_at:
            self._recheck_at = math.inf
        self._grant()
