"""Drawing against simulating (issue 26, item 8): `python tests/benchmarks/bench_pictures.py`.

Times, in one process and one run, the phases of `rearm run` on the flagship: simulating its
replications (default: the scenario's 200), writing the result files, drawing every figure
(in parallel over `--jobs` processes, as `rearm run` does, and serially for reference) and
writing `report.html` (which embeds the stored images). The goal: drawing and the report take
no longer than simulating. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from sim.language.load import load_scenario
from sim.present.outputs import write_run
from sim.present.report import write_report
from sim.present.run_plots import write_plots
from sim.studies.replications import default_jobs
from sim.studies.run import run_scenario

ROOT = Path(__file__).resolve().parents[2]


def cpu() -> float:
    """CPU seconds used so far by this process and its finished workers (less sensitive than
    wall time to other work on a shared machine)."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "nato_hague_2035.yaml"))
    parser.add_argument("--replications", type=int, default=None, help="default: the scenario's")
    parser.add_argument("--jobs", type=int, default=None, help="default: all cores")
    args = parser.parse_args()
    jobs = args.jobs or default_jobs()
    loaded = load_scenario(args.scenario)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        c0, t0 = cpu(), time.perf_counter()
        run = run_scenario(loaded, args.replications, None, jobs)
        c1, t1 = cpu(), time.perf_counter()
        write_run(run, out)
        t2 = time.perf_counter()
        c2 = cpu()
        figures = write_plots(out, jobs=jobs)
        t3 = time.perf_counter()
        write_report(out)
        c4, t4 = cpu(), time.perf_counter()
        write_plots(out, jobs=1)
        t5 = time.perf_counter()
    n = run.summary["replications"]
    print(f"{loaded.scenario.scenario}: {n} replications, {jobs} jobs, {len(figures)} figures")
    print(f"simulate            {t1 - t0:7.2f} s")
    print(f"write results       {t2 - t1:7.2f} s")
    print(f"draw figures        {t3 - t2:7.2f} s  (serially: {t5 - t4:.2f} s)")
    print(f"write report        {t4 - t3:7.2f} s")
    print(f"figures + report    {t4 - t2:7.2f} s  = {(t4 - t2) / (t1 - t0):.2f} x simulate")
    print(f"CPU time: simulate {c1 - c0:.1f} s, figures + report {c4 - c2:.1f} s = {(c4 - c2) / (c1 - c0):.2f} x")


if __name__ == "__main__":
    main()
