"""Deterministic scenarios whose answers are known in closed form (no distributions anywhere)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from sim.language.units import DAYS_PER_YEAR
from sim.metrics.replication import TIMELINE_MEASURES, demand_window, month_grid
from sim.metrics.series import Capacity, Deliveries, Stock

YEAR = DAYS_PER_YEAR


def factory_scenario(
    *,
    capacity: str,
    lot: str = "7 days",
    unit_cost: str = "1",
    budget: str = "{2025: 1tn}",
    budget_extra: str = "",
    extra: str = "",
    horizon: str = "3 years",
    start: str = "2025-01-01",
    targets: str = "[]",
    materials: str = "{}",
) -> str:
    """One factory making `shell` from one budget; the rest is given by the caller."""
    return f"""
    scenario: closed form
    start: {start}
    horizon: {horizon}
    budgets:
      money:
        appropriations: {budget}
        {budget_extra}
    materials: {materials}
    facilities:
      plant:
        kind: munitions_factory
        product: shell
        budget: money
        capacity: {capacity}
        lot: {lot}
        unit_cost: {unit_cost}
        {extra}
    targets: {targets}
    """


def day(date: str, start: dt.date = dt.date(2025, 1, 1)) -> float:
    return float((dt.date.fromisoformat(date) - start).days)


@pytest.mark.parametrize(
    ("capacity_per_day", "lot_days", "n"),
    [(1000, 7, 50_000), (1000, 7, 49_000), (250, 30, 1_000_000), (40, 1, 1234)],
)
def test_constant_capacity_unlimited_money_reaches_n_at_n_over_c_within_one_lot(
    run_yaml, capacity_per_day: float, lot_days: float, n: int
) -> None:
    text = factory_scenario(
        capacity=f"{capacity_per_day} per day",
        lot=f"{lot_days} days",
        horizon="20 years",
        targets=f"[{{name: n, product: shell, delivered: {n}}}]",
    )
    sim = run_yaml(text)
    t = sim.target_days("n")
    ideal = n / capacity_per_day
    assert ideal <= t <= ideal + lot_days + 1e-9
    # Exactly: lots of C·L units, each delivered at the end of its lot.
    assert t == pytest.approx(math.ceil(n / (capacity_per_day * lot_days) - 1e-12) * lot_days)


@pytest.mark.parametrize("capacity_per_year", ["100k per year", "20k per year"])
def test_money_limited_production_reaches_n_in_the_fiscal_year_money_reaches_n_times_c(
    run_yaml, capacity_per_year: str
) -> None:
    # B = 10M a year arriving whole on 1 January, c = 1000: 10,000 units a year at most. The
    # 100k plant spends a year's money in its first lot; the 20k plant runs out mid-year.
    # N·c = 25M: cumulative money reaches it in fiscal year 2027 (10M, 20M, 30M).
    text = factory_scenario(
        capacity=capacity_per_year,
        lot="1 month",
        unit_cost="1000",
        budget="{2025: 10M}",
        horizon="6 years",
        targets="[{name: n, product: shell, delivered: 25000}]",
    )
    sim = run_yaml(text)
    t = sim.target_days("n")
    assert day("2027-01-01") <= t < day("2028-01-01")
    assert t / YEAR == pytest.approx(25_000 * 1000 / 10e6, abs=1.0)  # "about N·c/B"
    deliveries = Deliveries.of(sim.records, 0)
    for i, fy in enumerate(range(2025, 2031)):
        # deliveries never exceed the cumulative appropriations / c
        end_of_year = day(f"{fy + 1}-01-01") - 1e-6
        assert deliveries.at(end_of_year) <= (i + 1) * 10e6 / 1000 * (1 + 1e-9)
    spent = sum(row[3] for row in sim.records.spending)
    appropriated = sum(row[3] for row in sim.records.appropriations)
    assert spent <= appropriated * (1 + 1e-12)


def test_money_limited_with_a_big_plant_buys_each_years_money_at_the_fiscal_year_start(run_yaml) -> None:
    text = factory_scenario(
        capacity="1M per year", lot="10 days", unit_cost="1000", budget="{2025: 10M}", horizon="1090 days"
    )
    sim = run_yaml(text)
    assert [round(t, 6) for t, _, _ in sim.records.starts] == [0.0, 365.0, 730.0]
    assert [q for _, _, q in sim.records.starts] == pytest.approx([10_000] * 3)
    assert [t for t, _, _, _, _ in sim.records.deliveries] == pytest.approx([10.0, 375.0, 740.0])


def test_linear_ramp_up_delivers_the_capacity_time_integral(run_yaml) -> None:
    c = 1000.0  # per day
    ramp = 100.0
    lot = 5.0
    text = factory_scenario(
        capacity=f"{c:g} per day",
        lot=f"{lot:g} days",
        horizon="1 year",
        extra=f"ramp_up: {ramp:g} days",
        targets="[{name: half, product: shell, capacity: 500 per day}]",
    )
    sim = run_yaml(text)
    deliveries = Deliveries.of(sim.records, 0)

    def integral(t: float) -> float:
        return c * t * t / (2 * ramp) if t <= ramp else c * (t - ramp / 2)

    ends = np.arange(1, 60) * lot
    assert deliveries.times[:59] == pytest.approx(ends)
    assert deliveries.at(ends) == pytest.approx([integral(t) for t in ends], rel=1e-9)
    # Installed capacity rises linearly: half way up at R/2, full at R.
    assert sim.target_days("half") == pytest.approx(ramp / 2)
    capacity = Capacity.of(sim.records, 0)
    assert capacity.at([0.0, 25.0, 100.0, 200.0]) == pytest.approx([0.0, 250.0, 1000.0, 1000.0])


def test_ramp_up_starts_at_available_from(run_yaml) -> None:
    text = factory_scenario(
        capacity="1000 per day",
        lot="10 days",
        extra="ramp_up: 100 days\n        available_from: 2025-04-11",
        horizon="1 year",
    )
    sim = run_yaml(text)
    t0 = day("2025-04-11")
    assert sim.records.starts[0][0] == t0
    assert Capacity.of(sim.records, 0).at([t0, t0 + 50, t0 + 100]) == pytest.approx([0.0, 500.0, 1000.0])
    assert Deliveries.of(sim.records, 0).at(t0 + 100) == pytest.approx(1000 * 100 / 2)


def test_a_plant_that_ramped_up_before_the_start_is_at_full_capacity_at_start(run_yaml) -> None:
    text = factory_scenario(
        capacity="1000 per day",
        extra="ramp_up: 1 year\n        available_from: 2020-01-01",
        horizon="1 year",
        targets="[{name: five, product: shell, capacity: 5x}]",
    )
    sim = run_yaml(text)
    assert Capacity.of(sim.records, 0).at(0.0)[0] == pytest.approx(1000.0)
    assert sim.records.starts[0][2] == pytest.approx(7000.0)
    assert math.isnan(sim.target_days("five"))  # 5x of 1000 a day is never installed


def test_a_plant_part_way_up_its_ramp_at_the_start_continues_from_there(run_yaml) -> None:
    # opened 100 days before the start with a 400-day ramp: a quarter up at the start
    text = factory_scenario(
        capacity="1000 per day",
        lot="10 days",
        extra="ramp_up: 400 days\n        available_from: 2024-09-23",
        horizon="1 year",
        targets="[{name: half, product: shell, capacity: 500 per day}, {name: double, product: shell, capacity: 2x}]",
    )
    sim = run_yaml(text)
    assert day("2024-09-23") == -100
    assert Capacity.of(sim.records, 0).at([0.0, 300.0]) == pytest.approx([250.0, 1000.0])
    assert sim.records.starts[0][2] == pytest.approx(10 * 250 + 1000 * 10**2 / 2 / 400)
    assert sim.target_days("half") == pytest.approx(100.0)
    assert sim.target_days("double") == pytest.approx(100.0)  # 2 × the 250 a day at start


def test_relative_capacity_target_is_a_multiple_of_capacity_installed_at_start(run_yaml) -> None:
    # 100 a day at start; an expansion adds 400 a day, built in 100 days from 1 Feb, ramping 50 days.
    text = factory_scenario(
        capacity="100 per day",
        extra="""expansions:
          - {name: big, capacity: 400 per day, capex: 0, construction: 100 days, start: 2025-02-01,
             ramp_up: 50 days}""",
        targets="[{name: five, product: shell, capacity: 5x}, {name: three, product: shell, capacity: 3x}]",
    )
    sim = run_yaml(text)
    online = day("2025-02-01") + 100
    assert sim.target_days("five") == pytest.approx(online + 50)
    assert sim.target_days("three") == pytest.approx(online + 25)


def wright_sum(a: float, learning: float, n: int) -> float:
    i = np.arange(1, n + 1, dtype=float)
    return float(a * np.sum(i ** math.log2(learning)))


@pytest.mark.parametrize("learning", [0.95, 0.9, 0.8])
def test_wrights_law_money_spent_matches_the_discrete_sum(run_yaml, learning: float) -> None:
    a = 5000.0
    text = factory_scenario(
        capacity="100 per day",
        lot="7 days",
        horizon="100 days",
        unit_cost=f"{{first_unit: {a:g}, learning: {learning * 100:g}%}}",
    )
    sim = run_yaml(text)
    started = sum(q for _, _, q in sim.records.starts)
    assert started == pytest.approx(15 * 700)  # lots start on days 0, 7, ..., 98
    spent = sum(row[3] for row in sim.records.spending)
    assert spent == pytest.approx(wright_sum(a, learning, 10_500), rel=0.01)  # the tolerance
    assert spent == pytest.approx(wright_sum(a, learning, 10_500), rel=1e-6)  # what the model achieves
    # and unit by unit the cost falls: the last lot costs less per unit than the first
    costs = [row[3] for row in sim.records.spending]
    assert costs[-1] < costs[0]


@pytest.mark.parametrize("learning", [0.9, 0.7])
def test_wrights_law_first_units_cost_exactly_the_sum(learning: float) -> None:
    from sim.model.learning import UnitCost

    cost = UnitCost(1000.0, learning)
    assert cost.cost(0, 1) == pytest.approx(1000.0, rel=1e-12)  # the first unit costs first_unit
    assert cost.cost(1, 1) == pytest.approx(1000.0 * learning, rel=1e-12)  # one doubling
    for n in (3, 17, 1024, 1025, 4096):
        assert cost.cumulative(n) == pytest.approx(wright_sum(1000.0, learning, n), rel=1e-8)
    for made, money in ((0, 1500.0), (10, 1e5), (3000, 1e7)):
        assert cost.cost(made, cost.affordable(made, money)) == pytest.approx(money, rel=1e-9)


def test_carry_over_keeps_unspent_money_and_lapse_loses_it(run_yaml) -> None:
    # 1000 a year; the plant only opens at the start of 2026, so 2025's money is unspent then.
    def run(carry: str):
        text = factory_scenario(
            capacity="1M per day",
            budget="{2025: 1000}",
            budget_extra=f"carry_over: {carry}",
            extra="available_from: 2026-01-01",
            horizon="1090 days",
        )
        return run_yaml(text)

    kept, lapsed = run("true"), run("false")
    assert [q for _, _, q in kept.records.starts] == pytest.approx([2000, 1000])
    assert [q for _, _, q in lapsed.records.starts] == pytest.approx([1000, 1000])
    assert kept.result.budgets[0].tolist() == pytest.approx([3000, 3000, 0])  # appropriated, spent, lapsed
    assert lapsed.result.budgets[0].tolist() == pytest.approx([3000, 2000, 1000])
    assert [(t, a) for t, _, a in lapsed.records.lapses] == [(365.0, pytest.approx(1000))]


def test_lapse_takes_only_what_is_unspent_at_the_year_end(run_yaml) -> None:
    # 1000 a year at unit cost 1; the plant makes 600 a year, so 400 lapse at each year end.
    text = factory_scenario(
        capacity="600 per year",
        lot="1 year",
        budget="{2025: 1000}",
        budget_extra="carry_over: false",
        horizon="1090 days",
    )
    sim = run_yaml(text)
    assert [a for _, _, a in sim.records.lapses] == pytest.approx([400, 400])
    assert sim.result.budgets[0].tolist() == pytest.approx([3000, 1800, 800])


@pytest.mark.parametrize("inflation", [0.03, 0.10])
def test_inflation_raises_cost_by_compounding_each_fiscal_year(run_yaml, inflation: float) -> None:
    # 10M a year buys 10M / (1000 · (1+i)^k) units in the k-th fiscal year after the start.
    text = factory_scenario(
        capacity="1M per year",
        lot="10 days",
        unit_cost="1000",
        budget="{2025: 10M}",
        budget_extra=f"inflation: {inflation * 100:g}%",
        horizon="1450 days",
    )
    sim = run_yaml(text)
    units = [q for _, _, q in sim.records.starts]
    assert units == pytest.approx([10_000 / (1 + inflation) ** k for k in range(4)], rel=1e-9)
    assert sum(row[3] for row in sim.records.spending) == pytest.approx(40e6, rel=1e-9)


def test_inflation_applies_to_unit_cost_with_unlimited_money(run_yaml) -> None:
    text = factory_scenario(
        capacity="100 per day",
        lot="73.05 days",  # five lots a year, the first on 1 January
        unit_cost="10",
        budget_extra="inflation: 5%",
        horizon="2 years",
    )
    sim = run_yaml(text)
    for t, _, _, amount, _ in sim.records.spending:
        k = sum(t >= day(f"{y}-01-01") for y in (2026, 2027))
        assert amount == pytest.approx(7305 * 10 * 1.05**k)


def test_fiscal_year_containing_the_start_is_pro_rated(run_yaml) -> None:
    text = factory_scenario(capacity="1 per day", start="2025-07-01", budget="{2025: 365M, 2026: 730M}")
    sim = run_yaml(text)
    rows = [(t, fy, a) for t, _, fy, a in sim.records.appropriations]
    remaining = (dt.date(2026, 1, 1) - dt.date(2025, 7, 1)).days  # 184 days of 365
    assert rows[0] == (0.0, 2025, pytest.approx(365e6 * remaining / 365))
    assert rows[1] == (float(remaining), 2026, pytest.approx(730e6))
    assert rows[2][1:] == (2027, pytest.approx(730e6))  # after the last listed year it holds


def test_fiscal_year_named_for_the_calendar_year_it_starts_in(run_yaml) -> None:
    # Fiscal year Y starts on 1 October of Y: the start (1 Jan 2025) falls in FY 2024.
    text = factory_scenario(
        capacity="1 per day",
        budget="{2024: 100M, 2026: 300M}",
        budget_extra="fiscal_year_start: 10-01\n        growth: 10%",
        horizon="4 years",
    )
    sim = run_yaml(text)
    rows = [(t, fy, a) for t, _, fy, a in sim.records.appropriations]
    first_left = (dt.date(2025, 10, 1) - dt.date(2025, 1, 1)).days
    fy_len = (dt.date(2025, 10, 1) - dt.date(2024, 10, 1)).days
    assert rows[0] == (0.0, 2024, pytest.approx(100e6 * first_left / fy_len))
    assert rows[1] == (float(first_left), 2025, pytest.approx(200e6))  # interpolated
    assert rows[2] == (day("2026-10-01"), 2026, pytest.approx(300e6))
    assert rows[3] == (day("2027-10-01"), 2027, pytest.approx(330e6))  # growth after the last year


def test_gdp_share_budget_is_gdp_times_share_times_allocation(run_yaml) -> None:
    text = factory_scenario(capacity="1 per day", budget="null", horizon="1090 days").replace(
        "appropriations: null",
        "gdp: {2025: 1tn, growth: 10%}\n        share_of_gdp: {2025: 2%, 2027: 3%}\n        allocation: 50%",
    )
    sim = run_yaml(text)
    amounts = [a for _, _, _, a in sim.records.appropriations]
    assert amounts == pytest.approx([1e12 * 0.02 * 0.5, 1.1e12 * 0.025 * 0.5, 1.21e12 * 0.03 * 0.5])


@pytest.mark.parametrize(("supply", "use", "lead"), [(3650, 0.5, 0), (36525, 2.0, 30)])
def test_material_limited_factory_runs_at_supply_rate_over_use(run_yaml, supply: float, use: float, lead: int) -> None:
    rate = supply / YEAR / use  # units a day the material allows
    text = factory_scenario(
        capacity=f"{rate * 3:.6f} per day",  # three times what the material allows
        lot="7 days",
        horizon="4 years",
        materials=f"{{fill: {{supply: {{rate: {supply} per year, lead_time: {lead} days}}}}}}",
        extra=f"consumes: {{fill: {use}}}",
    )
    sim = run_yaml(text)
    deliveries = Deliveries.of(sim.records, 0)
    horizon = sim.scenario.horizon
    # In steady state each weekly lot uses exactly the week's supply ...
    steady = np.diff(deliveries.cumulative)[-20:]
    assert steady == pytest.approx([rate * 7] * 20, rel=1e-9)
    # ... so the last year's output is the supply rate over the use (52 or 53 weekly lots in it).
    assert deliveries.trailing_year(horizon) / YEAR == pytest.approx(rate, rel=0.02)
    # Never more than the material that has arrived allows, and at most a few lots behind it.
    for t in deliveries.times:
        arrived = supply / YEAR * max(0.0, t - lead)
        assert deliveries.at(t) <= arrived / use * (1 + 1e-9)
        assert deliveries.at(t) >= arrived / use - 3 * 7 * rate * 3
    assert "material:fill" in sim.result.time_use["plant"]


def test_demand_drawdown_gives_stock_delivered_minus_consumed(run_yaml, load_yaml) -> None:
    text = factory_scenario(capacity="1000 per day", lot="10 days", horizon="2 years").replace(
        "targets: []",
        "inventory: {shell: 50000}\n    demand: {shell: {rate: 600 per day, from: 2025-03-01, until: 2026-03-01}}\n"
        "    targets: [{name: stock, product: shell, stock: 2x}]",
    )
    sim = run_yaml(text)
    deliveries = Deliveries.of(sim.records, 0)
    d_from, d_until = day("2025-03-01"), day("2026-03-01")
    stock = Stock.build(50000, deliveries, demand_window(sim.records, 0), sim.scenario.horizon)
    dates, grid = month_grid(sim.scenario.start, sim.scenario.horizon)
    consumed = 600 * np.clip(grid - d_from, 0, d_until - d_from)
    expected = 50000 + deliveries.at(grid) - consumed
    assert stock.at(grid) == pytest.approx(expected)
    assert stock.unmet == 0
    # the same numbers in the timeline of the replication
    assert sim.result.timeline[0, TIMELINE_MEASURES.index("stock")] == pytest.approx(expected)
    # stock reaches 100k (2x) when 50k more are delivered than consumed
    t = sim.target_days("stock")
    assert 50000 + deliveries.at(t) - 600 * np.clip(t - d_from, 0, None) >= 100000 - 1e-6
    assert 50000 + deliveries.at(t - 1e-6) - 600 * np.clip(t - d_from, 0, None) < 100000


def test_demand_beyond_stock_is_unmet_and_stock_never_negative(run_yaml) -> None:
    text = factory_scenario(capacity="100 per day", lot="10 days", horizon="1 year").replace(
        "targets: []", "inventory: {shell: 1000}\n    demand: {shell: {rate: 300 per day}}\n    targets: []"
    )
    sim = run_yaml(text)
    deliveries = Deliveries.of(sim.records, 0)
    horizon = sim.scenario.horizon
    stock = Stock.build(1000, deliveries, demand_window(sim.records, 0), horizon)
    _, grid = month_grid(sim.scenario.start, horizon)
    assert (stock.at(grid) >= 0).all()
    consumed = 1000 + deliveries.at(horizon)[()] - stock.at(horizon)[()]
    assert stock.unmet == pytest.approx(300 * horizon - consumed)
    assert sim.result.end[0, -1] == pytest.approx(stock.unmet)  # unmet_demand at the horizon
