"""`rearm sensitivity`: Sobol, Morris and one-at-a-time against what the arithmetic says."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import CliResult, write_yaml

from sim.language.load import load_scenario
from sim.studies.run import run_scenario

ONE_DRIVER = """
scenario: one driver
start: 2025-01-01
horizon: 5.2 years
seed: 3
budgets:
  money: {appropriations: {2025: 1tn}}
materials:
  spare: {initial: 10}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: 200k per year
    lot: 14 days
    unit_cost: 1000
targets:
  - {name: million, product: shell, delivered: 1M}
"""

THREE_PLANTS = (
    """
scenario: three plants
start: 2025-01-01
horizon: 8 years
seed: 3
budgets:
  money: {appropriations: {2025: 1tn}}
facilities:
"""
    + "".join(
        f"""
  {name}:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: 100k per year
    lot: 7 days
"""
        for name in ("a", "b", "c")
    )
    + """
targets:
  - {name: million, product: shell, delivered: 1M}
"""
)


def indices(path: Path) -> dict[tuple[str, str, str], tuple[float, str]]:
    """(parameter, method, index) -> (value, confidence) from sensitivity.csv."""
    with open(path, newline="", encoding="utf-8") as fh:
        return {
            (r["parameter"], r["method"], r["index_name"]): (float(r["value"]), r["confidence"])
            for r in csv.DictReader(fh)
        }


def test_sobol_gives_the_only_driver_a_total_index_near_one_and_the_others_zero(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    # The target date depends on capacity alone: money is unlimited and the material is never used.
    file = write_yaml(tmp_path, ONE_DRIVER)
    out = tmp_path / "sobol"
    res = rearm(
        "sensitivity",
        "--no-plots",
        file,
        "--method",
        "sobol",
        "--samples",
        "64",
        "--out",
        out,
        "--jobs",
        "2",
        "--param",
        "facilities.plant.capacity=200k per year:600k per year",
        "--param",
        "budgets.money.growth=0%:5%",
        "--param",
        "materials.spare.initial=0.0:1000.0",
    )
    assert res.code == 0, res.err
    found = indices(out / "sensitivity.csv")
    # Tolerance: ST and S1 of the driver within 0.1 of 1 (Saltelli estimator, 64 base samples);
    # the other two change nothing, so their indices are 0 up to rounding (0.01).
    assert found[("facilities.plant.capacity", "sobol", "ST")][0] == pytest.approx(1.0, abs=0.1)
    assert found[("facilities.plant.capacity", "sobol", "S1")][0] == pytest.approx(1.0, abs=0.1)
    for other in ("budgets.money.growth", "materials.spare.initial"):
        assert abs(found[(other, "sobol", "ST")][0]) < 0.01
        assert abs(found[(other, "sobol", "S1")][0]) < 0.01
    with open(out / "results.csv", encoding="utf-8") as fh:
        assert sum(1 for _ in fh) - 1 == 64 * (3 + 2)


def test_morris_ranks_parameters_by_the_width_of_their_effect(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    # T ≈ 1M / (a + b + c): equal slope in each capacity, so the elementary effect over the unit
    # range grows with the range's width: c (200k) > b (50k) > a (10k).
    file = write_yaml(tmp_path, THREE_PLANTS)
    out = tmp_path / "morris"
    res = rearm(
        "sensitivity",
        "--no-plots",
        file,
        "--method",
        "morris",
        "--samples",
        "8",
        "--out",
        out,
        "--jobs",
        "1",
        "--param",
        "facilities.a.capacity=100k per year:110k per year",
        "--param",
        "facilities.b.capacity=100k per year:150k per year",
        "--param",
        "facilities.c.capacity=100k per year:300k per year",
    )
    assert res.code == 0, res.err
    found = indices(out / "sensitivity.csv")
    mu_star = {p: found[(f"facilities.{p}.capacity", "morris", "mu_star")][0] for p in "abc"}
    assert mu_star["c"] > mu_star["b"] > mu_star["a"] > 0
    # more capacity, earlier date: every elementary effect is negative, so mu = -mu*
    for p in "abc":
        assert found[(f"facilities.{p}.capacity", "morris", "mu")][0] == pytest.approx(-mu_star[p])


def test_one_at_a_time_matches_two_direct_runs(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    text = ONE_DRIVER.replace(
        "capacity: 200k per year", "capacity: {triangular: [200k per year, 300k per year, 500k per year]}"
    )
    file = write_yaml(tmp_path, text.replace("seed: 3", "seed: 3\nreplications: 5"))
    out = tmp_path / "oat"
    res = rearm(
        "sensitivity",
        "--no-plots",
        file,
        "--method",
        "oat",
        "--out",
        out,
        "--jobs",
        "1",
        "--param",
        "facilities.plant.capacity=250k per year:450k per year",
    )
    assert res.code == 0, res.err
    found = indices(out / "sensitivity.csv")
    direct = {}
    for end, value in (("low", "250k per year"), ("high", "450k per year"), ("baseline", None)):
        overrides = [f"facilities.plant.capacity={value}"] if value else []
        run = run_scenario(load_scenario(str(file), overrides), seed=3)
        direct[end] = float(np.mean([r.target_days[0] for r in run.results])) / 365.25
    param = "facilities.plant.capacity"
    for end in ("low", "high", "baseline"):
        assert found[(param, "oat", end)][0] == pytest.approx(direct[end], abs=1e-6)
    assert found[(param, "oat", "low_effect")][0] == pytest.approx(direct["low"] - direct["baseline"], abs=1e-6)
    assert found[(param, "oat", "high_effect")][0] == pytest.approx(direct["high"] - direct["baseline"], abs=1e-6)
    assert found[(param, "oat", "high_effect")][1] != ""  # paired confidence from 5 replications


def test_sobol_needs_a_power_of_two(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    file = write_yaml(tmp_path, ONE_DRIVER)
    res = rearm(
        "sensitivity",
        "--no-plots",
        file,
        "--method",
        "sobol",
        "--samples",
        "10",
        "--out",
        tmp_path / "o",
        "--param",
        "facilities.plant.capacity=100k per year:300k per year",
    )
    assert res.code == 2 and "power of 2" in res.err
