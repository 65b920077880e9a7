"""Common random numbers that hold: every uncertain value draws from its own stream, keyed by its
place in the scenario and its purpose (`sim.model.streams`). Switching one facility's breakdowns
off, fixing one uncertain value or adding a facility leaves every other drawn value as it was:
the world values themselves (`Records.draws`), another facility's per-unit stage durations and
material draws, its breakdown times, and the vehicles a line delivers. On the flagship,
`rearm bottlenecks` credits no budget unrelated to the shell plants with any gain for the shell
rate target."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import FLAGSHIP, CliResult
from test_breakdowns import capture

from sim.language.load import LoadedScenario, load_scenario
from sim.language.schema import Scenario
from sim.model.replication import simulate
from sim.model.streams import BREAKDOWNS, UNITS, VALUE, Streams, item_key
from sim.records import Records
from sim.studies.replications import replication_seed

#: three independent facilities (each its own budget; the yard alone takes steel), every kind
#: of uncertain value, and breakdowns at the yard and the plant
WORLD = """
scenario: streams
start: 2025-01-01
horizon: 8 years
seed: 5
budgets:
  yard_money:
    appropriations: {2025: 100bn}
    inflation: {triangular: [1%, 2%, 3%]}
  plant_money:
    appropriations: {2025: {uniform: [50bn, 60bn]}, 2027: 50bn}
    growth: {uniform: [0%, 5%]}
  line_money:
    gdp: {2025: {triangular: [900bn, 1tn, 1.1tn]}}
    share_of_gdp: {2025: 2%}
    allocation: {triangular: [40%, 50%, 60%]}
  steel_money:
    appropriations: {2025: 10bn}
materials:
  steel:
    initial: {uniform: [1000, 2000]}
    supply:
      rate: {triangular: [500 per year, 800 per year, 1000 per year]}
      lead_time: {uniform: [1 month, 3 months]}
      budget: steel_money
      expansions:
        - name: mill
          capacity: {uniform: [100 per year, 300 per year]}
          capex: {uniform: [10M, 20M]}
          construction: {triangular: [1 year, 2 years, 3 years]}
workforce:
  crews:
    initial: 100
    hiring: {uniform: [10 per year, 20 per year]}
    training: {uniform: [3 months, 6 months]}
facilities:
  yard:
    kind: shipyard
    product: boat
    budget: yard_money
    docks: 2
    hulls: 6
    unit_cost: 1bn
    breakdowns: {mtbf: 300 days, mttr: {uniform: [5 days, 20 days]}}
    stages:
      - {name: hull, duration: {triangular: [300 days, 400 days, 600 days]}, consumes: {steel: {uniform: [100, 200]}}}
      - {name: fit out, duration: {uniform: [100 days, 200 days]}, dock: false}
  plant:
    kind: munitions_factory
    product: shell
    budget: plant_money
    capacity: {triangular: [80k per year, 100k per year, 150k per year]}
    ramp_up: {uniform: [1 month, 6 months]}
    yield: {uniform: [90%, 99%]}
    lot: 1 week
    unit_cost: {first_unit: {normal: [4000, 300]}, learning: {uniform: [90%, 95%]}}
    breakdowns: {mtbf: 200 days, mttr: {lognormal: [10 days, 0.5]}}
    expansions:
      - name: line 2
        capacity: {uniform: [20k per year, 40k per year]}
        capex: {uniform: [100M, 200M]}
        construction: {triangular: [1 year, 2 years, 3 years]}
        start: 2025-01-01
        ramp_up: {uniform: [1 month, 3 months]}
  line:
    kind: vehicle_line
    product: tank
    budget: line_money
    capacity: {uniform: [40 per year, 60 per year]}
    build_time: {triangular: [200 days, 300 days, 400 days]}
    unit_cost: 10M
demand:
  shell: {rate: {uniform: [10k per year, 20k per year]}}
