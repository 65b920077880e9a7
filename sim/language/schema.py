"""The validated scenario: frozen objects in base units (days, per day, fractions).

This is the single schema of the scenario language: the loader validates against it and
`rearm schema` prints its JSON Schema. Defaults live here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import CoreSchema

from sim.language.suggest import did_you_mean
from sim.language.types import (
    _PERCENT_SCHEMA,
    Baseline,
    Date,
    DaysOfDemand,
    Duration,
    DurationValue,
    MonthDay,
    Percent,
    PercentValue,
    Quantity,
    QuantityValue,
    Rate,
    RateValue,
    Relative,
    RelativeRate,
    StockThreshold,
    UncertainDate,
    _uncertain_schema,
    guard_numbers,
    parse_uncertain_date,
)
from sim.language.units import DAYS_PER_YEAR, UnitError, parse_date, parse_percentage, parse_quantity, parse_rate
from sim.language.values import Uncertain, Value, parse_value

MAX_HORIZON_YEARS = 100
MIN_LEARNING = 0.01
#: a shipyard's build-time learning may lengthen later hulls (rising build times, as on Astute):
#: each doubling of hulls multiplies stage durations by at most this
MAX_BUILD_LEARNING = 2.0
FISCAL_YEARS = (1800, 2300)


def _fiscal_years(table: dict[int, Any] | None) -> dict[int, Any] | None:
    """Fiscal-year keys inside the years dates may take (growth compounds from the last one)."""
    for year in table or {}:
        if not FISCAL_YEARS[0] <= year <= FISCAL_YEARS[1]:
            raise ValueError(f"fiscal years run from {FISCAL_YEARS[0]} to {FISCAL_YEARS[1]}, got {year}")
    return table


class Spec(BaseModel):
    """Base of every scenario object: frozen, unknown keys are errors, and a number is never read
    from a boolean or from digits grouped other than by three (`guard_numbers`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return guard_numbers(handler(source))


#: at most this share of announced capacity is reached (`realism.achieved`)
MAX_ACHIEVED = 2.0


def _multiplier(raw: object) -> float:
    """A plain multiplier such as 1.3 (or '1.3x')."""
    found = raw
    if isinstance(raw, str) and len(raw) <= 40:
        try:
            raw = float(raw.strip().rstrip("x×").strip())
        except ValueError:
            pass
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 0 < raw < 100:
        return float(raw)
    raise UnitError(f"expected a multiplier above 0 and below 100 such as 1.3 or '1.3x', got {found!r}")


MultiplierValue = Annotated[
    Any,
    BeforeValidator(lambda raw: parse_value(raw, _multiplier)),
    WithJsonSchema(
        _uncertain_schema(
            {
                "anyOf": [
                    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100},
                    {"type": "string", "pattern": r"^\s*[0-9.]+(?:\s*x)?\s*$"},
                ],
                "description": "a multiplier such as 1.3",
                "examples": [1.3, "1.5x"],
            }
        )
    ),
]


class PlanRealism(Spec):
    """How an announced plan turns out (`sim.model.realism`): the share of its capacity reached,
    the multiplier on the time to its dates and on its construction, and the delay added to its
    dates. A key left out is the scenario's (else the prior's, else as announced)."""

    achieved: PercentValue | None = None
    slip: MultiplierValue | None = None
    delay: DurationValue | None = None

    @field_validator("achieved")
    @classmethod
    def _achieved(cls, v: Value | None) -> Value | None:
        if v is not None:
            low, high = (v.low, v.high) if isinstance(v, Uncertain) else (v, v)
            if not 0 < low or not high <= MAX_ACHIEVED:
                raise ValueError(
                    f"the share of announced capacity achieved is above 0% and at most {MAX_ACHIEVED:.0%},"
                    f" got {low:.0%} to {high:.0%}"
                )
        return v


class ScenarioRealism(PlanRealism):
    """The scenario-wide `realism:` block: plan defaults, how together slips move, and the time
    from money to work. `base: calibrated` starts from the shipped priors."""

    correlation: Percent = 0.0
    contract_lag: DurationValue = 0.0
    base: Literal["none", "calibrated"] = "none"

    @field_validator("correlation")
    @classmethod
    def _correlation(cls, v: float) -> float:
        if not 0 <= v <= 1:
            raise ValueError(f"a correlation is from 0% to 100%, got {v:.0%}")
        return v


def _realism(raw: object) -> object:
    """`none`, `calibrated`, or a mapping of scenario-wide realism values."""
    if raw is None or raw == "none":
        return ScenarioRealism()
    if raw == "calibrated":
        return ScenarioRealism(base="calibrated")
    if isinstance(raw, str):
        raise ValueError(
            f"expected 'none', 'calibrated' or a mapping of realism values, got {raw!r}"
            f"{did_you_mean(raw, ['none', 'calibrated'])}"
        )
    return raw


