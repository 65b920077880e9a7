"""What the language could not say before: build-time learning above 100% (rising build times),
work in progress at the start on shipyards and vehicle lines, workforce attrition, and dates
that are distributions. Each is checked against its closed form."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Simulated

from sim.errors import ScenarioError
from sim.language.units import DAYS_PER_YEAR

YEAR = DAYS_PER_YEAR
START = dt.date(2025, 1, 1)


def days_before(days: int) -> str:
    """The ISO date `days` before the scenarios' start."""
    return (START - dt.timedelta(days=days)).isoformat()


def yard(body: str, horizon: str = "20 years", workforce: str = "") -> str:
    return f"""
    scenario: yard
    start: {START.isoformat()}
    horizon: {horizon}
    budgets: {{navy: {{appropriations: {{2025: 1tn}}}}}}
    {workforce}
    facilities:
      barrow:
        kind: shipyard
        product: ssn
        budget: navy
{body}
    """


def deliveries(sim: Simulated) -> list[float]:
    return sorted(t for t, *_ in sim.records.deliveries)


# -- build-time learning above 100% ----------------------------------------------------------


@pytest.mark.parametrize("learning", ["110%", "150%", "90%"])
def test_build_time_learning_multiplies_hull_n_by_the_wright_factor(
    run_yaml: Callable[..., Simulated], learning: str
) -> None:
    """One dock, one 100-day stage: hull n takes 100 · n^log2(L) days and starts when hull
    n − 1 leaves, so it is delivered at the sum of the first n of those."""
    sim = run_yaml(
        yard(
            """
        docks: 1
        hulls: 5
        learning: LEARNING
        stages: [{name: build, duration: 100 days}]
    """.replace("LEARNING", learning)
        )
    )
    rate = float(learning.rstrip("%")) / 100
    lengths = [100 * n ** math.log2(rate) for n in range(1, 6)]
    spans = sorted((hull, t1 - t0) for _, hull, _, _, t0, t1 in sim.records.stages)
    assert [d for _, d in spans] == pytest.approx(lengths, rel=1e-12)
    assert deliveries(sim) == pytest.approx([sum(lengths[:n]) for n in range(1, 6)], rel=1e-12)
    if rate > 1:  # rising build times, as on Astute
        assert lengths[4] / lengths[0] == pytest.approx(5 ** math.log2(rate))
        assert all(b > a for a, b in zip(lengths, lengths[1:], strict=False))


@pytest.mark.parametrize("learning, ok", [("200%", True), ("201%", False), ("0%", False)])
def test_build_time_learning_runs_up_to_200_percent(load_yaml: Callable[..., Any], learning: str, ok: bool) -> None:
    text = yard(f"""
        docks: 1
        learning: {learning}
        stages: [{{name: build, duration: 100 days}}]
    """)
    if ok:
        assert load_yaml(text).scenario.facilities["barrow"].learning == 2.0
        return
    with pytest.raises(ScenarioError) as err:
        load_yaml(text)
    assert "at most 200%" in str(err.value) and "facilities.barrow" in str(err.value)


# -- work in progress at the start -------------------------------------------------------------

TWO_STAGES = """
        docks: 1
        unit_cost: 300
        stages:
          - {name: hull, duration: 100 days, dock: true}
          - {name: fit_out, duration: 200 days, dock: false}
"""


def test_hulls_in_progress_are_delivered_at_their_remaining_time_and_hold_their_docks(
    run_yaml: Callable[..., Simulated],
) -> None:
    """Hull 1 is 50 days into its 200-day fit-out: delivered on day 150. Hull 2 is 30 days into
    its 100-day dock stage: it holds the one dock until day 70 and is delivered on 70 + 200.
    The new hulls wait for that dock: hull 3 docks on day 70 (delivered 370), hull 4 on 170."""
    body = (
        TWO_STAGES
        + f"""
        hulls: 2
        in_progress:
          - {{stage: fit_out, since: {days_before(50)}}}
          - {{stage: hull, since: {days_before(30)}}}
    """
    )
    sim = run_yaml(yard(body))
    assert deliveries(sim) == [150.0, 270.0, 370.0, 470.0]
    docked = sorted((t0, hull) for _, hull, stage, dock, t0, _ in sim.records.stages if dock >= 0)
    assert docked == [(0.0, 2), (70.0, 3), (170.0, 4)]
    # recorded as started on day 0 (delivered never exceeds started), the new ones as they dock
    assert sorted(t for t, *_ in sim.records.starts) == [0.0, 0.0, 70.0, 170.0]
    # the stage in work was paid before the start; the rest is paid as it begins: hull 2's
    # fit-out (half its cost) and the two new hulls whole
    assert sum(a for _, _, _, a, _ in sim.records.spending) == pytest.approx(150 + 2 * 300)
    # without work in progress the first new hull docks at once
    fresh = run_yaml(yard(TWO_STAGES + "        hulls: 2\n"))
    assert deliveries(fresh) == [300.0, 400.0]


