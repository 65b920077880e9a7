"""`rearm bottlenecks` names the constraint each hand-made scenario was built to bind."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CliResult, write_yaml

from sim.studies.bottlenecks import CAPACITY_FACTOR, UNLIMITED_MONEY, UNLIMITED_STOCK, relaxations

MONEY_BOUND = """
scenario: money binds
start: 2025-01-01
horizon: 8 years
budgets:
  money: {appropriations: {2025: 100M}}      # 100k shells a year at 1,000 each
materials:
  fill: {initial: 1M, supply: {rate: 10k per year}}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: 1M per year
    lot: 14 days
    unit_cost: 1000
    consumes: {fill: 0.001}
    breakdowns: {mtbf: 2 years, mttr: 1 week}
targets:
  - {name: half million, product: shell, delivered: 500k}
"""

ENERGETICS_BOUND = """
scenario: energetics bind
start: 2025-01-01
horizon: 8 years
budgets:
  money: {appropriations: {2025: 1tn}}
materials:
  energetics: {initial: 10, supply: {rate: 1000 per year}}   # 100k shells a year at 10 kg each
workforce:
  crews: {initial: 500}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: 1M per year
    lot: 14 days
    unit_cost: 1000
    consumes: {energetics: 0.01}
    workforce: {crews: 100}
targets:
  - {name: half million, product: shell, delivered: 500k}
"""

DOCKS_BOUND = """
scenario: docks bind
start: 2025-01-01
horizon: 12 years
budgets:
  navy: {appropriations: {2025: 1tn}}
workforce:
  wrights: {initial: 10000}
facilities:
  barrow:
    kind: shipyard
    product: ssn
    budget: navy
    docks: 1
    hulls: 6
    unit_cost: 1bn
    stages:
      - {name: build, duration: 400 days, dock: true, workforce: {wrights: 100}}
      - {name: trials, duration: 50 days, dock: false}
targets:
  - {name: six boats, product: ssn, delivered: 6}
"""


def bottlenecks(tmp_path: Path, rearm: Callable[..., CliResult], text: str) -> list[dict[str, object]]:
    out = tmp_path / "out"
    res = rearm(
        "bottlenecks", "--no-plots", write_yaml(tmp_path, text), "--out", out, "--jobs", "1", "--replications", "2"
    )
    assert res.code == 0, res.err
    found = json.loads((out / "bottlenecks.json").read_text())
    (gains,) = found.values()
    assert [g["months_earlier"] for g in gains] == sorted((g["months_earlier"] for g in gains), reverse=True)
    assert all(set(g) == {"constraint", "months_earlier"} for g in gains)
    return gains


def test_money_is_the_binding_constraint_when_the_budget_is_short(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    gains = bottlenecks(tmp_path, rearm, MONEY_BOUND)
    assert {g["constraint"] for g in gains} == {"budget:money", "material:fill", "breakdowns:plant", "capacity:plant"}
    assert gains[0]["constraint"] == "budget:money"
    # as written: the 5th appropriation (2029-01-01) pays for the last 100k; unlimited money: 0.5 years
    assert gains[0]["months_earlier"] == pytest.approx((4.0 - 0.5) * 12, abs=1.5)
    assert gains[1]["months_earlier"] < 2


def test_energetics_bind_when_supply_is_short(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    gains = bottlenecks(tmp_path, rearm, ENERGETICS_BOUND)
    assert gains[0]["constraint"] == "material:energetics"
    # 5 years of supply as written, half a year of capacity when the material is unlimited
    assert gains[0]["months_earlier"] == pytest.approx((5.0 - 0.5) * 12, abs=1.5)
    assert {g["constraint"]: g["months_earlier"] for g in gains}["workforce:crews"] == 0


def test_docks_bind_at_a_one_dock_yard(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    gains = bottlenecks(tmp_path, rearm, DOCKS_BOUND)
    assert gains[0]["constraint"] == "docks:barrow"
    # one dock: 6 × 400 + 50 days; unlimited docks: all six in parallel, 450 days
    assert gains[0]["months_earlier"] == pytest.approx((6 * 400 + 50 - 450) / 365.25 * 12, abs=0.01)
    assert {g["constraint"]: g["months_earlier"] for g in gains}["workforce:wrights"] == 0


SHARED_DOCKS = """
scenario: shared docks bind
start: 2025-01-01
horizon: 10 years
budgets:
  navy: {appropriations: {2025: 1tn}}
