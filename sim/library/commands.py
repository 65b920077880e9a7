"""`run` and `export` as library functions: typed, keyword-only, returning a result object
whose `printed` and `notes` are what the command line prints (on standard output and standard
error), so `rearm run` and `rearm export` only parse their arguments, call these and print."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import UsageError
from sim.language.limits import check_jobs
from sim.language.load import LoadedScenario
from sim.present.folder import PREVIOUS, StagedFolder
from sim.present.interop import export_directory, require_writers
from sim.present.names import scenario_labels
from sim.present.outputs import default_out_dir, write_run
from sim.present.table import targets_table
from sim.present.text import terminal_text
from sim.studies.binds import annotate, lines_of
from sim.studies.goals import fix_goals
from sim.studies.precision import PrecisionRun, precision
from sim.studies.progress import ProgressReport
from sim.studies.replications import default_jobs
from sim.studies.run import RunResult, run_scenario

__all__ = ["Exported", "RunOutcome", "export", "replaced_note", "run"]


@dataclass(frozen=True)
class RunOutcome:
    """A finished `rearm run`: the run in memory, its folder, the files written, and what the
    command prints (`printed` on standard output, `notes` on standard error). `grown` is the
    precision run when a precision was asked for."""

    run: RunResult
    out: Path
    written: tuple[Path, ...]
    printed: tuple[str, ...]
    notes: tuple[str, ...] = ()
    grown: PrecisionRun | None = None


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


def run(
    *,
    scenario: LoadedScenario,
    out: str | os.PathLike[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    precision_fraction: float | None = None,
    max_replications: int | None = None,
    plots: bool = True,
    svg: bool = False,
    xlsx: bool = False,
    bottlenecks: int | None = None,
    progress: bool = False,
) -> RunOutcome:
    """Run a scenario's replications (or, with `precision_fraction`, as many as each target's
    median date to ± that fraction needs) and write its folder whole: summary.json,
    timeline.csv, the resolved scenario, replication0.json, Parquet copies when pyarrow is
    installed, with `plots` the figures and report.html, with `xlsx` workbook.xlsx. The folder
    (`out`, default `outputs/<file stem>/`) is replaced at once at the end; the earlier result
    is kept as `<out>.previous`. With `bottlenecks` (replications per relaxation) a quick
    relaxation study goes into `<out>/bottlenecks/` and each target's `what_binds` in the summary
    is measured; `progress` shows a bar on standard error."""
    require_writers(xlsx=xlsx)
    if seed is not None and seed < 0:
        raise UsageError("--seed must be ≥ 0")
    workers = jobs or default_jobs()
    check_jobs(workers, default_jobs(), scenario.allow_large)
    folder = Path(out) if out is not None else default_out_dir(scenario.file)
    printed: list[str] = []
    grown: PrecisionRun | None = None
    staged = StagedFolder(folder)  # everything is written beside `folder`, swapped in whole at the end
    with staged as staging:
        if precision_fraction is not None:
            grown = precision(
                scenario=scenario, fraction=precision_fraction, replications=replications,
                max_replications=max_replications, seed=seed, jobs=workers,
            )  # fmt: skip
            printed.append(terminal_text("\n".join(grown.lines()), newlines=True) + "\n")
            result = grown.run
        else:
            n = replications or scenario.scenario.replications
            with ProgressReport(n, "rearm run", enabled=progress) as bar:
                result = run_scenario(scenario, replications, seed, workers, bar.update)
        binds_notes = (
            measure_binds(scenario, result, staging, bottlenecks, seed, workers, progress) if bottlenecks else []
        )
        written = write_run(result, staging)
        if plots:
            from sim.present.run_plots import write_run_plots

            written += write_run_plots(result, staging, svg=svg)
        written += export_directory(staging, xlsx=xlsx)
        if plots:
            from sim.present.report import write_report

            written.append(write_report(staging))  # the one file a newcomer can mail
    printed.append(targets_table(result.summary, scenario_labels(scenario.scenario)))
    note = replaced_note(staged, result.summary)
    notes = [terminal_text(line, newlines=True) for line in binds_notes] + ([note] if note else [])
    files = tuple(folder / p.relative_to(staging) for p in written)
    notes.append(f"\nwrote {', '.join(str(p) for p in files)}")
    return RunOutcome(result, folder, files, tuple(printed), tuple(notes), grown)


def measure_binds(
    scenario: LoadedScenario, result: RunResult, staging: Path, n: int, seed: int | None, jobs: int, progress: bool
) -> list[str]:
    """The relaxation study of `rearm run --bottlenecks` into `staging/bottlenecks`, its gains
    added to the run's summary as each target's `what_binds`; returns its notes."""
    from sim.library.studies import bottlenecks

    outcome = bottlenecks(
        scenario=scenario, out=staging / "bottlenecks", replications=n, seed=seed, jobs=jobs, progress=progress
    )
    source = f"measured by relaxing one constraint at a time, {n} replications each (bottlenecks/bottlenecks.json)"
    result.summary = annotate(result.summary, lines_of(fix_goals(scenario.scenario)), outcome.found, source)
    return list(outcome.notes)


@dataclass(frozen=True)
class Exported:
    """The Parquet files and workbook `export` wrote into `directory`."""

    directory: Path
    files: tuple[Path, ...]


def export(*, directory: str | os.PathLike[str], parquet: bool = True, xlsx: bool = False) -> Exported:
    """Write `<table>.parquet` beside each CSV table of a run's or study's folder and, with
    `xlsx`, workbook.xlsx (every table, one sheet each); refuses when nothing is asked for."""
    written = export_directory(Path(directory), parquet=parquet, xlsx=xlsx)
    if not written:
        raise UsageError("nothing to write: give --xlsx, or drop --no-parquet")
    return Exported(Path(directory), tuple(written))
