"""`rearm run` and `rearm validate` end to end, writing into a temporary folder."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_yaml

import sim

SCENARIO = """\
scenario: CLI test
start: 2025-01-01
horizon: 4 years
seed: 7
replications: 50
budgets:
  money:
    appropriations: {2025: 2bn}
    carry_over: false
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {triangular: [200k per year, 250k per year, 300k per year]}
    lot: 1 month
    unit_cost: 4000
  small:
    kind: munitions_factory
    product: rocket
    budget: money
    capacity: 1k per year
    unit_cost: 100k
demand:
  shell: {rate: 50k per year}
targets:
  - {name: half million, product: shell, delivered: 500k, by: 2027-01-01}
  - {name: never, product: shell, capacity: 10M per year}
  - {name: rockets, product: rocket, stock: 500}
"""

SUMMARY_KEYS = [
    "scenario",
    "file",
    "sha256",
    "seed",
    "replications",
    "version",
    "start",
    "horizon_years",
    "targets",
    "products",
    "budgets",
    "facilities",
]
TARGET_KEYS = [
    "name",
    "product",
    "measure",
    "threshold",
    "by",
    "sustain_days",
    "years_to_reach",
    "date_reached",
    "reached_fraction",
    "censored_fraction",
    "on_time_probability",
]


@pytest.fixture
def run_dir(tmp_path: Path, rearm) -> tuple[Path, Path, object]:
    scenario = write_yaml(tmp_path, SCENARIO, "cli.yaml")
    out = tmp_path / "out"
    result = rearm("run", scenario, "--out", out, "--no-plots", "--replications", "3", "--jobs", "1")
    assert result.code == 0, result.err
    return scenario, out, result


def test_summary_json_has_the_contract_fields(run_dir) -> None:
    scenario, out, _ = run_dir
    summary = json.loads((out / "summary.json").read_text())
    assert [k for k in summary if k in SUMMARY_KEYS] == SUMMARY_KEYS  # in the contract's order
    assert summary["scenario"] == "CLI test"
    assert summary["file"] == str(scenario)
    assert summary["sha256"] == hashlib.sha256(scenario.read_bytes()).hexdigest()
    assert summary["seed"] == 7 and summary["replications"] == 3
    assert summary["version"] == sim.__version__
    assert summary["start"] == "2025-01-01" and summary["horizon_years"] == 4.0

    half, never, rockets = summary["targets"]
    for target in (half, never, rockets):
        assert [k for k in target if k in TARGET_KEYS] == TARGET_KEYS
        assert list(target["years_to_reach"]) == ["p10", "p50", "p90", "mean"]
        assert list(target["date_reached"]) == ["p10", "p50", "p90"]
    assert half["measure"] == "delivered" and half["threshold"] == 500_000 and half["by"] == "2027-01-01"
    # 500k at 200k-300k a year less nothing (money is ample): between 1.6 and 2.6 years
    assert 1.6 < half["years_to_reach"]["p10"] <= half["years_to_reach"]["p50"] <= half["years_to_reach"]["p90"] < 2.6
    p50 = dt.date(2025, 1, 1) + dt.timedelta(days=half["years_to_reach"]["p50"] * 365.25)
    assert abs((dt.date.fromisoformat(half["date_reached"]["p50"]) - p50).days) <= 1
    assert half["reached_fraction"] == 1.0 and 0.0 <= half["on_time_probability"] <= 1.0
    assert never["years_to_reach"] == {"p10": None, "p50": None, "p90": None, "mean": None}
    assert never["date_reached"] == {"p10": None, "p50": None, "p90": None}
    assert never["reached_fraction"] == 0.0 and never["on_time_probability"] is None
    assert never["threshold"] == pytest.approx(10e6)
    # 1k rockets a year from weekly lots, no demand: 500 in stock within half a year
    assert 0.45 < rockets["years_to_reach"]["p50"] < 0.55

    for product in ("shell", "rocket"):
        for measure in ("delivered", "rate", "stock", "capacity"):
            assert list(summary["products"][product][measure]) == ["p10", "p50", "p90", "mean"]
    assert summary["products"]["rocket"]["capacity"]["p50"] == pytest.approx(1000)
    shell = summary["products"]["shell"]
    stock, delivered, unmet = (shell[m]["mean"] for m in ("stock", "delivered", "unmet_demand"))
    # stock = delivered − consumed; before the first lot is delivered (a month) demand goes unmet
    assert unmet == pytest.approx(50_000 / 12, rel=1e-6)
    assert stock == pytest.approx(delivered - (50_000 * 4 - unmet), rel=1e-6)

    money = summary["budgets"]["money"]
    assert set(money) >= {"appropriated", "spent", "lapsed"}
    assert money["spent"] <= money["appropriated"] - money["lapsed"] + 1e-6
    assert money["lapsed"] > 0  # 2bn a year is more than 300k shells at 4000 and 1k rockets at 100k
    for name in ("plant", "small"):
        facility = summary["facilities"][name]
        assert 0.99 <= facility["utilisation"] <= 1.0
        assert all(0 <= v <= 1 for v in facility["waiting"].values())


def test_timeline_csv_is_monthly_long_format(run_dir) -> None:
    _, out, _ = run_dir
    with open(out / "timeline.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["date", "product", "measure", "p10", "p50", "p90", "mean", "customer"]
    body = rows[1:]
    assert {r[7] for r in body} == {""}  # no orders: no customer rows
    dates = sorted({r[0] for r in body})
    assert dates[0] == "2025-01-01" and dates[1] == "2025-02-01" and dates[-1] == "2029-01-01"
    assert len(dates) == 49
    assert {r[1] for r in body} == {"shell", "rocket"}
    assert {r[2] for r in body} == {"delivered", "rate", "stock", "capacity", "used"}
    assert len(body) == 49 * 2 * 5
    assert {float(r[4]) for r in body if r[2] == "used"} == {0.0}  # no product is a component here
    for r in body:
        p10, p50, p90 = float(r[3]), float(r[4]), float(r[5])
        assert p10 <= p50 <= p90 and p10 <= float(r[6]) <= p90
    rocket_capacity = [float(r[4]) for r in body if r[1] == "rocket" and r[2] == "capacity"]
    assert rocket_capacity == pytest.approx([1000.0] * 49)
    delivered = [float(r[4]) for r in body if r[1] == "shell" and r[2] == "delivered"]
    assert delivered == sorted(delivered) and delivered[0] == 0


def test_terminal_table_lists_each_target(run_dir) -> None:
    _, _, result = run_dir
    lines = result.out.splitlines()
    assert lines[0] == "CLI test — 3 replication(s), seed 7"
    assert lines[1].split() == [
        "target",
        "/",
        "goal",
        "median",
        "95%",
        "CI",
        "of",
        "median",
        "p10",
        "–",
        "p90",
        "on",
        "time",
    ]
    # each target on its lines: its dates, then its goal in real units and the share reaching it,
    # then what its lines waited for (not measured: labelled so, never as what binds)
    at = next(k for k, line in enumerate(lines) if line.startswith("half million"))
    half, goal = lines[at], lines[at + 1]
    assert "by 2027-01-01" in half and "500,000 shell delivered" in goal and "reached in 100% of runs" in goal
    assert "—" in half.split()  # three replications: too few for a 95% interval of the median
    at = next(k for k, line in enumerate(lines) if line.startswith("never"))
    never, goal = lines[at], lines[at + 1]
    assert never.split()[1:4] == ["n/r", "n/r", "n/r"] and "0% by" not in never  # never reached, surely
    assert "capacity ≥ 10,000,000 shell a year" in goal and "reached in 0% of runs" in goal
    waited = lines[at + 2]
    assert waited.startswith("  waited for: ") and "binds" not in waited
    assert "waited for: shares of the lines' time; not what binds (rearm run --bottlenecks measures that)" in lines
    assert "summary.json" in result.err and "timeline.csv" in result.err


def test_default_output_directory_is_outputs_stem(tmp_path: Path, rearm, monkeypatch) -> None:
    scenario = write_yaml(tmp_path, SCENARIO, "mine.yaml")
    monkeypatch.chdir(tmp_path)
    result = rearm("run", scenario, "--no-plots", "--replications", "1", "--jobs", "1")
    assert result.code == 0, result.err
    assert (tmp_path / "outputs" / "mine" / "summary.json").is_file()


def test_the_scenarios_replications_and_seed_are_the_defaults(tmp_path: Path, rearm) -> None:
    text = SCENARIO.replace("replications: 50", "replications: 2")
    scenario = write_yaml(tmp_path, text)
    result = rearm("run", scenario, "--no-plots", "--out", tmp_path / "o", "--jobs", "1")
    assert result.code == 0, result.err
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["replications"] == 2 and summary["seed"] == 7


def test_validate_ok_and_usage_errors(tmp_path: Path, rearm) -> None:
    scenario = write_yaml(tmp_path, SCENARIO)
    ok = rearm("validate", scenario)
    assert ok.code == 0 and ok.out == f"{scenario}: ok (CLI test)\n"
    for bad in (["run", scenario, "--replications", "0"], ["run", scenario, "--jobs", "x"], ["run"], []):
        result = rearm(*bad)
        assert result.code == 2, bad
        assert "Traceback" not in result.err
    assert "--replications: must be ≥ 1, got 0" in rearm("run", scenario, "--replications", "0").err
    assert "expected a whole number, got 'x'" in rearm("run", scenario, "--jobs", "x").err
    missing = rearm("run", tmp_path / "nope.yaml")
    assert missing.code == 2 and "nope.yaml: cannot read file: No such file or directory" in missing.err


def test_a_bad_output_directory_is_a_usage_error(tmp_path: Path, rearm) -> None:
    scenario = write_yaml(tmp_path, SCENARIO)
    afile = tmp_path / "afile"
    afile.write_text("x")
    result = rearm("run", scenario, "--out", afile, "--no-plots", "--replications", "1")
    assert result.code == 2 and result.err.strip() == f"--out {afile}: is a file, not a directory"
    result = rearm("run", scenario, "--out", afile / "sub", "--no-plots", "--replications", "1")
    assert result.code == 2
    assert result.err.strip() == f"--out {afile / 'sub'}: cannot create the output directory: Not a directory"


def test_python_m_sim_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "sim", "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.strip().startswith(f"rearm {sim.__version__}")
