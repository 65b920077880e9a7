"""Docks held for priority (`sim.model.docks`): a free dock is not given to a lower-priority hull
while a higher-priority hull is due before the lower one would leave it; `reserve_docks: false`
restores first come, first served. Dates against closed forms from fixed stage durations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Simulated, scenario_of, simulate_scenario

from sim.errors import ScenarioError
from sim.model.docks import RESERVATION_GRACE
from sim.records import Records

START = dt.date(2025, 1, 1)


def day(date: str) -> float:
    """Days from the scenarios' start to `date`."""
    return float((dt.date.fromisoformat(date) - START).days)


def shared_yard(
    ssbn_first_start: str,
    reserve: bool | None = None,
    t_ssn: int = 100,
    t_ssbn: int = 200,
    ssn_hulls: int = 2,
    ssbn_hulls: int = 1,
    docks: int = 1,
    ssbn_more: str = "",
    extra: str = "",
    ssbn_pre_dock: str = "",
) -> str:
    """An SSN programme (priority 0) owning the docks, an SSBN programme (priority 1) sharing
    them from `ssbn_first_start`; each hull one dock stage (after `ssbn_pre_dock`, a stage
    given as YAML, for the SSBN), then 30 days of trials."""
    reserve_key = "" if reserve is None else f"reserve_docks: {str(reserve).lower()}"
    return f"""
    scenario: dock reservation
    start: {START.isoformat()}
    horizon: 10 years
    budgets: {{navy: {{appropriations: {{2025: 1tn}}}}}}
    {extra}
    facilities:
      ssn_yard:
        kind: shipyard
        product: ssn
        budget: navy
        docks: {docks}
        hulls: {ssn_hulls}
        {reserve_key}
        stages:
          - {{name: build, duration: {t_ssn} days}}
          - {{name: trials, duration: 30 days, dock: false}}
      ssbn_yard:
        kind: shipyard
        product: ssbn
        budget: navy
        shares_docks_with: ssn_yard
        priority: 1
        first_start: {ssbn_first_start}
        hulls: {ssbn_hulls}
        {ssbn_more}
        stages:
          {ssbn_pre_dock}
          - {{name: build, duration: {t_ssbn} days}}
          - {{name: trials, duration: 30 days, dock: false}}
    """


def docked(records: Records) -> dict[tuple[str, int], float]:
    """(yard, hull) -> the day its hull began its dock stage `build`."""
    return {(records.facilities[f], h): t0 for f, h, s, _, t0, _ in records.stages if s == "build"}


def test_a_dock_is_held_for_a_higher_priority_hull_due_a_month_after_it_frees(
    run_yaml: Callable[..., Simulated],
) -> None:
    # SSN hull 1 holds the only dock for its T_ssn = 100 days; SSN hull 2 has waited since day 0.
    # The SSBN is due on 2025-05-01, a month after the dock frees (day 100, 2025-04-11), before
    # SSN 2 would leave it (day 200): the dock stands idle until the SSBN comes, then SSN 2
    # follows it.
    t_ssn, t_ssbn, due = 100.0, 200.0, day("2025-05-01")
    assert t_ssn < due < 2 * t_ssn and due - t_ssn < RESERVATION_GRACE
    for reserve in (None, True):  # the default is to hold
        sim = run_yaml(shared_yard("2025-05-01", reserve))
        assert docked(sim.records) == {
            ("ssn_yard", 1): 0.0,
            ("ssbn_yard", 1): due,
            ("ssn_yard", 2): due + t_ssbn,
        }
        waited = sim.records.time_use
        assert waited[0]["docks"] == pytest.approx(due + t_ssbn)  # SSN 2, from day 0
        assert "docks" not in waited[1]  # the SSBN never waits for a dock
        assert sorted(t for t, *_ in sim.records.deliveries) == pytest.approx(
            [t_ssn + 30, due + t_ssbn + 30, due + t_ssbn + t_ssn + 30]
        )


