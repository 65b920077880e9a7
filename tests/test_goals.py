"""Goals that stay put: a relative threshold (`5x`) is a multiple of a base fixed once, from the
scenario as written (or its written `baseline`), so that no variation in a study moves a goal."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SCENARIOS, write_yaml
from pydantic import BaseModel

from sim import api
from sim.errors import ScenarioError
from sim.language.load import load_scenario
from sim.language.types import Relative
from sim.language.units import DAYS_PER_YEAR, parse_rate
from sim.language.values import Uncertain
from sim.metrics.goals import BASELINE_AT_START, BASELINE_WRITTEN
from sim.studies.goals import bases_at_start, central, fix_goals

YEAR = DAYS_PER_YEAR
EXPANSION_OPENS = 365 + YEAR  # started 2026-01-01 (day 365), built in a year, then ramping for a year

#: a plant of C a year from day 0, and a hall of 600k a year opening at EXPANSION_OPENS and
#: ramping linearly over a year: its capacity reaches X at EXPANSION_OPENS + (X - C) / 600k years
PLANT = """
scenario: one plant and an expansion
start: 2025-01-01
horizon: 6 years
seed: 3
replications: 2
budgets:
  money: {{appropriations: {{2025: 1tn}}}}
inventory: {{shell: 40k}}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {capacity}
    lot: 7 days
    unit_cost: 1000
    expansions:
      - {{name: new hall, capacity: 600k per year, capex: 0, start: 2026-01-01, construction: 1 year, ramp_up: 1 year}}
targets:
  - {{name: five-fold, product: shell, capacity: 5x{baseline}}}
  - {{name: stock doubled, product: shell, stock: 2x}}
