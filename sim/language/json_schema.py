"""The JSON Schema of the scenario language, generated from the pydantic schema the loader uses.

Editors with the YAML language server read it (through the modeline at the top of each
scenario) to complete and check keys. Pydantic writes the structure and the value patterns;
this module adds what an editor shows on hover: each key's meaning from the language
reference, and defaults spelled the way a writer would type them ("1 week", not 7.0).
"""

from __future__ import annotations

import json
from typing import Any

from sim.language import units
from sim.language.schema import FACILITY_KINDS, MEASURES, Scenario
from sim.language.types import _PERCENT_SCHEMA, _QUANTITY_SCHEMA, _UNCERTAIN_DATE_SCHEMA, _uncertain_schema

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
MODELINE_PREFIX = "# yaml-language-server: $schema="

_LABEL = "optional name in words for figures and reports (default: the key in words, e.g. barrow_ssn -> Barrow SSN)"
_EXPANSIONS = "capacity built later: name, capacity (or docks), capex, construction, start, ramp_up"
_FACILITY = {
    "kind": "which kind of facility this is",
    "product": "the product it makes (a name of your choice, e.g. shell_155mm)",
    "budget": "the budget that pays for its work, or budget -> share of every cost, e.g. {uk_core: 60%, de_core: 40%}",
    "label": _LABEL,
    "unit_cost": "money per unit, or {first_unit: X, learning: 90%} for a Wright's-law curve",
    "consumes": "material or component (a product other facilities make) -> amount used per unit",
    "workforce": "workforce pool -> people held while working",
    "breakdowns": "{mtbf: duration, mttr: duration}: failures and repairs (plain durations are exponential means)",
    "expansions": _EXPANSIONS,
    "available_from": "the date the facility starts, or a distribution of dates (default: the scenario's start)",
    "priority": "higher is served first when facilities wait for the same money, material, docks or people",
    "capacity": "nameplate production rate",
    "ramp_up": "time over which output rises linearly from 0 to capacity after available_from",
    "realism": "how this facility's own plan turns out, over the scenario's realism: {achieved, slip, delay}",
}
_PLAN_REALISM = {
    "achieved": "share of announced capacity reached (a shipyard: its hull rate; its build times are divided by it)",
    "slip": "multiplier on the time from the start to each announced future date and on construction times",
    "delay": "time added to each announced future date",
}

