"""No silent guesses: a number the language could read two ways is refused, never guessed.

A percentage carries `%` or is a fraction below 1; a comma or underscore only groups digits by
three; a boolean is never a number; a key is given once, in one spelling; YAML 1.1's octal and
base-60 readings are refused; every pattern fails fast on hostile text, and numbers too long to
convert are refused before conversion. Each case goes through `rearm validate` (the file, then
`--set`), and its message names the file, the line, the dotted key, what was found and the form
expected, with no traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CliResult, write_yaml

import sim.language
from sim.language.json_schema import scenario_json_schema
from sim.language.units import QUANTITY_HINT

BASE = """\
scenario: guesses
start: 2026-01-01
horizon: 10 years
seed: 1
replications: 1
inventory: {shell: 1000}
budgets:
  navy:
    appropriations: {2026: 1bn, 2030: 2bn}
    growth: 2%
    inflation: 1%
  nato:
    gdp: {2026: 2.9tn, growth: 1.5%}
    share_of_gdp: {2026: 2%, 2035: 3.5%}
    allocation: 1%
workforce:
  wrights: {initial: 3000}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: nato
    capacity: 100k per year
    unit_cost: {first_unit: 1000, learning: 90%}
    yield: 95%
    priority: 1
    workforce: {wrights: 10}
    expansions:
      - {name: more, capacity: 50k per year, capex: 10M}
  yard:
    kind: shipyard
    product: boat
    budget: navy
    docks: 2
    hulls: 4
    learning: 95%
    unit_cost: 1bn
    stages:
      - {name: build, duration: 2 years, cost_share: 60%}
      - {name: trials, duration: 1 year, dock: false, cost_share: 40%}
    expansions:
      - {name: third dock, docks: 1, capex: 100M}
targets:
  - {name: shells, product: shell, delivered: 100k, by: 2030}
"""

#: a line of BASE -> its line number (1-based)
LINE = {text.strip(): n for n, text in enumerate(BASE.splitlines(), start=1)}


def edit(old: str, new: str) -> str:
    """BASE with `old` (found once) replaced by `new`."""
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def refused(result: CliResult, *parts: str) -> str:
    """`result` is a refusal (exit 2, no traceback) whose one message holds every part."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    line = next((x for x in result.err.splitlines() if all(p in x for p in parts)), None)
    assert line is not None, (parts, result.err)
    return line


def validate_text(rearm: Callable[..., CliResult], tmp_path: Path, text: str, *sets: str) -> tuple[CliResult, str]:
    path = write_yaml(tmp_path, text, "s.yaml")
    args = [a for s in sets for a in ("--set", s)]
    return rearm("validate", str(path), *args), str(path)


def test_the_base_scenario_is_valid(rearm: Callable[..., CliResult], tmp_path: Path) -> None:
    result, path = validate_text(rearm, tmp_path, BASE)
    assert result.code == 0, result.err
    assert result.out.strip() == f"{path}: ok (guesses)"


# --- percentages: '%', or a fraction below 1 ------------------------------------------------

#: (the line of BASE to change, the key's dotted path, the line written with a bare number)
PERCENT_KEYS = [
    ("growth: 2%", "budgets.navy.growth", "growth: {}"),
    ("inflation: 1%", "budgets.navy.inflation", "inflation: {}"),
    ("gdp: {2026: 2.9tn, growth: 1.5%}", "budgets.nato.gdp", "gdp: {{2026: 2.9tn, growth: {}}}"),
    ("share_of_gdp: {2026: 2%, 2035: 3.5%}", "budgets.nato.share_of_gdp.2035", "share_of_gdp: {{2026: 2%, 2035: {}}}"),
    ("allocation: 1%", "budgets.nato.allocation", "allocation: {}"),
    ("yield: 95%", "facilities.plant.yield", "yield: {}"),
    (
        "unit_cost: {first_unit: 1000, learning: 90%}",
        "facilities.plant.unit_cost",
        "unit_cost: {{first_unit: 1000, learning: {}}}",
    ),
    ("learning: 95%", "facilities.yard.learning", "learning: {}"),
]
SET_PATHS = {
    "budgets.nato.gdp": "budgets.nato.gdp.growth",
    "facilities.plant.unit_cost": "facilities.plant.unit_cost.learning",
}


