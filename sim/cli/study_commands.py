"""Study subcommands: sweep, sensitivity, bottlenecks, compare (registered with `@command`).

Each parses its arguments, calls the library's study (`sim.library.studies`), which runs it
into its folder, and prints what it returns: the table on standard output, notes and the
files written on standard error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sim.cli.options import add_simulation_options, command, positive_float, positive_int
from sim.language.load import LoadedScenario, load_scenario
from sim.library import studies
from sim.library.studies import SENSITIVITY_METHODS, SWEEP_METHODS, StudyOutcome, check_options
from sim.studies.executors import DASK_TIMEOUT


def add_study_options(p: argparse.ArgumentParser, command: str) -> None:
    """Options every study shares, on top of the simulation options; --out's default is the
    folder `command` writes (`sim.library.studies.study_out`)."""
    add_simulation_options(p, studies.default_out_text(command))
    p.add_argument("--replications", type=positive_int, help="replications per design point (default: the scenario's)")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on Dask: tcp://HOST:PORT, or 'local' for a LocalCluster of --jobs workers",
    )
    p.add_argument(
        "--scheduler-timeout",
        type=positive_float,
        default=DASK_TIMEOUT,
        metavar="SECONDS",
        help=f"with --scheduler: end the study (exit 1, finished runs kept for --resume) once the scheduler "
        f"is unreachable or no worker is left for this long (default {DASK_TIMEOUT:g})",
    )
    p.add_argument("--resume", action="store_true", help="continue the study in --out, skipping finished runs")
    p.add_argument("--quiet", action="store_true", help="no progress report (as does rearm -q)")
    p.add_argument(
        "--xlsx",
        action="store_true",
        help="also write workbook.xlsx (pip install 'rearm[excel]'); "
        "Parquet copies of the tables are written whenever pyarrow is installed",
    )


def load(args: argparse.Namespace, file: str | None = None) -> LoadedScenario:
    """The scenario a study command names, its options checked first (they are cheap)."""
    check_options(seed=args.seed, jobs=args.jobs, xlsx=args.xlsx, allow_large=args.allow_large)
    return load_scenario(file or args.file, args.overrides, args.allow_large)


def study_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options every library study takes, from the command line's."""
    return {
        "out": args.out,
        "replications": args.replications,
        "seed": args.seed,
        "jobs": args.jobs,
        "scheduler": args.scheduler,
        "scheduler_timeout": args.scheduler_timeout,
        "resume": args.resume,
        "progress": not (args.quiet or getattr(args, "log_quiet", 0)),
        "plots": not args.no_plots,
        "svg": args.svg,
        "xlsx": args.xlsx,
    }


def show(outcome: StudyOutcome) -> None:
    """Print a finished study: notes, its tables, then the files it wrote."""
    for note in outcome.notes:
        print(note, file=sys.stderr)
    for line in outcome.printed:
        print(line)
    print(f"\nwrote {', '.join(str(p) for p in outcome.written)}", file=sys.stderr)


