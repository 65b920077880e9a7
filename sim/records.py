"""The append-only log of what happened in one replication, written by the model at state changes.

Records hold plain tuples of floats and indices into the name tables, appended as events
happen; metrics turn them into arrays afterwards (`columns`, `ramps_integral`: the array forms the
invariants and the metrics share). `Records.columns` keeps what it converts, so a list the
invariants turned into arrays is not turned again by the metrics. Nothing here knows about SimPy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np


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
    #: arrays already made from a record list (`columns`): id -> (list, length, last row, field -> array)
    _converted: dict[int, tuple[list[Any], int, Any, dict[int, np.ndarray]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __getstate__(self) -> dict[str, Any]:
        """Pickles and copies leave out the arrays kept by `columns` (made again on demand)."""
        return {**self.__dict__, "_converted": {}}

    def columns(self, rows: list[Any], *at: int, fresh: bool = False) -> list[np.ndarray]:
        """`columns(rows, *at)` for one of these record lists, each field converted once: the
        arrays are kept (read-only) while the list has the same length and last row, as an
        append-only log does, and made again once it grows. `fresh` converts again anyway (the
        invariants, which must see the rows as they are) and keeps the result."""
        n = len(rows)
        last = rows[-1] if n else None
        kept = self._converted.get(id(rows))
        arrays = kept[3] if kept and not fresh and kept[0] is rows and kept[1] == n and kept[2] is last else {}
        missing = tuple(k for k in at if k not in arrays)
        if missing:
            arrays = dict(arrays)
            for k, array in zip(missing, columns(rows, *missing), strict=True):
                array.flags.writeable = False
                arrays[k] = array
            self._converted[id(rows)] = (rows, n, last, arrays)
        return [arrays[k] for k in at]


def columns(rows: Sequence[Sequence[Any]], *at: int) -> list[np.ndarray]:
    """Fields `at` of every record tuple as float arrays, one per field. All the fields of
    numeric rows come from one pass over them (the tuples lie scattered in memory, so each
    visit costs); a selection is taken field by field, so a text field (spending's `what`)
    is never read."""
    n = len(rows)
    if n and at == tuple(range(len(rows[0]))):
        flat = np.fromiter(chain.from_iterable(rows), dtype=float, count=n * len(at))
        return list(np.ascontiguousarray(flat.reshape(n, len(at)).T))
    return [np.fromiter(map(itemgetter(k), rows), dtype=float, count=n) for k in at]


def ramps_integral(t0: np.ndarray, t1: np.ndarray, delta: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Recorded ramps (capacity or supply: each rising by `delta` from `t0` to `t1`) summed and
    integrated from −inf to each of the times `t` (ascending or not): per ramp, its rising part
    (t − t0 clipped to the ramp) squared over twice its span, then the full delta after t1
    (`sim.model.curves.Ramp.integral_to`, up to rounding). A loop over the few ramps, each a
    pass over all the times."""
    t = np.asarray(t, dtype=float)
    total = np.zeros(t.shape)
    for a, b, d in zip(t0.tolist(), t1.tolist(), delta.tolist(), strict=True):
        span = b - a
        rising = np.minimum(np.maximum(t - a, 0.0), span)
        ramped = rising * rising / (2 * span) if span > 0 else 0.0
        total += d * (ramped + np.maximum(t - b, 0.0))
    return total
