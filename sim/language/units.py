"""Values with units, as planners write them, converted to the engine's base units.

Base units: quantities and money are plain numbers, time is in days, rates are per day,
percentages are fractions. A year is 365.25 days and a month a twelfth of that, so that
"100k per year" and `years_to_reach` agree everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
import re

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12

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

_NUMBER = r"[-+]?(?:\d[\d_,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY_RE = re.compile(r"^\s*[£€$]?\s*(?P<num>" + _NUMBER + r")\s*(?P<scale>[A-Za-z]*)\s*$")
_RATE_RE = re.compile(r"^\s*(?P<qty>.+?)\s*(?:per|/)\s*(?P<unit>[A-Za-z]+)\s*$")
_DURATION_RE = re.compile(r"^\s*(?P<num>" + _NUMBER + r")\s*(?P<unit>[A-Za-z]+)\s*$")
_DATE_RE = re.compile(r"^\s*(\d{4})(?:-(\d{2})-(\d{2}))?\s*$")
_PERCENT_RE = re.compile(r"^\s*(?P<num>" + _NUMBER + r")\s*%\s*$")

QUANTITY_HINT = "a number such as 2_000_000, 40k, 2M, 1.5bn, 2.9tn or 1.5e9"
RATE_HINT = "a rate such as '80k per year', '12 per month', '300 per week' or '5 per day'"
DURATION_HINT = "a duration with its unit, such as '18 months', '2.5 years', '90 days' or '6 weeks'"
DATE_HINT = "a date such as 2027-01-01 or a bare year such as 2027"
PERCENT_HINT = "a percentage such as '3%' or a fraction such as 0.03"


class UnitError(ValueError):
    """A value that does not read as the unit its key expects."""


def _finite_non_negative(x: float, found: object) -> float:
    if math.isnan(x) or math.isinf(x):
        raise UnitError(f"must be a finite number, got {found!r}")
    if x < 0:
        raise UnitError(f"must not be negative, got {found!r}")
    return x


def parse_number(text: str) -> float:
    """Read a plain number written with optional `_` or `,` digit separators."""
    return float(text.replace("_", "").replace(",", ""))


def parse_quantity(value: object) -> float:
    """A count or an amount of money: 2_000_000, '40k', '2M', '1.5bn', '1.5e9'."""
    if isinstance(value, bool):
        raise UnitError(f"expected {QUANTITY_HINT}, got {value!r}")
    if isinstance(value, (int, float)):
        return _finite_non_negative(float(value), value)
    if isinstance(value, str):
        m = _QUANTITY_RE.match(value)
        if m and m.group("scale") in SCALES:
            try:
                number = parse_number(m.group("num"))
            except ValueError:
                number = None
            if number is not None:
                return _finite_non_negative(number * SCALES[m.group("scale")], value)
        if value.strip().lower() in {"nan", "inf", "-inf", "infinity", ".nan", ".inf"}:
            raise UnitError(f"must be a finite number, got {value!r}")
    raise UnitError(f"expected {QUANTITY_HINT}, got {value!r}")


def parse_time_unit(unit: str) -> float:
    """Days in one `unit` (day, week, month, year and their plurals)."""
    try:
        return TIME_UNITS[unit.lower()]
    except KeyError:
        raise UnitError(f"unknown time unit {unit!r}; use days, weeks, months or years") from None


def parse_rate(value: object) -> float:
    """A rate, returned per day: '80k per year' -> 80000 / 365.25."""
    if isinstance(value, str):
        m = _RATE_RE.match(value)
        if m:
            qty = parse_quantity(m.group("qty"))
            return qty / _time_unit_in(m.group("unit"), value)
    raise UnitError(f"expected {RATE_HINT}, got {value!r}")


def _time_unit_in(unit: str, value: str) -> float:
    """`parse_time_unit`, naming the whole value in the error."""
    try:
        return parse_time_unit(unit)
    except UnitError as exc:
        raise UnitError(f"{exc}, got {value!r}") from None


def parse_duration(value: object) -> float:
    """A duration, returned in days: '18 months' -> 547.875. A bare number is an error."""
    if isinstance(value, str):
        m = _DURATION_RE.match(value)
        if m:
            number = _finite_non_negative(parse_number(m.group("num")), value)
            return _finite_non_negative(number * _time_unit_in(m.group("unit"), value), value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise UnitError(f"expected {DURATION_HINT} (the unit must be said), got {value!r}")
    raise UnitError(f"expected {DURATION_HINT}, got {value!r}")


def parse_date(value: object) -> dt.date:
    """An ISO date or a bare year meaning 1 January of that year, in the years 1800 to 2300 (so that
    a horizon of up to 100 years after it stays inside the calendar)."""
    date = _parse_date(value)
    if not 1800 <= date.year <= 2300:
        shown = value.isoformat() if isinstance(value, dt.date) else value
        raise UnitError(f"expected a year between 1800 and 2300, got {shown!r}")
    return date


def _parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if 1800 <= value <= 2300:
            return dt.date(value, 1, 1)
        raise UnitError(f"expected a year between 1800 and 2300, got {value!r}")
    if isinstance(value, str):
        m = _DATE_RE.match(value)
        if m:
            year, month, day = m.group(1), m.group(2), m.group(3)
            try:
                return dt.date(int(year), int(month or 1), int(day or 1))
            except ValueError as exc:
                raise UnitError(f"not a valid date ({exc}), got {value!r}") from None
    raise UnitError(f"expected {DATE_HINT}, got {value!r}")


def parse_percentage(value: object) -> float:
    """A percentage returned as a fraction: '3%' -> 0.03, 0.03 -> 0.03."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _finite_non_negative(float(value), value)
    if isinstance(value, str):
        m = _PERCENT_RE.match(value)
        if m:
            return _finite_non_negative(parse_number(m.group("num")) / 100.0, value)
        try:
            return _finite_non_negative(parse_number(value.strip()), value)
        except ValueError:
            pass
    raise UnitError(f"expected {PERCENT_HINT}, got {value!r}")


def parse_month_day(value: object) -> tuple[int, int]:
    """A fiscal-year start written `MM-DD`."""
    if isinstance(value, str):
        m = re.match(r"^\s*(\d{2})-(\d{2})\s*$", value)
        if m:
            month, day = int(m.group(1)), int(m.group(2))
            try:
                dt.date(2001, month, day)
            except ValueError:
                pass
            else:
                return month, day
    raise UnitError(f"expected a month and day written MM-DD such as '04-01', got {value!r}")
