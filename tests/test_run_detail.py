"""A run keeps replication 0's history, so `replication0.json` is written without simulating
again, byte for byte what simulating replication 0 again from its own seed stream wrote."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SCENARIOS

from sim.language.load import load_scenario
from sim.metrics.detail import replication_detail
from sim.model.replication import simulate
from sim.present.files import write_json
from sim.present.outputs import write_run
from sim.studies.precision import run_to_precision
from sim.studies.replications import replication_seed
from sim.studies.run import RunResult, run_scenario


def simulated_again(run: RunResult) -> dict[str, Any]:
    """What `sim.present.outputs` wrote before the run kept the detail: replication 0
    simulated again from the scenario as loaded and its own seed stream."""
    scenario = run.loaded.scenario
    detail = replication_detail(scenario, simulate(scenario, replication_seed(run.seed, 0)), 0)
    detail["target_days"] = {
        t.name: [None if math.isnan(r.target_days[i]) else round(float(r.target_days[i]), 4) for r in run.results]
        for i, t in enumerate(scenario.targets)
    }
    return detail


@pytest.mark.parametrize("file", SCENARIOS, ids=lambda f: Path(f).stem)
def test_replication0_json_is_byte_for_byte_the_simulated_again_one(file: str, tmp_path: Path) -> None:
    loaded = load_scenario(file)
    run = run_scenario(loaded, replications=3, seed=7)
    write_run(run, tmp_path / "run")
    write_json(tmp_path / "again.json", simulated_again(run))
    written = (tmp_path / "run" / "replication0.json").read_bytes()
    assert written == (tmp_path / "again.json").read_bytes()
    assert b'"replication": 0' in written


def test_only_replication_0_keeps_its_history() -> None:
    loaded = load_scenario(str(ROOT / "scenarios" / "examples" / "munitions_factory.yaml"))
    run = run_scenario(loaded, replications=3, seed=2)
    assert [r.detail is not None for r in run.results] == [True, False, False]
    assert run.detail["replication"] == 0


def test_a_run_to_precision_keeps_replication_0s_history_too(tmp_path: Path) -> None:
    loaded = load_scenario(str(ROOT / "scenarios" / "examples" / "munitions_factory.yaml"))
    run, _ = run_to_precision(loaded, 0.5, seed=4, first=2, cap=3)
    write_run(run, tmp_path)
    write_json(tmp_path / "again.json", simulated_again(run))
    assert (tmp_path / "replication0.json").read_bytes() == (tmp_path / "again.json").read_bytes()


def test_replication_0s_history_comes_back_from_a_worker_process(tmp_path: Path) -> None:
    loaded = load_scenario(str(ROOT / "scenarios" / "examples" / "combined.yaml"))
    serial, parallel = (run_scenario(loaded, replications=4, seed=9, jobs=jobs) for jobs in (1, 2))
    assert parallel.detail == serial.detail
    write_run(parallel, tmp_path)
    write_json(tmp_path / "again.json", simulated_again(parallel))
    assert (tmp_path / "replication0.json").read_bytes() == (tmp_path / "again.json").read_bytes()
