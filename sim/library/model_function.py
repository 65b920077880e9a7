"""The model as a function for other tools: `f(X) -> Y`, numpy in and numpy out.

Each row of `X` is one point: the value of each parameter in the order of `parameters`, as a
number in the language's base units (per day, days, a fraction; `sim.language.base_units`),
the unit of the value the scenario holds at that path. Each row of `Y` is that point's
outputs in the order of `outputs`, each the median over the replications (common random
numbers: replication r of every row uses the same stream):

- `years_to_reach:<target>`: years until the target is reached, a run that never reaches it
  counted at the horizon (so the output is always a number);
- `delivered:<product>`: delivered by the horizon; `spent:<budget>`: spent by the horizon.

A row whose values the language rejects gives NaN outputs. This is the callable SALib's
`ProblemSpec(...).evaluate(f)` wants (`.problem` gives the names, bounds and outputs when
bounds were given), and with `.keywords(**values)` (a dict of outputs by name) what EMA
Workbench's `Model(name, function=...)` calls.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import ScenarioError, UsageError
from sim.language.base_units import DAYS, FRACTION, PER_DAY, in_base_units
from sim.language.load import LoadedScenario
from sim.language.units import in_years
from sim.studies.evaluate import Task, run_task, totals_of
from sim.studies.executors import Executor, Scheduler, make_executor
from sim.studies.goals import bases_at_start
from sim.studies.points import build_assigned, source_of

__all__ = ["ModelFunction", "as_written", "model_function"]

YEARS = "years_to_reach:"


def as_written(number: float, unit: str) -> Any:
    """A number in base units written as the scenario language takes it at a path holding that
    unit (`repr` digits, so it reads back to the same float; a fraction as a percentage)."""
    if unit == PER_DAY:
        return f"{number!r} per day"
    if unit == DAYS:
        return f"{number!r} days"
    if unit == FRACTION:
        return f"{number * 100!r}%"
    return int(number) if float(number).is_integer() and abs(number) < 2**53 else float(number)


def _value_at(data: Any, path: str) -> Any:
    """The value at a dotted path of the scenario's plain data (list items by name or
    position, as `--set` finds them), or None."""
    node = data
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part, node.get(int(part)) if part.lstrip("-").isdigit() else None)
        elif isinstance(node, list):
            named = [item for item in node if isinstance(item, dict) and str(item.get("name")) == part]
            node = named[0] if named else node[int(part)] if part.isdigit() and int(part) < len(node) else None
        else:
            return None
    return node


@dataclass(frozen=True)
class ModelFunction:
    """`f(X) -> Y` over a loaded scenario (see the module's docstring)."""

    loaded: LoadedScenario
    parameters: tuple[str, ...]
    units: tuple[str, ...]
    outputs: tuple[str, ...]
    replications: int
    seed: int
    bounds: tuple[tuple[float, float], ...] | None = None
    scheduler: Scheduler | None = field(default=None, compare=False)
    jobs: int = 1

    @property
    def problem(self) -> dict[str, Any]:
        """The problem for SALib's `ProblemSpec`: names, bounds (in base units) and outputs."""
        if self.bounds is None:
            raise UsageError("model_function: give the parameters as {path: (low, high)} for a problem with bounds")
        return {
            "num_vars": len(self.parameters),
            "names": list(self.parameters),
            "bounds": [list(b) for b in self.bounds],
            "outputs": list(self.outputs),
        }

    def __call__(self, X: Any) -> np.ndarray:  # noqa: N803 - X is the name SALib and EMA give it
        """Rows of parameter values (base units) in, rows of outputs out (points × outputs)."""
        rows = np.atleast_2d(np.asarray(X, dtype=float))
        if rows.shape[1] != len(self.parameters):
            raise UsageError(f"model_function: each row needs {len(self.parameters)} values, got {rows.shape[1]}")
        Y = np.full((rows.shape[0], len(self.outputs)), np.nan)  # noqa: N806
        scenarios = self.loaded.scenario
        targets = tuple(t.name for t in scenarios.targets)
        totals = totals_of(scenarios)
        measures = [f"{YEARS}{t}" for t in targets] + list(totals)
        at = [measures.index(name) for name in self.outputs]
        horizon = in_years(scenarios.horizon)
        found: dict[int, list[list[float]]] = {}
        with make_executor(self.jobs, self.scheduler) as executor:
            for done in executor.map_unordered(run_task, self._tasks(rows, targets, totals)):
                for point, _, _, error, *values in done:
                    if error is None:
                        found.setdefault(point, []).append(
                            [horizon if v is None and k < len(targets) else math.nan if v is None else v
                             for k, v in enumerate(values[: len(measures)])]
                        )  # fmt: skip
        for point, runs in found.items():
            Y[point] = np.median(np.array(runs), axis=0)[at]
        return Y

    def _tasks(self, rows: np.ndarray, targets: tuple[str, ...], totals: tuple[str, ...]) -> Iterator[Task]:
        source = source_of(self.loaded)
        bases = bases_at_start(self.loaded.scenario)
        for i, row in enumerate(rows):
            assigned = {p: as_written(float(x), u) for p, x, u in zip(self.parameters, row, self.units, strict=True)}
            try:
                scenario = build_assigned(self.loaded.data, source, self.loaded.allow_large, assigned, bases)
            except ScenarioError:
                continue  # its outputs stay NaN
            items = tuple((i, r) for r in range(self.replications))
            yield Task(self.seed, targets, totals, items, {i: scenario})

    def keywords(self, **values: float) -> dict[str, float]:
        """One point by keyword (`f.keywords(**{"facilities.x.capacity": 500.0})`): its outputs
        by name, as EMA Workbench's `Model(name, function=f.keywords)` wants them."""
        missing = [p for p in self.parameters if p not in values]
        if missing:
            raise UsageError(f"model_function: no value for {', '.join(missing)}")
        y = self([[values[p] for p in self.parameters]])[0]
        return {name: float(v) for name, v in zip(self.outputs, y, strict=True)}


def model_function(
    *,
    scenario: LoadedScenario,
    parameters: Sequence[str] | Mapping[str, tuple[float, float]],
    outputs: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    scheduler: Scheduler | Executor | None = None,
) -> ModelFunction:
    """The scenario as `f(X) -> Y`: `parameters` are dotted paths (or `{path: (low, high)}`,
    bounds in base units) each holding a number in the scenario; `outputs` default to every
    target's `years_to_reach:<target>`; `replications` and `seed` default to the scenario's."""
    s = scenario.scenario
    paths = tuple(parameters)
    if not paths:
        raise UsageError("model_function: give at least one parameter path")
    units = []
    for path in paths:
        value, unit = in_base_units(_value_at(scenario.data, path))
        if math.isnan(value):
            raise UsageError(
                f"model_function: {path} must hold a single number in the scenario (such as '40k per year', "
                f"'18 months' or '4%'), so that its unit is known; it holds {_value_at(scenario.data, path)!r}"
            )
        units.append(unit)
    available = [f"{YEARS}{t.name}" for t in s.targets] + list(totals_of(s))
    chosen = tuple(outputs) if outputs is not None else tuple(a for a in available if a.startswith(YEARS))
    unknown = [o for o in chosen if o not in available]
    if unknown or not chosen:
        raise UsageError(f"model_function: unknown outputs {unknown}; available: {', '.join(available)}")
    bounds = None
    if isinstance(parameters, Mapping):
        bounds = tuple((float(lo), float(hi)) for lo, hi in parameters.values())
    return ModelFunction(
        scenario, paths, tuple(units), chosen,
        replications or s.replications, s.seed if seed is None else seed, bounds, scheduler, jobs,
    )  # fmt: skip
