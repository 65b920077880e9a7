"""The Python API: the command line's verbs as functions that return plain objects.

    from sim import api as rearm

    scenario = rearm.load("scenarios/european_155mm.yaml", overrides=["budgets.asap.growth=5%"])
    result = rearm.run(scenario, replications=50, jobs=2)
    result.summary            # the summary.json document, a dict
    result.targets()          # one row per target (a pandas DataFrame)
    result.to_frame()         # the monthly timeline, long format (a pandas DataFrame)

Everything here is a thin wrapper over the same functions the CLI calls, so a notebook and
`rearm run` give identical numbers for the same scenario, overrides and seed. The DataFrame
methods need pandas (`pip install 'rearm[analysis]'`); `tables()` gives the same data without it.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import UsageError
from sim.language.from_mapping import (
    DICT_FILE,
    SCENARIO_FILE,
    Overrides,
    load_file,
    load_mapping,
    load_validated,
    overridden,
)
from sim.language.json_schema import scenario_json_schema
from sim.language.load import LoadedScenario
from sim.language.schema import Scenario
from sim.language.templates import write_starter
from sim.language.units import in_years
from sim.language.validation import Validation, validate_files
from sim.library import studies
from sim.library.commands import export as export_folder
from sim.library.model_function import ModelFunction
from sim.library.model_function import model_function as _model_function
from sim.library.studies import COMPARE_OUT, StudyOutcome, unused_folder
from sim.present import redraw
from sim.present.interop import Table, date_columns, export_directory, summary_tables
from sim.present.notebook import (
    StudySnapshot,
    read_snapshot,
    run_html,
    run_repr,
    study_html,
    study_repr,
    with_base_units,
)
from sim.present.outputs import TIMELINE_HEADER, default_out_dir, write_run
from sim.studies.audit import DEFAULT_CHANGE
from sim.studies.executors import Scheduler
from sim.studies.parameters import parameters_from
from sim.studies.precision import MedianInterval, PrecisionRun
from sim.studies.precision import precision as grow_to_precision
from sim.studies.progress import shown_anywhere
from sim.studies.run import RunResult, run_scenario

if TYPE_CHECKING:  # pandas is an optional extra
    import pandas as pd

__all__ = [
    "PrecisionResults",
    "RunResults",
    "StudyResults",
    "allocate",
    "audit",
    "bottlenecks",
    "compare",
    "export",
    "frame",
    "load",
    "model_function",
    "new",
    "plot",
    "precision",
    "report",
    "run",
    "schema",
    "sensitivity",
    "study",
    "sweep",
    "validate",
]

PathLike = str | os.PathLike[str]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "this method returns a pandas DataFrame and pandas is not installed: "
            "pip install 'rearm[analysis]' (or use .tables(), which needs no pandas)"
        ) from None
    return pandas


def frame(table: Table) -> pd.DataFrame:
    """A `Table` as a pandas DataFrame, its ISO-date columns as datetimes."""
    pandas = _pandas()
    df = pandas.DataFrame(table.rows, columns=table.columns)
    for column in date_columns(table):
        df[column] = pandas.to_datetime(df[column])
    return df


def load(
    scenario: LoadedScenario | Scenario | Mapping[str, Any] | PathLike,
    overrides: Overrides = (),
    allow_large: bool | None = None,
) -> LoadedScenario:
    """A validated scenario from a file path, a dict (the plain data a YAML file gives, such as
    `{"scenario": "x", "start": "2025-01-01", ...}`), a validated `Scenario`, or what `load`
    returned, with overrides as a mapping (`{"facilities.x.capacity": "40k per year"}`, values
    as the language writes them or numbers in base units) or as `--set` strings
    (`["facilities.x.docks=3"]`).

    Raises `sim.errors.ScenarioError` listing every problem (each `file:line: key: message`;
    `<dict>: key: message` for a dict). The result carries the validated `.scenario`, the
    `.file` (`<dict>` for a dict), the `.sha256` of the file's bytes or of the dict's canonical
    JSON, and the `.overrides`.
    """
    if isinstance(scenario, LoadedScenario):
        return overridden(scenario, overrides, allow_large) if _given(overrides) else scenario
    if isinstance(scenario, Scenario):
        if _given(overrides):
            return overridden(load_validated(scenario, allow_large), overrides, allow_large)
        return load_validated(scenario, allow_large)
    if isinstance(scenario, Mapping):
        return load_mapping(scenario, overrides, allow_large)
    if isinstance(scenario, (str, os.PathLike)):
        return load_file(os.fspath(scenario), overrides, allow_large)
    raise TypeError(
        f"load() takes a scenario file path, a dict, a Scenario or a loaded scenario, not {type(scenario).__name__}"
    )


def _given(overrides: Overrides) -> bool:
    """Whether any override is given (a single string is passed on, to be refused clearly)."""
    return isinstance(overrides, str) or bool(overrides if isinstance(overrides, Mapping) else list(overrides))


def new(path: PathLike, kind: str = "munitions", force: bool = False) -> Path:
    """Write a commented starter scenario (munitions, vehicles, shipyard or all), as `rearm new`."""
    return write_starter(Path(path), kind, force=force)


def schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, as `rearm schema` prints it."""
    return scenario_json_schema()