# -- sweep ------------------------------------------------------------------------------------
@command
def register_sweep(sub: Any) -> None:
    """`rearm sweep`."""
    p = sub.add_parser(
        "sweep",
        help="run a scenario over a grid or sample of parameter values",
        description="Run design points x replications, writing results.sqlite and results.csv.",
        epilog='Example: rearm sweep s.yaml --vary "facilities.plant.capacity=100k per year:300k per year:5"',
    )
    p.add_argument("file")
    p.add_argument("--vary", action="append", default=[], metavar="PATH=V1,V2|LO:HI[:N]", help="a parameter to vary")
    p.add_argument("--method", choices=SWEEP_METHODS, default="grid")
    p.add_argument("--samples", type=positive_int, help="points of a Latin hypercube (default 20)")
    add_study_options(p, "sweep")
    p.set_defaults(handler=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    """A grid or Latin-hypercube sweep; prints each point's median years to each target."""
    show(
        studies.sweep(
            scenario=load(args), vary=args.vary, method=args.method, samples=args.samples, **study_options(args)
        )
    )
    return 0


# -- sensitivity ------------------------------------------------------------------------------
@command
def register_sensitivity(sub: Any) -> None:
    """`rearm sensitivity`."""
    p = sub.add_parser(
        "sensitivity",
        help="which parameters drive each target (OAT, Morris, Sobol)",
        description="Sensitivity of each target's years to reach to each parameter; writes sensitivity.csv.",
        epilog="Example: rearm sensitivity s.yaml --param budgets.b.growth=0%:5% --method sobol --samples 64",
    )
    p.add_argument("file")
    p.add_argument("--param", action="append", default=[], metavar="PATH=LO:HI", help="a parameter and its range")
    p.add_argument("--method", choices=SENSITIVITY_METHODS, default="oat")
    p.add_argument(
        "--samples",
        type=positive_int,
        help="Sobol base samples (power of 2, default 64) or Morris trajectories (default 10)",
    )
    add_study_options(p, "sensitivity")
    p.set_defaults(handler=cmd_sensitivity)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run the method's design and write its indices to sensitivity.csv."""
    show(
        studies.sensitivity(
            scenario=load(args), params=args.param, method=args.method, samples=args.samples, **study_options(args)
        )
    )
    return 0


# -- bottlenecks ------------------------------------------------------------------------------
@command
def register_bottlenecks(sub: Any) -> None:
    """`rearm bottlenecks`."""
    p = sub.add_parser(
        "bottlenecks",
        help="which constraint binds: relax each and see how much earlier targets are reached",
        description="Relax one constraint at a time; writes bottlenecks.json (largest gain first).",
        epilog="Example: rearm bottlenecks scenarios/european_155mm.yaml --replications 20",
    )
    p.add_argument("file")
    add_study_options(p, "bottlenecks")
    p.set_defaults(handler=cmd_bottlenecks)


def cmd_bottlenecks(args: argparse.Namespace) -> int:
    """Baseline plus one point per relaxation, on common random numbers."""
    show(studies.bottlenecks(scenario=load(args), **study_options(args)))
    return 0


# -- compare ----------------------------------------------------------------------------------
@command
def register_compare(sub: Any) -> None:
    """`rearm compare`."""
    p = sub.add_parser(
        "compare",
        help="scenarios side by side on the same random numbers",
        description="Each target's dates per scenario and the probability one reaches it before another.",
        epilog="Example: rearm compare base.yaml second_plant.yaml --replications 100",
    )
    p.add_argument("files", nargs="+")
    add_study_options(p, "compare")
    p.set_defaults(handler=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run every scenario with the first one's seed and replications; write compare.json."""
    loaded = [load(args, f) for f in args.files] if len(args.files) > 1 else []  # (one alone: refused unread)
    show(studies.compare(scenarios=loaded, labels=args.files, **study_options(args)))
    return 0


# -- allocate ---------------------------------------------------------------------------------
@command
def register_allocate(sub: Any) -> None:
    """`rearm allocate`."""
    from sim.library.allocate import DEFAULT_EVALUATIONS, DEFAULT_SEARCH_REPLICATIONS, DEFAULT_TOP

    p = sub.add_parser(
        "allocate",
        help="where extra money should go: an optimiser splits it over budgets, lines and expansions",
        description="Split extra money over the items listed so the targets are met soonest (Optuna, seeded, "
        f"on common random numbers: --replications per candidate, default the scenario's up to "
        f"{DEFAULT_SEARCH_REPLICATIONS}); writes allocation.json, allocation.csv and allocation.png.",
        epilog='Example: rearm allocate s.yaml --budget "extra=10bn EUR per year" --from 2026 '
        "--over budgets.army,expansions.new_line --evaluations 40",
    )
    p.add_argument("file")
    p.add_argument(
        "--budget",
        required=True,
        metavar="NAME=AMOUNT",
        help="the extra money: 'NAME=1.5bn GBP' once, or 'NAME=10bn EUR per year' (NAME: a budget, or any label)",
    )
    p.add_argument("--from", dest="start", metavar="DATE", help="when the extra money starts (default: the start)")
    p.add_argument(
        "--over",
        metavar="ITEMS",
        help="comma-separated budgets.NAME, facilities.NAME, expansions.NAME (default: NAME's budget and the "
        "expansions it pays, or every budget)",
    )
    p.add_argument("--objective", default="lateness", metavar="lateness|on_time|date:TARGET", help="what to minimise")
    p.add_argument("--weight", action="append", default=[], metavar="TARGET=W", help="a target's weight in lateness")
    p.add_argument(
        "--evaluations", type=positive_int, default=DEFAULT_EVALUATIONS, help="candidates the optimiser may try"
    )
    p.add_argument("--top", type=positive_int, default=DEFAULT_TOP, help="best candidates re-run at the end")
    p.add_argument(
        "--final-replications", type=positive_int, help="replications of the final re-run (default: the scenario's)"
    )
    add_study_options(p, "allocate")
    p.set_defaults(handler=cmd_allocate)


def cmd_allocate(args: argparse.Namespace) -> int:
    """Search, re-run the best at the final replication count, write allocation.json."""
    from sim.library.allocate import allocate

    show(
        allocate(
            scenario=load(args),
            budget=args.budget,
            over=args.over,
            start=args.start,
            objective=args.objective,
            weights=tuple(args.weight),
            evaluations=args.evaluations,
            top=args.top,
            final_replications=args.final_replications,
            **study_options(args),
        )
    )
    return 0
