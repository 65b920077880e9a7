"""1,000 flagship replications at 2 workers, timed only while the VM runs at full speed:
`python tests/benchmarks/bench_quiet_study.py [--minutes M] [--bare-limit US]`.

A shared VM changes speed by up to half within seconds. This watches it with a bare SimPy loop
(median of five loops of 20,000 timeouts) and, whenever SimPy runs at `--bare-limit` µs an event
or faster, times `run_replications(flagship, 1000, 0, jobs=2)` and measures SimPy again after;
each line says both, so a run the VM slowed down part-way shows it. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sim.language.load import load_scenario
from sim.studies.replications import run_replications

sys.path.insert(0, str(Path(__file__).parent))
from bench_engine import ROOT, bare_simpy  # noqa: E402  (beside this file)

BARE_EVENTS = 20_000


def bare_us() -> float:
    """Bare SimPy's time per event now, in µs (median of five loops)."""
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        bare_simpy(BARE_EVENTS)
        times.append((time.perf_counter() - t0) / BARE_EVENTS * 1e6)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to watch")
    parser.add_argument("--bare-limit", type=float, default=1.05, help="µs per bare SimPy event counted as full speed")
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "nato_hague_2035.yaml")
    args = parser.parse_args()
    scenario = load_scenario(str(args.scenario)).scenario
    end = time.time() + args.minutes * 60
    quiet: list[float] = []
    while time.time() < end:
        before = bare_us()
        if before > args.bare_limit:
            time.sleep(5)
            continue
        t0 = time.perf_counter()
        run_replications(scenario, 1000, 0, jobs=2)
        took = time.perf_counter() - t0
        after = bare_us()
        if after <= args.bare_limit:
            quiet.append(took)
        print(
            f"{time.strftime('%H:%M:%S')} 1,000 replications at 2 workers: {took:.1f} s "
            f"(bare SimPy {before:.2f} µs/event before, {after:.2f} after)",
            flush=True,
        )
    if quiet:
        print(
            f"{len(quiet)} runs with SimPy at full speed before and after: median {statistics.median(quiet):.1f} s "
            f"({min(quiet):.1f}–{max(quiet):.1f} s) (goal < 15 s)"
        )


if __name__ == "__main__":
    main()
