"""Metrics are pure functions of the records: series, target crossings, percentiles, shares."""

from __future__ import annotations

import calendar
import datetime as dt
import math

import numpy as np
import pytest
from conftest import scenario_of, simulate_scenario
from hypothesis import given
from hypothesis import strategies as st

from sim.language.units import DAYS_PER_YEAR
from sim.metrics.replication import ReplicationResult, demand_window, month_days, month_grid
from sim.metrics.series import RESTARTS, Capacity, Deliveries, Stock, drawdown, walk_down
from sim.metrics.summary import percentile_unreached_last, summarise, time_shares, timeline_rows, yearly_means
from sim.metrics.targets import capacity_crossing, first_crossing_steps, time_to_target
from sim.model.curves import Ramp
from sim.records import Records, columns

YEAR = DAYS_PER_YEAR


def records_with(deliveries=(), capacity=(), products=("shell",)) -> Records:
    """Records of these deliveries (day, product, units[, began]: made in no time unless
    `began` says) and capacity rows."""
    r = Records(products=list(products), facilities=["f"], budgets=[], materials=[])
    r.deliveries.extend((*d, 0) if len(d) == 4 else (*d, d[0], 0) for d in deliveries)
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
        ("{'rate': '150 per year', 'sustain': '0 days'}", 200.0),
        ("{'rate': '201 per year', 'sustain': '0 days'}", math.nan),  # 200 in the trailing year at most
        # at 150 or more from day 200 until the first delivery leaves the window (day 465.25)
        ("{'rate': '150 per year', 'sustain': '265 days'}", 200.0),
        ("{'rate': '150 per year', 'sustain': '266 days'}", math.nan),
        ("{'rate': '150 per year'}", math.nan),  # held for 12 months by default
        ("{'rate': '100 per year'}", 100.0),  # 100 or more from day 100 to the horizon
        ("{'delivered': 150, 'sustain': '2 years'}", 200.0),  # never falls: held from its crossing
        ("{'stock': 250, 'sustain': '3 years'}", 200.0),  # (censored: the horizon comes first)
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
    # per replication: producing 0.6 and 1.0, money 0.2 and 0 (numpy's linear percentiles of two)
    spread = shares["share_percentiles"]
    assert spread["producing"] == pytest.approx({"p10": 0.64, "p50": 0.8, "p90": 0.96})
    assert spread["money"] == pytest.approx({"p10": 0.02, "p50": 0.1, "p90": 0.18})
    for cause, p in spread.items():  # each median is the median of that cause's own shares
        assert p["p10"] <= p["p50"] <= p["p90"], cause


