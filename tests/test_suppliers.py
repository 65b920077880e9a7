"""Fragile supply (`materials.X.suppliers`, `sim.model.suppliers`): disruptions, shares and
priorities, a material's price, and their reporting, against closed forms."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import scenario_of, simulate_scenario, supplied, write_yaml

from sim.errors import ScenarioError
from sim.language.load import load_scenario
from sim.language.units import DAYS_PER_YEAR
from sim.metrics.series import Deliveries
from sim.metrics.supply import covered_days, supplier_use
from sim.model.learning import UnitCost
from sim.model.replication import simulate
from sim.studies.replications import replication_seed

YEAR = DAYS_PER_YEAR
SUPPLY = 3652.5  # units of material a year: 10 a day
DISRUPTION_START = 365.0  # 2026-01-01, the day after 2025


def plant(
    material: dict[str, Any], *, use: float = 1.0, unit_cost: Any = 1.0, money: float = 1e12, horizon: str = "4 years"
) -> dict[str, Any]:
    """One plant of ten times the material's rate in daily lots, fed by `material` (`nc`)."""
    return {
        "scenario": "suppliers",
        "start": "2025-01-01",
        "horizon": horizon,
        "budgets": {"b": {"appropriations": {2025: money}}},
        "materials": {"nc": material},
        "facilities": {
            "plant": {
                "kind": "munitions_factory",
                "product": "shell",
                "budget": "b",
                "capacity": f"{10 * SUPPLY / use} per year",
                "lot": "1 day",
                "unit_cost": unit_cost,
                "consumes": {"nc": use},
            }
        },
    }


def started(data: dict[str, Any], seed: int = 0, fast: bool = True) -> float:
    """Units started by the horizon."""
    records = simulate(scenario_of(data), replication_seed(seed, 0), fast=fast)
    return sum(u for _, _, u in records.starts)


def delivered(data: dict[str, Any]) -> float:
    """Units delivered by the horizon."""
    sim = simulate_scenario(scenario_of(data))
    return float(Deliveries.of(sim.records, 0).at(sim.scenario.horizon))


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("use", [1.0, 2.5])
def test_a_disruption_to_30_percent_for_six_months_costs_exactly_70_percent_of_its_supply(
    use: float, fast: bool
) -> None:
    steady = {"suppliers": {"china": {"rate": f"{SUPPLY} per year"}}}
    cut = {
        "suppliers": {
            "china": {
                "rate": f"{SUPPLY} per year",
                "disruptions": [{"from": "2026-01-01", "for": "6 months", "to": "30%"}],
            }
        }
    }
    lost = 0.7 * SUPPLY / YEAR * (YEAR / 2) / use  # 70% of six months' supply, in units
    assert started(plant(steady, use=use), fast=fast) - started(plant(cut, use=use), fast=fast) == pytest.approx(
        lost, rel=1e-9
    )
    # a plant bound by supply makes what it is supplied: all of it, less the last day's lot in progress
    assert delivered(plant(steady, use=use)) - delivered(plant(cut, use=use)) == pytest.approx(lost, rel=1e-9)


@pytest.mark.parametrize(("spare", "gap_filled"), [(0.5, 0.5), (1.2, 1.0), (0.3, 0.3)])
def test_the_second_supplier_fills_the_first_ones_gap_up_to_its_rate(spare: float, gap_filled: float) -> None:
    # order Q split 70/30; the first stops altogether for six months; the second, able to
    # deliver `spare` x Q, delivers min(spare, 1) x Q meanwhile: the gap filled is that less 30%
    q = SUPPLY
    suppliers = {
        "order": f"{q} per year",
        "suppliers": {
            "china": {
                "rate": f"{q} per year",
                "share": "70%",
                "disruptions": [{"from": "2026-01-01", "for": "6 months"}],
            },
            "rest": {"rate": f"{spare * q} per year", "share": "30%"},
        },
    }
    undisrupted = {
        **suppliers,
        "suppliers": {**suppliers["suppliers"], "china": {"rate": f"{q} per year", "share": "70%"}},
    }
    six_months = q / YEAR * YEAR / 2
    lost = (1.0 - gap_filled) * six_months if spare < 1 else 0.0
    expected_rest = 0.3 * q / YEAR * 4 * YEAR + (min(spare, 1.0) - 0.3) * six_months
    assert started(plant(undisrupted)) - started(plant(suppliers)) == pytest.approx(lost, rel=1e-9, abs=1e-6)
    records = simulate(scenario_of(plant(suppliers)), replication_seed(0, 0))
    use = supplier_use(records, 4 * YEAR)["nc"]["suppliers"]
    assert use["rest"]["delivered"] == pytest.approx(expected_rest, rel=1e-12)
    assert use["china"]["delivered"] == pytest.approx(0.7 * q / YEAR * 4 * YEAR - 0.7 * six_months, rel=1e-12)
    assert use["china"]["disrupted_days"] == pytest.approx(YEAR / 2)