"""


def plant(tmp_path: Path, capacity: str = "100k per year", baseline: str = "", name: str = "plant.yaml") -> Path:
    extra = f", baseline: {baseline}" if baseline else ""
    return write_yaml(tmp_path, PLANT.format(capacity=capacity, baseline=extra), name)


def reached_at(start_capacity: float, threshold: float) -> float:
    """Days until the plant's capacity (per year) reaches `threshold` (per year): the closed form
    (compared to a microday: the measure reads a ramp's end a nanoday before its knot)."""
    return EXPANSION_OPENS + (threshold - start_capacity) / 600e3 * YEAR


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def years(cell: str) -> float:
    """A results.csv years cell; an unreached target (empty) is later than any date."""
    return math.inf if cell == "" else float(cell)


def test_a_relative_goal_stays_put_in_a_sweep_over_the_lines_own_capacity(tmp_path: Path) -> None:
    # As written the plant makes 100k a year, so "5x" is 500k a year at every point: the 150k
    # point reaches it earlier (before, its goal was 750k a year and it was never reached).
    out = tmp_path / "out"
    study = api.sweep(plant(tmp_path), ["facilities.plant.capacity=100k per year,150k per year"], out=out)
    rows = rows_of(out / "results.csv")
    assert len(rows) == 4 and all(r["error"] == "" for r in rows)
    assert {float(r["threshold:five-fold"]) for r in rows} == {500e3}
    assert {float(r["threshold:stock doubled"]) for r in rows} == {80e3}
    by_point = {p: [r for r in rows if r["point"] == p] for p in ("0", "1")}
    for small, large in zip(by_point["0"], by_point["1"], strict=True):
        assert small["replication"] == large["replication"]
        assert years(large["years_to_reach:five-fold"]) <= years(small["years_to_reach:five-fold"])
        assert float(small["years_to_reach:five-fold"]) * YEAR == pytest.approx(reached_at(100e3, 500e3), abs=1e-6)
        assert float(large["years_to_reach:five-fold"]) * YEAR == pytest.approx(reached_at(150e3, 500e3), abs=1e-6)
    (goal, _) = json.loads((out / "study.json").read_text(encoding="utf-8"))["goals"]
    assert goal == {
        "name": "five-fold",
        "measure": "capacity",
        "resolved_threshold": 500e3,
        "baseline": 100e3,
        "baseline_source": BASELINE_AT_START,
    }
    assert "five-fold" in study.report


def test_a_bottleneck_on_the_lines_capacity_now_shows_its_gain(tmp_path: Path) -> None:
    # Relaxing the plant's capacity (×100) used to multiply its own goal by 100 as well: no gain.
    # With the goal fixed at 500k a year the relaxed plant has it at day 0.
    found = api.bottlenecks(plant(tmp_path), replications=1, out=tmp_path / "out").bottlenecks()
    gain = {r["constraint"]: r["months_earlier"] for r in found["five-fold"]}
    assert gain["capacity:plant"] == pytest.approx(round(reached_at(100e3, 500e3) / YEAR * 12, 3), abs=1e-3)


def test_an_explicit_baseline_gives_factor_times_baseline_exactly(tmp_path: Path) -> None:
    loaded = load_scenario(str(plant(tmp_path, baseline='"120k per year"')))
    target = loaded.scenario.targets[0]
    assert target.baseline == parse_rate("120k per year")
    assert target.fixed_threshold == 5 * parse_rate("120k per year")
    assert bases_at_start(loaded.scenario) == {"stock doubled": 40e3}  # the written base is not replaced
    run = api.run(loaded, replications=2)
    (five, stock) = run.summary["targets"]
    assert five["resolved_threshold"] == 600e3 and five["baseline"] == 120e3
    assert five["baseline_source"] == BASELINE_WRITTEN and five["threshold"] == "5x"
    assert stock["resolved_threshold"] == 80e3 and stock["baseline_source"] == BASELINE_AT_START
    for r in run.run.results:
        assert r.target_days[0] == pytest.approx(reached_at(100e3, 600e3), abs=1e-6)


CENTRAL = """
scenario: uncertain plants
start: 2025-01-01
horizon: 3 years
seed: 5
replications: 4
budgets:
  money: {appropriations: {2025: 1tn}}
facilities:
  a:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {triangular: [60k per year, 90k per year, 150k per year]}
    unit_cost: {uniform: [900, 1100]}
  b:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {uniform: [20k per year, 40k per year]}
    unit_cost: 1000
  later:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: 500k per year
    available_from: 2026-01-01
    unit_cost: 1000
  ramping:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: 300k per year
    ramp_up: {triangular: [6 months, 1 year, 2 years]}
    unit_cost: 1000
targets:
  - {name: five-fold, product: shell, capacity: 5x}
  - {name: rate tripled, product: shell, rate: 3x}
"""


def test_without_a_baseline_the_base_is_the_central_value_capacity_at_start(tmp_path: Path) -> None:
    # At day 0 only `a` and `b` produce (`later` opens in 2026, `ramping` starts from nothing):
    # their mean capacities are (60k + 90k + 150k) / 3 = 100k and (20k + 40k) / 2 = 30k a year.
    loaded = load_scenario(str(write_yaml(tmp_path, CENTRAL)))
    base = (100e3 + 30e3) / YEAR
    assert bases_at_start(loaded.scenario) == pytest.approx({"five-fold": base, "rate tripled": base}, rel=1e-12)
    assert central(loaded.scenario).facilities["a"].capacity == pytest.approx(100e3 / YEAR, rel=1e-12)
    fixed = fix_goals(loaded.scenario)
    assert fixed.targets[0].fixed_threshold == pytest.approx(5 * base, rel=1e-12)
    assert fixed.targets[1].fixed_threshold == pytest.approx(3 * base, rel=1e-12)
    assert loaded.scenario.targets[0].baseline is None  # the scenario as written is left as it is
    (five, rate) = api.run(loaded).summary["targets"]
    assert five["resolved_threshold"] == pytest.approx(650e3, rel=1e-9)
    assert rate["resolved_threshold"] == pytest.approx(390e3, rel=1e-9)
    assert five["baseline"] == rate["baseline"] == pytest.approx(130e3, rel=1e-9)
    assert five["baseline_source"] == BASELINE_AT_START


def test_compare_takes_each_scenarios_goals_from_itself_as_written(tmp_path: Path) -> None:
    first = plant(tmp_path, "100k per year", name="first.yaml")
    second = plant(tmp_path, "200k per year", name="second.yaml")
    out = tmp_path / "out"
    api.compare([first, second], replications=1, out=out)
    goals = json.loads((out / "study.json").read_text(encoding="utf-8"))["goals"]
    assert [goals[str(f)][0]["resolved_threshold"] for f in (first, second)] == [500e3, 1e6]
    rows = rows_of(out / "results.csv")
    assert [float(r["threshold:five-fold"]) for r in rows] == [500e3, 1e6]
    assert float(rows[0]["years_to_reach:five-fold"]) * YEAR == pytest.approx(reached_at(100e3, 500e3), abs=1e-6)
    assert rows[1]["years_to_reach:five-fold"] == ""  # 200k + 600k never reaches 1M


def test_nato_iris_t_at_700_a_year_is_never_later_than_at_500(tmp_path: Path) -> None:
    # The case: IRIS-T's starting capacity raised from 500 to 700 a year used to move
    # "medium-range +400%" from always on time to never. Its goal is now 5 × the central capacity
    # at start as written, 5 × (500 + 700 + 1,000) / 3 a year, at both points.
    # As announced (`realism=none`): with the calibrated priors IRIS-T's expansions reach about
    # half their rating and neither point reaches the goal, which would compare nothing.
    nato = ROOT / "scenarios" / "nato_air_defence.yaml"
    vary = ["facilities.iris_t_diehl.capacity=500 per year,700 per year"]
    column = "years_to_reach:medium-range +400%"
    for overrides, threshold in (
        (("realism=none",), 5 * 2200 / 3),
        (("realism=none", "targets.1.baseline=500 per year"), 2500.0),
    ):
        out = tmp_path / f"out{len(overrides)}"
        api.sweep(api.load(nato, overrides), vary, replications=3, out=out)
        rows = rows_of(out / "results.csv")
        assert [float(r["threshold:medium-range +400%"]) for r in rows] == [pytest.approx(threshold, rel=1e-9)] * 6
        low, high = ([r for r in rows if r["point"] == p] for p in ("0", "1"))
        assert [years(h[column]) <= years(lo[column]) for lo, h in zip(low, high, strict=True)] == [True] * 3
    assert all(r[column] != "" for r in low)  # with the stated base both points reach it: a real comparison


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{name: t, product: shell, capacity: 5x, baseline: 1000}", "a capacity target is a rate"),
        ("{name: t, product: shell, stock: 2x, baseline: 5 per year}", "a stock target is a quantity"),
        ("{name: t, product: shell, rate: 80k per year, baseline: 5k per year}", "rate is an absolute value"),
        ("{name: t, product: shell, delivered: 5, baseline: 5}", "delivered is an absolute value"),
        ("{name: t, product: shell, rate: 3x, baseline: {uniform: [1 per day, 2 per day]}}", "not a distribution"),
        ("{name: t, product: shell, capacity: 5x, baseline: 0 per year}", "more than zero"),
        ("{name: t, product: shell, rate: 3x, basline: 5 per year}", "did you mean 'baseline'"),
    ],
)
def test_a_bad_baseline_names_file_line_and_key(tmp_path: Path, target: str, message: str) -> None:
    text = PLANT.format(capacity="100k per year", baseline="").rsplit("targets:", 1)[0] + f"targets:\n  - {target}\n"
    path = write_yaml(tmp_path, text)
    line = path.read_text(encoding="utf-8").splitlines().index(f"  - {target}") + 1
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    problems = str(caught.value)
    key = "targets.0.basline" if "basline" in target else "targets.0.baseline"
    assert f"{path}:{line}: {key}: " in problems and message in problems, problems


