"""The study commands as library functions: `sweep`, `sensitivity`, `bottlenecks`, `compare`
and `audit`.

Each builds a `Study` (design points × replications), runs it on the executor asked for,
streaming every finished batch into `results.sqlite`, then writes `results.csv` and the
study's own file. Before anything runs, the output folder gets the resolved scenario, the
design table and `study.json` (provenance). The folder is held locked while the study runs (a
second study there refuses at once). What the command line prints comes back as `printed`
(standard output) and `notes` (standard error), so the command line only prints them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim import __version__
from sim.errors import FileSystemError, UsageError
from sim.language.limits import check_jobs, check_study, estimate_events
from sim.language.load import LoadedScenario
from sim.language.units import UnitError, in_years, parse_percentage
from sim.metrics.summary import percentile_unreached_last
from sim.present.files import write_atomic, write_csv, write_json
from sim.present.folder import folder_lock, os_error_line
from sim.present.interop import export_directory, require_writers
from sim.present.outputs import default_out_dir
from sim.present.study_text import audit_table, bottleneck_lines, compare_table, sensitivity_table, sweep_lines
from sim.present.text import terminal_text
from sim.studies import audit as audit_study
from sim.studies import bottlenecks as bottleneck_study
from sim.studies import compare as compare_study
from sim.studies import sensitivity as sensitivity_study
from sim.studies.design_table import design_columns, design_values
from sim.studies.evaluate import Point, Study, evaluate, open_store, totals_of, years_array
from sim.studies.executors import DASK_TIMEOUT, Scheduler, default_jobs, make_executor
from sim.studies.goals import goal_table
from sim.studies.parameters import Parameter, parse_parameter
from sim.studies.points import design_points, transformed_point
from sim.studies.samplers import design_size, make_design
from sim.studies.sensitivity import SENSITIVITY_HEADER
from sim.studies.store import Store, design_cell

__all__ = [
    "COMPARE_OUT",
    "SWEEP_METHODS",
    "SENSITIVITY_METHODS",
    "StudyOutcome",
    "audit",
    "bottlenecks",
    "change_fraction",
    "check_options",
    "compare",
    "sensitivity",
    "study_out",
    "unused_folder",
    "default_out_text",
    "sweep",
]

SWEEP_METHODS = ("grid", "lhs")
SENSITIVITY_METHODS = ("oat", "morris", "sobol")
#: where `compare` writes unless told (it has no one scenario to name its folder after)
COMPARE_OUT = Path("outputs") / "compare"
#: rows of an audit printed at most (all are in audit.csv)
MAX_AUDIT_PRINTED = 40


@dataclass(frozen=True)
class StudyOutcome:
    """A finished study: its folder, the files written, what to show, and its own result
    (the gains of `bottlenecks`, the comparison of `compare`, the indices of `sensitivity`,
    the `AuditResult` of `audit`; None for a sweep)."""

    command: str
    out: Path
    written: tuple[Path, ...]
    printed: tuple[str, ...]
    notes: tuple[str, ...] = ()
    passed: bool = True
    found: Any = None

    @property
    def report(self) -> str:
        """What the command prints on standard output, as one text."""
        return "".join(line + "\n" for line in self.printed)


@dataclass(frozen=True)
class _Options:
    """How a study runs and what it writes beside its own files."""

    replications: int | None
    seed: int | None
    jobs: int | None
    scheduler: Scheduler | None
    scheduler_timeout: float
    resume: bool
    progress: bool
    plots: bool
    svg: bool
    xlsx: bool


@dataclass
class _Written:
    printed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def study_out(command: str, file: str | None, out: str | os.PathLike[str] | None) -> Path:
    """The folder a study writes: `out`, else `default_out_text(command)` for `file`."""
    if out is not None:
        return Path(out)
    if command == "compare" or file is None:
        return COMPARE_OUT
    return default_out_dir(file) / command


#: files that say a folder holds a study
STUDY_MARKERS = ("study.json", "results.sqlite")


def unused_folder(folder: Path) -> Path:
    """`folder` if it holds no study yet, else the first of `<folder>-2`, `<folder>-3`, ... that
    holds none: what the Python API writes into when no `out` is given, so a second study never
    replaces the first."""
    candidate, k = folder, 1
    while any((candidate / name).exists() for name in STUDY_MARKERS):
        k += 1
        candidate = folder.with_name(f"{folder.name}-{k}")
    return candidate


def default_out_text(command: str) -> str:
    """The folder a study writes without `out`, as its `--out` help names it:
    `outputs/<scenario stem>/<command>/` (compare, of several scenarios: `outputs/compare/`)."""
    return f"{COMPARE_OUT.as_posix()}/" if command == "compare" else f"outputs/<scenario stem>/{command}/"


def check_options(*, seed: int | None, jobs: int | None, xlsx: bool, allow_large: bool | None) -> None:
    """Refuse what cannot work before anything runs: a missing writer, a negative seed, more
    worker processes than the machine can hold."""
    require_writers(xlsx=xlsx)
    if seed is not None and seed < 0:
        raise UsageError("--seed must be ≥ 0")
    if jobs:
        check_jobs(jobs, default_jobs(), allow_large)


def _check(options: _Options, loaded: Sequence[LoadedScenario]) -> None:
    allow_large = any(item.allow_large for item in loaded) or None
    check_options(seed=options.seed, jobs=options.jobs, xlsx=options.xlsx, allow_large=allow_large)


def _check_size(loaded: Sequence[LoadedScenario], points: int, replications: int) -> None:
    """Refuse a study past the limits on its size (points, replications, time, memory) before
    its design or anything else proportional to its size is made; the heaviest scenario counts."""
    heaviest = max(loaded, key=lambda item: estimate_events(item.scenario))
    check_study(heaviest.scenario, points, replications, heaviest.allow_large)


def _study(
    command: str,
    options: _Options,
    loaded: LoadedScenario,
    columns: Sequence[str],
    points: Sequence[Point],
    extra: dict[str, Any],
) -> Study:
    s = loaded.scenario
    meta = {
        "command": command,
        "scenario": s.scenario,
        "file": loaded.file,
        "sha256": loaded.sha256,
        "overrides": list(loaded.overrides),
        "version": __version__,
        "goals": goal_table(s),
        **extra,
    }
    return Study(
        command,
        tuple(columns),
        tuple(points),
        tuple(t.name for t in s.targets),
        totals_of(s),
        options.seed if options.seed is not None else s.seed,
        options.replications or s.replications,
        meta,
    )


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
        ("point", *design_columns(study.command, study.columns)),
        ((i, *(design_cell(v) for v in design_values(study.command, p.values))) for i, p in enumerate(study.points)),
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


def _execute(
    options: _Options, out: Path, study: Study, resolved: dict[str, LoadedScenario], written: _Written
) -> Store:
    """Run the study (resuming if asked) and write results.csv; return the open store."""
    _check_size(list(resolved.values()), len(study.points), study.replications)
    store = open_store(study, out, options.resume)  # first: a refused resume must leave the folder as it was
    _prepare(out, study, resolved)
    with make_executor(options.jobs, options.scheduler, options.scheduler_timeout) as executor:
        evaluate(study, out, executor, progress=options.progress, store=store)
    design = {row[0]: row[1:-1] for row in store.design_rows()}
    header = ("point", "replication", "seed", *design_columns(study.command, study.columns), "error", *study.measures)
    rows = ((p, r, seed, *design[p], error, *measures) for p, r, seed, error, *measures in store.runs())
    write_csv(out / "results.csv", header, rows)
    failed = [row for row in store.design_rows() if row[-1]]
    if failed:
        written.notes.append(
            f"{len(failed)} design point(s) failed; their error is in results.csv. First: point {failed[0][0]}: "
            + terminal_text(failed[0][-1], newlines=True)
        )
    return store


def _analysed(study: Study, store: Store, horizon_days: float) -> np.ndarray:
    years, failed = years_array(study, store.runs())
    return sensitivity_study.censored(years, failed, in_years(horizon_days))


def _finished(
    command: str, options: _Options, out: Path, written: _Written, names: Sequence[str], **result: Any
) -> StudyOutcome:
    """Draw the figures (if asked), write the Parquet and workbook copies, and say what was written."""
    if options.plots:
        from sim.present.run_plots import write_plots

        write_plots(out, options.svg)
    names = (*names, *(p.name for p in export_directory(out, xlsx=options.xlsx)))
    files = tuple(out / n for n in ("results.sqlite", "results.csv", "design.csv", *names))
    return StudyOutcome(command, out, files, tuple(written.printed), tuple(written.notes), **result)


def _in_folder(out: Path, work: Any) -> StudyOutcome:
    """`work()` run holding the study folder's lock (a second study there refuses at once).
    The study writes in place: `results.sqlite` is what a resume reads, and each final file is
    replaced atomically; a file system that refuses becomes one line saying what was kept."""
    with folder_lock(out):
        try:
            outcome: StudyOutcome = work()
            return outcome
        except OSError as exc:  # a full disk or a read-only folder while writing the final files
            store = out / "results.sqlite"
            kept = (
                f"the finished runs are kept in {store}: the same command with --resume continues"
                if store.is_file()
                else "nothing was run"
            )
            raise FileSystemError(os_error_line(exc, kept)) from None


def _method(command: str, method: str, methods: Sequence[str]) -> None:
    if method not in methods:
        raise UsageError(f"{command}: {method!r} is not a valid study method (one of {', '.join(methods)})")


# -- sweep ------------------------------------------------------------------------------------
def sweep(
    *,
    scenario: LoadedScenario,
    vary: Sequence[str | Parameter],
    method: str = "grid",
    samples: int | None = None,
    out: str | os.PathLike[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    scheduler: Scheduler | None = None,
    scheduler_timeout: float = DASK_TIMEOUT,
    resume: bool = False,
    progress: bool = True,
    plots: bool = False,
    svg: bool = False,
    xlsx: bool = False,
) -> StudyOutcome:
    """A grid or Latin-hypercube sweep (`vary`: `PATH=V1,V2,...` or `PATH=LO:HI[:N]`); prints
    each point's median years to each target."""
    _method("sweep", method, SWEEP_METHODS)
    options = _Options(
        replications=replications, seed=seed, jobs=jobs, scheduler=scheduler, scheduler_timeout=scheduler_timeout,
        resume=resume, progress=progress, plots=plots, svg=svg, xlsx=xlsx,
    )  # fmt: skip
    _check(options, [scenario])
    folder = study_out("sweep", scenario.file, out)
    params = [v if isinstance(v, Parameter) else parse_parameter(v, "--vary") for v in vary]

    def work() -> StudyOutcome:
        written = _Written()
        n = options.replications or scenario.scenario.replications
        _check_size([scenario], design_size(method, params, samples), n)
        design = make_design(method, params, samples, seed if seed is not None else scenario.scenario.seed)
        study = _study("sweep", options, scenario, design.paths, design_points(scenario, design), {"method": method})
        store = _execute(options, folder, study, {"scenario.resolved.yaml": scenario}, written)
        years, failed = years_array(study, store.runs())
        medians = [
            [percentile_unreached_last(years[i, ~failed[i], k], 0.5) for k in range(len(study.targets))]
            for i in range(len(study.points))
        ]
        written.printed += sweep_lines(design.paths, study.targets, study.points, medians, np.all(failed, axis=1))
        store.close()
        return _finished("sweep", options, folder, written, ())

    return _in_folder(folder, work)


