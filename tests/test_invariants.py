"""Invariants checked at the end of every replication, and model failures reported with their
context: a broken conservation law is a loud ModelError, never a silently wrong answer."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import plain_path_everywhere, scenario_of
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ModelError
from sim.language.load import load_scenario
from sim.metrics.replication import measure, month_grid
from sim.model import replication
from sim.model.invariants import check_invariants
from sim.model.kinds import FACILITY_CLASSES
from sim.model.world import World
from sim.studies.replications import replication_seed

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(ROOT.glob("scenarios/**/*.yaml"))


class Checked:
    """What the end-of-run check saw: the world, the facilities' products and the checks made."""

    def __init__(self) -> None:
        self.calls: list[tuple[World, list[int], int]] = []

    def __call__(self, world: World, product_of: list[int]) -> int:
        n = check_invariants(world, product_of)
        self.calls.append((world, product_of, n))
        return n


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[Checked]:
    spy = Checked()
    monkeypatch.setattr(replication, "check_invariants", spy)
    yield spy


def _simulable(path: Path) -> Any:
    scenario = load_scenario(str(path)).scenario
    if any(f.kind not in FACILITY_CLASSES for f in scenario.facilities.values()):
        pytest.skip(f"{path.name}: a facility kind is not simulated yet")
    return scenario


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_passes_its_invariants_every_run(path: Path, checked: Checked) -> None:
    scenario = _simulable(path)
    replication.simulate(scenario, replication_seed(scenario.seed, 0))
    assert len(checked.calls) == 1, "simulate must check the invariants once per replication"
    world, _, n = checked.calls[0]
    records = world.records
    floor = 2 * len(records.budgets) + len(records.products) + len(records.takes) + len(records.spending)
    assert n >= floor, f"only {n} checks for {floor} budget, product, take and spending entries"


def _flagship(checked: Checked) -> tuple[World, list[int]]:
    scenario = load_scenario(str(ROOT / "scenarios/european_155mm.yaml")).scenario
    replication.simulate(scenario, replication_seed(1, 0))
    world, product_of, _ = checked.calls[-1]
    return world, product_of