@pytest.mark.parametrize(
    ("bare", "percent", "fraction"), [("3.5", "3.5%", "0.035"), ("95", "95%", "0.95"), ("1", "1%", "0.01")]
)
@pytest.mark.parametrize(("old", "key", "new"), PERCENT_KEYS, ids=[k for _, k, _ in PERCENT_KEYS])
def test_a_bare_percentage_of_one_or_more_is_refused(
    rearm: Callable[..., CliResult],
    tmp_path: Path,
    old: str,
    key: str,
    new: str,
    bare: str,
    percent: str,
    fraction: str,
) -> None:
    result, path = validate_text(rearm, tmp_path, edit(old, new.format(bare)))
    message = refused(
        result, f"{path}:{LINE[old]}: {key}", f"got {bare}", f"write '{percent}' (or {fraction} as a fraction)"
    )
    assert "a percentage such as '3%' or a fraction below 1" in message
    # the same through --set, which names itself and the key
    set_key = SET_PATHS.get(key, key)
    result, path = validate_text(rearm, tmp_path, BASE, f"{set_key}={bare}")
    refused(result, path, key, f"got {bare}", f"write '{percent}'", f"--set {set_key})")


def test_the_stage_cost_share_is_a_percentage_too(rearm: Callable[..., CliResult], tmp_path: Path) -> None:
    old = "- {name: build, duration: 2 years, cost_share: 60%}"
    result, path = validate_text(rearm, tmp_path, edit(old, "- {name: build, duration: 2 years, cost_share: 60}"))
    refused(
        result,
        f"{path}:{LINE[old]}: facilities.yard.stages.0.cost_share",
        "got 60",
        "write '60%' (or 0.6 as a fraction)",
    )
    result, path = validate_text(rearm, tmp_path, BASE, "facilities.yard.stages.0.cost_share=60")
    refused(result, path, "cost_share", "got 60", "(set by --set facilities.yard.stages.0.cost_share)")


def test_one_names_all_of_it_as_a_reading(rearm: Callable[..., CliResult], tmp_path: Path) -> None:
    result, _ = validate_text(rearm, tmp_path, edit("yield: 95%", "yield: 1.0"))
    refused(result, "facilities.plant.yield", "got 1.0", "write '1%' (or 0.01 as a fraction) (or '100%' for all of it)")


def test_a_distribution_of_bare_percentages_is_refused_item_by_item(
    rearm: Callable[..., CliResult], tmp_path: Path
) -> None:
    result, path = validate_text(rearm, tmp_path, edit("growth: 2%", "growth: {triangular: [1, 2, 3]}"))
    refused(result, f"{path}:{LINE['growth: 2%']}: budgets.navy.growth", "got 1", "write '1%'")


def test_percent_signs_and_fractions_below_one_mean_what_they_say(
    rearm: Callable[..., CliResult], tmp_path: Path, load_yaml: Callable[..., Any]
) -> None:
    text = edit("growth: 2%", "growth: 0.035").replace("allocation: 1%", "allocation: '0.5'")
    scenario = load_yaml(text, ("facilities.plant.yield=99.5%", "budgets.navy.inflation=0")).scenario
    assert scenario.budgets["navy"].growth == pytest.approx(0.035)
    assert scenario.budgets["nato"].allocation == pytest.approx(0.5)
    assert scenario.budgets["nato"].share_of_gdp == {2026: pytest.approx(0.02), 2035: pytest.approx(0.035)}
    assert scenario.facilities["plant"].yield_ == pytest.approx(0.995)
    assert scenario.budgets["navy"].inflation == 0.0