def run(
    scenario: LoadedScenario | Scenario | Mapping[str, Any] | PathLike,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    overrides: Overrides = (),
) -> RunResults:
    """Run a scenario's replications (default: the scenario's own count and seed), as `rearm run`.

    `scenario` is anything `load` takes (a path, a dict, a `Scenario`, what `load` returned);
    `overrides` apply on top. Results do not depend on `jobs`, the number of worker processes.
    """
    return RunResults(run_scenario(load(scenario, overrides), replications, seed, jobs))


@dataclass(frozen=True, repr=False)
class RunResults:
    """A finished run, in memory. `summary` is the summary.json document; the methods give its
    parts as tables."""

    run: RunResult
    folders: list[Path] = field(default_factory=list, compare=False)  # where write() put its files

    def __repr__(self) -> str:
        return run_repr(self.summary, os.fspath(self.folders[-1]) if self.folders else None)

    def _repr_html_(self) -> str:
        written = os.fspath(self.folders[-1]) if self.folders else None
        return run_html(self.summary, self.tables()["targets"], written)

    @property
    def summary(self) -> dict[str, Any]:
        """The summary.json document (provenance, targets, products, budgets, facilities)."""
        return self.run.summary

    @property
    def scenario(self) -> Scenario:
        """The validated scenario that ran."""
        return self.run.loaded.scenario

    def tables(self) -> dict[str, Table]:
        """Every table without pandas: summary, targets, products, budgets, facilities, timeline."""
        return {**summary_tables(self.summary), "timeline": Table(list(TIMELINE_HEADER), list(self.run.timeline))}

    def targets(self) -> pd.DataFrame:
        """One row per target: years_p10/p50/p90/mean to reach it, date_p10/p50/p90,
        reached_fraction and on_time_probability (None/NaN where not reached), the threshold
        as resolved: resolved_threshold, baseline, baseline_source, and the median's 95%
        interval: years_p50_low/high, date_p50_low/high. Dates are datetimes (NaT where not
        reached)."""
        pandas = _pandas()
        df = frame(self.tables()["targets"])
        for column in ("by", "date_p10", "date_p50", "date_p90", "date_p50_low", "date_p50_high"):
            if column in df.columns:
                df[column] = pandas.to_datetime(df[column])
        return df

    def products(self) -> pd.DataFrame:
        """One row per product and end-of-horizon measure: p10, p50, p90, mean."""
        return frame(self.tables()["products"])

    def budgets(self) -> pd.DataFrame:
        """One row per budget and fiscal year: the appropriation and the budget's totals."""
        return frame(self.tables()["budgets"])

    def facilities(self) -> pd.DataFrame:
        """One row per facility: utilisation and the share of time waiting for each cause."""
        return frame(self.tables()["facilities"])

    def to_frame(self) -> pd.DataFrame:
        """The monthly timeline in long format: date (datetime64), product, measure
        (delivered, rate, stock, capacity), p10, p50, p90, mean over replications."""
        pandas = _pandas()
        df = frame(self.tables()["timeline"])
        df["date"] = pandas.to_datetime(df["date"])
        return df

    def per_replication(self) -> pd.DataFrame:
        """One row per replication and target: years_to_reach (NaN where not reached)."""
        rows = [
            (r.replication, t.name, in_years(float(r.target_days[i])))
            for r in self.run.results
            for i, t in enumerate(self.scenario.targets)
        ]
        return _pandas().DataFrame(rows, columns=["replication", "target", "years_to_reach"])

    def write(self, out: PathLike, plots: bool = False, xlsx: bool = False, parquet: bool | None = None) -> list[Path]:
        """Write the run's files into `out` as `rearm run --out` does; `parquet` None writes
        Parquet only when pyarrow is installed; `xlsx` adds workbook.xlsx."""
        directory = Path(out)
        written = write_run(self.run, directory)
        self.folders.append(directory)
        if plots:
            from sim.present.run_plots import write_run_plots

            written += write_run_plots(self.run, directory)
        return written + export_directory(directory, parquet=parquet, xlsx=xlsx)