def test_without_reserve_docks_the_higher_priority_hull_waits(run_yaml: Callable[..., Simulated]) -> None:
    t_ssn, due = 100.0, day("2025-05-01")
    sim = run_yaml(shared_yard("2025-05-01", reserve=False))
    # first come, first served: SSN 2 takes the dock at day 100, the SSBN waits until day 200
    assert docked(sim.records) == {("ssn_yard", 1): 0.0, ("ssn_yard", 2): t_ssn, ("ssbn_yard", 1): 2 * t_ssn}
    assert sim.records.time_use[1]["docks"] == pytest.approx(2 * t_ssn - due)


@pytest.mark.parametrize("due_date", ["2025-07-20", "2025-09-01"])
def test_no_dock_idles_when_no_higher_priority_hull_is_due_before_the_lower_one_leaves(
    run_yaml: Callable[..., Simulated], due_date: str
) -> None:
    # SSN 2 would leave at day 200: an SSBN due then (2025-07-20 is day 200) or later holds nothing
    t_ssn, t_ssbn, due = 100.0, 200.0, day(due_date)
    assert due >= 2 * t_ssn
    sim = run_yaml(shared_yard(due_date))
    assert docked(sim.records) == {("ssn_yard", 1): 0.0, ("ssn_yard", 2): t_ssn, ("ssbn_yard", 1): due}
    assert sim.records.time_use[0]["docks"] == pytest.approx(t_ssn)  # SSN 2 waits for SSN 1 only
    assert "docks" not in sim.records.time_use[1]
    assert max(t for t, *_ in sim.records.deliveries) == pytest.approx(due + t_ssbn + 30)


def test_a_spare_dock_goes_to_the_lower_priority_hull_at_once(run_yaml: Callable[..., Simulated]) -> None:
    # two docks, one SSBN due at day 31: one dock is held for it, the other goes to SSN 1 at
    # once; SSN 2 waits for SSN 1 (the held dock is the SSBN's from day 31)
    due = day("2025-02-01")
    sim = run_yaml(shared_yard("2025-02-01", docks=2, ssn_hulls=3))
    assert docked(sim.records) == {
        ("ssn_yard", 1): 0.0,
        ("ssn_yard", 2): 100.0,
        ("ssbn_yard", 1): due,
        ("ssn_yard", 3): 200.0,
    }


def test_a_late_hull_holds_its_dock_for_the_grace_only(run_yaml: Callable[..., Simulated]) -> None:
    # The SSBN is laid down on its date (2025-05-01) but waits for a reactor core that arrives
    # only after a year (supply 1 a year from nothing) in a 10-day pre-dock stage: it is due at
    # its dock at 2025-05-11 (day 130), and holds it until the grace runs out (day 220); then
    # SSN 2 takes it.
    extra = "materials: {core: {initial: 0, supply: {rate: 1 per year}}}"
    pre_dock = "- {name: modules, duration: 10 days, dock: false, consumes: {core: 1}}"
    sim = run_yaml(shared_yard("2025-05-01", extra=extra, ssbn_pre_dock=pre_dock))
    due_at_dock = day("2025-05-01") + 10
    got = docked(sim.records)
    assert got[("ssn_yard", 2)] == pytest.approx(due_at_dock + RESERVATION_GRACE)
    core = 365.25  # a year's supply of one core
    ssbn_asks = core + 10
    assert due_at_dock + RESERVATION_GRACE + 100 < ssbn_asks  # SSN 2 has left by then
    assert got[("ssbn_yard", 1)] == pytest.approx(ssbn_asks)


def test_the_reservation_holds_for_each_hull_of_a_drumbeat(run_yaml: Callable[..., Simulated]) -> None:
    # SSBNs every 150 days from day 31, each 100 days in the one dock: a 100-day SSN hull would
    # leave only after the next SSBN is due (the gaps are 50 days), so both SSNs wait for the
    # last SSBN, and no SSBN waits
    due = day("2025-02-01")
    text = shared_yard("2025-02-01", t_ssbn=100, ssbn_hulls=3, ssbn_more="drumbeat: 150 days")
    held = docked(run_yaml(text).records)
    assert held == {
        ("ssbn_yard", 1): due,
        ("ssbn_yard", 2): due + 150,
        ("ssbn_yard", 3): due + 300,
        ("ssn_yard", 1): due + 400,
        ("ssn_yard", 2): due + 500,
    }
    # first come, first served: SSN 1 takes the dock at day 0, the SSBN waits for it (and then
    # goes before SSN 2, which has a lower priority), and every later SSBN is pushed back too
    text = shared_yard("2025-02-01", False, t_ssbn=100, ssbn_hulls=3, ssbn_more="drumbeat: 150 days")
    free = docked(run_yaml(text).records)
    assert free[("ssn_yard", 1)] == 0.0
    assert free[("ssbn_yard", 1)] == 100.0
    assert free[("ssn_yard", 2)] == 200.0
    assert free[("ssbn_yard", 2)] == 300.0  # due at 250, waits for SSN 2


