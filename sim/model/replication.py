"""Run one replication: build the world from the scenario and its random streams (one per
uncertain value, keyed by its place in the scenario: `sim.model.streams`), simulate to the
horizon, and return the records."""

from __future__ import annotations

import gc
import math
from collections.abc import Callable

import numpy as np

from sim.errors import ModelError
from sim.language.schema import NATION_PATHS, Scenario
from sim.language.units import DAYS_PER_YEAR
from sim.model import appropriations
from sim.model import fast as fast_path
from sim.model.budget import Budget
from sim.model.clock import Clock
from sim.model.expansion import Construction, ExpansionPlan, build_expansion
from sim.model.facility import Facility, RatedFacility
from sim.model.invariants import check_invariants
from sim.model.kinds import FACILITY_CLASSES, FAST_RUNNERS
from sim.model.material import Material
from sim.model.orders import Maker, OrderBook, backlog, call_offs, component_books, customers_of, unit_prices
from sim.model.ranks import FIRST_RANK
from sim.model.realism import SUPPLY, Realism
from sim.model.streams import Streams, item_key
from sim.model.suppliers import disrupt, supply_from
from sim.model.workforce import WorkforcePool
from sim.model.world import CountingEnvironment, World
from sim.records import Records


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Independent streams for each replication, the same whatever runs them."""
    return np.random.SeedSequence(seed).spawn(replications)


def simulate(scenario: Scenario, seed_seq: np.random.SeedSequence, *, fast: bool = True) -> Records:
    """Simulate one replication of `scenario` with the random streams of `seed_seq` and check its
    invariants; any failure becomes a ModelError naming scenario, seed, replication and date.
    With `fast` (`sim.model.fast`), work that nothing else can cut runs ahead without an event
    per step; without, every lot and start interval is an event: the same records either way."""
    env = CountingEnvironment()
    # The cyclic garbage collector is paused for the run: everything a replication makes lives
    # until its end anyway, and its passes over the growing records cost more than the events.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _simulate(scenario, seed_seq, env, fast)
    except Exception as exc:
        raise failure(scenario, seed_seq, env.now, exc) from exc
    finally:
        if collecting:
            gc.enable()


def failure(scenario: Scenario, seed_seq: np.random.SeedSequence, day: float, exc: Exception) -> ModelError:
    """A ModelError saying where and when a replication failed, keeping the cause's message."""
    replication = seed_seq.spawn_key[-1] if seed_seq.spawn_key else 0
    date = Clock(scenario.start).date_of(day) if math.isfinite(day) else "?"
    cause = str(exc) if isinstance(exc, ModelError) else f"{type(exc).__name__}: {exc}"
    return ModelError(
        f"model failure in scenario {scenario.scenario!r}, seed {seed_seq.entropy}, replication {replication}, "
        f"simulated date {date} (day {day:.1f}): {cause}"
    )


