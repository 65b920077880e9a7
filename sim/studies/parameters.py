"""A study parameter: a dotted path into the scenario with a list of values or a numeric range.

Written on the command line as `PATH=V1,V2,...` (values, each read as a YAML scalar like
`--set`), `PATH=LO:HI` (a range) or `PATH=LO:HI:N` (a range of N evenly spaced levels). Range
ends may carry a scale and a unit, which the sampled values keep: `100k per year:300k per
year:5` gives "100000 per year", ..., `1%:5%` gives "1%", ... Ends written as plain whole
numbers (`1:4`) give whole numbers, so that counts such as docks stay integers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import UsageError
from sim.language.units import SCALES, parse_number
from sim.language.yaml_source import read_value

#: a range end: number, scale, unit (matched on the stripped text; possessive quantifiers, so
#: a long run of digits with a stray character fails in linear time instead of backtracking)
_END_RE = re.compile(
    r"(?P<num>[-+]?+(?:\d[\d_]*+(?:\.\d*+)?+|\.\d++)(?:[eE][-+]?+\d++)?+)\s*(?P<scale>[A-Za-z]*+)(?P<unit>(?:[\s%].*+)?+)"
)
_INTEGER_RE = re.compile(r"[-+]?+\d[\d_]*+")
MAX_END_CHARS = 200  # a range end longer than this is no number with a unit
MAX_LEVEL_DIGITS = 15  # more levels than any limit on a study allows


def _end_match(text: str) -> re.Match[str] | None:
    """`text` read as a range end (number, optional scale, optional unit), or None."""
    text = text.strip()
    return _END_RE.fullmatch(text) if len(text) <= MAX_END_CHARS else None


@dataclass(frozen=True)
class Parameter:
    """One varied input: explicit `values`, or a range `low`..`high` (with `levels` for a grid)."""

    path: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    levels: int | None = None
    unit: str = ""
    integer: bool = False

    @property
    def is_range(self) -> bool:
        """True for a numeric range, False for a list of values."""
        return self.low is not None

    @property
    def bounds(self) -> tuple[float, float]:
        """The range's ends (for a list of values: indices 0..len, so a unit draw picks one)."""
        if self.low is None or self.high is None:
            return 0.0, float(len(self.values))
        return self.low, self.high

    def grid_levels(self) -> list[float]:
        """The numeric levels of a grid: the values' indices, or N points from LO to HI."""
        if not self.is_range:
            return [float(i) for i in range(len(self.values))]
        if self.levels is None:
            raise UsageError(f"--vary {self.path}: a grid needs the number of levels, as in LO:HI:N")
        lo, hi = self.bounds
        return [float(x) for x in np.linspace(lo, hi, self.levels)]

    def numeric(self, x: float) -> float:
        """The design-table number for `x` (rounded for integer ranges, an index for values)."""
        if not self.is_range:
            return float(min(len(self.values) - 1, max(0, math.floor(x))))
        return float(round(x)) if self.integer else float(x)

    def data_value(self, x: float) -> Any:
        """What to write into the scenario at `path` for the design-table number `x`: for a
        range with a unit, the number in that unit with as many digits as read back to the same
        number (so the number stored beside it, parsed from this text, is the one sampled)."""
        if not self.is_range:
            return self.values[int(self.numeric(x))]
        number = self.numeric(x)
        if self.integer:
            return int(number)
        if not self.unit:
            return number
        short = f"{number:.12g}"
        text = short if float(short) == number else repr(number)  # every digit where 12 would round it
        return f"{text}{self.unit}" if self.unit.startswith("%") else f"{text} {self.unit.strip()}"


