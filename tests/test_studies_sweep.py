"""`rearm sweep`: parameters, design tables and the tidy results table, against closed forms."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import CliResult, write_yaml

from sim.errors import UsageError
from sim.studies.parameters import parse_parameter
from sim.studies.samplers import make_design

PLANT = """
scenario: one plant
start: 2025-01-01
horizon: 12 years
seed: 7
replications: {reps}
budgets:
  money: {{appropriations: {{2025: 1tn}}}}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {capacity}
    lot: 7 days
    unit_cost: 1000
targets:
  - name: million
    product: shell
    delivered: 1M
"""


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_capacity_sweep_recovers_the_closed_form_at_every_point(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    # Lots of L = 7 days deliver C·L/365.25 shells each, the k-th at k·L: a million is reached
    # after ceil(1e6·365.25 / (C·L)) lots.
    file = write_yaml(tmp_path, PLANT.format(reps=2, capacity="100k per year"))
    out = tmp_path / "out"
    res = rearm(
        "sweep",
        "--no-plots",
        file,
        "--vary",
        "facilities.plant.capacity=100k per year:250k per year:7",
        "--out",
        out,
        "--jobs",
        "1",
    )
    assert res.code == 0, res.err
    rows = rows_of(out / "results.csv")
    assert len(rows) == 7 * 2
    for row in rows:
        capacity = float(row["facilities.plant.capacity:written"].removesuffix(" per year"))
        assert row["facilities.plant.capacity:unit"] == "per day"  # the number in base units, beside its text
        assert float(row["facilities.plant.capacity"]) == pytest.approx(capacity / 365.25, rel=1e-12)
        lots = math.ceil(1e6 * 365.25 / (capacity * 7))
        assert float(row["years_to_reach:million"]) == pytest.approx(lots * 7 / 365.25, rel=1e-12)
        assert row["error"] == ""
    assert {float(r["facilities.plant.capacity:written"].split()[0]) for r in rows} == {
        100e3,
        125e3,
        150e3,
        175e3,
        200e3,
        225e3,
        250e3,
    }


def test_results_csv_has_exactly_the_promised_columns(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    file = write_yaml(tmp_path, PLANT.format(reps=3, capacity="100k per year"))
    out = tmp_path / "out"
    res = rearm(
        "sweep",
        "--no-plots",
        file,
        "--vary",
        "facilities.plant.lot=7 days,14 days",
        "--out",
        out,
        "--jobs",
        "1",
        "--seed",
        "11",
    )
    assert res.code == 0, res.err
    with open(out / "results.csv", encoding="utf-8") as fh:
        header = fh.readline().strip().split(",")
    lot = "facilities.plant.lot"
    assert header[:8] == [
        *("point", "replication", "seed"),
        *(lot, f"{lot}:unit", f"{lot}:written"),  # a number in base units, its unit, the text as written
        *("error", "years_to_reach:million"),
    ]
    rows = rows_of(out / "results.csv")
    assert [(float(r[lot]), r[f"{lot}:unit"], r[f"{lot}:written"]) for r in rows] == (
        [(7.0, "days", "7 days")] * 3 + [(14.0, "days", "14 days")] * 3
    )
    assert [(r["point"], r["replication"], r["seed"]) for r in rows] == [
        (str(p), str(r), "11") for p in range(2) for r in range(3)
    ]
    assert {p.name for p in out.iterdir()} >= {
        "results.sqlite",
        "results.csv",
        "design.csv",
        "scenario.resolved.yaml",
        "study.json",
    }


def test_a_value_the_language_rejects_is_recorded_and_the_study_goes_on(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    file = write_yaml(tmp_path, PLANT.format(reps=2, capacity="100k per year"))
    out = tmp_path / "out"
    res = rearm(
        "sweep",
        "--no-plots",
        file,
        "--vary",
        "facilities.plant.capacity=100k per year,lots per year,200k per year",
        "--out",
        out,
        "--jobs",
        "1",
    )
    assert res.code == 0, res.err
    rows = rows_of(out / "results.csv")
    bad = [r for r in rows if r["point"] == "1"]
    good = [r for r in rows if r["point"] != "1"]
    assert len(bad) == 2 and all("facilities.plant.capacity" in r["error"] for r in bad)
    assert all(r["years_to_reach:million"] == "" for r in bad)
    assert all(r["error"] == "" and float(r["years_to_reach:million"]) > 0 for r in good) and len(good) == 4
    assert "1 design point(s) failed" in res.err


def test_an_unreached_target_leaves_its_cell_empty(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    file = write_yaml(tmp_path, PLANT.format(reps=1, capacity="10k per year"))
    out = tmp_path / "out"
    assert (
        rearm("sweep", "--no-plots", file, "--vary", "facilities.plant.lot=7 days", "--out", out, "--jobs", "1").code
        == 0
    )
    (row,) = rows_of(out / "results.csv")
    assert row["years_to_reach:million"] == "" and row["error"] == ""
    assert float(row["delivered:shell"]) == pytest.approx(10e3 * math.floor(12 * 365.25 / 7) * 7 / 365.25)


def test_a_grid_design_has_every_combination_within_bounds() -> None:
    a = parse_parameter("facilities.plant.capacity=100k per year:300k per year:5")
    b = parse_parameter("facilities.barrow.docks=1:3:3")
    c = parse_parameter("budgets.money.growth=0%,2%")
    design = make_design("grid", [a, b, c], None, 0)
    assert design.matrix.shape == (5 * 3 * 2, 3)
    assert design.matrix[:, 0].min() == 100e3 and design.matrix[:, 0].max() == 300e3
    assert sorted(set(design.matrix[:, 1])) == [1, 2, 3]
    assert len({tuple(row) for row in design.matrix}) == 30
    assert design.assignments(0) == {
        "facilities.plant.capacity": "100000 per year",
        "facilities.barrow.docks": 1,
        "budgets.money.growth": "0%",
    }
    assert isinstance(design.assignments(29)["facilities.barrow.docks"], int)


def test_latin_hypercube_puts_one_point_in_each_stratum() -> None:
    a = parse_parameter("x.a=0.0:10.0")
    b = parse_parameter("x.b=5 years:9 years")
    design = make_design("lhs", [a, b], 8, seed=3)
    assert design.matrix.shape == (8, 2)
    for j, (lo, hi) in enumerate([(0, 10), (5, 9)]):
        col = design.matrix[:, j]
        assert (col >= lo).all() and (col <= hi).all()
        strata = np.floor((col - lo) / (hi - lo) * 8).astype(int)
        assert sorted(strata) == list(range(8))
    assert design.assignments(0)["x.b"].endswith(" years")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x.a", "expected PATH=V1,V2"),
        ("x.a=5:1", "high end must exceed"),
        ("x.a=1 months:2 years", "different units"),
        ("x.a=1:2:one", "number of levels"),
        ("x.a=1:2:1", "at least 2 levels"),
        ("x..a=1", "must be dotted"),
    ],
)
def test_bad_parameters_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_parameter(text)


def test_a_grid_range_without_levels_is_a_usage_error(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    file = write_yaml(tmp_path, PLANT.format(reps=1, capacity="100k per year"))
    res = rearm("sweep", "--no-plots", file, "--vary", "facilities.plant.capacity=1:2", "--out", tmp_path / "o")
    assert res.code == 2 and "LO:HI:N" in res.err and "Traceback" not in res.err
