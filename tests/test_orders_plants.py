"""Orders that name their plants (`plants:` on an order; `sim.model.orders.Backlog`,
`sim.metrics.orders.route`): a plant builds only to the orders naming it and those naming none,
and its deliveries go only to those."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.metrics.orders import route

N, C_A, M, C_B = 1000, 10.0, 300, 5.0


def scenario(orders: str, targets: str = "[]") -> str:
    """Two factories of shells, a (C_A a day) and b (C_B a day), lots of a day, money without limit."""
    return f"""
    scenario: plants
    start: 2026-01-01
    horizon: 2 years
    budgets:
      de: {{appropriations: {{2026: 1tn}}}}
      pl: {{appropriations: {{2026: 1tn}}}}
    facilities:
      a: {{kind: munitions_factory, product: shell, budget: de, unit_cost: 1, capacity: {C_A:g} per day, lot: 1 day}}
      b: {{kind: munitions_factory, product: shell, budget: de, unit_cost: 1, capacity: {C_B:g} per day, lot: 1 day}}
    orders: {orders}
    targets: {targets}
    """


def made_by(sim, plant: str) -> float:
    """Units delivered by the facility `plant`."""
    q, f = sim.records.deliveries.columns(2, 4)
    return float(q[f == sim.records.facilities.index(plant)].sum())


def test_an_order_naming_one_plant_is_filled_by_it_alone_and_the_other_serves_the_rest(run_yaml) -> None:
    sim = run_yaml(
        scenario(
            f"[{{customer: de, product: shell, quantity: {N}, plants: a}},"
            f" {{customer: pl, product: shell, quantity: {M}}}]",
            f"[{{name: de, product: shell, delivered: {N}, customer: de}},"
            f" {{name: pl, product: shell, delivered: {M}, customer: pl}}]",
        )
    )
    # a builds de's order first (its own book), b the order naming no plant: b's lots, though
    # they come while de's older order is open, go to pl (routing ignoring plants would send
    # them to de and meet de's target near day N / (C_A + C_B))
    assert sim.target_days("de") == pytest.approx(N / C_A)
    assert sim.target_days("pl") == pytest.approx(M / C_B)
    assert made_by(sim, "a") == pytest.approx(N) and made_by(sim, "b") == pytest.approx(M)


def test_per_customer_delivered_plus_backlog_is_what_was_ordered(run_yaml) -> None:
    sim = run_yaml(
        scenario(
            "[{customer: de, product: shell, rate: 3000 per year, until: 2027-06-01, plants: [a]},"
            " {customer: pl, product: shell, quantity: 4000, plants: b, priority: 2},"
            " {customer: de, product: shell, quantity: 2500, placed: 2026-03-01}]"
        )
    )
    routed = route(sim.records)
    orders = sim.records.orders
    got = np.bincount(routed.call_off, weights=routed.quantity, minlength=len(orders))
    for customer in range(len(sim.records.customers)):
        mine = [k for k, row in enumerate(orders) if row[0] == customer]
        ordered = sum(orders[k][3] for k in mine)
        assert sum(got[k] + routed.unfilled[k] for k in mine) == pytest.approx(ordered, rel=1e-12)
    # b (5 a day over 2 years) cannot fill pl's 4,000 alone, and a may not help
    pl = [k for k, row in enumerate(orders) if row[0] == sim.records.customers.index("pl")]
    assert sum(got[k] for k in pl) == pytest.approx(made_by(sim, "b"), rel=1e-12)
    assert sum(routed.unfilled[k] for k in pl) > 0.0


def test_a_plant_with_only_orders_naming_another_makes_nothing_and_waits_for_orders(run_yaml) -> None:
    sim = run_yaml(scenario(f"[{{customer: de, product: shell, quantity: {N}, plants: [a]}}]"))
    assert made_by(sim, "b") == 0.0 and made_by(sim, "a") == pytest.approx(N)
    use = sim.records.time_use[sim.records.facilities.index("b")]
    assert use["orders"] == pytest.approx(sim.scenario.horizon)
    assert "producing" not in use


def test_orders_naming_every_maker_give_the_records_of_orders_naming_none(run_yaml) -> None:
    orders = (
        "[{customer: de, product: shell, rate: 2500 per year, until: 2027-06-01%s},"
        " {customer: pl, product: shell, quantity: 1200, placed: 2026-05-01, priority: 1%s}]"
    )
    none = run_yaml(scenario(orders % ("", "")), seed=3).records
    every = run_yaml(scenario(orders % (", plants: [a, b]", ", plants: [b, a]")), seed=3).records
    for ledger in ("deliveries", "starts", "takes", "spending"):
        assert list(getattr(every, ledger)) == list(getattr(none, ledger))
    assert every.time_use == none.time_use
    r_none, r_every = route(none), route(every)
    assert np.array_equal(r_none.quantity, r_every.quantity) and np.array_equal(r_none.call_off, r_every.call_off)


@pytest.mark.parametrize(
    ("plants", "found"),
    [
        ("aa", ":11: orders.0.plants: 'aa' is not a facility making 'shell'; did you mean 'a'?; its makers: a, b"),
        ("[a, line]", ":11: orders.0.plants.1: 'line' is not a facility making 'shell'"),
    ],
)
def test_a_plant_not_making_the_product_is_one_clear_error(load_yaml, plants: str, found: str) -> None:
    text = scenario(f"[{{customer: de, product: shell, quantity: 5, plants: {plants}}}]").replace(
        "    orders:",
        "      line: {kind: vehicle_line, product: tank, budget: de, unit_cost: 1, capacity: 10 per year,"
        " build_time: 0 days}\n    orders:",
    )
    with pytest.raises(ScenarioError) as info:
        load_yaml(text)
    message = str(info.value)
    assert found in message and len(message.splitlines()) == 1


def test_a_component_with_its_own_plant_named_orders_keeps_them_beside_the_orders_down_the_chain(run_yaml) -> None:
    # rounds take two fuzes each: 1,000 rounds order 2,000 fuzes of any fuze plant; an export
    # order of 3,000 fuzes names fuze_b, so fuze_a builds only to the 2,000 and fuze_b the 3,000
    # (one book for all 5,000 would let fuze_a build as many as it could of them)
    fuze = "{kind: munitions_factory, product: fuze, budget: b, unit_cost: 1, capacity: 800 per day, lot: 1 day}"
    sim = run_yaml(f"""
    scenario: chain with plants
    start: 2026-01-01
    horizon: 2 years
    budgets:
      b: {{appropriations: {{2026: 1tn}}}}
    facilities:
      fuze_a: {fuze}
      fuze_b: {fuze}
      assembler: {{kind: munitions_factory, product: round, budget: b, unit_cost: 1, capacity: 100 per day,
                   lot: 1 day, consumes: {{fuze: 2}}}}
    orders:
      - {{customer: b, product: round, quantity: 1000}}
      - {{customer: abroad, export: true, product: fuze, quantity: 3000, plants: fuze_b}}
    """)
    assert made_by(sim, "fuze_a") + made_by(sim, "fuze_b") == pytest.approx(5000)
    assert made_by(sim, "fuze_a") <= 2000 + 1e-6
    assert made_by(sim, "fuze_b") >= 3000 - 1e-6
    assert made_by(sim, "assembler") == pytest.approx(1000)