# -- studies ------------------------------------------------------------------------------------
# Each study is a library function (sim/library/studies.py) that the command line calls too;
# these wrappers take anything `load` takes, the parameters as a mapping or strings and the
# executor the caller made, then keep every table of the folder in memory.


@dataclass(frozen=True, repr=False)
class StudyResults:
    """A finished study: its output folder, what the command printed, and its tables as they were
    when it finished (kept in memory: a later study writing the same folder changes nothing here)."""

    command: str
    out: Path
    report: str
    snapshot: StudySnapshot

    @classmethod
    def read(cls, command: str, out: Path, report: str) -> StudyResults:
        """The study just written in `out`, read once."""
        return cls(command, out, report, read_snapshot(out))

    def __repr__(self) -> str:
        return study_repr(self.command, self.snapshot, self.out)

    def _repr_html_(self) -> str:
        return study_html(self.command, self.snapshot, self.out)

    def tables(self) -> dict[str, Table]:
        """Every table of the output folder without pandas (results, design, sensitivity, ...)."""
        return dict(self.snapshot.tables)

    def results(self) -> pd.DataFrame:
        """results.csv: one row per design point and replication, with `years_to_reach:<target>`
        columns; each varied path is a number in base units, beside `<path>:unit` and
        `<path>:written` (the value as the scenario language wrote it)."""
        return with_base_units(frame(self.snapshot.tables["results"]), self.snapshot.varied)

    def design(self) -> pd.DataFrame:
        """design.csv: one row per design point (varied paths as in `results()`)."""
        return with_base_units(frame(self.snapshot.tables["design"]), self.snapshot.varied)

    def bottlenecks(self) -> dict[str, list[dict[str, Any]]]:
        """bottlenecks.json: per target, the constraints relaxed and the months gained, largest first."""
        return copy.deepcopy(self.snapshot.documents["bottlenecks"])

    def audit(self) -> dict[str, Any]:
        """audit.json: provenance, the verdict and one entry per change × target."""
        return copy.deepcopy(self.snapshot.documents["audit"])

    def allocation(self) -> dict[str, Any]:
        """allocation.json: the best split, its objective with interval, runners-up and gains."""
        return copy.deepcopy(self.snapshot.documents["allocation"])

    def to_frame(self) -> pd.DataFrame:
        """The study's main table: sensitivity.csv, the bottleneck gains, audit.csv,
        allocation.csv, or results()."""
        main = {"sensitivity": "sensitivity", "bottlenecks": "bottlenecks", "audit": "audit"}.get(self.command)
        main = "allocation" if self.command == "allocate" else main
        return self.results() if main is None else frame(self.snapshot.tables[main])

    def export(self, xlsx: bool = True, parquet: bool | None = None) -> list[Path]:
        """Write workbook.xlsx and Parquet copies of the tables into the study's folder (refused
        once a later study has written that folder)."""
        self.snapshot.check_unchanged(self.out)
        return export_directory(self.out, parquet=parquet, xlsx=xlsx)


