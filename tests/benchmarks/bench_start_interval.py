"""What a vehicle line's `start_interval` buys and costs: `python tests/benchmarks/bench_start_interval.py`.

Runs the flagship's replications with every vehicle line at its default (a batch a week) and
again with `--interval` (default a month), in this process, one worker, the two alternately
`--rounds` times, and prints the median time per study replication (simulate and measure)
with its unit, the events, and each target's median day on both, with the shift. Not part of
the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from sim.language.load import load_scenario
from sim.studies.replications import run_replications

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "nato_hague_2035.yaml"))
    parser.add_argument("--interval", default="1 month", help="the start interval set on every vehicle line")
    parser.add_argument("--replications", type=int, default=100, help="per round and setting")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base = load_scenario(args.scenario).scenario
    lines = [name for name, f in base.facilities.items() if f.kind == "vehicle_line"]
    if not lines:
        raise SystemExit(f"{args.scenario} has no vehicle line")
    changed = load_scenario(args.scenario, [f"facilities.{n}.start_interval={args.interval}" for n in lines]).scenario
    settings = {"1 week (default)": base, args.interval: changed}
    times: dict[str, list[float]] = {label: [] for label in settings}
    days: dict[str, list[np.ndarray]] = {label: [] for label in settings}
    events: dict[str, list[int]] = {label: [] for label in settings}
    for _ in range(args.rounds):
        for label, scenario in settings.items():
            began = time.perf_counter()
            results = run_replications(scenario, args.replications, 0, jobs=1)
            times[label].append((time.perf_counter() - began) / args.replications)
            days[label] = [r.target_days for r in results]  # the same seeds every round
            events[label] = [r.events for r in results]
    name = Path(args.scenario).name
    print(f"{name}: {len(lines)} vehicle lines, {args.replications} replications x {args.rounds} rounds")
    for label in settings:
        print(
            f"start_interval {label}: {statistics.median(times[label]) * 1e3:.1f} ms per study replication "
            f"(median of {args.rounds}), {statistics.median(events[label]):,.0f} events"
        )
    weekly, other = (np.array(days[label]) for label in settings)
    print(f"{'target':40s} {'weekly (days)':>14s} {args.interval + ' (days)':>16s} {'shift':>8s}")
    for k, target in enumerate(base.targets):
        reached = ~np.isnan(weekly[:, k]) & ~np.isnan(other[:, k])
        if not reached.any():
            print(f"{target.name[:40]:40s} {'not reached':>14s}")
            continue
        a, b = np.median(weekly[reached, k]), np.median(other[reached, k])
        print(f"{target.name[:40]:40s} {a:14.1f} {b:16.1f} {b - a:+8.1f}")


if __name__ == "__main__":
    main()
