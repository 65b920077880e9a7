"""Values with units, as planners write them, converted to the engine's base units.

Base units: quantities and money are plain numbers, time is in days, rates are per day,
percentages are fractions. A year is 365.25 days and a month a twelfth of that, so that
"100k per year" and `years_to_reach` agree everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import numpy as np

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12

Number = TypeVar("Number", float, "np.ndarray")


def per_year(per_day: Number) -> Number:
    """A rate per day (base units) as a rate per year, as reports give rates: the one
    conversion (a float or an array of them)."""
    return per_day * DAYS_PER_YEAR


def in_years(days: Number) -> Number:
    """A time in days (base units) in years, as reports give times (a float or an array)."""
    return days / DAYS_PER_YEAR


TIME_UNITS: dict[str, float] = {
    "day": 1.0,
    "days": 1.0,
    "d": 1.0,
    "week": 7.0,
    "weeks": 7.0,
    "wk": 7.0,
    "month": DAYS_PER_MONTH,
    "months": DAYS_PER_MONTH,
    "mo": DAYS_PER_MONTH,
    "year": DAYS_PER_YEAR,
    "years": DAYS_PER_YEAR,
    "yr": DAYS_PER_YEAR,
    "yrs": DAYS_PER_YEAR,
    "y": DAYS_PER_YEAR,
}

SCALES: dict[str, float] = {
    "": 1.0,
    "k": 1e3,
    "K": 1e3,
    "thousand": 1e3,
    "M": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "bn": 1e9,
    "b": 1e9,
    "billion": 1e9,
    "tn": 1e12,
    "trillion": 1e12,
}

#: A number as written: digits with optional `,` or `_` separators, a decimal point, an exponent.
#: No two quantifiers can match the same character and every one is possessive, and the parsers
#: strip surrounding space and use `fullmatch`, so a match fails in time linear in the text
#: (`tests/test_no_silent_guesses.py` times every pattern). Where separators stand is checked by
#: `digit_group_problem`, not here.
NUMBER = r"[-+]?+(?:\d[\d_,]*+(?:\.\d*+)?+|\.\d++)(?:[eE][-+]?+\d++)?+"
_NUMBER_RE = re.compile(NUMBER)
_QUANTITY_RE = re.compile(r"(?:[£€$]\s*+)?+(?P<num>" + NUMBER + r")\s*+(?P<scale>[A-Za-z]*+)")
_RATE_UNIT_RE = re.compile(r"(?:per|/)\s*+(?P<unit>[A-Za-z]++)")
_DURATION_RE = re.compile(r"(?P<num>" + NUMBER + r")\s*+(?P<unit>[A-Za-z]++)")
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})-(\d{2}))?+")
_PERCENT_RE = re.compile(r"(?P<num>" + NUMBER + r")\s*+%")
_MONTH_DAY_RE = re.compile(r"(\d{2})-(\d{2})")
#: digits grouped by three after a first group of one to three: 2,000,000 or 2_000_000
_GROUPED_RE = re.compile(r"\d{1,3}+(?:,\d{3})++|\d{1,3}+(?:_\d{3})++")
#: one comma with one or two digits after it: a decimal comma (1,5 or 12,25), not thousands
_DECIMAL_COMMA_RE = re.compile(r"\d++,\d{1,2}+")

#: The longest text read as a value with a unit, and the longest number: far beyond any real
#: value, and short enough that nothing downstream (int(), float(), a message quoting it) meets
#: its limits (int() refuses 4,300 digits; float() overflows past 308).
MAX_VALUE_CHARS = 200
MAX_NUMBER_CHARS = 100

QUANTITY_HINT = "a number such as 2_000_000, 40k, 2M, 1.5bn, 2.9tn or 1.5e9"
RATE_HINT = "a rate such as '80k per year', '12 per month', '300 per week' or '5 per day'"
DURATION_HINT = "a duration with its unit, such as '18 months', '2.5 years', '90 days' or '6 weeks'"
DATE_HINT = "a date such as 2027-01-01 or a bare year such as 2027"
PERCENT_HINT = "a percentage such as '3%' or a fraction below 1 such as 0.03"


class UnitError(ValueError):
    """A value that does not read as the unit its key expects."""


def shown(value: object) -> str:
    """A value as a message quotes it: its `repr`, cut to 60 characters (a hostile value can be
    megabytes), and a whole number too long to print by its number of digits."""
    if isinstance(value, bool):
        return f"a boolean {str(value).lower()}"
    if isinstance(value, int) and value.bit_length() > 3 * MAX_NUMBER_CHARS:
        return f"a whole number of about {value.bit_length() * math.log10(2):,.0f} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def finite_non_negative(x: float, found: object) -> float:
    """`x`, refused if it is NaN, infinite or negative (quoting `found`, as written)."""
    if math.isnan(x) or math.isinf(x):
        raise UnitError(f"must be a finite number, got {shown(found)}")
    if x < 0:
        raise UnitError(f"must not be negative, got {shown(found)}")
    return x


def _as_float(value: int | float) -> float:
    """A number as a float; a whole number past floating point's range is refused, not raised."""
    try:
        return float(value)
    except OverflowError:
        raise UnitError(f"must be a finite number, got {shown(value)}") from None