def _loaded(scenario: LoadedScenario | Scenario | Mapping[str, Any] | PathLike, command: str) -> LoadedScenario:
    """A scenario for a study: anything `load` takes, but not a validated `Scenario` (a study
    varies the scenario's data, which a `Scenario` no longer has)."""
    loaded = load(scenario)
    if loaded.file == SCENARIO_FILE:
        raise UsageError(
            f"{command}: a study varies the scenario's data, which a validated Scenario no longer has; "
            "load its file or dict instead"
        )
    return loaded


def _folder(loaded: LoadedScenario, command: str, out: PathLike | None) -> Path:
    """`out`, else `outputs/<file stem>/<command>/` (for a dict, the scenario's name as the
    stem), or where that holds a study already, the first of `<command>-2/`, `<command>-3/`, ...
    that holds none."""
    if out is not None:
        return Path(out)
    if loaded.file in (DICT_FILE, SCENARIO_FILE):
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", loaded.scenario.scenario).strip("._") or "scenario"
        return unused_folder(Path("outputs") / stem / command)
    return unused_folder(default_out_dir(loaded.file) / command)


def _progress(progress: bool | None) -> bool:
    """`progress`, or where not given: on in a Jupyter notebook (a `tqdm.auto` bar) or on a
    terminal, off in a script writing to a log or a pipe."""
    return shown_anywhere() if progress is None else progress


def _results(outcome: StudyOutcome) -> StudyResults:
    """The study just written, its tables read once into memory."""
    return StudyResults.read(outcome.command, outcome.out, outcome.report)


def sweep(
    scenario: LoadedScenario | Scenario | Mapping[str, Any] | PathLike,
    vary: Mapping[str, Any] | Sequence[str],
    method: str = "grid",
    samples: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: PathLike | None = None,
    executor: Scheduler | None = None,
    progress: bool | None = None,
) -> StudyResults:
    """`rearm sweep`: `vary` maps each path to its values (`{"facilities.x.capacity": ["40k per
    year", "50k per year"]}`) or a range (`{"budgets.b.growth": "1%:5%:3"}`), or is a list of
    `PATH=V1,V2,...` / `PATH=LO:HI:N` strings; `method` grid or lhs; `executor` a
    `concurrent.futures.Executor`, a Dask `Client` or a scheduler address."""
    loaded = _loaded(scenario, "sweep")
    return _results(
        studies.sweep(
            scenario=loaded,
            vary=parameters_from(vary, "vary"),
            method=method,
            samples=samples,
            out=_folder(loaded, "sweep", out),
            replications=replications,
            seed=seed,
            jobs=jobs,
            scheduler=executor,
            progress=_progress(progress),
        )  # fmt: skip
    )


def sensitivity(
    scenario: LoadedScenario | Scenario | Mapping[str, Any] | PathLike,
    params: Mapping[str, Any] | Sequence[str],
    method: str = "oat",
    samples: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: PathLike | None = None,
    executor: Scheduler | None = None,
    progress: bool | None = None,
) -> StudyResults:
    """`rearm sensitivity`: `params` maps each path to a range (`{"budgets.b.growth": "0%:5%"}`)
    or is a list of `PATH=LO:HI` strings; `method` oat, morris or sobol."""
    loaded = _loaded(scenario, "sensitivity")
    return _results(
        studies.sensitivity(
            scenario=loaded,
            params=parameters_from(params, "param"),
            method=method,
            samples=samples,
            out=_folder(loaded, "sensitivity", out),
            replications=replications,
            seed=seed,
            jobs=jobs,
            scheduler=executor,
            progress=_progress(progress),
        )  # fmt: skip
    )


