"""Back-tests: scenarios written as planned at a past date from what was announced then, run
against what happened (`scenarios/backtests/`, `sim/studies/backtests.py`).

Each back-test's header names its recorded points and whether each is `fit` (used to fit the
calibrated prior, `sim/language/realism_priors.yaml`, by tests/benchmarks/fit_realism.py),
`held out` (not used) or `fitted by hand` (Astute: a reproduction, not a forecast). The goal for
the calibrated prior is every point within ±25% of the record; the points that miss it are
marked `xfail(strict=True)` with the reason, so that the day one passes the suite says so.
Replications are kept low (the calibrated prior's draws are narrow); docs/scenarios.md has the
table with 200.
"""

from __future__ import annotations

import datetime as dt
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from sim.language.calendar import Clock
from sim.language.load import load_scenario
from sim.language.realism import priors
from sim.language.schema import Scenario
from sim.metrics.series import Deliveries
from sim.model.replication import simulate
from sim.records import Records
from sim.studies.backtests import Outcome, Point, backtest_files, measured, outcomes, read_points, run

BACKTESTS = Path(__file__).resolve().parent.parent / "scenarios" / "backtests"
FILES = backtest_files(BACKTESTS)
REPLICATIONS = 30
GOAL = 0.25  # the calibrated median within ±25% of the record
#: held-out points the calibrated prior misses by more than the goal, and why (docs/scenarios.md)
MISSES = {
    "eu_155mm_2023/y2023": "the 300k a year written as the start was an undercount (Rheinmetall made 450k)",
    "knds_france_2022_2024/jan_2023": "1,000 a month delivered vs ~40k a year of output: sources measure two things",
    "pac3_mse_2022_2025/y2025": "PAC-3 outran its announced 500 a year; the prior, fitted on shells, cuts it",
    "rheinmetall_2023_2025/y2025": "Rheinmetall met its May 2023 plan; the prior expects a quarter of it",
    "us_155mm_2023_2025/oct_2023": "read as built over the first half, the plan adds nothing before mid-2024",
    "us_155mm_2023_2025/may_2024": "as oct_2023",
    "us_155mm_2023_2025/jun_2025": "a quarter of +55k undershoots (the US plants delivered ~35% of this plan)",
}


@cache
def announced(name: str) -> tuple[Outcome, ...]:
    """A back-test's points as announced (`realism: none`: deterministic, one replication)."""
    path = BACKTESTS / f"{name}.yaml"
    return tuple(outcomes(path, run(path, 1, "none")))


@cache
def calibrated(name: str) -> tuple[Outcome, ...]:
    """A back-test's points as history suggests (`realism: calibrated`)."""
    path = BACKTESTS / f"{name}.yaml"
    return tuple(outcomes(path, run(path, REPLICATIONS, "calibrated")))


def all_points() -> list[Point]:
    return [p for path in FILES for p in read_points(path)]


def forecast_cases() -> list[object]:
    """Every fit and held-out point, the known misses marked."""
    cases = []
    for point in all_points():
        if point.use == "fitted by hand":
            continue
        marks = [pytest.mark.xfail(strict=True, reason=MISSES[point.label])] if point.label in MISSES else []
        cases.append(pytest.param(point.backtest, point.name, id=point.label, marks=marks))
    return cases


def outcome(results: tuple[Outcome, ...], name: str) -> Outcome:
    (found,) = [o for o in results if o.point.name == name]
    return found


@pytest.mark.parametrize(("backtest", "point"), forecast_cases())
def test_the_calibrated_median_is_within_25_percent_of_the_record(backtest: str, point: str) -> None:
    result = outcome(calibrated(backtest), point)
    assert abs(result.error) <= GOAL, f"{result.point.use}: {result.median:,.1f} against {result.point.recorded:,.1f}"