def test_defaults_written_in_code_are_not_read_as_bare_numbers(load_yaml: Callable[..., Any]) -> None:
    # yield and learning default to 1.0 (100%): defaults are values, not text to parse
    text = edit("    yield: 95%\n", "").replace("    learning: 95%\n", "")
    scenario = load_yaml(text).scenario
    assert scenario.facilities["plant"].yield_ == 1.0
    assert scenario.facilities["yard"].learning == 1.0
    assert scenario.budgets["nato"].inflation == 0.0


# --- digit separators: a comma or underscore groups digits by three, nothing else -----------

SEPARATORS = [
    ("unit_cost: 1bn", "unit_cost: 1,5bn", "facilities.yard.unit_cost", "'1,5bn'", "decimal comma", "'1.5bn'"),
    ("growth: 2%", "growth: 2,5%", "budgets.navy.growth", "'2,5%'", "decimal comma", "'2.5%'"),
    ("capacity: 100k per year", "capacity: 1,2,3 per year", "facilities.plant.capacity", "'1,2,3'", "by three", ""),
    ("inventory: {shell: 1000}", "inventory: {shell: '12,34'}", "inventory.shell", "'12,34'", "decimal comma", ""),
    ("inventory: {shell: 1000}", "inventory: {shell: '1234,567'}", "inventory.shell", "'1234,567'", "by three", ""),
    ("inventory: {shell: 1000}", "inventory: {shell: ',100'}", "inventory.shell", "',100'", "expected a number", ""),
    ("inventory: {shell: 1000}", "inventory: {shell: '1_5k'}", "inventory.shell", "'1_5k'", "by three", ""),
    ("inventory: {shell: 1000}", "inventory: {shell: 1_5}", "inventory.shell", "1_5", "by three", ""),
    ("wrights: {initial: 3000}", "wrights: {initial: 30_00}", "workforce.wrights.initial", "30_00", "by three", ""),
    ("priority: 1", "priority: '1,5'", "facilities.plant.priority", "'1,5'", "decimal comma", ""),
    ("docks: 2", "docks: '1_0'", "facilities.yard.docks", "'1_0'", "by three", ""),
]


@pytest.mark.parametrize(("old", "new", "key", "found", "why", "suggested"), SEPARATORS, ids=[s[1] for s in SEPARATORS])
def test_separators_that_are_not_thousands_are_refused(
    rearm: Callable[..., CliResult], tmp_path: Path, old: str, new: str, key: str, found: str, why: str, suggested: str
) -> None:
    result, path = validate_text(rearm, tmp_path, edit(old, new))
    message = refused(result, f"{path}:{LINE[old]}: {key}", found, why)
    assert "expected" in message and suggested in message
    value = new.split(": ", 1)[1]
    if key in ("inventory.shell",):
        set_key, value = key, value.strip("{}").split(": ", 1)[1]
    else:
        set_key = key
    result, path = validate_text(rearm, tmp_path, BASE, f"{set_key}={value}")
    message = refused(result, key, found.strip("'"), why)
    assert "--set" in message


def test_thousands_separators_and_scales_keep_working(load_yaml: Callable[..., Any]) -> None:
    text = edit(
        "inventory: {shell: 1000}", "inventory: {shell: '2,000,000', boat: 2_000_000, shot: 40k, gun: '1,500.5'}"
    )
    text = text.replace("capacity: 100k per year", "capacity: 1,200,000 per year")
    scenario = load_yaml(text, ("facilities.yard.unit_cost=€1,000,000",)).scenario
    assert scenario.inventory == {"shell": 2e6, "boat": 2e6, "shot": 4e4, "gun": 1500.5}
    assert scenario.facilities["plant"].capacity == pytest.approx(1.2e6 / 365.25)
    assert scenario.facilities["yard"].unit_cost == 1e6


# --- booleans are not numbers ---------------------------------------------------------------