def _refuse_boolean(value: object, hint: str) -> None:
    """YAML reads `true`, `yes` and `on` as booleans; where a number is expected, say so rather
    than read true as 1."""
    if isinstance(value, bool):
        raise UnitError(f"expected {hint}, found {shown(value)}")


def _text(value: str, hint: str) -> str:
    """`value` without surrounding space; refused at once when longer than any value is."""
    if len(value) > MAX_VALUE_CHARS:
        raise UnitError(f"expected {hint}, got a text of {len(value):,} characters")
    return value.strip()


def digit_group_problem(number: str) -> str | None:
    """What is wrong with the digit separators of `number` as written, or None.

    `,` and `_` group digits by three (2,000,000 or 2_000_000). A comma before one or two digits
    is a decimal comma (1,5bn: one and a half billion, or fifteen?), and any other grouping
    (1,2,3; 12,34; 1_5) is not thousands: both are refused rather than guessed."""
    if "," not in number and "_" not in number:
        return None
    mantissa = number.lower().partition("e")[0].lstrip("+-")
    whole, _, fraction = mantissa.partition(".")
    if _GROUPED_RE.fullmatch(whole) and "," not in fraction and "_" not in fraction:
        return None
    if "." not in mantissa and _DECIMAL_COMMA_RE.fullmatch(whole):
        return "a decimal comma; write a decimal point"
    return "digits are grouped only by three, as in 2,000,000 or 2_000_000"


def read_number(number: str, found: object, hint: str) -> float:
    """A number matched by `NUMBER` (inside `found`), its separators and length checked."""
    if len(number) > MAX_NUMBER_CHARS:
        raise UnitError(f"expected {hint}, got a number of {len(number):,} characters")
    problem = digit_group_problem(number)
    if problem:
        if problem.startswith("a decimal comma") and isinstance(found, str):
            problem += f" ({found.strip().replace(',', '.')!r})"
        raise UnitError(f"expected {hint}, got {shown(found)}: {problem}")
    return parse_number(number)


def parse_number(text: str) -> float:
    """Read a plain number written with optional `_` or `,` digit separators (not checked here:
    see `read_number`)."""
    return float(text.replace("_", "").replace(",", ""))


def parse_quantity(value: object) -> float:
    """A count or an amount of money: 2_000_000, '40k', '2M', '1.5bn', '1.5e9'."""
    _refuse_boolean(value, QUANTITY_HINT)
    if isinstance(value, (int, float)):
        return finite_non_negative(_as_float(value), value)
    if isinstance(value, str):
        text = _text(value, QUANTITY_HINT)
        number = _read_quantity(text, value, QUANTITY_HINT)
        if number is not None:
            return number
        if text.lower() in {"nan", "inf", "-inf", "infinity", ".nan", ".inf"}:
            raise UnitError(f"must be a finite number, got {shown(value)}")
    raise UnitError(f"expected {QUANTITY_HINT}, got {shown(value)}")


def _read_quantity(text: str, found: object, hint: str) -> float | None:
    """The quantity `text` (stripped) writes, or None if it is not one; errors quote `found`."""
    m = _QUANTITY_RE.fullmatch(text)
    if not m or m.group("scale") not in SCALES:
        return None
    number = read_number(m.group("num"), found, hint)
    return finite_non_negative(number * SCALES[m.group("scale")], found)


def parse_time_unit(unit: str) -> float:
    """Days in one `unit` (day, week, month, year and their plurals)."""
    try:
        return TIME_UNITS[unit.lower()]
    except KeyError:
        raise UnitError(f"unknown time unit {shown(unit)}; use days, weeks, months or years") from None


