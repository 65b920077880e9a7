"""Engine benchmarks (issue 7): `python tests/benchmarks/bench_engine.py [--repeat N]`.

Prints, for each case, the median of several runs with its unit, the SimPy event count, and a
baseline measured in the same process (bare SimPy doing the same number of timeouts):
per-event overhead, scale with quantity, horizon and facilities (exponents), the flagship's
one replication and 1,000 replications at 2 workers, study throughput at 1, 2 and all cores
(with bare SimPy replications of similar size run the same way, so the engine's scaling can be
told from the machine's), and the peak RSS of a 10,000-run study against a 1,000-run one (each
study in its own process, via `bench_studies.spawn`). `--skip-studies` leaves out the cases
that take minutes. On a shared VM whose speed changes within seconds, the flagship is also run
alternately with bare SimPy for `--paired-seconds` (`paired_case`): the ratio of each pair, and
the flagship's time in the pairs where bare SimPy ran at the machine's full speed. Not part of
the test suite: speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import simpy
import yaml

from sim.cli.main import version_line
from sim.language.load import load_scenario, validate
from sim.language.schema import Scenario
from sim.language.yaml_source import Source
from sim.model import replication
from sim.studies.replications import replication_seed, run_replications

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
import bench_studies  # noqa: E402  (beside this file)

FLAGSHIPS = ("nato_hague_2035.yaml", "european_155mm.yaml")
FAST = True  # the fast path (`--plain`: every lot and start interval an event)


def simulate(scenario: Scenario, seed_seq: Any) -> Any:
    """One replication on the path chosen on the command line."""
    return replication.simulate(scenario, seed_seq, fast=FAST)


def median_time(fn: Callable[[], object], repeat: int, at_least: float = 1.0) -> float:
    """Median wall time of `fn` in seconds over `repeat` runs, or more until `at_least` seconds
    have passed (after one warm-up): short cases on a shared machine need many runs."""
    fn()
    times: list[float] = []
    while len(times) < repeat or sum(times) < at_least:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bare_simpy(events: int) -> int:
    """A bare SimPy loop of `events` timeouts: the per-event floor."""
    env = simpy.Environment()

    def loop(env: simpy.Environment):  # type: ignore[no-untyped-def]
        for _ in range(events):
            yield env.timeout(1)

    env.process(loop(env))
    env.run()
    return events


def factory_data(shells_per_year: float, years: int, facilities: int) -> dict[str, Any]:
    """A plain factory scenario: `facilities` factories sharing one budget and one material."""
    return {
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


def factory_scenario(shells_per_year: float, years: int, facilities: int) -> Scenario:
    """`factory_data` validated."""
    data = factory_data(shells_per_year, years, facilities)
    return validate(data, Source("<benchmark>", data))


def run_case(scenario: Scenario, repeat: int) -> tuple[float, int]:
    """(median seconds, events) of one replication."""
    events = simulate(scenario, replication_seed(0, 0)).events
    return median_time(lambda: simulate(scenario, replication_seed(0, 0)), repeat), events


def exponent(small: float, large: float, factor: float) -> float:
    """The exponent k in time ∝ size^k, from two times at sizes one `factor` apart."""
    return math.log(large / small) / math.log(factor)


def bare_rate(events: int, runs: int, workers: int) -> float:
    """Bare SimPy replications of `events` timeouts per second, on `workers` processes."""
    t0 = time.perf_counter()
    if workers == 1:
        for _ in range(runs):
            bare_simpy(events)
    else:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(bare_simpy, [events] * runs, chunksize=max(1, runs // (4 * workers))))
    return runs / (time.perf_counter() - t0)


#: timeouts in the bare SimPy loop run beside each flagship replication by `paired_case`
PAIRED_BARE_EVENTS = 20_000


def paired_case(flagship: Scenario, events: int, seconds: float) -> None:
    """The flagship replication and a bare SimPy loop, alternately, for `seconds`: a shared VM
    changes speed by up to half within seconds, and a pair runs within a few tens of
    milliseconds. Prints the median per-event ratio over the pairs, and the flagship's median
    time over all pairs and over the pairs in which bare SimPy ran at the machine's full speed
    (within 10% of its fastest in this run)."""
    flagship_ms: list[float] = []
    bare_us: list[float] = []  # per event
    simulate(flagship, replication_seed(0, 0))
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(flagship_ms) < 3:
        t0 = time.perf_counter()
        simulate(flagship, replication_seed(0, 0))
        t1 = time.perf_counter()
        bare_simpy(PAIRED_BARE_EVENTS)
        t2 = time.perf_counter()
        flagship_ms.append((t1 - t0) * 1e3)
        bare_us.append((t2 - t1) / PAIRED_BARE_EVENTS * 1e6)
    ratios = [f * 1e3 / events / b for f, b in zip(flagship_ms, bare_us, strict=True)]
    fastest = min(bare_us)
    full_speed = [f for f, b in zip(flagship_ms, bare_us, strict=True) if b <= 1.1 * fastest]
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    print(
        f"flagship paired with bare SimPy ({len(ratios)} pairs in {seconds:.0f} s): per event "
        f"{statistics.median(ratios):.1f}x bare SimPy (quartiles {q1:.1f}–{q3:.1f}); one replication "
        f"{statistics.median(flagship_ms):.1f} ms over all pairs (bare SimPy {statistics.median(bare_us):.2f} "
        f"µs/event), {statistics.median(full_speed):.1f} ms over the {len(full_speed)} pairs at full speed "
        f"(bare SimPy ≤ {1.1 * fastest:.2f} µs/event) (goal < 20 ms)"
    )


def engine_cases(flagship_path: Path, repeat: int) -> tuple[Scenario, int]:
    """The cases measured in this process; returns the flagship and its event count."""
    flagship = load_scenario(str(flagship_path)).scenario
    t, events = run_case(flagship, repeat)
    bare = median_time(lambda: bare_simpy(events), repeat)
    print(f"flagship ({flagship_path.name}), one replication: {t * 1e3:.1f} ms, {events:,} events (goal < 20 ms)")
    print(
        f"per-event overhead: {t / events * 1e6:.2f} µs/event vs bare SimPy {bare / events * 1e6:.2f} µs/event "
        f"= {t / bare:.1f}x (goal ≤ 3x)"
    )
    t2, e2 = run_case(factory_scenario(2e6, 5, 1), repeat)
    t20, e20 = run_case(factory_scenario(2e7, 5, 1), repeat)
    print(
        f"scale with quantity (one factory, 5 years): 2M shells {t2 * 1e3:.2f} ms ({e2:,} events), "
        f"20M shells {t20 * 1e3:.2f} ms ({e20:,} events): ratio {t20 / t2:.2f} (goal ≤ 1.1)"
    )
    t10, e10 = run_case(factory_scenario(2e6, 10, 5), repeat)
    t40, e40 = run_case(factory_scenario(2e6, 40, 5), repeat)
    print(
        f"scale with horizon (5 factories sharing money and material): 10 years {t10 * 1e3:.1f} ms ({e10:,} events), "
        f"40 years {t40 * 1e3:.1f} ms ({e40:,} events): exponent {exponent(t10, t40, 4):.2f} (goal ≤ 1.05)"
    )
    t50, e50 = run_case(factory_scenario(2e6, 10, 50), repeat)
    print(
        f"scale with facilities (10 years): 5 {t10 * 1e3:.1f} ms ({e10:,} events), 50 {t50 * 1e3:.1f} ms "
        f"({e50:,} events): exponent {exponent(t10, t50, 10):.2f} (goal ≤ 1.05)"
    )
    return flagship, events


def cli_case(flagship_path: Path, repeat: int) -> None:
    """Wall time of `rearm run` of one replication and of `rearm --version`, each a fresh process."""
    rearm = [sys.executable, "-c", "import sys; from sim.cli.main import main; sys.exit(main())"]
    with tempfile.TemporaryDirectory() as tmp:
        run = [*rearm, "run", str(flagship_path), "--replications", "1", "--no-plots", "--out", f"{tmp}/out"]
        t_run = median_time(lambda: subprocess.run(run, check=True, capture_output=True), repeat, 0)
    t_version = median_time(lambda: subprocess.run([*rearm, "--version"], check=True, capture_output=True), repeat, 0)
    print(
        f"command line: `rearm run {flagship_path.name} --replications 1 --no-plots` {t_run:.2f} s, "
        f"`rearm --version` {t_version:.2f} s (fresh processes: imports included)"
    )


def study_cases(flagship: Scenario, events: int, replications: int, runs: int, rss_runs: int) -> None:
    """Replications, throughput at 1, 2 and all cores, and memory against run count."""
    t0 = time.perf_counter()
    run_replications(flagship, replications, 0, jobs=2)
    print(f"flagship, {replications:,} replications at 2 workers: {time.perf_counter() - t0:.1f} s (goal < 15 s)")
    cores = len(os.sched_getaffinity(0))
    rates: dict[int, float] = {}
    for workers in sorted({1, 2, cores}):
        t0 = time.perf_counter()
        run_replications(flagship, runs, 0, jobs=workers)
        rates[workers] = runs / (time.perf_counter() - t0)
    bare = {w: bare_rate(events, 4 * runs, w) for w in rates}
    for w, rate in rates.items():
        print(
            f"study throughput at {w} worker(s): {rate:.1f} runs/s ({runs} flagship runs), parallel efficiency "
            f"{rate / (w * rates[1]):.0%}; bare SimPy replications of {events:,} events: {bare[w]:.1f} runs/s, "
            f"efficiency {bare[w] / (w * bare[1]):.0%}"
        )
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "one_factory.yaml"
        small.write_text(yaml.safe_dump(factory_data(2e6, 5, 1) | {"seed": 1}), encoding="utf-8")
        few = bench_studies.spawn(rss_runs // 10, 1, small)
        many = bench_studies.spawn(rss_runs, 1, small)
    print(
        f"memory (one-factory study, 1 worker, each in its own process): peak RSS {few['peak_rss_mib_main']:.0f} MiB "
        f"at {int(few['runs']):,} runs, {many['peak_rss_mib_main']:.0f} MiB at {int(many['runs']):,} runs: "
        f"{many['peak_rss_mib_main'] / few['peak_rss_mib_main'] - 1:+.0%} (goal within 10%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per median")
    parser.add_argument("--flagship", type=Path, default=None, help="default: nato_hague_2035.yaml if present")
    parser.add_argument("--replications", type=int, default=1000, help="flagship replications at 2 workers")
    parser.add_argument("--runs", type=int, default=100, help="flagship runs per throughput measurement")
    parser.add_argument("--rss-runs", type=int, default=10_000, help="the larger study of the memory case")
    parser.add_argument("--skip-studies", action="store_true", help="only the cases in this process")
    parser.add_argument("--plain", action="store_true", help="the plain path: an event per lot and start interval")
    parser.add_argument(
        "--paired-seconds",
        type=float,
        default=30.0,
        help="seconds of flagship replications alternated with bare SimPy loops (0: none)",
    )
    args = parser.parse_args()
    global FAST
    FAST = not args.plain
    flagship_path = args.flagship or next(p for p in (ROOT / "scenarios" / n for n in FLAGSHIPS) if p.exists())
    print(
        f"machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), load average "
        f"{os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}, SimPy {simpy.__version__}; "
        f"{'fast' if FAST else 'plain'} path; {version_line()}"
    )
    flagship, events = engine_cases(flagship_path, args.repeat)
    if args.paired_seconds > 0:
        paired_case(flagship, events, args.paired_seconds)
    cli_case(flagship_path, min(args.repeat, 5))
    if not args.skip_studies:
        study_cases(flagship, events, args.replications, args.runs, args.rss_runs)


if __name__ == "__main__":
    main()
