"""Run one replication: build the world from the scenario and its random streams, simulate
to the horizon, and return the records."""

from __future__ import annotations

import gc
import math
from collections.abc import Callable

import numpy as np

from sim.errors import ModelError
from sim.language.schema import Scenario
from sim.language.values import draw
from sim.model import appropriations
from sim.model.budget import Budget
from sim.model.clock import Clock
from sim.model.expansion import Construction, ExpansionPlan, build_expansion
from sim.model.invariants import check_invariants
from sim.model.kinds import FACILITY_CLASSES
from sim.model.material import Material
from sim.model.ranks import FIRST_RANK
from sim.model.workforce import WorkforcePool
from sim.model.world import CountingEnvironment, World
from sim.records import Records


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Independent streams for each replication, the same whatever runs them."""
    return np.random.SeedSequence(seed).spawn(replications)


def simulate(scenario: Scenario, seed_seq: np.random.SeedSequence) -> Records:
    """Simulate one replication of `scenario` with the random streams of `seed_seq` and check its
    invariants; any failure becomes a ModelError naming scenario, seed, replication and date."""
    env = CountingEnvironment()
    # The cyclic garbage collector is paused for the run: everything a replication makes lives
    # until its end anyway, and the collector's passes over the growing records made the time
    # grow faster than the events (50 facilities cost 1.6 times more with it on).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _simulate(scenario, seed_seq, env)
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


def _simulate(scenario: Scenario, seed_seq: np.random.SeedSequence, env: CountingEnvironment) -> Records:
    facility_names = list(scenario.facilities)
    streams = seed_seq.spawn(1 + len(facility_names))
    world_rng = np.random.default_rng(streams[0])
    records = Records(
        products=scenario.products,
        facilities=facility_names,
        budgets=list(scenario.budgets),
        materials=list(scenario.materials),
        pools=list(scenario.workforce),
        horizon=scenario.horizon,
    )
    world = World(env=env, records=records, clock=Clock(scenario.start), horizon=scenario.horizon)
    for i, (name, bspec) in enumerate(scenario.budgets.items()):
        plan = appropriations.schedule(bspec, world.clock, scenario.horizon, world_rng)
        world.budgets[name] = Budget(env, i, plan, bspec.carry_over, draw(bspec.inflation, world_rng), records)
    for i, (name, mspec) in enumerate(scenario.materials.items()):
        supply = mspec.supply
        lead = draw(supply.lead_time, world_rng) if supply else 0.0
        material = Material(env, i, draw(mspec.initial, world_rng), lead, records)
        world.materials[name] = material
        if supply is not None:
            material.add_supply(0.0, 0.0, draw(supply.rate, world_rng))
            budget = world.budgets.get(supply.budget) if supply.budget else None
            for espec in supply.expansions:
                construction = Construction(ExpansionPlan.draw(espec, world, world_rng))
                material.constructions.append(construction)
                env.process(
                    build_expansion(
                        world, name, construction.plan, budget, 0.0, -1, _supply_commissioner(material), construction
                    )
                )
    for i, (name, wspec) in enumerate(scenario.workforce.items()):
        hiring = draw(wspec.hiring, world_rng) if wspec.hiring is not None else 0.0
        ceiling = wspec.max if wspec.max is not None else math.inf
        world.pools[name] = WorkforcePool(
            env, i, wspec.initial, hiring, draw(wspec.training, world_rng), ceiling, records
        )
    for product, dspec in scenario.demand.items():
        d_from = max(0.0, world.clock.day_of(dspec.from_)) if dspec.from_ else 0.0
        d_until = world.clock.day_of(dspec.until) if dspec.until else math.inf
        records.demand.append((records.products.index(product), d_from, d_until, draw(dspec.rate, world_rng)))
    facilities = []
    for i, name in enumerate(facility_names):
        spec = scenario.facilities[name]
        cls = FACILITY_CLASSES[spec.kind]
        facilities.append(cls(world, i, name, spec, np.random.default_rng(streams[1 + i])))
    for position, facility in enumerate(sorted(facilities, key=lambda f: (-f.priority, f.index))):
        facility.rank = FIRST_RANK + position
    for facility in facilities:
        facility.start()
    env.run(until=scenario.horizon)
    for facility in facilities:
        facility.close()
    check_invariants(world, [f.product for f in facilities])
    records.events = env.processed
    return records


def _supply_commissioner(material: Material) -> Callable[[ExpansionPlan], None]:
    """What a supply expansion does when it comes on line: more supply rate from now."""

    def commission(plan: ExpansionPlan) -> None:
        material.add_supply(material.env.now, plan.ramp_up, plan.capacity)

    return commission
