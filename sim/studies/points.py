"""Design points as scenarios: a design row applied to the scenario's plain data with the same
`set_path` as `--set`, then validated exactly as `--set` is, so a value the language rejects
becomes that point's recorded error.

Every study builds its points here, and here each point's relative thresholds get their bases
from the unvaried scenario (`sim.studies.goals`), resolved once: no variation moves a goal."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import partial
from typing import Any

from sim.errors import ScenarioError
from sim.language.limits import check_limits
from sim.language.load import LoadedScenario, validate
from sim.language.overrides import set_path
from sim.language.schema import Scenario
from sim.language.yaml_source import Source, read_source
from sim.studies.evaluate import Point
from sim.studies.goals import Bases, bases_at_start, with_bases
from sim.studies.samplers import Design

#: a change of a validated scenario's values (a bottleneck's relaxation)
Transform = Callable[[Scenario], Scenario]


def source_of(loaded: LoadedScenario) -> Source:
    """The scenario file's line map (so a point's errors name file and line), with the data
    as loaded (after any `--set`)."""
    source = loaded.source or read_source(loaded.file)  # as read when loaded: a pipe is read once
    return Source(source.file, loaded.data, source.lines, source.sha256)


def build_assigned(
    data: dict[str, Any], source: Source, allow_large: bool, assignments: dict[str, Any], bases: Bases | None = None
) -> Scenario:
    """The scenario with each dotted path set to its value, validated like `--set`; its
    relative thresholds take their bases from `bases` (the unvaried scenario's)."""
    changed = copy.deepcopy(data)
    for path, value in assignments.items():
        set_path(changed, path, value, source.file)
    return with_bases(validate(changed, source, list(assignments), allow_large), bases or {})


def replaced(scenario: Scenario, section: str, name: str, update: dict[str, Any]) -> Scenario:
    """The scenario with `section[name]` updated (the models are frozen: copies, not edits)."""
    table = dict(getattr(scenario, section))
    table[name] = table[name].model_copy(update=update)
    return scenario.model_copy(update={section: table})


def build_transformed(
    build: Callable[[], Scenario], transform: Transform, source: Source, allow_large: bool | None
) -> Scenario:
    """The scenario `build` gives (its goals fixed) changed by `transform`, then held to the
    limits on a run's size like any scenario (a relaxation may make a run too large)."""
    scenario = transform(build())
    problems = check_limits(scenario, source, allow_large)
    if problems:
        raise ScenarioError(list(dict.fromkeys(problems)))
    return scenario


def design_points(loaded: LoadedScenario, design: Design) -> tuple[Point, ...]:
    """One point per design row; a parameter left as written shows as empty (None)."""
    source = source_of(loaded)
    bases = bases_at_start(loaded.scenario)
    points = []
    for i in range(len(design)):
        assignments = design.assignments(i)
        values = tuple(assignments.get(path) for path in design.paths)
        build = partial(build_assigned, loaded.data, source, loaded.allow_large, assignments, bases)
        points.append(Point(values, build))
    return tuple(points)


def transformed_point(loaded: LoadedScenario, label: Any, transform: Transform | None) -> Point:
    """A point whose scenario is `loaded` changed by `transform` (None: as written), its goals
    fixed from `loaded` as written (computed once per scenario, however many points ask) before
    `transform` changes its values."""
    source = source_of(loaded)
    bases = bases_at_start(loaded.scenario)
    build = partial(build_assigned, loaded.data, source, loaded.allow_large, {}, bases)
    if transform is None:
        return Point((label,), build)
    return Point((label,), partial(build_transformed, build, transform, source, loaded.allow_large))