BOOLEANS = [
    ("priority: 1", "priority: true", "facilities.plant.priority", "expected a number, found a boolean true"),
    ("docks: 2", "docks: yes", "facilities.yard.docks", "expected a whole number, found a boolean true"),
    ("hulls: 4", "hulls: on", "facilities.yard.hulls", "expected a whole number, found a boolean true"),
    ("replications: 1", "replications: true", "replications", "expected a whole number, found a boolean true"),
    ("seed: 1", "seed: false", "seed", "expected a whole number, found a boolean false"),
    ("- {name: third dock, docks: 1, capex: 100M}", "- {name: third dock, docks: yes, capex: 100M}",
     "facilities.yard.expansions.0.docks", "expected a whole number, found a boolean true"),
    ("workforce: {wrights: 10}", "workforce: {wrights: yes}", "facilities.plant.workforce.wrights",
     "expected a whole number, found a boolean true"),
    ("inventory: {shell: 1000}", "inventory: {shell: yes}", "inventory.shell",
     f"expected {QUANTITY_HINT}, found a boolean true"),
    ("appropriations: {2026: 1bn, 2030: 2bn}", "appropriations: {2026: true, 2030: 2bn}",
     "budgets.navy.appropriations.2026", f"expected {QUANTITY_HINT}, found a boolean true"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "key", "expected"), BOOLEANS, ids=[b[2] for b in BOOLEANS])
def test_a_boolean_is_never_read_as_a_number(
    rearm: Callable[..., CliResult], tmp_path: Path, old: str, new: str, key: str, expected: str
) -> None:
    result, path = validate_text(rearm, tmp_path, edit(old, new))
    refused(result, f"{path}:{LINE[old]}: {key}", expected)
    result, path = validate_text(rearm, tmp_path, BASE, f"{key}={'false' if 'false' in expected else 'true'}")
    refused(result, path, key, "found a boolean", f"(set by --set {key})")


# --- one key, one spelling ------------------------------------------------------------------


def test_a_fiscal_year_written_twice_in_two_spellings_is_refused(
    rearm: Callable[..., CliResult], tmp_path: Path
) -> None:
    old = "appropriations: {2026: 1bn, 2030: 2bn}"
    text = edit(old, "appropriations:\n      2026: 1bn\n      2030: 2bn\n      '2026': 5bn")
    result, path = validate_text(rearm, tmp_path, text)
    first = LINE[old] + 1
    refused(result, f"{path}:{first + 2}: budgets.navy.appropriations.2026", f"the key 2026 of line {first}", "'2026'")
    text = edit("share_of_gdp: {2026: 2%, 2035: 3.5%}", "share_of_gdp: {2026: 2%, 2035: 3.5%, ' 2035': 9%}")
    result, path = validate_text(rearm, tmp_path, text)
    refused(result, f"{path}:{LINE['share_of_gdp: {2026: 2%, 2035: 3.5%}']}: budgets.nato.share_of_gdp", "2035")


def test_a_date_key_written_two_ways_is_refused(rearm: Callable[..., CliResult], tmp_path: Path) -> None:
    old = "appropriations: {2026: 1bn, 2030: 2bn}"
    text = edit(old, "appropriations:\n      2027-01-01: 1bn\n      '2027-01-01': 2bn")
    result, path = validate_text(rearm, tmp_path, text)
    refused(result, f"{path}:{LINE[old] + 2}:", "key '2027-01-01' is the key 2027-01-01", f"of line {LINE[old] + 1}")


def test_a_merge_may_override_the_keys_it_brings(load_yaml: Callable[..., Any]) -> None:
    text = edit("  navy:\n", "  navy: &navy\n").replace(
        "  nato:\n", "  fleet:\n    <<: *navy\n    growth: 4%\n  nato:\n"
    )
    scenario = load_yaml(text).scenario
    assert scenario.budgets["fleet"].growth == pytest.approx(0.04)
    assert scenario.budgets["fleet"].inflation == pytest.approx(0.01)
    assert scenario.budgets["navy"].growth == pytest.approx(0.02)