def fake_result(i: int, days: list[float], products: int = 1) -> ReplicationResult:
    return ReplicationResult(
        replication=i,
        target_days=np.array(days),
        censored=np.array([i % 2 == 0 and not math.isnan(d) for d in days], dtype=bool),
        timeline=np.full((products, 5, 3), float(i)),
        end=np.full((products, 6), float(i)),
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
    assert list(summary) == [
        "scenario",
        "targets",
        "products",
        "budgets",
        "facilities",
        "customers",
        "events_per_replication",
    ]
    assert summary["customers"] == {}  # no orders
    a, b = summary["targets"]
    assert list(a) == [
        "name",
        "product",
        "measure",
        "threshold",
        "by",
        "sustain_days",
        "years_to_reach",
        "date_reached",
        "reached_fraction",
        "censored_fraction",
        "on_time_probability",
        "resolved_threshold",
        "baseline",
        "baseline_source",
        "years_p50_interval",
        "date_p50_interval",
        "clusters",
        "p50_across_clusters",
    ]
    # ten runs: the median's 95% interval runs from the 2nd to the 9th smallest (Bin(10, ½) ranks)
    assert a["years_p50_interval"] == pytest.approx([200 / YEAR, 900 / YEAR], abs=1e-6)
    assert a["date_p50_interval"] == ["2025-07-20", "2027-06-20"]
    assert a["clusters"] is None and b["clusters"] is None and a["p50_across_clusters"] is False
    assert b["years_p50_interval"] == [None, None]  # surely never reached
    assert a["threshold"] == 5 and a["by"] == "2026-01-01" and a["measure"] == "delivered"
    assert (a["resolved_threshold"], a["baseline"], a["baseline_source"]) == (5, None, None)  # absolute: no base
    assert a["years_to_reach"]["p50"] == pytest.approx(550 / YEAR, abs=1e-6)
    assert a["years_to_reach"]["p90"] == pytest.approx(900 / YEAR, abs=1e-6)  # exactly 10% unreached
    assert a["years_to_reach"]["mean"] is None
    assert a["date_reached"]["p10"] == (dt.date(2025, 1, 1) + dt.timedelta(days=190)).isoformat()
    assert a["reached_fraction"] == 0.9
    assert a["censored_fraction"] == 0.5  # replications 0, 2, 4, 6 and 8 (all reached) were cut short
    assert a["sustain_days"] == 0.0 and b["sustain_days"] == 0.0 and b["censored_fraction"] == 0.0
    assert a["on_time_probability"] == 0.3  # 100, 200, 300 days are by 2026-01-01 (day 365)
    assert b["threshold"] == pytest.approx(2e6) and b["on_time_probability"] is None
    assert b["resolved_threshold"] == pytest.approx(2e6)  # per year, as the threshold
    assert b["years_to_reach"] == {"p10": None, "p50": None, "p90": None, "mean": None}
    assert b["reached_fraction"] == 0.0
    shell = summary["products"]["shell"]
    assert list(shell) == ["delivered", "rate", "stock", "capacity", "used", "unmet_demand"]
    assert shell["delivered"] == {"p10": 0.9, "p50": 4.5, "p90": 8.1, "mean": 4.5}
    assert summary["budgets"]["money"] == {
        "appropriated": 10.0,
        "spent": 12.5,
        "lapsed": 1.0,
        "committed": 12.5,  # (committed as work starts: spent)
        "unspent": -3.5,  # appropriated - spent - lapsed (these made-up records overspend)
        "appropriations": {"2025": 10.0},
    }
    assert summary["facilities"]["plant"] == {
        "utilisation": 0.75,
        "waiting": {"money": 0.25},
        "share_percentiles": {  # the same shares in every replication: no spread
            "money": {"p10": 0.25, "p50": 0.25, "p90": 0.25},
            "producing": {"p10": 0.75, "p50": 0.75, "p90": 0.75},
        },
    }
    assert summary["events_per_replication"] == 104.5
    rows = timeline_rows(scenario, results, [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)])
    assert len(rows) == 3 * 5
    assert rows[0] == ("2025-01-01", "shell", "delivered", 0.9, 4.5, 8.1, 4.5, "")
    assert [r[2] for r in rows[:5]] == ["delivered", "rate", "stock", "capacity", "used"]


# -- the array forms against the straightforward walks they replace (bit for bit) ----------------


def test_columns_read_whole_rows_or_chosen_fields() -> None:
    day, index, amount = columns([(1.0, 0, 2.5), (3.0, 2, 0.5)], 0, 1, 2)
    assert (day.tolist(), index.tolist(), amount.tolist()) == ([1.0, 3.0], [0.0, 2.0], [2.5, 0.5])
    spending = [(1.0, 0, -1, 5.0, "lot"), (2, 1, 3, 7.0, "capex")]  # the text field is never read
    assert [c.tolist() for c in columns(spending, 0, 1, 3)] == [[1.0, 2.0], [0.0, 1.0], [5.0, 7.0]]
    assert [c.size for c in columns([], 0, 1, 2)] == [0, 0, 0]


ramp = st.tuples(st.floats(0, 1e4), st.sampled_from([0.0, 1e-3, 30.0, 365.25, 1000.0]), st.floats(-1e3, 1e3))


@given(st.lists(ramp, max_size=6), st.lists(st.floats(-100, 2e4), min_size=1, max_size=20))
def test_the_integral_of_ramps_is_the_model_curves_integral(
    ramps: list[tuple[float, float, float]], times: list[float]
) -> None:
    model = [Ramp(t0, t0 + span, delta) for t0, span, delta in ramps]
    arrays = Capacity(*(np.array([getattr(r, k) for r in model], dtype=float) for k in ("t0", "t1", "delta")))
    want = [sum(r.integral_to(t) for r in model) for t in times]
    assert arrays.integral_to(np.array(times)).tolist() == pytest.approx(want, rel=1e-9, abs=1e-6)


