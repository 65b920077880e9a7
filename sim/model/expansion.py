"""Capacity expansions: capex committed at construction start, then construction, then ramp-up."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.language.schema import Expansion as ExpansionSpec
from sim.language.values import draw
from sim.model.budget import Budget
from sim.model.world import World


@dataclass(frozen=True)
class ExpansionPlan:
    """An expansion with this replication's draws fixed."""

    name: str
    start: float | None  # day, or None for 'when funded'
    capex: float
    construction: float
    ramp_up: float
    capacity: float  # added rate per day (0 for a dock expansion)
    docks: int

    @classmethod
    def draw(cls, spec: ExpansionSpec, world: World, rng: np.random.Generator) -> ExpansionPlan:
        """Fix the uncertain parts of an expansion for one replication."""
        start = None if spec.start == "when_funded" else max(0.0, world.clock.day_of(spec.start))
        return cls(
            name=spec.name,
            start=start,
            capex=draw(spec.capex, rng),
            construction=draw(spec.construction, rng),
            ramp_up=draw(spec.ramp_up, rng),
            capacity=draw(spec.capacity, rng) if spec.capacity is not None else 0.0,
            docks=spec.docks or 0,
        )


def build_expansion(
    world: World,
    owner: str,
    plan: ExpansionPlan,
    budget: Budget | None,
    priority: float,
    facility: int,
    commission: Callable[[ExpansionPlan], None],
) -> Generator[Any, Any, None]:
    """Wait for the start date (or for money), pay the capex, build, then commission."""
    env = world.env
    if budget is not None and plan.capex > 0:
        budget.spenders += 1  # until the capex is paid, nobody else may run ahead on this budget
    if plan.start is not None and plan.start > env.now:
        yield env.timeout(plan.start - env.now)
    if budget is not None and plan.capex > 0:
        while budget.balance < plan.capex * budget.cost_multiplier(env.now):
            yield budget.funds_arrived(priority)
        budget.commit(plan.capex * budget.cost_multiplier(env.now), facility, f"capex:{plan.name}")
        budget.spenders -= 1
    began = env.now
    if plan.construction > 0:
        yield env.timeout(plan.construction)
    world.records.expansions.append((owner, plan.name, began, env.now, env.now + plan.ramp_up))
    commission(plan)
