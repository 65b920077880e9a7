"""Shared fixtures: scenarios written from YAML text into a temporary folder, loaded, simulated
and measured, and the command line run in-process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sim.language.load import LoadedScenario, load_scenario, validate
from sim.language.schema import Scenario
from sim.language.yaml_source import Source
from sim.metrics.replication import ReplicationResult, measure, month_grid
from sim.model.replication import simulate
from sim.records import Records
from sim.studies.replications import replication_seed

ROOT = Path(__file__).resolve().parents[1]

#: simulate shipped scenarios (argv[3:]) with the package found at argv[1], on the fast path if
#: argv[2] is "fast"; print every record as JSON (floats round-trip exactly through repr)
DUMP = """
import json, sys
sys.path.insert(0, sys.argv[1])
from sim.language.load import load_scenario
from sim.model.replication import simulate
from sim.studies.replications import replication_seed
out = {"records": {}}
for path in sys.argv[3:]:
    scenario = load_scenario(path).scenario
    for seed in (0, 1):
        r = simulate(scenario, replication_seed(seed, 0), fast=sys.argv[2] == "fast")
        fields = ("deliveries", "starts", "appropriations", "lapses", "spending", "takes", "capacity", "supply")
        rows = {f: [list(row) for row in getattr(r, f)] for f in fields + ("stages",)}
        rows["time_use"] = {str(k): dict(v) for k, v in r.time_use.items()}
        rows["events"] = r.events
        out["records"][f"{path} {seed}"] = rows
print(json.dumps(out))
"""
#: every shipped scenario: between them shipyards (shared docks, learning), vehicle lines,
#: breakdowns, workforce, expansions, lapsing and carried-over money, the lockstep
SCENARIOS = sorted(str(p) for p in (ROOT / "scenarios").rglob("*.yaml"))
FLAGSHIP = str(ROOT / "scenarios" / "nato_hague_2035.yaml")


def records_in_fresh_process(
    package_root: Path, scenarios: list[str], fast: bool = True, python: str = sys.executable
) -> dict[str, Any]:
    """The records of `scenarios` (seeds 0 and 1), simulated by the package at `package_root`
    in a fresh process of `python` (on the plain path, an event per lot, if not `fast`)."""
    command = [python, "-c", DUMP, str(package_root), "fast" if fast else "plain", *scenarios]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=package_root)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def plain_path_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every replication, however it is started (the command line, a study), runs on the plain
    path: no kind has a fast-path runner (`sim.model.kinds.FAST_RUNNERS`)."""
    from sim.model import replication

    monkeypatch.setattr(replication, "FAST_RUNNERS", {})


def write_yaml(folder: Path, text: str, name: str = "scenario.yaml") -> Path:
    """Write dedented YAML `text` to `folder/name`."""
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def scenario_of(data: dict[str, Any]) -> Scenario:
    """Validate plain data (no file) into a Scenario; for hypothesis, which cannot use tmp_path."""
    return validate(data, Source("<generated>", data))


@dataclass
class Simulated:
    """One replication: its scenario, records and measures."""

    scenario: Scenario
    records: Records
    result: ReplicationResult

    def target_days(self, name: str) -> float:
        """Days from start until the target called `name` was reached (NaN if not)."""
        i = [t.name for t in self.scenario.targets].index(name)
        return float(self.result.target_days[i])


def simulate_scenario(scenario: Scenario, seed: int = 0, replication: int = 0) -> Simulated:
    """Simulate and measure one replication exactly as `rearm run` does."""
    _, grid = month_grid(scenario.start, scenario.horizon)
    records = simulate(scenario, replication_seed(seed, replication))
    return Simulated(scenario, records, measure(scenario, records, replication, grid))


@pytest.fixture
def load_yaml(tmp_path: Path) -> Callable[..., LoadedScenario]:
    """Write YAML text to a temporary file and load it (with optional `--set` overrides)."""

    def load(text: str, overrides: tuple[str, ...] = (), name: str = "scenario.yaml") -> LoadedScenario:
        return load_scenario(str(write_yaml(tmp_path, text, name)), overrides)

    return load


@pytest.fixture
def run_yaml(load_yaml: Callable[..., LoadedScenario]) -> Callable[..., Simulated]:
    """Write, load, simulate and measure one replication of a YAML scenario."""

    def run(text: str, overrides: tuple[str, ...] = (), seed: int = 0) -> Simulated:
        return simulate_scenario(load_yaml(text, overrides).scenario, seed)

    return run


@dataclass
class CliResult:
    """Exit code and captured output of one in-process `rearm` call."""

    code: int
    out: str
    err: str


@pytest.fixture
def rearm(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `rearm ARGS...` in this process and capture its output."""
    from sim.cli.main import main  # imported here: only the CLI tests pay for every subcommand's imports

    def call(*args: str) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return call


TOL = 1e-6


def supplied(records: Records, material: int, t: float) -> float:
    """Supply arrived by `t`, integrated independently of the model's curve code."""
    total = 0.0
    for m, t0, t1, delta in records.supply:
        if m != material or t <= t0:
            continue
        if t1 > t0 and t < t1:
            total += delta * (t - t0) ** 2 / (2 * (t1 - t0))
        else:
            total += delta * ((t1 - t0) / 2 + (t - t1))
    return total


def check_money(records: Records) -> None:
    """Balances never negative; spent ≤ appropriated − lapsed; lapses only what was there."""
    for b in range(len(records.budgets)):
        changes: dict[float, float] = defaultdict(float)
        appropriated = sum(a for _, bb, _, a in records.appropriations if bb == b)
        spent = sum(row[3] for row in records.spending if row[1] == b)
        lapsed = sum(a for _, bb, a in records.lapses if bb == b)
        assert spent <= appropriated - lapsed + TOL * max(1.0, appropriated)
        for t, bb, _, a in records.appropriations:
            if bb == b:
                changes[t] += a
        for t, bb, _, a, _ in records.spending:
            if bb == b:
                assert a >= 0
                changes[t] -= a
        for t, bb, a in records.lapses:
            if bb == b:
                assert a > 0
                changes[t] -= a
        balance = 0.0
        for t in sorted(changes):
            balance += changes[t]
            assert balance >= -TOL * max(1.0, appropriated), (b, t, balance)
