"""Study benchmark (issue 4): run `python tests/benchmarks/bench_studies.py [--runs 1000]`.

A study of the flagship scenario as written (one design point × RUNS replications) through the
whole study path: tasks to the executor, rows streamed into results.sqlite. Reports runs per
second at 1 worker (in process) and 2 worker processes, the parallel efficiency
(rate₂ / (2 · rate₁)), and memory: the peak RSS of each child, and the main process's RSS
sampled through the run, which must stay flat as runs accumulate (results are streamed to
SQLite, no timeline is kept). Each configuration runs in a fresh child process so peaks do not
mix. Not part of the test suite: speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "scenarios" / "european_155mm.yaml"


def rss_mib() -> float:
    """Resident memory of this process now, in MiB (Linux)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _cpu() -> float:
    """User + system CPU seconds of this process and its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def child(runs: int, workers: int, scenario: Path = FLAGSHIP) -> dict[str, float]:
    """Run the study once and measure it (in this process)."""
    from sim.language.load import load_scenario
    from sim.studies.evaluate import Study, evaluate, totals_of
    from sim.studies.executors import ProcessExecutor, SerialExecutor
    from sim.studies.points import transformed_point

    loaded = load_scenario(str(scenario))
    s = loaded.scenario
    study = Study(
        "bench",
        ("relax",),
        (transformed_point(loaded, None, None),),
        tuple(t.name for t in s.targets),
        totals_of(s),
        s.seed,
        runs,
        {},
    )
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            samples.append((time.perf_counter(), rss_mib()))

    thread = threading.Thread(target=sample, daemon=True)
    with tempfile.TemporaryDirectory() as tmp:
        executor = SerialExecutor() if workers == 1 else ProcessExecutor(workers)
        t0 = time.perf_counter()
        cpu0 = _cpu()
        thread.start()
        with executor:
            store = evaluate(study, Path(tmp), executor, progress=False)
        elapsed = time.perf_counter() - t0
        stop.set()
        thread.join()
        done = sum(1 for _ in store.runs())
        store.close()
    steady = [m for t, m in samples if t - t0 > 0.2 * elapsed] or [rss_mib()]
    return {
        "runs": done,
        "workers": workers,
        "seconds": elapsed,
        "runs_per_second": done / elapsed,
        "cpu_seconds_per_run": (_cpu() - cpu0) / max(1, done),
        "peak_rss_mib_main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_rss_mib_workers": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "rss_mib_after_20pct": steady[0],
        "rss_mib_at_end": steady[-1],
    }


def spawn(runs: int, workers: int, scenario: Path = FLAGSHIP) -> dict[str, float]:
    """Measure one configuration in a fresh Python process."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            "--runs",
            str(runs),
            "--workers",
            str(workers),
            "--scenario",
            str(scenario),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure 1 and 2 workers on RUNS replications, and 1 worker on a quarter as many."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--scenario", type=Path, default=FLAGSHIP, help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.runs, args.workers, args.scenario)))
        return
    quarter = spawn(args.runs // 4, 1)
    one = spawn(args.runs, 1)
    two = spawn(args.runs, 2)
    print(
        f"flagship study: {FLAGSHIP.name}, {args.runs} replications, cores available: "
        f"{len(os.sched_getaffinity(0))}, load average at the end: {os.getloadavg()[0]:.1f}"
    )
    for r in (quarter, one, two):
        print(
            f"  {int(r['workers'])} worker(s), {int(r['runs']):5d} runs: {r['seconds']:7.1f} s, "
            f"{r['runs_per_second']:6.1f} runs/s, {1000 * r['cpu_seconds_per_run']:.0f} CPU ms/run; "
            f"peak RSS main {r['peak_rss_mib_main']:.0f} MiB, workers {r['peak_rss_mib_workers']:.0f} MiB; "
            f"main RSS {r['rss_mib_after_20pct']:.0f} MiB after 20% -> {r['rss_mib_at_end']:.0f} MiB at end"
        )
    efficiency = two["runs_per_second"] / (2 * one["runs_per_second"])
    print(f"parallel efficiency at 2 workers: {efficiency:.0%}")
    print(
        f"memory vs run count (1 worker): peak {quarter['peak_rss_mib_main']:.0f} MiB at {int(quarter['runs'])} runs, "
        f"{one['peak_rss_mib_main']:.0f} MiB at {int(one['runs'])} runs"
    )


if __name__ == "__main__":
    main()
