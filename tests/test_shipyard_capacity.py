"""Installed capacity of shipyards whose docks are shared: each dock is counted once across the
programmes sharing it, divided evenly among those with hulls left to start (a programme's
drumbeat caps what it takes), and a programme whose last hull has started has none."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from conftest import Simulated

from sim.metrics.series import Capacity
from sim.model.docks import divide_docks
from sim.records import Records

T = 400.0  # mean days in dock stages, the same for every programme below
DOCKS = 3


def scenario(yards: str, horizon: str = "20 years") -> str:
    """A scenario with one rich budget and the shipyards given as YAML in `yards`."""
    return f"""
    scenario: shared docks capacity
    start: 2025-01-01
    horizon: {horizon}
    budgets: {{navy: {{appropriations: {{2025: 1tn}}}}}}
    facilities:
{yards}
    """


def yard(name: str, owner: str | None = None, more: str = "") -> str:
    """One programme building `T` days in dock then 100 days quayside; on its own `DOCKS` docks,
    or on `owner`'s."""
    docks = f"shares_docks_with: {owner}" if owner else f"docks: {DOCKS}"
    return f"""
      {name}:
        kind: shipyard
        product: {name}_boat
        budget: navy
        {docks}
        unit_cost: 1bn
        {more}
        stages:
          - {{name: hall, duration: {int(T)} days, dock: true}}
          - {{name: trials, duration: 100 days, dock: false}}
    """


def installed(records: Records, facility: int, day: float) -> float:
    """A facility's installed capacity (per day) at `day` (steps count from their own instant)."""
    return sum(d for f, _, t0, _, d in records.capacity if f == facility and t0 <= day)


def last_start(records: Records, facility: int) -> float:
    return max(t for t, f, _ in records.starts if f == facility)


def test_three_programmes_sharing_three_docks_count_each_dock_once(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(scenario(yard("a") + yard("b", "a") + yard("c", "a")))
    shares = [installed(sim.records, f, 0.0) for f in range(3)]
    assert shares == pytest.approx([1 / T] * 3)  # a dock each
    assert sum(shares) == pytest.approx(DOCKS / T)  # the docks' rate, computed once
    # the capacity measure of the three products adds up the same
    at_start = [float(c.at(0.0)[0]) for c in Capacity.by_product(sim.records)]
    assert sum(at_start) == pytest.approx(DOCKS / T)


def test_a_drumbeat_caps_a_programme_and_leaves_the_rest_of_the_docks_to_the_others(
    run_yaml: Callable[..., Simulated],
) -> None:
    drumbeat = 1000.0  # fills T / drumbeat = 0.4 of a dock
    sim = run_yaml(scenario(yard("a", more=f"drumbeat: {int(drumbeat)} days") + yard("b", "a") + yard("c", "a")))
    a, b, c = (installed(sim.records, f, 0.0) for f in range(3))
    assert a == pytest.approx(1 / drumbeat)
    assert b == c == pytest.approx((DOCKS - T / drumbeat) / 2 / T)
    assert a + b + c == pytest.approx(DOCKS / T)


def test_every_programme_held_to_its_drumbeat_sums_the_drumbeats(run_yaml: Callable[..., Simulated]) -> None:
    beat = "drumbeat: 1000 days"
    sim = run_yaml(scenario(yard("a", more=beat) + yard("b", "a", beat) + yard("c", "a", beat)))
    assert sum(installed(sim.records, f, 0.0) for f in range(3)) == pytest.approx(3 / 1000)


def test_a_programme_whose_last_hull_has_started_has_no_capacity_and_the_others_take_its_docks(
    run_yaml: Callable[..., Simulated],
) -> None:
    # b has two hulls; a and c build on for the whole horizon
    sim = run_yaml(scenario(yard("a") + yard("b", "a", "hulls: 2\n        first_start: 2026-01-01") + yard("c", "a")))
    day = last_start(sim.records, 1)
    assert day >= 365.0
    assert installed(sim.records, 1, day - 1e-6) == pytest.approx(1 / T)
    assert installed(sim.records, 1, day) == 0.0
    for f in (0, 2):
        assert installed(sim.records, f, day - 1e-6) == pytest.approx(1 / T)
        assert installed(sim.records, f, day) == pytest.approx(1.5 / T)
    assert installed(sim.records, 0, day) + installed(sim.records, 2, day) == pytest.approx(DOCKS / T)
    assert installed(sim.records, 1, sim.scenario.horizon) == 0.0


def test_a_yard_alone_building_on_keeps_its_docks_rate(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(scenario(yard("a")))
    assert [(t0, d) for *_, t0, _, d in sim.records.capacity] == [(0.0, pytest.approx(DOCKS / T))]
    capped = run_yaml(scenario(yard("a", more="drumbeat: 1000 days")))
    assert [d for *_, d in capped.records.capacity] == [pytest.approx(1 / 1000)]


def test_a_yard_alone_loses_its_capacity_when_its_last_hull_starts(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(scenario(yard("a", more="hulls: 7")))
    day = last_start(sim.records, 0)
    assert day == pytest.approx(T * 2)  # hulls 7 start when the docks free: 0, 0, 0, T, T, T, 2T
    assert installed(sim.records, 0, day - 1e-6) == pytest.approx(DOCKS / T)
    assert installed(sim.records, 0, day) == 0.0


def test_a_capacity_target_is_not_held_past_the_last_hull(run_yaml: Callable[..., Simulated]) -> None:
    # one dock of T days: 365/T ≈ 0.91 boats a year while hulls are left to start; the last of
    # three starts at 2T = 800 days
    targets = """
    targets:
      - {name: held a year, product: a_boat, capacity: 0.9 per year, sustain: 1 year}
      - {name: held three years, product: a_boat, capacity: 0.9 per year, sustain: 3 years}
    """
    one_dock = yard("a", more="hulls: 3").replace(f"docks: {DOCKS}", "docks: 1")
    sim = run_yaml(scenario(one_dock) + targets)
    assert last_start(sim.records, 0) == pytest.approx(2 * T)
    assert sim.target_days("held a year") == 0.0
    assert np.isnan(sim.target_days("held three years"))


@pytest.mark.parametrize(
    ("docks", "fills", "shares"),
    [
        (3.0, [np.inf, np.inf, np.inf], [1.0, 1.0, 1.0]),
        (3.0, [0.4, np.inf, np.inf], [0.4, 1.3, 1.3]),
        (3.0, [np.inf, 0.4, 2.0], [1.3, 0.4, 1.3]),
        (3.0, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
        (2.0, [], []),
        (2.0, [np.inf], [2.0]),
    ],
)
def test_docks_are_divided_evenly_up_to_what_each_programme_fills(
    docks: float, fills: list[float], shares: list[float]
) -> None:
    got = divide_docks(docks, fills)
    assert got == pytest.approx(shares)
    assert all(g <= f for g, f in zip(got, fills, strict=True))
    if any(g < f for g, f in zip(got, fills, strict=True)):
        assert sum(got) == pytest.approx(docks)  # nothing left over while someone could take more


def test_a_programme_not_yet_available_shares_the_docks_from_when_it_opens(
    run_yaml: Callable[..., Simulated],
) -> None:
    sim = run_yaml(scenario(yard("a") + yard("b", "a", "available_from: 2026-01-01") + yard("c", "a")))
    opens = 365.0
    before = [installed(sim.records, f, opens - 1e-6) for f in range(3)]
    after = [installed(sim.records, f, opens) for f in range(3)]
    assert before == pytest.approx([1.5 / T, 0.0, 1.5 / T])  # the docks counted once, by those open
    assert after == pytest.approx([1 / T] * 3)
