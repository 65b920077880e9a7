"""The terminal fits 100 columns: the targets table of every shipped scenario (run with few
replications) and every study's table, however long the names; a progress bar only where a
person watches (stdout and stderr both terminals)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from sim.cli import commands
from sim.language.load import load_scenario
from sim.present.names import in_words, scenario_labels
from sim.present.study_text import MAX_WIDTH, bottleneck_lines, compare_table, sensitivity_table, sweep_lines
from sim.present.table import WIDTH, goal_text, targets_table
from sim.studies.evaluate import Point
from sim.studies.run import run_scenario

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml"))
LONG = "a very long name of a thing that a planner wrote out in full, as planners do"


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_the_targets_table_of_every_shipped_scenario_fits_100_columns(path: Path) -> None:
    loaded = load_scenario(str(path))
    summary = run_scenario(loaded, 2, None, 1).summary
    labels = scenario_labels(loaded.scenario)
    text = targets_table(summary, labels)
    assert widest(text) <= WIDTH == 100
    for t in summary["targets"]:  # every target says what it measures, in real units
        goal = goal_text(t, labels)
        assert goal in text or goal[: WIDTH - 10] in text
        assert in_words(t["product"], labels, capital=False) in goal  # the product in words: the unit


def test_goals_in_real_units() -> None:
    base = {"product": "main_battle_tank", "threshold": 1300.0, "measure": "delivered"}
    assert goal_text(base) == "1,300 main battle tank delivered"
    rel = {"product": "shell_155mm", "measure": "capacity", "threshold": "5x", "resolved_threshold": 3000.0}
    assert goal_text(rel) == "capacity ≥ 3,000 shell 155mm a year (5x)"
    assert goal_text({**rel, "measure": "rate", "threshold": 250000.0}) == "≥ 250,000 shell 155mm a year"
    # an `unmet` target is dated the day stocks run out (or unmet demand passes its level)
    assert goal_text({**rel, "measure": "unmet", "threshold": 0.0}) == "shell 155mm run out"
    assert goal_text({**rel, "measure": "unmet", "threshold": 5000.0}) == "shell 155mm short by more than 5,000"
    days = {"product": "shell_155mm", "measure": "stock", "threshold": "30 days of demand"}
    assert goal_text(days) == "shell 155mm in stock ≥ 30 days of demand"  # (drawn a replication: as written)


def test_goals_name_the_product_by_its_label_else_in_words_with_acronyms() -> None:
    """One copy of "names in words" (sim.present.names): the terminal honours `product_labels`
    as the figures do, and keeps acronyms in capitals."""
    mbt = {"product": "mbt", "threshold": 1300.0, "measure": "delivered"}
    assert goal_text(mbt) == "1,300 MBT delivered"
    assert goal_text(mbt, {"mbt": "Leopard 2A8 tanks"}) == "1,300 Leopard 2A8 tanks delivered"
    summary = {
        "scenario": "s", "replications": 1, "seed": 1,
        "targets": [{
            "name": "tanks", **mbt, "by": None, "on_time_probability": None, "reached_fraction": 1.0,
            "date_reached": {"p10": "2030-01-01", "p50": "2030-01-01", "p90": "2030-01-01"},
        }],
    }  # fmt: skip
    assert "Leopard 2A8 tanks" in targets_table(summary, {"mbt": "Leopard 2A8 tanks"})
    assert "Leopard" not in targets_table(summary)


def test_study_tables_fit_100_columns_however_long_the_names() -> None:
    targets = [f"{LONG} {i}" for i in range(9)]
    paths = [f"facilities.{LONG.replace(' ', '_')}.capacity", "budgets.x.growth"]
    points = [Point((1.5, 0.02), lambda: None), Point((2.5, 0.03), lambda: None)]  # type: ignore[arg-type,return-value]
    sweep = "\n".join(sweep_lines(paths, targets, points, [[3.2] * 9, [None] * 9], np.array([False, False])))
    assert widest(sweep) <= MAX_WIDTH and sweep.count("3.20") == 9  # split, not dropped
    found = {t: [{"constraint": f"material:{LONG}", "months_earlier": 3.0}] for t in targets[:2]}
    assert widest("\n".join(bottleneck_lines(found, [2.0, 50.0], 10.0))) <= MAX_WIDTH
    labels = [f"{LONG} scenario {i}" for i in range(4)]
    body = {
        t: {
            "scenarios": {x: {"date_reached": {"p50": "2030-01-01"}} for x in labels},
            "earlier": [{"first": x, "second": labels[0], "probability_first_earlier": 0.5} for x in labels[1:]],
        }
        for t in targets[:3]
    }
    compared = compare_table(labels, body)
    assert widest(compared) <= MAX_WIDTH and compared.count("2030-01-01") == 12
    found_indices = [(paths[0], t, "sobol", "ST", 0.5, 0.1) for t in targets[:3]]
    assert widest(sensitivity_table("sobol", found_indices)) <= MAX_WIDTH


def test_no_progress_bar_when_not_watched(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdout", io.StringIO())
    monkeypatch.setattr("sys.stderr", Tty())
    assert not commands.watched()  # stdout to a file: no bar
    monkeypatch.setattr("sys.stdout", Tty())
    assert commands.watched()