@pytest.mark.parametrize(("backtest", "point"), [(p.backtest, p.name) for p in all_points() if p.use == "fit"], ids=str)
def test_plans_taken_at_their_word_overshoot_every_fit_point(backtest: str, point: str) -> None:
    """What the prior was fitted to correct: as announced, each fit point comes out over its
    record by more than the goal (the issue's gaps: US 155mm, the EU's 2024, Virginia)."""
    result = outcome(announced(backtest), point)
    assert result.error > GOAL, f"{result.median:,.1f} against {result.point.recorded:,.1f}"


def test_at_least_half_of_all_points_are_held_out() -> None:
    uses = [p.use for p in all_points()]
    assert uses.count("held out") * 2 >= len(uses), uses
    assert len(FILES) >= 10


def test_the_backtests_span_shells_missiles_submarines_and_armour() -> None:
    products = {f.product for path in FILES for f in load_scenario(str(path)).scenario.facilities.values()}
    assert {"projectile_155mm", "shell_155mm", "pac3_mse", "virginia", "astute", "k2"} <= products


def test_every_prior_value_names_fit_backtests_only() -> None:
    """Each calibrated value names the back-tests it was fitted on; each exists, and none of its
    points is held out (or fitted by hand): a prior is never tested on what it was fitted on."""
    uses: dict[str, set[str]] = {}
    for point in all_points():
        uses.setdefault(point.backtest, set()).add(point.use)
    for kind, table in priors().items():
        for key, prior in table.items():
            assert prior.fitted_on, f"{kind}.{key}"
            for name in prior.fitted_on:
                assert (BACKTESTS / f"{name}.yaml").exists(), f"{kind}.{key}: {name}"
                assert uses.get(name) == {"fit"}, f"{kind}.{key}: {name} has points {uses.get(name)}"


def test_the_fit_script_reproduces_the_shipyard_prior() -> None:
    """tests/benchmarks/fit_realism.py's grid search gives the shipped shipyard median (the
    munitions one takes ~10 s and is reproduced by running the script)."""
    sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))
    import fit_realism

    a, s, _ = fit_realism.fit_medians("shipyard", [1.0])
    shipped = priors()["shipyard"]["achieved"].value
    assert shipped.params[1] == pytest.approx(a)  # type: ignore[union-attr]


def test_the_measures_give_the_closed_forms_before_any_plan_arrives() -> None:
    """Before an announced increment is built, output is the stated rate: KNDS makes 40,000 a year
    (3,333 a month) in January 2023 and the US 20,000 a month in October 2023, as announced."""
    assert outcome(announced("knds_france_2022_2024"), "jan_2023").median == pytest.approx(40_000 / 12, rel=1e-9)
    assert outcome(announced("us_155mm_2023_2025"), "oct_2023").median == pytest.approx(20_000, rel=1e-9)
    # a point the file does not name, measured the same way: Rheinmetall's 700k a year in June
    # 2024, before its +800k (built over 11 months from March) arrives
    path = BACKTESTS / "rheinmetall_2024_2025.yaml"
    result = run(path, 1, "none")
    june = Point("rheinmetall_2024_2025", "jun_2024", "monthly", 1.0, 1.0, 1.0, "fit", at=dt.date(2024, 6, 15))
    deliveries = Deliveries.of(result.records[0], result.records[0].products.index("shell_155mm"))
    clock = Clock(result.scenario.start)
    assert measured(june, clock, deliveries, result.scenario.horizon) == pytest.approx(700_000 / 12, rel=1e-9)


def test_a_point_with_an_unknown_use_is_refused(tmp_path: Path) -> None:
    source = (BACKTESTS / "k2_poland_2022_2025.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(source.replace("use: held out}", "use: maybe}", 1), encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.yaml:\d+: a point needs .* a use in"):
        read_points(bad)


def money_waits(records: Records) -> float:
    """Days any facility spent waiting for money (the back-tests assume money did not bind)."""
    return sum(causes.get("money", 0.0) for causes in records.time_use.values())


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("realism", ["none", "calibrated"])
def test_money_did_not_bind(path: Path, realism: str) -> None:
    """Every back-test assumes the money was there; no facility may have waited for it."""
    result = run(path, 3, realism)
    assert all(money_waits(r) == 0.0 for r in result.records)


