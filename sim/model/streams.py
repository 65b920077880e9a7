"""The random streams of one replication: one per uncertain value, keyed by its place in the
scenario and its purpose, so that common random numbers hold across paired runs.

A stream is named by the value's dotted path, as `--set` writes it (`budgets.army.inflation`,
`facilities.bae_155mm.capacity`, `facilities.x.expansions.<name>.capex`), and by what it is
drawn for: a world value drawn once a replication, an expansion's values, a facility's
per-unit draws (one stream per stage duration, stage material or build time) or its
breakdowns (failures and repairs apart). Each stream's seed is BLAKE2b of "path#purpose"
(a stable hash, never Python's `hash`, which changes between processes), keyed by 256 bits the
replication's `SeedSequence` generates; numpy's PCG64 takes it through the seed-sequence
interface as it would a `SeedSequence`'s state. So fixing, varying, adding or removing one
value or one facility leaves every other draw as it was, whatever the order of the scenario's
entries. A fixed value needs no stream: one is made only for a distribution, and a facility
makes its per-unit and breakdown streams once (a keyed hash, not a `SeedSequence` per stream,
keeps making one cheap).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import numpy as np
from numpy.random.bit_generator import ISeedSequence

from sim.language.calendar import date_of_ordinal
from sim.language.values import Uncertain, Value
from sim.model.clock import Clock

VALUE = "value"  # a world value, drawn once a replication
EXPANSION = "expansion"  # one of an expansion's values, drawn once a replication
UNITS = "units"  # a facility's per-unit draws: one per hull, stage or vehicle
BREAKDOWNS = "breakdowns"  # a facility's times to failure or to repair
IN_PROGRESS = "in_progress"  # per-unit draws of the work in progress at the start
ROOT_WORDS = 8  # 32-bit words of the replication's seed material that key every stream
BLOCK = 64  # bytes of a stream's seed per BLAKE2b digest


class StreamSeed:
    """The seed of one stream: BLAKE2b of its name, keyed by the replication's seed material,
    in as many blocks as a bit generator asks for. It offers numpy's seed-sequence interface
    (`generate_state`, registered as an `ISeedSequence`), so a bit generator takes it as it
    would a `SeedSequence`."""

    def __init__(self, key: bytes, name: str) -> None:
        self.key = key
        self.name = name.encode()

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        """`n_words` words of the seed, of 32 or 64 bits, the same on every platform."""
        kind = np.dtype(dtype)
        need = n_words * kind.itemsize
        data = b""
        block = 0
        while len(data) < need:
            salt = block.to_bytes(16, "little")
            data += hashlib.blake2b(self.name, key=self.key, salt=salt, digest_size=BLOCK).digest()
            block += 1
        return np.frombuffer(data, dtype=kind.newbyteorder("<"), count=n_words).astype(kind)


ISeedSequence.register(StreamSeed)


def facility_path(name: str) -> str:
    """The dotted path of facility `name`, under which its values and streams are keyed."""
    return f"facilities.{name}"


def item_key(names: list[str], k: int) -> str:
    """The path part of item `k` of a list of named items (expansions, stages): its name, as
    `--set` addresses it, so that adding, removing or moving another item changes nothing;
    a name used twice in the list is told apart by its occurrence (`name@1` is the second)."""
    name = names[k]
    seen = 0
    for other in names[:k]:
        if other == name:
            seen += 1
    return name if seen == 0 else f"{name}@{seen}"


def next_draw(value: Value, rng: np.random.Generator | None) -> float:
    """The next per-unit draw of `value` from its stream `rng` (`Streams.units`), or the value
    itself if fixed."""
    if isinstance(value, Uncertain):
        assert rng is not None
        return value.sample(rng)
    return value


class Streams:
    """Every random stream of one replication, derived from its `SeedSequence`. Each world
    value drawn is kept in `drawn` (path -> value), for tests and for explaining a run."""

    def __init__(self, seed_seq: np.random.SeedSequence, drawn: dict[str, float]) -> None:
        #: the key of every stream's seed: the replication's seed material, little-endian
        self.key = seed_seq.generate_state(ROOT_WORDS, np.uint32).astype("<u4").tobytes()
        self.drawn = drawn

    def seed(self, path: str, purpose: str) -> StreamSeed:
        """The seed of the stream of `path` for `purpose`."""
        return StreamSeed(self.key, f"{path}#{purpose}")

    def rng(self, path: str, purpose: str) -> np.random.Generator:
        """A generator of the stream of `path` for `purpose` (each call starts it afresh)."""
        # (numpy's stub names only SeedSequence; at run time any ISeedSequence seeds it)
        return np.random.Generator(np.random.PCG64(self.seed(path, purpose)))  # type: ignore[arg-type]

    def value(self, value: Value, path: str, purpose: str = VALUE) -> float:
        """The value at `path`: itself if fixed, else one draw from its own stream (kept in
        `drawn`)."""
        if not isinstance(value, Uncertain):
            return value
        drawn = value.sample(self.rng(path, purpose))
        self.drawn[path] = drawn
        return drawn

    def day(self, value: dt.date | Uncertain, path: str, clock: Clock, purpose: str = VALUE) -> float:
        """The day (from the start) of the date at `path`: itself if fixed, else one draw of its
        distribution of dates (day ordinals) from its own stream, rounded to a whole day; the
        drawn day is kept in `drawn`, so `start + drawn` is the date a fixed scenario would write."""
        if not isinstance(value, Uncertain):
            return clock.day_of(value)
        ordinal = round(value.sample(self.rng(path, purpose)))
        day = clock.day_of(date_of_ordinal(ordinal))
        self.drawn[path] = day
        return day

    def units(self, value: Value, path: str) -> np.random.Generator | None:
        """The per-unit stream of `path` if its value is uncertain (None if fixed)."""
        return self.rng(path, UNITS) if isinstance(value, Uncertain) else None
