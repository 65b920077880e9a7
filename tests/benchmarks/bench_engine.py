"""Engine benchmarks (issue 7): run `python tests/benchmarks/bench_engine.py [--repeat N]`.

Prints, for each case, the median of several runs with units, the SimPy event count, and a
baseline measured in the same process (bare SimPy doing the same number of timeouts). Not part
of the test suite: speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import simpy
import yaml

from sim.language.load import load_scenario
from sim.language.schema import Scenario
from sim.language.yaml_source import Source
from sim.language.load import validate
from sim.model.replication import simulate
from sim.studies.replications import replication_seed

ROOT = Path(__file__).resolve().parents[2]


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of `fn` in seconds over `repeat` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bare_simpy(events: int) -> None:
    """A bare SimPy loop of `events` timeouts: the per-event floor."""
    env = simpy.Environment()

    def loop(env: simpy.Environment):  # type: ignore[no-untyped-def]
        for _ in range(events):
            yield env.timeout(1)

    env.process(loop(env))
    env.run()


def factory_scenario(shells_per_year: float, years: int, facilities: int) -> Scenario:
    """A plain factory scenario: `facilities` factories sharing one budget and one material."""
    data = {
        "scenario": "benchmark",
        "start": "2025-01-01",
        "horizon": f"{years} years",
        "budgets": {"b": {"appropriations": {2025: shells_per_year * 4000 * 2}, "growth": "2%"}},
        "materials": {"tnt": {"initial": 1000, "supply": {"rate": f"{shells_per_year * 0.02} per year"}}},
        "facilities": {
            f"f{i}": {
                "kind": "munitions_factory",
                "product": "shell",
                "budget": "b",
                "capacity": f"{shells_per_year / facilities} per year",
                "ramp_up": "1 year",
                "unit_cost": 4000,
                "consumes": {"tnt": 0.0108},
            }
            for i in range(facilities)
        },
        "targets": [{"name": "t", "product": "shell", "delivered": shells_per_year}],
    }
    return validate(data, Source("<benchmark>", data))


def run_case(scenario: Scenario, repeat: int) -> tuple[float, int]:
    """(median seconds, events) of one replication."""
    events = simulate(scenario, replication_seed(0, 0)).events
    return median_time(lambda: simulate(scenario, replication_seed(0, 0)), repeat), events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--flagship", default=str(ROOT / "scenarios" / "european_155mm.yaml"))
    args = parser.parse_args()
    r = args.repeat

    flagship = load_scenario(args.flagship).scenario
    t, events = run_case(flagship, r)
    bare = median_time(lambda: bare_simpy(events), r)
    print(f"flagship ({Path(args.flagship).name}), one replication: {t * 1e3:.2f} ms, {events:,} events")
    print(f"per-event overhead: {t / events * 1e6:.2f} µs/event vs bare SimPy {bare / events * 1e6:.2f} µs/event "
          f"= {t / bare:.1f}x (goal ≤ 3x)")

    t2, e2 = run_case(factory_scenario(2e6, 5, 1), r)
    t20, e20 = run_case(factory_scenario(2e7, 5, 1), r)
    print(f"scale with quantity: 2M shells {t2 * 1e3:.2f} ms ({e2:,} events), 20M shells {t20 * 1e3:.2f} ms "
          f"({e20:,} events): ratio {t20 / t2:.2f} (goal ≤ 1.1)")

    t10, _ = run_case(factory_scenario(2e6, 10, 5), r)
    t40, _ = run_case(factory_scenario(2e6, 40, 5), r)
    k_h = math.log(t40 / t10) / math.log(4)
    print(f"scale with horizon: 10 years {t10 * 1e3:.2f} ms, 40 years {t40 * 1e3:.2f} ms: exponent {k_h:.2f} (goal ≤ 1.05)")

    t5, _ = run_case(factory_scenario(2e6, 10, 5), r)
    t50, _ = run_case(factory_scenario(2e6, 10, 50), r)
    k_f = math.log(t50 / t5) / math.log(10)
    print(f"scale with facilities: 5 {t5 * 1e3:.2f} ms, 50 {t50 * 1e3:.2f} ms: exponent {k_f:.2f} (goal ≤ 1.05)")


if __name__ == "__main__":
    main()