@pytest.mark.parametrize("merge", ["5", "[1, 2]", "[{a: 1}, 3]"])
def test_a_merge_of_something_other_than_mappings_is_refused(
    rearm: Callable[..., CliResult], tmp_path: Path, merge: str
) -> None:
    result, path = validate_text(rearm, tmp_path, BASE + f"extra: {{<<: {merge}}}\n")
    refused(result, f"{path}:{len(BASE.splitlines()) + 1}: extra", "cannot merge")


# --- YAML 1.1's other readings of numbers ---------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        ("docks: 2", "docks: 010", "facilities.yard.docks", "YAML reads 010 as an octal number"),
        ("seed: 1", "seed: 1:30", "seed", "YAML reads 1:30 in base 60"),
    ],
)
def test_octal_and_base_60_are_refused(
    rearm: Callable[..., CliResult], tmp_path: Path, old: str, new: str, key: str, expected: str
) -> None:
    result, path = validate_text(rearm, tmp_path, edit(old, new))
    refused(result, f"{path}:{LINE[old]}: {key}", expected)
    result, _ = validate_text(rearm, tmp_path, BASE, f"{key}={new.split(': ')[1]}")
    refused(result, f"--set: {key}", expected)


# --- numbers too long to convert --------------------------------------------------------------

LONG = "1" * 5000


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        ("replications: 1", f"replications: {LONG}", "replications", "a number of 5,000 characters"),
        ("seed: 1", f"seed: 0x{'f' * 5000}", "seed", "a number of 5,002 characters"),
        ("seed: 1", f"seed: 0x{'f' * 90}", "seed", "at most 100 digits, got a whole number of about 108 digits"),
        ("docks: 2", f"docks: 0x{'f' * 90}", "facilities.yard.docks", "expected a whole number of at most 100 digits"),
        ("hulls: 4", "hulls: 1.0e+300", "facilities.yard.hulls", "at most 100 digits, got 1e+300"),
        ("docks: 2", f"docks: 1{'0' * 400}", "facilities.yard.docks", "a number of 401 characters"),
        ("priority: 1", f"priority: '{LONG}'", "facilities.plant.priority", "got a text of 5,000 characters"),
        ("unit_cost: 1bn", f"unit_cost: 1{'0' * 400}", "facilities.yard.unit_cost", "a number of 401 characters"),
        ("unit_cost: 1bn", f"unit_cost: '{LONG}'", "facilities.yard.unit_cost", "got a text of 5,000 characters"),
    ],
)
def test_a_number_too_long_to_convert_is_refused_before_converting(
    rearm: Callable[..., CliResult], tmp_path: Path, old: str, new: str, key: str, expected: str
) -> None:
    result, path = validate_text(rearm, tmp_path, edit(old, new))
    refused(result, f"{path}:{LINE[old]}: {key}", expected)
    result, _ = validate_text(rearm, tmp_path, BASE, f"{key}={new.split(': ')[1]}")
    refused(result, key, expected)


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        (f"budgets.navy.appropriations.{LONG}=1bn", "expected a whole number, got a text of 5,000 characters"),
        (f"targets.{LONG}.by=2029", "--set: no item '1111"),
        ("targets.².by=2029", "--set: no item '²' in this list; items: shells"),
        ("targets.-1.by=2029", "--set: no item '-1' in this list"),
    ],
)
def test_set_path_parts_that_are_not_ascii_positions_are_names(
    rearm: Callable[..., CliResult], tmp_path: Path, assignment: str, expected: str
) -> None:
    result, _ = validate_text(rearm, tmp_path, BASE, assignment)
    refused(result, expected)


# --- regular expressions fail fast ----------------------------------------------------------


def language_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    """Every compiled pattern of every module of `sim.language`, and every pattern of the JSON
    Schema (which editors and `jsonschema` run)."""
    for info in pkgutil.iter_modules(sim.language.__path__):
        module = importlib.import_module(f"sim.language.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                yield f"{info.name}.{name}", value
    seen: set[str] = set()

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                yield node["pattern"]
            for v in node.values():
                yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)

    for pattern in walk(scenario_json_schema()):
        if pattern not in seen:
            seen.add(pattern)
            yield f"schema {pattern[:40]}", re.compile(pattern)


