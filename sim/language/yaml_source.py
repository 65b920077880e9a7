"""Reading scenario YAML safely, remembering the line of every key.

Only the plain YAML types are accepted (mappings, lists, strings, numbers, booleans, null,
dates); any other tag such as `!!python/object` is refused. Aliases are expanded with a
budget on the number of nodes, so a 'billion laughs' document fails fast instead of
exhausting memory, and nesting deeper than a scenario ever needs is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import select
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from sim.errors import Problem, ScenarioError
from sim.language.units import MAX_NUMBER_CHARS, digit_group_problem, shown

MAX_BYTES = 5_000_000
READ_TIMEOUT = 10.0  # seconds a pipe may stay silent while a scenario is read from it
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

_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_OCTAL_RE = re.compile(r"[-+]?+0[0-9_]++")
_WHOLE_RE = re.compile(r"[-+]?+[0-9][0-9_]*+")
_ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

Path = tuple[str, ...]


@dataclass
class Source:
    """A parsed document and where each of its keys stands in the file."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    sha256: str = ""  # of the bytes read (a pipe is read once: this is what was parsed)

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
        self.merged: dict[int, set[int]] = {}  # per mapping node: its keys that came from a merge

    def problem(self, node: yaml.Node | None, message: str, path: Path = ()) -> Problem:
        line = node.start_mark.line + 1 if node is not None else None
        return Problem(self.file, line, ".".join(path), message)

    def fail(self, node: yaml.Node | None, message: str, path: Path = ()) -> ScenarioError:
        return ScenarioError([self.problem(node, message, path)])

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
            return self.build_mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (str(i),), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and node.tag in _NUMBER_TAGS and node.style is None:
            problem = plain_number_problem(node.value)
            if problem:
                self.problems.append(self.problem(node, problem, path))
                return None
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError):
            # e.g. the timestamp 2025-13-01: kept as text, the schema then says what is wrong with it
            # under its dotted key, beside every other problem in the file.
            return str(node.value)

    def build_mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[Any, Any]:
        """A mapping whose keys are each given once: a key repeated, or written twice in two
        spellings of one year or date (`2026` and `'2026'`), is an error naming both lines. A
        key brought in by a merge (`<<: *defaults`) may be overridden, as YAML intends."""
        merged = self.merged.get(id(node))
        if merged is None:
            own = {id(key) for key, _ in node.value}
            try:
                self.constructor.flatten_mapping(node)
            except yaml.YAMLError as exc:
                problem = getattr(exc, "problem", None) or "a merge key (<<) takes a mapping or a list of mappings"
                raise self.fail(node, f"cannot merge: {problem}", path) from None
            merged = {id(key) for key, _ in node.value} - own
            self.merged[id(node)] = merged
        result: dict[Any, Any] = {}
        first: dict[Any, tuple[Any, yaml.Node]] = {}  # the key as it means, -> as written, where
        for key_node, value_node in node.value:
            key = self.build(key_node, path, depth + 1)
            if isinstance(key, (dict, list)):
                raise self.fail(key_node, "a mapping key must be a plain value")
            meaning = key_meaning(key)
            if meaning in first:
                written, earlier = first[meaning]
                if id(earlier) not in merged:
                    line, where = earlier.start_mark.line + 1, path + (str(key),)
                    if written == key and type(written) is type(key):
                        message = f"key {_shown(key)} appears twice in the same mapping (also on line {line})"
                    else:
                        message = (
                            f"key {_shown(key)} is the key {_shown(written)} of line {line} written another way; "
                            "give it once"
                        )
                    raise self.fail(key_node, message, where)
                result.pop(written, None)
            first[meaning] = (key, key_node)
            child = path + (str(key),)
            self.lines[child] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, child, depth + 1)
        return result


def _shown(key: Any) -> str:
    """A key as written: text quoted, a date as YAML writes it."""
    return key.isoformat() if isinstance(key, dt.date) else shown(key)


