"""Scenarios from Python: a dict (the plain data a YAML file gives), a validated `Scenario`, or a
file, each overridden by a `{dotted.path: value}` mapping as well as by `--set` strings.

A dict has no file and no lines, so its problems read `<dict>: dotted.key: message`. Its
provenance hash is the sha256 of the canonical JSON of its data (keys sorted, dates in ISO
form), so the same data gives the same hash however the dict was built.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sim.errors import Problem, ScenarioError
from sim.language.limits import allow_large_from_env
from sim.language.load import LoadedScenario, validate
from sim.language.overrides import parse_assignment, set_path
from sim.language.schema import Scenario
from sim.language.yaml_source import Source, read_source

DICT_FILE = "<dict>"
SCENARIO_FILE = "<Scenario>"

#: what `overrides` may be: `{path: value}`, or `--set` strings `["path=value", ...]`
Overrides = Mapping[str, Any] | Iterable[str]


def _plain(value: Any) -> Any:
    """`value` with every mapping key as text and every date in ISO form (for canonical JSON)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def canonical_sha256(data: Any) -> str:
    """The sha256 of `data` as canonical JSON: keys sorted, dates as ISO text."""
    text = json.dumps(_plain(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def assignments(overrides: Overrides) -> list[tuple[str, Any]]:
    """The (dotted path, value) pairs of `overrides`: a mapping as given, or `--set` strings
    parsed as `--set` parses them. A single string is refused (it would be read letter by letter)."""
    if isinstance(overrides, (str, bytes)):
        raise TypeError(
            f"overrides must be a mapping such as {{'budgets.b.growth': '4%'}} or a list of "
            f"'PATH=VALUE' strings, not the single string {overrides!r}; write [{overrides!r}]"
        )
    if isinstance(overrides, Mapping):
        pairs = list(overrides.items())
        for key, _ in pairs:
            if not isinstance(key, str) or not key or any(not p for p in key.split(".")):
                raise ScenarioError(
                    [Problem("overrides", None, str(key), "the key must be a dotted path such as budgets.uk.growth")]
                )
        return pairs
    return [parse_assignment(text) for text in overrides]


def written(pairs: list[tuple[str, Any]]) -> tuple[str, ...]:
    """The pairs as `PATH=VALUE` text, for provenance (summary.json's `overrides`)."""
    return tuple(f"{key}={_shown(value)}" for key, value in pairs)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(_plain(value), ensure_ascii=False, default=str)


def _applied(data: dict[str, Any], pairs: list[tuple[str, Any]], file: str) -> dict[str, Any]:
    """A copy of `data` with every pair set (every problem reported at once)."""
    result = copy.deepcopy(data)
    problems: list[Problem] = []
    for key, value in pairs:
        try:
            set_path(result, key, copy.deepcopy(value), file)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return result


def _said_as_overrides(exc: ScenarioError) -> ScenarioError:
    """The problems of overrides given as a mapping, worded for them rather than for `--set`."""
    return ScenarioError(
        [
            Problem(p.file, p.line, p.key, p.message.replace("--set:", "override:").replace("--set ", "override "))
            for p in exc.problems
        ]
    )


def _validated(
    data: dict[str, Any], source: Source, pairs: list[tuple[str, Any]], allow_large: bool | None, mapping: bool
) -> tuple[dict[str, Any], Scenario]:
    """`data` with the pairs set, and validated (problems worded for a mapping when it was one)."""
    try:
        changed = _applied(data, pairs, source.file)
        return changed, validate(
            changed, Source(source.file, changed, source.lines, source.sha256), [k for k, _ in pairs], allow_large
        )
    except ScenarioError as exc:
        raise (_said_as_overrides(exc) if mapping else exc) from None


def load_source(
    source: Source, sha256: str, overrides: Overrides = (), allow_large: bool | None = None
) -> LoadedScenario:
    """Override and validate a parsed scenario (a file's or a dict's)."""
    pairs = assignments(overrides)
    data, scenario = _validated(source.data, source, pairs, allow_large, isinstance(overrides, Mapping))
    large = allow_large_from_env() if allow_large is None else allow_large
    return LoadedScenario(scenario, source.file, sha256, data, written(pairs), large, source)


def load_file(path: str, overrides: Overrides = (), allow_large: bool | None = None) -> LoadedScenario:
    """A scenario file with overrides given as a mapping or as `--set` strings."""
    source = read_source(path)
    return load_source(source, source.sha256, overrides, allow_large)


def load_mapping(data: Mapping[str, Any], overrides: Overrides = (), allow_large: bool | None = None) -> LoadedScenario:
    """A scenario written as plain Python data (what `yaml.safe_load` of a scenario file gives)."""
    if not isinstance(data, Mapping):
        raise ScenarioError(
            [Problem(DICT_FILE, None, "", f"a scenario is a mapping of keys, got {type(data).__name__}")]
        )
    plain = copy.deepcopy(dict(data))
    return load_source(Source(DICT_FILE, plain), canonical_sha256(plain), overrides, allow_large)


def load_validated(scenario: Scenario, allow_large: bool | None = None) -> LoadedScenario:
    """An already validated `Scenario` (its values in base units). It runs as it is; it cannot be
    overridden or varied by path, since its data are no longer the text the language reads."""
    data = scenario.model_dump(mode="json", by_alias=True)
    large = allow_large_from_env() if allow_large is None else allow_large
    return LoadedScenario(scenario, SCENARIO_FILE, canonical_sha256(data), data, (), large, Source(SCENARIO_FILE, data))


def overridden(loaded: LoadedScenario, overrides: Overrides, allow_large: bool | None = None) -> LoadedScenario:
    """`loaded` with more overrides, applied on its data as loaded (its own overrides kept)."""
    if loaded.file == SCENARIO_FILE:
        raise ScenarioError(
            [
                Problem(
                    SCENARIO_FILE,
                    None,
                    "",
                    "a validated Scenario holds base units and cannot be overridden by path; "
                    "load its file or dict with overrides instead",
                )
            ]
        )
    source = loaded.source or read_source(loaded.file)
    pairs = assignments(overrides)
    data, scenario = _validated(loaded.data, source, pairs, allow_large, isinstance(overrides, Mapping))
    large = loaded.allow_large if allow_large is None else allow_large
    return LoadedScenario(
        scenario, loaded.file, loaded.sha256, data, loaded.overrides + written(pairs), large, loaded.source
    )
