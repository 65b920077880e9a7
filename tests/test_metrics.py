"""Metrics are pure functions of the records: series, target crossings, percentiles, shares."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from conftest import scenario_of
from hypothesis import given
from hypothesis import strategies as st

from sim.language.units import DAYS_PER_YEAR
from sim.metrics.replication import ReplicationResult, month_grid
from sim.metrics.series import Capacity, Deliveries, Stock
from sim.metrics.summary import percentile_unreached_last, summarise, time_shares, timeline_rows
from sim.metrics.targets import capacity_crossing, first_crossing_steps, time_to_target
from sim.records import Records

YEAR = DAYS_PER_YEAR


def records_with(deliveries=(), capacity=(), products=("shell",)) -> Records:
    r = Records(products=list(products), facilities=["f"], budgets=[], materials=[])
    r.deliveries.extend(deliveries)
    r.capacity.extend(capacity)
    return r


# -- percentiles over replications -------------------------------------------------------


@given(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=40), st.sampled_from([0.1, 0.5, 0.9]))
def test_percentile_equals_numpy_when_every_replication_reaches(values: list[float], q: float) -> None:
    got = percentile_unreached_last(np.array(values), q)
    assert got == pytest.approx(float(np.percentile(values, q * 100)), rel=1e-12, abs=1e-9)


@given(st.integers(1, 60), st.data())
def test_percentile_is_null_exactly_when_more_than_1_minus_q_never_reach(n: int, data: st.DataObject) -> None:
    unreached = data.draw(st.integers(0, n))
    reached = data.draw(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=n - unreached, max_size=n - unreached))
    values = np.array(reached + [math.nan] * unreached)
    np.random.default_rng(0).shuffle(values)
    found = {q: percentile_unreached_last(values, q) for q in (0.1, 0.5, 0.9)}
    for q, v in found.items():
        assert (v is None) == (unreached / n > 1 - q + 1e-12)
        if v is not None:
            assert min(reached) <= v <= max(reached)
    present = [found[q] for q in (0.1, 0.5, 0.9) if found[q] is not None]
    assert present == sorted(present)
    # a null percentile is never followed by a non-null higher one
    nulls = [found[q] is None for q in (0.1, 0.5, 0.9)]
    assert nulls == sorted(nulls)


def test_percentile_examples() -> None:
    nan = math.nan
    # 2 of 20 never reach (10%): p90 is the latest reached value, not null
    values = np.array(list(range(18)) + [nan, nan], dtype=float)
    assert percentile_unreached_last(values, 0.9) == 17.0
    # 3 of 20 (15%): p90 is null, p50 is the median with the unreached counted last
    values = np.array(list(range(17)) + [nan] * 3, dtype=float)
    assert percentile_unreached_last(values, 0.9) is None
    assert percentile_unreached_last(values, 0.5) == pytest.approx(9.5)
    assert percentile_unreached_last(np.array([nan, nan]), 0.1) is None
    assert percentile_unreached_last(np.array([]), 0.5) is None


# -- series -----------------------------------------------------------------------------


def test_deliveries_are_steps_and_the_rate_is_a_trailing_year() -> None:
    r = records_with([(10.0, 0, 5.0), (10.0, 0, 1.0), (400.0, 0, 4.0), (20.0, 0, 0.0)])
    d = Deliveries.of(r, 0)
    assert d.times.tolist() == [10.0, 400.0]
    assert d.at([0.0, 9.99, 10.0, 399.0, 400.0]).tolist() == [0, 0, 6, 6, 10]
    # window (t − 1 year, t]: the delivery at day 10 has left it at day 10 + 365.25
    assert d.trailing_year([300.0, 400.0, 10 + YEAR - 1e-9, 10 + YEAR]).tolist() == [6, 4, 6, 0]


def test_capacity_is_a_sum_of_ramps_counting_steps_from_their_instant() -> None:
    r = records_with(
        capacity=[(0, 0, 0.0, 0.0, 10.0), (0, 0, 100.0, 200.0, 20.0), (0, 1, 0.0, 0.0, 99.0)],
        products=("shell", "other"),
    )
    c = Capacity.of(r, 0)
    assert c.at([0.0, 99.0, 150.0, 200.0, 1e4]).tolist() == pytest.approx([10, 10, 20, 30, 30])
    assert capacity_crossing(c, 25.0, 1000.0) == pytest.approx(175.0)
    assert capacity_crossing(c, 10.0, 1000.0) == 0.0
    assert math.isnan(capacity_crossing(c, 31.0, 1000.0))
    assert math.isnan(capacity_crossing(c, 25.0, 150.0))  # not within the horizon
    step = Capacity.of(records_with(capacity=[(0, 0, 0.0, 0.0, 1.0), (0, 0, 50.0, 50.0, 1.0)]), 0)
    assert capacity_crossing(step, 2.0, 100.0) == 50.0


def test_stock_walks_deliveries_and_demand_exactly() -> None:
    d = Deliveries(np.array([10.0, 30.0]), np.array([100.0, 150.0]))
    stock = Stock.build(20.0, d, (5.0, 40.0, 2.0), 100.0)  # demand of 2 a day from day 5 to 40
    t = np.array([0.0, 5.0, 10.0, 20.0, 30.0, 40.0, 60.0])
    assert stock.at(t).tolist() == pytest.approx([20, 20, 110, 90, 120, 100, 100])
    assert stock.unmet == 0.0
    short = Stock.build(0.0, Deliveries(np.array([10.0]), np.array([4.0])), (0.0, 100.0, 1.0), 50.0)
    assert short.at([5.0, 10.0, 12.0, 14.0, 50.0]).tolist() == pytest.approx([0, 4, 2, 0, 0])
    assert short.unmet == pytest.approx(50 - 4)  # wanted 50, only 4 ever there


def test_first_crossing_of_steps() -> None:
    times, values = np.array([1.0, 2.0, 3.0]), np.array([5.0, 10.0, 7.0])
    assert first_crossing_steps(times, values, 10.0) == 2.0
    assert first_crossing_steps(times, values, 6.0) == 2.0
    assert math.isnan(first_crossing_steps(times, values, 11.0))


def target_scenario(target: str) -> object:
    return scenario_of(
        {
            "scenario": "t",
            "start": "2025-01-01",
            "horizon": "3 years",
            "inventory": {"shell": 100},
            "targets": [dict(name="t", product="shell", **eval(target))],
        }
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("{'delivered': 150}", 200.0),
        ("{'rate': '150 per year'}", 200.0),
        ("{'rate': '201 per year'}", math.nan),  # 200 in the trailing year at most
        ("{'stock': 250}", 200.0),
        ("{'stock': '2x'}", 100.0),  # 2 × the 100 at start
        ("{'stock': 50}", 0.0),  # already met at start
        ("{'capacity': '1x'}", 0.0),
        ("{'capacity': '3x'}", 50.0),
        ("{'capacity': '365.25 per year'}", 0.0),
        ("{'delivered': 0}", 0.0),
    ],
)
def test_time_to_target_for_each_measure(target: str, expected: float) -> None:
    scenario = target_scenario(target)
    d = Deliveries(np.array([100.0, 200.0]), np.array([100.0, 200.0]))
    c = Capacity(np.array([0.0, 0.0]), np.array([0.0, 100.0]), np.array([1.0, 4.0]))  # 1 a day, +4 over 100 days
    stock = Stock.build(100.0, d, None, scenario.horizon)
    got = time_to_target(scenario.targets[0], d, c, stock, 100.0, scenario.horizon)
    assert got == pytest.approx(expected, nan_ok=True)


def test_month_grid_keeps_the_day_of_month_or_the_last_day() -> None:
    dates, days = month_grid(dt.date(2025, 1, 31), 70.0)
    assert dates == [dt.date(2025, 1, 31), dt.date(2025, 2, 28), dt.date(2025, 3, 31)]
    assert days.tolist() == [0.0, 28.0, 59.0]


def test_time_shares_split_booked_time_into_producing_and_causes() -> None:
    uses = [
        {"producing": 60.0, "money": 20.0, "not_available": 20.0},
        {"producing": 100.0},
    ]
    shares = time_shares(uses)
    assert shares["utilisation"] == pytest.approx((60 / 80 + 1.0) / 2)
    assert shares["waiting"] == {"money": pytest.approx(0.1), "not_available": pytest.approx(0.1)}


def fake_result(i: int, days: list[float], products: int = 1) -> ReplicationResult:
    return ReplicationResult(
        replication=i,
        target_days=np.array(days),
        timeline=np.full((products, 4, 3), float(i)),
        end=np.full((products, 5), float(i)),
        budgets=np.array([[10.0, 8.0 + i, 1.0]]),
        by_year={"money": {2025: 10.0}},
        time_use={"plant": {"producing": 3.0, "money": 1.0}},
        events=100 + i,
    )


def test_summary_layout_and_statistics() -> None:
    scenario = scenario_of(
        {
            "scenario": "s",
            "start": "2025-01-01",
            "horizon": "3 years",
            "budgets": {"money": {"appropriations": {2025: 10}}},
            "facilities": {
                "plant": {"kind": "munitions_factory", "product": "shell", "budget": "money", "capacity": "1 per day"}
            },
            "targets": [
                {"name": "a", "product": "shell", "delivered": 5, "by": "2026-01-01"},
                {"name": "b", "product": "shell", "capacity": "2M per year"},
            ],
        }
    )
    # target a: reached at 100, 200, ..., 900 days and once never; b: never
    results = [fake_result(i, [100.0 * (i + 1) if i < 9 else math.nan, math.nan]) for i in range(10)]
    summary = summarise(scenario, results, {"scenario": "s"})
    assert list(summary) == ["scenario", "targets", "products", "budgets", "facilities", "events_per_replication"]
    a, b = summary["targets"]
    assert list(a) == [
        "name",
        "product",
        "measure",
        "threshold",
        "by",
        "years_to_reach",
        "date_reached",
        "reached_fraction",
        "on_time_probability",
    ]
    assert a["threshold"] == 5 and a["by"] == "2026-01-01" and a["measure"] == "delivered"
    assert a["years_to_reach"]["p50"] == pytest.approx(550 / YEAR, abs=1e-6)
    assert a["years_to_reach"]["p90"] == pytest.approx(900 / YEAR, abs=1e-6)  # exactly 10% unreached
    assert a["years_to_reach"]["mean"] is None
    assert a["date_reached"]["p10"] == (dt.date(2025, 1, 1) + dt.timedelta(days=190)).isoformat()
    assert a["reached_fraction"] == 0.9
    assert a["on_time_probability"] == 0.3  # 100, 200, 300 days are by 2026-01-01 (day 365)
    assert b["threshold"] == pytest.approx(2e6) and b["on_time_probability"] is None
    assert b["years_to_reach"] == {"p10": None, "p50": None, "p90": None, "mean": None}
    assert b["reached_fraction"] == 0.0
    shell = summary["products"]["shell"]
    assert list(shell) == ["delivered", "rate", "stock", "capacity", "unmet_demand"]
    assert shell["delivered"] == {"p10": 0.9, "p50": 4.5, "p90": 8.1, "mean": 4.5}
    assert summary["budgets"]["money"] == {
        "appropriated": 10.0,
        "spent": 12.5,
        "lapsed": 1.0,
        "appropriations": {"2025": 10.0},
    }
    assert summary["facilities"]["plant"] == {"utilisation": 0.75, "waiting": {"money": 0.25}}
    assert summary["events_per_replication"] == 104.5
    rows = timeline_rows(scenario, results, [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)])
    assert len(rows) == 3 * 4
    assert rows[0] == ("2025-01-01", "shell", "delivered", 0.9, 4.5, 8.1, 4.5)
    assert [r[2] for r in rows[:4]] == ["delivered", "rate", "stock", "capacity"]
