"""Workforce pools: people held while working, waits for people booked, hiring and training."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import Simulated

from sim.language.schema import DEFAULT_START_INTERVAL as START_INTERVAL
from sim.language.units import DAYS_PER_YEAR

YEAR = DAYS_PER_YEAR


def yard_with_people(pool: str, held: int, docks: int = 2, horizon: str = "10 years", hulls: str = "") -> str:
    return f"""
    scenario: people
    start: 2025-01-01
    horizon: {horizon}
    budgets: {{navy: {{appropriations: {{2025: 1tn}}}}}}
    workforce:
      welders: {pool}
    facilities:
      barrow:
        kind: shipyard
        product: ssn
        budget: navy
        docks: {docks}
        {hulls}
        stages:
          - {{name: build, duration: 365 days, dock: true, workforce: {{welders: {held}}}}}
    """


def test_a_pool_for_one_hull_at_a_time_halves_a_two_dock_yard(run_yaml: Callable[..., Simulated]) -> None:
    free = run_yaml(yard_with_people("{initial: 1000}", 500))
    short = run_yaml(yard_with_people("{initial: 600}", 500))
    n_free = sum(q for _, _, q, _, _ in free.records.deliveries)
    n_short = sum(q for _, _, q, _, _ in short.records.deliveries)
    assert n_free == 20  # two docks, a hull every 365 days each, ten years
    assert n_short == 10
    # the second dock's hull waits for welders the whole time, and that wait is its own cause
    use = short.records.time_use[0]
    assert use["workforce:welders"] == pytest.approx(10 * YEAR, rel=0.001)
    assert "workforce:welders" not in free.records.time_use[0]


def test_hiring_and_training_fill_the_pool_when_arithmetic_says(run_yaml: Callable[..., Simulated]) -> None:
    # 100 people, 50 hired a year, productive after 1 year, ceiling 300: full at 1 + (300-100)/50 = 5 years
    sim = run_yaml(
        yard_with_people(
            "{initial: 100, hiring: 50 per year, training: 1 year, max: 300}", 300, docks=1, hulls="hulls: 1"
        )
    )
    full = 1 * YEAR + (300 - 100) / (50 / YEAR)
    assert full == pytest.approx(5 * YEAR)
    assert [t for t, *_ in sim.records.starts] == pytest.approx([full])
    assert (0, full, 300.0) in [(p, pytest.approx(t), s) for p, t, s in sim.records.workforce]
    assert sim.records.time_use[0]["workforce:welders"] == pytest.approx(full)


def test_people_are_released_after_a_stage_and_lent_to_another_facility(run_yaml: Callable[..., Simulated]) -> None:
    text = """
    scenario: shared people
    start: 2025-01-01
    horizon: 4 years
    budgets: {money: {appropriations: {2025: 1tn}}}
    workforce:
      fitters: {initial: 500}
    facilities:
      barrow:
        kind: shipyard
        product: ssn
        budget: money
        docks: 1
        hulls: 1
        stages: [{name: build, duration: 1 year, workforce: {fitters: 500}}]
      lima:
        kind: vehicle_line
        product: tank
        budget: money
        capacity: 52 per year
        build_time: 1 month
        workforce: {fitters: 500}
        available_from: 2025-01-02
    """
    sim = run_yaml(text)
    # the yard takes all 500 fitters on day 0; the line (open from day 1) gets them when they come
    # back, a year later, and starts its first whole vehicle one interval after
    held = [t for t, f, _ in sim.records.starts if f == 0]
    assert held == [0.0]
    assert sim.records.time_use[1]["workforce:fitters"] == pytest.approx(YEAR - 1)
    assert min(t for t, f, _ in sim.records.starts if f == 1) == pytest.approx(YEAR + START_INTERVAL)
    assert sum(q for t, f, q in sim.records.starts if f == 1) == pytest.approx(52 * 3, abs=2)


def test_a_factory_short_of_people_waits_for_hires(run_yaml: Callable[..., Simulated]) -> None:
    text = """
    scenario: factory people
    start: 2025-01-01
    horizon: 3 years
    budgets: {money: {appropriations: {2025: 1tn}}}
    workforce:
      operators: {initial: 0, hiring: 100 per year}
    facilities:
      plant:
        kind: munitions_factory
        product: shell
        budget: money
        capacity: 365 per year
        lot: 1 day
        workforce: {operators: 200}
    """
    sim = run_yaml(text)
    first = min(t for t, *_ in sim.records.starts)
    assert first == pytest.approx(2 * YEAR, abs=1.0)
    assert sim.records.time_use[0]["workforce:operators"] == pytest.approx(first, abs=1.0)


def two_claimants(yard_priority: int) -> str:
    return f"""
    scenario: queue for people
    start: 2025-01-01
    horizon: 3 years
    budgets: {{money: {{appropriations: {{2025: 1tn}}}}}}
    workforce:
      fitters: {{initial: 500}}
    facilities:
      lima:
        kind: vehicle_line
        product: tank
        budget: money
        capacity: 104 per year
        build_time: 1 month
        workforce: {{fitters: 500}}
      barrow:
        kind: shipyard
        product: ssn
        budget: money
        docks: 1
        hulls: 1
        priority: {yard_priority}
        stages: [{{name: build, duration: 1 year, workforce: {{fitters: 500}}}}]
    """


def test_a_facility_that_releases_people_does_not_jump_the_queue(run_yaml: Callable[..., Simulated]) -> None:
    # the line holds all 500 fitters for its first start interval; the hull, waiting since day 0,
    # gets them when they come back on day 7 although the line asks again at that instant
    sim = run_yaml(two_claimants(yard_priority=0))
    assert [t for t, f, _ in sim.records.starts if f == 1] == [START_INTERVAL]
    line_starts = sorted(t for t, f, _ in sim.records.starts if f == 0)
    assert line_starts[0] == 0.0 and line_starts[1] == pytest.approx(START_INTERVAL + YEAR)
    assert sim.records.time_use[1]["workforce:fitters"] == pytest.approx(START_INTERVAL)
    assert sim.records.time_use[0]["workforce:fitters"] == pytest.approx(YEAR)


def test_higher_priority_is_served_first_when_people_come_back(run_yaml: Callable[..., Simulated]) -> None:
    # two docks: hull 2 is in dock and waiting for fitters from day 7, like the line (which asked
    # a moment earlier, when it gave them back to hull 1)
    text = two_claimants(yard_priority=0).replace("hulls: 1", "hulls: 2").replace("docks: 1", "docks: 2")
    low = run_yaml(text)
    # equal priority: first come, first served: the line gets them back before hull 2
    assert sorted(t for t, f, _ in low.records.starts if f == 1) == pytest.approx(
        [START_INTERVAL, 2 * START_INTERVAL + YEAR]
    )
    # higher priority: the yard also acts first at day 0 (sim.model.ranks), so hull 1 takes the
    # fitters at once and hull 2 gets them back from it, before the line, a year later
    high = run_yaml(two_claimants(yard_priority=1).replace("hulls: 1", "hulls: 2").replace("docks: 1", "docks: 2"))
    assert sorted(t for t, f, _ in high.records.starts if f == 1) == pytest.approx([0.0, YEAR])