def walked_stock(
    initial: float, deliveries: Deliveries, demand: tuple[float, float, float], horizon: float
) -> tuple[list[float], list[float], list[float], float]:
    """Stock as first written: a dict of changes walked in time order with plain floats."""
    qty = np.diff(np.concatenate(([0.0], deliveries.cumulative)))
    changes: dict[float, float] = {0.0: 0.0}
    for t, q in zip(deliveries.times, qty, strict=True):
        changes[float(t)] = changes.get(float(t), 0.0) + float(q)
    d_from, d_until, rate = demand
    for t in (d_from, d_until):
        if 0 <= t <= horizon:
            changes.setdefault(float(t), 0.0)
    times = sorted(changes)
    levels, slopes, level, unmet = [], [], initial, 0.0
    for i, t in enumerate(times):
        level += changes[t]
        drawing = d_from <= t < d_until
        levels.append(level)
        slopes.append(-rate if drawing else 0.0)
        end = min(times[i + 1] if i + 1 < len(times) else horizon, horizon)
        if drawing and end > t:
            wanted = rate * (end - t)
            unmet += max(0.0, wanted - level)
            level = max(0.0, level - wanted)
    return times, levels, slopes, unmet


@given(
    st.lists(st.tuples(st.floats(0, 1000), st.floats(0.001, 500)), max_size=40),
    st.floats(0, 300),
    st.tuples(st.floats(0, 1000), st.floats(0, 1500), st.floats(0.01, 50)),
    st.sampled_from([700.0, 1000.0]),
)
def test_stock_drawdown_is_the_walk_of_every_change(
    lots: list[tuple[float, float]], initial: float, demand: tuple[float, float, float], horizon: float
) -> None:
    """Stock out and back in, a window that opens or closes outside the horizon, lots at the
    same instant: every level and the unmet demand are the walk's, to the bit."""
    records = records_with([(t, 0, q) for t, q in lots])
    deliveries = Deliveries.of(records, 0)
    d_from, length, rate = demand
    window = (d_from, d_from + length, rate)
    stock = Stock.build(initial, deliveries, window, horizon)
    times, levels, slopes, unmet = walked_stock(initial, deliveries, window, horizon)
    assert (stock.times.tolist(), stock.levels.tolist(), stock.slopes.tolist()) == (times, levels, slopes)
    assert stock.unmet == unmet


@given(
    st.lists(st.tuples(st.floats(0, 1e6), st.booleans(), st.floats(0, 1e6)), max_size=4 * RESTARTS),
    st.floats(0, 1e6),
)
def test_drawdown_between_stock_outs_is_the_step_by_step_walk(
    steps: list[tuple[float, bool, float]], initial: float
) -> None:
    """Summed between stock-outs, and walked step by step after many: every level and the unmet
    demand are the walk's, to the bit."""
    changes = np.array([c for c, _, _ in steps], dtype=float)
    drawn = np.array([d for _, d, _ in steps], dtype=bool)
    wanted = np.array([w if d else 0.0 for _, d, w in steps], dtype=float)
    levels, unmet = drawdown(initial, changes, wanted, drawn)
    assert (levels.tolist(), unmet) == walk_down(initial, 0.0, changes, wanted, drawn)


def test_drawdown_past_many_stock_outs_walks_the_rest() -> None:
    n = 3 * RESTARTS
    levels, unmet = drawdown(0.5, np.ones(n), np.full(n, 2.0), np.ones(n, dtype=bool))  # out at every step
    assert levels.tolist() == [1.5] + [1.0] * (n - 1) and unmet == 0.5 + 1.0 * (n - 1)


def calendar_months(start: dt.date, horizon: float) -> tuple[list[dt.date], list[float]]:
    """Month by month with `calendar`, as first written."""
    dates: list[dt.date] = []
    days: list[float] = []
    k = 0
    while True:
        year, month = start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1
        date = dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
        if (date - start).days > horizon + 1e-9:
            return dates, days
        dates.append(date)
        days.append(float((date - start).days))
        k += 1


@given(st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)), st.floats(0, 15000))
def test_month_grid_is_the_calendar_walk(start: dt.date, horizon: float) -> None:
    dates, days = month_grid(start, horizon)
    assert (dates, days.tolist()) == calendar_months(start, horizon)


use = st.dictionaries(
    st.sampled_from(["producing", "money", "not_available", "docks"]),
    st.one_of(st.just(0.0), st.floats(0, 1e4)),
)


