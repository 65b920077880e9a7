"""What a replication costs after its simulation (issue 7): `python tests/benchmarks/bench_after_run.py`.

Prints medians with their units for the flagship scenario: `check_invariants` on its records
(warm: the same records again and again; in the flow: inside `simulate`, right after the run,
as every replication pays it); `measure` right after `simulate` (reusing the arrays the
invariants made; in the flow it also pays the cyclic collector's first pass over all the run
made while the collector was paused, shown apart) and warm; the two together; and the
aggregation of 1,000 replications (`summarise` + `timeline_rows`) on results recycled from a
few real ones, so the figure does not depend on how fast the model is. Not part of the test
suite.
"""

from __future__ import annotations

import argparse
import copy
import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sim.language.load import load_scenario
from sim.metrics.replication import ReplicationResult, measure, month_grid
from sim.metrics.summary import summarise, timeline_rows
from sim.model import replication
from sim.studies.replications import replication_seed

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from bench_engine import median_time  # noqa: E402  (beside this file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "nato_hague_2035.yaml"))
    parser.add_argument("--replications", type=int, default=20, help="simulated, for the in-flow figures")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario).scenario
    dates, grid = month_grid(scenario.start, scenario.horizon)
    checks: list[float] = []
    worlds: list[tuple[Any, list[int]]] = []
    original = replication.check_invariants

    def timed(world: Any, product_of: list[int]) -> int:
        t0 = time.perf_counter()
        n = original(world, product_of)
        checks.append(time.perf_counter() - t0)
        worlds.append((world, product_of))
        return n

    collecting: list[float] = []  # seconds in the cyclic collector, as it goes

    def collector(phase: str, info: dict[str, Any]) -> None:
        collecting.append(time.perf_counter() * (1 if phase == "stop" else -1))

    replication.check_invariants = timed  # type: ignore[assignment]
    gc.callbacks.append(collector)
    measures: list[float] = []
    collections: list[float] = []
    results: list[ReplicationResult] = []
    try:
        for i in range(args.replications):
            records = replication.simulate(scenario, replication_seed(scenario.seed, i))
            collecting.clear()
            t0 = time.perf_counter()
            results.append(measure(scenario, records, i, grid))
            measures.append(time.perf_counter() - t0)
            collections.append(sum(collecting))
    finally:
        replication.check_invariants = original  # type: ignore[assignment]
        gc.callbacks.remove(collector)
    world, product_of = worlds[0]
    r = world.records
    rows = sum(len(x) for x in (r.appropriations, r.spending, r.lapses, r.takes, r.starts, r.deliveries))
    print(f"{scenario.scenario}: {rows:,} record rows checked per replication")
    print(f"check_invariants, in the flow:  {statistics.median(checks) * 1e3:7.2f} ms")
    warm = median_time(lambda: original(world, product_of), 20)
    print(f"check_invariants, warm:         {warm * 1e3:7.2f} ms")
    print(f"measure, in the flow:           {statistics.median(measures) * 1e3:7.2f} ms")
    print(f"  of which the collector:       {statistics.median(collections) * 1e3:7.2f} ms")
    warm = median_time(lambda: measure(scenario, records, 0, grid), 20)
    print(f"measure, warm:                  {warm * 1e3:7.2f} ms")
    both = statistics.median(c + m for c, m in zip(checks, measures, strict=True))
    print(f"both, per replication:          {both * 1e3:7.2f} ms")
    many = [copy.copy(results[i % len(results)]) for i in range(1000)]
    for i, result in enumerate(many):
        result.replication = i
    aggregate = median_time(lambda: (summarise(scenario, many, {}), timeline_rows(scenario, many, dates)), 5)
    print(f"aggregation of 1,000 results:   {aggregate * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
