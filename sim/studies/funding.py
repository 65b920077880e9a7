"""Extra money for `rearm allocate`: what `--budget NAME=AMOUNT` means, what `--over` may fund,
and the parsed scenario rewritten so that each funded item gets its share (the model is not
changed: the money reaches the model as appropriations and capex it already knows).

- `budgets.B`: the share is added to B's money in each fiscal year from the one containing
  `--from` (a one-off amount: to that fiscal year only). A table budget gets one explicit entry
  per fiscal year of the horizon (the table as the model reads it, plus the extra); a GDP budget
  gets the extra as a higher `share_of_gdp` in each of those years, at its mean allocation (so
  with an uncertain allocation the extra rides the same draw: exact on average).
- `facilities.F`: F's budget, when F is the only one paid from it (money given to that budget
  is money given to F). A budget shared with other lines cannot earmark money for one of them
  in today's model, so that is refused with a line naming the alternatives.
- `expansions.X`: a one-off grant towards X's capex: it pays the capex up to the grant; what it
  does not cover is still paid from the owner's budget, as written (`when_funded`). A fully paid
  `when_funded` expansion starts on `--from` (so with a later `--from` it waits for the grant
  even where its owner could have paid sooner); money beyond the capex is unused (an optimiser
  learns not to give it).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sim.errors import UsageError
from sim.language.calendar import Clock
from sim.language.schema import Budget, Expansion, Scenario
from sim.language.suggest import did_you_mean
from sim.language.units import UnitError, parse_date, parse_quantity
from sim.language.values import is_uncertain, mean_of
from sim.model.appropriations import interpolate
from sim.studies.points import replaced

KINDS = ("budgets", "facilities", "expansions")
_PER_YEAR = re.compile(r"\s*(?:per|a|/)\s*year\s*$", re.IGNORECASE)
_SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD"}


@dataclass(frozen=True)
class ExtraMoney:
    """`--budget NAME=AMOUNT`: `amount` (the scenario's currency) once, or every fiscal year
    (`yearly`), from `start` (a date on or after the scenario's start)."""

    name: str
    amount: float
    yearly: bool
    start: dt.date

    def text(self, currency: str) -> str:
        """As a reader would say it: `10bn EUR a year from 2026-01-01`."""
        return f"{_money(self.amount)} {currency}{' a year' if self.yearly else ''} from {self.start.isoformat()}"


@dataclass(frozen=True)
class Item:
    """One funded item: `kind` (budgets, facilities, expansions), its name, and the budget whose
    money it receives (None for an expansion's capex grant)."""

    kind: str
    name: str
    budget: str | None

    @property
    def path(self) -> str:
        """As `--over` writes it: `budgets.army`."""
        return f"{self.kind}.{self.name}"


def _money(x: float) -> str:
    for scale, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.4g}{suffix}"
    return f"{x:.4g}"


def parse_extra(text: str, scenario: Scenario, start: str | None) -> ExtraMoney:
    """`NAME=AMOUNT [CURRENCY] [per year]`, the currency (if written) the scenario's; `start`
    (`--from`) a date in the horizon, default the scenario's start."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip() or not raw.strip():
        raise UsageError(f"--budget {text!r}: expected NAME=AMOUNT, such as 'extra=10bn EUR per year'")
    raw = raw.strip()
    yearly = bool(_PER_YEAR.search(raw))
    raw = _PER_YEAR.sub("", raw).strip()
    words = raw.split()
    currency = None
    if words and words[0][:1] in _SYMBOLS:
        currency, words[0] = _SYMBOLS[words[0][:1]], words[0][1:]
    if len(words) == 2 and words[1].isalpha():
        currency, words = words[1].upper(), words[:1]
    if currency is not None and currency != scenario.currency.upper():
        raise UsageError(f"--budget {text!r}: the scenario counts money in {scenario.currency}, not {currency}")
    try:
        if len(words) != 1:
            raise UnitError(f"expected an amount such as 1.5bn, got {raw!r}")
        amount = parse_quantity(words[0])
        begin = scenario.start if start is None else parse_date(start)
    except UnitError as exc:
        raise UsageError(f"--budget {text!r}: {exc}") from None
    if not amount > 0:
        raise UsageError(f"--budget {text!r}: the amount must be above zero")
    end = Clock(scenario.start).date_of(scenario.horizon)
    if not scenario.start <= begin < end:
        raise UsageError(f"--from {begin}: must fall within the horizon ({scenario.start} to {end})")
    return ExtraMoney(name.strip(), amount, yearly, begin)


def _expansions(scenario: Scenario) -> dict[str, list[tuple[str, str, Expansion]]]:
    """Expansion name -> (section, owner, expansion) wherever it is (facility or supply)."""
    found: dict[str, list[tuple[str, str, Expansion]]] = {}
    for owner, facility in scenario.facilities.items():
        for e in facility.expansions:
            found.setdefault(e.name, []).append(("facilities", owner, e))
    for owner, material in scenario.materials.items():
        for e in material.supply.expansions if material.supply else []:
            found.setdefault(e.name, []).append(("materials", owner, e))
    return found


def _payers(scenario: Scenario, budget: str) -> list[str]:
    """Who draws on `budget`: its facilities, and materials whose supply expansions it pays."""
    out = [name for name, f in scenario.facilities.items() if budget in f.payers]
    return out + [f"{m} supply" for m, v in scenario.materials.items() if v.supply and v.supply.budget == budget]


def parse_items(text: str | None, scenario: Scenario, extra: ExtraMoney) -> list[Item]:
    """`--over budgets.a,facilities.b,expansions.c`. Default: with NAME a budget, that budget
    and every expansion with capex it pays; else every budget."""
    if text is None:
        if extra.name in scenario.budgets:
            paths = [f"budgets.{extra.name}"] + [
                f"expansions.{n}"
                for n, where in _expansions(scenario).items()
                if len(where) == 1 and _owner_budget(scenario, *where[0][:2]) == extra.name and _capex(where[0][2])
                if not extra.yearly
            ]
        else:
            paths = [f"budgets.{b}" for b in scenario.budgets]
    else:
        paths = [p.strip() for p in text.split(",") if p.strip()]
    if not paths:
        raise UsageError("--over: name at least one budget, facility or expansion")
    items = [_item(p, scenario) for p in paths]
    if extra.yearly and any(i.kind == "expansions" for i in items):
        raise UsageError(
            "--over expansions.NAME: a grant towards capex is a one-off sum (write the amount without 'per year')"
        )
    if len({i.path for i in items}) != len(items):
        raise UsageError("--over: an item is named twice")
    return items


def _owner_budget(scenario: Scenario, section: str, owner: str) -> str | None:
    if section == "facilities":
        return _one_budget(scenario, owner)
    supply = scenario.materials[owner].supply
    return supply.budget if supply else None


def _one_budget(scenario: Scenario, facility: str) -> str | None:
    """The one budget paying `facility`, or None where several pay it in shares."""
    payers = scenario.facilities[facility].payers
    return next(iter(payers)) if len(payers) == 1 else None


def _capex(e: Expansion) -> float:
    return float(mean_of(e.capex))


def _item(path: str, scenario: Scenario) -> Item:
    kind, _, name = path.partition(".")
    if kind not in KINDS or not name:
        raise UsageError(f"--over {path!r}: expected budgets.NAME, facilities.NAME or expansions.NAME")
    if kind == "budgets":
        if name not in scenario.budgets:
            raise UsageError(f"--over {path}: no budget {name!r}{did_you_mean(name, list(scenario.budgets)) or ''}")
        return Item(kind, name, name)
    if kind == "facilities":
        if name not in scenario.facilities:
            hint = did_you_mean(name, list(scenario.facilities)) or ""
            raise UsageError(f"--over {path}: no facility {name!r}{hint}")
        budget = _one_budget(scenario, name)
        if budget is None:
            raise UsageError(
                f"--over {path}: {name} is paid from several budgets "
                f"({', '.join(scenario.facilities[name].payers)}); give the money to one of them (budgets.NAME)"
            )
        others = [p for p in _payers(scenario, budget) if p != name]
        if others:
            raise UsageError(
                f"--over {path}: {name} shares budget {budget!r} with {', '.join(others)}, and money given to a "
                f"shared budget cannot be earmarked for one line; give it to budgets.{budget} or to {name}'s "
                "expansions (expansions.NAME)"
            )
        return Item(kind, name, budget)
    where = _expansions(scenario).get(name)
    if not where:
        raise UsageError(f"--over {path}: no expansion {name!r}{did_you_mean(name, list(_expansions(scenario))) or ''}")
    if len(where) > 1:
        raise UsageError(f"--over {path}: {len(where)} expansions are called {name!r}; rename one")
    if is_uncertain(where[0][2].capex) or not _capex(where[0][2]) > 0:
        raise UsageError(f"--over {path}: a grant needs a single capex above zero to pay")
    return Item(kind, name, None)


def fiscal_years(scenario: Scenario, budget: Budget, begin: dt.date) -> list[tuple[int, float]]:
    """(fiscal year, its first day) of every fiscal year of `budget` that pays within the
    horizon from the one containing `begin` (day 0 for the one containing the start)."""
    clock = Clock(scenario.start)
    md = budget.fiscal_year_start
    first = clock.fiscal_year_of_start(md)
    out = [(first, 0.0)]
    year = first + 1
    while (day := clock.fiscal_year_start(year, md)) < scenario.horizon:
        out.append((year, day))
        year += 1
    begin_day = clock.day_of(begin)
    while len(out) > 1 and out[1][1] <= begin_day:
        out.pop(0)
    return out


def _pro_rata(scenario: Scenario, budget: Budget) -> float:
    """The part of the first fiscal year that remains at the start (the model pays that part)."""
    clock = Clock(scenario.start)
    fy = clock.fiscal_year_of_start(budget.fiscal_year_start)
    begin, end = (clock.fiscal_year_start(y, budget.fiscal_year_start) for y in (fy, fy + 1))
    return (end - 0.0) / (end - begin)


def _budget_with_extra(scenario: Scenario, name: str, extra: dict[int, float]) -> Budget:
    """Budget `name` with `extra[y]` more money in fiscal year y: its table (or GDP shares)
    written out for every year up to the horizon's last, so no extra leaks into a neighbour
    by interpolation."""
    spec = scenario.budgets[name]
    years = sorted({*extra, fiscal_years(scenario, spec, scenario.start)[-1][0]})
    if spec.appropriations is not None:
        values = list(spec.appropriations.values())
        if any(is_uncertain(v) for v in values) or is_uncertain(spec.growth):
            raise UsageError(f"budgets.{name}: extra money for a budget with uncertain appropriations is not supported")
        table = {y: float(v) for y, v in spec.appropriations.items()}
        span = range(min(years[0], min(table)), max(years[-1], max(table)) + 1)
        full = {y: interpolate(table, y, float(spec.growth)) for y in span}
        return spec.model_copy(update={"appropriations": {y: v + extra.get(y, 0.0) for y, v in full.items()}})
    if spec.sources:
        return _nation_budget_with_extra(scenario, name, extra, years)
    assert spec.gdp is not None and spec.share_of_gdp is not None
    if any(is_uncertain(v) for v in spec.gdp.table.values()):
        raise UsageError(f"budgets.{name}: extra money for a budget with an uncertain GDP is not supported")
    gdp = {y: float(v) for y, v in spec.gdp.table.items()}
    share = dict(spec.share_of_gdp)
    allocation = float(mean_of(spec.allocation))
    span = range(min(years[0], min(share)), max(years[-1], max(share)) + 1)
    new = {
        y: interpolate(share, y) + extra.get(y, 0.0) / (interpolate(gdp, y, spec.gdp.growth) * allocation) for y in span
    }
    return spec.model_copy(update={"share_of_gdp": new})


def _nation_budget_with_extra(scenario: Scenario, name: str, extra: dict[int, float], years: list[int]) -> Budget:
    """A budget drawn `from` nations' paths with `extra[y]` more in fiscal year y: its allocation
    written out year by year and raised so that, at the nations' mean GDPs, it draws the extra
    too (each nation giving its share of it, as it gives its share of the rest)."""
    spec = scenario.budgets[name]
    if is_uncertain(spec.allocation) or any(
        is_uncertain(v) for s in spec.sources for v in scenario.nations[s.nation].gdp.table.values()
    ):
        raise UsageError(
            f"budgets.{name}: extra money for a budget with an uncertain GDP or allocation is not supported"
        )

    def drawn(year: int) -> float:  # the nations' paths it draws on, before its allocation
        total = 0.0
        for source in spec.sources:
            nation = scenario.nations[source.nation]
            gdp = {y: float(v) for y, v in nation.gdp.table.items()}
            share = nation.path(source.path)
            if share:
                total += interpolate(gdp, year, nation.gdp.growth) * interpolate(share, year) * nation.exchange_rate
        return total

    written = spec.allocation
    first = fiscal_years(scenario, spec, scenario.start)[0][0]  # (the horizon's first fiscal year)
    table = {int(y): float(v) for y, v in written.items()} if isinstance(written, dict) else {first: float(written)}
    span = range(min(first, years[0], min(table)), max(years[-1], max(table)) + 1)
    new: dict[int, float] = {}
    for y in span:
        base = interpolate(table, y)
        paths = drawn(y)
        if extra.get(y, 0.0) and paths <= 0:
            raise UsageError(
                f"budgets.{name}: its nations spend nothing on its path in {y}, so it cannot take extra money"
            )
        new[y] = base + (extra.get(y, 0.0) / paths if paths > 0 else 0.0)
    return spec.model_copy(update={"allocation": new})


def _extra_by_year(scenario: Scenario, budget: Budget, money: ExtraMoney, amount: float) -> dict[int, float]:
    years = fiscal_years(scenario, budget, money.start)
    if not money.yearly:
        years = years[:1]
    # the first fiscal year of the horizon is paid pro rata: a one-off sum is paid whole
    scale = {years[0][0]: 1 / _pro_rata(scenario, budget)} if years[0][1] == 0.0 and not money.yearly else {}
    return {y: amount * scale.get(y, 1.0) for y, _ in years}


def _grant(scenario: Scenario, e: Expansion, money: ExtraMoney, amount: float) -> Expansion:
    """Expansion `e` with its capex paid by a one-off grant as far as it goes (see the module note)."""
    capex = float(mean_of(e.capex))
    paid = min(amount, capex)
    if capex - paid <= capex * 1e-9:  # a share of a sum that pays it whole, up to rounding
        paid = capex
    update: dict[str, Any] = {"capex": capex - paid}
    if paid >= capex and e.start == "when_funded":
        update["start"] = money.start
    return e.model_copy(update=update)


def funded(scenario: Scenario, money: ExtraMoney, items: list[Item], shares: list[float]) -> Scenario:
    """`scenario` with share i of the extra money given to item i."""
    by_budget: dict[str, dict[int, float]] = {}
    for item, share in zip(items, shares, strict=True):
        amount = money.amount * share
        if amount <= 0:
            continue
        if item.budget is not None:
            for y, v in _extra_by_year(scenario, scenario.budgets[item.budget], money, amount).items():
                table = by_budget.setdefault(item.budget, {})
                table[y] = table.get(y, 0.0) + v
            continue
        ((section, owner, e),) = _expansions(scenario)[item.name]
        new = _grant(scenario, e, money, amount)
        if section == "facilities":
            listed = [new if x is e else x for x in scenario.facilities[owner].expansions]
            scenario = replaced(scenario, "facilities", owner, {"expansions": listed})
        else:
            supply = scenario.materials[owner].supply
            assert supply is not None
            listed = [new if x is e else x for x in supply.expansions]
            scenario = replaced(
                scenario, "materials", owner, {"supply": supply.model_copy(update={"expansions": listed})}
            )
    for name, extra in by_budget.items():
        budgets = dict(scenario.budgets)
        budgets[name] = _budget_with_extra(scenario, name, extra)
        scenario = scenario.model_copy(update={"budgets": budgets})
    return scenario
