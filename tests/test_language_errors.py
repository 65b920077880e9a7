"""Every error message of the scenario language, matched by its text: file:line: dotted.key: message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_yaml

from sim.errors import ScenarioError
from sim.language.load import load_scenario

GOOD = """\
scenario: good
start: 2025-01-01
horizon: 5 years
budgets:
  money:
    appropriations: {2025: 1bn}
materials:
  steel: {initial: 100}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: 100k per year
    unit_cost: 1000
    consumes: {steel: 0.01}
targets:
  - name: many
    product: shell
    delivered: 100k
"""


def problems(tmp_path: Path, text: str, overrides: tuple[str, ...] = ()) -> list[str]:
    """The problems `text` yields, as printed, with the file written as F."""
    path = write_yaml(tmp_path, text, "s.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path), overrides)
    return [str(p).replace(str(path), "F") for p in info.value.problems]


def edit(old: str, new: str) -> str:
    assert GOOD.count(old) == 1, old
    return GOOD.replace(old, new)


def test_the_base_scenario_is_valid(tmp_path: Path) -> None:
    assert load_scenario(str(write_yaml(tmp_path, GOOD))).scenario.scenario == "good"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # unknown keys, with 'did you mean'
        (
            "horizon: 5 years\n",
            "horizon: 5 years\nreplicatons: 3\n",
            "F:4: replicatons: unknown key 'replicatons' at the top level; did you mean 'replications'?",
        ),
        (
            "appropriations: {2025: 1bn}\n",
            "appropriations: {2025: 1bn}\n    inflaton: 2%\n",
            "F:7: budgets.money.inflaton: unknown key 'inflaton' in budgets.money; did you mean 'inflation'?",
        ),
        (
            "    capacity: 100k per year\n",
            "    capcity: 100k per year\n",
            "F:14: facilities.plant.capcity: unknown key 'capcity' in facilities.plant; did you mean 'capacity'?",
        ),
        (
            "    delivered: 100k\n",
            "    delivered: 100k\n    bye: 2030\n",
            "F:21: targets.0.bye: unknown key 'bye' in targets.0; did you mean 'by'?",
        ),
        (
            "steel: {initial: 100}",
            "steel: {initial: 100, supply: {rate: 5 per day, lead_tme: 3 days}}",
            "F:8: materials.steel.supply.lead_tme: unknown key 'lead_tme' in materials.steel.supply; "
            "did you mean 'lead_time'?",
        ),
        # unknown references, with 'did you mean'
        (
            "    budget: money\n",
            "    budget: mony\n",
            "F:13: facilities.plant.budget: unknown budget 'mony'; did you mean 'money'?",
        ),
        (
            "consumes: {steel: 0.01}",
            "consumes: {steal: 0.01}",
            "F:16: facilities.plant.consumes.steal: unknown material 'steal'; did you mean 'steel'?",
        ),
        (
            "    product: shell\n    delivered",
            "    product: shel\n    delivered",
            "F:19: targets.0.product: unknown product 'shel'; did you mean 'shell'?",
        ),
        (
            "    budget: money\n",
            "    budget: treasury\n",
            "F:13: facilities.plant.budget: unknown budget 'treasury'; known budgets: money",
        ),
        (
            "targets:\n",
            "demand:\n  shel: {rate: 5 per day}\ntargets:\n",
            "F:18: demand.shel: unknown product 'shel'; did you mean 'shell'?",
        ),
        # units
        (
            "capacity: 100k per year",
            "capacity: 100k per fortnight",
            "F:14: facilities.plant.capacity: unknown time unit 'fortnight'; use days, weeks, months or years, "
            "got '100k per fortnight'",
        ),
        (
            "capacity: 100k per year",
            "capacity: 100k",
            "F:14: facilities.plant.capacity: expected a rate such as '80k per year', '12 per month', "
            "'300 per week' or '5 per day', got '100k'",
        ),
        (
            "unit_cost: 1000",
            "unit_cost: 1000 euros",
            "F:15: facilities.plant.unit_cost: expected a number such as 2_000_000, 40k, 2M, 1.5bn, 2.9tn or 1.5e9, "
            "got '1000 euros' (or {first_unit: X, learning: 90%} for a learning curve)",
        ),
        (
            "horizon: 5 years",
            "horizon: 5",
            "F:3: horizon: expected a duration with its unit, such as '18 months', '2.5 years', '90 days' or "
            "'6 weeks' (the unit must be said), got 5",
        ),
        (
            "    unit_cost: 1000\n",
            "    unit_cost: 1000\n    ramp_up: 18\n",
            "F:16: facilities.plant.ramp_up: expected a duration with its unit, such as '18 months', '2.5 years', "
            "'90 days' or '6 weeks' (the unit must be said), got 18",
        ),
        (
            "start: 2025-01-01",
            "start: 2025-13-01",
            "F:2: start: not a valid date (month must be in 1..12), got '2025-13-01'",
        ),
        # negative, NaN, infinity
        (
            "steel: {initial: 100}",
            "steel: {initial: -100}",
            "F:8: materials.steel.initial: must not be negative, got -100",
        ),
        (
            "unit_cost: 1000",
            "unit_cost: .nan",
            "F:15: facilities.plant.unit_cost: must be a finite number, got nan (or {first_unit: X, learning: 90%} "
            "for a learning curve)",
        ),
        (
            "appropriations: {2025: 1bn}",
            "appropriations: {2025: .inf}",
            "F:6: budgets.money.appropriations.2025: must be a finite number, got inf",
        ),
        ("delivered: 100k", "delivered: inf", "F:20: targets.0.delivered: must be a finite number, got 'inf'"),
        ("delivered: 100k", "delivered: 1e400", "F:20: targets.0.delivered: must be a finite number, got '1e400'"),
        # distributions
        (
            "capacity: 100k per year",
            "capacity: {triangular: [90k per year, 80k per year, 100k per year]}",
            "F:14: facilities.plant.capacity: triangular needs low ≤ mode ≤ high, "
            "got ['90k per year', '80k per year', '100k per year']",
        ),
        (
            "capacity: 100k per year",
            "capacity: {uniform: [2 per day, 1 per day]}",
            "F:14: facilities.plant.capacity: uniform needs low ≤ high, got ['2 per day', '1 per day']",
        ),
        (
            "capacity: 100k per year",
            "capacity: {triangle: [1 per day, 2 per day, 3 per day]}",
            "F:14: facilities.plant.capacity: unknown distribution 'triangle'; did you mean 'triangular'?; "
            "use one of triangular, pert, uniform, normal, lognormal",
        ),
        (
            "    unit_cost: 1000\n",
            "    unit_cost: 1000\n    lot: {uniform: [1 week, 2 weeks]}\n",
            "F:16: facilities.plant.lot: takes a single value here, not a distribution; "
            "got {'uniform': ['1 week', '2 weeks']}",
        ),
        (
            "    kind: munitions_factory\n",
            "    kind: vehicle_line\n    build_time: 1 year\n    start_interval: 0 days\n",
            "F:13: facilities.plant.start_interval: a start interval must last longer than zero",
        ),
        (
            "    kind: munitions_factory\n",
            "    kind: vehicle_line\n    build_time: 1 year\n    start_intervall: 1 month\n",
            "F:13: facilities.plant.start_intervall: unknown key 'start_intervall' in facilities.plant; "
            "did you mean 'start_interval'?",
        ),
        (
            "delivered: 100k",
            "delivered: {uniform: [1k, 2k]}",
            "F:20: targets.0.delivered: takes a single value here, not a distribution; got {'uniform': ['1k', '2k']}",
        ),
        (
            "targets:\n",
            "demand:\n  shell: {rate: 5 per day, from: 2027, until: 2026-06-01}\ntargets:\n",
            "F:18: demand.shell: 'until' (2026-06-01) must come after 'from' (2027-01-01)",
        ),
        # kinds and required keys
        (
            "kind: munitions_factory",
            "kind: munitions_factry",
            "F:11: facilities.plant.kind: unknown kind 'munitions_factry'; did you mean 'munitions_factory'?",
        ),
        (
            "    kind: munitions_factory\n",
            "",
            "F:10: facilities.plant: needs 'kind': one of munitions_factory, vehicle_line, shipyard",
        ),
        ("start: 2025-01-01\n", "", "F:1: start: required key missing"),
        ("    capacity: 100k per year\n", "", "F:10: facilities.plant.capacity: required key missing"),
        ("  - name: many\n", "  -\n", "F:19: targets.0.name: required key missing"),
        (
            "    delivered: 100k\n",
            "    delivered: 100k\n    stock: 5x\n",
            "F:18: targets.0: needs exactly one measure among delivered, rate, stock, capacity, unmet;"
            " found delivered, stock",
        ),
        # other values
        (
            "    unit_cost: 1000\n",
            "    unit_cost: 1000\n    yield: 120%\n",
            "F:16: facilities.plant.yield: a yield is at most 100%, got 120%",
        ),
        (
            "unit_cost: 1000",
            "unit_cost: {first_unit: 1000, learning: 120%}",
            "F:15: facilities.plant.unit_cost.learning: a learning rate must be above 0% and at most 100%, got 120%",
        ),
        ("horizon: 5 years", "horizon: 200 years", "F:3: horizon: at most 100 years, got 200 years"),
        ("horizon: 5 years\n", "horizon: 5 years\nseed: -1\n", "F:4: seed: must be ≥ 0, got -1"),
        (
            "appropriations: {2025: 1bn}",
            "appropriations: {2025: 1bn}\n    carry_over: maybe",
            "F:7: budgets.money.carry_over: expected true or false, got 'maybe'",
        ),
        (
            "appropriations: {2025: 1bn}",
            "appropriations: {2025: 1bn}\n    fiscal_year_start: 13-01",
            "F:7: budgets.money.fiscal_year_start: expected a month and day written MM-DD such as '04-01', got '13-01'",
        ),
        (
            "    appropriations: {2025: 1bn}\n",
            "    growth: 2%\n",
            "F:5: budgets.money: needs 'appropriations', 'gdp' with 'share_of_gdp', or 'from: {nation: N, path: core}'",
        ),
        (
            "    appropriations: {2025: 1bn}\n",
            "    appropriations: {}\n",
            "F:5: budgets.money: 'appropriations' needs at least one fiscal year",
        ),
        (
            "    appropriations: {2025: 1bn}\n",
            "    gdp: {2025: 1tn}\n    share_of_gdp: {}\n",
            "F:5: budgets.money: 'share_of_gdp' needs at least one fiscal year",
        ),
        (
            "    appropriations: {2025: 1bn}\n",
            "    gdp: {growth: 2%}\n    share_of_gdp: {2025: 2%}\n",
            "F:6: budgets.money.gdp: needs at least one fiscal year",
        ),
        (
            "  - name: many\n",
            "  - name: many\n    product: shell\n    rate: 5 per day\n  - name: many\n",
            "F:21: targets.1.name: target name 'many' is used twice; names must be unique",
        ),
    ],
)
def test_error_messages(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert expected in problems(tmp_path, edit(old, new))


def test_yaml_tags_are_refused_every_one(tmp_path: Path) -> None:
    text = GOOD + "extra: !!python/object/apply:os.system ['echo owned']\nother: !!python/object:os.system {}\n"
    assert problems(tmp_path, text) == [
        "F:21: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed; "
        "scenarios use plain values only",
        "F:22: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed; scenarios use plain values only",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "F: the file is empty; a scenario is a YAML mapping"),
        ("# only a comment\n", "F: the file is empty; a scenario is a YAML mapping"),
        ("- a\n- b\n", "F:1: a scenario is a YAML mapping of keys, got list"),
        ("scenario: [unclosed\n", "F:2: not valid YAML: expected ',' or ']', but got '<stream end>'"),
        ("a: 1\na: 2\n", "F:2: a: key 'a' appears twice in the same mapping (also on line 1)"),
        ("a: &x [1, 2]\nb: *x\nc: &y [*x, *x]\n", "F:3: c: unknown key 'c' at the top level"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in problems(tmp_path, text)


def test_alias_bomb_fails_fast(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    found = problems(tmp_path, "\n".join(lines) + "\n")
    assert len(found) == 1 and "document too large: more than 200,000 values after expanding aliases" in found[0]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read file: No such file or directory"):
        load_scenario(str(tmp_path / "nope.yaml"))


def test_every_error_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        GOOD.replace("horizon: 5 years", "horizon: 5")
        .replace("budget: money", "budget: mony")
        .replace("capacity: 100k per year", "capcity: 100k per year")
        .replace("{initial: 100}", "{initial: -1}")
        .replace("2025-01-01", "2025-02-30")
    )
    found = problems(tmp_path, text)
    assert found == [
        "F:2: start: not a valid date (day is out of range for month), got '2025-02-30'",
        "F:3: horizon: expected a duration with its unit, such as '18 months', '2.5 years', '90 days' or "
        "'6 weeks' (the unit must be said), got 5",
        "F:8: materials.steel.initial: must not be negative, got -1",
        "F:10: facilities.plant.capacity: required key missing",
        "F:13: facilities.plant.budget: unknown budget 'mony'; did you mean 'money'?",
        "F:14: facilities.plant.capcity: unknown key 'capcity' in facilities.plant; did you mean 'capacity'?",
    ]


def test_validate_reports_every_file_exit_2_and_no_traceback(tmp_path: Path) -> None:
    bad = write_yaml(tmp_path, GOOD.replace("budget: money", "budget: mony"), "bad.yaml")
    tagged = write_yaml(tmp_path, GOOD + "x: !!python/object:os.system {}\n", "tagged.yaml")
    good = write_yaml(tmp_path, GOOD, "good.yaml")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(good), str(bad), str(tagged)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert f"{good}: ok (good)" in proc.stdout
    assert f"{bad}:13: facilities.plant.budget: unknown budget 'mony'; did you mean 'money'?" in proc.stderr
    assert f"{tagged}:21: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_run_with_a_bad_file_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = write_yaml(tmp_path, GOOD.replace("horizon: 5 years", "horizon: 5"), "bad.yaml")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(bad), "--out", str(tmp_path / "out"), "--no-plots"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{bad}:3: horizon: expected a duration with its unit")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "summary.json").exists()


def test_problems_print_as_file_line_key_message() -> None:
    from sim.errors import Problem

    assert str(Problem("a.yaml", 4, "facilities.x.docks", "must be ≥ 1, got 0")) == (
        "a.yaml:4: facilities.x.docks: must be ≥ 1, got 0"
    )
    assert str(Problem("a.yaml", None, "", "the file is empty")) == "a.yaml: the file is empty"
