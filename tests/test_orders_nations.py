"""Nations as customers and on targets, and order value (issue 27): an order may be placed by a
nation; a target naming a `nation` counts the deliveries to the nation and to the budgets drawn
from it, a joint budget's in the nation's share of its money; each customer's order is valued at
its price (default: the plant's unit cost), and per customer delivered + backlog = ordered, in
units and in value."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable

import numpy as np
import pytest
from conftest import CliResult, Simulated, write_yaml

from sim.errors import ScenarioError
from sim.language.load import LoadedScenario
from sim.metrics.orders import CUSTOMER_MEASURES, line_measures, nation_weights, route, weighted_deliveries

#: the UK's core spending is a quarter of what the two nations give the joint budget each year
#: (20bn of 20bn + 60bn: the same allocation of each, no growth), so a quarter of the joint
#: budget's deliveries count for the UK and three quarters for Germany
UK_SHARE = 0.25
UNIT_COST = 2.0


def scenario(orders: str, targets: str = "[]", horizon: str = "2 years") -> str:
    """Two nations, a budget of each, a joint budget of both, and one plant of shells (10 a day,
    in lots of a day, at 2 a shell, money to spare) paid by the UK's budget."""
    return f"""
    scenario: nation orders
    start: 2026-01-01
    horizon: {horizon}
    nations:
      uk: {{gdp: {{2026: 1000bn}}, core: {{2026: 2%}}}}
      germany: {{gdp: {{2026: 3000bn}}, core: {{2026: 2%}}}}
    budgets:
      uk_own: {{from: {{nation: uk, path: core}}, allocation: 10%}}
      germany_own: {{from: {{nation: germany, path: core}}, allocation: 10%}}
      joint:
        from: [{{nation: uk, path: core}}, {{nation: germany, path: core}}]
        allocation: 1%
    facilities:
      plant:
        kind: munitions_factory
        product: shell
        budget: uk_own
        unit_cost: {UNIT_COST}
        capacity: 10 per day
        lot: 1 day
    orders: {orders}
    targets: {targets}
    """


#: the UK first, then the joint budget, then Germany's own, then an export buyer: 1,000 shells
#: by day 100, 1,000 more by day 200, 500 by day 250, 100 by day 260
ORDERS = (
    "[{customer: uk, product: shell, quantity: 1000, price: 5, priority: 3},"
    " {customer: joint, product: shell, quantity: 1000, priority: 2},"
    " {customer: germany_own, product: shell, quantity: 500, price: 3, priority: 1},"
    " {customer: korea, export: true, product: shell, quantity: 100}]"
)


def counted(sim: Simulated, nation: str, day: float) -> float:
    """The shells counted for `nation` by `day`."""
    records = sim.records
    routed = route(records)
    got = weighted_deliveries(records, routed, nation_weights(records, nation), records.products.index("shell"))
    return float(got.at(day))


def test_a_nation_customers_order_is_delivered_to_it_and_counted_by_its_targets(
    run_yaml: Callable[..., Simulated],
) -> None:
    targets = (
        "[{name: uk order, product: shell, delivered: 1000, customer: uk},"
        f" {{name: uk all, product: shell, delivered: {1000 + UK_SHARE * 500 - 1}, nation: uk}},"
        f" {{name: germany all, product: shell, delivered: {(1 - UK_SHARE) * 1000 + 500 - 1}, nation: germany}},"
        " {name: uk rate, product: shell, rate: 1000 per year, nation: uk, sustain: 0 days}]"
    )
    sim = run_yaml(scenario(ORDERS, targets))
    assert sim.records.customers[0] == "uk"  # a nation places the order
    assert sim.target_days("uk order") == pytest.approx(100)
    # the UK's own 1,000, then a quarter of each day's 10 to the joint budget: 1,125 on day 150
    assert sim.target_days("uk all") == pytest.approx(150)
    # Germany: three quarters of the joint budget's 1,000 by day 200, then its own 500 by day 250
    assert sim.target_days("germany all") == pytest.approx(250)
    # 1,000 in the trailing year as soon as the UK's own order is in (the joint share adds later)
    assert sim.target_days("uk rate") == pytest.approx(100)