def test_priorities_fill_the_order_lowest_first_and_lead_times_delay_each_supplier() -> None:
    q = SUPPLY
    material = {
        "order": f"{q} per year",
        "suppliers": {
            "backup": {"rate": f"{q} per year", "priority": 2, "lead_time": "30 days"},
            "main": {"rate": f"{0.6 * q} per year", "priority": 1, "lead_time": "10 days"},
        },
    }
    records = simulate(scenario_of(plant(material)), replication_seed(0, 0))
    steps = {(s, day): rate * YEAR for _, s, day, rate in records.supplier_supply}
    assert steps == pytest.approx({("main", 10.0): 0.6 * q, ("backup", 30.0): 0.4 * q})
    # the plant started what arrived by the horizon, less at most the last day's (daily lots drain the stock)
    h = 4 * YEAR
    arrived = 0.6 * q / YEAR * (h - 10) + 0.4 * q / YEAR * (h - 30)
    assert arrived - q / YEAR <= started(plant(material)) <= arrived * (1 + 1e-12)


@pytest.mark.parametrize("learning", [1.0, 0.9])
def test_a_lots_money_includes_its_materials_at_their_price(learning: float) -> None:
    # money-bound: 1M a year buys units at 1000 each plus 2.5 units of material at 120 each: 1M / 1300 a year
    material = {"initial": 1e9, "price": 120}
    cost: Any = 1000.0 if learning == 1.0 else {"first_unit": 1000.0, "learning": learning}
    records = simulate(scenario_of(plant(material, use=2.5, unit_cost=cost, money=1e6)), replication_seed(0, 0))
    units = sum(u for _, _, u in records.starts)
    spent = sum(row[3] for row in records.spending)
    money = sum(a for _, _, _, a in records.appropriations)  # (1M a year, four years)
    assert money == pytest.approx(4e6)
    assert spent == pytest.approx(money, rel=1e-9)  # it spent the money, all of it ...
    if learning == 1.0:
        assert units == pytest.approx(money / (1000 + 2.5 * 120), rel=1e-9)  # ... on units and their material
    else:  # Σ 1000·i^b over the units, plus 300 a unit: the money (the sum in closed form, term by term)
        b = math.log2(learning)
        whole = int(units)
        made = 1000 * sum(i**b for i in range(1, whole + 1)) + 1000 * (units - whole) * (whole + 1) ** b
        assert made + 300 * units == pytest.approx(money, rel=1e-6)
    free = simulate(scenario_of(plant({"initial": 1e9}, use=2.5, unit_cost=cost, money=1e6)), replication_seed(0, 0))
    assert sum(u for _, _, u in free.starts) > units  # (the price costs units)


@pytest.mark.parametrize("made", [0.0, 10.0, 5000.0])
def test_units_affordable_with_a_price_cost_the_money(made: float) -> None:
    cost = UnitCost(2000.0, 0.85, materials=75.0)
    n = cost.affordable(made, 3e6)
    assert cost.cost(made, n) == pytest.approx(3e6, rel=1e-9)
    assert cost.cost(made, 10) == pytest.approx(UnitCost(2000.0, 0.85).cost(made, 10) + 750.0)


