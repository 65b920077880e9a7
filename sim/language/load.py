"""From a scenario file (plus `--set` overrides) to a validated `Scenario`, or every problem at once."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import Problem, ScenarioError
from sim.language.limits import allow_large_from_env, check_limits
from sim.language.overrides import apply_overrides
from sim.language.references import check_references
from sim.language.schema import FACILITY_KINDS, Scenario
from sim.language.suggest import did_you_mean
from sim.language.units import shown
from sim.language.yaml_source import Source, read_source


@dataclass(frozen=True, repr=False)
class LoadedScenario:
    """A validated scenario with its provenance."""

    scenario: Scenario
    file: str
    sha256: str
    data: dict[str, Any]
    overrides: tuple[str, ...] = ()
    allow_large: bool = False
    source: Source | None = dataclasses.field(default=None, compare=False, repr=False)  # the file as read

    def __repr__(self) -> str:
        """One line (a notebook shows this, not the whole scenario): name, file, hash, overrides."""
        overrides = f", overrides {list(self.overrides)}" if self.overrides else ""
        return f"<LoadedScenario {self.scenario.scenario!r} from {self.file}, sha256 {self.sha256[:12]}{overrides}>"


def load_scenario(
    path: str, overrides: list[str] | tuple[str, ...] = (), allow_large: bool | None = None
) -> LoadedScenario:
    """Read, override and validate a scenario file; raise ScenarioError listing every problem."""
    source = read_source(path)  # read once: a scenario piped on /dev/stdin cannot be read again
    data, set_keys = apply_overrides(source.data, list(overrides), path)
    scenario = validate(data, source, set_keys, allow_large)
    large = allow_large_from_env() if allow_large is None else allow_large
    return LoadedScenario(scenario, path, source.sha256, data, tuple(overrides), large, source)


def validate(
    data: dict[str, Any], source: Source, set_keys: list[str] | None = None, allow_large: bool | None = None
) -> Scenario:
    """Validate plain data against the schema, the cross-references between its parts and the
    limits on a run's size (`allow_large` lifts the soft ones; None reads REARM_ALLOW_LARGE)."""
    problems = check_references(data, source)
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems.extend(_problem(err, data, source) for err in exc.errors())
    if scenario is not None and not problems:
        problems.extend(check_limits(scenario, source, allow_large))
    if set_keys:
        problems = [_mark_override(p, set_keys) for p in problems]
    if problems:
        unique = list(dict.fromkeys(problems))
        raise ScenarioError(unique)
    assert scenario is not None
    return scenario


def _mark_override(problem: Problem, set_keys: list[str]) -> Problem:
    for key in set_keys:
        made_unknown_key = key.startswith(problem.key + ".") and problem.message.startswith("unknown key")
        if problem.key == key or problem.key.startswith(key + ".") or made_unknown_key:
            return Problem(problem.file, None, problem.key, f"{problem.message} (set by --set {key})")
    for key in set_keys:
        if problem.key and key.startswith(problem.key + "."):
            # a rule over a whole value (a GDP table, a learning curve) that --set changed inside
            return Problem(problem.file, problem.line, problem.key, f"{problem.message} (after --set {key})")
    return problem


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The path into the raw data for a pydantic location (union tags and wrappers skipped)."""
    path: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            key = _match_key(node, part)
            if key is not None:
                path.append(key)
                node = node[key]
                continue
            if isinstance(part, str) and (part in FACILITY_KINDS or "[" in part or part.startswith("function")):
                continue
            path.append(part)
            node = None
        elif isinstance(node, list) and isinstance(part, int):
            path.append(part)
            node = node[part] if part < len(node) else None
        elif isinstance(part, str) and (part in FACILITY_KINDS or "[" in part):
            continue
        else:
            path.append(part)
            node = None
    return tuple(path)


def _match_key(node: dict[Any, Any], part: Any) -> Any:
    if part in node:
        return part
    if isinstance(part, str):
        for key in node:
            if str(key) == part:
                return key
        if part == "yield_" and "yield" in node:
            return "yield"
        if part == "from_" and "from" in node:
            return "from"
        if part == "for_" and "for" in node:
            return "for"
    return None


def _fields_at(data: Any, path: tuple[Any, ...]) -> list[str]:
    """The keys allowed in the mapping at `path` (for 'did you mean')."""
    annotation: Any = Scenario
    node = data
    for part in path:
        annotation = _resolve(annotation, node)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = _field_named(annotation, str(part))
            if field is None:
                return []
            annotation = field.annotation
        else:
            origin = typing.get_origin(annotation)
            args = typing.get_args(annotation)
            if origin is dict:
                annotation = args[1]
            elif origin is list:
                annotation = args[0]
            else:
                return []
        node = node.get(part) if isinstance(node, dict) else (node[part] if isinstance(node, list) else None)
    annotation = _resolve(annotation, node)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return []


def _field_named(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def _resolve(annotation: Any, node: Any) -> Any:
    """Strip Annotated/Optional and choose the facility class a `kind` names."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            kind = node.get("kind") if isinstance(node, dict) else None
            chosen = [
                m
                for m in models
                if kind and "kind" in m.model_fields and kind in typing.get_args(m.model_fields["kind"].annotation)
            ]
            annotation = (chosen or models or members)[0]
        else:
            return annotation


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)


_found = shown


def _problem(err: Any, data: dict[str, Any], source: Source) -> Problem:
    path = _data_path(data, tuple(err["loc"]))
    key = _dotted(path)
    line = source.line_of(path)
    kind = err["type"]
    ctx = err.get("ctx", {})
    value = err.get("input")
    if kind == "missing":
        message = "required key missing"
        line = source.line_of(path[:-1])
    elif kind == "extra_forbidden":
        parent, name = path[:-1], str(path[-1])
        where = f" in {_dotted(parent)}" if parent else " at the top level"
        message = f"unknown key {name!r}{where}{did_you_mean(name, _fields_at(data, parent))}"
    elif kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        message = f"must be {sign} {bound}, got {_found(value)}"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = f"expected a whole number, got {_found(value)}"
    elif kind in ("float_type", "float_parsing", "finite_number"):
        message = f"expected a number, got {_found(value)}"
    elif kind in ("bool_type", "bool_parsing"):
        message = f"expected true or false, got {_found(value)}"
    elif kind == "string_type":
        message = f"expected text, got {_found(value)}"
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        message = f"expected a mapping of keys, got {_found(value)}"
    elif kind == "list_type":
        message = f"expected a list, got {_found(value)}"
    elif kind == "too_short":
        message = f"needs at least {ctx.get('min_length', 1)} item(s), got {_found(value)}"
    elif kind == "union_tag_invalid":
        tag = str(ctx.get("tag"))
        hint = did_you_mean(tag, FACILITY_KINDS) or f"; kinds are {', '.join(FACILITY_KINDS)}"
        message = f"unknown kind {tag!r}{hint}"
        line = source.line_of(path + ("kind",))
        key = _dotted(path + ("kind",))
    elif kind == "union_tag_not_found":
        message = f"needs 'kind': one of {', '.join(FACILITY_KINDS)}"
    elif kind == "literal_error":
        message = f"expected {ctx.get('expected')}, got {_found(value)}"
    else:
        message = f"{err['msg']}, got {_found(value)}"
    return Problem(source.file, line, key, message)
