"""Capacity expansions: capex committed at construction start, then construction, then ramp-up."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from sim.language.schema import Expansion as ExpansionSpec
from sim.model.budget import Budget
from sim.model.streams import EXPANSION
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
    def draw(cls, spec: ExpansionSpec, world: World, path: str, kind: str) -> ExpansionPlan:
        """Fix the uncertain parts of the expansion at `path` for one replication, each from
        its own stream, and apply its realism (`sim.model.realism`: its own, else that of the
        scenario for an owner of `kind`)."""
        streams = world.streams
        real = world.realism.plan(kind, path, spec.realism)
        when = spec.start
        start = (
            None
            if when == "when_funded"
            else max(0.0, real.date(streams.day(when, f"{path}.start", world.clock, EXPANSION)))
        )
        capacity = streams.value(spec.capacity, f"{path}.capacity", EXPANSION) if spec.capacity is not None else 0.0
        return cls(
            name=spec.name,
            start=start,
            capex=streams.value(spec.capex, f"{path}.capex", EXPANSION),
            construction=real.duration(streams.value(spec.construction, f"{path}.construction", EXPANSION)),
            ramp_up=streams.value(spec.ramp_up, f"{path}.ramp_up", EXPANSION),
            capacity=capacity * real.achieved,
            docks=spec.docks or 0,
        )


@dataclass
class Construction:
    """An expansion under way: the earliest day it can come on line (exact once its capex is
    paid), so that work it would change is not run ahead past that day."""

    plan: ExpansionPlan
    online: float = field(init=False)
    done: bool = False

    def __post_init__(self) -> None:
        self.online = max(self.plan.start or 0.0, 0.0) + self.plan.construction


def build_expansion(
    world: World,
    owner: str,
    plan: ExpansionPlan,
    budget: Budget | None,
    priority: float,
    facility: int,
    commission: Callable[[ExpansionPlan], None],
    construction: Construction | None = None,
) -> Generator[Any, Any, None]:
    """The process that waits for the start date (or for money), pays the capex, builds, then
    commissions. Its capex is due on the budget from the moment it is created, before the
    process first runs, so nobody runs ahead past its start meanwhile."""
    state = construction or Construction(plan)
    if budget is not None and plan.capex > 0:
        budget.capex_due[id(state)] = max(world.env.now, plan.start or 0.0)
        return _construct(world, owner, plan, state, commission, budget, priority, facility)
    return _construct(world, owner, plan, state, commission)


def _construct(
    world: World,
    owner: str,
    plan: ExpansionPlan,
    state: Construction,
    commission: Callable[[ExpansionPlan], None],
    budget: Budget | None = None,
    priority: float = 0.0,
    facility: int = -1,
) -> Generator[Any, Any, None]:
    """`build_expansion`'s process; with `budget`, its capex is paid from it."""
    env = world.env
    if plan.start is not None and plan.start > env.now:
        yield env.timeout(plan.start - env.now)
    if budget is not None:
        while budget.balance < plan.capex * budget.cost_multiplier(env.now):
            yield budget.funds_arrived(priority)
        budget.commit(plan.capex * budget.cost_multiplier(env.now), facility, f"capex:{plan.name}")
        del budget.capex_due[id(state)]
        budget.cover.reset()
    began = env.now
    state.online = began + plan.construction
    if plan.construction > 0:
        yield env.timeout(plan.construction)
    world.records.expansions.append((owner, plan.name, began, env.now, env.now + plan.ramp_up))
    state.done = True
    commission(plan)