def bottlenecks(
    scenario: LoadedScenario | Scenario | Mapping[str, Any] | PathLike,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: PathLike | None = None,
    executor: Scheduler | None = None,
    progress: bool | None = None,
) -> StudyResults:
    """`rearm bottlenecks`: relax each constraint in turn; `.bottlenecks()` gives the gains."""
    loaded = _loaded(scenario, "bottlenecks")
    return _results(
        studies.bottlenecks(
            scenario=loaded,
            out=_folder(loaded, "bottlenecks", out),
            replications=replications,
            seed=seed,
            jobs=jobs,
            scheduler=executor,
            progress=_progress(progress),
        )  # fmt: skip
    )


def audit(
    scenario: LoadedScenario | Scenario | Mapping[str, Any] | PathLike,
    change: str | float | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: PathLike | None = None,
    executor: Scheduler | None = None,
    progress: bool | None = None,
) -> StudyResults:
    """`rearm audit`: more of each budget, capacity, supply and workforce ceiling by `change`
    (default 10%; "10%" or 0.1) and one dock more at each shipyard, on the same random numbers;
    `.audit()` gives audit.json (its `passed` is False when there is an anomaly)."""
    loaded = _loaded(scenario, "audit")
    return _results(
        studies.audit(
            scenario=loaded,
            change=DEFAULT_CHANGE if change is None else change,
            out=_folder(loaded, "audit", out),
            replications=replications,
            seed=seed,
            jobs=jobs,
            scheduler=executor,
            progress=_progress(progress),
        )  # fmt: skip
    )


def allocate(
    scenario: LoadedScenario | Scenario | Mapping[str, Any] | PathLike,
    budget: str,
    over: str | Sequence[str] | None = None,
    start: str | None = None,
    objective: str = "lateness",
    weights: Sequence[str] = (),
    evaluations: int | None = None,
    top: int | None = None,
    final_replications: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: PathLike | None = None,
    executor: Scheduler | None = None,
    resume: bool = False,
    progress: bool | None = None,
) -> StudyResults:
    """`rearm allocate`: split `budget` (`"NAME=AMOUNT [CUR] [per year]"`, from `start`) over
    `over` (paths like `facilities.a`, `budgets.b`, `expansions.x`, as a list or one comma-separated
    string; all by default) to minimise `objective` (lateness, on_time or date:TARGET; `weights`
    as `TARGET=W`); `.allocation()` gives allocation.json."""
    from sim.library.allocate import DEFAULT_EVALUATIONS, DEFAULT_TOP
    from sim.library.allocate import allocate as _allocate

    loaded = _loaded(scenario, "allocate")
    return _results(
        _allocate(
            scenario=loaded,
            budget=budget,
            over=over if over is None or isinstance(over, str) else ",".join(over),
            start=start,
            objective=objective,
            weights=tuple(weights),
            evaluations=DEFAULT_EVALUATIONS if evaluations is None else evaluations,
            top=DEFAULT_TOP if top is None else top,
            final_replications=final_replications,
            out=_folder(loaded, "allocate", out),
            replications=replications,
            seed=seed,
            jobs=jobs,
            scheduler=executor,
            resume=resume,
            progress=_progress(progress),
        )  # fmt: skip
    )


def compare(
    scenarios: Sequence[LoadedScenario | PathLike],
    *,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: PathLike | None = None,
    progress: bool | None = None,
) -> StudyResults:
    """`rearm compare`: the scenarios side by side on the first one's random numbers, each
    labelled by its file; the output folder defaults to `outputs/compare/` (`-2`, `-3`, ...
    where that holds a study already)."""
    loaded = [_loaded(s, "compare") for s in scenarios]
    return _results(
        studies.compare(
            scenarios=loaded,
            labels=[x.file for x in loaded],
            out=unused_folder(COMPARE_OUT) if out is None else out,
            replications=replications,
            seed=seed,
            jobs=jobs,
            progress=_progress(progress),
        )  # fmt: skip
    )


