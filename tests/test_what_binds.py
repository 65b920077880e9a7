"""What binds is measured, never guessed: `rearm run --bottlenecks` relaxes one constraint at a
time and the report's first screen, the terminal table and summary.json name the constraint
that binds each example target (money, a material, docks, people) with its source; a target
nothing helps is said to be bound by lead time, never by a constraint gaining 0.0 months."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.present.plots.data import load_run
from sim.present.report import first_screen
from sim.studies.binds import MIN_GAIN_MONTHS, NOTHING_HELPS, measured

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "scenarios" / "examples"

#: example scenario, target, the constraint that binds it (by the example's own construction)
KNOWN = [
    ("binds_money.yaml", "100k shells", "budget:shells"),
    ("vehicle_line.yaml", "backlog of 350", "material:powerpacks"),
    ("shipyard_shared_docks.yaml", "first SSN-AUKUS", "docks:barrow_ssbn"),
    ("binds_people.yaml", "100k shells", "workforce:chemists"),
]


@pytest.mark.parametrize(("file", "target", "constraint"), KNOWN, ids=[k[2] for k in KNOWN])
def test_the_report_names_the_measured_binding_constraint_and_its_source(
    file: str, target: str, constraint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    args = ["run", str(EXAMPLES / file), "--replications", "4", "--bottlenecks", "4", "--jobs", "1"]
    assert main([*args, "--no-plots", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    found = next(t for t in summary["targets"] if t["name"] == target)["what_binds"]
    assert found["constraint"] == constraint and found["months_earlier"] >= MIN_GAIN_MONTHS
    assert "measured by relaxing one constraint at a time, 4 replications" in found["source"]
    gains = json.loads((out / "bottlenecks" / "bottlenecks.json").read_text())[target]
    assert gains[0]["constraint"] == constraint  # the summary states the study's largest gain
    assert found["months_earlier"] == pytest.approx(gains[0]["months_earlier"], abs=0.05)

    data = load_run(out)
    assert data is not None
    page = first_screen(out, data, None, None)
    row = page[page.index(f"<td>{target}</td>") :].split("</tr>")[0]
    assert f"binds: relaxing {constraint} brings it" in row and "measured by relaxing" in row
    assert "Not measured" not in page
    line = printed[printed.index(target) :].splitlines()
    assert any(f"binds: relaxing {constraint}" in x for x in line[:4])


def test_a_target_nothing_helps_is_bound_by_lead_time_not_by_a_zero_gain() -> None:
    zero = [{"constraint": "budget:submarines", "months_earlier": 0.0}, {"constraint": "docks:y", "months_earlier": -2}]
    said = measured(zero, "measured")
    assert said["constraint"] is None and said["text"] == NOTHING_HELPS and "budget" not in said["text"]
    small = measured([{"constraint": "material:x", "months_earlier": MIN_GAIN_MONTHS / 2}], "measured")
    assert small["constraint"] is None
    top = measured(
        [{"constraint": "material:x", "months_earlier": 3.0}, {"constraint": "docks:y", "months_earlier": 7.04}], "m"
    )
    assert top["constraint"] == "docks:y" and top["text"] == "relaxing docks:y brings it 7.0 months earlier"
    failed = measured([{"constraint": "material:x", "months_earlier": None}], "m")
    assert failed["constraint"] is None and "failed" in failed["text"]


def test_for_the_day_stocks_run_out_what_binds_is_what_puts_it_off() -> None:
    # the date of an `unmet` target is bad news: a relaxation that brings it sooner is no help
    gains = [{"constraint": "capacity:a", "months_earlier": 6.0}, {"constraint": "capacity:b", "months_earlier": -4.0}]
    found = measured(gains, "test", later_is_better=True)
    assert found["constraint"] == "capacity:b" and found["text"] == "relaxing capacity:b puts it off 4.0 months"
    assert measured(gains, "test")["constraint"] == "capacity:a"
    assert measured(gains[:1], "test", later_is_better=True)["constraint"] is None  # nothing puts it off