@given(st.lists(use, max_size=30))
def test_time_shares_add_replications_in_order(uses: list[dict[str, float]]) -> None:
    causes = sorted({c for u in uses for c in u})
    shares, utilisation = dict.fromkeys(causes, 0.0), 0.0
    for u in uses:  # the loop as first written
        total = sum(u.values())
        if total <= 0:
            continue
        for c in causes:
            shares[c] += u.get(c, 0.0) / total / len(uses)
        existing = total - u.get("not_available", 0.0)
        if existing > 0:
            utilisation += u.get("producing", 0.0) / existing / len(uses)
    got = time_shares(uses)
    assert got["utilisation"] == round(utilisation, 6)
    assert got["waiting"] == {c: round(v, 6) for c, v in shares.items() if c != "producing"}


@given(st.lists(st.dictionaries(st.integers(2025, 2040), st.floats(0, 1e12)), min_size=1, max_size=300))
def test_yearly_means_are_numpys_mean_per_year(by_year: list[dict[int, float]]) -> None:
    years = sorted({y for d in by_year for y in d})
    want = {str(y): round(float(np.mean([d.get(y, 0.0) for d in by_year])), 2) for y in years}
    assert yearly_means(by_year) == want


def test_timeline_rows_run_by_month_then_product_then_measure() -> None:
    scenario = scenario_of(
        {
            "scenario": "s",
            "start": "2025-01-01",
            "horizon": "1 year",
            "budgets": {"money": {"appropriations": {2025: 10}}},
            "facilities": {
                "a": {"kind": "munitions_factory", "product": "shell", "budget": "money", "capacity": "1 per day"},
                "b": {"kind": "munitions_factory", "product": "rocket", "budget": "money", "capacity": "1 per day"},
            },
        }
    )
    cells = np.fromfunction(lambda p, j, m: 100 * p + 10 * j + m, (2, 5, 3))  # product p, measure j, month m
    results = [fake_result(i, [], products=2) for i in range(5)]
    for r in results:
        r.timeline = cells + 1000 * r.replication
    dates = [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
    rows = timeline_rows(scenario, results, dates)
    assert len(rows) == 3 * 2 * 5
    assert rows[(1 * 2 + 1) * 5 + 2] == ("2025-02-01", scenario.products[1], "stock", 521.0, 2121.0, 3721.0, 2121.0, "")


def walked_crossing(capacity: Capacity, threshold: float, horizon: float) -> float:
    """`capacity_crossing` as first written: knot by knot, interpolating inside a ramp."""
    reach = threshold * (1 - 1e-12)
    knots = capacity.knots()
    knots = knots[(knots >= 0) & (knots <= horizon)]
    values = capacity.at(knots)
    if values[0] >= reach:
        return 0.0
    for i in range(1, len(knots)):
        a, b = float(knots[i - 1]), float(knots[i])
        before_b = float(capacity.at(b - 1e-9 * max(1.0, b - a))[0])
        if before_b >= reach:
            return a + (threshold - values[i - 1]) / (before_b - values[i - 1]) * (b - a)
        if values[i] >= reach:
            return b
    return math.nan


@given(st.lists(ramp, min_size=1, max_size=6), st.floats(-10, 2e3), st.sampled_from([500.0, 5000.0, 2e4]))
def test_capacity_crossing_is_the_knot_by_knot_walk(
    ramps: list[tuple[float, float, float]], threshold: float, horizon: float
) -> None:
    t0 = np.array([r[0] for r in ramps])
    capacity = Capacity(t0, t0 + np.array([r[1] for r in ramps]), np.array([r[2] for r in ramps]))
    got, want = capacity_crossing(capacity, threshold, horizon), walked_crossing(capacity, threshold, horizon)
    assert got == want or (math.isnan(got) and math.isnan(want))


# -- measure's shortcuts against the straightforward forms (bit for bit) --------------------------


@given(
    st.lists(st.tuples(st.integers(0, 4), ramp), max_size=24),
    st.lists(st.floats(-100, 2e4), min_size=1, max_size=20),
)
def test_the_capacity_table_is_each_capacity_at_the_times(
    ramps: list[tuple[int, tuple[float, float, float]]], times: list[float]
) -> None:
    rows = [(0, g, t0, t0 + span, delta) for g, (t0, span, delta) in ramps]
    capacities = Capacity.by_product(records_with(capacity=rows, products=("a", "b", "c", "d", "e")))
    t = np.array(times)
    table = Capacity.table(capacities, t)
    assert table.shape == (5, len(times))
    for g, capacity in enumerate(capacities):
        assert table[g].tolist() == capacity.at(t).tolist()
        mine = [Ramp(t0, t0 + span, delta) for h, (t0, span, delta) in ramps if h == g]  # in record order
        want = [sum((r.value(x) for r in mine), 0.0) for x in times]
        assert table[g].tolist() == pytest.approx(want, rel=1e-9, abs=1e-6)
    assert Capacity.table([], t).shape == (0, len(times))


@given(
    st.lists(st.tuples(st.floats(0, 1000), st.floats(0.001, 500)), max_size=40),
    st.floats(0, 300),
    st.sampled_from([None, (0.0, 500.0, 0.0), (50.0, 2000.0, 0.0)]),
    st.lists(st.floats(0, 1000), min_size=1, max_size=20),
)
def test_without_a_drawdown_the_stock_is_the_initial_plus_what_was_delivered(
    lots: list[tuple[float, float]], initial: float, demand: tuple[float, float, float] | None, times: list[float]
) -> None:
    r = records_with([(t, 0, q) for t, q in lots])
    deliveries = Deliveries.of(r, 0)
    t = np.array(times)
    stock = Stock.build(initial, deliveries, demand, 1000.0)
    assert (initial + deliveries.at(t)).tolist() == stock.at(t).tolist()  # what `measure` writes instead
    assert stock.unmet == 0.0


def test_measure_writes_each_series_as_the_series_give_it() -> None:
    """Shells are drawn down, tanks have a stock target, rockets neither (the shortcut)."""
    s = scenario_of(
        {
            "scenario": "m",
            "start": "2025-01-01",
            "horizon": "4 years",
            "inventory": {"shell": 5000, "tank": 3, "rocket": 700},
            "budgets": {"b": {"appropriations": {2025: "1bn"}}},
            "facilities": {
                "plant": {
                    "kind": "munitions_factory",
                    "product": "shell",
                    "budget": "b",
                    "capacity": "50k per year",
                    "ramp_up": "6 months",
                    "unit_cost": 3000,
                },
                "rockets": {
                    "kind": "munitions_factory",
                    "product": "rocket",
                    "budget": "b",
                    "capacity": "5k per year",
                    "unit_cost": 20000,
                },
                "line": {
                    "kind": "vehicle_line",
                    "product": "tank",
                    "budget": "b",
                    "capacity": "20 per year",
                    "unit_cost": "10M",
                    "build_time": "1 year",
                },
            },
            "demand": {"shell": {"rate": "30k per year", "from": "2026-01-01"}},
            "targets": [
                {"name": "stock of tanks", "product": "tank", "stock": 20},
                {"name": "stock of shells", "product": "shell", "stock": "2x"},
            ],
        }
    )
    sim = simulate_scenario(s)
    _, grid = month_grid(s.start, s.horizon)
    at = np.append(grid, s.horizon)
    result, records = sim.result, sim.records
    for p, name in enumerate(records.products):
        deliveries, capacity = Deliveries.of(records, p), Capacity.of(records, p)
        initial = float(s.inventory.get(name, 0.0))
        stock = Stock.build(initial, deliveries, demand_window(records, p), s.horizon)
        want = [deliveries.at(at), deliveries.trailing_year(at), stock.at(at), capacity.at(at) * YEAR]
        want.append(np.zeros(at.size))  # used: nothing consumes these products
        assert [row.tolist() for row in result.timeline[p]] == [w[:-1].tolist() for w in want]
        assert result.end[p].tolist() == [w[-1] for w in want] + [stock.unmet]
        days = [
            time_to_target(t, deliveries, capacity, stock, initial, s.horizon) for t in s.targets if t.product == name
        ]
        got = [d for t, d in zip(s.targets, result.target_days, strict=True) if t.product == name]
        assert np.array_equal(got, days, equal_nan=True)
    shell = records.products.index("shell")  # drawn down: below what was made and held at the start
    assert result.end[shell, 2] < 5000 + result.end[shell, 0] - 1e4


def test_a_stock_target_needs_the_stock() -> None:
    scenario = target_scenario("{'stock': 250}")
    d = Deliveries(np.array([100.0]), np.array([100.0]))
    c = Capacity(np.array([0.0]), np.array([0.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="needs the product's stock"):
        time_to_target(scenario.targets[0], d, c, None, 100.0, scenario.horizon)


def test_month_days_are_the_month_grid_shared_read_only() -> None:
    start, horizon = dt.date(2024, 2, 29), 3000.0
    days = month_days(start, horizon)
    assert days.tolist() == month_grid(start, horizon)[1].tolist()
    assert month_days(start, horizon) is days
    with pytest.raises(ValueError, match="read-only"):
        days[0] = 1.0
