"""`--set KEY=VALUE`: any value by its dotted path, and clear errors for paths that do not exist."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import write_yaml

from sim.errors import ScenarioError
from sim.language.load import load_scenario
from sim.language.overrides import parse_assignment
from sim.language.types import Relative
from sim.language.units import DAYS_PER_YEAR
from sim.language.values import Uncertain

BASE = """\
scenario: overrides
start: 2025-01-01
horizon: 5 years
budgets:
  money:
    appropriations: {2025: 1bn, 2027: 2bn}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: 100k per year
    unit_cost: 1000
targets:
  - name: many
    product: shell
    delivered: 100k
  - name: fast
    product: shell
    rate: 2x
"""


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write_yaml(tmp_path, BASE, "base.yaml")


def test_values_are_set_by_dotted_path(base: Path) -> None:
    loaded = load_scenario(
        str(base),
        [
            "facilities.plant.capacity=200k per year",
            "budgets.money.appropriations.2026=5bn",
            "budgets.money.growth=5%",
            "budgets.money.carry_over=false",
            "horizon=10 years",
            "targets.many.delivered=2M",
            "targets.1.by=2030",
            "inventory.shell=1000",
            "facilities.plant.ramp_up={triangular: [1 year, 2 years, 3 years]}",
        ],
    )
    s = loaded.scenario
    plant = s.facilities["plant"]
    assert plant.capacity == pytest.approx(200_000 / DAYS_PER_YEAR)
    assert plant.ramp_up == Uncertain("triangular", (DAYS_PER_YEAR, 2 * DAYS_PER_YEAR, 3 * DAYS_PER_YEAR))
    money = s.budgets["money"]
    assert money.appropriations == {2025: 1e9, 2026: 5e9, 2027: 2e9}  # the year key is a number
    assert money.growth == pytest.approx(0.05)
    assert money.carry_over is False
    assert s.horizon == pytest.approx(10 * DAYS_PER_YEAR)
    assert s.targets[0].delivered == 2e6
    assert s.targets[1].by.isoformat() == "2030-01-01"
    assert s.targets[1].rate == Relative(2.0)
    assert s.inventory == {"shell": 1000.0}


def test_overrides_are_recorded_and_the_file_is_untouched(base: Path) -> None:
    before = base.read_bytes()
    loaded = load_scenario(str(base), ["horizon=2 years"])
    assert base.read_bytes() == before
    assert loaded.sha256 == hashlib.sha256(before).hexdigest()
    assert loaded.overrides == ("horizon=2 years",)
    assert loaded.data["horizon"] == "2 years"


def test_a_later_set_wins(base: Path) -> None:
    s = load_scenario(str(base), ["horizon=2 years", "horizon=3 years"]).scenario
    assert s.horizon == pytest.approx(3 * DAYS_PER_YEAR)


def test_value_reads_as_yaml() -> None:
    assert parse_assignment("a.b=3") == ("a.b", 3)
    assert parse_assignment("a.b=true") == ("a.b", True)
    assert parse_assignment("a = 2 years ") == ("a", "2 years")
    assert parse_assignment("a={x: [1, 2]}") == ("a", {"x": [1, 2]})
    assert parse_assignment("a=x=y") == ("a", "x=y")


def problems(base: Path, *sets: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(base), list(sets))
    return [str(p).replace(str(base), "F") for p in info.value.problems]


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("horizon", "--set: horizon: expected KEY=VALUE, such as facilities.barrow.docks=3"),
        ("=3", "--set: =3: the key must be a dotted path such as budgets.uk.growth"),
        ("a..b=3", "--set: a..b=3: the key must be a dotted path such as budgets.uk.growth"),
        ("facilities.plnt.capacity=5 per day", "F: facilities.plnt: --set: no facility 'plnt'; did you mean 'plant'?"),
        ("budgets.treasury.growth=5%", "F: budgets.treasury: --set: no budget 'treasury'; defined: money"),
        (
            "budgets.money.appropriation.2028=5",
            "F: budgets.money.appropriation: --set: no key 'appropriation' here; did you mean 'appropriations'?",
        ),
        ("targets.mny.by=2030", "F: targets.mny: --set: no item 'mny' in this list; did you mean 'many'?"),
        ("targets.7.by=2030", "F: targets.7: --set: no item '7' in this list (it has 2, numbered from 0)"),
        ("targets.slow.by=2030", "F: targets.slow: --set: no item 'slow' in this list; items: many, fast"),
        ("horizon.years=3", "F: horizon.years: --set: cannot go inside str value '5 years'"),
        # the value is checked like the file's, and marked as set on the command line
        (
            "horizon=3",
            "F: horizon: expected a duration with its unit, such as '18 months', '2.5 years', '90 days' or "
            "'6 weeks' (the unit must be said), got 3 (set by --set horizon)",
        ),
        (
            "facilities.plant.capcity=5 per day",
            "F: facilities.plant.capcity: unknown key 'capcity' in "
            "facilities.plant; did you mean 'capacity'? (set by --set facilities.plant.capcity)",
        ),
        (
            "horizn=3 years",
            "F: horizn: unknown key 'horizn' at the top level; did you mean 'horizon'? (set by --set horizn)",
        ),
        (
            "facilities.plant.budget=mony",
            "F: facilities.plant.budget: unknown budget 'mony'; did you mean 'money'? "
            "(set by --set facilities.plant.budget)",
        ),
        ("foo.bar=3", "F: foo: unknown key 'foo' at the top level (set by --set foo.bar)"),
    ],
)
def test_bad_set_paths_and_values(base: Path, assignment: str, expected: str) -> None:
    assert expected in problems(base, assignment)


def test_every_bad_set_is_reported(base: Path) -> None:
    found = problems(base, "facilities.plnt.capacity=1", "targets.mny.by=2030")
    assert len(found) == 2


def test_set_changes_the_result_of_a_run(tmp_path: Path, base: Path, rearm) -> None:
    import json

    outs = []
    for i, sets in enumerate(([], ["--set", "facilities.plant.capacity=50k per year"])):
        out = tmp_path / f"out{i}"
        result = rearm("run", base, "--out", out, "--no-plots", "--jobs", "1", *sets)
        assert result.code == 0, result.err
        outs.append(json.loads((out / "summary.json").read_text()))
    fast, slow = (o["targets"][0]["years_to_reach"]["p50"] for o in outs)
    assert slow == pytest.approx(2 * fast, abs=0.05)
    assert outs[1]["overrides"] == ["facilities.plant.capacity=50k per year"]
