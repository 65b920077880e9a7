"""Expansions on every kind and on material supply: capex, start date or when funded,
construction (possibly uncertain), ramp-up; added docks for a shipyard."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult, Simulated, write_yaml

from sim.errors import ScenarioError
from sim.language.units import DAYS_PER_YEAR
from sim.metrics.series import Capacity

YEAR = DAYS_PER_YEAR


def test_added_docks_open_at_commissioning_and_take_waiting_hulls(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml("""
    scenario: dock expansion
    start: 2025-01-01
    horizon: 5 years
    budgets: {navy: {appropriations: {2025: 10bn}}}
    facilities:
      barrow:
        kind: shipyard
        product: ssn
        budget: navy
        docks: 1
        stages: [{name: build, duration: 365 days}]
        expansions:
          - {name: devonshire dock hall 2, docks: 1, capex: 2bn, construction: 1 year, start: 2026-01-01}
    """)
    opened = 365 + YEAR
    records = sim.records
    assert records.expansions == [("barrow", "devonshire dock hall 2", 365.0, opened, opened)]
    assert records.docks == [(0, 0.0, 0.0, 1.0), (0, opened, opened, 1.0)]
    assert [(t, amount, what) for t, _, _, amount, what in records.spending] == [
        (365.0, 2e9, "capex:devonshire dock hall 2")
    ]
    by_dock = sorted((d, t1) for _, _, _, d, _, t1 in records.stages)
    assert by_dock == [(0, 365.0 * k) for k in range(1, 6)] + [(1, opened + 365 * k) for k in range(1, 4)]
    cap = Capacity.of(records, 0)
    assert cap.at(opened - 1)[0] == pytest.approx(1 / 365)
    assert cap.at(opened)[0] == pytest.approx(2 / 365)


def test_when_funded_waits_for_the_capex_and_construction_is_drawn_per_replication(
    run_yaml: Callable[..., Simulated],
) -> None:
    text = """
    scenario: when funded
    start: 2025-01-01
    horizon: 6 years
    budgets: {army: {appropriations: {2025: 1bn}}}
    facilities:
      lima:
        kind: vehicle_line
        product: tank
        budget: army
        capacity: 50 per year
        build_time: 6 months
        expansions:
          - name: new hall
            capacity: 100 per year
            capex: 1.5bn
            construction: {uniform: [1 year, 2 years]}
            start: when_funded
            ramp_up: 6 months
    """
    onlines = []
    for seed in range(6):
        sim = run_yaml(text, seed=seed)
        ((owner, name, began, online, ramped),) = sim.records.expansions
        assert (owner, name, began) == ("lima", "new hall", 365.0)  # 1bn + 1bn by 2026: 1.5bn affordable
        assert YEAR <= online - began <= 2 * YEAR
        assert ramped == pytest.approx(online + YEAR / 2)
        cap = Capacity.of(sim.records, 0)
        assert cap.at(online)[0] == pytest.approx(50 / YEAR)
        assert cap.at(ramped)[0] == pytest.approx(150 / YEAR)
        onlines.append(online)
    assert len(set(onlines)) == len(onlines)


def test_a_material_supply_expansion_adds_supply_after_construction_and_lead_time(
    run_yaml: Callable[..., Simulated],
) -> None:
    sim = run_yaml("""
    scenario: supply expansion
    start: 2025-01-01
    horizon: 4 years
    budgets: {asap: {appropriations: {2025: 1bn}}, money: {appropriations: {2025: 1tn}}}
    materials:
      powder:
        initial: 0
        supply:
          rate: 1000 per year
          lead_time: 2 months
          budget: asap
          expansions:
            - {name: new line, capacity: 2000 per year, capex: 248M, construction: 1 year, start: 2026-01-01,
               ramp_up: 1 year}
    facilities:
      plant:
        kind: munitions_factory
        product: shell
        budget: money
        capacity: 1M per year
        lot: 1 week
        consumes: {powder: 1}
    """)
    lead = 2 * YEAR / 12
    online = 365 + YEAR
    assert sim.records.supply == [(0, lead, lead, 1000 / YEAR), (0, online + lead, online + lead + YEAR, 2000 / YEAR)]
    assert [(t, a) for t, b, _, a, _ in sim.records.spending if b == 0] == [(365.0, 248e6)]
    # everything that arrives is made into shells: output = ∫ supply, less the last lot's week
    horizon = 4 * YEAR
    arrived = 1000 / YEAR * (horizon - lead) + 2000 / YEAR * (horizon - online - lead - YEAR / 2)
    made = sum(q for _, _, q, _, _ in sim.records.deliveries)
    assert arrived - 3000 / YEAR * 7 * 2 <= made <= arrived + 1e-6


def test_timeline_csv_shows_the_expansion_in_the_capacity_measure(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    path = write_yaml(
        tmp_path,
        """
    scenario: factory expansion
    start: 2025-01-01
    horizon: 4 years
    budgets: {money: {appropriations: {2025: 1tn}}}
    facilities:
      plant:
        kind: munitions_factory
        product: shell
        budget: money
        capacity: 120k per year
        expansions:
          - {name: hall 2, capacity: 240k per year, capex: 100M, construction: 18 months, start: 2025-07-01,
             ramp_up: 1 year}
    """,
    )
    out = tmp_path / "out"
    result = rearm("run", path, "--out", out, "--no-plots")
    assert result.code == 0, result.err
    with open(out / "timeline.csv", encoding="utf-8") as fh:
        rows = {(r["date"], r["measure"]): float(r["p50"]) for r in csv.DictReader(fh) if r["product"] == "shell"}
    # construction 2025-07-01 + 18 months = 2027-01-01 (one day early: 18 months is 547.875 days);
    # then a year's linear ramp: half of the added capacity by 2027-07
    assert rows[("2026-12-01", "capacity")] == pytest.approx(120_000)
    online = 181 + 1.5 * YEAR  # 2025-07-01 is day 181
    assert rows[("2027-07-01", "capacity")] == pytest.approx(120_000 + 240_000 * (911 - online) / YEAR, abs=0.01)
    assert rows[("2028-02-01", "capacity")] == pytest.approx(360_000)


@pytest.mark.parametrize(
    ("facility", "message"),
    [
        (
            "{kind: shipyard, product: s, budget: b, docks: 1, stages: [{name: a, duration: 1 year}],"
            " expansions: [{name: e, capacity: 2 per year}]}",
            "facilities.f: a shipyard's expansions add 'docks' (a number), not 'capacity'",
        ),
        (
            "{kind: vehicle_line, product: v, budget: b, capacity: 1 per day, build_time: 1 month,"
            " expansions: [{name: e, docks: 2}]}",
            "facilities.f: expansions of a vehicle_line add 'capacity' (a rate); 'docks' are for shipyards",
        ),
    ],
)
def test_an_expansion_must_add_what_its_kind_has(load_yaml: Callable[..., Any], facility: str, message: str) -> None:
    text = f"""
    scenario: bad expansion
    start: 2025-01-01
    horizon: 5 years
    budgets: {{b: {{appropriations: {{2025: 1bn}}}}}}
    facilities:
      f: {facility}
    """
    with pytest.raises(ScenarioError) as err:
        load_yaml(text)
    assert message in str(err.value)
