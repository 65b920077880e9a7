"""Design points as scenarios: a design row applied to the scenario's plain data with the same
`set_path` as `--set`, then validated exactly as `--set` is, so a value the language rejects
becomes that point's recorded error."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import partial
from typing import Any

from sim.language.load import LoadedScenario, validate
from sim.language.overrides import set_path
from sim.language.schema import Scenario
from sim.language.yaml_source import Source, read_source
from sim.studies.evaluate import Point
from sim.studies.samplers import Design

Transform = Callable[[dict[str, Any]], None]


def source_of(loaded: LoadedScenario) -> Source:
    """The scenario file's line map (so a point's errors name file and line), with the data
    as loaded (after any `--set`)."""
    source = read_source(loaded.file)
    return Source(source.file, loaded.data, source.lines)


def build_assigned(data: dict[str, Any], source: Source, allow_large: bool, assignments: dict[str, Any]) -> Scenario:
    """The scenario with each dotted path set to its value, validated like `--set`."""
    changed = copy.deepcopy(data)
    for path, value in assignments.items():
        set_path(changed, path, value, source.file)
    return validate(changed, source, list(assignments), allow_large)


def build_transformed(data: dict[str, Any], source: Source, allow_large: bool, transform: Transform) -> Scenario:
    """The scenario after `transform` edits a copy of its plain data, validated."""
    changed = copy.deepcopy(data)
    transform(changed)
    return validate(changed, source, None, allow_large)


def design_points(loaded: LoadedScenario, design: Design) -> tuple[Point, ...]:
    """One point per design row; a parameter left as written shows as empty (None)."""
    source = source_of(loaded)
    points = []
    for i in range(len(design)):
        assignments = design.assignments(i)
        values = tuple(assignments.get(path) for path in design.paths)
        points.append(Point(values, partial(build_assigned, loaded.data, source, loaded.allow_large, assignments)))
    return tuple(points)


def transformed_point(loaded: LoadedScenario, label: Any, transform: Transform | None) -> Point:
    """A point whose scenario is `loaded` changed by `transform` (None: as written)."""
    source = source_of(loaded)
    if transform is None:
        return Point((label,), partial(build_assigned, loaded.data, source, loaded.allow_large, {}))
    return Point((label,), partial(build_transformed, loaded.data, source, loaded.allow_large, transform))
