"""`rearm validate` and `rearm run`: parse, call the library, print (the shared options are in `sim.cli.options`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.options import (  # noqa: F401  (the shared helpers, also imported from here)
    REGISTRY,
    add_allow_large,
    add_simulation_options,
    command,
    positive_float,
    positive_int,
)
from sim.errors import UsageError
from sim.language.limits import check_jobs
from sim.language.load import LoadedScenario, load_scenario
from sim.language.validation import validate_files
from sim.present.folder import PREVIOUS, StagedFolder
from sim.present.interop import export_directory, require_writers
from sim.present.outputs import default_out_dir, write_run
from sim.present.table import targets_table
from sim.present.text import terminal_text
from sim.studies.binds import annotate, lines_of
from sim.studies.goals import fix_goals
from sim.studies.precision import precision
from sim.studies.progress import ProgressReport, is_terminal
from sim.studies.replications import default_jobs
from sim.studies.run import RunResult, run_scenario

#: replications of each relaxation that `rearm run --bottlenecks` runs unless told
BOTTLENECK_REPLICATIONS = 10


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


def measure_binds(args: argparse.Namespace, loaded: LoadedScenario, run: RunResult, staging: Path) -> list[str]:
    """`--bottlenecks`: the relaxation study into `staging/bottlenecks`, its gains added to the
    run's summary as each target's `what_binds`; returns its notes for stderr."""
    from sim.library.studies import bottlenecks

    n = args.bottlenecks
    outcome = bottlenecks(
        scenario=loaded, out=staging / "bottlenecks", replications=n, seed=args.seed, jobs=_jobs(args),
        progress=watched(),
    )  # fmt: skip
    source = f"measured by relaxing one constraint at a time, {n} replications each (bottlenecks/bottlenecks.json)"
    run.summary = annotate(run.summary, lines_of(fix_goals(loaded.scenario)), outcome.found, source)
    return list(outcome.notes)


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
            grown = precision(
                scenario=loaded,
                fraction=args.precision,
                replications=args.replications,
                max_replications=args.max_replications,
                seed=args.seed,
                jobs=_jobs(args),
            )
            print(terminal_text("\n".join(grown.lines()), newlines=True) + "\n")
            run = grown.run
        else:
            n = args.replications or loaded.scenario.replications
            with ProgressReport(n, "rearm run", enabled=watched()) as bar:
                run = run_scenario(loaded, args.replications, args.seed, _jobs(args), bar.update)
        notes = measure_binds(args, loaded, run, staging) if args.bottlenecks else []
        written = write_run(run, staging)
        if not args.no_plots:
            from sim.present.run_plots import write_run_plots

            written += write_run_plots(run, staging, svg=args.svg)
        written += export_directory(staging, xlsx=args.xlsx)
        if not args.no_plots:
            from sim.present.report import write_report

            written.append(write_report(staging))  # the one file a newcomer can mail
    print(targets_table(run.summary))
    for line in notes:
        print(terminal_text(line, newlines=True), file=sys.stderr)
    note = replaced_note(staged, run.summary)
    if note:
        print(note, file=sys.stderr)
    print(f"\nwrote {', '.join(str(out / p.relative_to(staging)) for p in written)}", file=sys.stderr)
    return 0
