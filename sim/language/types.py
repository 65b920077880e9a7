"""Pydantic field types for values with units, each with a JSON Schema that guides a writer."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from sim.language import units
from sim.language.values import DISTRIBUTIONS, parse_value

_SCALE = r"(k|K|M|m|mn|bn|b|tn|thousand|million|billion|trillion)?"
_NUM = r"[0-9][0-9_,]*(\.[0-9]+)?([eE][-+]?[0-9]+)?"
_TIME = r"(day|days|week|weeks|month|months|year|years|yr|yrs|d|wk|mo|y)"

_QUANTITY_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": rf"^\s*[£€$]?\s*{_NUM}\s*{_SCALE}\s*$"},
    ],
    "description": units.QUANTITY_HINT,
    "examples": [2000000, "40k", "2M", "1.5bn", "1.5e9"],
}
_RATE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": rf"^\s*[£€$]?\s*{_NUM}\s*{_SCALE}\s*(per|/)\s*{_TIME}\s*$",
    "description": units.RATE_HINT,
    "examples": ["80k per year", "12 per month", "300 per week"],
}
_DURATION_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": rf"^\s*{_NUM}\s*{_TIME}\s*$",
    "description": units.DURATION_HINT,
    "examples": ["18 months", "2.5 years", "90 days", "6 weeks"],
}
_PERCENT_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": rf"^\s*{_NUM}\s*%\s*$"},
    ],
    "description": units.PERCENT_HINT,
    "examples": ["3%", 0.03],
}
_DATE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "integer", "minimum": 1800, "maximum": 2300},
    ],
    "description": units.DATE_HINT,
    "examples": ["2027-01-01", 2027],
}


def _uncertain_schema(item: dict[str, Any]) -> dict[str, Any]:
    dists = {
        "type": "object",
        "description": "a distribution whose items carry their unit, e.g. {triangular: [low, mode, high]}",
        "minProperties": 1,
        "maxProperties": 1,
        "properties": {
            name: {"type": "array", "minItems": n, "maxItems": n, "items": item} for name, n in DISTRIBUTIONS.items()
        },
        "additionalProperties": False,
    }
    return {"anyOf": [item, dists], "description": item["description"] + ", or a distribution"}


def _field(parse: Callable[[object], Any], schema: dict[str, Any]) -> Any:
    return Annotated[Any, BeforeValidator(parse), WithJsonSchema(schema)]


def _uncertain(parse_item: Callable[[object], float], schema: dict[str, Any]) -> Any:
    return _field(lambda raw: parse_value(raw, parse_item), _uncertain_schema(schema))


@dataclass(frozen=True)
class Relative:
    """A threshold written `5x`: a multiple of the measure's value at start."""

    factor: float


_RELATIVE_RE = re.compile(r"^\s*(" + _NUM + r")\s*[x×]\s*$")


def relative_or(parse: Callable[[object], float]) -> Callable[[object], float | Relative]:
    """A parser accepting `Nx` as well as what `parse` accepts."""

    def parse_threshold(raw: object) -> float | Relative:
        if isinstance(raw, str):
            m = _RELATIVE_RE.match(raw)
            if m:
                return Relative(units.parse_number(m.group(1)))
        try:
            return parse(raw)
        except units.UnitError as exc:
            raise units.UnitError(f"{exc} (or a multiple of the value at start such as '5x')") from None

    return parse_threshold


def certain(parse: Callable[[object], Any]) -> Callable[[object], Any]:
    """`parse`, saying plainly when a distribution is written where one value must stand
    (a lot's length, a horizon, a target's threshold, a stock at start)."""

    def parse_certain(raw: object) -> Any:
        if isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in DISTRIBUTIONS:
            raise units.UnitError(f"takes a single value here, not a distribution; got {raw!r}")
        return parse(raw)

    return parse_certain


Quantity = _field(certain(units.parse_quantity), _QUANTITY_SCHEMA)
Rate = _field(certain(units.parse_rate), _RATE_SCHEMA)
Duration = _field(certain(units.parse_duration), _DURATION_SCHEMA)
Percent = _field(certain(units.parse_percentage), _PERCENT_SCHEMA)
Date = _field(units.parse_date, _DATE_SCHEMA)
MonthDay = _field(
    units.parse_month_day,
    {"type": "string", "pattern": r"^\d{2}-\d{2}$", "examples": ["04-01"], "description": "MM-DD"},
)
QuantityValue = _uncertain(units.parse_quantity, _QUANTITY_SCHEMA)
RateValue = _uncertain(units.parse_rate, _RATE_SCHEMA)
DurationValue = _uncertain(units.parse_duration, _DURATION_SCHEMA)
PercentValue = _uncertain(units.parse_percentage, _PERCENT_SCHEMA)
RelativeRate = _field(
    certain(relative_or(units.parse_rate)),
    {"anyOf": [_RATE_SCHEMA, {"type": "string", "pattern": r"^\s*[0-9.]+\s*x\s*$"}]},
)
RelativeQuantity = _field(
    certain(relative_or(units.parse_quantity)),
    {"anyOf": [_QUANTITY_SCHEMA, {"type": "string", "pattern": r"^\s*[0-9.]+\s*x\s*$"}]},
)
#: the base of a relative threshold: a rate for a rate or capacity target, a quantity for a stock
#: target (the target reads it by its measure; see `Target`)
Baseline = Annotated[float | None, WithJsonSchema({"anyOf": [_RATE_SCHEMA, _QUANTITY_SCHEMA]})]
