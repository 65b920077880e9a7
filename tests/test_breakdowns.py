"""Breakdowns: long-run availability against theory, and interrupted work neither lost nor
done twice (hypothesis-generated yards and lines)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from conftest import scenario_of, simulate_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import kinds
from sim.model.facility import Facility
from sim.model.shipyard import Shipyard
from sim.model.vehicle_line import VehicleLine

MTBF, MTTR, HORIZON_DAYS, SEEDS = 20.0, 5.0, 2000.0, 40


def plant(kind: str) -> dict[str, Any]:
    """One facility of `kind` that is never short of anything, making one unit a day."""
    common = {"product": "x", "budget": "b", "breakdowns": {"mtbf": f"{MTBF:g} days", "mttr": f"{MTTR:g} days"}}
    if kind == "munitions_factory":
        return {"kind": kind, "capacity": "365.25 per year", "lot": "4 days", **common}
    return {"kind": kind, "capacity": "365.25 per year", "build_time": "0 days", **common}


def scenario(facilities: dict[str, Any], horizon: str, seed: int = 0) -> Any:
    return scenario_of(
        {
            "scenario": "breakdowns",
            "start": "2025-01-01",
            "horizon": horizon,
            "seed": seed,
            "budgets": {"b": {"appropriations": {2025: "1tn"}}},
            "facilities": facilities,
        }
    )


@pytest.mark.parametrize("kind", ["munitions_factory", "vehicle_line"])
def test_long_run_output_fraction_is_mtbf_over_mtbf_plus_mttr(kind: str) -> None:
    """Always busy, so output ∝ up time. For exponential up (mean a) and down (mean b) times the
    up fraction over a horizon H has variance 2a²b²/((a+b)³H) (two-state Markov chain): with
    a=20, b=5, H=2000 its sd is 0.025 per run, 0.0040 over 40 seeds. Tolerance: 4 sd, plus
    0.0025 for the start in the up state (it adds (1−A)·ab/(a+b) = 0.8 days of up time, 0.0004)
    and the 4-day lot cut at the horizon (≤ 0.002)."""
    spec = scenario({"p": plant(kind)}, f"{HORIZON_DAYS:g} days")
    fractions = []
    for seed in range(SEEDS):
        records = simulate_scenario(spec, seed=seed).records
        fractions.append(sum(q for _, _, q, _, _ in records.deliveries) / HORIZON_DAYS)
    expected = MTBF / (MTBF + MTTR)
    sd = math.sqrt(2 * MTBF**2 * MTTR**2 / ((MTBF + MTTR) ** 3 * HORIZON_DAYS)) / math.sqrt(SEEDS)
    assert float(np.mean(fractions)) == pytest.approx(expected, abs=4 * sd + 0.0025)
    assert float(np.std(fractions)) > 0  # the seeds really differ


def test_time_to_failure_counts_working_time_only() -> None:
    """A yard that breaks every 10 working days on average, idle for 20 years after its one
    hull, never breaks down once the hull is delivered: the failure clock only runs while
    work is in progress."""
    yard = {
        "kind": "shipyard",
        "product": "ssn",
        "budget": "b",
        "docks": 1,
        "hulls": 1,
        "breakdowns": {"mtbf": "10 days", "mttr": "2 days"},
        "stages": [{"name": "build", "duration": "200 days"}],
    }
    with capture() as made:
        records = simulate_scenario(scenario({"y": yard}, "20 years"), seed=3).records
    (facility,) = made
    ((delivered, _, _, _, _),) = records.deliveries
    periods = facility.clock.down_periods
    assert len(periods) >= 5
    assert all(b <= delivered for _, b in periods)
    assert delivered == pytest.approx(200 + sum(b - a for a, b in periods))
    assert records.time_use[0]["down"] == pytest.approx(delivered - 200)


class capture:
    """Collect the facility objects a simulation builds (test-only: the model keeps none)."""

    def __enter__(self) -> list[Facility]:
        self.made: list[Facility] = []
        self.saved = dict(kinds.FACILITY_CLASSES)
        made = self.made
        for kind, cls in self.saved.items():

            def __init__(obj: Any, *args: Any, _cls: type[Facility] = cls, **kw: Any) -> None:
                _cls.__init__(obj, *args, **kw)
                made.append(obj)

            kinds.FACILITY_CLASSES[kind] = type(cls.__name__, (cls,), {"__init__": __init__})
        return self.made

    def __exit__(self, *exc: object) -> None:
        kinds.FACILITY_CLASSES.clear()
        kinds.FACILITY_CLASSES.update(self.saved)


def overlap(a: float, b: float, periods: list[tuple[float, float]]) -> float:
    """Time in [a, b] spent inside the given down periods."""
    return sum(max(0.0, min(b, y) - max(a, x)) for x, y in periods)


def finish(start: float, work: float, periods: list[tuple[float, float]]) -> float:
    """When `work` days begun at `start` are done, pausing through the down periods."""
    now, left = start, work
    for a, b in sorted(periods):
        if b <= now:
            continue
        if a >= now + left:
            break
        left -= max(0.0, a - now)
        now = b
    return now + left


def down_until(facility: Facility, horizon: float) -> list[tuple[float, float]]:
    """Finished repairs plus the one in progress at the horizon, if any."""
    periods = list(facility.clock.down_periods)
    since = facility.clock.down_since
    if since is not None:
        periods.append((since, horizon))
    return periods


def stage_spans(records: Any) -> Iterator[tuple[int, int, int, float, float]]:
    for f, hull, name, _, t0, t1 in records.stages:
        yield f, hull, name, t0, t1


@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    docks=st.integers(1, 3),
    dock_days=st.integers(20, 200),
    post_days=st.integers(0, 60),
    drumbeat=st.one_of(st.none(), st.integers(10, 150)),
    mtbf=st.integers(5, 300),
    mttr=st.integers(1, 60),
    rate=st.integers(10, 400),
    build_days=st.integers(1, 120),
    horizon=st.integers(200, 1500),
    seed=st.integers(0, 10_000),
)
def test_interrupted_work_is_neither_lost_nor_double_counted(
    docks: int,
    dock_days: int,
    post_days: int,
    drumbeat: int | None,
    mtbf: int,
    mttr: int,
    rate: int,
    build_days: int,
    horizon: int,
    seed: int,
) -> None:
    breakdowns = {"mtbf": f"{mtbf} days", "mttr": f"{mttr} days"}
    yard: dict[str, Any] = {
        "kind": "shipyard",
        "product": "ssn",
        "budget": "b",
        "docks": docks,
        "breakdowns": breakdowns,
        "stages": [
            {"name": "hull", "duration": {"uniform": [f"{dock_days} days", f"{dock_days + 30} days"]}},
            {"name": "outfit", "duration": f"{dock_days // 2} days"},
            {"name": "trials", "duration": f"{post_days} days", "dock": False},
        ],
    }
    if drumbeat is not None:
        yard["drumbeat"] = f"{drumbeat} days"
    line = {
        "kind": "vehicle_line",
        "product": "tank",
        "budget": "b",
        "capacity": f"{rate} per year",
        "build_time": f"{build_days} days",
        "breakdowns": breakdowns,
    }
    with capture() as made:
        records = simulate_scenario(scenario({"yard": yard, "line": line}, f"{horizon} days", seed)).records
    y, line_ = made
    assert isinstance(y, Shipyard) and isinstance(line_, VehicleLine)
    for f, facility in enumerate(made):
        started = sum(q for _, ff, q in records.starts if ff == f)
        delivered = sum(q for _, p, q, _, _ in records.deliveries if p == facility.product)
        assert started == delivered + facility.in_progress  # type: ignore[attr-defined]
    # every finished stage took its drawn working time plus exactly the repairs during it
    down = down_until(y, float(horizon))
    stage_index = {"hull": 0, "outfit": 1, "trials": 2}
    for _, hull, name, t0, t1 in stage_spans(records):
        assert t1 == pytest.approx(finish(t0, y.durations[hull][stage_index[name]], down), abs=1e-6)
    # hull and outfit share one dock, so the dock is held without a gap between them
    by_hull: dict[int, dict[str, tuple[int, float, float]]] = {}
    for _, hull, name, dock, t0, t1 in records.stages:
        by_hull.setdefault(hull, {})[name] = (dock, t0, t1)
    for stages in by_hull.values():
        if "outfit" in stages:
            assert stages["outfit"][0] == stages["hull"][0] >= 0
            assert stages["outfit"][1] == stages["hull"][2]
    # each vehicle: delivered when its working build time is done, after the repairs during it
    line_down = down_until(line_, float(horizon))
    expected = []
    for t, f, q in sorted(records.starts):
        if f != 1:
            continue
        end = finish(t, build_days, line_down)
        if end < horizon - 1e-6:
            expected.append((end, q))
    got = sorted((t, q) for t, p, q, _, _ in records.deliveries if p == line_.product)
    assert [q for _, q in got] == [q for _, q in expected]
    assert [t for t, _ in got] == pytest.approx([t for t, _ in expected], abs=1e-6)
