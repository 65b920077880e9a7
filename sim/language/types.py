"""Pydantic field types for values with units, each with a JSON Schema that guides a writer."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import core_schema

from sim.language import units
from sim.language.calendar import ordinal_of
from sim.language.values import DISTRIBUTIONS, Uncertain, parse_value

# Patterns for editors (JSON Schema): digits grouped by three or not at all, and no two
# quantifiers that can match the same character, so that no editor's regex engine backtracks.
_SCALE = r"(?:\s*(?:k|K|M|m|mn|bn|b|tn|thousand|million|billion|trillion))?"
_NUM = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:_[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_TIME = r"(?:day|days|week|weeks|month|months|year|years|yr|yrs|d|wk|mo|y)"
_MONEY = r"^\s*(?:[£€$]\s*)?"

_QUANTITY_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": rf"{_MONEY}{_NUM}{_SCALE}\s*$"},
    ],
    "description": units.QUANTITY_HINT,
    "examples": [2000000, "40k", "2M", "1.5bn", "1.5e9"],
}
_RATE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": rf"{_MONEY}{_NUM}{_SCALE}\s*(?:per|/)\s*{_TIME}\s*$",
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
        {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
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


def _uncertain_schema(item: dict[str, Any], kinds: dict[str, int] = DISTRIBUTIONS) -> dict[str, Any]:
    dists = {
        "type": "object",
        "description": "a distribution whose items carry their unit, e.g. {triangular: [low, mode, high]}",
        "minProperties": 1,
        "maxProperties": 1,
        "properties": {
            name: {"type": "array", "minItems": n, "maxItems": n, "items": item} for name, n in kinds.items()
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


_RELATIVE_RE = re.compile(r"(" + units.NUMBER + r")\s*+[x×]")
_RELATIVE_HINT = "a multiple of the value at start such as '5x'"


def relative_or(parse: Callable[[object], float]) -> Callable[[object], float | Relative]:
    """A parser accepting `Nx` as well as what `parse` accepts."""

    def parse_threshold(raw: object) -> float | Relative:
        if isinstance(raw, str) and len(raw) <= units.MAX_VALUE_CHARS:
            m = _RELATIVE_RE.fullmatch(raw.strip())
            if m:
                factor = units.read_number(m.group(1), raw, _RELATIVE_HINT)
                return Relative(units.finite_non_negative(factor, raw))
        try:
            return parse(raw)
        except units.UnitError as exc:
            raise units.UnitError(f"{exc} (or {_RELATIVE_HINT})") from None

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
#: the distributions a date may take: those whose parameters are all dates (a normal's spread
#: or a lognormal's sigma is not a date)
DATE_DISTRIBUTIONS: dict[str, int] = {k: n for k, n in DISTRIBUTIONS.items() if k in ("triangular", "pert", "uniform")}


def parse_uncertain_date(raw: object) -> Any:
    """A date, or a distribution of dates (`{triangular: [2029-01-01, 2029-07-01, 2031-01-01]}`)
    whose parameters are day ordinals (`date.toordinal`): the model draws one a replication and
    rounds it to a whole day (`sim.model.streams.Streams.day`)."""
    if not isinstance(raw, dict):
        return units.parse_date(raw)
    if len(raw) == 1 and next(iter(raw)) in DISTRIBUTIONS and next(iter(raw)) not in DATE_DISTRIBUTIONS:
        raise units.UnitError(
            f"a date takes a distribution among {', '.join(DATE_DISTRIBUTIONS)} (of dates), got {raw!r}"
        )
    value = parse_value(raw, lambda item: ordinal_of(units.parse_date(item)))
    assert isinstance(value, Uncertain)
    return Uncertain(value.kind, value.params, dates=True)


_UNCERTAIN_DATE_SCHEMA = _uncertain_schema(_DATE_SCHEMA, DATE_DISTRIBUTIONS)
#: a date, or a distribution of dates drawn once a replication
UncertainDate = _field(parse_uncertain_date, _UNCERTAIN_DATE_SCHEMA)
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


@dataclass(frozen=True)
class DaysOfDemand:
    """A stock threshold written `30 days of demand`: that many days of the product's heaviest
    scheduled demand rate (known once a replication has drawn its demand)."""

    days: float


OF_DEMAND = "of demand"


def parse_stock_threshold(raw: object) -> float | Relative | DaysOfDemand:
    """A stock target's threshold: a quantity, `Nx`, or a duration `of demand`."""
    if isinstance(raw, str) and len(raw) <= units.MAX_VALUE_CHARS:
        text = raw.strip()
        head = text[: -len(OF_DEMAND)]
        if text.lower().endswith(OF_DEMAND) and head[-1:].isspace():  # (no pattern: plain text ends)
            try:
                days = units.parse_duration(head.strip())
            except units.UnitError as exc:
                hint = "the time before 'of demand' is a duration such as 30 days"
                raise units.UnitError(f"'{raw}': {hint}: {exc}") from None
            return DaysOfDemand(days)
    try:
        return certain(relative_or(units.parse_quantity))(raw)
    except units.UnitError as exc:
        raise units.UnitError(f"{exc} (or days of demand such as '30 days of demand')") from None