"""

#: every uncertain world value of WORLD, by its dotted path (what `Records.draws` must hold)
WORLD_PATHS = {
    "budgets.yard_money.inflation",
    "budgets.plant_money.appropriations.2025",
    "budgets.plant_money.growth",
    "budgets.line_money.gdp.2025",
    "budgets.line_money.allocation",
    "materials.steel.initial",
    "materials.steel.supply.rate",
    "materials.steel.supply.lead_time",
    "materials.steel.supply.expansions.mill.capacity",
    "materials.steel.supply.expansions.mill.capex",
    "materials.steel.supply.expansions.mill.construction",
    "workforce.crews.hiring",
    "workforce.crews.training",
    "demand.shell.rate",
    "facilities.plant.capacity",
    "facilities.plant.ramp_up",
    "facilities.plant.yield",
    "facilities.plant.unit_cost.first_unit",
    "facilities.plant.unit_cost.learning",
    "facilities.plant.expansions.line 2.capacity",
    "facilities.plant.expansions.line 2.capex",
    "facilities.plant.expansions.line 2.construction",
    "facilities.plant.expansions.line 2.ramp_up",
    "facilities.line.capacity",
}

NEWCOMER = """
  newcomer:
    kind: vehicle_line
    product: truck
    budget: newcomer_money
    capacity: {uniform: [100 per year, 200 per year]}
    build_time: {uniform: [30 days, 60 days]}
    unit_cost: 1M
    breakdowns: {mtbf: 100 days, mttr: {uniform: [1 day, 5 days]}}