def parse_parameter(text: str, option: str = "--vary") -> Parameter:
    """Read `PATH=V1,V2,...`, `PATH=LO:HI` or `PATH=LO:HI:N`."""
    if "=" not in text:
        raise UsageError(f"{option} {text!r}: expected PATH=V1,V2,... or PATH=LO:HI[:N]")
    path, raw = (part.strip() for part in text.split("=", 1))
    if not path or any(not p for p in path.split(".")):
        raise UsageError(f"{option} {text!r}: the path must be dotted, such as facilities.barrow.docks")
    if not raw:
        raise UsageError(f"{option} {path}: no values given")
    pieces = _split_top(raw, ":")
    if len(pieces) in (2, 3) and "," not in raw and all(_end_match(p) for p in pieces[:2]):
        return _range(path, pieces, option)
    values = tuple(_scalar(v, option) for v in _split_top(raw, ","))
    if any(v == "" for v in values):
        raise UsageError(f"{option} {path}: an empty value in {raw!r}")
    return Parameter(path, values=values)


def _range(path: str, pieces: list[str], option: str) -> Parameter:
    (lo, lo_unit), (hi, hi_unit) = (_end(p) for p in pieces[:2])
    if lo_unit and hi_unit and lo_unit.strip() != hi_unit.strip():
        raise UsageError(f"{option} {path}: the ends have different units ({lo_unit.strip()!r}, {hi_unit.strip()!r})")
    if not hi > lo:
        raise UsageError(f"{option} {path}: the range's high end must exceed its low end, got {pieces[0]}:{pieces[1]}")
    levels = None
    if len(pieces) == 3:
        shown = pieces[2] if len(pieces[2]) <= 40 else pieces[2][:37] + "..."
        if not _INTEGER_RE.fullmatch(pieces[2].strip()) or len(pieces[2].strip()) > MAX_LEVEL_DIGITS:
            raise UsageError(
                f"{option} {path}: the number of levels must be a whole number of at most "
                f"{MAX_LEVEL_DIGITS} digits, got {shown!r}"
            )
        levels = int(pieces[2])
        if levels < 2:
            raise UsageError(f"{option} {path}: a range needs at least 2 levels, got {levels}")
    integer = all(_INTEGER_RE.fullmatch(p.strip()) for p in pieces[:2])
    return Parameter(path, low=lo, high=hi, levels=levels, unit=lo_unit or hi_unit, integer=integer)


def _end(text: str) -> tuple[float, str]:
    match = _end_match(text)
    assert match is not None
    scale, unit = match["scale"], match["unit"]
    if scale and scale not in SCALES:  # a unit word such as "months", not a scale
        scale, unit = "", scale + unit
    return parse_number(match["num"]) * SCALES[scale], unit


def _scalar(text: str, option: str) -> Any:
    """A value read as `--set` reads it (the same limits on numbers, tags and nesting)."""
    return read_value(text, option) if text.strip() else ""


def _split_top(text: str, sep: str) -> list[str]:
    """Split on `sep` outside brackets and braces (so `{uniform: [1, 2]}` stays whole)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return parts


def parameters_from(vary: Any, option: str = "vary") -> list[Parameter]:
    """Parameters from Python: a mapping `{path: [v1, v2, ...]}` (values as the language writes
    them) or `{path: "LO:HI[:N]"}`, or a list of `PATH=...` strings. A single string is refused:
    iterated, it would be read letter by letter."""
    if isinstance(vary, (str, bytes)):
        raise TypeError(
            f"{option} must be a mapping such as {{'facilities.x.capacity': ['40k per year', '50k per year']}} "
            f"or a list of 'PATH=V1,V2' strings, not the single string {vary!r}"
        )
    if not isinstance(vary, Mapping):
        return [parse_parameter(text, f"--{option}") for text in vary]
    found = []
    for path, spec in vary.items():
        if not isinstance(path, str) or not path or any(not p for p in path.split(".")):
            raise UsageError(f"{option}: the path must be dotted, such as facilities.barrow.docks, got {path!r}")
        if isinstance(spec, str):
            found.append(parse_parameter(f"{path}={spec}", option))
        elif isinstance(spec, Sequence) and not isinstance(spec, bytes) and len(spec) > 0:
            found.append(Parameter(path, values=tuple(spec)))
        else:
            raise UsageError(f"{option} {path}: give a list of values or a range 'LO:HI[:N]', got {spec!r}")
    return found