def test_a_hull_in_progress_before_its_dock_waits_its_turn_and_counts_against_the_docks(
    run_yaml: Callable[..., Simulated],
) -> None:
    """Stages: 60 days of fabrication (no dock), then 100 docked. A hull 20 days into
    fabrication asks for the dock on day 40; with one dock the yard lays down no new hull
    while it is on its way to it, so the new hull (its fabrication 60 days) follows it."""
    body = f"""
        docks: 1
        hulls: 1
        in_progress: [{{stage: fabrication, since: {days_before(20)}}}]
        stages:
          - {{name: fabrication, duration: 60 days, dock: false}}
          - {{name: assembly, duration: 100 days, dock: true}}
    """
    sim = run_yaml(yard(body))
    # hull 1 docks on day 40 and leaves on 140; hull 2 is laid down once hull 1 has docked
    # (day 40), fabricates until 100 and waits for the dock until 140
    assert deliveries(sim) == [140.0, 240.0]
    assert sorted(t for t, *_ in sim.records.starts) == [0.0, 40.0]


def test_hulls_in_progress_are_the_programmes_first_for_learning(run_yaml: Callable[..., Simulated]) -> None:
    body = f"""
        docks: 1
        hulls: 1
        learning: 110%
        in_progress: [{{stage: build, since: {days_before(10)}}}]
        stages: [{{name: build, duration: 100 days}}]
    """
    sim = run_yaml(yard(body))
    assert deliveries(sim) == pytest.approx([90.0, 90.0 + 100 * 2 ** math.log2(1.1)])