# -- sensitivity ------------------------------------------------------------------------------
def sensitivity(
    *,
    scenario: LoadedScenario,
    params: Sequence[str | Parameter],
    method: str = "oat",
    samples: int | None = None,
    out: str | os.PathLike[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    scheduler: Scheduler | None = None,
    scheduler_timeout: float = DASK_TIMEOUT,
    resume: bool = False,
    progress: bool = True,
    plots: bool = False,
    svg: bool = False,
    xlsx: bool = False,
) -> StudyOutcome:
    """Each target's sensitivity to each parameter (`params`: `PATH=LO:HI`) by one-at-a-time,
    Morris or Sobol; writes sensitivity.csv (its indices are `found`)."""
    _method("sensitivity", method, SENSITIVITY_METHODS)
    options = _Options(
        replications=replications, seed=seed, jobs=jobs, scheduler=scheduler, scheduler_timeout=scheduler_timeout,
        resume=resume, progress=progress, plots=plots, svg=svg, xlsx=xlsx,
    )  # fmt: skip
    _check(options, [scenario])
    folder = study_out("sensitivity", scenario.file, out)
    parsed = [v if isinstance(v, Parameter) else parse_parameter(v, "--param") for v in params]
    for p in parsed:
        if not p.is_range:
            raise UsageError(f"--param {p.path}: give a range LO:HI")

    def work() -> StudyOutcome:
        written = _Written()
        root = seed if seed is not None else scenario.scenario.seed
        n = options.replications or scenario.scenario.replications
        _check_size([scenario], design_size(method, parsed, samples), n)
        design = make_design(method, parsed, samples, root)
        points = design_points(scenario, design)
        study = _study("sensitivity", options, scenario, design.paths, points, {"method": method})
        store = _execute(options, folder, study, {"scenario.resolved.yaml": scenario}, written)
        values = _analysed(study, store, scenario.scenario.horizon)
        store.close()
        found = sensitivity_study.indices(design, list(study.targets), values, root)
        write_csv(folder / "sensitivity.csv", SENSITIVITY_HEADER, (_csv_index(r) for r in found))
        for target in sensitivity_study.skipped_targets(list(study.targets), values):
            written.notes.append(f"no indices for {terminal_text(target)!r}: a design point has no successful run")
        written.printed.append(sensitivity_table(design.method, found))
        return _finished("sensitivity", options, folder, written, ("sensitivity.csv",), found=found)

    return _in_folder(folder, work)


def _csv_index(row: sensitivity_study.Index) -> tuple[Any, ...]:
    *head, value, conf = row
    clean = lambda x: "" if x is None or not np.isfinite(x) else round(float(x), 6)  # noqa: E731
    return (*head, clean(value), clean(conf))


# -- bottlenecks ------------------------------------------------------------------------------
def bottlenecks(
    *,
    scenario: LoadedScenario,
    out: str | os.PathLike[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    scheduler: Scheduler | None = None,
    scheduler_timeout: float = DASK_TIMEOUT,
    resume: bool = False,
    progress: bool = True,
    plots: bool = False,
    svg: bool = False,
    xlsx: bool = False,
) -> StudyOutcome:
    """Relax one constraint at a time on common random numbers; writes bottlenecks.json (the
    gains, largest first, are `found`)."""
    options = _Options(
        replications=replications, seed=seed, jobs=jobs, scheduler=scheduler, scheduler_timeout=scheduler_timeout,
        resume=resume, progress=progress, plots=plots, svg=svg, xlsx=xlsx,
    )  # fmt: skip
    _check(options, [scenario])
    folder = study_out("bottlenecks", scenario.file, out)

    def work() -> StudyOutcome:
        written = _Written()
        relax = bottleneck_study.relaxations(scenario.scenario)
        points = [transformed_point(scenario, None, None)]
        points += [transformed_point(scenario, name, fn) for name, fn in relax]
        study = _study("bottlenecks", options, scenario, ("relax",), points, {})
        store = _execute(options, folder, study, {"scenario.resolved.yaml": scenario}, written)
        values = _analysed(study, store, scenario.scenario.horizon)
        store.close()
        found = bottleneck_study.gains([name for name, _ in relax], list(study.targets), values)
        write_json(folder / "bottlenecks.json", found)
        baseline = bottleneck_study.median_years(values)[0]
        written.printed += bottleneck_lines(found, baseline, in_years(scenario.scenario.horizon))
        return _finished("bottlenecks", options, folder, written, ("bottlenecks.json",), found=found)

    return _in_folder(folder, work)


# -- compare ----------------------------------------------------------------------------------
def compare(
    *,
    scenarios: Sequence[LoadedScenario],
    labels: Sequence[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    scheduler: Scheduler | None = None,
    scheduler_timeout: float = DASK_TIMEOUT,
    resume: bool = False,
    progress: bool = True,
    plots: bool = False,
    svg: bool = False,
    xlsx: bool = False,
) -> StudyOutcome:
    """Scenarios side by side on the same random numbers (the first one's seed and
    replications): each target's dates per scenario and the probability one reaches it before
    another; writes compare.json (its targets are `found`). `labels` name the scenarios
    (default: their files). With `plots`, draws compare.png (each target's dates in each
    scenario side by side) and target_chart.png (each scenario's target chart side by side)."""
    options = _Options(
        replications=replications, seed=seed, jobs=jobs, scheduler=scheduler, scheduler_timeout=scheduler_timeout,
        resume=resume, progress=progress, plots=plots, svg=svg, xlsx=xlsx,
    )  # fmt: skip
    loaded = list(scenarios)
    if len(loaded) < 2:
        raise UsageError("compare needs at least two scenario files")
    _check(options, loaded)
    names = [str(x) for x in labels] if labels is not None else [item.file for item in loaded]
    if len(names) != len(loaded):
        raise UsageError(f"compare: {len(names)} labels for {len(loaded)} scenarios")
    if len(set(names)) != len(names):
        raise UsageError("compare: a scenario file is named twice")
    folder = study_out("compare", None, out)

    def work() -> StudyOutcome:
        written = _Written()
        targets = list(dict.fromkeys(t.name for item in loaded for t in item.scenario.targets))
        totals = tuple(dict.fromkeys(t for item in loaded for t in totals_of(item.scenario)))
        # each scenario's goals come from itself as written (built through the shared point builder)
        points = [transformed_point(item, label, None) for label, item in zip(names, loaded, strict=True)]
        goals = {label: goal_table(item.scenario) for label, item in zip(names, loaded, strict=True)}
        extra = {"files": names, "sha256s": [x.sha256 for x in loaded], "goals": goals}
        base = _study("compare", options, loaded[0], ("scenario",), points, extra)
        study = Study(
            base.command, base.columns, base.points, tuple(targets), totals, base.seed, base.replications, base.meta
        )
        resolved = {f"scenario{i}.resolved.yaml": item for i, item in enumerate(loaded, start=1)}
        store = _execute(options, folder, study, resolved, written)
        years, failed = years_array(study, store.runs())
        store.close()
        has = np.array([[t in {x.name for x in item.scenario.targets} for t in targets] for item in loaded])
        deadlines = [{t.name: (t.product, t.by) for t in item.scenario.targets} for item in loaded]
        starts = [x.scenario.start for x in loaded]
        result = compare_study.comparison(names, starts, targets, years, has, failed, deadlines)
        spans = {
            label: {"start": x.scenario.start.isoformat(), "horizon_years": round(in_years(x.scenario.horizon), 6)}
            for label, x in zip(names, loaded, strict=True)
        }
        write_json(
            folder / "compare.json",
            {"seed": study.seed, "replications": study.replications, "spans": spans, "targets": result},
        )
        written.printed.append(compare_table(names, result))
        return _finished("compare", options, folder, written, ("compare.json",), found=result)

    return _in_folder(folder, work)


# -- audit ------------------------------------------------------------------------------------
def change_fraction(change: str | float) -> float:
    """An audit's change: a percentage (`"10%"`) or a fraction (`0.1`) above zero."""
    if isinstance(change, str):
        try:
            value = parse_percentage(change)
        except UnitError as exc:
            raise UsageError(str(exc)) from None
    else:
        value = float(change)
    if not value > 0:
        raise UsageError(f"must be above zero, got {change!r}")
    return value


def audit(
    *,
    scenario: LoadedScenario,
    change: str | float = audit_study.DEFAULT_CHANGE,
    out: str | os.PathLike[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    scheduler: Scheduler | None = None,
    scheduler_timeout: float = DASK_TIMEOUT,
    resume: bool = False,
    progress: bool = True,
    plots: bool = False,
    svg: bool = False,
    xlsx: bool = False,
) -> StudyOutcome:
    """More of each budget, capacity, supply and workforce ceiling by `change` and one dock
    more at each shipyard, on the same random numbers; writes audit.json and audit.csv. The
    outcome's `passed` is False when there is an anomaly or a run failed; `found` is the
    `AuditResult`."""
    try:
        fraction = change_fraction(change)
    except UsageError as exc:
        raise UsageError(f"--change: {exc}") from None
    options = _Options(
        replications=replications, seed=seed, jobs=jobs, scheduler=scheduler, scheduler_timeout=scheduler_timeout,
        resume=resume, progress=progress, plots=plots, svg=svg, xlsx=xlsx,
    )  # fmt: skip
    _check(options, [scenario])
    folder = study_out("audit", scenario.file, out)

    def work() -> StudyOutcome:
        written = _Written()
        study, found = audit_study.audit_study(scenario, fraction, seed, replications)
        store = _execute(options, folder, study, {"scenario.resolved.yaml": scenario}, written)
        years, failed = years_array(study, store.runs())
        store.close()
        result = audit_study.analyse(scenario, study, found, years, failed)
        write_json(folder / "audit.json", result.document())
        write_csv(folder / "audit.csv", audit_study.CSV_HEADER, result.csv_rows())
        flagged = [row for row in result.rows if row.kind != audit_study.CLEAN]
        if flagged:
            written.printed.append(audit_table(flagged[:MAX_AUDIT_PRINTED], result.replications))
            if len(flagged) > MAX_AUDIT_PRINTED:
                written.printed.append(f"... {len(flagged) - MAX_AUDIT_PRINTED} more rows in audit.csv")
        written.printed.append(result.verdict())
        names = ("audit.json", "audit.csv")
        return _finished("audit", options, folder, written, names, passed=result.passed, found=result)

    return _in_folder(folder, work)
