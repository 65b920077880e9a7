"""Reading scenario YAML safely, remembering the line of every key.

Only the plain YAML types are accepted (mappings, lists, strings, numbers, booleans, null,
dates); any other tag such as `!!python/object` is refused. Aliases are expanded with a
budget on the number of nodes, so a 'billion laughs' document fails fast instead of
exhausting memory, and nesting deeper than a scenario ever needs is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from sim.errors import Problem, ScenarioError

MAX_BYTES = 5_000_000
MAX_NODES = 200_000
MAX_DEPTH = 40

_SAFE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

Path = tuple[str, ...]


@dataclass
class Source:
    """A parsed document and where each of its keys stands in the file."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        p = tuple(str(x) for x in path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path, int] = {}
        self.nodes = 0
        self.problems: list[Problem] = []
        self.constructor = yaml.SafeLoader("")

    def problem(self, node: yaml.Node | None, message: str) -> Problem:
        line = node.start_mark.line + 1 if node is not None else None
        return Problem(self.file, line, "", message)

    def fail(self, node: yaml.Node | None, message: str) -> ScenarioError:
        return ScenarioError([self.problem(node, message)])

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(node, f"document too large: more than {MAX_NODES:,} values after expanding aliases")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"document nested deeper than {MAX_DEPTH} levels")
        if node.tag not in _SAFE_TAGS:
            # Refused, but reading goes on so that every refused tag in the file is reported at once.
            message = f"YAML tag {node.tag!r} is not allowed; scenarios use plain values only"
            self.problems.append(self.problem(node, message))
            return None
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            self.constructor.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, path, depth + 1)
                if isinstance(key, (dict, list)):
                    raise self.fail(key_node, "a mapping key must be a plain value")
                if key in result:
                    raise self.fail(key_node, f"key {key!r} appears twice in the same mapping")
                child = path + (str(key),)
                self.lines[child] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, child, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (str(i),), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError):
            # e.g. the timestamp 2025-13-01: kept as text, the schema then says what is wrong with it
            # under its dotted key, beside every other problem in the file.
            return str(node.value)


def parse_yaml(text: str, file: str) -> Source:
    """Parse `text` (the contents of `file`) into plain data with a line map."""
    if len(text) > MAX_BYTES:
        raise ScenarioError([Problem(file, None, "", f"file larger than {MAX_BYTES:,} bytes")])
    if "\x00" in text:
        raise ScenarioError([Problem(file, None, "", "not a text file (it contains NUL bytes)")])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ScenarioError([Problem(file, line, "", f"not valid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file, None, "", f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(file, None, "", "document nested too deeply to read")]) from None
    if node is None:
        raise ScenarioError([Problem(file, None, "", "the file is empty; a scenario is a YAML mapping")])
    builder = _Builder(file)
    try:
        data = builder.build(node, (), 0)
    except RecursionError:
        raise ScenarioError([Problem(file, None, "", "document nested too deeply to read")]) from None
    if builder.problems:
        raise ScenarioError(builder.problems)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(file, 1, "", f"a scenario is a YAML mapping of keys, got {type(data).__name__}")])
    return Source(file, data, builder.lines)


def read_value(text: str, file: str) -> Any:
    """One YAML value (a scalar or flow collection, as `--set` gives) read with the same limits on
    tags, aliases and nesting as a file; text that is not valid YAML stays text."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return text
    if node is None:
        return None
    builder = _Builder(file)
    try:
        value = builder.build(node, (), 0)
    except RecursionError:
        raise ScenarioError([Problem(file, None, "", "value nested too deeply to read")]) from None
    if builder.problems:
        raise ScenarioError(builder.problems)
    return value


def read_source(path: str) -> Source:
    """Read and parse a scenario file; unreadable files become a ScenarioError."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError([Problem(path, None, "", f"cannot read file: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(path, None, "", "not a UTF-8 text file")]) from None
    return parse_yaml(text, path)