def test_a_target_by_nation_counts_its_budgets_and_no_other_nations(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(scenario(ORDERS))
    horizon = sim.scenario.horizon
    weights = dict(zip(sim.records.customers, nation_weights(sim.records, "uk"), strict=True))
    assert weights == {"uk": 1.0, "joint": pytest.approx(UK_SHARE, rel=1e-12), "germany_own": 0.0, "korea": 0.0}
    uk, germany = counted(sim, "uk", horizon), counted(sim, "germany", horizon)
    assert uk == pytest.approx(1000 + UK_SHARE * 1000, rel=1e-12)  # not Germany's own 500, nor korea's
    assert germany == pytest.approx((1 - UK_SHARE) * 1000 + 500, rel=1e-12)  # not the UK's own 1,000
    # the joint budget's deliveries are split, never double-counted: the nations and the export
    # buyer together have every shell made
    assert uk + germany + 100 == pytest.approx(2600, rel=1e-12)


@pytest.mark.parametrize("horizon", ["6 months", "2 years"])
def test_per_customer_delivered_plus_backlog_is_ordered_in_units_and_in_value(
    run_yaml: Callable[..., Simulated], horizon: str
) -> None:
    orders = (
        "[{customer: uk, product: shell, quantity: 1000, price: 5, priority: 3},"
        " {customer: joint, product: shell, rate: 8 per day, until: 2030-01-01, priority: 2},"
        " {customer: germany, product: shell, quantity: 700, price: 3.5, placed: 2026-03-01}]"
    )
    sim = run_yaml(scenario(orders, horizon=horizon))
    totals, series = line_measures(sim.records, route(sim.records), np.array([sim.scenario.horizon]))
    m = {name: totals[:, k] for k, name in enumerate(CUSTOMER_MEASURES)}
    assert (m["backlog"] > 0).any()  # the rate order outruns the plant: a backlog at the horizon
    np.testing.assert_allclose(m["delivered"] + m["backlog"], m["ordered"], rtol=1e-9)
    np.testing.assert_allclose(m["delivered_value"] + m["backlog_value"], m["ordered_value"], rtol=1e-9)
    # a value is the price times the units: 5 and 3.5 as written, the joint budget's the unit cost
    price = np.array([5.0, UNIT_COST, 3.5])
    for measure in ("ordered", "delivered", "backlog"):
        np.testing.assert_allclose(m[f"{measure}_value"], price * m[measure], rtol=1e-12)
    np.testing.assert_allclose(series[:, 2, -1], m["delivered_value"], rtol=1e-12)
    np.testing.assert_allclose(series[:, 3, -1], m["backlog_value"], rtol=1e-9, atol=1e-6)


def test_a_default_price_is_the_unit_cost_with_its_materials(run_yaml: Callable[..., Simulated]) -> None:
    text = scenario("[{customer: joint, product: shell, quantity: 300}]").replace(
        "    facilities:",
        "    materials:\n      steel: {initial: 1M, price: 0.75}\n    facilities:",
    )
    text = text.replace("        lot: 1 day", "        lot: 1 day\n        consumes: {steel: 2}")
    sim = run_yaml(text)
    assert sim.records.order_prices == [UNIT_COST + 2 * 0.75]
    totals, _ = line_measures(sim.records, route(sim.records), np.array([sim.scenario.horizon]))
    value, units = (
        totals[0, CUSTOMER_MEASURES.index("delivered_value")],
        totals[0, CUSTOMER_MEASURES.index("delivered")],
    )
    assert units == 300 and value == pytest.approx(300 * (UNIT_COST + 1.5), rel=1e-12)


def test_run_reports_order_value_per_customer(tmp_path, rearm: Callable[..., CliResult]) -> None:
    out = tmp_path / "out"
    target = "[{name: uk all, product: shell, delivered: 1124, nation: uk}]"
    result = rearm("run", write_yaml(tmp_path, scenario(ORDERS, target)), "--out", out, "--jobs", "1")
    assert result.code == 0, result.err
    summary = json.loads((out / "summary.json").read_text())
    uk, joint = summary["customers"]["uk"]["shell"], summary["customers"]["joint"]["shell"]
    assert summary["targets"][0]["nation"] == "uk" and "customer" not in summary["targets"][0]
    assert summary["targets"][0]["date_reached"]["p50"] == "2026-05-31"  # day 150, as above
    assert uk["value_in"] == "EUR"
    assert uk["ordered_value"]["p50"] == pytest.approx(5 * 1000) and uk["backlog_value"]["p50"] == 0
    assert joint["delivered_value"]["p50"] == pytest.approx(UNIT_COST * 1000)
    with open(out / "timeline.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["customer"] == "uk" and r["measure"] == "delivered_value"]
    assert float(rows[-1]["p50"]) == pytest.approx(5 * 1000)  # all in by day 100
    report = (out / "report.html").read_text()
    assert "1,124 shell delivered to uk and its budgets" in report
    assert "<th>ordered value (EUR)</th>" in report and "<td class=num>5.00k</td>" in report
    assert (out / "customers.png").exists()


@pytest.mark.parametrize(
    ("target", "found"),
    [
        (
            "{name: x, product: shell, delivered: 1, nation: ukk}",
            "targets.0.nation: unknown nation 'ukk'; did you mean 'uk'",
        ),
        ("{name: x, product: shell, delivered: 1, nation: germany}", "nation 'germany' has no orders"),
        ("{name: x, product: shell, delivered: 1, nation: uk, customer: uk}", "give one of 'customer'"),
        ("{name: x, product: shell, capacity: 1 per day, nation: uk}", "not what one nation receives"),
    ],
)
def test_a_bad_nation_on_a_target_is_one_clear_line(
    load_yaml: Callable[..., LoadedScenario], target: str, found: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        load_yaml(scenario("[{customer: uk, product: shell, quantity: 5}]", f"[{target}]"))
    assert len(info.value.problems) == 1
    assert found in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("order", "found"),
    [
        ("{customer: germny, product: shell, quantity: 5}", "unknown customer 'germny'"),
        ("{customer: uk, product: shell, quantity: 5, price: -1}", "orders.0.price: must not be negative"),
    ],
)
def test_a_bad_order_customer_or_price_is_one_clear_line(
    load_yaml: Callable[..., LoadedScenario], order: str, found: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        load_yaml(scenario(f"[{order}]"))
    assert len(info.value.problems) == 1
    assert found in str(info.value) and "orders.0" in str(info.value) and "\n" not in str(info.value)
    if "germny" in order:
        assert "did you mean 'germany'" in str(info.value)