def key_meaning(key: Any) -> Any:
    """What a mapping key stands for where the schema reads keys as years or dates: `2026`,
    `'2026'` and `' 2026'` all mean the year 2026, `2026-04-01` and `'2026-04-01'` one day."""
    if isinstance(key, str):
        text = key.strip()
        if len(text) <= MAX_NUMBER_CHARS and _WHOLE_RE.fullmatch(text):
            return ("number", int(text.replace("_", "")))
        if _ISO_DATE_RE.fullmatch(text):
            try:
                return ("date", dt.date.fromisoformat(text))
            except ValueError:
                return key
        return key
    if isinstance(key, (int, float)) and not (isinstance(key, float) and not key.is_integer()):
        return ("number", int(key))
    if isinstance(key, dt.date) and not isinstance(key, dt.datetime):
        return ("date", key)
    return key


def plain_number_problem(text: str) -> str | None:
    """What YAML 1.1 would silently misread in an unquoted number, or None: a leading zero
    (`010` is octal 8), a colon (`1:30` is 90, in base 60), digits grouped other than by three
    (`1_5` is 15), or more digits than any value has."""
    if len(text) > MAX_NUMBER_CHARS:
        return f"a number of {len(text):,} characters; numbers are at most {MAX_NUMBER_CHARS} characters"
    if ":" in text:
        return f"YAML reads {text} in base 60; write the number itself, or quote it if it is text"
    if _OCTAL_RE.fullmatch(text):
        return f"YAML reads {text} as an octal number; write it without the leading zero"
    if text[:2].lower() not in ("0x", "0b"):
        problem = digit_group_problem(text)
        if problem:
            return f"expected a number, got {text}: {problem}"
    return None


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
    """Read (once) and parse a scenario file; its `sha256` is of the bytes read. Unreadable
    files become a ScenarioError."""
    raw = read_bytes(path)
    if len(raw) > MAX_BYTES:  # refused before decoding: a cut there could split a character
        raise ScenarioError([Problem(path, None, "", f"file larger than {MAX_BYTES:,} bytes")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(path, None, "", "not a UTF-8 text file")]) from None
    source = parse_yaml(text, path)
    source.sha256 = hashlib.sha256(raw).hexdigest()
    return source


def read_bytes(path: str) -> bytes:
    """At most `MAX_BYTES + 1` bytes of a scenario, read once: a regular file, or a pipe or FIFO
    (`cat s.yaml | rearm run /dev/stdin`) read until its writers close it. A FIFO with no writer
    is refused at once, a pipe silent for `READ_TIMEOUT` seconds is refused, and a terminal or
    other device is refused (it would block, or never end)."""

    def refused(message: str) -> ScenarioError:
        return ScenarioError([Problem(path, None, "", message)])

    try:
        mode = os.stat(path).st_mode
        if stat.S_ISREG(mode):
            with open(path, "rb") as fh:
                return fh.read(MAX_BYTES + 1)
        if stat.S_ISDIR(mode):
            raise refused("is a directory, not a scenario file")
        if stat.S_ISFIFO(mode):
            return _read_pipe(path, refused)
    except OSError as exc:
        raise refused(f"cannot read file: {exc.strerror or exc}") from None
    if stat.S_ISCHR(mode) and os.isatty(0) and os.path.realpath(path) == os.path.realpath("/dev/stdin"):
        raise refused("standard input is a terminal; pipe the scenario in: cat s.yaml | rearm run /dev/stdin")
    raise refused("is a device or socket, not a scenario file; give a file, or pipe one into /dev/stdin")


def _read_pipe(path: str, refused: Callable[[str], ScenarioError]) -> bytes:
    """A pipe's bytes until every writer has closed it (opened non-blocking, so that opening a
    FIFO with no writer does not wait for one)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= MAX_BYTES:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:  # a writer is there, with nothing written yet
                if not select.select([fd], [], [], READ_TIMEOUT)[0]:
                    raise refused(f"nothing came through the pipe for {READ_TIMEOUT:g} s") from None
                continue
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if not chunks:
        raise refused("a pipe or FIFO with nothing in it and no writer; write the scenario into it first")
    return b"".join(chunks)
