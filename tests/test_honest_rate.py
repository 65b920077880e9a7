"""The rate measure spreads each delivered batch over the interval in which it was produced, and a
target counts as reached only once its measure has been held for its `sustain`: a plant producing
steadily at C reads exactly C whatever its lot length, and a burst is not a rate."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import scenario_of, simulate_scenario, write_yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.language.load import load_scenario
from sim.language.units import DAYS_PER_YEAR
from sim.metrics.replication import TIMELINE_MEASURES, month_grid
from sim.metrics.series import Deliveries, Made
from sim.metrics.summary import summarise
from sim.metrics.targets import sustained_reach
from sim.present.interop import targets_table

YEAR = DAYS_PER_YEAR
RATE = TIMELINE_MEASURES.index("rate")


def plant(
    *,
    capacity: str,
    lot: str,
    horizon: str,
    targets: list[dict[str, Any]],
    materials: dict[str, Any] | None = None,
    consumes: dict[str, float] | None = None,
    inventory: dict[str, float] | None = None,
    demand: dict[str, Any] | None = None,
) -> Any:
    """One munitions factory making `shell`, with money to spare."""
    factory: dict[str, Any] = {
        "kind": "munitions_factory",
        "product": "shell",
        "budget": "money",
        "capacity": capacity,
        "lot": lot,
        "unit_cost": 1,
    }
    if consumes:
        factory["consumes"] = consumes
    data: dict[str, Any] = {
        "scenario": "honest rate",
        "start": "2025-01-01",
        "horizon": horizon,
        "budgets": {"money": {"appropriations": {2025: "1tn"}}},
        "materials": materials or {},
        "facilities": {"plant": factory},
        "targets": targets,
    }
    if inventory:
        data["inventory"] = inventory
    if demand:
        data["demand"] = demand
    return scenario_of(data)


def days_of(sim: Any) -> dict[str, float]:
    return {t.name: float(d) for t, d in zip(sim.scenario.targets, sim.result.target_days, strict=True)}


# -- a steady plant reads its capacity, whatever its lot -----------------------------------------

LOTS = {"1 day": 1.0, "1 week": 7.0, "1 month": YEAR / 12}


@pytest.mark.parametrize("lot", list(LOTS))
def test_a_steady_plant_reads_exactly_its_capacity_after_its_first_year(lot: str) -> None:
    s = plant(
        capacity="100k per year",
        lot=lot,
        horizon="4 years",
        targets=[
            {"name": "100k", "product": "shell", "rate": "100k per year"},
            {"name": "101k", "product": "shell", "rate": "101k per year"},
            {"name": "101k at once", "product": "shell", "rate": "101k per year", "sustain": "0 days"},
        ],
    )
    sim = simulate_scenario(s)
    length = LOTS[lot]
    _, months = month_grid(s.start, s.horizon)
    rate = sim.result.timeline[0, RATE]  # what timeline.csv reports, month by month
    full = (months >= YEAR) & (months <= s.horizon - length)  # a full year made, before the last lot
    assert full.sum() >= 30
    assert rate[full] == pytest.approx(np.full(full.sum(), 100_000.0), rel=1e-9)
    # in its first year it reads what it has made so far: 100k a year times the share of the year
    first = months < YEAR
    assert rate[first] == pytest.approx(100_000.0 * months[first] / YEAR, rel=1e-9, abs=1e-6)
    # never above what was made, anywhere (the old count read one lot too many at a delivery)
    deliveries = Deliveries.of(sim.records, 0)
    anywhere = np.concatenate((deliveries.times, deliveries.times - 1e-7, np.linspace(0, s.horizon, 5001)))
    assert deliveries.trailing_year(anywhere).max() <= 100_000.0 * (1 + 1e-9)
    days = days_of(sim)
    assert math.isnan(days["101k"]) and math.isnan(days["101k at once"])
    assert abs(days["100k"] - YEAR) <= length  # within one lot of one year (exactly a year here)
    assert not sim.result.censored.any()


def test_the_old_count_at_delivery_read_a_weekly_plant_above_its_capacity() -> None:
    """What the spreading repairs: counting each lot at its delivery, a 365.25-day window at a
    delivery instant holds 53 weekly lots, 1.4% more than the plant makes a year."""
    s = plant(capacity="100k per year", lot="1 week", horizon="3 years", targets=[])
    deliveries = Deliveries.of(simulate_scenario(s).records, 0)
    at_delivery = Made.at_delivery(deliveries.times, deliveries.cumulative)
    t = deliveries.times[(deliveries.times >= YEAR) & (deliveries.times <= 2 * YEAR)]
    assert at_delivery.trailing_year(t).max() == pytest.approx(53 * 7 * 100_000 / YEAR, rel=1e-9)
    assert deliveries.trailing_year(t) == pytest.approx(np.full(t.size, 100_000.0), rel=1e-9)


# -- a burst is not a rate -----------------------------------------------------------------------

#: the burst: 182 daily lots at capacity (200 a day) from a stock of fill, then the supply (100 a
#: day) caps output. Fill on hand at the start of lot k (day k) is 18,350 + 100k − 200k, so lots
#: 0..181 are whole (lot 181 finds 250), lot 182 is cut to the 150 left, and from lot 183 each
#: takes the 100 that arrived in its day.
BURST_DAYS = 182


def burst_plant(target: dict[str, Any]) -> Any:
    return plant(
        capacity="200 per day",
        lot="1 day",
        horizon="3 years",
        materials={"fill": {"initial": 100 * BURST_DAYS + 150, "supply": {"rate": "100 per day"}}},
        consumes={"fill": 1.0},
        targets=[{"name": "t", "product": "shell", **target}],
    )


def test_the_burst_is_made_as_the_arithmetic_says() -> None:
    sim = simulate_scenario(burst_plant({"rate": "50k per year"}))
    made = sorted((began, q) for _, _, q, began, _ in sim.records.deliveries)
    assert [q for began, q in made if began < BURST_DAYS] == pytest.approx([200.0] * BURST_DAYS)
    assert made[BURST_DAYS] == pytest.approx((BURST_DAYS, 150.0))
    assert [q for _, q in made[BURST_DAYS + 1 : 900]] == pytest.approx([100.0] * (900 - BURST_DAYS - 1))


@pytest.mark.parametrize(
    ("sustain", "expected"),
    [
        # Made by day t (one year = Y = 365.25 days; days after the burst, t > 183):
        # F(t) = 200·182 + 150 + 100·(t − 183) = 100·t + 18,250. Until day Y nothing has left the
        # trailing year, so the rate is F(t) and reaches 50,000 a year at t = 31,750 / 100 = 317.5;
        # after Y the burst days leave it at 200 a day: rate = 100·t + 18,250 − 200·(t − Y),
        # back at 50,000 at t = (18,250 + 200·Y − 50,000) / 100 = 413.0. So it is held 95.5 days,
        # at most 54,775 a year (at day Y); after, the supply allows 36,525 a year.
        (None, math.nan),  # the default, 12 months: not reached
        ("0 days", 317.5),  # the first crossing
        ("95 days", 317.5),
        ("96 days", math.nan),
    ],
)
def test_a_rate_target_between_the_supply_and_the_burst_needs_its_sustain(sustain: str | None, expected: float) -> None:
    target: dict[str, Any] = {"rate": "50k per year"}
    if sustain is not None:
        target["sustain"] = sustain
    sim = simulate_scenario(burst_plant(target))
    assert sim.target_days("t") == pytest.approx(expected, abs=1e-6, nan_ok=True)
    assert not sim.result.censored[0]
    rate = Deliveries.of(sim.records, 0).trailing_year(np.array([317.5, YEAR, 413.0]))
    assert rate == pytest.approx([50_000.0, 54_775.0, 50_000.0], rel=1e-9)


def test_a_rate_held_past_the_burst_by_the_supply_is_reached_when_it_starts() -> None:
    """A target at or below what the supply allows (36,525 a year) is held for good: reached
    when the rate first gets there (in the burst's first year: 200·t = 30,000 at day 150)."""
    sim = simulate_scenario(burst_plant({"rate": "30k per year"}))
    assert sim.target_days("t") == pytest.approx(150.0, abs=1e-6)


# -- sustain on a stock, and censoring at the horizon --------------------------------------------


def dipping_stock(sustain: str, horizon: str = "2 years") -> Any:
    """Lots of 1,000 every 10 days (100 a day); a demand of 200 a day from day 100 to day 200.
    The stock reaches 5,000 at day 50 and 10,000 at day 100; then each 10 days it falls by 2,000
    and a lot brings 1,000: after the lot at day 100 + 10j it is 10,000 − 1,000j, falling to
    8,000 − 1,000j, so it first falls below 5,000 at day 145 (from 6,000 at day 140). Empty
    from day 195 (1,000 at day 190, 200 a day); after the demand ends it is 1,000 at day 200 and
    5,000 again at day 240, for good."""
    return plant(
        capacity="100 per day",
        lot="10 days",
        horizon=horizon,
        demand={"shell": {"rate": "200 per day", "from": "2025-04-11", "until": "2025-07-20"}},  # days 100, 200
        targets=[{"name": "t", "product": "shell", "stock": 5000, "sustain": sustain}],
    )


@pytest.mark.parametrize(
    ("sustain", "expected", "censored"),
    [
        ("0 days", 50.0, False),
        ("95 days", 50.0, False),  # held from day 50 to day 145
        ("96 days", 240.0, False),  # too short: the next span, from day 240 to the horizon
        ("490 days", 240.0, False),  # the horizon is day 730.5: 490.5 days from day 240
        ("491 days", 240.0, True),  # the horizon comes first
    ],
)
def test_a_stock_target_that_dips_is_reached_when_it_is_held(sustain: str, expected: float, censored: bool) -> None:
    sim = simulate_scenario(dipping_stock(sustain))
    assert sim.target_days("t") == pytest.approx(expected, abs=1e-6)
    assert bool(sim.result.censored[0]) is censored


def test_censored_fraction_is_the_share_of_spans_cut_by_the_horizon() -> None:
    """A steady plant reaches 100k a year after a year; over 18 months its span has only half a
    year left: reached then, censored, in every replication. A delivered target reached with
    enough horizon left is not."""
    s = plant(
        capacity="100k per year",
        lot="1 week",
        horizon="18 months",
        targets=[
            {"name": "rate", "product": "shell", "rate": "100k per year"},
            {"name": "made", "product": "shell", "delivered": 10_000, "sustain": "6 months"},
            {"name": "made late", "product": "shell", "delivered": 140_000, "sustain": "1 month"},
        ],
    )
    results = [simulate_scenario(s, replication=i).result for i in range(3)]
    summary = summarise(s, results, {})
    rate, made, late = summary["targets"]
    assert rate["reached_fraction"] == 1.0 and rate["censored_fraction"] == 1.0
    assert rate["sustain_days"] == YEAR and rate["years_to_reach"]["p50"] == pytest.approx(1.0)
    assert made["censored_fraction"] == 0.0 and made["sustain_days"] == pytest.approx(YEAR / 2)
    # 140,000 made at day 518 (74 weekly lots of 1,916.5): the horizon (day 547.875) is 29.9 days later
    assert late["reached_fraction"] == 1.0 and late["censored_fraction"] == 1.0
    table = targets_table(summary)  # the workbook's and `result.targets()`'s rows
    rows = [dict(zip(table.columns, row, strict=True)) for row in table.rows]
    got = [(r["sustain_days"], r["censored_fraction"]) for r in rows]
    assert got == [(YEAR, 1.0), (YEAR / 2, 0.0), (YEAR / 12, 1.0)]


def test_a_vehicle_line_with_a_year_long_build_reads_its_start_rate() -> None:
    """Each vehicle counts as made over its 364 days in the hall. One started a week: once the
    first have been a full year in the hall, 52 are in the hall at any time, each made at 1/364
    a day, so the rate reads 365.25 / 7 a year. At day 364 (the first delivery) the 53 begun so
    far are (364 − 7k) / 364 made, k = 0..52: 26.5 in all (counted at delivery: 1)."""
    s = scenario_of(
        {
            "scenario": "line",
            "start": "2025-01-01",
            "horizon": "5 years",
            "budgets": {"money": {"appropriations": {2025: "1tn"}}},
            "facilities": {
                "line": {
                    "kind": "vehicle_line",
                    "product": "tank",
                    "budget": "money",
                    "capacity": "1 per week",
                    "start_interval": "1 week",
                    "unit_cost": 1,
                    "build_time": "364 days",
                }
            },
        }
    )
    sim = simulate_scenario(s)
    deliveries = Deliveries.of(sim.records, 0)
    assert deliveries.times[0] == 364.0
    assert float(deliveries.trailing_year(364.0)) == pytest.approx(26.5, rel=1e-12)
    t = np.arange(364.0 + YEAR, 4 * YEAR, 7.0)
    assert deliveries.trailing_year(t) == pytest.approx(np.full(t.size, YEAR / 7), rel=1e-9)


# -- the spreading and the span search against the straightforward forms ------------------------


batch = st.tuples(st.floats(0, 2000), st.sampled_from([0.0, 0.5, 7.0, 30.4375, 400.0]), st.floats(0, 1e4))


@settings(max_examples=60, deadline=None)
@given(st.lists(batch, max_size=30), st.lists(st.floats(-10, 3000), min_size=1, max_size=30))
def test_made_is_every_batch_spread_over_its_production(
    batches: list[tuple[float, float, float]], times: list[float]
) -> None:
    began = np.array([b for b, _, _ in batches])
    ended = began + np.array([s for _, s, _ in batches])
    units = np.array([q for _, _, q in batches])
    made = Made.spread(began, ended, units)
    for t in times:
        want = sum(
            q * (1.0 if t >= e else 0.0) if e == b else q * min(max((t - b) / (e - b), 0.0), 1.0)
            for b, e, q in zip(began, ended, units, strict=True)
        )
        assert float(made.at(t)) == pytest.approx(want, rel=1e-9, abs=1e-6)
        before = sum(
            q * (1.0 if t > e else 0.0) if e == b else q * min(max((t - b) / (e - b), 0.0), 1.0)
            for b, e, q in zip(began, ended, units, strict=True)
        )
        assert float(made.at(t, left=True)) == pytest.approx(before, rel=1e-9, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.5, 60), st.floats(0, 10), st.floats(-5, 5)), min_size=1, max_size=12),
    st.floats(0, 8),
    st.sampled_from([0.0, 5.0, 40.0]),
)
def test_the_span_search_is_the_dense_walk(
    pieces: list[tuple[float, float, float]], threshold: float, sustain: float
) -> None:
    """A piecewise-linear series of random pieces (each a length, a value at its start and a
    slope; it steps where they meet) against a walk over a fine grid."""
    lengths = np.array([p[0] for p in pieces])
    knots = np.concatenate(([0.0], np.cumsum(lengths)[:-1]))
    values, slopes = np.array([p[1] for p in pieces]), np.array([p[2] for p in pieces])
    horizon = float(np.sum(lengths))

    def value(t: np.ndarray, left: bool) -> np.ndarray:
        i = np.maximum(np.searchsorted(knots, t, side="left" if left else "right") - 1, 0)
        return values[i] + slopes[i] * (t - knots[i])

    day, censored = sustained_reach(value, knots, threshold, sustain, horizon)
    # samples: a fine grid and the knots, each above only if the series is at or above the
    # threshold there and just before (so no dip between two samples goes unseen); at a knot
    # the series steps, and from there on it is the new piece (a step up to the threshold
    # reaches it at the knot)
    samples = np.unique(np.concatenate((np.linspace(0.0, horizon, 20_001), knots)))
    at_knot = np.isin(samples, knots)
    above = (value(samples, False) >= threshold) & (at_knot | (value(samples, True) >= threshold))
    gap = float(np.max(np.diff(samples)))
    edges = np.flatnonzero(np.diff(np.concatenate(([0], above.astype(int), [0]))))
    runs = [(samples[a], samples[b - 1], b == samples.size) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    # a run of samples lies inside one span of the series, which exceeds it by under a gap each side
    lasting = [(a, to_end) for a, b, to_end in runs if to_end or b - a >= sustain - 1e-9]
    if math.isnan(day):
        assert not lasting
        assert all(b - a < sustain + 2 * gap for a, b, _ in runs)
        return
    assert all(a >= day - gap for a, _ in lasting)  # no earlier span lasted
    assert any(a <= day + gap for a, _, _ in runs)  # a span starts at the day found
    inside = (samples > day + gap) & (samples < min(day + sustain, horizon) - gap)
    assert above[inside].all()  # and holds for `sustain` or to the horizon
    assert censored == (day + sustain > horizon + 1e-6)


# -- the language ---------------------------------------------------------------------------------

SUSTAINED = """\
scenario: sustained
start: 2025-01-01
horizon: 3 years
budgets:
  money: {appropriations: {2025: 1bn}}
facilities:
  plant: {kind: munitions_factory, product: shell, budget: money, capacity: 100k per year}
targets:
  - {name: rate, product: shell, rate: 90k per year}
  - {name: stock, product: shell, stock: 1000, sustain: 2 months}
"""


def test_sustain_is_a_duration_with_a_default_per_measure(tmp_path: Path) -> None:
    rate, stock = load_scenario(str(write_yaml(tmp_path, SUSTAINED))).scenario.targets
    assert (rate.sustain, rate.sustain_days) == (None, YEAR)
    assert (stock.sustain, stock.sustain_days) == (YEAR / 6, YEAR / 6)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("sustain: 2 months", "sustain: 2", "F:10: targets.1.sustain: expected a duration with its unit"),
        ("sustain: 2 months", "sustain: -2 months", "F:10: targets.1.sustain: must not be negative"),
        ("sustain: 2 months", "sustian: 2 months", "did you mean 'sustain'?"),
    ],
)
def test_a_bad_sustain_is_named_with_its_place(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = write_yaml(tmp_path, SUSTAINED.replace(old, new), "s.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path))
    problems = [str(p).replace(str(path), "F") for p in info.value.problems]
    assert any(expected in p for p in problems), problems
