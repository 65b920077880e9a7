"""Goals that stay put: each relative threshold (`capacity: 5x`) gets its base once, from the
scenario as written, before any replication runs.

A relative target's base is its `baseline` where one is written. Otherwise it is the value at
start of the scenario as written: the capacity installed at day 0 (or the product's stock at
start) in one replication of the central-value scenario, where every uncertain value takes its
mean (`mean_of`). So the base is the same in every replication of a run and, as every study
resolves it from its unvaried scenario and gives it to every design point, no variation in a
study (a larger starting capacity, say) can move the goal it is measured against. A scenario
that `rearm compare` sets beside another gets its bases from itself as written.

The bases travel as each relative target's `baseline` on the validated scenario (set with
`model_copy`, never by writing text to be parsed again), which `resolve_threshold` reads.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from sim.language.calendar import date_of_ordinal
from sim.language.schema import Scenario
from sim.language.types import Relative
from sim.language.values import Uncertain, mean_of
from sim.metrics.goals import goal_report
from sim.metrics.series import Capacity
from sim.model.replication import simulate
from sim.studies.replications import replication_seed

#: target name -> base of its relative threshold (base units: per day for a rate or capacity)
Bases = Mapping[str, float]


def central(value: Any) -> Any:
    """`value` (a scenario or any part of one) with every uncertain value replaced by its mean;
    parts without one are returned as they are."""
    if isinstance(value, Uncertain):  # (a distribution of dates: its mean date)
        return date_of_ordinal(value.mean) if value.dates else mean_of(value)
    if isinstance(value, BaseModel):
        update = {}
        for name in type(value).model_fields:
            old = getattr(value, name)
            new = central(old)
            if new is not old:
                update[name] = new
        return value.model_copy(update=update) if update else value
    if isinstance(value, dict):
        items = {k: central(v) for k, v in value.items()}
        return items if any(items[k] is not value[k] for k in value) else value
    if isinstance(value, (list, tuple)):
        changed = [central(v) for v in value]
        return type(value)(changed) if any(a is not b for a, b in zip(changed, value, strict=True)) else value
    return value


def unresolved(scenario: Scenario) -> list[int]:
    """Indices of the targets whose threshold is relative and has no `baseline` yet."""
    return [i for i, t in enumerate(scenario.targets) if isinstance(t.threshold, Relative) and t.baseline is None]


def bases_at_start(scenario: Scenario) -> dict[str, float]:
    """The base of each relative target without a written `baseline`: the value at start of
    `scenario` (its stock at start, or the capacity installed at day 0 of its central-value
    replication); empty, simulating nothing, when there is none."""
    if not unresolved(scenario):
        return {}
    return dict(_bases(pickle.dumps(scenario, protocol=pickle.HIGHEST_PROTOCOL)))


@lru_cache(maxsize=8)
def _bases(packed: bytes) -> tuple[tuple[str, float], ...]:
    """`bases_at_start` of a pickled scenario, computed once per scenario (a study's points and
    a bottleneck's relaxations all ask for the same one)."""
    scenario: Scenario = pickle.loads(packed)  # our own bytes
    wanted = [scenario.targets[i] for i in unresolved(scenario)]
    capacity_at_start: list[float] = []
    if any(t.measure != "stock" for t in wanted):
        records = simulate(central(scenario), replication_seed(scenario.seed, 0))
        capacity_at_start = [float(c.at(0.0)[0]) for c in Capacity.by_product(records)]
    products = scenario.products
    out = []
    for target in wanted:
        if target.measure == "stock":
            out.append((target.name, float(scenario.inventory.get(target.product, 0.0))))
        else:
            out.append((target.name, capacity_at_start[products.index(target.product)]))
    return tuple(out)


def with_bases(scenario: Scenario, bases: Bases) -> Scenario:
    """`scenario` with each relative target that has no `baseline` given its base from `bases`
    (by target name; a target `bases` does not name is left as it is)."""
    targets = list(scenario.targets)
    changed = False
    for i in unresolved(scenario):
        base = bases.get(targets[i].name)
        if base is not None:
            targets[i] = targets[i].model_copy(update={"baseline": base})
            changed = True
    return scenario.model_copy(update={"targets": targets}) if changed else scenario


def fix_goals(scenario: Scenario) -> Scenario:
    """`scenario` with every relative threshold's base fixed from `scenario` itself as written."""
    return with_bases(scenario, bases_at_start(scenario))


def goal_table(scenario: Scenario) -> list[dict[str, Any]]:
    """Per target of `scenario` (as written): the threshold every replication and design point
    is measured against, its base and where the base came from (`study.json`'s `goals`)."""
    fixed = fix_goals(scenario)
    return [
        {"name": t.name, "measure": t.measure, **goal_report(t, w)}
        for t, w in zip(fixed.targets, scenario.targets, strict=True)
    ]
