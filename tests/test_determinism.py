"""Determinism: the same seed gives byte-identical outputs, whoever runs the replications."""

from __future__ import annotations

import math
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import FLAGSHIP, ROOT, SCENARIOS, records_in_fresh_process, simulate_scenario, write_yaml
from hypothesis import given
from hypothesis import strategies as st

from sim.language.load import load_scenario
from sim.model.replication import replication_seeds
from sim.studies.replications import MAX_BATCH, _run_task, _unpacked, batches, replication_seed, run_replications

UNCERTAIN = """\
scenario: uncertain
start: 2025-01-01
horizon: 6 years
seed: 11
replications: 6
budgets:
  money:
    appropriations: {2025: {uniform: [200M, 400M]}, 2028: 600M}
    inflation: {triangular: [1%, 2%, 4%]}
materials:
  fill:
    initial: 500
    supply: {rate: {pert: [8k per year, 10k per year, 14k per year]}, lead_time: 2 months}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {triangular: [300k per year, 400k per year, 600k per year]}
    ramp_up: {uniform: [6 months, 18 months]}
    lot: 1 month
    unit_cost: {first_unit: {normal: [4000, 300]}, learning: 95%}
    consumes: {fill: 0.011}
    breakdowns: {mtbf: 200 days, mttr: {lognormal: [10 days, 0.5]}}
    expansions:
      - name: line 2
        capacity: 300k per year
        capex: 200M
        construction: {triangular: [1 year, 2 years, 3 years]}
        start: when_funded
        ramp_up: 1 year
demand:
  shell: {rate: 200k per year, from: 2025-06-01, until: 2028-01-01}
targets:
  - {name: million, product: shell, delivered: 1M, by: 2029-01-01}
  - {name: rate, product: shell, rate: 500k per year}
  - {name: stock, product: shell, stock: 300k}
  - {name: double, product: shell, capacity: 2x}
"""


def run_cli(rearm, scenario: Path, out: Path, *extra: str) -> tuple[bytes, bytes]:
    result = rearm("run", scenario, "--out", out, "--no-plots", "--replications", "6", *extra)
    assert result.code == 0, result.err
    return (out / "summary.json").read_bytes(), (out / "timeline.csv").read_bytes()


def test_same_seed_gives_byte_identical_outputs(tmp_path: Path, rearm) -> None:
    scenario = write_yaml(tmp_path, UNCERTAIN)
    first = run_cli(rearm, scenario, tmp_path / "a", "--jobs", "1")
    second = run_cli(rearm, scenario, tmp_path / "b", "--jobs", "1")
    assert first == second


def test_one_or_two_jobs_give_byte_identical_outputs(tmp_path: Path, rearm) -> None:
    scenario = write_yaml(tmp_path, UNCERTAIN)
    one = run_cli(rearm, scenario, tmp_path / "one", "--jobs", "1")
    two = run_cli(rearm, scenario, tmp_path / "two", "--jobs", "2")
    assert one == two


def test_a_different_seed_gives_different_results(tmp_path: Path, rearm) -> None:
    scenario = write_yaml(tmp_path, UNCERTAIN)
    a = run_cli(rearm, scenario, tmp_path / "a", "--jobs", "1")
    b = run_cli(rearm, scenario, tmp_path / "b", "--jobs", "1", "--seed", "12")
    assert a[1] != b[1]
    assert b'"seed": 12' in b[0] and b'"seed": 11' in a[0]


def test_replication_streams_are_spawned_from_the_root_seed() -> None:
    spawned = replication_seeds(5, 4)
    for i, seq in enumerate(spawned):
        assert replication_seed(5, i).generate_state(4).tolist() == seq.generate_state(4).tolist()


def test_replications_are_independent_of_how_many_are_run(tmp_path: Path) -> None:
    scenario = load_scenario(str(write_yaml(tmp_path, UNCERTAIN))).scenario
    three = run_replications(scenario, 3, seed=11)
    five = run_replications(scenario, 5, seed=11)
    for a, b in zip(three, five[:3], strict=True):
        assert np.array_equal(a.timeline, b.timeline)
        assert np.array_equal(a.target_days, b.target_days, equal_nan=True)
    # and a replication differs from its neighbour (the streams are not the same)
    assert not np.array_equal(five[0].timeline, five[1].timeline)


def test_one_replication_repeats_exactly(tmp_path: Path) -> None:
    scenario = load_scenario(str(write_yaml(tmp_path, UNCERTAIN))).scenario
    a, b = simulate_scenario(scenario, seed=3), simulate_scenario(scenario, seed=3)
    assert a.records.deliveries == b.records.deliveries
    assert a.records.spending == b.records.spending
    assert a.records.events == b.records.events


@pytest.mark.skipif(
    not os.environ.get("REARM_OTHER_PYTHON"),
    reason="REARM_OTHER_PYTHON names no second Python with the package installed (.ci/run sets it)",
)
def test_another_python_version_gives_the_same_records() -> None:
    """Every shipped scenario's records (two seeds; the flagship on the plain path too) agree
    within 1e-9 relative under another Python version (say 3.12, whose `sum` rounds otherwise):
    a seed names one result, whatever the interpreter."""
    other = os.environ["REARM_OTHER_PYTHON"]
    version = subprocess.run(
        [other, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert version != str(sys.version_info[:2]), "the other Python must be another version to prove anything"
    for scenarios, fast in ((SCENARIOS, True), ([FLAGSHIP], False)):
        here = records_in_fresh_process(ROOT, scenarios, fast)["records"]
        there = records_in_fresh_process(ROOT, scenarios, fast, python=other)["records"]
        assert here.keys() == there.keys() and len(here) >= 2 * len(scenarios)
        for run, records in here.items():
            assert agree(there[run], records), (version, run)


def agree(a: Any, b: Any) -> bool:
    """Whether two JSON values are the same but for floats within 1e-9 relative."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b, rel_tol=1e-9)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(agree(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(agree(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@given(st.integers(0, 5000), st.integers(1, 64), st.one_of(st.none(), st.integers(1, 80)))
def test_batches_take_every_replication_once_in_order(n: int, jobs: int, per_batch: int | None) -> None:
    split = batches(n, jobs, per_batch)
    assert [i for b in split for i in b] == list(range(n))
    sizes = [len(b) for b in split]
    assert all(size >= 1 for size in sizes)
    if per_batch:
        assert all(size == per_batch for size in sizes[:-1])
    else:  # shrinking to one, so the workers finish within about a replication of each other
        assert sizes == sorted(sizes, reverse=True)
        assert max(sizes, default=1) <= MAX_BATCH
        assert sizes[-min(len(sizes), jobs) :] == [1] * min(len(sizes), jobs) or n < 4 * jobs
        assert len(split) <= n  # and never more tasks than replications


def test_every_task_of_a_study_unpickles_its_scenario_once_per_worker(tmp_path: Path) -> None:
    scenario = load_scenario(str(write_yaml(tmp_path, UNCERTAIN))).scenario
    packed = pickle.dumps(scenario)
    first = _unpacked(packed)
    assert first == scenario
    assert _unpacked(bytes(bytearray(packed))) is first  # equal bytes from another task: no second unpickling
    direct = run_replications(scenario, 3, seed=2)
    tasks = [_run_task((packed, 2, [i])) for i in range(3)]
    assert [r.timeline.tolist() for t in tasks for r in t] == [r.timeline.tolist() for r in direct]
