"""The command line stands on the library: each command's library function gives what the
command prints and writes (`rearm validate`, `run --precision`, `plot`, `report`, `compare`,
the studies), and bad input is a clear error, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import write_yaml

from sim import api
from sim.errors import ScenarioError, UsageError
from sim.language.templates import template_text

PLANT = """\
scenario: plant {capacity}
start: 2025-01-01
horizon: 8 years
seed: 3
replications: 2
budgets:
  money: {{appropriations: {{2025: 500M}}, growth: {{uniform: [0%, 10%]}}}}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {capacity}
    lot: 30 days
    unit_cost: 1000
targets:
  - {{name: half million, product: shell, delivered: 500k}}
"""


@pytest.fixture
def plants(tmp_path: Path) -> tuple[Path, Path]:
    return (
        write_yaml(tmp_path, PLANT.format(capacity="100k per year"), "slow.yaml"),
        write_yaml(tmp_path, PLANT.format(capacity="200k per year"), "fast.yaml"),
    )


def test_validate_reports_every_file_as_the_command_does(tmp_path: Path, plants: tuple[Path, Path], rearm: Any) -> None:
    bad = write_yaml(tmp_path, PLANT.format(capacity="fast"), "bad.yaml")
    found = api.validate([plants[0], bad, plants[1]])
    assert not found.ok
    assert found.valid == ((str(plants[0]), "plant 100k per year"), (str(plants[1]), "plant 200k per year"))
    assert {p.file for p in found.problems} == {str(bad)}
    with pytest.raises(ScenarioError) as raised:
        found.raise_for_problems()
    cli = rearm("validate", plants[0], bad, plants[1])
    assert cli.code == 2
    assert cli.out.splitlines() == [f"{f}: ok ({name})" for f, name in found.valid]
    assert str(raised.value) in cli.err
    assert api.validate(list(plants)).ok


def test_precision_gives_the_summary_the_command_writes(tmp_path: Path, plants: tuple[Path, Path], rearm: Any) -> None:
    grown = api.precision(plants[0], 0.5, replications=2, max_replications=4, seed=1)
    cli = rearm("run", plants[0], "--precision", "0.5", "--replications", "2", "--max-replications", "4")
    assert cli.code == 0
    # (the command's seed is the scenario's, 3; run the library with it too)
    same = api.precision(plants[0], 0.5, replications=2, max_replications=4)
    written = json.loads((Path("outputs") / "slow" / "summary.json").read_text(encoding="utf-8"))
    assert same.results.summary["precision"] == written["precision"]
    assert grown.results.run.replications in (2, 3, 4) and grown.met == all(i.met for i in grown.intervals)
    for fraction in (0.0, 1.0, 2.0):
        with pytest.raises(UsageError, match="between 0 and 1"):
            api.precision(plants[0], fraction)
    with pytest.raises(UsageError, match="above --max-replications"):
        api.precision(plants[0], 0.5, replications=5, max_replications=4)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # default output folders (outputs/...) land in the test's folder


def test_plot_and_report_draw_from_stored_results_as_the_commands_do(
    tmp_path: Path, plants: tuple[Path, Path], rearm: Any
) -> None:
    out = tmp_path / "run"
    api.run(plants[0], replications=2).write(out)
    drawn = api.plot(out)
    assert drawn and all(p.parent == out and p.suffix == ".png" and p.stat().st_size > 0 for p in drawn)
    cli = rearm("plot", out)
    assert cli.code == 0 and cli.out.splitlines() == [str(p) for p in drawn]
    page = api.report(out)
    assert page == out / "report.html" and "plant 100k per year" in page.read_text(encoding="utf-8")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no results to plot"):
        api.plot(tmp_path / "empty")
    for draw in (api.plot, api.report):
        with pytest.raises(UsageError, match="no such directory"):
            draw(tmp_path / "missing")


def test_compare_writes_what_the_command_writes_and_defaults_to_outputs_compare(
    tmp_path: Path, plants: tuple[Path, Path], rearm: Any
) -> None:
    compared = api.compare(list(plants), replications=2)  # no out: outputs/compare/, no AttributeError
    assert compared.out == Path("outputs") / "compare"
    cli = rearm("compare", *plants, "--replications", "2", "--jobs", "1", "--no-plots", "--quiet", "--out", "cli")
    assert cli.code == 0 and compared.report == cli.out
    mine = json.loads((compared.out / "compare.json").read_text(encoding="utf-8"))
    assert mine == json.loads((tmp_path / "cli" / "compare.json").read_text(encoding="utf-8"))
    slow, fast = (mine["targets"]["half million"]["scenarios"][str(p)]["date_reached"]["p50"] for p in plants)
    assert fast < slow  # twice the capacity reaches half a million sooner
    with pytest.raises(UsageError, match="at least two"):
        api.compare([plants[0]])


def test_study_by_name_is_the_named_study(tmp_path: Path, rearm: Any) -> None:
    plant = write_yaml(tmp_path, template_text("munitions"), "plant.yaml")
    by_name = api.study("bottlenecks", plant, replications=2, out=tmp_path / "by_name")
    direct = api.bottlenecks(plant, replications=2, out=tmp_path / "direct")
    assert by_name.bottlenecks() == direct.bottlenecks() and by_name.report == direct.report
    cli = rearm("bottlenecks", plant, "--replications", "2", "--jobs", "1", "--no-plots", "--quiet", "--out", "cli")
    assert cli.code == 0 and cli.out == direct.report
    with pytest.raises(UsageError, match="not a study"):
        api.study("run", plant)