RANDOM = {
    "suppliers": {
        "far": {
            "rate": f"{SUPPLY} per year",
            "disruptions": [{"mean_time_between": "60 days", "mean_duration": "20 days", "to": "25%"}],
        }
    }
}


def test_random_disruptions_are_the_same_for_a_seed_and_differ_between_seeds() -> None:
    s = scenario_of(plant(RANDOM))
    one, again, other = (simulate(s, replication_seed(seed, 0)).disruptions for seed in (7, 7, 8))
    assert one == again and len(one) > 10
    assert one != other
    # on the plain path too (the draws are the scenario's, not the path's)
    assert simulate(s, replication_seed(7, 0), fast=False).disruptions == one


def test_random_downtime_fraction_is_mttr_over_mtbf_plus_mttr() -> None:
    # 10 years of 60-day ups and 20-day downs: 25% down. Over 200 replications the mean down
    # share has a standard error near 0.003 (each replication's near 0.04, about 45 cycles);
    # starting up biases it low by about 20·60/80/3652 = 0.004. Tolerance 0.02.
    s = scenario_of(plant(RANDOM, horizon="10 years"))
    horizon = s.horizon
    shares, supplied = [], []
    for r in range(200):
        records = simulate(s, replication_seed(3, r))
        periods = [(a, b) for _, _, a, b, _ in records.disruptions]
        shares.append(covered_days(periods) / horizon)
        supplied.append(supplier_use(records, horizon)["nc"]["suppliers"]["far"]["delivered"])
        # what arrived is the rate, less 75% of it while down (closed form, each replication)
        assert supplied[-1] == pytest.approx(SUPPLY / YEAR * (horizon - 0.75 * covered_days(periods)), rel=1e-9)
    assert float(np.mean(shares)) == pytest.approx(20 / 80, abs=0.02)


def test_the_summary_and_detail_report_suppliers(tmp_path: Path) -> None:
    from sim.metrics.detail import replication_detail
    from sim.metrics.replication import measure, month_grid

    s = scenario_of(plant(RANDOM))
    records = simulate(s, replication_seed(0, 0))
    detail = replication_detail(s, records, 0)
    assert {d["supplier"] for d in detail["disruptions"]} == {"far"}
    assert len(detail["disruptions"]) == len(records.disruptions)
    result = measure(s, records, 0, month_grid(s.start, s.horizon)[1])
    waited = result.time_use["plant"].get("material:nc", 0.0)
    assert result.supply["nc"]["waiting_days"] == pytest.approx(waited) and waited > 0


A = "    suppliers:\n      a:\n        rate: 80 per year\n        disruptions: ["
BAD = """\
scenario: bad
start: 2025-01-01
horizon: 2 years
budgets:
  b: {appropriations: {2025: 1bn}}
materials:
  nc:
MATERIAL
facilities:
  plant: {kind: munitions_factory, product: shell, budget: b, capacity: 1000 per year, consumes: {nc: 1}}
"""


