"""Bottlenecks: relax one constraint at a time and see how much earlier each target is reached.

Each relaxation is a change of the validated scenario's values (`model_copy`, as the audit's):
unlimited money for a budget, unlimited stock of a material, unlimited workforce in a pool,
unlimited docks at a shipyard that owns docks (a yard with `shares_docks_with` builds in its
owner's, so relaxing the owner's relieves every yard sharing them), no breakdowns at a
facility, and unlimited capacity at a factory or vehicle line. "Unlimited" is a value far
beyond any scenario's scale (below), so the model runs unchanged. The baseline and every
relaxation share seeds (common random numbers), so a gain is the constraint's effect, not noise.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from sim.language.schema import Scenario
from sim.language.values import mean_of
from sim.studies.points import replaced

Relaxation = Callable[[Scenario], Scenario]

UNLIMITED_MONEY = 1e15  # a thousand trillion a year: beyond any defence budget
UNLIMITED_STOCK = 1e15  # initial stock of a material, in its own unit
UNLIMITED_PEOPLE = 1e9
UNLIMITED_DOCKS = 1000
CAPACITY_FACTOR = 100  # capacity × 100: never the binding constraint, and lots stay of a sane size
MONTHS_PER_YEAR = 12


def _unlimited_money(name: str, start_year: int, scenario: Scenario) -> Scenario:
    """The budget as nothing but unlimited appropriations (its fiscal year kept): every other
    setting back to its default."""
    old = scenario.budgets[name]
    update: dict[str, Any] = {
        key: field.get_default(call_default_factory=True)
        for key, field in type(old).model_fields.items()
        if key != "fiscal_year_start"
    }
    update["appropriations"] = {start_year - 1: UNLIMITED_MONEY, start_year: UNLIMITED_MONEY}
    return replaced(scenario, "budgets", name, update)


def _unlimited_material(name: str, scenario: Scenario) -> Scenario:
    return replaced(scenario, "materials", name, {"initial": UNLIMITED_STOCK})


def _unlimited_people(name: str, scenario: Scenario) -> Scenario:
    return replaced(scenario, "workforce", name, {"initial": UNLIMITED_PEOPLE, "max": None})


def _unlimited_docks(name: str, docks: int, scenario: Scenario) -> Scenario:
    return replaced(scenario, "facilities", name, {"docks": docks})


def _no_breakdowns(name: str, scenario: Scenario) -> Scenario:
    return replaced(scenario, "facilities", name, {"breakdowns": None})


def _unlimited_capacity(name: str, per_day: float, scenario: Scenario) -> Scenario:
    return replaced(scenario, "facilities", name, {"capacity": per_day})


def relaxations(scenario: Scenario) -> list[tuple[str, Relaxation]]:
    """Every constraint of the scenario that can be relaxed, named as in `bottlenecks.json`:
    each a change of the validated scenario's values (never of its text)."""
    start_year = scenario.start.year
    out: list[tuple[str, Relaxation]] = []
    out += [(f"budget:{b}", partial(_unlimited_money, b, start_year)) for b in scenario.budgets]
    out += [(f"material:{m}", partial(_unlimited_material, m)) for m in scenario.materials]
    out += [(f"workforce:{w}", partial(_unlimited_people, w)) for w in scenario.workforce]
    for name, spec in scenario.facilities.items():  # docks of the yards that own them (sharers use those)
        if spec.kind == "shipyard" and getattr(spec, "docks", None) is not None and spec.shares_docks_with is None:
            hulls = getattr(spec, "hulls", None) or 0
            out.append((f"docks:{name}", partial(_unlimited_docks, name, max(UNLIMITED_DOCKS, hulls))))
    for name, spec in scenario.facilities.items():
        if spec.breakdowns is not None:
            out.append((f"breakdowns:{name}", partial(_no_breakdowns, name)))
    for name, spec in scenario.facilities.items():
        capacity = getattr(spec, "capacity", None)
        if capacity is not None:
            out.append((f"capacity:{name}", partial(_unlimited_capacity, name, mean_of(capacity) * CAPACITY_FACTOR)))
    return out


def median_years(values: np.ndarray) -> np.ndarray:
    """Per point and target: the median over replications of censored years (NaN: all failed)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(values, axis=1)


def gains(constraints: list[str], targets: list[str], values: np.ndarray) -> dict[str, list[dict[str, Any]]]:
    """`bottlenecks.json`: per target, each constraint's months earlier (median over
    replications; point 0 is the baseline), largest gain first."""
    medians = median_years(values)
    out: dict[str, list[dict[str, Any]]] = {}
    for k, target in enumerate(targets):
        rows: list[dict[str, Any]] = []
        for i, constraint in enumerate(constraints, start=1):
            gain = (medians[0, k] - medians[i, k]) * MONTHS_PER_YEAR
            rows.append({"constraint": constraint, "months_earlier": None if np.isnan(gain) else round(float(gain), 3)})
        rows.sort(key=lambda r: np.inf if r["months_earlier"] is None else -r["months_earlier"])
        out[target] = rows
    return out