def _simulate(scenario: Scenario, seed_seq: np.random.SeedSequence, env: CountingEnvironment, fast: bool) -> Records:
    facility_names = list(scenario.facilities)
    records = Records(
        products=scenario.products,
        facilities=facility_names,
        budgets=list(scenario.budgets),
        materials=list(scenario.materials) + components(scenario),
        pools=list(scenario.workforce),
        horizon=scenario.horizon,
    )
    streams = Streams(seed_seq, records.draws)
    realism = Realism(scenario.realism, streams)
    world = World(
        env=env,
        records=records,
        clock=Clock(scenario.start),
        horizon=scenario.horizon,
        streams=streams,
        realism=realism,
    )
    lag = realism.contract_lag()
    records.nations = list(scenario.nations)
    for n, (name, nspec) in enumerate(scenario.nations.items()):
        for kind in NATION_PATHS:
            spending = appropriations.nation_path(nspec, kind, streams, f"nations.{name}")
            for _, year, amount in appropriations.fiscal_years(spending, (1, 1), world.clock, scenario.horizon):
                records.national.append((n, kind, year, amount))
    for i, (name, bspec) in enumerate(scenario.budgets.items()):
        path = f"budgets.{name}"
        plan = appropriations.schedule(bspec, world.clock, scenario.horizon, streams, path, lag, scenario.nations)
        drawn = appropriations.contributions(bspec, streams, path, scenario.nations) if bspec.sources else []
        for source, gives in zip(bspec.sources, drawn, strict=True):
            n = records.nations.index(source.nation)
            for _, _, given in appropriations.fiscal_years(
                gives, bspec.fiscal_year_start, world.clock, scenario.horizon, lag
            ):
                records.contributions.append((i, n, source.path, given))
        inflation = streams.value(bspec.inflation, f"{path}.inflation")
        world.budgets[name] = Budget(env, i, plan, bspec.carry_over, inflation, records)
    for i, (name, mspec) in enumerate(scenario.materials.items()):
        path = f"materials.{name}"
        supply = mspec.supply
        lead = streams.value(supply.lead_time, f"{path}.supply.lead_time") if supply else 0.0
        material = Material(env, i, streams.value(mspec.initial, f"{path}.initial"), lead, records)
        world.materials[name] = material
        material.price = streams.value(mspec.price, f"{path}.price")
        if mspec.suppliers:
            supply_from(material, mspec, path, streams, world.clock, scenario.horizon)
        if supply is not None:
            disrupt(material, supply.disruptions, f"{path}.supply", streams, world.clock, scenario.horizon)
            material.add_supply(0.0, 0.0, streams.value(supply.rate, f"{path}.supply.rate"))
            names = [e.name for e in supply.expansions]
            for k, espec in enumerate(supply.expansions):
                payer = espec.budget or supply.budget
                budget = world.budgets[payer] if payer else None
                where = f"{path}.supply.expansions.{item_key(names, k)}"
                construction = Construction(ExpansionPlan.draw(espec, world, where, SUPPLY))
                material.constructions.append(construction)
                env.process(
                    build_expansion(
                        world, name, construction.plan, budget, 0.0, -1, _supply_commissioner(material), construction
                    )
                )
    for name in components(scenario):  # component stores: fed by their product's deliveries
        store = Material(env, len(world.materials), float(scenario.inventory.get(name, 0.0)), 0.0, records)
        store.product = records.products.index(name)
        records.stores[store.index] = store.product
        world.materials[name] = store
    for i, (name, wspec) in enumerate(scenario.workforce.items()):
        path = f"workforce.{name}"
        hiring = streams.value(wspec.hiring, f"{path}.hiring") if wspec.hiring is not None else 0.0
        ceiling = wspec.max if wspec.max is not None else math.inf
        training = streams.value(wspec.training, f"{path}.training")
        attrition = streams.value(wspec.attrition, f"{path}.attrition") / DAYS_PER_YEAR
        world.pools[name] = WorkforcePool(env, i, wspec.initial, hiring, training, ceiling, records, attrition)
    for product, dspec in scenario.demand.items():
        for begins, ends, value, key in dspec.windows():  # (one for a flat rate; a schedule's spans)
            d_from = max(0.0, world.clock.day_of(begins)) if begins else 0.0
            d_until = world.clock.day_of(ends) if ends else math.inf
            rate = streams.value(value, f"demand.{product}.{key}")
            records.demand.append((records.products.index(product), d_from, d_until, rate))
    calls = place_orders(scenario, world)
    facilities: list[Facility] = []
    for i, name in enumerate(facility_names):
        spec = scenario.facilities[name]
        cls = FACILITY_CLASSES[spec.kind]
        facilities.append(cls(world, i, name, spec))
    price_orders(scenario, world, facilities, calls)
    order_components(scenario, world, facilities)
    for position, facility in enumerate(sorted(facilities, key=lambda f: (-f.priority, f.index))):
        facility.rank = FIRST_RANK + position
    if fast:
        fast_path.attach(world, facilities, FAST_RUNNERS)
    for facility in facilities:
        facility.start()
    for docks in world.docks.values():
        docks.divide()  # (among the programmes sharing them, once all have started)
    env.run(until=scenario.horizon)
    for facility in facilities:
        facility.close()
    check_invariants(world, [f.product for f in facilities])
    records.events = env.processed
    return records


