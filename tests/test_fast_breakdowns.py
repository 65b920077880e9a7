"""Breakdowns on the fast path (`sim.model.fast`): a factory or vehicle line that breaks down
runs its work ahead up to its next failure (`WorkClock.next_failure`, known while work goes on
without a pause), and step by step through the lot or interval a failure pauses. Its records
are those of the plain path, its long-run output is the availability mtbf/(mtbf+mttr) of a
two-state Markov chain, and it makes far fewer events."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pytest
from conftest import scenario_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_breakdowns import capture
from test_fast_path import time_use_agrees

from sim.language.schema import Scenario
from sim.model.replication import simulate
from sim.records import Records
from sim.studies.replications import replication_seed

#: fixed repairs; fixed times to failure are left out: one that falls exactly at a lot's end
#: is a knife edge, where rounding (1e-13 days) decides whether the lot is done at the failure
#: or paused by it, and the paths may differ by a repair (drawn times never fall there)
FIXED_MTTR = {"triangular": ["10 days"] * 3}


def plants(mtbf: str, mttr: str, horizon: str, **extra: Any) -> dict[str, Any]:
    """A factory (2-day lots) and a vehicle line (monthly starts, builds of 60-200 days) on
    plenty of money and TNT, both breaking down."""
    breakdowns = {"mtbf": mtbf, "mttr": mttr}
    return {
        "scenario": "breakdowns, fast",
        "start": "2025-01-01",
        "horizon": horizon,
        "budgets": {"b": {"appropriations": {2025: "1tn"}}},
        "materials": {"tnt": {"initial": 1e6}},
        "facilities": {
            "f": {
                "kind": "munitions_factory",
                "product": "shell",
                "budget": "b",
                "capacity": "365.25 per year",
                "lot": "2 days",
                "unit_cost": 1000,
                "consumes": {"tnt": 0.01},
                "breakdowns": breakdowns,
            }
            | extra,
            "v": {
                "kind": "vehicle_line",
                "product": "tank",
                "budget": "b",
                "capacity": "40 per year",
                "build_time": {"triangular": ["60 days", "100 days", "200 days"]},
                "start_interval": "1 month",
                "unit_cost": "5M",
                "breakdowns": breakdowns,
            },
        },
    }


def rows_agree(got: Any, want: Any) -> None:
    """The same rows of numbers, whatever their order, to 1e-9 relative (sorted on values
    rounded to 1e-6: fixed repairs put two lots' ends a rounding apart, in either order)."""
    got, want = (sorted((tuple(r) for r in rows), key=lambda r: tuple(round(x, 6) for x in r)) for rows in (got, want))
    assert len(got) == len(want)
    if want:
        np.testing.assert_allclose(np.array(got, dtype=float), np.array(want, dtype=float), rtol=1e-9, atol=1e-9)


def both(s: Scenario, seed: int) -> tuple[Records, Records]:
    return simulate(s, replication_seed(seed, 0), fast=False), simulate(s, replication_seed(seed, 0), fast=True)


@settings(
    max_examples=int(os.environ.get("REARM_FAST_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    mtbf=st.sampled_from(["15 days", "60 days", "1 year", {"triangular": ["20 days", "90 days", "300 days"]}]),
    mttr=st.sampled_from(["1 day", "10 days", "2 months", {"uniform": ["3 days", "30 days"]}, FIXED_MTTR]),
    ramp=st.sampled_from(["0 days", "1 year"]),
    tnt=st.sampled_from([1e6, 5.0]),
    seed=st.integers(0, 1000),
)
def test_fast_and_plain_agree_on_plants_that_break_down(mtbf: Any, mttr: Any, ramp: str, tnt: float, seed: int) -> None:
    """Every record the same to 1e-9 relative (deliveries, starts, spending, takes, time use
    with its `down` days), and never more events on the fast path: a factory, a second one
    sharing its TNT (scarce: in lockstep) and a vehicle line, all breaking down, with
    draws of any kind (fixed repairs too)."""
    data = plants(mtbf, mttr, "3 years", ramp_up=ramp)
    data["materials"]["tnt"] = {"initial": tnt, "supply": {"rate": "3 per year"}}
    data["facilities"]["g"] = data["facilities"]["f"] | {"lot": "5 days", "capacity": "200 per year"}
    s = scenario_of(data)
    plain, fast = both(s, seed)
    for field in ("deliveries", "starts", "takes"):
        rows_agree(getattr(fast, field), getattr(plain, field))
    rows_agree([r[:4] for r in fast.spending], [r[:4] for r in plain.spending])
    time_use_agrees(fast, plain)
    assert fast.events <= plain.events


def test_the_same_failures_on_both_paths_and_for_the_same_seed() -> None:
    """Failures and repairs are drawn from the facility's own streams in order: both paths,
    and two runs of one seed, see the same down periods and give the same records."""
    s = scenario_of(plants("40 days", "8 days", "4 years"))
    periods = []
    runs = []
    for fast in (False, True, True):
        with capture() as made:
            runs.append(simulate(s, replication_seed(7, 0), fast=fast))
        periods.append([list(f.clock.down_periods) for f in made])
    assert all(len(p) > 10 for p in periods[0])  # the case means something: many failures
    for got in periods[1:]:
        for g, w in zip(got, periods[0], strict=True):
            np.testing.assert_allclose(np.array(g), np.array(w), rtol=1e-12)
    assert runs[1].deliveries == runs[2].deliveries and runs[1].events == runs[2].events  # deterministic
    assert runs[1].time_use == runs[2].time_use


MTBF, MTTR, HORIZON_DAYS, SEEDS = 60.0, 15.0, 5000.0, 40


def test_a_breakdown_bound_factory_on_the_fast_path_makes_availability_times_capacity() -> None:
    """Always busy (money and TNT never short), so output is capacity × up time. For exponential
    up (mean a) and down (mean b) times the up fraction over a horizon H has variance
    2a²b²/((a+b)³H): with a=60, b=15, H=5000 its sd is 0.028 per run, 0.0044 over 40 seeds.
    Tolerance: 4 sd, plus 0.0025 for the start in the up state ((1−A)·ab/(a+b)/H = 0.0005) and
    the lot cut at the horizon (≤ 2 days, 0.0004). And it really runs ahead: under a third of
    the plain path's events."""
    data = plants(f"{MTBF:g} days", f"{MTTR:g} days", f"{HORIZON_DAYS:g} days")
    del data["facilities"]["v"]
    s = scenario_of(data)
    fractions = []
    for seed in range(SEEDS):
        records = simulate(s, replication_seed(seed, 0), fast=True)
        fractions.append(sum(q for _, _, q, _, _ in records.deliveries) / HORIZON_DAYS)
    expected = MTBF / (MTBF + MTTR)
    sd = math.sqrt(2 * MTBF**2 * MTTR**2 / ((MTBF + MTTR) ** 3 * HORIZON_DAYS)) / math.sqrt(SEEDS)
    assert float(np.mean(fractions)) == pytest.approx(expected, abs=4 * sd + 0.0025)
    assert float(np.std(fractions)) > 0  # the seeds really differ
    plain, fast = both(s, 0)
    assert fast.events * 3 < plain.events, (fast.events, plain.events)
