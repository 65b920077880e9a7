"""Study subcommands: sweep, sensitivity, bottlenecks, compare (registered with `@command`).

Each builds a `Study` (design points × replications), runs it on the executor the options
name, streaming every finished batch into `results.sqlite`, then writes `results.csv` and the
study's own file. Before anything runs, the output folder gets the resolved scenario, the
design table and `study.json` (provenance).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim import __version__
from sim.cli.commands import add_simulation_options, command, positive_float, positive_int
from sim.errors import FileSystemError, UsageError
from sim.language.limits import check_jobs, check_study, estimate_events
from sim.language.load import LoadedScenario, load_scenario
from sim.language.units import DAYS_PER_YEAR
from sim.metrics.summary import percentile_unreached_last
from sim.present.files import write_atomic, write_csv, write_json
from sim.present.folder import folder_lock, os_error_line
from sim.present.interop import export_directory, require_writers
from sim.present.outputs import default_out_dir
from sim.present.text import terminal_text
from sim.studies import bottlenecks, compare, sensitivity
from sim.studies.evaluate import Point, Study, evaluate, open_store, totals_of, years_array
from sim.studies.executors import DASK_TIMEOUT, default_jobs, make_executor
from sim.studies.goals import goal_table
from sim.studies.parameters import parse_parameter
from sim.studies.points import design_points, transformed_point
from sim.studies.precision import DEFAULT_FIRST, precision_lines, run_to_precision
from sim.studies.run import RunResult
from sim.studies.samplers import Design, design_size, make_design
from sim.studies.sensitivity import SENSITIVITY_HEADER
from sim.studies.store import Store, design_cell

MAX_PRINTED = 40


def add_study_options(p: argparse.ArgumentParser) -> None:
    """Options every study shares, on top of the simulation options."""
    add_simulation_options(p)
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


def _load(args: argparse.Namespace, file: str | None = None) -> LoadedScenario:
    require_writers(xlsx=args.xlsx)
    if args.seed is not None and args.seed < 0:
        raise UsageError("--seed must be ≥ 0")
    if args.jobs:
        check_jobs(args.jobs, default_jobs(), args.allow_large)
    given: LoadedScenario | None = getattr(args, "loaded", None)  # the library's, already loaded
    return (
        given
        if given is not None and file is None
        else load_scenario(file or args.file, args.overrides, args.allow_large)
    )


def _check_size(loaded: Sequence[LoadedScenario], points: int, replications: int) -> None:
    """Refuse a study past the limits on its size (points, replications, time, memory) before
    its design or anything else proportional to its size is made; the heaviest scenario counts."""
    heaviest = max(loaded, key=lambda item: estimate_events(item.scenario))
    check_study(heaviest.scenario, points, replications, heaviest.allow_large)


def _study(
    args: argparse.Namespace,
    loaded: LoadedScenario,
    columns: Sequence[str],
    points: Sequence[Point],
    extra: dict[str, Any],
) -> Study:
    s = loaded.scenario
    meta = {
        "command": args.command,
        "scenario": s.scenario,
        "file": loaded.file,
        "sha256": loaded.sha256,
        "overrides": list(loaded.overrides),
        "version": __version__,
        "goals": goal_table(s),
        **extra,
    }
    return Study(
        args.command,
        tuple(columns),
        tuple(points),
        tuple(t.name for t in s.targets),
        totals_of(s),
        args.seed if args.seed is not None else s.seed,
        args.replications or s.replications,
        meta,
    )


def _out(args: argparse.Namespace, file: str) -> Path:
    return args.out or default_out_dir(file) / args.command


def study_out(args: argparse.Namespace) -> Path:
    """The folder a study command writes."""
    if args.command == "compare":
        return args.out or Path("outputs") / "compare"
    return _out(args, args.file)


def holding_lock(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """The handler, run holding the study folder's lock (a second command there refuses at once).
    The study writes in place: `results.sqlite` is what `--resume` reads, and each final file
    is replaced atomically."""

    @functools.wraps(handler)
    def locked(args: argparse.Namespace) -> int:
        out = study_out(args)
        with folder_lock(out):
            try:
                return handler(args)
            except OSError as exc:  # a full disk or a read-only folder while writing the final files
                store = out / "results.sqlite"
                kept = (
                    f"the finished runs are kept in {store}: the same command with --resume continues"
                    if store.is_file()
                    else "nothing was run"
                )
                raise FileSystemError(os_error_line(exc, kept)) from None

    return locked


def _prepare(out: Path, study: Study, resolved: dict[str, LoadedScenario]) -> None:
    """Provenance first: the resolved scenario(s), the design table and study.json."""
    out.mkdir(parents=True, exist_ok=True)
    for name, loaded in resolved.items():
        header = (
            f"# resolved scenario: {loaded.file} (sha256 {loaded.sha256})\n"
            f"# overrides: {', '.join(loaded.overrides) or 'none'}\n"
        )
        write_atomic(out / name, header + yaml.safe_dump(loaded.data, sort_keys=False, allow_unicode=True))
    write_csv(
        out / "design.csv",
        ("point", *study.columns),
        ((i, *(design_cell(v) for v in p.values)) for i, p in enumerate(study.points)),
    )
    write_json(
        out / "study.json",
        {
            **study.meta,
            "seed": study.seed,
            "replications": study.replications,
            "points": len(study.points),
            "columns": list(study.columns),
            "targets": list(study.targets),
        },
    )


def _execute(args: argparse.Namespace, out: Path, study: Study, resolved: dict[str, LoadedScenario]) -> Store:
    """Run the study (resuming if asked) and write results.csv; return the open store."""
    _check_size(list(resolved.values()), len(study.points), study.replications)
    store = open_store(study, out, args.resume)  # first: a refused --resume must leave the folder as it was
    _prepare(out, study, resolved)
    with make_executor(args.jobs, args.scheduler, args.scheduler_timeout) as executor:
        evaluate(study, out, executor, progress=not (args.quiet or getattr(args, "log_quiet", 0)), store=store)
    design = {row[0]: row[1:-1] for row in store.design_rows()}
    header = ("point", "replication", "seed", *study.columns, "error", *study.measures)
    rows = ((p, r, seed, *design[p], error, *measures) for p, r, seed, error, *measures in store.runs())
    write_csv(out / "results.csv", header, rows)
    failed = [row for row in store.design_rows() if row[-1]]
    if failed:
        print(
            f"{len(failed)} design point(s) failed; their error is in results.csv. First: point {failed[0][0]}: "
            + terminal_text(failed[0][-1], newlines=True),
            file=sys.stderr,
        )
    return store


def _analysed(study: Study, store: Store, horizon_days: float) -> np.ndarray:
    years, failed = years_array(study, store.runs())
    return sensitivity.censored(years, failed, horizon_days / DAYS_PER_YEAR)


def _table(rows: Sequence[Sequence[Any]]) -> str:
    """Rows as aligned columns, every cell escaped for the terminal (names are data)."""
    cells = [[terminal_text(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _years(x: float | None) -> str:
    return "not reached" if x is None or not np.isfinite(x) else f"{x:.2f}"


def _plots(args: argparse.Namespace, out: Path) -> None:
    """The study's figures (PNG, SVG with --svg) from the files just written, unless --no-plots."""
    if not args.no_plots:
        from sim.present.run_plots import write_plots

        write_plots(out, args.svg)