def test_reserve_docks_goes_on_the_yard_that_owns_them(load_yaml: Callable[..., Any]) -> None:
    text = shared_yard("2025-05-01", ssbn_more="reserve_docks: false")
    with pytest.raises(ScenarioError) as err:
        load_yaml(text)
    assert "'reserve_docks' goes on the yard that owns the docks ('ssn_yard')" in str(err.value)
    assert "facilities.ssbn_yard" in str(err.value)


def random_yard(docks: int) -> dict[str, Any]:
    """Two programmes with drawn stage durations in one pool of `docks` docks."""
    return {
        "scenario": "paired docks",
        "start": "2025-01-01",
        "horizon": "30 years",
        "budgets": {"navy": {"appropriations": {2025: "1tn"}}},
        "facilities": {
            "ssn_yard": {
                "kind": "shipyard",
                "product": "ssn",
                "budget": "navy",
                "docks": docks,
                "hulls": 8,
                "drumbeat": "200 days",
                "stages": [
                    {"name": "modules", "duration": {"triangular": ["50 days", "100 days", "200 days"]}, "dock": False},
                    {"name": "build", "duration": {"triangular": ["300 days", "500 days", "900 days"]}},
                    {"name": "trials", "duration": "60 days", "dock": False},
                ],
            },
            "ssbn_yard": {
                "kind": "shipyard",
                "product": "ssbn",
                "budget": "navy",
                "shares_docks_with": "ssn_yard",
                "priority": 2,
                "hulls": 4,
                "first_start": "2025-09-01",
                "drumbeat": "1 year",
                "stages": [
                    {"name": "build", "duration": {"triangular": ["400 days", "600 days", "1000 days"]}},
                    {"name": "trials", "duration": {"uniform": ["100 days", "300 days"]}, "dock": False},
                ],
            },
        },
    }


def delivered_by_hull(records: Records, yard: str) -> dict[int, float]:
    """Hull -> the day it was delivered (its last stage ended)."""
    f = records.facilities.index(yard)
    return {h: t1 for ff, h, s, _, _, t1 in records.stages if ff == f and s == "trials"}


@pytest.mark.parametrize("docks", [1, 2, 3])
def test_more_docks_never_make_a_higher_priority_hull_later(docks: int) -> None:
    for seed in range(8):
        fewer = simulate_scenario(scenario_of(random_yard(docks)), seed)
        more = simulate_scenario(scenario_of(random_yard(docks + 1)), seed)
        a, b = delivered_by_hull(fewer.records, "ssbn_yard"), delivered_by_hull(more.records, "ssbn_yard")
        assert sorted(a) == sorted(b) == [1, 2, 3, 4]
        for hull, t in a.items():
            assert b[hull] <= t + 1e-9, (docks, seed, hull, t, b[hull])


def test_without_reserve_docks_more_docks_can_make_a_higher_priority_hull_later() -> None:
    """The same pairs first come, first served: a lower-priority hull that takes a new dock just
    before the higher-priority one is due can delay it (the defect the holding removes; shows
    the test above can fail)."""

    def first_come(docks: int) -> dict[str, Any]:
        data = random_yard(docks)
        data["facilities"]["ssn_yard"]["reserve_docks"] = False
        return data

    later = []
    for docks in (1, 2, 3):
        for seed in range(16):
            a = delivered_by_hull(simulate_scenario(scenario_of(first_come(docks)), seed).records, "ssbn_yard")
            b = delivered_by_hull(simulate_scenario(scenario_of(first_come(docks + 1)), seed).records, "ssbn_yard")
            later += [(docks, seed, h) for h, t in a.items() if b[h] > t + 1e-9]
    assert later
