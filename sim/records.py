"""The append-only log of what happened in one replication, written by the model at state changes.

The ledgers (deliveries, starts, appropriations, lapses, spending, takes: tens of thousands of
rows a replication) are `Log`s, kept a list per field: a stored row is no Python object of its
own, and metrics and invariants read each field as an array with one conversion
(`Log.columns`). The few plan records (ramps, expansions, stages) stay plain lists of tuples
(`columns` reads those). Nothing here knows about SimPy.
"""

from __future__ import annotations

import struct
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from operator import itemgetter
from typing import Any, Final

import numpy as np

#: the types of a field value that `Log.add_run` gives to every row of a run (anything else
#: holds one value a row)
SHARED: Final = frozenset((int, float, str))


class Log:
    """Rows of fixed fields, appended in order and kept a list per field: a row list that reads
    like a list of tuples (iteration, indexing, len, ==), whose stored rows are no objects of
    their own (numbers and names are not tracked by the garbage collector; a tuple is, until a
    pass over it), and whose fields become arrays once: `columns` keeps what it converted
    (read-only) until the log changes, so the invariants and the metrics share it. `append` is
    a plain list's (rows waiting to be moved into the fields at the next read or run);
    `add_run` adds a run of rows field by field, without making the rows.

    A field marked `f` (numbers) or `i` (whole numbers) in `kinds`, once converted, is kept only
    as its array, and its list is let go until the log is read row by row or changed: a list is
    a container the garbage collector walks value by value at each pass while the records live
    (a study's metrics run with the collector on), an array is not. Read back, a field of whole
    numbers gives the same ints, any other `f` field floats (a whole number written among floats
    comes back as the equal float); an `i` field that holds anything but whole numbers is kept
    as its list."""

    __slots__ = ("_arrays", "_columns", "_held", "_pending", "append", "kinds", "width")

    append: Callable[[tuple[Any, ...]], None]

    def __init__(self, width: int, rows: Iterable[Sequence[Any]] = (), kinds: str = "") -> None:
        if len(kinds) not in (0, width):
            raise ValueError(f"a log of {width} fields needs {width} kinds, got {kinds!r}")
        self.width = width
        self.kinds = kinds or "." * width  # per field: `f` numbers, `i` whole numbers, `.` anything
        self._columns: list[list[Any]] = [[] for _ in range(width)]
        self._pending: list[tuple[Any, ...]] = [tuple(r) for r in rows]
        self.append = self._pending.append
        self._arrays: dict[int, np.ndarray] = {}  # field -> its values, while nothing changes
        self._held: dict[int, np.ndarray] = {}  # field -> its values, its list let go (emptied)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Log, (self.width, list(self), self.kinds))

    def _flush(self) -> None:
        """Make every field a whole list: rebuild those held only as arrays, then move the
        appended rows into the fields."""
        if self._held:
            for k, held in self._held.items():
                self._columns[k] = held.tolist()
            self._held.clear()
        pending = self._pending
        if pending:
            try:  # (transposed in C; rows of another length stop it)
                fields = list(zip(*pending, strict=True))
            except ValueError:
                fields = []
            if len(fields) != self.width:
                bad = next(row for row in pending if len(row) != self.width)
                pending.clear()
                raise ValueError(f"a record row needs {self.width} fields, got {bad!r}")
            self._arrays.clear()
            columns = self._columns
            for column, values in zip(columns, fields, strict=True):
                column.extend(values)
            pending.clear()

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        """Append each of `rows`."""
        self._pending.extend(tuple(r) for r in rows)

    def add_run(self, days: Sequence[float], *fields: Any) -> None:
        """A row at each of `days`: each further field a sequence of as many values, or one
        Python int, float or str that all the rows share."""
        if self._pending or self._held:
            self._flush()
        if self._arrays:
            self._arrays.clear()
        columns, n = self._columns, len(days)
        if len(fields) != self.width - 1:
            raise ValueError(f"a run of record rows needs {self.width} fields, got {len(fields) + 1}")
        for values in fields:
            if type(values) not in SHARED and len(values) != n:
                raise ValueError(f"a run of {n} record rows got a field of {len(values)} values")
        columns[0].extend(days)
        for k, values in enumerate(fields, 1):
            columns[k].extend([values] * n if type(values) in SHARED else values)

    def insert(self, i: int, row: Sequence[Any]) -> None:
        """Insert a row before row `i` (for tests that tamper with the records)."""
        self._flush()
        self._arrays.clear()
        for column, value in zip(self._columns, row, strict=True):
            column.insert(i, value)

    def columns(self, *at: int) -> list[np.ndarray]:
        """Fields `at` of every row as read-only float arrays, one per field (numeric fields
        only), each converted once while the log stays as it is (a field marked `f` or `i` is
        then held only as its array: see the class)."""
        if self._pending:
            self._flush()
        arrays, kinds = self._arrays, self.kinds
        for k in at:
            if k not in arrays:
                values = as_array(self._columns[k])
                floats = as_floats(values)
                floats.flags.writeable = False
                arrays[k] = floats
                if kinds[k] == "f" or (kinds[k] == "i" and values.dtype != float):
                    self._held[k] = values
                    self._columns[k] = []
        return [arrays[k] for k in at]

    def __len__(self) -> int:
        held = self._held
        return len(held[0] if 0 in held else self._columns[0]) + len(self._pending)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        self._flush()
        return zip(*self._columns, strict=True)

    def __getitem__(self, i: Any) -> Any:
        self._flush()
        if isinstance(i, slice):
            return list(zip(*(column[i] for column in self._columns), strict=True))
        return tuple(column[i] for column in self._columns)

    def __setitem__(self, i: Any, value: Any) -> None:
        self._flush()
        self._arrays.clear()
        if isinstance(i, slice):
            rows = list(self)
            rows[i] = value
            self._columns = [[] for _ in range(self.width)]
            self.extend(rows)
            self._flush()
            return
        for column, v in zip(self._columns, value, strict=True):
            column[i] = v

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Log, list, tuple)):
            return list(self) == [tuple(r) for r in other]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as a list

    def __add__(self, other: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
        return list(self) + [tuple(r) for r in other]

    def __repr__(self) -> str:
        return f"Log({self.width}, {list(self)!r}, {self.kinds!r})"


def time_use_table() -> dict[int, dict[str, float]]:
    """The time-use table: facility -> cause -> days, both levels filled in on first use."""
    table: defaultdict[int, dict[str, float]] = defaultdict(partial(defaultdict, float))
    return table


@dataclass
class Records:
    """Everything one replication emitted, each list in the order written: work run ahead is
    recorded when it is decided, so rows of later days may come before rows of earlier ones
    (readers sort by day where order matters)."""

    products: list[str]
    facilities: list[str]
    budgets: list[str]
    materials: list[str]
    pools: list[str] = field(default_factory=list)
    #: material index of each component store (listed in `materials` after the scenario's
    #: materials) -> the product whose deliveries feed it
    stores: dict[int, int] = field(default_factory=dict)
    horizon: float = 0.0
    #: the customers with orders (`sim.model.orders`), in order of first mention
    customers: list[str] = field(default_factory=list)
    #: (customer, product, day placed, quantity, priority) each order's call-offs, in scenario
    #: order (the metrics route deliveries to them: `sim.metrics.orders`)
    orders: list[tuple[int, int, float, float, float]] = field(default_factory=list)
    #: each call-off's price per unit (parallel to `orders`): its order's `price`, else its
    #: product's unit cost at the start (`sim.model.orders.unit_prices`)
    order_prices: list[float] = field(default_factory=list)
    #: the facilities that may deliver each call-off (parallel to `orders`; empty: any making it)
    order_plants: list[tuple[int, ...]] = field(default_factory=list)
    #: each (customer, product) with orders, in order of first mention (with call-offs or not)
    order_lines: list[tuple[int, int]] = field(default_factory=list)
    #: (day, product, quantity, began, facility) each time finished units reach stock, with the
    #: day their production began (a lot's start, a vehicle's or a hull's first day of work)
    #: and the facility that made them
    deliveries: Log = field(default_factory=partial(Log, 5, kinds="fiffi"))
    #: (day, facility, quantity) each time work is started (a lot, a vehicle, a hull)
    starts: Log = field(default_factory=partial(Log, 3, kinds="fif"))
    #: (day, budget, fiscal year, amount) each appropriation
    appropriations: Log = field(default_factory=partial(Log, 4, kinds="fiif"))
    #: (day, budget, amount) money lapsed at a fiscal year's end
    lapses: Log = field(default_factory=partial(Log, 3, kinds="fif"))
    #: (day, budget, facility or -1, amount, what) money committed
    spending: Log = field(default_factory=partial(Log, 5, kinds="fiif."))
    #: (day, material, amount) material taken from stock (a component store is a material too)
    takes: Log = field(default_factory=partial(Log, 3, kinds="fif"))
    #: (facility, product, t0, t1, delta) capacity ramps: installed capacity per day
    capacity: list[tuple[int, int, float, float, float]] = field(default_factory=list)
    #: (facility, t0, t1, delta) docks opened (shipyards; t0 = t1: docks open at once)
    docks: list[tuple[int, float, float, float]] = field(default_factory=list)
    #: (owner, expansion name, construction start, online, fully ramped)
    expansions: list[tuple[str, str, float, float, float]] = field(default_factory=list)
    #: (material, t0, t1, delta) supply-rate ramps (arrival times, lead time included)
    supply: list[tuple[int, float, float, float]] = field(default_factory=list)
    #: (material, supplier, day, rate per day) each step of a supplier's deliveries (arrival
    #: days, lead time included; `materials.X.suppliers`)
    supplier_supply: list[tuple[int, str, float, float]] = field(default_factory=list)
    #: (material, supplier, start, end, fraction of its rate) each disruption period (days of
    #: its production, cut at the horizon)
    disruptions: list[tuple[int, str, float, float, float]] = field(default_factory=list)
    #: (product, from, until, rate per day) demand drawing down stock
    demand: list[tuple[int, float, float, float]] = field(default_factory=list)
    #: (pool, day, size) workforce pool size changes
    workforce: list[tuple[int, float, float]] = field(default_factory=list)
    #: the scenario's nations, and (nation, path, fiscal year, amount) of each nation's `core`
    #: and `related` spending in the horizon, in the scenario's currency (calendar fiscal
    #: years, the year containing the start pro-rated as a budget's is)
    nations: list[str] = field(default_factory=list)
    national: list[tuple[int, str, int, float]] = field(default_factory=list)
    #: (budget, nation, path, amount) of each fiscal year's money a nation gives a budget
    #: drawing on it (`from`)
    contributions: list[tuple[int, int, str, float]] = field(default_factory=list)
    #: facility -> cause -> days spent that way ('producing' is one cause)
    time_use: dict[int, dict[str, float]] = field(default_factory=time_use_table)
    #: (facility, hull, stage, dock or -1, t0, t1) shipyard stage spans
    stages: list[tuple[int, int, str, int, float, float]] = field(default_factory=list)
    #: each uncertain value drawn for the replication, by its dotted path in the scenario
    #: (`sim.model.streams`; fixed values and per-unit draws are not listed)
    draws: dict[str, float] = field(default_factory=dict)
    #: SimPy events processed
    events: int = 0


def as_floats(array: np.ndarray) -> np.ndarray:
    """`as_array`'s result as floats (itself if it holds floats already)."""
    return array if array.dtype == float else array.astype(float)


def as_array(values: list[Any]) -> np.ndarray:
    """A list of numbers as an array, not to be written to: of 64-bit integers if all are whole
    numbers that fit (read back with `tolist`, the same ints), else of floats. The numbers are
    packed into one buffer by `struct` and read back by NumPy, faster than
    `np.array(values, dtype=float)`, which first asks each number whether it is a sequence (and
    whole numbers, the index fields, faster still packed as such). Anything `struct` does not
    take goes through NumPy, whose errors it keeps."""
    n = len(values)
    if n and type(values[0]) is int:
        try:
            return np.frombuffer(struct.pack(f"{n}q", *values), dtype=np.int64)
        except struct.error:  # not all whole numbers of 64 bits after all
            pass
    try:
        return np.frombuffer(struct.pack(f"{n}d", *values), dtype=float)
    except struct.error:
        return np.array(values, dtype=float)


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


@dataclass(frozen=True, slots=True)
class Ramp:
    """A rate that rises linearly by `delta` from `t0` to `t1` and then holds: the one ramp
    mathematics (the model's capacity and supply curves, and `ramp_values` and
    `ramps_integral` over recorded ramps, which give its values to the bit)."""

    t0: float
    t1: float
    delta: float

    def value(self, t: float) -> float:
        """The ramp's contribution at time `t` (a step counts from its own instant)."""
        if t >= self.t1:
            return self.delta
        if t <= self.t0:
            return 0.0
        return self.delta * (t - self.t0) / (self.t1 - self.t0)

    def integral_to(self, t: float) -> float:
        """The ramp's contribution integrated from -inf to `t`."""
        if t <= self.t0:
            return 0.0
        if t >= self.t1:
            return self.delta * (t - self.t1 + (self.t1 - self.t0) / 2)
        return self.delta * (t - self.t0) ** 2 / (2 * (self.t1 - self.t0))


def ramp_values(t0: np.ndarray, t1: np.ndarray, delta: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """What each ramp (rising by `delta` from `t0` to `t1`; a step where `t1` is `t0`) adds at
    each of the times `t`: ramps × len(t), each `Ramp.value` in its own operations (summed
    over ramps, axis 0, ramp after ramp in record order)."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    t0, t1, delta = t0[:, None], t1[:, None], delta[:, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # (a step's rising part is never taken)
        rising = delta * (t - t0) / (t1 - t0)
    return np.where(t >= t1, delta, np.where(t <= t0, 0.0, rising))


def _squares(x: np.ndarray) -> np.ndarray:
    """`x ** 2` as Python squares a float (the C library's `pow`, which can differ from
    `x * x` in the last bit), so that `ramps_integral` is `Ramp.integral_to` to the bit."""
    return np.fromiter((v**2 for v in x.tolist()), dtype=float, count=x.size)


def ramps_integral(t0: np.ndarray, t1: np.ndarray, delta: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Recorded ramps (capacity or supply: each rising by `delta` from `t0` to `t1`) summed and
    integrated from −inf to each of the times `t` (ascending or not): each `Ramp.integral_to`
    in its own operations, added ramp after ramp. A loop over the few ramps, each a pass over
    all the times."""
    t = np.asarray(t, dtype=float)
    total = np.zeros(t.shape)
    for a, b, d in zip(t0.tolist(), t1.tolist(), delta.tolist(), strict=True):
        part = np.where(t <= a, 0.0, np.where(t >= b, d * (t - b + (b - a) / 2), 0.0))
        inside = (t > a) & (t < b)
        if inside.any():
            part[inside] = d * _squares(t[inside] - a) / (2 * (b - a))
        total += part
    return total