def _wrote(out: Path, *names: str, xlsx: bool = False) -> None:
    names += tuple(p.name for p in export_directory(out, xlsx=xlsx))  # Parquet (if pyarrow) and --xlsx
    print(
        f"\nwrote {', '.join(str(out / n) for n in ('results.sqlite', 'results.csv', 'design.csv', *names))}",
        file=sys.stderr,
    )


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
    p.add_argument("--method", choices=("grid", "lhs"), default="grid")
    p.add_argument("--samples", type=positive_int, help="points of a Latin hypercube (default 20)")
    add_study_options(p)
    p.set_defaults(handler=holding_lock(cmd_sweep))


def cmd_sweep(args: argparse.Namespace) -> int:
    """A grid or Latin-hypercube sweep; prints each point's median years to each target."""
    loaded = _load(args)
    params = getattr(args, "parameters", None) or [parse_parameter(v, "--vary") for v in args.vary]
    replications = args.replications or loaded.scenario.replications
    _check_size([loaded], design_size(args.method, params, args.samples), replications)
    design = make_design(
        args.method, params, args.samples, args.seed if args.seed is not None else loaded.scenario.seed
    )
    study = _study(args, loaded, design.paths, design_points(loaded, design), {"method": args.method})
    out = _out(args, args.file)
    store = _execute(args, out, study, {"scenario.resolved.yaml": loaded})
    years, failed = years_array(study, store.runs())
    rows: list[Sequence[Any]] = [("point", *design.paths, *(f"{t} (median years)" for t in study.targets))]
    for i, point in enumerate(study.points[:MAX_PRINTED]):
        medians = [percentile_unreached_last(years[i, ~failed[i], k], 0.5) for k in range(len(study.targets))]
        cells = ["failed"] * len(study.targets) if failed[i].all() else [_years(m) for m in medians]
        rows.append((i, *("as written" if v is None else v for v in point.values), *cells))
    print(_table(rows))
    if len(study.points) > MAX_PRINTED:
        print(f"... {len(study.points) - MAX_PRINTED} more points in results.csv")
    store.close()
    _plots(args, out)
    _wrote(out, xlsx=args.xlsx)
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
    p.add_argument("--method", choices=("oat", "morris", "sobol"), default="oat")
    p.add_argument(
        "--samples",
        type=positive_int,
        help="Sobol base samples (power of 2, default 64) or Morris trajectories (default 10)",
    )
    add_study_options(p)
    p.set_defaults(handler=holding_lock(cmd_sensitivity))


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run the method's design and write its indices to sensitivity.csv."""
    loaded = _load(args)
    params = getattr(args, "parameters", None) or [parse_parameter(v, "--param") for v in args.param]
    for p in params:
        if not p.is_range:
            raise UsageError(f"--param {p.path}: give a range LO:HI")
    seed = args.seed if args.seed is not None else loaded.scenario.seed
    replications = args.replications or loaded.scenario.replications
    _check_size([loaded], design_size(args.method, params, args.samples), replications)
    design = make_design(args.method, params, args.samples, seed)
    study = _study(args, loaded, design.paths, design_points(loaded, design), {"method": args.method})
    out = _out(args, args.file)
    store = _execute(args, out, study, {"scenario.resolved.yaml": loaded})
    values = _analysed(study, store, loaded.scenario.horizon)
    store.close()
    found = sensitivity.indices(design, list(study.targets), values, seed)
    write_csv(out / "sensitivity.csv", SENSITIVITY_HEADER, (_csv_index(r) for r in found))
    for target in sensitivity.skipped_targets(list(study.targets), values):
        print(f"no indices for {terminal_text(target)!r}: a design point has no successful run", file=sys.stderr)
    print(_sensitivity_table(design, found))
    _plots(args, out)
    _wrote(out, "sensitivity.csv", xlsx=args.xlsx)
    return 0