def parse_rate(value: object) -> float:
    """A rate, returned per day: '80k per year' -> 80000 / 365.25.

    The text is split at its last `per` or `/` (no time unit contains either), so that no
    pattern has to find where the quantity ends."""
    _refuse_boolean(value, RATE_HINT)
    if isinstance(value, str):
        text = _text(value, RATE_HINT)
        cut = max(text.rfind("per"), text.rfind("/"))
        m = _RATE_UNIT_RE.fullmatch(text, cut) if cut > 0 else None
        if m and text[:cut].strip():
            qty = parse_quantity(text[:cut].strip())
            return qty / _time_unit_in(m.group("unit"), value)
    raise UnitError(f"expected {RATE_HINT}, got {shown(value)}")


def _time_unit_in(unit: str, value: str) -> float:
    """`parse_time_unit`, naming the whole value in the error."""
    try:
        return parse_time_unit(unit)
    except UnitError as exc:
        raise UnitError(f"{exc}, got {shown(value)}") from None


def parse_duration(value: object) -> float:
    """A duration, returned in days: '18 months' -> 547.875. A bare number is an error."""
    _refuse_boolean(value, DURATION_HINT)
    if isinstance(value, str):
        m = _DURATION_RE.fullmatch(_text(value, DURATION_HINT))
        if m:
            number = finite_non_negative(read_number(m.group("num"), value, DURATION_HINT), value)
            return finite_non_negative(number * _time_unit_in(m.group("unit"), value), value)
    if isinstance(value, (int, float)):
        raise UnitError(f"expected {DURATION_HINT} (the unit must be said), got {shown(value)}")
    raise UnitError(f"expected {DURATION_HINT}, got {shown(value)}")


def parse_date(value: object) -> dt.date:
    """An ISO date or a bare year meaning 1 January of that year, in the years 1800 to 2300 (so that
    a horizon of up to 100 years after it stays inside the calendar)."""
    date = _parse_date(value)
    if not 1800 <= date.year <= 2300:
        shown_ = value.isoformat() if isinstance(value, dt.date) else value
        raise UnitError(f"expected a year between 1800 and 2300, got {shown(shown_)}")
    return date


def _parse_date(value: object) -> dt.date:
    _refuse_boolean(value, DATE_HINT)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int):
        if 1800 <= value <= 2300:
            return dt.date(value, 1, 1)
        raise UnitError(f"expected a year between 1800 and 2300, got {shown(value)}")
    if isinstance(value, str):
        m = _DATE_RE.fullmatch(_text(value, DATE_HINT))
        if m:
            year, month, day = m.group(1), m.group(2), m.group(3)
            try:
                return dt.date(int(year), int(month or 1), int(day or 1))
            except ValueError as exc:
                raise UnitError(f"not a valid date ({exc}), got {shown(value)}") from None
    raise UnitError(f"expected {DATE_HINT}, got {shown(value)}")


def parse_percentage(value: object) -> float:
    """A percentage returned as a fraction: '3%' -> 0.03, 0.03 -> 0.03.

    A bare number must be a fraction below 1: `3.5` could mean 3.5% or 350%, and is refused
    with both spellings of the first reading rather than guessed."""
    _refuse_boolean(value, PERCENT_HINT)
    if isinstance(value, (int, float)):
        return _fraction(finite_non_negative(_as_float(value), value), value)
    if isinstance(value, str):
        text = _text(value, PERCENT_HINT)
        m = _PERCENT_RE.fullmatch(text)
        if m:
            return finite_non_negative(read_number(m.group("num"), value, PERCENT_HINT) / 100.0, value)
        if _NUMBER_RE.fullmatch(text):
            return _fraction(finite_non_negative(read_number(text, value, PERCENT_HINT), value), value)
    raise UnitError(f"expected {PERCENT_HINT}, got {shown(value)}")


def _fraction(x: float, found: object) -> float:
    """A bare number read as a fraction: below 1, or refused naming both ways to write it."""
    if x < 1:
        return x
    whole = " (or '100%' for all of it)" if x == 1 else ""
    raise UnitError(
        f"expected {PERCENT_HINT}, got {shown(found)}: a bare number of 1 or more is not read as a "
        f"percentage; write '{x:g}%' (or {x / 100:g} as a fraction){whole}"
    )


def parse_month_day(value: object) -> tuple[int, int]:
    """A fiscal-year start written `MM-DD`."""
    if isinstance(value, str):
        m = _MONTH_DAY_RE.fullmatch(_text(value, "MM-DD"))
        if m:
            month, day = int(m.group(1)), int(m.group(2))
            try:
                dt.date(2001, month, day)
            except ValueError:
                pass
            else:
                return month, day
    raise UnitError(f"expected a month and day written MM-DD such as '04-01', got {shown(value)}")
