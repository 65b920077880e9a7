"""Parallel scaling of Monte Carlo replications (issue 7): `python tests/benchmarks/bench_scaling.py`.

Runs the flagship's replications at 1, 2, 4, ... up to all cores through the same executor as
`rearm run --jobs N`, and, beside each, bare SimPy replications of the same event count through
a process pool of the same size, so the engine's own scaling can be told from the machine's.
Prints runs per second and parallel efficiency (rate_N / (N · rate_1)); medians of --repeat.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import simpy

from sim.language.load import load_scenario
from sim.model.replication import simulate
from sim.studies.replications import replication_seed, run_replications

ROOT = Path(__file__).resolve().parents[2]


def bare_replication(events: int) -> int:
    """One bare SimPy replication of `events` timeouts."""
    env = simpy.Environment()

    def loop(env: simpy.Environment):  # type: ignore[no-untyped-def]
        for _ in range(events):
            yield env.timeout(1)

    env.process(loop(env))
    env.run()
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "nato_hague_2035.yaml")
    parser.add_argument("--runs-per-worker", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    scenario = load_scenario(str(args.scenario)).scenario
    events = simulate(scenario, replication_seed(0, 0)).events
    print(f"machine: {cores} cores; scenario {args.scenario.name}: {events:,} events per replication")
    workers = sorted({1, 2, 4, 8, 16, cores} & set(range(1, cores + 1)))
    base_engine = base_bare = 0.0
    for n in workers:
        runs = args.runs_per_worker * n
        engine, bare = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            run_replications(scenario, runs, 0, n)
            engine.append(runs / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            with ProcessPoolExecutor(n) as pool:
                list(pool.map(bare_replication, [events] * runs, chunksize=max(1, runs // (4 * n))))
            bare.append(runs / (time.perf_counter() - t0))
        e, b = statistics.median(engine), statistics.median(bare)
        base_engine, base_bare = (e, b) if n == 1 else (base_engine, base_bare)
        print(
            f"{n:>2} workers: engine {e:8.1f} runs/s (efficiency {e / (n * base_engine):5.0%}), "
            f"bare SimPy {b:8.1f} runs/s (efficiency {b / (n * base_bare):5.0%}), {runs} runs"
        )


if __name__ == "__main__":
    main()