class Expansion(Spec):
    """More capacity (or docks, or supply) built later, paid from its own `budget` if it names
    one, else from the owner's."""

    name: str
    budget: str | None = None
    capacity: RateValue | None = None
    docks: int | None = Field(default=None, ge=1)
    capex: QuantityValue = 0.0
    construction: DurationValue = 0.0
    start: Any = "when_funded"
    ramp_up: DurationValue = 0.0
    realism: PlanRealism = PlanRealism()

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, raw: object) -> object:
        if raw == "when_funded":
            return raw
        try:
            return parse_uncertain_date(raw) if isinstance(raw, dict) else parse_date(raw)
        except UnitError as exc:
            raise ValueError(f"{exc} or 'when_funded'") from None


class Breakdowns(Spec):
    """Failures and repairs: plain durations are means of exponential times."""

    mtbf: DurationValue
    mttr: DurationValue

    @field_validator("mtbf")
    @classmethod
    def _positive(cls, v: Value) -> Value:
        if isinstance(v, float) and v <= 0:
            raise ValueError("must be longer than zero")
        return v


class LearningCost(Spec):
    """Wright's-law unit cost: each doubling of output multiplies unit cost by `learning`."""

    first_unit: QuantityValue
    learning: PercentValue = 1.0

    @field_validator("learning")
    @classmethod
    def _learning(cls, v: Value) -> Value:
        if isinstance(v, float) and not 0 < v <= 1:
            raise ValueError(f"a learning rate must be above 0% and at most 100%, got {v:.0%}")
        if isinstance(v, float) and v < MIN_LEARNING:
            raise ValueError(f"a learning rate below {MIN_LEARNING:.0%} makes later units cost nothing, got {v:.2g}")
        return v


#: shares of several paying budgets must sum to 100% within this
SHARES_TOLERANCE = 1e-6
_PAYERS_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {"type": "object", "additionalProperties": _PERCENT_SCHEMA, "minProperties": 1},
    ],
    "description": "a budget's name, or budget -> share of every cost, e.g. {uk_core: 60%, de_core: 40%}",
}


def _payers(raw: object) -> object:
    """A budget's name, or budget -> share (percentages summing to 100%)."""
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, dict) or not raw:
        raise ValueError(
            f"expected a budget's name or a mapping of budget -> share such as {{a: 60%, b: 40%}}, got {raw!r}"
        )
    shares: dict[str, float] = {}
    for name, share in raw.items():
        try:
            shares[str(name)] = parse_percentage(share)
        except UnitError as exc:
            raise ValueError(f"the share paid by budget {name!r}: {exc}") from None
        if shares[str(name)] <= 0:
            raise ValueError(f"the share paid by budget {name!r} must be more than 0%, got {share!r}")
    total = sum(shares.values())
    if abs(total - 1.0) > SHARES_TOLERANCE:
        raise ValueError(f"the shares of the budgets paying must sum to 100%, got {total * 100:.4g}%")
    return shares


def _unit_cost(raw: object) -> object:
    if isinstance(raw, dict) and ("first_unit" in raw or "learning" in raw):
        return raw
    return parse_value(raw, parse_quantity)


class FacilityBase(Spec):
    """Keys every facility kind has."""

    product: str
    #: the budget paying its work, or several with their shares (`{a: 60%, b: 40%}`)
    budget: Annotated[str | dict[str, float], BeforeValidator(_payers), WithJsonSchema(_PAYERS_SCHEMA)]
    #: the facility's name in words for figures and reports (default: the key in words)
    label: str | None = None
    unit_cost: Any = 0.0
    consumes: dict[str, QuantityValue] = {}
    workforce: dict[str, int] = {}
    breakdowns: Breakdowns | None = None
    expansions: list[Expansion] = []
    available_from: UncertainDate | None = None
    priority: float = 0.0
    realism: PlanRealism = PlanRealism()

    @field_validator("unit_cost", mode="before")
    @classmethod
    def _cost(cls, raw: object) -> object:
        try:
            value = _unit_cost(raw)
        except UnitError as exc:
            raise ValueError(f"{exc} (or {{first_unit: X, learning: 90%}} for a learning curve)") from None
        return LearningCost.model_validate(value) if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _expansions_add_capacity(self) -> FacilityBase:
        kind = getattr(self, "kind", "")
        if kind != "shipyard" and any(e.capacity is None or e.docks is not None for e in self.expansions):
            raise ValueError(f"expansions of a {kind} add 'capacity' (a rate); 'docks' are for shipyards")
        if isinstance(self.budget, dict):
            if kind == "shipyard":
                raise ValueError(
                    "a shipyard is paid from one budget; several budgets in shares are for factories and lines"
                )
            unnamed = [e.name for e in self.expansions if e.budget is None and e.capex != 0.0]
            if unnamed:
                raise ValueError(
                    f"a facility paid from several budgets: its expansions with capex name the 'budget' paying it"
                    f" (missing on {', '.join(unnamed)})"
                )
        return self

    @property
    def payers(self) -> dict[str, float]:
        """Each budget paying its work -> its share of every cost (one budget: all of it)."""
        return {self.budget: 1.0} if isinstance(self.budget, str) else dict(self.budget)

    @field_validator("workforce")
    @classmethod
    def _people(cls, v: dict[str, int]) -> dict[str, int]:
        for pool, n in v.items():
            if n < 0:
                raise ValueError(f"people held from {pool!r} must not be negative, got {n}")
        return v