def _csv_index(row: sensitivity.Index) -> tuple[Any, ...]:
    *head, value, conf = row
    clean = lambda x: "" if x is None or not np.isfinite(x) else round(float(x), 6)  # noqa: E731
    return (*head, clean(value), clean(conf))


def _sensitivity_table(design: Design, found: list[sensitivity.Index]) -> str:
    shown = {"oat": ("low_effect", "high_effect"), "morris": ("mu_star", "sigma"), "sobol": ("S1", "ST")}[design.method]
    unit = " (years)" if design.method != "sobol" else ""
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for path, target, _, index, value, conf in found:
        if index in shown:
            text = "n/a" if not np.isfinite(value) else f"{value:+.3f}" if unit else f"{value:.3f}"
            if conf is not None and np.isfinite(conf):
                text += f" ± {conf:.3f}"
            cells.setdefault((target, path), {})[index] = text
    rows: list[Sequence[Any]] = [("target", "parameter", *(i + unit for i in shown))]
    rows += [(t, p, *(c.get(i, "") for i in shown)) for (t, p), c in cells.items()]
    return _table(rows) if len(rows) > 1 else "no indices (see messages above)"


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
    add_study_options(p)
    p.set_defaults(handler=holding_lock(cmd_bottlenecks))


def cmd_bottlenecks(args: argparse.Namespace) -> int:
    """Baseline plus one point per relaxation, on common random numbers."""
    loaded = _load(args)
    relax = bottlenecks.relaxations(loaded.scenario)
    points = [transformed_point(loaded, None, None)] + [transformed_point(loaded, name, fn) for name, fn in relax]
    study = _study(args, loaded, ("relax",), points, {})
    out = _out(args, args.file)
    store = _execute(args, out, study, {"scenario.resolved.yaml": loaded})
    values = _analysed(study, store, loaded.scenario.horizon)
    store.close()
    found = bottlenecks.gains([name for name, _ in relax], list(study.targets), values)
    write_json(out / "bottlenecks.json", found)
    baseline = bottlenecks.median_years(values)[0]
    for k, (target, rows) in enumerate(found.items()):
        reached = baseline[k] < loaded.scenario.horizon / DAYS_PER_YEAR
        shown = terminal_text(target)
        print(
            f"{shown}: median {baseline[k]:.2f} years as written"
            if reached
            else f"{shown}: not reached as written (gains are counted from the horizon, so they are lower bounds)"
        )
        table = [("constraint relaxed", "months earlier")]
        table += [
            (r["constraint"], "failed" if r["months_earlier"] is None else f"{r['months_earlier']:.1f}") for r in rows
        ]
        print(_table(table) + "\n")
    _plots(args, out)
    _wrote(out, "bottlenecks.json", xlsx=args.xlsx)
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
    add_study_options(p)
    p.set_defaults(handler=holding_lock(cmd_compare))


