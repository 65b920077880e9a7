"""The pieces the fast path is built from, against their plain definitions: how far a shared
stock covers its users (`sim.model.fast.cover`), runs of lot sizes, costs and supply computed
at once (`sim.model.fast.runs`: `over_steps`, `unit_costs`, `supplied_at`), and the order of
facilities at one instant (`sim.model.ranks`)."""

from __future__ import annotations

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.curves import RateCurve
from sim.model.fast.cover import RETRY_DAYS, Cover, covered_until
from sim.model.fast.runs import over_steps, supplied_at, unit_costs
from sim.model.learning import UnitCost
from sim.model.material import Material
from sim.model.ranks import FIRST_RANK, RankedTimeout
from sim.records import Records


@given(
    slack=st.floats(0.0, 1e6),
    rate=st.floats(1.0, 1e6),
    have=st.floats(0.0, 1e9),
    until=st.floats(1.0, 1000.0),
)
@settings(max_examples=200, deadline=None)
def test_covered_until_finds_a_straight_lines_crossing_to_within_a_day(
    slack: float, rate: float, have: float, until: float
) -> None:
    """need(t) = slack + rate·t: the answer fits, and lies within a day (or 2%) of the exact
    crossing; now when even need(now) does not fit; `until` when need(until) does."""
    need = lambda t: slack + rate * t  # noqa: E731
    got = covered_until(0.0, until, have, need)
    fits = have >= need(got) * (1 + 1e-9) + 1e-6
    exact = (have - slack) / rate
    if not have >= need(0.0) * (1 + 1e-9) + 1e-6:
        assert got == 0.0
    elif have >= need(until) * (1 + 1e-9) + 1e-6:
        assert got == until
    else:
        assert fits
        assert exact - got <= max(1.0, 0.02 * exact) + 1e-6


def test_a_cover_is_kept_until_it_runs_out_and_not_asked_again_soon_after_falling_short() -> None:
    asked: list[float] = []

    def need(t: float) -> float:
        asked.append(t)
        return 10.0 * t

    cover = Cover()
    assert cover.ask(0.0, 100.0, 2000.0, need) == 100.0  # covers all
    calls = len(asked)
    assert cover.ask(50.0, 100.0, 0.0, need) == 100.0  # kept: nothing asked
    assert len(asked) == calls
    assert cover.ask(100.0, 200.0, 5.0, need) == 100.0  # ran out: falls short now
    calls = len(asked)
    assert cover.ask(100.0 + RETRY_DAYS / 2, 300.0, 1e9, need) == 100.0 + RETRY_DAYS / 2  # not asked again yet
    assert len(asked) == calls
    assert cover.ask(120.0, 300.0, 1e9, need, stamp=1) == 300.0  # the stock changed: asked again


def test_steps_of_a_curve_at_once_are_the_steps_one_by_one() -> None:
    curve = RateCurve()
    curve.add(-10.0, 30.0, 5.0)
    curve.add(20.0, 0.0, 3.0)
    curve.add(50.0, 100.0, 2.0)
    for t0 in (0.0, 45.5, 149.0, 151.0):
        nameplates, planned = over_steps(curve, t0, 7.0, 30)
        starts = [t0 + 7.0 * k for k in range(30)]
        assert nameplates == pytest.approx([curve.nameplate(t) for t in starts], rel=1e-12)
        assert planned == pytest.approx([curve.integral(t, t + 7.0) for t in starts], rel=1e-12)


@pytest.mark.parametrize("learning", [1.0, 0.9, 0.7])
@pytest.mark.parametrize("made", [0.0, 700.0, 5000.0])
@pytest.mark.parametrize("multiplier", [1.07, 1.157625])
def test_costs_of_a_run_of_lots_are_the_costs_one_by_one(learning: float, made: float, multiplier: float) -> None:
    """Float for float what `pay_and_take` charges lot by lot (cost × multiplier), so a run
    priced ahead spends exactly the same money (a flat price once came out as (price ×
    multiplier) × units, a rounding away for lots such as 1,234.567 units at 1.07)."""
    unit = UnitCost(4000.0, learning)
    lots = [3.0, 100.0, 0.5, 7000.0, 2.0, 0.0, 1234.567, 58333.33333333333, 0.1]
    expected, m = [], made
    for u in lots:
        expected.append(unit.cost(m, u) * multiplier)
        m += u
    assert unit_costs(unit, made, lots, multiplier) == expected


def test_supply_at_many_days_is_supply_day_by_day() -> None:
    env = simpy.Environment()
    records = Records(products=["p"], facilities=[], budgets=[], materials=["tnt"])
    material = Material(env, 0, 10.0, 30.0, records)
    material.add_supply(0.0, 100.0, 2.0)
    days = [float(d) for d in range(0, 400, 9)]
    for t0 in (0.0, 200.0):
        mine = [d for d in days if d >= t0]
        assert supplied_at(material, t0, mine) == pytest.approx([material.supplied(d) for d in mine], rel=1e-12)


def test_ranked_timeouts_of_one_instant_run_by_rank_after_ordinary_events() -> None:
    """Whatever order they were scheduled in: ordinary (NORMAL) events first, then by rank."""
    env = simpy.Environment()
    order: list[str] = []

    def waiter(name: str, event: simpy.Event) -> simpy.events.ProcessGenerator:
        yield event
        order.append(name)

    env.process(waiter("rank 4", RankedTimeout(env, 5.0, FIRST_RANK + 2)))
    env.process(waiter("rank 2", RankedTimeout(env, 5.0, FIRST_RANK)))
    env.process(waiter("plain", env.timeout(5.0)))
    env.process(waiter("rank 3", RankedTimeout(env, 5.0, FIRST_RANK + 1)))
    env.run()
    assert order == ["plain", "rank 2", "rank 3", "rank 4"]
    assert env.now == 5.0


def test_a_store_arrival_booked_at_an_instant_wakes_its_takers_at_their_ranks() -> None:
    """A facility starting a lot books its delivery into a component store at once; a taker
    waiting there (for an arrival due now, or for any at all) re-checks at its own rank, never
    before a facility ranked above it acting at the same instant (the fast path books such
    arrivals at other instants: the order must not hang on that)."""
    env = simpy.Environment()
    records = Records(products=["shell"], facilities=[], budgets=[], materials=["shell", "fuze"])
    store, empty = Material(env, 0, 0.0, 0.0, records), Material(env, 1, 0.0, 0.0, records)
    store.product, empty.product = 0, 0
    store.arrive(5.0, 1.0)
    order: list[tuple[str, float]] = []

    def taker(name: str, material: Material, rank: int) -> simpy.events.ProcessGenerator:
        yield material.arrival(material.wake_day(2.0), rank)
        order.append((name, env.now))

    def booker(rank: int) -> simpy.events.ProcessGenerator:
        yield RankedTimeout(env, 5.0, rank)
        store.arrive(10.0, 1.0)  # (a later lot's delivery, booked as the lot starts)
        empty.arrive(10.0, 1.0)
        order.append(("booker", env.now))

    def above(rank: int) -> simpy.events.ProcessGenerator:
        yield RankedTimeout(env, 5.0, rank)
        order.append(("above", env.now))

    env.process(taker("taker", store, FIRST_RANK + 3))
    env.process(taker("waiting for any", empty, FIRST_RANK + 2))
    env.process(booker(FIRST_RANK))
    env.process(above(FIRST_RANK + 1))
    env.run()
    assert order == [("booker", 5.0), ("above", 5.0), ("waiting for any", 5.0), ("taker", 5.0)]
    with pytest.raises(ValueError):
        RankedTimeout(env, -1.0, FIRST_RANK)