class MunitionsFactory(FacilityBase):
    """High-volume flow production in lots."""

    kind: Literal["munitions_factory"]
    capacity: RateValue
    lot: Duration = 7.0
    ramp_up: DurationValue = 0.0
    yield_: PercentValue = Field(default=1.0, alias="yield")

    @field_validator("lot")
    @classmethod
    def _lot(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("a lot must last longer than zero")
        return v

    @field_validator("yield_")
    @classmethod
    def _yield(cls, v: Value) -> Value:
        if isinstance(v, float) and v > 1:
            raise ValueError(f"a yield is at most 100%, got {v:.0%}")
        return v


#: days between a vehicle line's batches of starts unless its `start_interval` says otherwise
#: (the design note's vehicle lines start a batch a week; the key is an extension)
DEFAULT_START_INTERVAL = 7.0


class VehiclesInProgress(Spec):
    """Vehicles already in build at the scenario's start: how many, and the day they started."""

    vehicles: int = Field(ge=1)
    since: Date


class VehicleLine(FacilityBase):
    """Discrete vehicles started at a rate, each delivered after its build time."""

    kind: Literal["vehicle_line"]
    capacity: RateValue
    build_time: DurationValue
    ramp_up: DurationValue = 0.0
    start_interval: Duration = DEFAULT_START_INTERVAL
    #: vehicles in build at the start, each delivered its build time after it started
    in_progress: list[VehiclesInProgress] = []

    @field_validator("start_interval")
    @classmethod
    def _start_interval(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("a start interval must last longer than zero")
        return v


class Stage(Spec):
    """One ordered step of a hull's build."""

    name: str
    duration: DurationValue
    dock: bool = True
    cost_share: Percent | None = None
    consumes: dict[str, QuantityValue] = {}
    workforce: dict[str, int] = {}


class HullInProgress(Spec):
    """A hull already in build at the scenario's start: the stage it is in and the day that
    stage began."""

    stage: str
    since: Date


class Shipyard(FacilityBase):
    """Few, long builds on a limited number of build positions."""

    kind: Literal["shipyard"]
    docks: int | None = Field(default=None, ge=1)
    first_start: UncertainDate | None = None
    drumbeat: Duration | None = None
    hulls: int | None = Field(default=None, ge=1)
    stages: list[Stage] = Field(min_length=1)
    learning: Percent = 1.0
    #: hulls in build at the start, oldest first (they are the programme's first hulls)
    in_progress: list[HullInProgress] = []
    shares_docks_with: str | None = None
    #: hold a free dock for a higher-priority programme's hull due before a lower one would
    #: leave it (`sim.model.docks`); on the yard that owns the docks
    reserve_docks: bool = True

    @model_validator(mode="after")
    def _docks_and_shares(self) -> Shipyard:
        if self.docks is None and self.shares_docks_with is None:
            raise ValueError("a shipyard needs 'docks', or 'shares_docks_with' naming the yard whose docks it uses")
        if self.shares_docks_with is not None and "reserve_docks" in self.model_fields_set:
            raise ValueError(
                f"'reserve_docks' goes on the yard that owns the docks ({self.shares_docks_with!r}),"
                " not on one sharing them"
            )
        shares = [s.cost_share for s in self.stages if s.cost_share is not None]
        if shares and len(shares) != len(self.stages):
            raise ValueError("give cost_share on every stage or on none (none: shared equally)")
        if shares and abs(sum(shares) - 1.0) > 1e-6:
            raise ValueError(f"stage cost_share must sum to 100%, got {sum(shares):.1%}")
        if not 0 < self.learning <= MAX_BUILD_LEARNING:
            raise ValueError(
                f"learning must be above 0% and at most {MAX_BUILD_LEARNING:.0%} (above 100%, later hulls"
                f" take longer), got {self.learning:.0%}"
            )
        if any(e.docks is None or e.capacity is not None for e in self.expansions):
            raise ValueError("a shipyard's expansions add 'docks' (a number), not 'capacity'")
        if not any(s.dock for s in self.stages) and self.drumbeat is None and self.hulls is None:
            raise ValueError(
                "a shipyard with no dock stage needs 'drumbeat' or 'hulls' (else it starts hulls without end)"
            )
        return self

    @field_validator("in_progress")
    @classmethod
    def _stages_named(cls, v: list[HullInProgress], info: ValidationInfo) -> list[HullInProgress]:
        stages: list[Stage] = info.data.get("stages", [])
        names = [s.name for s in stages]
        for hull in v:
            if names and hull.stage not in names:
                raise ValueError(
                    f"hull in progress in unknown stage {hull.stage!r}{did_you_mean(hull.stage, names)};"
                    f" the stages are {', '.join(names)}"
                )
        docks = info.data.get("docks")
        docked = [h for h in v if stages and stages[names.index(h.stage)].dock]
        if docks is not None and len(docked) > docks:
            raise ValueError(f"{len(docked)} hulls are in dock stages at the start, more than the yard's {docks} docks")
        return v

    def stage_index(self, name: str) -> int:
        """The index of the stage called `name` (the first, if two share it)."""
        return next(i for i, s in enumerate(self.stages) if s.name == name)


Facility = Annotated[MunitionsFactory | VehicleLine | Shipyard, Field(discriminator="kind")]
#: the kinds' names, read from the union above (each kind is registered in `sim.language.kinds`)
FACILITY_KINDS: tuple[str, ...] = tuple(
    get_args(kind.model_fields["kind"].annotation)[0] for kind in get_args(get_args(Facility)[0])
)


class Disruption(Spec):
    """A supplier delivering only a fraction (`to`) of its rate for a while: scheduled (`from` a
    date, `for` a duration) or random (exponential times, `mean_time_between` disruptions and
    `mean_duration`, drawn per replication from the disruption's own stream)."""

    from_: UncertainDate | None = Field(default=None, alias="from")
    for_: DurationValue | None = Field(default=None, alias="for")
    mean_time_between: DurationValue | None = None
    mean_duration: DurationValue | None = None
    to: PercentValue = 0.0

    @model_validator(mode="after")
    def _scheduled_or_random(self) -> Disruption:
        scheduled = self.from_ is not None or self.for_ is not None
        random = self.mean_time_between is not None or self.mean_duration is not None
        if scheduled and random:
            raise ValueError(
                "a disruption is scheduled ('from', 'for') or random ('mean_time_between', 'mean_duration'), not both"
            )
        if scheduled and (self.from_ is None or self.for_ is None):
            raise ValueError("a scheduled disruption needs both 'from' (a date) and 'for' (a duration)")
        if random and (self.mean_time_between is None or self.mean_duration is None):
            raise ValueError("a random disruption needs both 'mean_time_between' and 'mean_duration'")
        if not scheduled and not random:
            raise ValueError("a disruption needs 'from' and 'for', or 'mean_time_between' and 'mean_duration'")
        for key, v in (
            ("for", self.for_),
            ("mean_time_between", self.mean_time_between),
            ("mean_duration", self.mean_duration),
        ):
            if isinstance(v, float) and v <= 0:
                raise ValueError(f"'{key}' must be longer than zero, got {v:g} days")
        if isinstance(self.to, float) and not 0 <= self.to < 1:
            raise ValueError(
                "'to' is the share of its rate a disrupted supplier still delivers, from 0% to below 100%,"
                f" got {self.to:.0%}"
            )
        return self


class Supply(Spec):
    """An upstream producer feeding a material's stock continuously from start."""

    rate: RateValue
    lead_time: DurationValue = 0.0
    expansions: list[Expansion] = []
    #: the budget paying its expansions' capex (each may name its own instead)
    budget: str | None = None
    #: periods it delivers only part of its rate, expansions included (`sim.model.suppliers`)
    disruptions: list[Disruption] = []

    @field_validator("expansions")
    @classmethod
    def _expansions_add_capacity(cls, v: list[Expansion]) -> list[Expansion]:
        if any(e.capacity is None or e.docks is not None for e in v):
            raise ValueError("expansions of a supply add 'capacity' (a rate); 'docks' are for shipyards")
        return v


class Supplier(Spec):
    """One of a material's suppliers: its rate (the most it delivers a day), the lead time from
    its production to the stock, its `share` of the material's `order` or its `priority` (lower
    first), and its disruptions."""

    rate: RateValue
    lead_time: DurationValue = 0.0
    share: PercentValue | None = None
    priority: int | None = None
    disruptions: list[Disruption] = []


def _named_suppliers(raw: object) -> object:
    """A list of suppliers, each with its `name`, as the mapping name -> supplier."""
    if not isinstance(raw, list):
        return raw
    named: dict[str, object] = {}
    for k, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValueError(
                f"item {k}: a supplier in a list needs a 'name' (or write suppliers as a mapping name -> supplier)"
            )
        if item["name"] in named:
            raise ValueError(f"item {k}: supplier {item['name']!r} is named twice")
        named[item["name"]] = {key: value for key, value in item.items() if key != "name"}
    return named


class Material(Spec):
    """A stock that facilities consume."""

    unit: str = "units"
    initial: QuantityValue = 0.0
    supply: Supply | None = None
    #: the material's name in words for figures and reports (default: the key in words)
    label: str | None = None
    #: several suppliers instead of one `supply` (`sim.model.suppliers`)
    suppliers: Annotated[dict[str, Supplier], BeforeValidator(_named_suppliers)] = {}
    #: the rate ordered from suppliers that have shares or priorities
    order: RateValue | None = None
    #: money per unit, paid from the consuming facility's budget with each lot
    price: QuantityValue = 0.0

    @model_validator(mode="after")
    def _one_way_of_supply(self) -> Material:
        if self.supply is not None and self.suppliers:
            raise ValueError("write 'supply' (one supplier) or 'suppliers' (several), not both")
        shares = [s.share for s in self.suppliers.values() if s.share is not None]
        priorities = [s.priority for s in self.suppliers.values() if s.priority is not None]
        if shares and priorities:
            raise ValueError("suppliers split the order by 'share' or fill it by 'priority', not both")
        if (shares or priorities) and len(shares) + len(priorities) != len(self.suppliers):
            missing = [n for n, s in self.suppliers.items() if s.share is None and s.priority is None]
            which = "share" if shares else "priority"
            raise ValueError(f"every supplier needs a {which} when one has it; missing: {', '.join(missing)}")
        if (shares or priorities) and self.order is None:
            raise ValueError("suppliers with shares or priorities need the material's 'order' (the rate ordered)")
        if self.order is not None and not (shares or priorities):
            raise ValueError("'order' is split among suppliers by 'share' or 'priority': give each supplier one")
        if shares and all(isinstance(s, float) for s in shares) and abs(sum(shares) - 1.0) > 1e-6:
            raise ValueError(f"suppliers' shares must add up to 100%, got {sum(shares):.1%}")
        if isinstance(self.price, float) and self.price < 0:
            raise ValueError(f"a price must not be negative, got {self.price:g}")
        return self


class Workforce(Spec):
    """A pool of skilled people that facilities hold while they work."""

    initial: Quantity
    hiring: RateValue | None = None
    training: DurationValue = 0.0
    max: Quantity | None = None
    #: the share of the pool's people who leave in a year (a continuous rate: with hiring h a
    #: year, the pool settles at h ÷ attrition)
    attrition: PercentValue = 0.0


def _gdp_table(raw: object) -> object:
    if not isinstance(raw, dict):
        raise ValueError(f"expected a table of fiscal year -> GDP, got {raw!r}")
    table: dict[int, Value] = {}
    growth = 0.0
    for key, value in raw.items():
        if key == "growth":
            growth = parse_percentage(value)
        elif isinstance(key, int) and not isinstance(key, bool):
            table[key] = parse_value(value, parse_quantity)
        else:
            raise ValueError(f"keys are fiscal years or 'growth', got {key!r}")
    if not table:
        raise ValueError("needs at least one fiscal year")
    return GdpTable(table=_fiscal_years(table) or {}, growth=growth)


class GdpTable(Spec):
    """GDP by fiscal year, with growth after the last listed year."""

    table: dict[int, Any]
    growth: float = 0.0


#: a nation's spending paths a budget may draw from: NATO's Hague split of the 5% of GDP
NATION_PATHS = ("core", "related")


class Nation(Spec):
    """A nation's GDP (in its own currency), its exchange rate to the scenario's currency, and its
    spending paths as shares of GDP by year: `core` defence and defence-`related` spending."""

    gdp: GdpTable
    currency: str | None = None  # None: the scenario's
    exchange_rate: float = Field(default=1.0, gt=0)  # scenario currency per unit of its own
    core: dict[int, Percent] = {}
    related: dict[int, Percent] = {}

    @field_validator("gdp", mode="before")
    @classmethod
    def _gdp(cls, raw: object) -> object:
        return _gdp_table(raw)

    @field_validator("core", "related")
    @classmethod
    def _years(cls, v: dict[int, Any]) -> dict[int, Any]:
        return _fiscal_years(v) or {}

    def path(self, name: str) -> dict[int, float]:
        """The share-of-GDP table of `core` or `related`."""
        table: dict[int, float] = getattr(self, name)
        return table


class BudgetSource(Spec):
    """Where a budget's money comes from: a nation's `core` or `related` spending (a budget
    drawing from several pools their allocations: a joint fund)."""

    nation: str
    path: Literal["core", "related"]


def _allocation(raw: object) -> object:
    """A share (perhaps uncertain), or a table of fiscal year -> share, interpolated."""
    if isinstance(raw, dict) and raw and all(isinstance(k, int) and not isinstance(k, bool) for k in raw):
        return _fiscal_years({year: parse_percentage(v) for year, v in raw.items()})
    return parse_value(raw, parse_percentage)


_ALLOCATION_SCHEMA: dict[str, Any] = {
    "anyOf": [
        _uncertain_schema(_PERCENT_SCHEMA),
        {"type": "object", "patternProperties": {"^[0-9]{4}$": _PERCENT_SCHEMA}, "additionalProperties": False},
    ]
}


class Budget(Spec):
    """A pot of money facilities draw on, filled at each fiscal year's start."""

    appropriations: dict[int, QuantityValue] | None = None
    #: the budget's name in words for figures and reports (default: the key in words)
    label: str | None = None
    growth: PercentValue = 0.0
    gdp: Annotated[GdpTable | None, Field(default=None)] = None
    share_of_gdp: dict[int, Percent] | None = None
    from_: BudgetSource | list[BudgetSource] | None = Field(default=None, alias="from")
    allocation: Annotated[Any, BeforeValidator(_allocation), WithJsonSchema(_ALLOCATION_SCHEMA)] = 1.0
    fiscal_year_start: MonthDay = (1, 1)
    carry_over: bool = True
    inflation: PercentValue = 0.0

    @field_validator("gdp", mode="before")
    @classmethod
    def _gdp(cls, raw: object) -> object:
        return None if raw is None else _gdp_table(raw)

    @property
    def sources(self) -> list[BudgetSource]:
        """The nations' paths it draws on (none: its money is a table or a GDP share of its own)."""
        if self.from_ is None:
            return []
        return list(self.from_) if isinstance(self.from_, list) else [self.from_]

    @field_validator("appropriations", "share_of_gdp")
    @classmethod
    def _years(cls, v: dict[int, Any] | None) -> dict[int, Any] | None:
        return _fiscal_years(v)

    @model_validator(mode="after")
    def _one_source(self) -> Budget:
        by_table = self.appropriations is not None
        by_gdp = self.gdp is not None or self.share_of_gdp is not None
        by_nation = self.from_ is not None
        if by_table + by_gdp + by_nation > 1:
            raise ValueError("give one of 'appropriations', 'gdp' with 'share_of_gdp', or 'from' (a nation's path)")
        if not by_table and not by_gdp and not by_nation:
            raise ValueError("needs 'appropriations', 'gdp' with 'share_of_gdp', or 'from: {nation: N, path: core}'")

        if by_gdp and (self.gdp is None or self.share_of_gdp is None):
            raise ValueError("'gdp' and 'share_of_gdp' go together")
        if isinstance(self.from_, list) and not self.from_:
            raise ValueError("'from' needs at least one {nation: N, path: core}")
        if by_table and not self.appropriations:
            raise ValueError("'appropriations' needs at least one fiscal year")
        if by_gdp and not self.share_of_gdp:
            raise ValueError("'share_of_gdp' needs at least one fiscal year")
        if by_gdp and not self.share_of_gdp:
            raise ValueError("'share_of_gdp' needs at least one fiscal year")
        return self


class Demand(Spec):
    """A drawdown of a product's stock: a flat `rate` (from `from` until `until`), or a
    `schedule` of dates -> rate, each rate holding from its date to the next (the last until
    `until`, or for ever); any rate may be a distribution, drawn once a replication."""

    rate: RateValue | None = None
    schedule: dict[Date, RateValue] | None = None
    from_: Date | None = Field(default=None, alias="from")
    until: Date | None = None

    @model_validator(mode="after")
    def _window(self) -> Demand:
        if (self.rate is None) == (self.schedule is None):
            raise ValueError("give either 'rate' (with 'from' and 'until') or 'schedule' (dates -> rate), one of them")
        if self.schedule is not None and self.from_ is not None:
            raise ValueError("a schedule starts at its first date: drop 'from'")
        if self.schedule is not None and not self.schedule:
            raise ValueError("'schedule' needs at least one date")
        if self.from_ is not None and self.until is not None and self.until <= self.from_:
            raise ValueError(f"'until' ({self.until}) must come after 'from' ({self.from_})")
        if self.schedule is not None and self.until is not None and self.until <= min(self.schedule):
            raise ValueError(f"'until' ({self.until}) must come after the schedule's first date ({min(self.schedule)})")
        return self

    def windows(self) -> list[tuple[dt.date | None, dt.date | None, Any, str]]:
        """(from, until, rate, its dotted key below the demand) of each span of constant rate."""
        if self.schedule is None:
            return [(self.from_, self.until, self.rate, "rate")]
        dates = sorted(self.schedule)
        ends: list[dt.date | None] = [*dates[1:], self.until]
        return [
            (d, e, self.schedule[d], f"schedule.{d.isoformat()}")
            for d, e in zip(dates, ends, strict=True)
            if self.until is None or d < self.until
        ]


#: a rate target's default `sustain`: 12 months, in days
DEFAULT_RATE_SUSTAIN = DAYS_PER_YEAR

Measure = Literal["delivered", "rate", "stock", "capacity", "unmet"]
#: `unmet`: demand left unmet stays at or below the threshold; its date is the day it first
#: goes above (the day stocks run out, for `unmet: 0`)
MEASURES: tuple[str, ...] = ("delivered", "rate", "stock", "capacity", "unmet")


class Target(Spec):
    """A stated goal: a measure of a product reaching a threshold, perhaps by a deadline."""

    name: str
    product: str
    delivered: Quantity | None = None
    rate: RelativeRate | None = None
    stock: StockThreshold | None = None
    capacity: RelativeRate | None = None
    unmet: Quantity | None = None
    by: Date | None = None
    baseline: Baseline = None
    sustain: Duration | None = None
    #: deliveries to this customer only (`orders`); None: all deliveries of the product
    customer: str | None = None
    #: deliveries to this nation's customers only: the nation itself and the budgets drawn from
    #: it, a joint budget's in the nation's share of its money (`sim.metrics.orders.nation_weights`)
    nation: str | None = None

    @field_validator("baseline", mode="before")
    @classmethod
    def _baseline(cls, raw: object, info: ValidationInfo) -> float | None:
        """The base of a relative threshold, read in its measure's unit: a rate for `rate` and
        `capacity`, a quantity for `stock`; an error on any other target."""
        if raw is None:
            return None
        given = [m for m in MEASURES if info.data.get(m) is not None]
        if len(given) != 1:
            return None  # the measure itself is in error (or missing): that is the problem to report
        measure, threshold = given[0], info.data[given[0]]
        if not isinstance(threshold, Relative):
            example = "'rate: 5x', 'stock: 2x' or 'capacity: 5x'" if measure == "delivered" else f"'{measure}: 5x'"
            raise ValueError(
                f"a baseline is the base of a relative threshold such as {example}; "
                f"this target's {measure} is an absolute value, so remove the baseline"
            )
        if isinstance(raw, dict):
            raise ValueError(f"takes a single value here, not a distribution; got {raw!r}")
        parse, kind, example = (
            (parse_quantity, "a quantity", "2000") if measure == "stock" else (parse_rate, "a rate", "'1,000 per year'")
        )
        try:
            value = parse(raw)
        except UnitError as exc:
            raise ValueError(f"the baseline of a {measure} target is {kind}, such as {example}: {exc}") from None
        if value <= 0:
            raise ValueError(f"must be more than zero (every multiple of a zero base is zero), got {raw!r}")
        return value

    @model_validator(mode="after")
    def _one_measure(self) -> Target:
        given = [m for m in MEASURES if getattr(self, m) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(f"needs exactly one measure among {', '.join(MEASURES)}; found {found}")
        return self

    @model_validator(mode="after")
    def _customer_measure(self) -> Target:
        if self.customer is not None and self.nation is not None:
            raise ValueError(
                "give one of 'customer' (one buyer's deliveries) or 'nation' (its own and its budgets'), not both"
            )
        key = "customer" if self.customer is not None else "nation" if self.nation is not None else None
        if key is not None and self.measure == "capacity":
            raise ValueError(
                f"a capacity target measures the plants, not what one {key} receives: "
                f"remove '{key}' or state the target as 'delivered', 'rate' or 'stock'"
            )
        return self

    @property
    def measure(self) -> str:
        """Which of the four measures this target is stated in."""
        return next(m for m in MEASURES if getattr(self, m) is not None)

    @property
    def threshold(self) -> float | Relative | DaysOfDemand:
        """The value to reach, in base units, or a multiple of the value at start."""
        value = getattr(self, self.measure)
        assert value is not None
        return value

    @property
    def fixed_threshold(self) -> float | None:
        """The value to reach in base units when it is known before a replication runs: an
        absolute threshold, or a relative one with its `baseline` (written, or resolved by a
        run or study); None for a relative threshold still waiting for its base."""
        threshold = self.threshold
        if isinstance(threshold, DaysOfDemand):
            return None  # (days of each replication's drawn demand)
        if not isinstance(threshold, Relative):
            return float(threshold)
        return None if self.baseline is None else threshold.factor * self.baseline

    @property
    def sustain_days(self) -> float:
        """How long the measure must stay at or above the threshold to count as reached, in
        days: as written, else 12 months for a rate (a burst is not a rate) and 0 otherwise."""
        if self.sustain is not None:
            return self.sustain
        return DEFAULT_RATE_SUSTAIN if self.measure == "rate" else 0.0


def _one_or_list(raw: Any) -> Any:
    """One name, or a list of names."""
    return [raw] if isinstance(raw, str) else raw


class Order(Spec):
    """A customer's order for a product: a quantity placed on one date, or a rate placed as
    monthly call-offs from `placed` until `until`. A product with orders is built only to its
    backlog (`sim.model.orders`); deliveries go to customers by priority, then order date."""

    customer: str
    product: str
    quantity: Quantity | None = None
    rate: Rate | None = None
    placed: Date | None = None  # None: the scenario's start
    until: Date | None = None
    #: the buyer's price, money per unit (reported as order value, never paid: the plants'
    #: costs are paid from their budgets); None: the unit cost at the start of the first
    #: facility making the product (its first unit's, its materials' price included)
    price: Quantity | None = None
    priority: float = 0.0
    export: bool = False  # an outside buyer (any name); otherwise the customer names a budget or a nation
    #: the facilities that may deliver it (each making `product`: `sim.language.references`);
    #: None: any plant making it
    plants: Annotated[
        list[str] | None,
        BeforeValidator(_one_or_list),
        WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
    ] = None

    @model_validator(mode="after")
    def _amount(self) -> Order:
        if (self.quantity is None) == (self.rate is None):
            raise ValueError("needs exactly one of 'quantity' (placed at once) or 'rate' (monthly call-offs)")
        if self.rate is not None and self.until is None:
            raise ValueError("a 'rate' order needs 'until', the date its call-offs stop")
        if self.quantity is not None and self.until is not None:
            raise ValueError("'until' belongs to a 'rate' order; a 'quantity' is placed at once on 'placed'")
        if self.placed is not None and self.until is not None and self.until <= self.placed:
            raise ValueError(f"'until' ({self.until}) must come after 'placed' ({self.placed})")
        return self


class Scenario(Spec):
    """A whole scenario, validated."""

    scenario: str
    description: str = ""
    start: Date
    horizon: Duration
    seed: int = Field(default=0, ge=0)
    replications: int = Field(default=1, ge=1, le=1_000_000)
    currency: str = "EUR"
    inventory: dict[str, Quantity] = {}
    #: nations whose core and related spending budgets may draw on (`Budget.from_`)
    nations: dict[str, Nation] = {}
    budgets: dict[str, Budget] = {}
    materials: dict[str, Material] = {}
    workforce: dict[str, Workforce] = {}
    facilities: dict[str, Facility] = {}
    demand: dict[str, Demand] = {}
    targets: list[Target] = []
    #: customers' orders (`Order`): a product with orders is built only to its backlog
    orders: list[Order] = []
    #: how plans turn out: `none` (as announced), `calibrated` (the shipped priors) or a mapping
    realism: Annotated[ScenarioRealism, BeforeValidator(_realism)] = ScenarioRealism()
    #: products' names in words for figures and reports, by product (default: the name in words)
    product_labels: dict[str, str] = {}

    @model_validator(mode="after")
    def _work_in_progress_began_before_start(self) -> Scenario:
        for name, facility in self.facilities.items():
            for k, item in enumerate(getattr(facility, "in_progress", [])):
                if item.since > self.start:
                    raise ValueError(
                        f"facilities.{name}.in_progress.{k}.since: work in progress began on or before"
                        f" the start ({self.start}), got {item.since}"
                    )
        return self

    @model_validator(mode="after")
    def _demand_measures_need_demand(self) -> Scenario:
        for k, target in enumerate(self.targets):
            by_demand = target.measure == "unmet" or isinstance(target.threshold, DaysOfDemand)
            if by_demand and target.product not in self.demand:
                raise ValueError(
                    f"targets.{k}.{target.measure}: target {target.name!r} is measured against the demand"
                    f" for {target.product!r}, but 'demand' has none; add demand.{target.product}"
                )
        return self

    @model_validator(mode="after")
    def _labels_name_products(self) -> Scenario:
        unknown = [name for name in self.product_labels if name not in self.products]
        if unknown:
            raise ValueError(
                f"product_labels.{unknown[0]}: not a product of this scenario"
                f"{did_you_mean(unknown[0], self.products)}; products: {', '.join(self.products)}"
            )
        return self

    @model_validator(mode="after")
    def _orders_from_start(self) -> Scenario:
        for k, order in enumerate(self.orders):
            if order.placed is not None and order.placed < self.start:
                raise ValueError(
                    f"orders.{k}.placed: an order is placed on or after the start ({self.start}), got"
                    f" {order.placed}; state the part of an older contract still open at the start,"
                    " placed on the start date"
                )
            if order.until is not None and order.until <= self.start:
                raise ValueError(f"orders.{k}.until: must come after the start ({self.start}), got {order.until}")
        return self

    @model_validator(mode="after")
    def _priced_materials_paid_per_unit(self) -> Scenario:
        priced = {m for m, spec in self.materials.items() if spec.price != 0}
        for name, facility in self.facilities.items():
            for k, stage in enumerate(getattr(facility, "stages", [])):
                for m in stage.consumes:
                    if m in priced:
                        raise ValueError(
                            f"facilities.{name}.stages.{k}.consumes.{m}: a shipyard stage cannot take a priced"
                            f" material yet; put {m!r} in the shipyard's own 'consumes' (paid with each hull)"
                        )
        return self

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("the horizon must be longer than zero")
        if v > MAX_HORIZON_YEARS * DAYS_PER_YEAR + 1e-9:
            raise ValueError(f"at most {MAX_HORIZON_YEARS} years, got {v / DAYS_PER_YEAR:g} years")
        return v

    @property
    def products(self) -> list[str]:
        """Every product named by a facility, in order of first mention."""
        seen: dict[str, None] = {}
        for f in self.facilities.values():
            seen.setdefault(f.product, None)
        for name in list(self.inventory) + list(self.demand):
            seen.setdefault(name, None)
        return list(seen)

    @property
    def start_date(self) -> dt.date:
        """The date the clock starts."""
        return self.start