FIELD_DOCS: dict[str, dict[str, str]] = {
    "Scenario": {
        "scenario": "a title (required)",
        "description": "free text",
        "start": "the date the clock starts (required)",
        "horizon": "how long to simulate (required; at most 100 years)",
        "seed": "integer root seed",
        "replications": "Monte Carlo runs (a scenario with no distribution is deterministic)",
        "currency": "a label for money",
        "inventory": "stock of each product at start, e.g. {shell_155mm: 1.2M}",
        "nations": "per nation: gdp, currency, exchange_rate, and core and related spending as shares of GDP by year",
        "budgets": "pots of money that facilities draw on",
        "materials": "stocks that facilities consume",
        "workforce": "pools of skilled people that facilities hold while they work",
        "facilities": f"the producers: {', '.join(FACILITY_KINDS[:-1])} or {FACILITY_KINDS[-1]}",
        "demand": "per product, a drawdown from stock: {rate, from, until}",
        "targets": "goals: name, product, exactly one of delivered/rate/stock/capacity, optional by",
        "realism": "how plans turn out: none (as announced), calibrated (the shipped priors) or a mapping",
        "product_labels": "product -> its name in words for figures and reports, e.g. {ssn: Attack submarines}",
        "orders": "customers' orders: a product with orders is built only to its backlog",
    },
    "PlanRealism": _PLAN_REALISM,
    "ScenarioRealism": {
        **_PLAN_REALISM,
        "correlation": "how together plans slip: each draw's correlation with one shared risk factor a replication",
        "contract_lag": "time from money being appropriated to work starting on it",
        "base": "calibrated: start from the shipped priors, the keys given here over them",
    },
    "Budget": {
        "appropriations": "fiscal year -> amount arriving whole at that year's start; years between are interpolated",
        "label": _LABEL,
        "growth": "yearly growth after the last listed year",
        "gdp": "fiscal year -> GDP, with an optional growth key, e.g. {2025: 2.9tn, growth: 1.5%}",
        "share_of_gdp": "fiscal year -> share of GDP spent on defence, interpolated, e.g. {2025: 2.3%, 2035: 3.5%}",
        "allocation": "share of that spending flowing to this budget, or fiscal year -> share, interpolated",
        "from": "a nation's spending path it draws on: {nation: uk, path: core} (or path: related)",
        "fiscal_year_start": "MM-DD on which each fiscal year starts",
        "carry_over": "true: unspent money rolls over; false: it lapses at year end",
        "inflation": "yearly escalation of every cost paid from this budget",
    },
    "Material": {
        "unit": "a label, e.g. t or units",
        "initial": "starting stock",
        "supply": "the upstream producer: rate, lead_time, expansions (no supply: no resupply)",
        "label": _LABEL,
        "suppliers": "several suppliers instead of one supply: a mapping name -> supplier (or a list of "
        "suppliers, each with its name)",
        "order": "the rate ordered from suppliers with shares or priorities (they fill it up to their rates)",
        "price": "money per unit, paid from the consuming facility's budget with each lot",
    },
    "Supplier": {
        "rate": "the most it delivers (a rate)",
        "lead_time": "delay from its production to arrival in stock",
        "share": "its share of the order; the others fill its gap up to their rates",
        "priority": "the order is filled by priority, lowest first, each supplier up to its rate",
        "disruptions": "periods it delivers only part of its rate: scheduled or random",
    },
    "Disruption": {
        "from": "a scheduled disruption's first day",
        "for": "how long a scheduled disruption lasts",
        "mean_time_between": "a random disruption: mean time from one disruption's end to the next's start",
        "mean_duration": "a random disruption: mean time it lasts",
        "to": "the share of its rate the supplier still delivers while disrupted (default 0%)",
    },
    "Supply": {
        "rate": "the upstream producer's rate, producing continuously from start",
        "lead_time": "delay from production to arrival in stock",
        "expansions": _EXPANSIONS,
        "budget": "the budget paying for supply expansions",
        "disruptions": "periods it delivers only part of its rate (expansions included): scheduled or random",
    },
    "Workforce": {
        "initial": "people available at start (required)",
        "hiring": "new hires per year (a rate)",
        "training": "delay before a hire is productive",
        "max": "ceiling of the pool",
        "attrition": "share of the pool leaving per year; with hiring h the pool settles at h ÷ attrition",
    },
    "MunitionsFactory": {
        **_FACILITY,
        "lot": "duration of one production lot",
        "yield": "good fraction of output",
    },
    "VehicleLine": {
        **_FACILITY,
        "capacity": "rate of vehicle starts",
        "build_time": "start-to-delivery lead time, drawn per vehicle",
        "start_interval": "time between batches of starts: longer is faster to simulate, coarser in time",
        "in_progress": "vehicles in build at the start: a list of {vehicles: N, since: date they started}",
    },
    "VehiclesInProgress": {
        "vehicles": "how many vehicles started that day",
        "since": "the date they started (on or before the scenario's start)",
    },
    "HullInProgress": {
        "stage": "the name of the stage the hull is in at the start",
        "since": "the date that stage began (on or before the scenario's start)",
    },
    "Shipyard": {
        **{k: v for k, v in _FACILITY.items() if k not in ("capacity", "ramp_up")},
        "docks": "how many hulls can be in the dock stages at once",
        "first_start": "date of the first keel or steel cut, or a distribution of dates (default: available_from)",
        "drumbeat": "minimum interval between hull starts",
        "hulls": "how many hulls to build (default: unlimited)",
        "stages": "ordered build stages: name, duration, dock, cost_share, consumes, workforce",
        "learning": "build-time learning rate per doubling of hulls (above 100%, up to 200%: rising build times)",
        "in_progress": "hulls in build at the start, oldest first: a list of {stage: name, since: date it began}",
        "shares_docks_with": "another shipyard whose docks this one uses",
        "reserve_docks": (
            "on the yard owning the docks: hold a free dock for a higher-priority hull due before a lower one"
            " would leave it (false: first come, first served)"
        ),
    },
    "Stage": {
        "name": "the stage's name",
        "duration": "how long the stage takes, drawn per hull",
        "dock": "true if the hull occupies a dock during this stage",
        "cost_share": "fraction of unit cost committed at the stage's start (shares sum to 1)",
        "consumes": "material or component -> amount used by this stage",
        "workforce": "workforce pool -> people held during this stage",
    },
    "Expansion": {
        "name": "the expansion's name",
        "capacity": "added rate",
        "docks": "docks added (shipyards)",
        "capex": "money committed at construction start from its budget (default: the owner's)",
        "budget": "the budget paying its capex (default: its facility's, or its supply's)",
        "construction": "how long construction takes",
        "start": "a date, a distribution of dates, or when_funded: as soon as the budget can pay the capex",
        "ramp_up": "time over which the added rate rises linearly once built",
        "realism": "how this expansion turns out, over the scenario's realism: {achieved, slip, delay}",
    },
    "Nation": {
        "gdp": "fiscal year -> GDP in its own currency, with an optional growth key, e.g. {2025: 2.9tn, growth: 1.5%}",
        "currency": "a label for its own money (default: the scenario's)",
        "exchange_rate": "scenario currency per unit of its own (default 1)",
        "core": "fiscal year -> share of GDP spent on core defence, interpolated, e.g. {2025: 2.3%, 2035: 3.5%}",
        "related": "fiscal year -> share of GDP spent on defence-related items, interpolated, e.g. {2035: 1.5%}",
    },
    "BudgetSource": {
        "nation": "a nation of the nations block",
        "path": "core or related",
    },
    "Breakdowns": {
        "mtbf": "mean working time between failures",
        "mttr": "mean time to repair",
    },
    "Demand": {
        "rate": "how fast stock is drawn down (or give 'schedule')",
        "schedule": "war consumption: date -> rate, each held from its date to the next (the last until 'until')",
        "from": "when the drawdown starts (default: start)",
        "until": "when the drawdown ends (default: never)",
    },
    "Target": {
        "name": "the target's name",
        "product": "the product measured",
        "delivered": "reached when cumulative deliveries since start reach this number",
        "rate": "reached when the units made in the trailing 12 months (each lot spread over its production) "
        "reach this rate (or Nx the rate at start)",
        "stock": "reached when stock reaches this number (or Nx the stock at start, or 'N days of demand': "
        "of the heaviest scheduled demand rate)",
        "capacity": "reached when installed capacity reaches this rate (or Nx the capacity at start)",
        "unmet": "do we run out? dated the day demand left unmet first goes above this quantity (0: stock runs out)",
        "by": "the deadline",
        "sustain": "how long the measure must stay at or above the threshold (default 12 months for rate, "
        "0 days otherwise)",
        "baseline": "the base of a relative threshold (5x): a rate for rate and capacity, a quantity for stock "
        "(default: the value at start of the scenario as written)",
        "customer": "measure deliveries to this customer only (a customer with orders; not for capacity)",
        "nation": "instead of customer: deliveries to this nation and the budgets drawn from it (a joint "
        "budget's in the nation's share of its money; not for capacity)",
    },
    "Order": {
        "customer": "who orders: a budget or a nation, or an outside buyer's name with export: true",
        "product": "the product ordered (made by a munitions factory or vehicle line)",
        "quantity": "units placed at once on the date placed",
        "rate": "instead of quantity: units placed as monthly call-offs from placed until until",
        "placed": "the date the order (or its first call-off) is placed (default: the start; not before it)",
        "until": "the date a rate order's call-offs stop",
        "price": "the buyer's price, money per unit, reported as order value (default: the unit cost at the start "
        "of the first facility making the product)",
        "priority": "higher is delivered first; then the earlier call-off, then scenario order",
        "export": "true: an outside buyer (any name) competing for the same plants",
        "plants": "the facilities (one name or a list, each making the product) that may build and deliver it "
        "(default: any plant making it)",
    },
}


