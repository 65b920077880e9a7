"""Vehicle lines: Little's law, ramp-up and expansion integrals, per-unit inputs, refurbishment."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from conftest import Simulated, plain_path_everywhere

from sim.language.schema import DEFAULT_START_INTERVAL as START_INTERVAL
from sim.language.units import DAYS_PER_MONTH, DAYS_PER_YEAR
from sim.metrics.series import Capacity
from sim.records import Records

YEAR = DAYS_PER_YEAR


def line_yaml(line: str, horizon: str = "20 years", extra: str = "", budget: str = "{2025: 1tn}") -> str:
    return f"""
    scenario: vehicle line
    start: 2025-01-01
    horizon: {horizon}
    budgets: {{army: {{appropriations: {budget}}}}}
    {extra}
    facilities:
      lima:
        kind: vehicle_line
        product: tank
        budget: army
{line}
    """


def cumulative(rows: list[tuple[float, int, float]], t: np.ndarray) -> np.ndarray:
    """Cumulative quantity of (day, _, quantity) rows up to and including each t."""
    days = np.array([r[0] for r in rows])
    qty = np.array([r[2] for r in rows])
    order = np.argsort(days, kind="stable")
    cum = np.concatenate(([0.0], np.cumsum(qty[order])))
    return cum[np.searchsorted(days[order], t, side="right")]


def wip_time_average(records: Records, a: float, b: float) -> float:
    """Time average over [a, b] of started − delivered, exactly (both are step functions)."""
    inside = [t for t, *_ in records.starts + records.deliveries if a < t < b]
    knots = sorted({a, b, *inside})
    k = np.array(knots)
    wip = cumulative(records.starts, k[:-1]) - cumulative(records.deliveries, k[:-1])
    return float((wip * np.diff(k)).sum() / (b - a))


def test_littles_law_work_in_progress_is_start_rate_times_lead_time(run_yaml: Callable[..., Simulated]) -> None:
    rate_per_year, mean_lead = 120.0, 300.0
    sim = run_yaml(
        line_yaml("""
        capacity: 120 per year
        build_time: {uniform: [200 days, 400 days]}
    """)
    )
    records = sim.records
    a, b = 2 * YEAR, 20 * YEAR - 400
    starts_in_window = cumulative(records.starts, np.array([b]))[0] - cumulative(records.starts, np.array([a]))[0]
    measured_rate = starts_in_window / (b - a)
    assert measured_rate * YEAR == pytest.approx(rate_per_year, rel=0.01)
    # ~2,000 vehicles: the mean of U(200, 400) lead times has sd 57.7/sqrt(2000) = 1.3 days (0.4%)
    assert wip_time_average(records, a, b) == pytest.approx(rate_per_year / YEAR * mean_lead, rel=0.02)


def test_with_a_fixed_build_time_deliveries_are_starts_shifted_by_it(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(
        line_yaml(
            """
        capacity: 50 per year
        build_time: 90 days
    """,
            horizon="5 years",
        )
    )
    starts = sorted((t + 90, q) for t, _, q in sim.records.starts if t + 90 < 5 * YEAR)
    assert sorted((t, q) for t, _, q, _, _ in sim.records.deliveries) == starts
    assert all(q == int(q) for _, _, q in sim.records.starts)  # whole vehicles


def capacity_integral(t: float, c1: float, r1: float, t2: float, c2: float, r2: float) -> float:
    """∫₀ᵗ of c1 ramping over [0, r1] plus c2 ramping over [t2, t2 + r2] (rates per day)."""

    def ramp(t: float, t0: float, ramp: float, c: float) -> float:
        if t <= t0:
            return 0.0
        if t <= t0 + ramp:
            return c * (t - t0) ** 2 / (2 * ramp)
        return c * (t - t0 - ramp / 2)

    return ramp(t, 0.0, r1, c1) + ramp(t, t2, r2, c2)


def test_a_ramp_up_and_an_expansion_start_what_the_integral_gives(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(
        line_yaml(
            """
        capacity: 60 per year
        ramp_up: 1 year
        build_time: 30 days
        expansions:
          - {name: second shift, capacity: 120 per year, capex: 0, construction: 1 year, start: 2027-01-01,
             ramp_up: 2 years}
    """,
            horizon="8 years",
        )
    )
    c1, c2 = 60 / YEAR, 120 / YEAR
    t2 = 730.0 + YEAR  # construction from 2027-01-01 (day 730) takes one year (365.25 days)
    assert sim.records.expansions == [("lima", "second shift", 730.0, t2, t2 + 2 * YEAR)]
    cap = Capacity.of(sim.records, 0)
    for t in (100.0, 365.0, 1000.0, t2 + 200, 8 * YEAR - 1):
        expected = c1 * min(1.0, t / YEAR) + c2 * min(1.0, max(0.0, (t - t2) / (2 * YEAR)))
        assert cap.at(t)[0] == pytest.approx(expected)
    # batches start at the head of each interval for the interval's capacity, in whole vehicles
    for t in np.linspace(50, 8 * YEAR - 10, 40):
        started = cumulative(sim.records.starts, np.array([t]))[0]
        low = capacity_integral(t, c1, YEAR, t2, c2, 2 * YEAR) - 1
        high = capacity_integral(t + START_INTERVAL, c1, YEAR, t2, c2, 2 * YEAR) + 1e-9
        assert low <= started <= high
    total = capacity_integral(8 * YEAR, c1, YEAR, t2, c2, 2 * YEAR)
    assert sum(q for *_, q in sim.records.starts) == pytest.approx(total, abs=START_INTERVAL * (c1 + c2) + 1)


def test_money_and_materials_are_taken_per_vehicle_at_start(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(
        line_yaml(
            """
        capacity: 52 per year
        build_time: 1 year
        unit_cost: 10M
        consumes: {engines: 1, armour_steel: 20}
    """,
            horizon="2 years",
            extra="""
    materials:
      engines: {initial: 1000}
      armour_steel: {initial: 100k}
    """,
        )
    )
    started = sum(q for *_, q in sim.records.starts)
    assert sum(amount for *_, amount, _ in sim.records.spending) == pytest.approx(10e6 * started)
    taken = {sim.records.materials[m]: 0.0 for m in range(2)}
    for _, m, amount in sim.records.takes:
        taken[sim.records.materials[m]] += amount
    assert taken == pytest.approx({"engines": started, "armour_steel": 20 * started})


def test_refurbishment_stops_when_stored_hulls_run_out(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(
        line_yaml(
            """
        capacity: 100 per year
        build_time: 6 months
        consumes: {stored_hulls: 1}
    """,
            horizon="3 years",
            extra="materials: {stored_hulls: {initial: 80}}",
        )
    )
    assert sum(q for *_, q in sim.records.starts) == 80
    assert sum(q for _, _, q, _, _ in sim.records.deliveries) == 80
    last_start = max(t for t, *_ in sim.records.starts)
    assert last_start == pytest.approx(80 / 100 * YEAR, abs=START_INTERVAL)
    use = sim.records.time_use[0]
    # from the last start to the horizon the line waits for hulls, booked up to the horizon
    assert use["material:stored_hulls"] == pytest.approx(3 * YEAR - last_start, abs=START_INTERVAL)
    assert sum(use.values()) == pytest.approx(3 * YEAR, abs=1e-6)


def test_a_short_budget_cuts_starts_and_books_money(run_yaml: Callable[..., Simulated]) -> None:
    # 100M a year buys 10 tanks a year against a capacity of 52
    sim = run_yaml(
        line_yaml(
            """
        capacity: 52 per year
        build_time: 1 year
        unit_cost: 10M
    """,
            horizon="3 years",
            budget="{2025: 100M}",
        )
    )
    by_year = [sum(q for t, _, q in sim.records.starts if y * 365 <= t < (y + 1) * 365) for y in range(3)]
    assert by_year == [10, 10, 10]
    use = sim.records.time_use[0]
    assert use["money"] > 0.7 * 3 * YEAR


@pytest.mark.parametrize("fast", [True, False])
def test_a_monthly_start_interval_starts_a_month_of_capacity_at_the_head_of_each_month(
    fast: bool, run_yaml: Callable[..., Simulated], monkeypatch: pytest.MonkeyPatch
) -> None:
    """120 a year started a month at a time is 10 vehicles at each multiple of a month (365.25/12
    days); over two years 24 batches start (the 25th would begin at the horizon) and those that
    end 200 days later before the horizon are delivered: the first 18. Both paths."""
    if not fast:
        plain_path_everywhere(monkeypatch)
    sim = run_yaml(
        line_yaml(
            """
        capacity: 120 per year
        build_time: 200 days
        start_interval: 1 month
    """,
            horizon="2 years",
        )
    )
    month = DAYS_PER_MONTH
    assert [t for t, _, _ in sim.records.starts] == pytest.approx([k * month for k in range(24)])
    assert [q for _, _, q in sim.records.starts] == [10.0] * 24
    delivered = np.array(sorted((t, q) for t, _, q, _, _ in sim.records.deliveries))
    np.testing.assert_allclose(delivered, [(k * month + 200, 10.0) for k in range(18)])


def test_the_start_interval_changes_when_vehicles_start_not_how_many(run_yaml: Callable[..., Simulated]) -> None:
    """Weekly and quarterly batches of a ramping line start the capacity's integral, each to
    within one batch (the credit carries fractions of a vehicle between batches)."""
    started = {}
    for interval in ("1 week", "3 months"):
        sim = run_yaml(
            line_yaml(
                f"""
        capacity: 75 per year
        ramp_up: 18 months
        build_time: {{triangular: [100 days, 150 days, 300 days]}}
        start_interval: {interval}
    """,
                horizon="6 years",
            )
        )
        started[interval] = sum(q for *_, q in sim.records.starts)
        days = sorted({t for t, *_ in sim.records.starts})
        assert min(np.diff(days)) >= (START_INTERVAL if interval == "1 week" else 3 * DAYS_PER_MONTH) - 1e-9
    c = 75 / YEAR
    total = capacity_integral(6 * YEAR, c, 1.5 * YEAR, 0.0, 0.0, 1.0)
    assert started["1 week"] == pytest.approx(total, abs=START_INTERVAL * c + 1)
    assert started["3 months"] == pytest.approx(total, abs=3 * DAYS_PER_MONTH * c + 1)
