"""Orders (`sim.model.orders`, `sim.metrics.orders`): a product with orders is built only to its
backlog, deliveries go to customers by priority then order date, and per customer what was
delivered plus what is still in backlog is what was ordered."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.language.calendar import Clock
from sim.language.units import DAYS_PER_YEAR
from sim.metrics.orders import CUSTOMER_MEASURES, customer_deliveries, line_measures, route
from sim.model.replication import simulate
from sim.studies.replications import replication_seed


def scenario(orders: str, targets: str = "[]", capacity: str = "10 per day", horizon: str = "10 years") -> str:
    """One factory of shells (lots of a day, money without limit) and one vehicle line of tanks
    (100 a year, started weekly, built at once), with the orders and targets given."""
    return f"""
    scenario: orders
    start: 2026-01-01
    horizon: {horizon}
    budgets:
      pl: {{appropriations: {{2026: 1tn}}}}
      de: {{appropriations: {{2026: 1tn}}}}
    facilities:
      plant:
        kind: munitions_factory
        product: shell
        budget: de
        unit_cost: 1
        capacity: {capacity}
        lot: 1 day
      line:
        kind: vehicle_line
        product: tank
        budget: pl
        unit_cost: 1
        capacity: 100 per year
        build_time: 0 days
    orders: {orders}
    targets: {targets}
    """


def delivered(sim, product: str) -> float:
    t, p, q, _ = sim.records.deliveries.columns(0, 1, 2, 3)
    return float(q[p == sim.records.products.index(product)].sum())


@pytest.mark.parametrize(("capacity", "n"), [(10.0, 5_000), (40.0, 1_234), (7.5, 100)])
def test_one_order_of_n_on_a_line_of_capacity_c_is_built_over_n_over_c_and_no_more(run_yaml, capacity, n) -> None:
    sim = run_yaml(
        scenario(
            f"[{{customer: de, product: shell, quantity: {n}}}]",
            f"[{{name: all, product: shell, delivered: {n}, customer: de}}]",
            capacity=f"{capacity} per day",
        )
    )
    assert sim.target_days("all") == pytest.approx(math.ceil(n / capacity - 1e-12), abs=1e-9)
    assert delivered(sim, "shell") == pytest.approx(n, rel=1e-12)  # built only to the order
    use = sim.records.time_use[sim.records.facilities.index("plant")]
    assert use["producing"] == pytest.approx(n / capacity, rel=1e-9)
    assert use["orders"] == pytest.approx(sim.scenario.horizon - n / capacity, rel=1e-9)


def test_two_customers_are_served_by_priority_whatever_the_order_of_placing(run_yaml) -> None:
    sim = run_yaml(
        scenario(
            "[{customer: de, product: shell, quantity: 1000, priority: 0},"
            " {customer: pl, product: shell, quantity: 500, placed: 2026-01-02, priority: 5}]",
            "[{name: de, product: shell, delivered: 1000, customer: de},"
            " {name: pl, product: shell, delivered: 500, customer: pl}]",
        )
    )
    # deliveries go by priority when they arrive: the first lot, started for de, arrives on day 1,
    # when pl's order is open, so it goes to pl, as does everything until pl has its 500
    assert sim.target_days("pl") == pytest.approx(50)
    assert sim.target_days("de") == pytest.approx(150)
    routed = route(sim.records)
    de = customer_deliveries(
        sim.records, routed, sim.records.customers.index("de"), sim.records.products.index("shell")
    )
    assert float(de.at(50.0)) == 0.0 and float(de.at(51.0)) == pytest.approx(10.0)


def test_a_line_with_no_backlog_makes_nothing_and_waits_for_orders(run_yaml) -> None:
    sim = run_yaml(scenario("[{customer: pl, product: tank, quantity: 50, placed: 2029-01-01}]"))
    placed = sim.records.orders[0][2]
    days = [d for d, p, q, _, _ in sim.records.deliveries if p == sim.records.products.index("tank")]
    assert min(days) >= placed
    assert delivered(sim, "tank") == 50
    use = sim.records.time_use[sim.records.facilities.index("line")]
    assert use["orders"] >= placed
    assert "orders" not in sim.records.time_use[sim.records.facilities.index("plant")]  # no orders: as before


def test_an_export_order_delays_a_domestic_target_by_its_quantity_over_capacity(run_yaml) -> None:
    domestic = "{customer: pl, product: tank, quantity: 300}"
    target = "[{name: pl, product: tank, delivered: 300, customer: pl}]"
    alone = run_yaml(scenario(f"[{domestic}]", target)).target_days("pl")
    export = "{customer: korea, export: true, product: tank, quantity: 150, priority: 1}"
    delayed = run_yaml(scenario(f"[{domestic}, {export}]", target)).target_days("pl")
    week = 7.0
    assert alone == pytest.approx(3 * DAYS_PER_YEAR, abs=week)
    assert delayed - alone == pytest.approx(1.5 * DAYS_PER_YEAR, abs=week)


def test_per_customer_delivered_plus_backlog_is_ordered(run_yaml) -> None:
    sim = run_yaml(
        scenario(
            "[{customer: de, product: shell, rate: 20 per day, placed: 2027-03-15, until: 2040-01-01},"
            " {customer: pl, product: shell, quantity: 40000, placed: 2028-01-01, priority: 1},"
            " {customer: tr, export: true, product: tank, quantity: 2000}]",
        )
    )
    routed = route(sim.records)
    at = np.array([sim.scenario.horizon])
    totals, series = line_measures(sim.records, routed, at)
    ordered, got, backlog = (totals[:, CUSTOMER_MEASURES.index(m)] for m in ("ordered", "delivered", "backlog"))
    assert (backlog > 0).all()  # more is ordered than the plants can make: every line has a backlog
    np.testing.assert_allclose(got + backlog, ordered, rtol=1e-9)
    np.testing.assert_allclose(series[:, 0, -1], got, rtol=1e-9)
    for product in ("shell", "tank"):  # everything delivered went to a customer
        p = sim.records.products.index(product)
        assert sum(got[i] for i, (_, q) in enumerate(sim.records.order_lines) if q == p) == pytest.approx(
            delivered(sim, product), rel=1e-9
        )
    # monthly call-offs placed after the horizon (2036-01-01) are not ordered: de's last is placed
    # on 2035-12-15 and runs to 2036-01-15
    de = sum(q for c, _, _, q, _ in sim.records.orders if sim.records.customers[c] == "de")
    clock = Clock(sim.scenario.start)
    assert de == pytest.approx(20 * (clock.day_of(dt.date(2036, 1, 15)) - clock.day_of(dt.date(2027, 3, 15))))


def test_a_product_without_orders_is_unchanged_by_orders_for_another(run_yaml) -> None:
    none = run_yaml(scenario("[]"))
    some = run_yaml(scenario("[{customer: pl, product: tank, quantity: 40}]"))
    shell = none.records.products.index("shell")
    assert [r for r in none.records.deliveries if r[1] == shell] == [
        r for r in some.records.deliveries if r[1] == shell
    ]
    assert delivered(none, "tank") > delivered(some, "tank") == 40


def test_orders_of_one_maker_run_ahead_and_the_fast_path_agrees(load_yaml) -> None:
    loaded = load_yaml(
        scenario("[{customer: pl, product: tank, quantity: 40}, {customer: de, product: shell, quantity: 900}]")
    )
    fast = simulate(loaded.scenario, replication_seed(0, 0), fast=True)
    plain = simulate(loaded.scenario, replication_seed(0, 0), fast=False)
    assert sorted(fast.deliveries) == sorted(plain.deliveries)
    assert sorted(fast.starts) == sorted(plain.starts)
    for f in (0, 1):
        assert fast.time_use[f] == pytest.approx(plain.time_use[f], rel=1e-9)
    # each product has one maker: its lots and intervals run ahead up to each call-off, so the
    # fast path needs fewer events than one per lot and interval
    assert fast.events < plain.events


@pytest.mark.parametrize(
    ("order", "found"),
    [
        (
            "{customer: pl, product: tnak, quantity: 5}",
            "unknown product made by a facility 'tnak'; did you mean 'tank'",
        ),
        ("{customer: pll, product: tank, quantity: 5}", "unknown customer 'pll'"),
        ("{customer: pl, export: true, product: tank, quantity: 5}", "an export customer is an outside buyer"),
        ("{customer: pl, product: tank, quantity: 5, placed: 2025-06-01}", "placed on or after the start"),
        ("{customer: pl, product: tank, rate: 5 per month}", "needs 'until'"),
        ("{customer: pl, product: tank, rate: 5 per month, until: 2025-06-01}", "must come after the start"),
        ("{customer: pl, product: tank}", "exactly one of 'quantity'"),
        ("{customer: pl, product: tank, quantity: 5, priorty: 1}", "priority"),
    ],
)
def test_bad_orders_get_a_clear_error(load_yaml, order: str, found: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_yaml(scenario(f"[{order}]"))
    assert found in str(info.value)
    assert "orders" in str(info.value)


def test_a_target_for_an_unknown_customer_or_of_capacity_is_an_error(load_yaml) -> None:
    with pytest.raises(ScenarioError, match="unknown customer 'de'"):
        load_yaml(
            scenario(
                "[{customer: pl, product: tank, quantity: 5}]", "[{name: x, product: tank, delivered: 1, customer: de}]"
            )
        )
    with pytest.raises(ScenarioError, match="capacity target measures the plants"):
        load_yaml(
            scenario(
                "[{customer: pl, product: tank, quantity: 5}]",
                "[{name: x, product: tank, capacity: 1 per year, customer: pl}]",
            )
        )


def test_run_outputs_deliveries_and_backlog_per_customer(tmp_path, rearm) -> None:
    import csv
    import json

    from conftest import write_yaml

    text = scenario(
        "[{customer: pl, product: tank, quantity: 300},"
        " {customer: korea, export: true, product: tank, quantity: 2000, priority: 1}]",
        horizon="4 years",
    )
    out = tmp_path / "out"
    result = rearm("run", write_yaml(tmp_path, text), "--out", out, "--jobs", "1")
    assert result.code == 0, result.err
    summary = json.loads((out / "summary.json").read_text())
    korea, pl = summary["customers"]["korea"]["tank"], summary["customers"]["pl"]["tank"]
    # 4 years at 100 a year, the export first: korea gets what is built, pl nothing
    assert korea["delivered"]["p50"] == pytest.approx(400, abs=2)
    assert korea["backlog"]["p50"] == pytest.approx(2000 - korea["delivered"]["p50"])
    assert pl["delivered"]["p50"] == 0 and pl["backlog"]["p50"] == 300 and pl["waiting_days"] is None
    with open(out / "timeline.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["customer"] == "korea"]
    assert {r["measure"] for r in rows} == {"delivered", "backlog", "delivered_value", "backlog_value"}
    last = [r for r in rows if r["measure"] == "delivered"][-1]
    assert float(last["p50"]) <= korea["delivered"]["p50"]
    assert (out / "customers.png").exists()
    report = (out / "report.html").read_text()
    assert "<h2>Customers</h2>" in report and "korea" in report


@pytest.mark.parametrize(("export", "day"), [(True, 300), (False, 200)])
def test_exports_leave_the_stock_when_delivered(run_yaml, export: bool, day: int) -> None:
    # 10 shells a day; the first 1,000 go to the first-served buyer: as an export they leave
    # the stock (2,000 in stock on day 300), as a home buyer's they stay in it (day 200)
    buyer = "{customer: ua, export: true, product: shell, quantity: 1000, priority: 1}"
    if not export:
        buyer = "{customer: pl, product: shell, quantity: 1000, priority: 1}"
    sim = run_yaml(
        scenario(
            f"[{buyer}, {{customer: de, product: shell, quantity: 5000}}]",
            "[{name: stock, product: shell, stock: 2000}]",
        )
    )
    assert sim.target_days("stock") == pytest.approx(day, abs=1e-9)
    assert delivered(sim, "shell") == pytest.approx(6000, rel=1e-12)  # made and delivered either way