def test_a_study_resolves_the_base_once_with_no_simulation_for_goals_without_one(
    tmp_path: Path, monkeypatch: Any
) -> None:
    # A stock base is the inventory as written and needs no run; an absolute goal needs no base.
    import sim.studies.goals as goals

    def no_simulation(*_: Any) -> None:
        raise AssertionError("simulated for a goal that needs no capacity at start")

    monkeypatch.setattr(goals, "simulate", no_simulation)
    goals._bases.cache_clear()
    loaded = load_scenario(str(plant(tmp_path, baseline='"120k per year"')))
    assert bases_at_start(loaded.scenario) == {"stock doubled": 40e3}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: Path(p).relative_to(ROOT).as_posix())
def test_every_shipped_scenarios_central_value_scenario_is_certain_and_runs(path: str) -> None:
    scenario = load_scenario(path).scenario
    middle = central(scenario)
    assert not any(isinstance(v, Uncertain) for v in values_in(middle))
    assert len(values_in(middle)) == len(values_in(scenario))
    for before, after in zip(values_in(scenario), values_in(middle), strict=True):
        assert after == (before.mean if isinstance(before, Uncertain) else before)
    assert bases_at_start(scenario).keys() == {t.name for t in scenario.targets if isinstance(t.threshold, Relative)}


def values_in(node: Any) -> list[Any]:
    """Every leaf value of a scenario, in field order."""
    if isinstance(node, BaseModel):
        return [v for name in type(node).model_fields for v in values_in(getattr(node, name))]
    if isinstance(node, dict):
        return [v for item in node.values() for v in values_in(item)]
    if isinstance(node, (list, tuple)):
        return [v for item in node for v in values_in(item)]
    return [node]
