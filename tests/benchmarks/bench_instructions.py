"""CPU work of one flagship replication in instructions, free of a shared machine's noise:
`python tests/benchmarks/bench_instructions.py [--scenario FILE] [--root DIR]`.

Runs the scenario's replications under `valgrind --tool=callgrind` twice, once with one
replication and once with six (seeds 0–4, then 0 again), and prints the difference over five:
the instructions a replication costs, imports and start-up left out; `--repeat` times (3 by
default: a count varies by up to ±2% between runs of the same code), printing the median and
the range. `--study` counts a study's
replication instead (`run_one`: simulate, measure, and the garbage collector's passes).
`--root` measures another checkout of the package (say, an older commit in a git worktree) the
same way, so two versions can be compared on a VM whose wall-clock timings vary by a factor of
two within minutes; a `--root` without a `sim` folder (but with the scenario) measures the
installed package. Needs valgrind; slow (about a minute). Not part of the
test suite.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
from sim.language.load import load_scenario
from sim.model.replication import simulate
from sim.studies.replications import replication_seed, run_one
scenario = load_scenario(sys.argv[2]).scenario
for k in range(int(sys.argv[3])):
    if sys.argv[4] == "study":
        run_one(scenario, 0, k % 5)
    else:
        simulate(scenario, replication_seed(0, k % 5))
"""


def instructions(root: Path, scenario: Path, replications: int, study: bool) -> int:
    """Instructions callgrind counts for a process that simulates `replications` replications
    (and measures each, as a study does, if `study`)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/callgrind.out",
                sys.executable,
                "-c",
                CHILD,
                str(root),
                str(scenario),
                str(replications),
                "study" if study else "simulate",
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=root,  # (`python -c` puts the working folder first: not this checkout's `sim`)
        )
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/nato_hague_2035.yaml", help="relative to --root")
    parser.add_argument("--root", default=str(ROOT), help="the checkout whose `sim` package is measured")
    parser.add_argument(
        "--study", action="store_true", help="a study's replication: simulate, measure, and the garbage collector after"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="measurements, whose median is printed (counts vary by ±2%%)"
    )
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    root = Path(args.root).resolve()
    scenario = root / args.scenario
    per_replication = []
    for _ in range(args.repeat):
        one, six = (instructions(root, scenario, n, args.study) for n in (1, 6))
        per_replication.append((six - one) / 5 / 1e6)
    what = "study replication (simulate and measure)" if args.study else "replication (simulate)"
    low, high = min(per_replication), max(per_replication)
    spread = f" (median of {args.repeat}: {low:,.1f}–{high:,.1f})" if args.repeat > 1 else ""
    print(f"{scenario.name} ({root}): {statistics.median(per_replication):,.1f} M instructions per {what}{spread}")


if __name__ == "__main__":
    main()
