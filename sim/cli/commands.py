"""`rearm validate` and `rearm run`: parse, call the library, print (the shared options are in `sim.cli.options`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sim.cli.options import (  # noqa: F401  (the shared helpers, also imported from here)
    REGISTRY,
    add_allow_large,
    add_simulation_options,
    command,
    positive_float,
    positive_int,
)
from sim.language.load import load_scenario
from sim.language.validation import validate_files
from sim.library.commands import run
from sim.present.interop import require_writers
from sim.present.text import terminal_text
from sim.studies.progress import is_terminal

#: replications of each relaxation that `rearm run --bottlenecks` runs unless told
BOTTLENECK_REPLICATIONS = 10


@command
def register_validate(sub: Any) -> None:
    """`rearm validate FILE...`."""
    p = sub.add_parser(
        "validate",
        help="check scenario files",
        description="Check scenario files; exit 0 if all are valid, 2 otherwise.",
        epilog="Example: rearm validate scenarios/*.yaml",
    )
    p.add_argument("files", nargs="+")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    add_allow_large(p)
    p.set_defaults(handler=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate each file, reporting every problem of every file."""
    found = validate_files(files=args.files, overrides=args.overrides, allow_large=args.allow_large)
    for path, name in found.valid:
        print(terminal_text(f"{path}: ok ({name})"))
    found.raise_for_problems()
    return 0


@command
def register_run(sub: Any) -> None:
    """`rearm run FILE`."""
    p = sub.add_parser(
        "run",
        help="run a scenario",
        description="Run a scenario's replications and write summary.json, timeline.csv and plots.",
        epilog="Example: rearm run scenarios/european_155mm.yaml --replications 100 "
        "--set budgets.national_procurement.growth=5%",
    )
    p.add_argument("file")
    p.add_argument("--replications", type=positive_int, help="Monte Carlo runs (default: the scenario's)")
    add_simulation_options(p)
    p.add_argument(
        "--xlsx",
        action="store_true",
        help="also write workbook.xlsx (pip install 'rearm[excel]'); "
        "timeline.parquet is written whenever pyarrow is installed",
    )
    p.add_argument(
        "--precision",
        type=float,
        metavar="F",
        help="add replications until every target's median date "
        "has a 95%% confidence half-width under F of its value (e.g. 0.05), "
        "from --replications (default 20)",
    )
    p.add_argument(
        "--max-replications",
        type=positive_int,
        help="cap for --precision (default 10000, or fewer where the limits on a run's size allow fewer)",
    )
    p.add_argument(
        "--bottlenecks",
        type=positive_int,
        nargs="?",
        const=BOTTLENECK_REPLICATIONS,
        metavar="N",
        help="also measure what binds each target: relax one constraint at a time, N replications "
        f"each (default {BOTTLENECK_REPLICATIONS}), in parallel with --jobs; written to bottlenecks/",
    )
    p.set_defaults(handler=cmd_run)


def watched() -> bool:
    """Whether a person watches the run: a progress bar (on stderr) only then."""
    return is_terminal(sys.stdout) and is_terminal(sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario and write its outputs (`sim.library.commands.run`), then print."""
    require_writers(xlsx=args.xlsx)  # before loading: a missing writer is said first
    outcome = run(
        scenario=load_scenario(args.file, args.overrides, args.allow_large),
        out=args.out, replications=args.replications, seed=args.seed, jobs=args.jobs,
        precision_fraction=args.precision, max_replications=args.max_replications,
        plots=not args.no_plots, svg=args.svg, xlsx=args.xlsx,
        bottlenecks=args.bottlenecks, progress=watched(),
    )  # fmt: skip
    for line in outcome.printed:
        print(line)
    for line in outcome.notes:
        print(line, file=sys.stderr)
    return 0