TAMPERS: dict[str, tuple[Callable[[World], None], str]] = {
    "money spent twice": (
        lambda w: w.records.spending.append((10.0, 0, 0, w.records.spending[0][3], "lot")),
        r"budget .*appropriated .* but the final balance",
    ),
    "balance below zero": (
        lambda w: setattr(next(iter(w.budgets.values())), "balance", -5.0),
        r"budget .*final balance is -5",
    ),
    "money vanished": (lambda w: w.records.appropriations.append((0.0, 0, 2025, 1e9)), r"budget .*appropriated"),
    "material over-drawn": (lambda w: w.records.takes.insert(0, (0.0, 0, 1e9)), r"material .* went negative"),
    "take not booked": (
        lambda w: setattr(w.materials["propellant"], "taken", w.materials["propellant"].taken + 1),
        r"material 'propellant': takes recorded",
    ),
    "delivered more than started": (
        lambda w: w.records.deliveries.append((100.0, 0, 1e12, 93.0, 0)),
        r"delivered .* but only",
    ),
    "NaN delivery": (lambda w: w.records.deliveries.append((100.0, 0, math.nan, 93.0, 0)), r"not a finite"),
    "made after delivery": (
        lambda w: w.records.deliveries.append((100.0, 0, 1.0, 107.0, 0)),
        r"production began at day 107\.0, not in 0\.\.100\.0",
    ),
    "made before the start": (lambda w: w.records.deliveries.append((100.0, 0, 1.0, -7.0, 0)), r"began at day -7\.0"),
    "negative start": (lambda w: w.records.starts.append((100.0, 0, -3.0)), r"not a finite, non-negative"),
    "spending after the horizon": (lambda w: w.records.spending.append((1e6, 0, 0, 0.0, "lot")), r"outside 0\.\."),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_a_broken_invariant_is_a_loud_model_error(name: str, checked: Checked) -> None:
    world, product_of = _flagship(checked)
    check_invariants(world, product_of)  # untouched: holds
    tamper, message = TAMPERS[name]
    tamper(world)
    with pytest.raises(ModelError, match=message):
        check_invariants(world, product_of)


def test_invariants_cost_one_pass_over_the_records(checked: Checked) -> None:
    """The flagship's count of checks (reported in docs/reliability.md) is linear in its records."""
    world, product_of = _flagship(checked)
    r = world.records
    entries = sum(len(x) for x in (r.appropriations, r.spending, r.lapses, r.takes, r.starts, r.deliveries))
    n = check_invariants(world, product_of)
    assert n == entries + len(r.deliveries) + 2 * len(r.budgets) + len(r.takes) + len(r.materials) + len(r.products)


def test_the_invariants_read_the_rows_as_they_are_after_the_metrics(checked: Checked) -> None:
    """Nothing read from the records is kept between readers: a row changed in place after
    `measure` (same length, same last row) is seen as it is by the next check."""
    world, product_of = _flagship(checked)
    scenario = load_scenario(str(ROOT / "scenarios/european_155mm.yaml")).scenario
    measure(scenario, world.records, 0, month_grid(scenario.start, scenario.horizon)[1])
    deliveries = world.records.deliveries
    k = next(k for k, row in enumerate(deliveries) if row[1] == 0)  # (a delivery of product 0: no store's)
    deliveries[k] = (deliveries[k][0], 0, 1e12, deliveries[k][3], deliveries[k][4])
    with pytest.raises(ModelError, match=r"delivered .* but only"):
        check_invariants(world, product_of)


# -- a property: random small economies conserve money and stock ----------------------------------------
@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    capacity=st.integers(1, 500_000),
    lot_days=st.sampled_from([1, 7, 30, 90]),
    cost=st.integers(0, 10_000),
    money=st.integers(0, 10**9),
    growth=st.integers(0, 20),
    carry=st.booleans(),
    initial=st.integers(0, 5_000),
    supply=st.integers(0, 50_000),
    use=st.floats(0, 0.05),
    yield_=st.integers(1, 100),
    seed=st.integers(0, 99),
)
def test_random_economies_conserve_money_and_stock(
    capacity: int,
    lot_days: int,
    cost: int,
    money: int,
    growth: int,
    carry: bool,
    initial: int,
    supply: int,
    use: float,
    yield_: int,
    seed: int,
) -> None:
    scenario = scenario_of(
        {
            "scenario": "economy",
            "start": "2025-03-15",
            "horizon": "6 years",
            "budgets": {
                "b": {
                    "appropriations": {2025: money, 2027: money // 2},
                    "growth": f"{growth}%",
                    "carry_over": carry,
                    "fiscal_year_start": "10-01",
                    "inflation": "3%",
                }
            },
            "materials": {"m": {"initial": initial, "supply": {"rate": f"{supply} per year", "lead_time": "2 months"}}},
            "facilities": {
                "f": {
                    "kind": "munitions_factory",
                    "product": "p",
                    "budget": "b",
                    "capacity": f"{capacity} per year",
                    "lot": f"{lot_days} days",
                    "unit_cost": cost,
                    "consumes": {"m": use},
                    "yield": f"{yield_}%",
                    "breakdowns": {"mtbf": "200 days", "mttr": "10 days"},
                }
            },
        }
    )
    world: list[World] = []

    def keep(w: World, product_of: list[int]) -> int:
        world.append(w)
        return check_invariants(w, product_of)

    original = replication.check_invariants
    replication.check_invariants = keep  # type: ignore[assignment]
    try:
        records = replication.simulate(scenario, replication_seed(seed, 0))
    finally:
        replication.check_invariants = original  # type: ignore[assignment]
    # The same laws, recomputed here from the records alone.
    appropriated = sum(a for *_, a in records.appropriations)
    spent = sum(s[3] for s in records.spending)
    lapsed = sum(x for *_, x in records.lapses)
    assert spent + lapsed <= appropriated * (1 + 1e-9) + 1e-6
    assert math.isclose(appropriated - spent - lapsed, world[0].budgets["b"].balance, rel_tol=1e-7, abs_tol=1e-6)
    started = sum(s[2] for s in records.starts)
    delivered = sum(d[2] for d in records.deliveries)
    assert delivered <= started * (1 + 1e-9) + 1e-9
    assert sum(t[2] for t in records.takes) <= initial + world[0].materials["m"].supplied(scenario.horizon) + 1e-6


# -- a failure mid-run names scenario, seed, replication and date -----------------------------------
def _break_at(day: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every munitions factory divide by zero at its first lot after `day` (lot by lot,
    so that every lot goes through `pay_and_take`)."""
    cls = FACILITY_CLASSES["munitions_factory"]
    original = cls.pay_and_take

    def broken(self: Any, units: float, what: str, when: float | None = None) -> None:
        if (self.env.now if when is None else when) > day:
            raise ZeroDivisionError("float division by zero")
        original(self, units, what, when)

    plain_path_everywhere(monkeypatch)
    monkeypatch.setattr(cls, "pay_and_take", broken)


def test_a_model_failure_names_scenario_seed_replication_and_date(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario(str(ROOT / "scenarios/european_155mm.yaml")).scenario
    _break_at(400, monkeypatch)
    with pytest.raises(ModelError) as info:
        replication.simulate(scenario, replication_seed(77, 5))
    text = str(info.value)
    assert "'European 155mm shells'" in text and "seed 77" in text and "replication 5" in text
    assert "simulated date 2026-" in text and "ZeroDivisionError: float division by zero" in text
    assert isinstance(info.value.__cause__, ZeroDivisionError), "the cause is kept for debugging"


def test_the_cli_reports_a_model_failure_with_exit_1_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, rearm: Any, tmp_path: Path
) -> None:
    _break_at(400, monkeypatch)
    result = rearm(
        "run",
        ROOT / "scenarios/european_155mm.yaml",
        "--replications",
        "3",
        "--jobs",
        "1",
        "--no-plots",
        "--out",
        tmp_path / "out",
    )
    assert result.code == 1
    assert "model failure in scenario 'European 155mm shells', seed 2025, replication 0" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "out" / "summary.json").exists()


def test_replication_seed_streams_name_their_replication() -> None:
    """The replication index in a failure message is the one `rearm run` used."""
    seq = replication_seed(9, 41)
    assert seq.spawn_key == (41,) and seq.entropy == 9
    assert np.random.SeedSequence(9).spawn(42)[41].spawn_key == (41,)


# -- a broken entry is named by its first offending row, in record order -------------------------
def test_the_first_broken_row_is_named_with_its_own_fault(checked: Checked) -> None:
    world, product_of = _flagship(checked)
    deliveries = world.records.deliveries
    deliveries.extend([(100.0, 0, math.nan, 93.0, 0), (1e9, 0, 1.0, 93.0, 0)])
    with pytest.raises(
        ModelError, match=r"a delivery amount nan is not a finite, non-negative number: \(100\.0, 0, nan, 93\.0, 0\)$"
    ):
        check_invariants(world, product_of)
    deliveries[-2:] = [(1e9, 0, 1.0, 93.0, 0), (100.0, 0, math.nan, 93.0, 0)]
    with pytest.raises(
        ModelError,
        match=r"a delivery recorded at day 1000000000\.0, outside 0\.\.[\d.]+: \(1000000000\.0, 0, 1\.0, 93\.0, 0\)$",
    ):
        check_invariants(world, product_of)


def _room(world: World, m: int, day: float) -> float:
    """What material `m` could still give at `day` after every recorded take (by the model's own
    supply curve, not the invariant's array form of it)."""
    name = world.records.materials[m]
    material = world.materials[name]
    taken = sum(a for _, mm, a in world.records.takes if mm == m)
    return material.initial + material.supplied(day) - taken


def test_stock_is_checked_against_the_supply_curve_at_each_take(checked: Checked) -> None:
    """Taking what is left is allowed; more than that, even spread over two takes, is not."""
    world, product_of = _flagship(checked)
    takes = world.records.takes
    day = world.horizon - 1.0
    room = _room(world, 1, day)
    assert room > 1.0, "the flagship must leave propellant at the end for this test to mean anything"
    takes.append((day, 1, room * (1 - 1e-9)))
    world.materials["propellant"].taken += room * (1 - 1e-9)
    check_invariants(world, product_of)  # exactly what is left: holds
    takes[-1] = (day, 1, room * 0.6)
    takes.append((day, 1, room * 0.6))
    world.materials["propellant"].taken += room * 0.2 * (1 - 1e-9)
    with pytest.raises(ModelError, match=rf"material 'propellant' went negative at day {day:.1f}"):
        check_invariants(world, product_of)


def test_the_first_overdrawn_take_in_record_order_is_named_across_materials(checked: Checked) -> None:
    world, product_of = _flagship(checked)
    takes = world.records.takes
    takes.insert(0, (1.0, 1, 1e9))  # propellant first...
    takes.insert(1, (0.5, 0, 1e9))  # ...then explosive fill, earlier in time but later in the records
    with pytest.raises(ModelError, match=r"material 'propellant' went negative at day 1\.0: taken 1,000,000,000\.000"):
        check_invariants(world, product_of)
