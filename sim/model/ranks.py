"""The order of things that happen at the same instant: SimPy's own events first, then the
facilities, each at its rank (higher priority first, then scenario order), whatever the
history of the event queue. So who gets scarce money or material first is a rule of the model,
and a facility that ran its work ahead (`sim.model.fast`) meets the others at
an instant in the same order as one that went lot by lot."""

from __future__ import annotations

import simpy
from simpy.events import EventPriority

FIRST_RANK = 2  # after SimPy's URGENT (0) and NORMAL (1) events of the same instant


class RankedTimeout(simpy.Timeout):
    """A timeout processed after every ordinary event of its instant, in order of `rank`
    (> NORMAL), whatever was scheduled first: facilities that act at the same instant act in
    a fixed order (see `Facility.rank`), so who gets scarce money or material first does not
    hang on the history of the event queue."""

    def __init__(self, env: simpy.Environment, delay: float, rank: int) -> None:
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        self.env = env
        self.callbacks = []
        self._value = None
        self._delay = delay
        self._ok = True
        env.schedule(self, EventPriority(rank), delay)


def succeed_at_rank(event: simpy.Event, value: object, rank: int) -> None:
    """Trigger `event` now, processed at `rank` among the facilities of this instant (as a
    `RankedTimeout` of no delay would be): a facility woken by it acts in its place."""
    event._ok = True
    event._value = value
    event.env.schedule(event, EventPriority(rank))