facilities:
  hall:                       # owns the one dock; its own boat starts after the horizon
    kind: shipyard
    product: ssbn
    budget: navy
    docks: 1
    hulls: 1
    first_start: 2040-01-01
    unit_cost: 1bn
    stages: [{name: build, duration: 400 days, dock: true}]
  subs:                       # builds in the hall's dock ('docks' written here is not used)
    kind: shipyard
    product: ssn
    budget: navy
    shares_docks_with: hall
    docks: 5
    hulls: 3
    unit_cost: 1bn
    stages:
      - {name: build, duration: 300 days, dock: true}
      - {name: trials, duration: 50 days, dock: false}
targets:
  - {name: three boats, product: ssn, delivered: 3}
"""


def test_a_yard_sharing_docks_is_relieved_by_relaxing_the_docks_it_uses(
    tmp_path: Path, rearm: Callable[..., CliResult], load_yaml: Callable[..., object]
) -> None:
    """The docks of a yard that shares another's are that yard's (`docks:hall`): relaxing them is
    tried and brings the sharing yard's target earlier; the sharing yard's own `docks`, which the
    model does not use, are not offered as a constraint that could bind."""
    names = [name for name, _ in relaxations(load_yaml(SHARED_DOCKS).scenario)]  # type: ignore[attr-defined]
    assert names == ["budget:navy", "docks:hall"]
    gains = bottlenecks(tmp_path, rearm, SHARED_DOCKS)
    assert gains[0]["constraint"] == "docks:hall"
    # one dock: 3 × 300 + 50 days; unlimited docks: all three at once, 350 days
    assert gains[0]["months_earlier"] == pytest.approx((3 * 300 + 50 - 350) / 365.25 * 12, abs=0.01)


def test_relaxations_name_every_constraint_of_the_scenario(load_yaml: Callable[..., object]) -> None:
    loaded = load_yaml(MONEY_BOUND)
    names = [name for name, _ in relaxations(loaded.scenario)]  # type: ignore[attr-defined]
    assert names == ["budget:money", "material:fill", "breakdowns:plant", "capacity:plant"]


def test_relaxations_change_the_validated_values_not_the_text(load_yaml: Callable[..., object]) -> None:
    """Each relaxation gives a scenario whose changed value is the number itself (capacity × 100
    exactly, never re-written as rounded text), everything else as it was."""
    loaded = load_yaml(MONEY_BOUND)
    scenario = loaded.scenario  # type: ignore[attr-defined]
    relaxed = {name: relax(scenario) for name, relax in relaxations(scenario)}
    plant = scenario.facilities["plant"]
    assert relaxed["capacity:plant"].facilities["plant"].capacity == plant.capacity * CAPACITY_FACTOR
    assert relaxed["breakdowns:plant"].facilities["plant"].breakdowns is None
    assert relaxed["material:fill"].materials["fill"].initial == UNLIMITED_STOCK
    money = relaxed["budget:money"].budgets["money"]
    assert money.appropriations == {2024: UNLIMITED_MONEY, 2025: UNLIMITED_MONEY}
    assert money.fiscal_year_start == scenario.budgets["money"].fiscal_year_start
    for name, changed in relaxed.items():
        assert changed.targets == scenario.targets, name
    assert scenario.facilities["plant"].capacity == plant.capacity  # (the scenario as loaded is never edited)