# --- Astute: fitted by hand, a reproduction ------------------------------------------------------
ASTUTE_TOLERANCE_YEARS = 2.0  # constant build times cannot follow Astute's rising ones


@pytest.mark.parametrize("boat", range(1, 8))
def test_astute_service_entries_are_reproduced(boat: int) -> None:
    result = outcome(announced("astute_2001_2026"), f"boat_{boat}")
    assert abs(result.error) <= ASTUTE_TOLERANCE_YEARS, f"{result.error:+.1f} years"


def test_astute_fourth_keel_in_2009() -> None:
    """Not used to fit: Audacious's keel was laid in 2009 (Defense Mirror, 2010)."""
    scenario = load_scenario(str(BACKTESTS / "astute_2001_2026.yaml")).scenario
    records = simulate(scenario, np.random.SeedSequence(0))
    keels = sorted(t for t, _, _ in records.starts)
    clock = Clock(scenario.start)
    assert clock.day_of(dt.date(2009, 1, 1)) <= keels[3] < clock.day_of(dt.date(2010, 1, 1))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_backtests_are_deterministic_as_announced(path: Path) -> None:
    """As announced a back-test has no distributions, so its one replication is the whole
    answer: two different random streams give the same deliveries."""
    scenario = load_scenario(str(path)).scenario
    runs = [simulate(scenario, np.random.SeedSequence(seed)).deliveries for seed in (1, 2)]
    assert runs[0] == runs[1]
    assert runs[0]


# --- The shipped scenarios ------------------------------------------------------------------------
SCENARIOS = BACKTESTS.parent
SHIPPED = sorted(SCENARIOS.glob("*.yaml")) + sorted(BACKTESTS.glob("*.yaml"))
FLAGSHIP = "nato_hague_2035.yaml"
COMPONENTS = ("european_155mm.yaml", "uk_sdr_2025.yaml", "nato_air_defence.yaml", "nato_armour.yaml")
#: keys the flagship may change when it copies a component's facility: the budget it draws on,
#: and (for the UK's) the money converted from pounds to euros
REBUDGETED = {"budget"}
CONVERTED = {"budget", "unit_cost", "expansions", "consumes"}


@cache
def scenario_at(path: Path) -> Scenario:
    """Load a shipped scenario once per session."""
    return load_scenario(str(path)).scenario


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_target_is_on_a_product_something_makes(path: Path) -> None:
    """A target on a product no facility makes (a typo) can never be reached; validation alone
    does not catch it, so the shipped scenarios are checked here."""
    scenario = scenario_at(path)
    made = {f.product for f in scenario.facilities.values()}
    assert {t.product for t in scenario.targets} <= made
    assert all(set(f.payers) <= set(scenario.budgets) for f in scenario.facilities.values())


@pytest.mark.parametrize("component", COMPONENTS)
def test_the_flagship_copies_its_components_faithfully(component: str) -> None:
    """The flagship is the four scenarios together: a facility it shares with a component must
    have the same parameters there, apart from the budget it draws on (and, for the UK's
    facilities, costs converted to euros and the shared energetics), so that the two cannot drift."""
    flagship = scenario_at(SCENARIOS / FLAGSHIP).facilities
    part = scenario_at(SCENARIOS / component)
    shared = set(flagship) & set(part.facilities)
    assert len(shared) >= len(part.facilities) - 1  # only BAE's UK-scenario twin is left out
    exempt = CONVERTED if part.currency != "EUR" else REBUDGETED
    for name in shared:
        ours = flagship[name].model_dump(exclude=exempt)
        theirs = part.facilities[name].model_dump(exclude=exempt)
        for expansion in ours.get("expansions", []) + theirs.get("expansions", []):
            expansion.pop("budget", None)  # (who pays an expansion's capex may differ too)
        assert ours == theirs, name