_YEAR = r"^[0-9]{4}$"
_QUANTITY_VALUE = _uncertain_schema(_QUANTITY_SCHEMA)

# Keys whose pydantic type is looser than what a writer may type (parsed by a validator).
_PROPERTIES: dict[tuple[str, str], dict[str, Any]] = {
    ("Budget", "gdp"): {
        "type": "object",
        "propertyNames": {"pattern": r"^([0-9]{4}|growth)$"},
        "properties": {"growth": _PERCENT_SCHEMA},
        "additionalProperties": _QUANTITY_VALUE,
        "examples": [{2025: "2.9tn", "growth": "1.5%"}],
    },
    ("MunitionsFactory", "unit_cost"): {
        "anyOf": [
            _QUANTITY_VALUE,
            {
                "type": "object",
                "properties": {"first_unit": _QUANTITY_VALUE, "learning": _uncertain_schema(_PERCENT_SCHEMA)},
                "required": ["first_unit"],
                "additionalProperties": False,
            },
        ],
        "examples": [4000, "2.5M", {"first_unit": "3.2bn", "learning": "90%"}],
        "default": 0,
    },
    ("Expansion", "start"): {
        "anyOf": [{"const": "when_funded"}, *_UNCERTAIN_DATE_SCHEMA["anyOf"]],
        "examples": ["when_funded", "2027-01-01", {"triangular": ["2027-01-01", "2027-07-01", "2028-06-01"]}],
        "default": "when_funded",
    },
}
_PROPERTIES[("Nation", "gdp")] = _PROPERTIES[("Budget", "gdp")]
for _kind in ("VehicleLine", "Shipyard"):
    _PROPERTIES[(_kind, "unit_cost")] = _PROPERTIES[("MunitionsFactory", "unit_cost")]
