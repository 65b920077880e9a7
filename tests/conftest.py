"""Shared fixtures: scenarios written from YAML text into a temporary folder, loaded, simulated
and measured, and the command line run in-process."""

from __future__ import annotations

import textwrap
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
