"""The random streams of one replication: one per uncertain value, keyed by its place in the
scenario and its purpose, so that common random numbers hold across paired runs.

A stream is named by the value's dotted path, as `--set` writes it (`budgets.army.inflation`,
`facilities.bae_155mm.capacity`, `facilities.x.expansions.<name>.capex`), and by what it is
drawn for: a world value drawn once a replication, an expansion's values, a facility's
per-unit draws (one stream per stage duration, stage material or build time) or its
breakdowns (failures and repairs apart). Each is a `SeedSequence` with the replication's
entropy and spawn key, the key extended by words of a stable hash (BLAKE2b, never Python's
`hash`, which changes between processes) of "path#purpose". So fixing, varying, adding or
removing one value or one facility leaves every other draw as it was, whatever the order of
the scenario's entries. A fixed value needs no stream: one is made (tens of microseconds)
only for a distribution, and a facility makes its per-unit and breakdown streams once.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Final

import numpy as np

from sim.language.values import Uncertain, Value

VALUE: Final = "value"  # a world value, drawn once a replication
EXPANSION: Final = "expansion"  # one of an expansion's values, drawn once a replication
UNITS: Final = "units"  # a facility's per-unit draws: one per hull, stage or vehicle
BREAKDOWNS: Final = "breakdowns"  # a facility's times to failure or to repair
KEY_WORDS: Final = 4  # 32-bit words of the hash added to the spawn key (128 bits)


def key_words(path: str, purpose: str) -> tuple[int, ...]:
    """The spawn-key words of the stream of `path` for `purpose`: a stable hash, the same in
    every process and on every platform."""
    digest = hashlib.blake2b(f"{path}#{purpose}".encode(), digest_size=4 * KEY_WORDS).digest()
    return struct.unpack(f"<{KEY_WORDS}I", digest)


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
        self.entropy = seed_seq.entropy
        self.spawn_key: tuple[int, ...] = tuple(seed_seq.spawn_key)
        self.pool_size: int = seed_seq.pool_size
        self.drawn = drawn

    def seed(self, path: str, purpose: str) -> np.random.SeedSequence:
        """The seed of the stream of `path` for `purpose`."""
        return np.random.SeedSequence(
            self.entropy, spawn_key=self.spawn_key + key_words(path, purpose), pool_size=self.pool_size
        )

    def rng(self, path: str, purpose: str) -> np.random.Generator:
        """A generator of the stream of `path` for `purpose` (each call starts it afresh)."""
        return np.random.Generator(np.random.PCG64(self.seed(path, purpose)))

    def value(self, value: Value, path: str, purpose: str = VALUE) -> float:
        """The value at `path`: itself if fixed, else one draw from its own stream (kept in
        `drawn`)."""
        if not isinstance(value, Uncertain):
            return value
        drawn = value.sample(self.rng(path, purpose))
        self.drawn[path] = drawn
        return drawn

    def units(self, value: Value, path: str) -> np.random.Generator | None:
        """The per-unit stream of `path` if its value is uncertain (None if fixed)."""
        return self.rng(path, UNITS) if isinstance(value, Uncertain) else None