PATTERNS = list(language_patterns())


def hostile_texts(pattern: re.Pattern[str], n: int = 5000) -> Iterator[str]:
    """Long runs of digits, spaces, separators, the pattern's own characters and pieces of
    values, each after a plausible start and before a stray character."""
    pieces = set(pattern.pattern) | {"1", " ", ",", "_", ".", "e", "x", "%", "/", "p"}
    pieces |= {"1 ", "1,", "1_", "1,000", "per ", " per", "1.", "1e", "12,345", "0", "-1", "2026-"}
    for piece in sorted(pieces):
        for start in ("", "1", "£ "):
            for stray in ("!", " x per yearx"):
                yield start + piece * (n // len(piece)) + stray


def test_the_pattern_census_covers_the_unit_parsers() -> None:
    names = {name for name, _ in PATTERNS}
    assert {"units._QUANTITY_RE", "units._RATE_UNIT_RE", "units._DURATION_RE", "units._PERCENT_RE"} <= names
    assert {"types._RELATIVE_RE", "yaml_source._OCTAL_RE", "overrides._WHOLE_RE"} <= names
    assert sum(name.startswith("schema ") for name in names) >= 4


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_every_pattern_fails_fast_on_hostile_text(name: str, pattern: re.Pattern[str]) -> None:
    # the unit parsers match whole stripped text; jsonschema searches
    methods = [pattern.search] if name.startswith("schema ") else [pattern.match, pattern.fullmatch]
    texts = [*hostile_texts(pattern), "1" * 30_000 + "x per year", "1" + " " * 200_000 + "x per year"]
    for text in texts:
        for method in methods:
            began = time.perf_counter()
            method(text)
            took = time.perf_counter() - began
            assert took < 0.2, f"{name} took {took:.2f} s on {text[:30]!r}... ({len(text):,} characters)"


@pytest.mark.parametrize(
    "value", ["1" * 30_000 + "x per year", "1" + " " * 200_000 + "x per year", "1," * 20_000 + "5 per year"]
)
def test_a_hostile_rate_is_refused_within_milliseconds(
    rearm: Callable[..., CliResult], tmp_path: Path, value: str
) -> None:
    text = edit("capacity: 100k per year", f"capacity: '{value}'")
    began = time.perf_counter()
    result, path = validate_text(rearm, tmp_path, text)
    took = time.perf_counter() - began
    refused(result, f"{path}:{LINE['capacity: 100k per year']}: facilities.plant.capacity", "expected a rate")
    assert took < 2.0, took  # the whole command; the parse itself is linear


# --- editors are told the same ----------------------------------------------------------------


def as_editor_sees(node: Any) -> Any:
    """YAML data as an editor's YAML language server checks it: keys are text, dates are text."""
    if isinstance(node, dict):
        return {str(k): as_editor_sees(v) for k, v in node.items()}
    if isinstance(node, list):
        return [as_editor_sees(v) for v in node]
    return node.isoformat() if hasattr(node, "isoformat") else node


@pytest.mark.parametrize(
    ("path", "key", "bad"),
    [
        (("budgets", "navy"), "growth", 3.5),
        (("facilities", "plant"), "yield", 95),
        (("facilities", "yard"), "learning", 1),
        (("facilities", "yard"), "docks", True),
        (("facilities", "plant"), "priority", True),
        (("facilities", "plant"), "capacity", "1,2,3 per year"),
        (("facilities", "yard"), "unit_cost", "1,5bn"),
        (("budgets", "navy"), "inflation", "2,5%"),
    ],
)
def test_the_json_schema_refuses_what_the_loader_refuses(path: tuple[str, ...], key: str, bad: Any) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    data = as_editor_sees(yaml.safe_load(BASE))
    assert not list(validator.iter_errors(data))
    node = data
    for part in path:
        node = node[part]
    node[key] = bad
    assert list(validator.iter_errors(data)), f"{key}: {bad!r} passed the schema"
