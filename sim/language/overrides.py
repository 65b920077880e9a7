"""`--set KEY=VALUE`: change any value of a scenario by its dotted path before validation."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from sim.errors import Problem, ScenarioError
from sim.language.suggest import did_you_mean
from sim.language.yaml_source import read_value

log = logging.getLogger(__name__)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split `a.b.c=VALUE`; VALUE is read as a YAML scalar or flow collection."""
    if "=" not in text:
        raise ScenarioError([Problem("--set", None, text, "expected KEY=VALUE, such as facilities.barrow.docks=3")])
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ScenarioError([Problem("--set", None, text, "the key must be a dotted path such as budgets.uk.growth")])
    try:
        value = read_value(raw, "--set") if raw.strip() else ""
    except ScenarioError as exc:
        raise ScenarioError([Problem("--set", None, key, p.message) for p in exc.problems]) from None
    return key, value


#: a path part read as a whole number (a fiscal year, a list position): ASCII digits, and few
#: enough that int() never meets its limit (`²` or 5,000 digits stay names)
_WHOLE_RE = re.compile(r"-?+[0-9]{1,18}+")


def _whole(part: str) -> int | None:
    """The whole number `part` writes, or None."""
    return int(part) if _WHOLE_RE.fullmatch(part) else None


def _child_key(container: dict[Any, Any], part: str) -> Any:
    if part in container:
        return part
    number = _whole(part)
    if number is not None and number in container:
        return number
    if number is not None and number >= 0 and container and all(isinstance(k, int) for k in container):
        return number
    return part


def set_path(data: dict[str, Any], dotted: str, value: Any, file: str) -> None:
    """Set `value` at `dotted` inside `data` (list items by name where they have one, else by
    position; a part that is both is the name, with a note on stderr)."""
    parts = dotted.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, dict):
            key = _child_key(node, part)
            if last:
                node[key] = value
                return
            if key not in node:
                _check_new_key(node, parts, depth, file)
                node[key] = {}
            node = node[key]
        elif isinstance(node, list):
            index = _list_index(node, part, where)
            if index is None:
                names = [str(item.get("name")) for item in node if isinstance(item, dict) and "name" in item]
                if (_whole(part) or 0) >= 0 and _whole(part) is not None:
                    hint = f" (it has {len(node)}, numbered from 0)"
                else:
                    hint = did_you_mean(part, names) or (f"; items: {', '.join(names)}" if names else "")
                raise ScenarioError([Problem(file, None, where, f"--set: no item {part!r} in this list{hint}")])
            if last:
                node[index] = value
                return
            node = node[index]
        else:
            raise ScenarioError(
                [Problem(file, None, where, f"--set: cannot go inside {type(node).__name__} value {node!r}")]
            )


NAMED = {
    "nations": "nation",
    "budgets": "budget",
    "materials": "material",
    "workforce": "workforce pool",
    "facilities": "facility",
    "demand": "demand",
}


def _check_new_key(node: dict[Any, Any], parts: list[str], depth: int, file: str) -> None:
    """A path through a key that does not exist is most likely a typo: refuse it when it names
    an undefined budget, material, pool, facility or demand, or is close to an existing key."""
    part, where = parts[depth], ".".join(parts[: depth + 1])
    names = [str(k) for k in node]
    if depth == 1 and parts[0] in NAMED:
        what = NAMED[parts[0]]
        hint = did_you_mean(part, names) or (f"; defined: {', '.join(names)}" if names else "")
        raise ScenarioError([Problem(file, None, where, f"--set: no {what} {part!r}{hint}")])
    hint = did_you_mean(part, names)
    if hint:
        raise ScenarioError([Problem(file, None, where, f"--set: no key {part!r} here{hint}")])


def _list_index(items: list[Any], part: str, where: str = "") -> int | None:
    """The item `part` names (a target, expansion or stage called `part`), else the position it
    writes; when it could be both (a target named `1`), the name wins and a note says so."""
    position = _whole(part)
    for i, item in enumerate(items):
        if isinstance(item, dict) and str(item.get("name")) == part:
            if position is not None and 0 <= position < len(items) and position != i:
                log.warning(
                    "--set %s: %r is the name of item %d (chosen) and also position %d in this list; the name wins",
                    where or part,
                    part,
                    i,
                    position,
                )
            return i
    if position is not None and position >= 0:
        return position if position < len(items) else None
    return None


def apply_overrides(data: dict[str, Any], assignments: list[str], file: str) -> tuple[dict[str, Any], list[str]]:
    """A copy of `data` with every assignment applied, and the dotted keys that were set."""
    result = copy.deepcopy(data)
    keys = []
    problems: list[Problem] = []
    for text in assignments:
        try:
            key, value = parse_assignment(text)
            set_path(result, key, value, file)
            keys.append(key)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return result, keys
