"""A value as written, read back as a number in the language's base units and the name of that
unit, so that tables keep numbers as numbers: '40k per year' -> (109.51..., 'per day'),
'4.7%' -> (0.047, 'fraction'), '18 months' -> (547.875, 'days'), '1.5bn' -> (1.5e9, '')."""

from __future__ import annotations

import math

from sim.language.units import UnitError, parse_duration, parse_percentage, parse_quantity, parse_rate

PER_DAY = "per day"
FRACTION = "fraction"
DAYS = "days"


def in_base_units(value: object) -> tuple[float, str]:
    """`value` as (number in base units, unit); (NaN, '') when it is no single number (a
    distribution, a date, a name, or nothing)."""
    if isinstance(value, bool) or value is None:
        return math.nan, ""
    if isinstance(value, (int, float)):
        return float(value), ""
    if not isinstance(value, str):
        return math.nan, ""
    text = value.strip()
    readers = (
        (FRACTION, parse_percentage) if text.endswith("%") else None,
        (PER_DAY, parse_rate) if "per" in text or "/" in text else None,
        ("", parse_quantity),
        (DAYS, parse_duration),
    )
    for reader in readers:
        if reader is None:
            continue
        unit, parse = reader
        try:
            return parse(text), unit
        except UnitError:
            continue
    return math.nan, ""