StockThreshold = _field(
    parse_stock_threshold,
    {
        "anyOf": [
            _QUANTITY_SCHEMA,
            {"type": "string", "pattern": r"^\s*[0-9.]+\s*x\s*$"},
            {"type": "string", "pattern": r"^.* of demand$", "examples": ["30 days of demand"]},
        ]
    },
)
#: the base of a relative threshold: a rate for a rate or capacity target, a quantity for a stock
#: target (the target reads it by its measure; see `Target`)
Baseline = Annotated[float | None, WithJsonSchema({"anyOf": [_RATE_SCHEMA, _QUANTITY_SCHEMA]})]


_TOO_LARGE = 10**units.MAX_NUMBER_CHARS


def _plain(what: str, whole: bool) -> Callable[[object], object]:
    """A check run before pydantic reads a whole number (`whole`) or a number, which it would
    otherwise take from a boolean (`docks: yes` as 1), from a string with any underscores (`'1_5'`
    as 15) or from an integer too large for floating point (or, for a whole number, a float
    such as 1e300 that it would turn into 301 digits)."""

    def check(raw: object) -> object:
        if isinstance(raw, bool):
            raise units.UnitError(f"expected {what}, found {units.shown(raw)}")
        sized = isinstance(raw, int) or (whole and isinstance(raw, float) and not math.isnan(raw))
        if sized and isinstance(raw, (int, float)) and not abs(raw) < _TOO_LARGE:
            raise units.UnitError(f"expected {what} of at most {units.MAX_NUMBER_CHARS} digits, got {units.shown(raw)}")
        if isinstance(raw, str):
            number = raw.strip()
            if len(number) > units.MAX_NUMBER_CHARS:
                raise units.UnitError(f"expected {what}, got a text of {len(raw):,} characters")
            problem = units.digit_group_problem(number)
            if problem:
                raise units.UnitError(f"expected {what}, got {units.shown(raw)}: {problem}")
            return number.replace(",", "")
        return raw

    return check


#: parts of a core schema that describe output or documentation, not what is read
_NOT_VALIDATION = ("serialization", "metadata")
_PLAIN_CHECKS = {"int": _plain("a whole number", whole=True), "float": _plain("a number", whole=False)}


def guard_numbers(schema: Any) -> Any:
    """`schema` (a pydantic core schema) with every whole number and number checked by `_plain`
    first: one place that covers every numeric key of every scenario object, present and future,
    mapping keys (fiscal years) included."""
    if isinstance(schema, list):
        return [guard_numbers(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if kind in _PLAIN_CHECKS:
        return core_schema.no_info_before_validator_function(_PLAIN_CHECKS[kind], schema)
    if kind == "function-before" and schema.get("function", {}).get("function") in _PLAIN_CHECKS.values():
        return schema  # already guarded (a model's schema reused inside another's)
    return {key: value if key in _NOT_VALIDATION else guard_numbers(value) for key, value in schema.items()}