def components(scenario: Scenario) -> list[str]:
    """The products some facility consumes (each a component store), in order of first use."""
    made = set(scenario.products)
    used: dict[str, None] = {}
    for spec in scenario.facilities.values():
        for name in list(spec.consumes) + [m for s in getattr(spec, "stages", []) for m in s.consumes]:
            if name in made and name not in scenario.materials:
                used.setdefault(name, None)
    return list(used)


def place_orders(scenario: Scenario, world: World) -> list[int]:
    """Record every order's call-offs (and the plants each may be delivered by) and give each
    product with orders its order books: one of the orders naming no plant, one per set of
    plants that orders name (`sim.model.orders.backlog`); each order's number of call-offs."""
    records = world.records
    records.customers = customers_of(scenario)
    placements: dict[int, dict[frozenset[str], list[tuple[float, float]]]] = {}
    counts: list[int] = []
    for order in scenario.orders:
        product, customer = records.products.index(order.product), records.customers.index(order.customer)
        if (customer, product) not in records.order_lines:
            records.order_lines.append((customer, product))
        plants = frozenset(order.plants or ())
        book = placements.setdefault(product, {}).setdefault(plants, [])
        served_by = tuple(sorted(records.facilities.index(p) for p in plants))
        calls = call_offs(order, world.clock, scenario.horizon)
        counts.append(len(calls))
        for day, quantity in calls:
            records.orders.append((customer, product, day, quantity, order.priority))
            records.order_plants.append(served_by)
            book.append((day, quantity))
    world.orders = {
        product: {plants: OrderBook(book) for plants, book in books.items()} for product, books in placements.items()
    }
    return counts


def order_components(scenario: Scenario, world: World, facilities: list[Facility]) -> None:
    """Orders flow down the supply chain (`sim.model.orders.component_books`): each component
    of a product with orders gets a book of the components its makers take for those orders
    (as drawn for this replication), shared by the component's makers. A shipyard's stages
    order nothing down the chain (their use per hull is drawn hull by hull)."""
    if not world.orders:
        return
    books: dict[int, list[tuple[float, float]]] = {}
    for _, product, day, quantity, _ in world.records.orders:
        books.setdefault(product, []).append((day, quantity))
    products = world.records.products
    stores = components(scenario)
    makers = [
        Maker(f.product, {products.index(m): use / f.good_fraction for m, use in f.consumes.items() if m in stores})
        for f in facilities
        if isinstance(f, RatedFacility) and f.good_fraction > 0.0
    ]
    stock = {products.index(name): float(scenario.inventory.get(name, 0.0)) for name in stores}
    for product, calls in component_books(books, makers, stock).items():
        own = len(books.get(product, []))
        if len(calls) > own:  # components ordered down the chain (any of its makers fills them)
            named = {plants: book for plants, book in world.orders.get(product, {}).items() if plants}
            if named:  # its own orders naming plants keep their books; the rest join the shared one
                shared = world.orders[product].get(frozenset())
                calls = (shared.calls if shared is not None else []) + calls[own:]
            world.orders[product] = {**named, frozenset(): OrderBook(calls)}
            for f in facilities:
                if f.product == product:
                    f.orders = backlog(world.orders[product], f.name)


def price_orders(scenario: Scenario, world: World, facilities: list[Facility], calls: list[int]) -> None:
    """Record each call-off's price per unit (`Records.order_prices`), its order's price or the
    unit cost at the start of the first facility making its product (its first unit's, with its
    materials' price), as drawn for this replication; `calls`: each order's number of call-offs
    (`place_orders`)."""
    if not scenario.orders:
        return
    costs: dict[str, float] = {}
    for facility in facilities:
        costs.setdefault(world.records.products[facility.product], facility.unit_cost.cost(facility.made, 1.0))
    prices = unit_prices(scenario, costs)
    for count, price in zip(calls, prices, strict=True):
        world.records.order_prices += [price] * count


def _supply_commissioner(material: Material) -> Callable[[ExpansionPlan], None]:
    """What a supply expansion does when it comes on line: more supply rate from now."""

    def commission(plan: ExpansionPlan) -> None:
        material.add_supply(material.env.now, plan.ramp_up, plan.capacity)

    return commission
