"""Orders flow down the supply chain (`sim.model.orders.component_books`): an ordered product's
components are ordered with it, so component plants build only to what the orders take and no
component stock piles up after the orders end; a component of a product without orders is made
as fast as plant and money allow, as before."""

from __future__ import annotations

import pytest

from sim.model.orders import Maker, component_books, net_of_stock


def scenario(orders: str, inventory: str = "{}", fill_yield: str = "100%", round_orders: bool = True) -> str:
    """Rounds assembled from one body and two fuzes each (lots of a day), bodies from fill made
    from powder: three levels of components; money without limit, components made fast."""
    return f"""
    scenario: chain
    start: 2026-01-01
    horizon: 5 years
    inventory: {inventory}
    budgets:
      b: {{appropriations: {{2026: 1tn}}}}
    facilities:
      fill_plant:
        kind: munitions_factory
        product: fill
        budget: b
        unit_cost: 1
        capacity: 1000 per day
        lot: 1 day
      body_plant:
        kind: munitions_factory
        product: body
        budget: b
        unit_cost: 1
        capacity: 500 per day
        lot: 1 day
        yield: {fill_yield}
        consumes: {{fill: 0.5}}
      fuze_plant:
        kind: munitions_factory
        product: fuze
        budget: b
        unit_cost: 1
        capacity: 800 per day
        lot: 1 day
      assembler:
        kind: munitions_factory
        product: round
        budget: b
        unit_cost: 1
        capacity: 100 per day
        lot: 1 day
        consumes: {{body: 1, fuze: 2}}
    orders: {orders if round_orders else "[]"}
    """


def made(sim, product: str) -> float:
    _, p, q, _ = sim.records.deliveries.columns(0, 1, 2, 3)
    return float(q[p == sim.records.products.index(product)].sum())


ROUNDS = "[{customer: b, product: round, quantity: 20000}]"


def test_each_level_of_the_chain_makes_what_the_orders_take_and_no_more(run_yaml) -> None:
    sim = run_yaml(scenario(ROUNDS))
    assert made(sim, "round") == pytest.approx(20_000, rel=1e-9)
    assert made(sim, "body") == pytest.approx(20_000, rel=1e-9)
    assert made(sim, "fuze") == pytest.approx(40_000, rel=1e-9)
    assert made(sim, "fill") == pytest.approx(10_000, rel=1e-9)  # a component's component
    fuze = sim.records.time_use[sim.records.facilities.index("fuze_plant")]
    assert fuze["orders"] > 0.9 * sim.scenario.horizon  # it waits for orders once they are made


def test_a_component_maker_starts_for_its_yield_and_stock_at_the_start_is_used_first(run_yaml) -> None:
    sim = run_yaml(scenario(ROUNDS, inventory="{body: 5000, fuze: 1000}", fill_yield="80%"))
    assert made(sim, "round") == pytest.approx(20_000, rel=1e-9)
    assert made(sim, "body") == pytest.approx(15_000, rel=1e-9)  # 20,000 less the 5,000 on hand
    assert made(sim, "fuze") == pytest.approx(39_000, rel=1e-9)
    # good bodies are counted against the orders; the fill of the bad ones is ordered too
    assert made(sim, "fill") == pytest.approx(15_000 / 0.8 * 0.5, rel=1e-9)


def test_a_component_ordered_itself_too_is_built_to_both(run_yaml) -> None:
    sim = run_yaml(
        scenario(
            "[{customer: b, product: round, quantity: 20000},"
            " {customer: x, export: true, product: fuze, quantity: 3000}]"
        )
    )
    assert made(sim, "fuze") == pytest.approx(43_000, rel=1e-9)
    assert made(sim, "round") == pytest.approx(20_000, rel=1e-9)


def test_components_of_a_product_without_orders_are_made_as_fast_as_the_plants_allow(run_yaml) -> None:
    sim = run_yaml(scenario("[]", round_orders=False))
    days = sim.scenario.horizon
    assert made(sim, "fuze") == pytest.approx(800 * days, rel=1e-3)  # capacity, not need
    # the assembler's first lot waits a day for bodies, which wait a day for fill
    assert 100 * (days - 3) <= made(sim, "round") <= 100 * (days - 2)


def test_books_flow_consumers_first_with_the_hungriest_makers_need_and_stock_netted() -> None:
    books = {0: [(0.0, 10.0), (30.0, 10.0)]}
    makers = [Maker(0, {1: 2.0}), Maker(0, {1: 3.0, 2: 1.0}), Maker(1, {3: 0.5})]
    merged = component_books(books, makers, {1: 35.0})
    assert merged[0] == books[0]
    assert merged[1] == [(30.0, 25.0)]  # 30 and 30 ordered, the first 35 on hand
    assert merged[2] == [(0.0, 10.0), (30.0, 10.0)]
    assert merged[3] == [(30.0, 12.5)]  # the component's own (netted) orders flow on
    assert net_of_stock([(5.0, 1.0), (1.0, 2.0)], 2.5) == [(5.0, 0.5)]