def cmd_compare(args: argparse.Namespace) -> int:
    """Run every scenario with the first one's seed and replications; write compare.json."""
    if len(args.files) < 2:
        raise UsageError("compare needs at least two scenario files")
    loaded = [_load(args, f) for f in args.files]
    labels = list(dict.fromkeys(args.files))
    if len(labels) != len(args.files):
        raise UsageError("compare: a scenario file is named twice")
    targets = list(dict.fromkeys(t.name for item in loaded for t in item.scenario.targets))
    totals = tuple(dict.fromkeys(t for item in loaded for t in totals_of(item.scenario)))
    # each scenario's goals come from itself as written (built through the shared point builder)
    points = [transformed_point(item, label, None) for label, item in zip(labels, loaded, strict=True)]
    goals = {label: goal_table(item.scenario) for label, item in zip(labels, loaded, strict=True)}
    extra = {"files": labels, "sha256s": [x.sha256 for x in loaded], "goals": goals}
    base = _study(args, loaded[0], ("scenario",), points, extra)
    study = Study(
        base.command, base.columns, base.points, tuple(targets), totals, base.seed, base.replications, base.meta
    )
    out = study_out(args)
    resolved = {f"scenario{i}.resolved.yaml": item for i, item in enumerate(loaded, start=1)}
    store = _execute(args, out, study, resolved)
    years, failed = years_array(study, store.runs())
    store.close()
    has = np.array([[t in {x.name for x in item.scenario.targets} for t in targets] for item in loaded])
    result = compare.comparison(labels, [x.scenario.start for x in loaded], targets, years, has, failed)
    write_json(out / "compare.json", {"seed": study.seed, "replications": study.replications, "targets": result})
    print(_compare_table(labels, result))
    _wrote(out, "compare.json", xlsx=args.xlsx)
    return 0


def _compare_table(labels: list[str], result: dict[str, Any]) -> str:
    rows: list[Sequence[Any]] = [("target", *(f"{x} median" for x in labels), *(f"P({x} first)" for x in labels[1:]))]
    for target, body in result.items():
        medians = []
        for label in labels:
            s = body["scenarios"][label]
            medians.append("—" if s is None else s["date_reached"]["p50"] or "not reached")
        firsts = {(p["first"], p["second"]): p["probability_first_earlier"] for p in body["earlier"]}
        probs = [firsts.get((x, labels[0])) for x in labels[1:]]
        rows.append((target, *medians, *("—" if p is None else f"{p:.0%}" for p in probs)))
    first = terminal_text(labels[0])
    return _table(rows) + f"\n(P(X first): share of replications in which X reaches the target before {first})"


# -- rearm run --precision --------------------------------------------------------------------
def run_with_precision(args: argparse.Namespace, loaded: LoadedScenario, jobs: int) -> RunResult:
    """`rearm run --precision F`: replications until each target's median is known to ±F; prints
    the intervals (the run's summary.json carries them under `precision`)."""
    if not 0 < args.precision < 1:
        raise UsageError(f"--precision must be a fraction between 0 and 1, such as 0.05, got {args.precision:g}")
    first = args.replications or DEFAULT_FIRST
    if args.max_replications is not None and first > args.max_replications:
        raise UsageError(f"--replications {first} is above --max-replications {args.max_replications}")
    run, found = run_to_precision(loaded, args.precision, args.seed, jobs, first, args.max_replications)
    print(terminal_text("\n".join(precision_lines(found, run.replications, args.precision)), newlines=True) + "\n")
    return run
