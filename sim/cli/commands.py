"""One small function per command; shared options defined once."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, UsageError
from sim.language.limits import check_jobs
from sim.language.load import load_scenario
from sim.present.folder import PREVIOUS, StagedFolder
from sim.present.interop import export_directory, require_writers
from sim.present.outputs import default_out_dir, write_run
from sim.present.table import targets_table
from sim.present.text import terminal_text
from sim.studies.replications import default_jobs
from sim.studies.run import run_scenario

Register = Callable[[Any], None]
REGISTRY: list[Register] = []


def command(fn: Register) -> Register:
    """Add a subcommand registration to the CLI."""
    REGISTRY.append(fn)
    return fn


MAX_COUNT_DIGITS = 15


def positive_int(text: str) -> int:
    """An argparse type for counts ≥ 1: `1000`, `1_000` or `1e3`, at most 15 digits (a count
    past that breaks every limit, so it is refused here rather than read)."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    try:
        number = Decimal(text.strip().replace("_", "")) if len(text) <= 40 else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {shown!r}")
    if number.adjusted() >= MAX_COUNT_DIGITS:
        raise argparse.ArgumentTypeError(f"{shown} is more than any limit allows (a count has at most 15 digits)")
    value = int(number)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type for a finite number > 0 (seconds)."""
    try:
        value = float(text) if len(text) <= 40 else math.nan
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text[:40]!r}")
    return value


def add_simulation_options(p: argparse.ArgumentParser) -> None:
    """Options every simulating command accepts."""
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a value by its dotted path, e.g. facilities.barrow.docks=3",
    )
    p.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    p.add_argument("--jobs", type=positive_int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--out", type=Path, help="output directory (default: outputs/<scenario stem>/)")
    p.add_argument("--no-plots", action="store_true", help="do not draw plots")
    p.add_argument("--svg", action="store_true", help="also write each plot as SVG")
    add_allow_large(p)


def add_allow_large(p: argparse.ArgumentParser) -> None:
    """--allow-large: lift the soft limits on a run's size (see sim.language.limits)."""
    p.add_argument(
        "--allow-large",
        action="store_true",
        default=None,
        help="lift the soft limits on events, replications and memory (also REARM_ALLOW_LARGE=1)",
    )


def replaced_note(staged: StagedFolder, summary: dict[str, Any]) -> str | None:
    """A line for stderr when the result just replaced was for other inputs (another seed,
    scenario, overrides or replications), so that no earlier result is lost unsaid."""
    earlier = staged.earlier
    if earlier is None or staged.previous is None:
        return None
    keys = ("seed", "sha256", "overrides", "replications")
    changed = [k for k in keys if earlier.get(k) != summary.get(k)]
    if not changed:
        return None
    what = ", ".join(f"{k} {earlier.get(k)} now {summary.get(k)}" for k in changed if k != "sha256")
    if "sha256" in changed:
        what = "another scenario file" + (f"; {what}" if what else "")
    return f"replaced the earlier result in {staged.shown_out} ({what}); it is kept in {staged.shown_out}{PREVIOUS}"


def _jobs(args: argparse.Namespace) -> int:
    jobs: int = args.jobs or default_jobs()
    check_jobs(jobs, default_jobs(), args.allow_large)
    return jobs


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
    problems = []
    for path in args.files:
        try:
            loaded = load_scenario(path, args.overrides, args.allow_large)
            print(terminal_text(f"{path}: ok ({loaded.scenario.scenario})"))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
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
    p.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario and write its outputs."""
    require_writers(xlsx=args.xlsx)
    loaded = load_scenario(args.file, args.overrides, args.allow_large)
    if args.seed is not None and args.seed < 0:
        raise UsageError("--seed must be ≥ 0")
    out = args.out or default_out_dir(args.file)
    # everything is written into a staging folder beside `out`, swapped in whole at the end
    staged = StagedFolder(out)
    with staged as staging:
        if args.precision is not None:
            from sim.cli.study_commands import run_with_precision

            run = run_with_precision(args, loaded, _jobs(args))
        else:
            run = run_scenario(loaded, args.replications, args.seed, _jobs(args))
        written = write_run(run, staging)
        if not args.no_plots:
            from sim.present.run_plots import write_run_plots

            written += write_run_plots(run, staging, svg=args.svg)
        written += export_directory(staging, xlsx=args.xlsx)
        if not args.no_plots:
            from sim.present.report import write_report

            written.append(write_report(staging))  # the one file a newcomer can mail
    print(targets_table(run.summary))
    note = replaced_note(staged, run.summary)
    if note:
        print(note, file=sys.stderr)
    print(f"\nwrote {', '.join(str(out / p.relative_to(staging)) for p in written)}", file=sys.stderr)
    return 0