@pytest.mark.parametrize(
    "in_progress, message",
    [
        (f"[{{stage: fitout, since: {days_before(5)}}}]", "unknown stage 'fitout'; did you mean 'fit_out'?"),
        ("[{stage: fit_out, since: 2025-02-01}]", "on or before the start"),
        (f"[{{stage: hull, since: {days_before(5)}}}, {{stage: hull, since: {days_before(9)}}}]", "more than"),
        (f"[{{stage: hull, since: {days_before(5)}, dock: 1}}]", "dock"),
    ],
)
def test_work_in_progress_is_checked(load_yaml: Callable[..., Any], in_progress: str, message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_yaml(yard(TWO_STAGES + f"        in_progress: {in_progress}\n"))
    assert message in str(err.value)
    assert "facilities.barrow.in_progress" in str(err.value)


def line(extra: str = "", build_time: str = "365 days") -> str:
    return f"""
    scenario: line
    start: {START.isoformat()}
    horizon: 5 years
    budgets: {{army: {{appropriations: {{2025: 1tn}}}}}}
    facilities:
      lima:
        kind: vehicle_line
        product: tank
        budget: army
        capacity: 52 per year
        build_time: {build_time}
        available_from: 2026-01-01
{extra}
    """


def test_vehicles_in_progress_are_delivered_at_their_start_plus_build_time(run_yaml: Callable[..., Simulated]) -> None:
    """5 vehicles started 100 days before the start arrive on day 265; 3 started 400 days
    before are due already and arrive on day 0; the line itself opens a year later."""
    extra = f"""
        in_progress:
          - {{vehicles: 5, since: {days_before(100)}}}
          - {{vehicles: 3, since: {days_before(400)}}}
    """
    sim = run_yaml(line(extra))
    base = run_yaml(line())
    early = [(t, q) for t, _, q, _, _ in sim.records.deliveries if t < 365]
    assert sorted(early) == [(0.0, 3.0), (265.0, 5.0)]
    # the line's own production is as it was
    later = sorted((t, q) for t, _, q, _, _ in sim.records.deliveries if t >= 365)
    assert later == sorted((t, q) for t, _, q, _, _ in base.records.deliveries)
    assert sum(q for t, _, q in sim.records.starts if t == 0.0) == 8


def test_uncertain_build_times_of_vehicles_in_progress_have_their_own_stream(
    run_yaml: Callable[..., Simulated],
) -> None:
    extra = f"        in_progress: [{{vehicles: 20, since: {days_before(200)}}}]\n"
    build = "{uniform: [300 days, 400 days]}"
    sim, base = run_yaml(line(extra, build)), run_yaml(line("", build))
    early = [(t, q) for t, _, q, _, _ in sim.records.deliveries if t < 365]
    assert sum(q for _, q in early) == 20
    assert all(100 <= t <= 200 and t == int(t) for t, _ in early)  # since + a whole-day draw
    assert len(early) > 5  # drawn per vehicle
    # the line's own vehicles draw exactly what they drew without work in progress
    later = sorted((t, q, b) for t, _, q, b, _ in sim.records.deliveries if b > 0)
    assert later == sorted((t, q, b) for t, _, q, b, _ in base.records.deliveries)


# -- workforce attrition -----------------------------------------------------------------------


def pool_yard(pool: str, held: int, horizon: str = "40 years") -> str:
    return yard(
        f"""
        docks: 1
        hulls: 1
        stages: [{{name: build, duration: 30 days, workforce: {{welders: {held}}}}}]
    """,
        horizon,
        f"workforce: {{welders: {pool}}}",
    )


def test_attrition_settles_a_pool_where_hiring_equals_quits(run_yaml: Callable[..., Simulated]) -> None:
    """100 people, 50 hired a year, 10% leaving a year: N(t) = 500 − 400·e^(−0.1 t) (t in
    years), so the pool settles at 50 ÷ 10% = 500; a hull needing 300 welders starts when
    N = 300, at ln 2 ÷ 0.1 years."""
    sim = run_yaml(pool_yard("{initial: 100, hiring: 50 per year, attrition: 10%}", 300, horizon="60 years"))
    sizes = [(t, n) for p, t, n in sim.records.workforce if p == 0]
    assert len(sizes) > 12 * 59  # a record a month
    for t, n in sizes:
        assert n == pytest.approx(500 - 400 * math.exp(-0.1 * t / YEAR), rel=1e-12)
    assert sizes[-1][1] == pytest.approx(500, rel=0.01)
    assert max(n for _, n in sizes) < 500
    assert [t for t, *_ in sim.records.starts] == pytest.approx([math.log(2) / 0.1 * YEAR], abs=1e-6)


def test_attrition_with_training_and_a_ceiling(run_yaml: Callable[..., Simulated]) -> None:
    """Before the first hires are trained (2 years) the pool only loses people; after, it rises
    towards hiring ÷ attrition = 1,000 but stops at its ceiling of 400."""
    sim = run_yaml(pool_yard("{initial: 300, hiring: 100 per year, training: 2 years, attrition: 10%, max: 400}", 350))
    trained = 300 * math.exp(-0.2)
    for _, t, n in sim.records.workforce:
        years = t / YEAR
        if years <= 2:
            assert n == pytest.approx(300 * math.exp(-0.1 * years), rel=1e-12)
        else:
            assert n == pytest.approx(min(400, 1000 + (trained - 1000) * math.exp(-0.1 * (years - 2))), rel=1e-12)
    assert any(t == pytest.approx(2 * YEAR) for _, t, _ in sim.records.workforce)
    assert sim.records.workforce[-1][2] == 400
    start = 2 + math.log((1000 - trained) / (1000 - 350)) / 0.1
    assert [t for t, *_ in sim.records.starts] == pytest.approx([start * YEAR], abs=1e-6)


def test_a_pool_settling_below_what_a_stage_needs_never_lends_it(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(pool_yard("{initial: 100, hiring: 20 per year, attrition: 10%}", 250, horizon="10 years"))
    assert list(sim.records.starts) == []
    assert sim.records.time_use[0]["workforce:welders"] == pytest.approx(10 * YEAR, rel=1e-6)


# -- uncertain dates ---------------------------------------------------------------------------

UNCERTAIN_FIRST = """
        docks: 1
        hulls: 3
        first_start: FIRST
        stages: [{name: build, duration: 100 days}]
"""


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_uncertain_first_start_moves_the_first_hull_by_exactly_the_drawn_delay(
    run_yaml: Callable[..., Simulated], seed: int
) -> None:
    drawn = run_yaml(
        yard(UNCERTAIN_FIRST.replace("FIRST", "{triangular: [2029-01-01, 2029-07-01, 2031-01-01]}")), seed=seed
    )
    day = drawn.records.draws["facilities.barrow.first_start"]
    date = START + dt.timedelta(days=day)
    assert dt.date(2029, 1, 1) <= date <= dt.date(2031, 1, 1)
    assert day == int(day)  # a date: a whole day
    fixed = run_yaml(yard(UNCERTAIN_FIRST.replace("FIRST", date.isoformat())), seed=seed)
    assert deliveries(drawn) == deliveries(fixed) == [day + 100, day + 200, day + 300]
    assert sorted(t for t, *_ in drawn.records.starts)[0] == day
    assert fixed.records.draws == {}


def test_uncertain_dates_vary_between_replications_each_from_its_own_stream(
    run_yaml: Callable[..., Simulated],
) -> None:
    text = yard(UNCERTAIN_FIRST.replace("FIRST", "{uniform: [2026-01-01, 2027-01-01]}"))
    days = {run_yaml(text, seed=s).records.draws["facilities.barrow.first_start"] for s in range(8)}
    assert len(days) > 4 and all(365 <= d <= 730 for d in days)
    # another uncertain value beside it leaves its draw as it was
    other = text.replace("duration: 100 days", "duration: {uniform: [90 days, 110 days]}")
    assert (
        run_yaml(other, seed=3).records.draws["facilities.barrow.first_start"]
        == run_yaml(text, seed=3).records.draws["facilities.barrow.first_start"]
    )


def test_uncertain_available_from_and_expansion_start(run_yaml: Callable[..., Simulated]) -> None:
    text = f"""
    scenario: plant
    start: {START.isoformat()}
    horizon: 6 years
    budgets: {{army: {{appropriations: {{2025: 1tn}}}}}}
    facilities:
      plant:
        kind: munitions_factory
        product: shell
        budget: army
        capacity: 365 per year
        lot: 1 day
        available_from: {{pert: [2025-06-01, 2025-09-01, 2026-06-01]}}
        expansions:
          - {{name: line2, capacity: 365 per year, start: {{uniform: [2027-01-01, 2028-01-01]}}, construction: 1 year}}
    """
    sim = run_yaml(text)
    opened = sim.records.draws["facilities.plant.available_from"]
    begun = sim.records.draws["facilities.plant.expansions.line2.start"]
    assert (dt.date(2025, 6, 1) - START).days <= opened <= (dt.date(2026, 6, 1) - START).days
    assert (dt.date(2027, 1, 1) - START).days <= begun <= (dt.date(2028, 1, 1) - START).days
    assert min(t for t, *_ in sim.records.starts) == opened
    ((_, _, began, online, _),) = sim.records.expansions
    assert (began, online) == (begun, begun + YEAR)


@pytest.mark.parametrize(
    "value, message",
    [
        ("{normal: [2029-01-01, 2029-07-01]}", "a date takes a distribution among triangular, pert, uniform"),
        ("{triangular: [2029-07-01, 2029-01-01, 2031-01-01]}", "low ≤ mode ≤ high"),
        ("{triangular: [2029-01-01, 30 days, 2031-01-01]}", "date"),
    ],
)
def test_a_distribution_of_dates_is_checked(load_yaml: Callable[..., Any], value: str, message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_yaml(yard(UNCERTAIN_FIRST.replace("FIRST", value)))
    assert message in str(err.value)
    assert "facilities.barrow.first_start" in str(err.value)


def test_the_central_scenario_puts_a_distribution_of_dates_at_its_mean_date(
    load_yaml: Callable[..., Any],
) -> None:
    """Studies that run a scenario at its means (relative goals' bases) read a date's mean as a
    date: the triangle's mean of 2029-01-01, 2029-07-01 and 2031-01-01 is 2029-11-01."""
    from conftest import simulate_scenario

    from sim.studies.goals import central

    text = yard(UNCERTAIN_FIRST.replace("FIRST", "{triangular: [2029-01-01, 2029-07-01, 2031-01-01]}"))
    scenario = central(load_yaml(text).scenario)
    mean = dt.date(2029, 11, 1)  # (0 + 181 + 730) / 3 ≈ 304 days after 2029-01-01
    assert scenario.facilities["barrow"].first_start == mean
    day = (mean - START).days
    assert deliveries(simulate_scenario(scenario)) == [day + 100, day + 200, day + 300]
