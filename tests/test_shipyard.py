"""Shipyards against closed forms: docks, drumbeat, learning, shared docks and money per stage."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Simulated

from sim.errors import ScenarioError
from sim.records import Records

DAY = 1.0


def yard_yaml(yard: str, horizon: str = "40 years", budget: str = "{2025: 1tn}", extra: str = "") -> str:
    """A scenario with one rich budget and the facilities given as YAML in `yard`."""
    return f"""
    scenario: yard closed form
    start: 2025-01-01
    horizon: {horizon}
    budgets: {{navy: {{appropriations: {budget}}}}}
    {extra}
    facilities:
{yard}
    """


def one_yard(docks: int = 2, dock_days: int = 400, post_days: int = 50, hulls: int = 10, more: str = "") -> str:
    """Facilities block: one yard, a dock stage of `dock_days` then a quayside stage of `post_days`."""
    return f"""
      barrow:
        kind: shipyard
        product: ssn
        budget: navy
        docks: {docks}
        hulls: {hulls}
        unit_cost: 1bn
        {more}
        stages:
          - {{name: build, duration: {dock_days} days, dock: true, cost_share: 80%}}
          - {{name: trials, duration: {post_days} days, dock: false, cost_share: 20%}}
    """


def installed(records: Records, day: float, facility: int = 0) -> float:
    """A facility's installed capacity (per day) at `day` (steps count from their own instant)."""
    return sum(d for f, _, t0, _, d in records.capacity if f == facility and t0 <= day)


def finished(records: Records, stage: str, facility: int = 0) -> dict[int, float]:
    """Hull -> the day its `stage` ended."""
    return {h: t1 for f, h, s, _, _, t1 in records.stages if f == facility and s == stage}


def begun(records: Records, stage: str, facility: int = 0) -> dict[int, float]:
    """Hull -> the day its `stage` began."""
    return {h: t0 for f, h, s, _, t0, _ in records.stages if f == facility and s == stage}


@pytest.mark.parametrize("docks", [1, 2, 3])
def test_hull_k_is_delivered_at_T_ceil_k_over_D_plus_the_quayside_stage(
    run_yaml: Callable[..., Simulated], docks: int
) -> None:
    t_dock, t_post, hulls = 400.0, 50.0, 9
    sim = run_yaml(yard_yaml(one_yard(docks, int(t_dock), int(t_post), hulls)))
    delivered = finished(sim.records, "trials")
    assert sorted(delivered) == list(range(1, hulls + 1))
    for k, day in delivered.items():
        assert day == pytest.approx(t_dock * math.ceil(k / docks) + t_post)
    assert sorted(t for t, _, _, _, _ in sim.records.deliveries) == sorted(delivered.values())
    # each dock holds one hull at a time: dock spans on one dock never overlap
    spans = sorted((d, t0, t1) for _, _, s, d, t0, t1 in sim.records.stages if s == "build")
    for (d1, _, end), (d2, start, _) in zip(spans, spans[1:], strict=False):
        assert d1 != d2 or start >= end - 1e-9


def test_a_drumbeat_longer_than_T_over_D_paces_the_starts(run_yaml: Callable[..., Simulated]) -> None:
    drumbeat = 300.0  # > T/D = 400/2
    sim = run_yaml(yard_yaml(one_yard(2, 400, 50, 8, more=f"drumbeat: {int(drumbeat)} days")))
    starts = sorted(t for t, _, _ in sim.records.starts)
    assert starts == pytest.approx([drumbeat * k for k in range(8)])
    assert sorted(finished(sim.records, "trials").values()) == pytest.approx([drumbeat * k + 450 for k in range(8)])
    # installed capacity is docks / T = 1/200 per day, capped at 1/drumbeat, until the last hull
    # starts; none after (no hulls left to start)
    assert installed(sim.records, starts[-1] - 1) == pytest.approx(1 / drumbeat)
    assert installed(sim.records, starts[-1]) == 0.0
    assert "docks" not in sim.records.time_use[0]