@pytest.mark.parametrize(
    ("material", "expected"),
    [
        (
            "    order: 100 per year\n    suppliers:\n      a: {rate: 80 per year, share: 60%}\n"
            "      b: {rate: 80 per year, share: 30%}",
            "F:7: materials.nc: suppliers' shares must add up to 100%, got 90.0%",
        ),
        (
            "    supply: {rate: 5 per year}\n    suppliers:\n      a: {rate: 80 per year}",
            "materials.nc: write 'supply' (one supplier) or 'suppliers' (several), not both",
        ),
        (
            "    suppliers:\n      a: {rate: 80 per year, share: 100%}",
            "suppliers with shares or priorities need the material's 'order'",
        ),
        (
            A + "{from: 2026-01-01}]",
            "F:11: materials.nc.suppliers.a.disruptions.0: a scheduled disruption needs both 'from' (a date) and 'for'",
        ),
        (
            A + "{from: 2026-01-01, for: 1 year, to: 130%}]",
            "'to' is the share of its rate a disrupted supplier still delivers, from 0% to below 100%, got 130%",
        ),
        (
            A + "{mean_time_betwen: 1 year, mean_duration: 1 month}]",
            "did you mean 'mean_time_between'",
        ),
        (
            A + "{mean_time_between: 0 days, mean_duration: 1 month}]",
            "'mean_time_between' must be longer than zero",
        ),
        (
            "    suppliers:\n      - {rate: 80 per year}",
            "a supplier in a list needs a 'name'",
        ),
        ("    price: -3", "F:8: materials.nc.price: must not be negative, got -3"),
    ],
)
def test_bad_suppliers_get_a_clear_error(tmp_path: Path, material: str, expected: str) -> None:
    path = write_yaml(tmp_path, BAD.replace("MATERIAL", material), "s.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path))
    text = "\n".join(str(p).replace(str(path), "F") for p in info.value.problems)
    assert expected in text, text


def test_a_list_of_suppliers_is_a_mapping_by_name(tmp_path: Path) -> None:
    text = BAD.replace(
        "MATERIAL", "    suppliers:\n      - {name: a, rate: 80 per year}\n      - {name: b, rate: 20 per year}"
    )
    scenario = load_scenario(str(write_yaml(tmp_path, text, "s.yaml"))).scenario
    assert list(scenario.materials["nc"].suppliers) == ["a", "b"]
    assert scenario.materials["nc"].suppliers["b"].rate == pytest.approx(20 / YEAR)


@pytest.mark.parametrize("lead", [0, 45])
def test_a_single_supply_disrupted_loses_its_share_of_whatever_it_delivers_then(lead: int) -> None:
    # the supply (and an expansion ramping up during the cut) delivers 40% from 2026-01-01 for a
    # year: what arrives is the undisrupted supply less 60% of what it would have delivered then
    supply: dict[str, Any] = {
        "rate": f"{SUPPLY} per year",
        "lead_time": f"{lead} days",
        "expansions": [
            {
                "name": "x",
                "capacity": f"{SUPPLY} per year",
                "start": "2025-10-01",
                "construction": "6 months",
                "ramp_up": "8 months",
            }
        ],
    }
    cut = {**supply, "disruptions": [{"from": "2026-01-01", "for": "365 days", "to": "40%"}]}
    base = simulate(scenario_of(plant({"supply": supply})), replication_seed(0, 0))
    hit = simulate(scenario_of(plant({"supply": cut})), replication_seed(0, 0))
    a, b = DISRUPTION_START + lead, DISRUPTION_START + 365 + lead
    for t in (a - 1, a + 100, b, b + 200, 4 * YEAR):
        inside = supplied(base, 0, min(max(t, a), b)) - supplied(base, 0, a)
        assert supplied(hit, 0, t) == pytest.approx(supplied(base, 0, t) - 0.6 * inside, rel=1e-9)
    assert hit.disruptions == [(0, "supply", DISRUPTION_START, DISRUPTION_START + 365, 0.4)]
    use = supplier_use(hit, 4 * YEAR)["nc"]["suppliers"]["supply"]
    assert use["delivered"] == pytest.approx(supplied(hit, 0, 4 * YEAR), rel=1e-9)
    assert use["disrupted_days"] == 365


def test_the_linters_cut_scenario_is_the_european_one_with_only_the_disruption() -> None:
    # (the comparison "what if linters are cut" means something only if nothing else differs)
    root = Path(__file__).resolve().parents[1] / "scenarios"
    base, cut = (
        load_scenario(str(root / name)).scenario for name in ("european_155mm.yaml", "european_155mm_linters_cut.yaml")
    )
    propellant = cut.materials["propellant"]
    assert propellant.supply is not None and len(propellant.supply.disruptions) == 1
    undisrupted = propellant.model_copy(update={"supply": propellant.supply.model_copy(update={"disruptions": []})})
    same = cut.model_copy(update={"scenario": base.scenario, "materials": {**cut.materials, "propellant": undisrupted}})
    assert same == base
