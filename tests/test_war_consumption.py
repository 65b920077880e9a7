"""War consumption: demand as a schedule, unmet demand, the `unmet` measure and stock targets in
days of demand, against closed forms."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import write_yaml

from sim.errors import ScenarioError
from sim.language.load import load_scenario
from sim.metrics.replication import END_MEASURES


def stockpile(stock: float, demand: str, targets: str, *, plant: str = "", horizon: str = "3 years") -> str:
    """`stock` interceptors at the start drawn by `demand`; optionally a plant making them."""
    facilities = (
        f"""
    facilities:
      plant: {{kind: munitions_factory, product: missile, budget: money, lot: 7 days, {plant}}}"""
        if plant
        else ""
    )
    return f"""
    scenario: war
    start: 2025-01-01
    horizon: {horizon}
    inventory: {{missile: {stock}}}
    budgets:
      money: {{appropriations: {{2025: 1tn}}}}{facilities}
    demand:
      missile: {demand}
    targets: {targets}
    """


UNMET = "[{name: out, product: missile, unmet: 0}, {name: short, product: missile, unmet: 2000}]"


@pytest.mark.parametrize(("stock", "rate"), [(9000, 30), (1234, 7.5), (50_000, 400)])
def test_stock_without_production_runs_out_at_s_over_d(run_yaml, stock: float, rate: float) -> None:
    sim = run_yaml(stockpile(stock, f"{{rate: {rate} per day}}", UNMET))
    assert sim.target_days("out") == pytest.approx(stock / rate, rel=1e-12)
    # unmet demand passes 2000 when 2000 more than the stock has been asked for
    assert sim.target_days("short") == pytest.approx((stock + 2000) / rate, rel=1e-12)
    horizon = sim.scenario.horizon
    unmet = sim.result.end[0, END_MEASURES.index("unmet_demand")]
    assert unmet == pytest.approx(max(0.0, rate * horizon - stock), rel=1e-9)


def test_consumption_from_a_date_runs_out_that_much_later(run_yaml) -> None:
    sim = run_yaml(stockpile(9000, "{rate: 30 per day, from: 2026-01-01}", UNMET))
    assert sim.target_days("out") == pytest.approx(365 + 9000 / 30)


def test_a_schedule_draws_at_each_rate_from_its_date(run_yaml) -> None:
    # 10 a day for 2025 (3,650), then 50 a day: the 10,000 last 365 + 6,350 / 50 days
    schedule = "{schedule: {2025-01-01: 10 per day, 2026-01-01: 50 per day}}"
    sim = run_yaml(stockpile(10_000, schedule, UNMET))
    assert sim.target_days("out") == pytest.approx(365 + (10_000 - 3650) / 50)
    # a schedule ending (`until`) before the stock is spent: never runs out
    sim = run_yaml(stockpile(10_000, schedule.replace("}}", "}, until: 2026-03-01}"), UNMET))
    assert math.isnan(sim.target_days("out"))
    assert sim.result.end[0, END_MEASURES.index("unmet_demand")] == 0.0
    assert sim.result.end[0, END_MEASURES.index("stock")] == pytest.approx(10_000 - 3650 - 50 * 59)


def test_a_schedule_of_distributions_draws_each_rate_once_a_replication(run_yaml) -> None:
    schedule = "{schedule: {2025-01-01: {uniform: [5 per day, 15 per day]}, 2026-01-01: 40 per day}}"
    for seed in range(4):
        sim = run_yaml(stockpile(20_000, schedule, UNMET), seed=seed)
        first = sim.records.draws["demand.missile.schedule.2025-01-01"] * 1.0
        assert 5 <= first <= 15
        assert sim.target_days("out") == pytest.approx(365 + (20_000 - 365 * first) / 40)


@pytest.mark.parametrize(("made", "rate", "lots"), [(300, 100, 2), (150, 100, 7), (1000, 10, 1)])
def test_30_days_of_demand_is_reached_at_the_closed_form_delivery(run_yaml, made: int, rate: int, lots: int) -> None:
    # a week of demand in stock at the start; each weekly lot adds (made - rate) x 7 net: 30 days
    # of demand are in stock after the first lot k with 7 rate + 7 k (made - rate) >= 30 rate
    text = stockpile(
        7 * rate,
        f"{{rate: {rate} per day}}",
        "[{name: month, product: missile, stock: 30 days of demand}]",
        plant=f"capacity: {made} per day",
    )
    sim = run_yaml(text)
    k = math.ceil((30 * rate - 7 * rate) / (7 * (made - rate)) - 1e-12)
    assert k == lots
    assert sim.target_days("month") == pytest.approx(7 * k)


def test_days_of_demand_count_the_heaviest_scheduled_rate(run_yaml) -> None:
    # 20 days of the wartime 100 a day is 2,000: the peacetime 10 a day does not lower it
    schedule = "{schedule: {2025-01-01: 10 per day, 2025-07-01: 100 per day}}"
    targets = "[{name: twenty, product: missile, stock: 20 days of demand}]"
    sim = run_yaml(stockpile(1000, schedule, targets, plant="capacity: 200 per day"))
    t = sim.target_days("twenty")
    # 1,000 + 200 x 7 k - 10 x 7 k >= 2,000 after k = 1 lot (1000 + 1330 = 2330)
    assert t == pytest.approx(7.0)
    below = run_yaml(stockpile(1000, schedule, targets.replace("20 days", "30 days"), plant="capacity: 200 per day"))
    # 3,000 needs 1,000 + 1,330 k >= 3,000: k = 2
    assert below.target_days("twenty") == pytest.approx(14.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_more_stock_or_production_never_runs_out_sooner(run_yaml, seed: int) -> None:
    schedule = (
        "{schedule: {2025-01-01: {uniform: [20 per day, 60 per day]}, 2026-01-01: {uniform: [5 per day, 80 per day]}}}"
    )
    days = []
    for stock, made in [(5000, 10), (8000, 10), (8000, 25)]:
        sim = run_yaml(stockpile(stock, schedule, UNMET, plant=f"capacity: {made} per day"), seed=seed)
        out = sim.target_days("out")
        days.append(math.inf if math.isnan(out) else out)
    assert days[0] <= days[1] <= days[2]


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write_yaml(tmp_path, text, "s.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path))
    return [str(p).replace(str(path), "F") for p in info.value.problems]


@pytest.mark.parametrize(
    ("demand", "targets", "expected"),
    [
        ("{rate: 1 per day, schedule: {2025-01-01: 2 per day}}", "[]", "either 'rate'"),
        ("{schedule: {2025-01-01: 2 per day}, from: 2025-02-01}", "[]", "drop 'from'"),
        ("{schedule: {2025-01-01: 2 per fortnight}}", "[]", "fortnight"),
        ("{rate: 1 per day}", "[{name: x, product: missile, stock: 30 parsecs of demand}]", "duration"),
        ("{rate: 1 per day}", "[{name: x, product: missile, unmet: lots}]", "targets.0.unmet"),
    ],
)
def test_bad_war_consumption_is_a_clear_error(tmp_path: Path, demand: str, targets: str, expected: str) -> None:
    found = problems(tmp_path, stockpile(100, demand, targets))
    assert any(expected in p and p.startswith("F:") for p in found), found


def test_an_unmet_target_needs_demand_for_its_product(tmp_path: Path) -> None:
    text = stockpile(100, "{rate: 1 per day}", UNMET)
    text = text.replace("      missile: {rate: 1 per day}", "      other: {rate: 1 per day}")
    text = text.replace("inventory: {missile: 100}", "inventory: {missile: 100, other: 5}")
    found = problems(tmp_path, text)
    assert any("'demand' has none" in p for p in found), found


def test_a_flat_demand_keeps_its_meaning(run_yaml) -> None:
    # the flat form is one window: the records hold one row, as before schedules
    sim = run_yaml(stockpile(100, "{rate: 2 per day, from: 2025-02-01, until: 2025-03-01}", UNMET))
    assert len(sim.records.demand) == 1
    _, a, b, r = sim.records.demand[0]
    assert (a, b, r) == (31.0, 59.0, 2.0)
    assert np.isnan(sim.target_days("out"))