#: the study functions by command name, for `study`
STUDIES: dict[str, Callable[..., StudyResults]] = {
    "sweep": sweep,
    "sensitivity": sensitivity,
    "bottlenecks": bottlenecks,
    "audit": audit,
    "allocate": allocate,
    "compare": compare,
}


def study(command: str, scenario: Any, /, **options: Any) -> StudyResults:
    """Any study by its command's name: `study("sweep", path, vary=[...])` is `sweep(path, vary=[...])`."""
    if command not in STUDIES:
        raise UsageError(f"{command!r} is not a study (one of {', '.join(STUDIES)})")
    return STUDIES[command](scenario, **options)


# -- the other commands -----------------------------------------------------------------------
def validate(
    files: Sequence[PathLike], *, overrides: Sequence[str] = (), allow_large: bool | None = None
) -> Validation:
    """`rearm validate`: check scenario files; `.ok`, `.valid` (file, scenario) and every
    `.problems` (`.raise_for_problems()` raises them as a `ScenarioError`)."""
    return validate_files(files=list(files), overrides=overrides, allow_large=allow_large)


def precision(
    scenario: LoadedScenario | PathLike,
    fraction: float,
    *,
    replications: int | None = None,
    max_replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
) -> PrecisionResults:
    """`rearm run --precision F`: replications until each target's median date is known to
    ±`fraction` (95% confidence); `.intervals`, `.met`, and the run as `RunResults`."""
    grown = grow_to_precision(
        scenario=load(scenario), fraction=fraction, replications=replications,
        max_replications=max_replications, seed=seed, jobs=jobs,
    )  # fmt: skip
    return PrecisionResults(RunResults(grown.run), grown)


@dataclass(frozen=True)
class PrecisionResults:
    """A run grown to a precision: the run (`.results`) and each target's median interval."""

    results: RunResults
    grown: PrecisionRun

    @property
    def intervals(self) -> list[MedianInterval]:
        """Each target's median and its 95% interval in years, and whether it is within the fraction."""
        return self.grown.intervals

    @property
    def met(self) -> bool:
        """Whether every target's interval is within the fraction asked for."""
        return self.grown.met


def plot(directory: PathLike, *, svg: bool = False) -> list[Path]:
    """`rearm plot DIR`: redraw every figure from the results stored in `directory` (no simulation)."""
    return list(redraw.plot(directory=directory, svg=svg).files)


def report(directory: PathLike) -> Path:
    """`rearm report DIR`: write `directory/report.html`, one self-contained file; its path."""
    return redraw.report(directory=directory).files[0]


def export(directory: PathLike, *, xlsx: bool = False, parquet: bool = True) -> list[Path]:
    """`rearm export DIR`: Parquet copies of each CSV table of a run's or study's folder and,
    with `xlsx`, workbook.xlsx; the paths written."""
    return list(export_folder(directory=directory, parquet=parquet, xlsx=xlsx).files)


def model_function(
    scenario: LoadedScenario | Mapping[str, Any] | PathLike,
    parameters: Sequence[str] | Mapping[str, tuple[float, float]],
    outputs: Sequence[str] | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    executor: Scheduler | None = None,
) -> ModelFunction:
    """The scenario as a callable `f(X) -> Y` for SALib's `ProblemSpec` and EMA Workbench:
    rows of parameter values in base units (the order of `parameters`; `{path: (low, high)}`
    also gives `f.problem`) in, rows of outputs (`years_to_reach:<target>` by default,
    `delivered:<product>`, `spent:<budget>`; medians over replications) out."""
    return _model_function(
        scenario=_loaded(scenario, "model_function"), parameters=parameters, outputs=outputs,
        replications=replications, seed=seed, jobs=jobs, scheduler=executor,
    )  # fmt: skip