for _model in ("MunitionsFactory", "VehicleLine", "Shipyard", "Expansion"):
    _PROPERTIES[(_model, "realism")] = {"$ref": "#/$defs/PlanRealism", "examples": [{"achieved": "80%", "slip": 1.2}]}
_PROPERTIES[("Scenario", "realism")] = {
    "anyOf": [{"enum": ["none", "calibrated"]}, {"$ref": "#/$defs/ScenarioRealism"}],
    "examples": ["calibrated", {"base": "calibrated", "correlation": "60%", "contract_lag": "6 months"}],
    "default": "none",
}
_YEAR_TABLES = (("Budget", "appropriations"), ("Budget", "share_of_gdp"), ("Nation", "core"), ("Nation", "related"))

# The models' cross-key rules (their model validators), so that editors flag them too.
_RULES: dict[str, dict[str, Any]] = {
    "Target": {"oneOf": [{"required": [m]} for m in MEASURES]},
    "Budget": {
        "oneOf": [{"required": ["appropriations"]}, {"required": ["gdp", "share_of_gdp"]}, {"required": ["from"]}]
    },
    "Shipyard": {"anyOf": [{"required": ["docks"]}, {"required": ["shares_docks_with"]}]},
}


def _spell_default(prop: dict[str, Any]) -> Any:
    """A base-unit default written as a scenario writer types it."""
    default = prop["default"]
    # the unit type's own description, at the top or in a direct anyOf (an optional value)
    hints = " ".join(str(p.get("description", "")) for p in [prop, *prop.get("anyOf", [])])
    if not isinstance(default, (int, float, list)) or isinstance(default, bool):
        return default
    if isinstance(default, list) and len(default) == 2:  # a fiscal-year start, (month, day)
        return f"{default[0]:02d}-{default[1]:02d}"
    if units.DURATION_HINT in hints:
        assert isinstance(default, (int, float))
        weeks = default / 7
        if default and weeks == int(weeks):
            return f"{int(weeks)} week" + ("s" if weeks != 1 else "")
        return f"{default:g} days"
    if units.PERCENT_HINT in hints:
        assert isinstance(default, (int, float))
        return f"{default * 100:g}%"
    return default


def _document(model: str, schema: dict[str, Any]) -> None:
    docs = FIELD_DOCS.get(model, {})
    properties = schema.get("properties", {})
    for key in properties:
        if (model, key) in _PROPERTIES:
            properties[key] = json.loads(json.dumps(_PROPERTIES[(model, key)]))
        if (model, key) in _YEAR_TABLES:
            for option in properties[key].get("anyOf", [properties[key]]):
                if option.get("type") == "object":
                    option["propertyNames"] = {"pattern": _YEAR}
    for key, prop in properties.items():
        prop.pop("title", None)
        if "default" in prop:
            prop["default"] = _spell_default(prop)
        meaning = docs.get(key)
        hint = prop.get("description")
        if meaning:
            prop["description"] = f"{meaning}; {hint}" if hint and hint not in meaning else meaning


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    schema = Scenario.model_json_schema(by_alias=True)
    for name, sub in schema.get("$defs", {}).items():
        _document(name, sub)
        sub.update(_RULES.get(name, {}))
    _document("Scenario", schema)
    text = json.dumps({k: v for k, v in schema.items() if k != "$defs"}) + json.dumps(schema.get("$defs", {}))
    schema["$defs"] = {k: v for k, v in schema.get("$defs", {}).items() if f'"#/$defs/{k}"' in text}
    schema["title"] = "rearm scenario"
    schema["description"] = (
        "A rearm scenario: one YAML file describing budgets, materials, people, facilities and targets."
    )
    return {"$schema": SCHEMA_DIALECT, **schema}


def schema_text() -> str:
    """The schema as written to `scenarios/scenario.schema.json` and printed by `rearm schema`."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
