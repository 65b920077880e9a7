"""`rearm compare` on common random numbers, `rearm run --precision`, and progress reports."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from conftest import CliResult, write_yaml

from sim.language.load import load_scenario
from sim.studies.precision import median_interval, run_to_precision
from sim.studies.progress import ProgressReport
from sim.studies.run import run_scenario

PLANT = """
scenario: plant {name}
start: 2025-01-01
horizon: 6 years
seed: 4
replications: 12
budgets:
  money: {{appropriations: {{2025: 1tn}}}}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {{uniform: [{low}, {high}]}}
    lot: 14 days
    breakdowns: {{mtbf: 3 months, mttr: 2 weeks}}
targets:
  - {{name: million, product: shell, delivered: 1M}}
"""


def test_compare_gives_the_faster_scenario_probability_one_on_common_random_numbers(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    # B's capacity is A's plus 100k in every replication (same draw of the uniform, shifted), so B
    # is earlier in every paired replication; A against its own copy ties every time.
    a = write_yaml(tmp_path, PLANT.format(name="A", low="200k per year", high="300k per year"), "a.yaml")
    b = write_yaml(tmp_path, PLANT.format(name="B", low="300k per year", high="400k per year"), "b.yaml")
    a2 = write_yaml(tmp_path, PLANT.format(name="A again", low="200k per year", high="300k per year"), "a2.yaml")
    out = tmp_path / "cmp"
    res = rearm("compare", "--no-plots", a, b, a2, "--out", out, "--jobs", "1", "--quiet")
    assert res.code == 0, res.err
    doc = json.loads((out / "compare.json").read_text())
    assert doc["replications"] == 12 and doc["seed"] == 4
    earlier = {(p["first"], p["second"]): p["probability_first_earlier"] for p in doc["targets"]["million"]["earlier"]}
    assert earlier[(str(b), str(a))] == 1.0 and earlier[(str(a), str(b))] == 0.0
    assert earlier[(str(a), str(a2))] == 0.0 and earlier[(str(a2), str(a))] == 0.0
    scenarios = doc["targets"]["million"]["scenarios"]
    assert scenarios[str(b)]["years_to_reach"]["p50"] < scenarios[str(a)]["years_to_reach"]["p50"]
    assert scenarios[str(a)] == scenarios[str(a2)]
    direct = run_scenario(load_scenario(str(a)))
    assert scenarios[str(a)]["years_to_reach"]["p50"] == direct.summary["targets"][0]["years_to_reach"]["p50"]


def test_precision_stops_when_every_median_is_known_to_five_percent_and_matches_a_plain_run(
    tmp_path: Path,
) -> None:
    file = write_yaml(tmp_path, PLANT.format(name="A", low="270k per year", high="330k per year"))
    loaded = load_scenario(str(file))
    run, found = run_to_precision(loaded, 0.05, jobs=1, first=5)
    (interval,) = found
    assert interval.met and interval.half_width <= 0.05 * interval.median
    assert run.replications > 5  # five replications were not enough
    assert run.summary["precision"]["met"] is True
    plain = run_scenario(loaded, run.replications)
    del run.summary["precision"]
    assert run.summary == plain.summary  # replications 0..N-1: the same as `rearm run --replications N`
    years = np.array([r.target_days[0] for r in plain.results]) / 365.25
    assert np.isfinite(years).all()
    assert interval.low <= np.median(years) <= interval.high


def test_precision_stops_at_the_cap_and_says_so(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    file = write_yaml(tmp_path, PLANT.format(name="A", low="100k per year", high="400k per year"))
    out = tmp_path / "run"
    res = rearm(
        "run",
        file,
        "--precision",
        "0.001",
        "--replications",
        "4",
        "--max-replications",
        "9",
        "--out",
        out,
        "--no-plots",
        "--jobs",
        "1",
    )
    assert res.code == 0, res.err
    assert "after 9 replications" in res.out and "NOT met" in res.out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 9 and summary["precision"]["met"] is False
    assert rearm("run", file, "--precision", "5", "--out", out).code == 2


def test_a_median_beyond_the_horizon_is_settled_and_no_spread_needs_no_more_runs() -> None:
    never = median_interval("never", np.full(30, np.nan), 0.05)
    assert never.met and np.isinf(never.low)
    fixed = median_interval("fixed", np.full(3, 400.0), 0.05)
    assert fixed.met and fixed.half_width == 0
    half = median_interval("half", np.r_[np.full(20, 400.0), np.full(20, np.nan)], 0.05)
    assert not half.met


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_plain_lines_in_a_log_and_a_bar_on_a_terminal() -> None:
    log = io.StringIO()
    with ProgressReport(100, "rearm sweep", stream=log, every=0.0) as report:
        for _ in range(4):
            report.update(25)
    text = log.getvalue()
    assert "rearm sweep: 100/100 runs (100%)" in text and "runs/s" in text and "ETA" in text
    assert not any(ch in text for ch in "\r\x1b\b")
    terminal = FakeTerminal()
    with ProgressReport(100, "rearm sweep", stream=terminal) as report:
        report.update(50)
    shown = terminal.getvalue()
    assert "\r" in shown and "50/100" in shown and "run/s" in shown  # tqdm: count, rate (and ETA)