def test_a_short_drumbeat_does_not_bind_and_capacity_is_docks_over_T(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(yard_yaml(one_yard(2, 400, 50, 6, more="drumbeat: 100 days")))
    starts = sorted(t for t, _, _ in sim.records.starts)
    assert starts == pytest.approx([0, 100, 400, 500, 800, 900])
    assert installed(sim.records, starts[-1] - 1) == pytest.approx(2 / 400)
    assert installed(sim.records, starts[-1]) == 0.0


def test_learning_shortens_hull_n_by_the_wright_factor(run_yaml: Callable[..., Simulated]) -> None:
    learning = 0.8
    sim = run_yaml(yard_yaml(one_yard(1, 1000, 100, 8, more="learning: 80%")))
    built = {h: finished(sim.records, "build")[h] - begun(sim.records, "build")[h] for h in range(1, 9)}
    quay = {h: finished(sim.records, "trials")[h] - begun(sim.records, "trials")[h] for h in range(1, 9)}
    for n in range(1, 9):
        factor = n ** math.log2(learning)
        assert built[n] == pytest.approx(1000 * factor)
        assert quay[n] == pytest.approx(100 * factor)
    assert built[2] == pytest.approx(800) and built[4] == pytest.approx(640) and built[8] == pytest.approx(512)


def two_programmes(priority_ssbn: int, hulls_ssn: int = 3, hulls_ssbn: int = 2) -> str:
    return f"""
      ssn_yard:
        kind: shipyard
        product: ssn
        budget: navy
        docks: 1
        hulls: {hulls_ssn}
        stages: [{{name: build, duration: 100 days}}]
      ssbn_yard:
        kind: shipyard
        product: ssbn
        budget: navy
        shares_docks_with: ssn_yard
        priority: {priority_ssbn}
        hulls: {hulls_ssbn}
        stages: [{{name: build, duration: 100 days}}]
    """


def dock_order(records: Records) -> list[tuple[str, int]]:
    rows = sorted((t0, records.facilities[f], h) for f, h, _, _, t0, _ in records.stages)
    return [(name, h) for _, name, h in rows]


def test_shared_docks_go_to_the_higher_priority_programme_first(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(yard_yaml(two_programmes(priority_ssbn=1)))
    # both ask at day 0, where the higher priority acts first (sim.model.ranks): ssbn 1 takes
    # the only dock; then the waiting ssbn 2 outranks the waiting ssn 1
    assert dock_order(sim.records) == [
        ("ssbn_yard", 1),
        ("ssbn_yard", 2),
        ("ssn_yard", 1),
        ("ssn_yard", 2),
        ("ssn_yard", 3),
    ]
    assert [t for t, _, _, _, _ in sorted(sim.records.deliveries)] == pytest.approx([100, 200, 300, 400, 500])


def test_shared_docks_at_equal_priority_are_first_come_first_served(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(yard_yaml(two_programmes(priority_ssbn=0)))
    # at day 0 the ssn yard acts first (listed first, sim.model.ranks): ssn 1 gets the dock and
    # ssn 2 asks, then ssbn 1 asks; ssn 3 asks at day 100 (when ssn 2 got its dock), ssbn 2 at 200
    assert dock_order(sim.records) == [
        ("ssn_yard", 1),
        ("ssn_yard", 2),
        ("ssbn_yard", 1),
        ("ssn_yard", 3),
        ("ssbn_yard", 2),
    ]
    waited = sim.records.time_use
    assert waited[1]["docks"] == pytest.approx(200 + 200)  # ssbn 1 waits 200 days, ssbn 2 waits 200


def test_money_is_committed_by_cost_share_at_each_stage_start(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(yard_yaml(one_yard(1, 400, 50, 2)))
    spent = sorted((t, amount, what) for t, _, _, amount, what in sim.records.spending)
    assert spent == [
        (0, 0.8e9, "stage:build"),
        (400, 0.2e9, "stage:trials"),
        (400, 0.8e9, "stage:build"),
        (800, 0.2e9, "stage:trials"),
    ]


def test_a_hull_waits_in_dock_for_money_and_books_it(run_yaml: Callable[..., Simulated]) -> None:
    # 1bn a year: hull 1's 800M leaves 200M (enough for its trials), so hull 2 waits, in its
    # dock, for 2026's money
    sim = run_yaml(yard_yaml(one_yard(2, 200, 50, 2), horizon="3 years", budget="{2025: 1bn}"))
    starts = sorted(t for t, _, _ in sim.records.starts)
    assert starts == pytest.approx([0.0, 365.0])
    assert sim.records.time_use[0]["money"] == pytest.approx(365.0)
    assert sorted(t for t, *_ in sim.records.deliveries) == pytest.approx([250.0, 615.0])


def test_hulls_start_their_pre_dock_stage_while_fewer_than_docks_are_on_their_way(
    run_yaml: Callable[..., Simulated],
) -> None:
    sim = run_yaml(
        yard_yaml("""
      barrow:
        kind: shipyard
        product: ssn
        budget: navy
        docks: 2
        hulls: 4
        stages:
          - {name: fabrication, duration: 100 days, dock: false}
          - {name: build, duration: 400 days, dock: true}
    """)
    )
    assert sorted(t for t, *_ in sim.records.starts) == [0.0, 0.0, 100.0, 100.0]
    assert sorted(t for t, *_ in sim.records.deliveries) == [500.0, 500.0, 900.0, 900.0]
    assert sim.records.time_use[0]["docks"] == pytest.approx(2 * (500 - 200))


def test_a_yard_without_dock_stages_needs_a_drumbeat_or_a_hull_count(load_yaml: Callable[..., Any]) -> None:
    with pytest.raises(ScenarioError) as err:
        load_yaml(
            yard_yaml("""
      barrow:
        kind: shipyard
        product: ssn
        budget: navy
        docks: 1
        stages: [{name: fabrication, duration: 100 days, dock: false}]
    """)
        )
    assert "needs 'drumbeat' or 'hulls'" in str(err.value)
    assert "facilities.barrow" in str(err.value)


# -- a yard serves its own hulls oldest first (money, materials, people) -----------------------
def two_hulls(docks: int, carry_over: bool, budget: str, dock_days: int = 100, post_days: int = 100) -> str:
    """One yard, two hulls of 1M, a dock stage then a quayside stage, each 50% of the cost."""
    return f"""
    scenario: two hulls on one budget
    start: 2025-01-01
    horizon: 5 years
    budgets: {{navy: {{appropriations: {budget}, carry_over: {str(carry_over).lower()}, fiscal_year_start: 01-01}}}}
    facilities:
      barrow:
        kind: shipyard
        product: ssn
        budget: navy
        docks: {docks}
        hulls: 2
        unit_cost: 1M
        stages:
          - {{name: build, duration: {dock_days} days, dock: true, cost_share: 50%}}
          - {{name: trials, duration: {post_days} days, dock: false, cost_share: 50%}}
    targets:
      - {{name: first, product: ssn, delivered: 1}}
      - {{name: both, product: ssn, delivered: 2}}
    """


@pytest.mark.parametrize("carry_over", [True, False])
@pytest.mark.parametrize("docks", [1, 2])
def test_a_newer_hull_does_not_take_the_money_an_older_hull_needs_before_the_next_appropriation(
    run_yaml: Callable[..., Simulated], docks: int, carry_over: bool
) -> None:
    """1M a year; hull 1 takes 0.5M at day 0 and needs the other 0.5M at day 100. With two docks
    hull 2 is laid down at day 0 but may not take that 0.5M (it used to, and hull 1 then waited
    for the 2026 money: delivered on day 465, not 200); with one dock it waits for the dock
    until day 100, when hull 1 has taken it. Either way hull 2 begins on 2026-01-01 (day 365),
    with 2026's money: 365-465 in dock, 465-565 on trials."""
    sim = run_yaml(two_hulls(docks, carry_over, "{2025: 1M, 2026: 1M, 2027: 1M}"))
    assert sim.target_days("first") == pytest.approx(200.0)
    assert sim.target_days("both") == pytest.approx(565.0)
    assert begun(sim.records, "build") == pytest.approx({1: 0.0, 2: 365.0})
    assert begun(sim.records, "trials") == pytest.approx({1: 100.0, 2: 465.0})
    spent = sorted((t, amount) for t, _, _, amount, _ in sim.records.spending)
    assert [t for t, _ in spent] == pytest.approx([0.0, 100.0, 365.0, 465.0])
    assert [amount for _, amount in spent] == pytest.approx([0.5e6] * 4)
    waits = sim.records.time_use[0]
    # hull-days: hull 2 waits from its laying down (day 0, or day 100 in the one dock) to day 365
    assert waits["money"] == pytest.approx(365.0 if docks == 2 else 265.0)
    assert waits.get("docks", 0.0) == pytest.approx(0.0 if docks == 2 else 100.0)


@pytest.mark.parametrize("carry_over", [True, False])
def test_money_carried_over_is_held_for_an_older_hull_beyond_what_the_next_appropriation_brings(
    run_yaml: Callable[..., Simulated], carry_over: bool
) -> None:
    """1.2M in 2025, 0.25M in 2026, 1M a year after; 400 days in dock, 100 on trials; two docks.
    Hull 1 takes 0.5M at day 0 and needs 0.5M more at day 400, after 2026's 0.25M arrives.
    Carried over, 0.25M of the 0.7M left is held for it, so hull 2 (0.5M) waits, and again at day
    365 (0.95M, all 0.5M held: nothing arrives before day 400) until 2027's money (day 730):
    hull 1 is delivered on day 500, hull 2 in dock 730-1130, on trials 1130-1230. (Holding only
    until the next appropriation, hull 2 took 0.5M at day 0 and hull 1 waited until day 730.)
    Without carry-over the 2025 money lapses at day 365, so nothing is held: hull 2 takes it at
    day 0, and both hulls wait for 2027's money to begin their trials (730-830)."""
    sim = run_yaml(two_hulls(2, carry_over, "{2025: 1.2M, 2026: 0.25M, 2027: 1M}", dock_days=400))
    if carry_over:
        assert begun(sim.records, "build") == pytest.approx({1: 0.0, 2: 730.0})
        assert begun(sim.records, "trials") == pytest.approx({1: 400.0, 2: 1130.0})
        assert (sim.target_days("first"), sim.target_days("both")) == pytest.approx((500.0, 1230.0))
    else:
        assert begun(sim.records, "build") == pytest.approx({1: 0.0, 2: 0.0})
        assert begun(sim.records, "trials") == pytest.approx({1: 730.0, 2: 730.0})
        assert (sim.target_days("first"), sim.target_days("both")) == pytest.approx((830.0, 830.0))


def test_a_newer_hull_leaves_in_stock_the_material_an_older_hull_waits_for(
    run_yaml: Callable[..., Simulated],
) -> None:
    """Steel arrives at 0.1 a day; a hull's dock stage takes 1, its trials 15. Hull 1 leaves the
    dock on day 100 with 10 in stock and waits for 15 (day 150); hull 2, in the dock from day
    100, may not take 1 of the 10 meanwhile (it used to, and hull 1 then waited until day 160):
    it waits for 16, until hull 1 has taken its 15 (day 150) and its own 1 has arrived (day 160).
    Its trials wait for 15 more (day 310)."""
    sim = run_yaml(
        yard_yaml(
            """
      barrow:
        kind: shipyard
        product: ssn
        budget: navy
        docks: 1
        hulls: 2
        unit_cost: 1M
        stages:
          - {name: build, duration: 100 days, dock: true, consumes: {steel: 1}}
          - {name: trials, duration: 100 days, dock: false, consumes: {steel: 15}}
    """,
            extra="materials: {steel: {initial: 1, supply: {rate: 36.525 per year}}}",
        )
    )
    assert begun(sim.records, "build") == pytest.approx({1: 0.0, 2: 160.0})
    assert begun(sim.records, "trials") == pytest.approx({1: 150.0, 2: 310.0})
    assert sorted(t for t, *_ in sim.records.deliveries) == pytest.approx([250.0, 410.0])


def test_a_newer_hull_leaves_free_the_people_an_older_hull_will_need_once_its_material_comes(
    run_yaml: Callable[..., Simulated],
) -> None:
    """Ten welders; a hull's dock stage holds all ten, its trials all ten and 15 steel, which
    arrives at 0.1 a day from none. Hull 1 leaves the dock on day 100 and waits for steel (day
    150); hull 2 may not take the ten welders meanwhile (it used to, and hull 1 then waited for
    them until day 200): hull 1 is on trials 150-250, hull 2 in dock 250-350 and on trials
    350-450 (the oldest hull first, though the welders stand idle from day 100 to 150)."""
    sim = run_yaml(
        yard_yaml(
            """
      barrow:
        kind: shipyard
        product: ssn
        budget: navy
        docks: 2
        hulls: 2
        unit_cost: 1M
        stages:
          - {name: build, duration: 100 days, dock: true, workforce: {welders: 10}}
          - {name: trials, duration: 100 days, dock: false, consumes: {steel: 15}, workforce: {welders: 10}}
    """,
            extra="""materials: {steel: {initial: 0, supply: {rate: 36.525 per year}}}
    workforce: {welders: {initial: 10}}""",
        )
    )
    assert begun(sim.records, "build") == pytest.approx({1: 0.0, 2: 250.0})
    assert begun(sim.records, "trials") == pytest.approx({1: 150.0, 2: 350.0})
    assert sorted(t for t, *_ in sim.records.deliveries) == pytest.approx([250.0, 450.0])