"""


def with_newcomer_first(text: str) -> str:
    """WORLD with one more facility (and its budget), put first so that every other facility
    moves one place down."""
    text = text.replace("budgets:\n", "budgets:\n  newcomer_money: {appropriations: {2025: 1bn}}\n", 1)
    return text.replace("facilities:\n", "facilities:" + NEWCOMER, 1)


class Drawn:
    """Everything one replication drew: its world values, and what the facilities drew per
    unit and for their breakdowns, read from the facility objects (kept by `capture`, which
    subclasses the model's classes: tests using it are `patches_the_model`) and the records."""

    def __init__(self, scenario: Scenario, replication: int = 0) -> None:
        with capture() as made:
            self.records: Records = simulate(scenario, replication_seed(scenario.seed, replication))
        self.facilities = {f.name: f for f in made}

    @property
    def world(self) -> dict[str, float]:
        return dict(self.records.draws)

    def stage_durations(self) -> dict[int, list[float]]:
        """Hull -> the drawn duration of each stage (learning applied) at the yard."""
        return dict(self.facilities["yard"].durations)  # type: ignore[attr-defined]

    def steel_taken(self) -> list[float]:
        """What each hull's first stage took of steel, hull by hull (per-unit draws)."""
        steel = self.records.materials.index("steel")
        return [amount for _, m, amount in self.records.takes if m == steel]

    def down_periods(self, facility: str) -> list[tuple[float, float]]:
        """The facility's repairs (from its failure and repair draws)."""
        return list(self.facilities[facility].clock.down_periods)

    def delivered(self, product: str) -> list[tuple[float, float]]:
        """(day, vehicles) of each delivery of `product` (from the per-vehicle build times)."""
        p = self.records.products.index(product)
        return sorted((row[0], row[2]) for row in self.records.deliveries if row[1] == p)


@pytest.fixture
def world(load_yaml: Callable[..., LoadedScenario]) -> Callable[..., Drawn]:
    def run(text: str = WORLD, overrides: tuple[str, ...] = (), replication: int = 0) -> Drawn:
        return Drawn(load_yaml(text, overrides).scenario, replication)

    return run


def without(draws: dict[str, float], prefix: str) -> dict[str, float]:
    """The draws whose path does not start with `prefix`."""
    return {path: value for path, value in draws.items() if not path.startswith(prefix)}


# -- streams: by path and purpose, stable, derived from the replication -------------------------
def test_a_stream_is_the_same_for_the_same_path_purpose_and_replication() -> None:
    a, b = Streams(replication_seed(7, 3), {}), Streams(replication_seed(7, 3), {})
    assert (
        a.rng("budgets.army.inflation", VALUE).random(5).tolist()
        == b.rng("budgets.army.inflation", VALUE).random(5).tolist()
    )


def test_different_paths_purposes_and_replications_give_different_streams() -> None:
    streams = Streams(replication_seed(7, 3), {})
    first = {
        (path, purpose): streams.rng(path, purpose).random()
        for path in ("budgets.army.inflation", "budgets.navy.inflation", "facilities.x.capacity", "facilities.x")
        for purpose in (VALUE, UNITS, BREAKDOWNS)
    }
    assert len(set(first.values())) == len(first)  # twelve streams, twelve different first draws
    other = Streams(replication_seed(7, 4), {}).rng("budgets.army.inflation", VALUE).random()
    assert other != first[("budgets.army.inflation", VALUE)]
    assert Streams(replication_seed(8, 3), {}).rng("budgets.army.inflation", VALUE).random() != other


def test_a_streams_seed_is_a_stable_hash_of_its_name_keyed_by_the_replication() -> None:
    """BLAKE2b of "path#purpose" keyed by the replication's seed material: the same in every
    process (Python's `hash` of a string changes with PYTHONHASHSEED) and on every platform,
    and taken by numpy's PCG64 as a seed sequence's state."""
    seed = Streams(replication_seed(7, 3), {}).seed("budgets.army.inflation", VALUE)
    words = [17011052769425522208, 10314316941663479063, 17191451240750677070, 13402966686053479540]
    assert seed.generate_state(4, np.uint64).tolist() == words
    assert seed.generate_state(40).tolist()[:4] == seed.generate_state(4).tolist()  # longer: the same start
    assert len(set(seed.generate_state(40).tolist())) == 40  # more than one hash block, not repeated
    expected = np.random.Generator(np.random.PCG64(seed)).random(3)  # type: ignore[arg-type]
    assert (
        Streams(replication_seed(7, 3), {}).rng("budgets.army.inflation", VALUE).random(3).tolist() == expected.tolist()
    )


def test_items_of_a_list_are_keyed_by_name_a_repeated_name_by_occurrence() -> None:
    names = ["mill", "kiln", "mill"]
    assert [item_key(names, k) for k in range(3)] == ["mill", "kiln", "mill@1"]


def test_every_uncertain_world_value_is_drawn_once_and_kept_by_its_path(world: Callable[..., Drawn]) -> None:
    drawn = world()
    assert set(drawn.world) == WORLD_PATHS  # fixed values draw nothing; per-unit draws are not world values
    assert 0.01 <= drawn.world["budgets.yard_money.inflation"] <= 0.03
    assert 1000 <= drawn.world["materials.steel.initial"] <= 2000


def test_the_same_seed_gives_the_same_draws(world: Callable[..., Drawn]) -> None:
    one, two = world(), world()
    assert one.world == two.world
    assert one.stage_durations() == two.stage_durations() and len(one.stage_durations()) == 6
    assert one.down_periods("plant") == two.down_periods("plant") and len(one.down_periods("plant")) >= 5
    assert one.delivered("tank") == two.delivered("tank") and one.delivered("tank")
    other = world(replication=1)
    assert all(other.world[p] != one.world[p] for p in WORLD_PATHS)


def test_identical_values_at_different_paths_draw_differently(world: Callable[..., Drawn]) -> None:
    """Two facilities written alike draw their own values, durations and breakdowns."""
    twin = WORLD.replace("facilities:\n", "facilities:" + NEWCOMER + NEWCOMER.replace("newcomer:", "twin:"), 1)
    twin = twin.replace("budgets:\n", "budgets:\n  newcomer_money: {appropriations: {2025: 1bn}}\n", 1)
    drawn = world(twin)
    assert drawn.world["facilities.newcomer.capacity"] != drawn.world["facilities.twin.capacity"]
    assert drawn.down_periods("newcomer") != drawn.down_periods("twin")


# -- one change leaves every other draw as it was ---------------------------------------------
def assert_unchanged(base: Drawn, changed: Drawn, dropped: str, keep_yard: bool = True) -> None:
    """Every world value but those under `dropped` is drawn as before; the yard's per-unit
    draws (unless the change is at the yard), the plant's breakdowns and the line's vehicles too."""
    assert without(changed.world, dropped) == without(base.world, dropped)
    assert len(without(base.world, dropped)) >= len(WORLD_PATHS) - 4
    if keep_yard:
        assert changed.stage_durations() == base.stage_durations()
        assert changed.steel_taken() == base.steel_taken() and len(base.steel_taken()) == 6
    if not dropped.startswith("facilities.plant"):
        assert changed.down_periods("plant") == base.down_periods("plant")
    if not dropped.startswith("facilities.line"):
        assert changed.delivered("tank") == base.delivered("tank")


def test_switching_one_facilitys_breakdowns_off_changes_no_other_draw(world: Callable[..., Drawn]) -> None:
    base = world()
    off = world(overrides=("facilities.yard.breakdowns=null",))
    assert base.down_periods("yard") and not off.down_periods("yard")
    # the yard's own per-unit draws stay: only its breakdowns went
    assert_unchanged(base, off, dropped="facilities.yard.breakdowns")
    off_plant = world(overrides=("facilities.plant.breakdowns=null",))
    assert not off_plant.down_periods("plant")
    assert_unchanged(base, off_plant, dropped="facilities.plant.breakdowns")


@pytest.mark.parametrize(
    ("path", "fixed"),
    [
        ("budgets.yard_money.inflation", "2%"),
        ("budgets.plant_money.growth", "1%"),
        ("materials.steel.supply.rate", "800 per year"),
        ("materials.steel.supply.expansions.mill.capex", "15M"),
        ("workforce.crews.hiring", "15 per year"),
        ("facilities.plant.capacity", "100k per year"),
        ("facilities.plant.expansions.line 2.capex", "150M"),
        ("facilities.line.capacity", "50 per year"),
    ],
)
def test_fixing_one_uncertain_value_changes_no_other_draw(world: Callable[..., Drawn], path: str, fixed: str) -> None:
    base = world()
    changed = world(overrides=(f"{path}={fixed}",))
    assert path in base.world and path not in changed.world
    assert_unchanged(base, changed, dropped=path)


def test_fixing_one_stage_duration_changes_no_other_per_unit_draw(world: Callable[..., Drawn]) -> None:
    base = world()
    changed = world(overrides=("facilities.yard.stages.hull.duration=400 days",))
    assert changed.world == base.world
    assert [d[1] for d in changed.stage_durations().values()] == [d[1] for d in base.stage_durations().values()]
    assert {d[0] for d in changed.stage_durations().values()} == {400.0}  # learning 100%
    assert changed.steel_taken() == base.steel_taken()
    assert changed.down_periods("plant") == base.down_periods("plant")


def test_adding_a_facility_changes_no_other_draw(world: Callable[..., Drawn]) -> None:
    base = world()
    added = world(with_newcomer_first(WORLD))
    assert {p for p in added.world if p not in base.world} == {"facilities.newcomer.capacity"}
    assert added.delivered("truck") and added.down_periods("newcomer")
    assert_unchanged(base, added, dropped="facilities.newcomer")
    assert added.down_periods("yard") == base.down_periods("yard")


def test_reordering_the_scenario_changes_no_draw(load_yaml: Callable[..., LoadedScenario]) -> None:
    scenario = load_yaml(WORLD).scenario
    base = Drawn(scenario)
    reordered = {s: dict(reversed(list(getattr(scenario, s).items()))) for s in ("budgets", "materials", "facilities")}
    again = Drawn(scenario.model_copy(update=reordered))
    assert list(again.facilities) == ["line", "plant", "yard"]
    assert again.world == base.world
    assert again.stage_durations() == base.stage_durations()
    assert again.down_periods("plant") == base.down_periods("plant")
    assert again.down_periods("yard") == base.down_periods("yard")
    assert again.delivered("tank") == base.delivered("tank")


# -- the flagship: no gain for budgets that pay nothing the shell plants need ------------------
def unrelated_budgets(scenario: Scenario, product: str) -> set[str]:
    """Budgets that pay neither a facility making `product` nor anything those facilities draw
    on (the supply and expansions of their materials), nor a facility competing with them for a
    material, workforce pool or docks."""
    makers = {n: f for n, f in scenario.facilities.items() if f.product == product}

    def uses(f: Any) -> tuple[set[str], set[str]]:
        materials = set(f.consumes) | {m for s in getattr(f, "stages", []) for m in s.consumes}
        pools = set(f.workforce) | {p for s in getattr(f, "stages", []) for p in s.workforce}
        return materials, pools

    materials: set[str] = set()
    pools: set[str] = set()
    for f in makers.values():
        m, p = uses(f)
        materials |= m
        pools |= p
    related = {f.budget for f in makers.values()}
    related |= {b for m in materials if (s := scenario.materials[m].supply) is not None and (b := s.budget)}
    for f in scenario.facilities.values():
        m, p = uses(f)
        if m & materials or p & pools:
            related.add(f.budget)
    assert not any(getattr(f, "shares_docks_with", None) for f in makers.values())
    return set(scenario.budgets) - related


def test_bottlenecks_credit_no_unrelated_budget_on_the_flagship(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    """The issue's example: the tank and air-defence budgets were credited with bringing "two
    million shells a year" 89 months earlier, because replacing one budget's uncertain
    allocation by unlimited money shifted every draw after it."""
    scenario = load_scenario(FLAGSHIP).scenario
    (target,) = [t for t in scenario.targets if t.measure == "rate" and t.product == "shell_155mm"]
    unrelated = unrelated_budgets(scenario, target.product)
    assert {"europe_land", "europe_air_defence", "us_procurement", "uk_submarines"} <= unrelated
    out = tmp_path / "out"
    res = rearm("bottlenecks", "--no-plots", FLAGSHIP, "--out", out, "--jobs", "1", "--replications", "3")
    assert res.code == 0, res.err
    gains = {
        g["constraint"]: g["months_earlier"] for g in json.loads((out / "bottlenecks.json").read_text())[target.name]
    }
    assert {f"budget:{b}" for b in unrelated} <= gains.keys()
    for budget in unrelated:
        assert gains[f"budget:{budget}"] in (0, None), (budget, gains[f"budget:{budget}"])
    assert np.isfinite([g for g in gains.values() if g is not None]).all()
