"""Every shipped scenario validates and runs one replication (the files are found when the tests
run, so scenarios added later are covered too)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, check_money, simulate_scenario

from sim.language.load import load_scenario

FOLDERS = ("scenarios", "scenarios/examples", "scenarios/backtests")


def shipped_scenarios() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.yaml"))


def test_there_are_shipped_scenarios() -> None:
    assert (ROOT / "scenarios" / "european_155mm.yaml") in shipped_scenarios()


def test_rearm_validate_accepts_every_shipped_scenario(rearm) -> None:
    files = shipped_scenarios()
    result = rearm("validate", *files)
    assert result.code == 0, result.err
    assert result.out.count(": ok (") == len(files)


@pytest.mark.parametrize("path", shipped_scenarios(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_shipped_scenario_runs_one_replication(path: Path) -> None:
    scenario = load_scenario(str(path)).scenario
    sim = simulate_scenario(scenario, seed=scenario.seed)
    assert sim.records.events > 0
    check_money(sim.records)
    assert np.isfinite(sim.result.timeline).all()
    assert (sim.result.timeline >= -1e-6).all()  # delivered, rate, stock and capacity are never negative
    for target, days in zip(scenario.targets, sim.result.target_days, strict=True):
        assert math.isnan(days) or 0 <= days <= scenario.horizon, target.name
    for name in scenario.facilities:
        assert sum(sim.result.time_use.get(name, {}).values()) > 0, f"{name} booked no time"
