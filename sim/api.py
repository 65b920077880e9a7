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

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import UsageError
from sim.language.json_schema import scenario_json_schema
from sim.language.load import LoadedScenario, load_scenario
from sim.language.schema import Scenario
from sim.language.templates import write_starter
from sim.language.units import DAYS_PER_YEAR
from sim.language.validation import Validation, validate_files
from sim.library import studies
from sim.library.studies import StudyOutcome
from sim.present import redraw
from sim.present.interop import Table, directory_tables, export_directory, summary_tables
from sim.present.outputs import TIMELINE_HEADER, write_run
from sim.studies.audit import DEFAULT_CHANGE
from sim.studies.precision import MedianInterval, PrecisionRun
from sim.studies.precision import precision as grow_to_precision
from sim.studies.run import RunResult, run_scenario

if TYPE_CHECKING:  # pandas is an optional extra
    import pandas as pd

__all__ = [
    "PrecisionResults",
    "RunResults",
    "StudyResults",
    "audit",
    "bottlenecks",
    "compare",
    "frame",
    "load",
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
    """A `Table` as a pandas DataFrame (ISO-date columns stay strings; see `RunResults.to_frame`)."""
    return _pandas().DataFrame(table.rows, columns=table.columns)


def load(
    path: PathLike, overrides: list[str] | tuple[str, ...] = (), allow_large: bool | None = None
) -> LoadedScenario:
    """Read and validate a scenario file, with `--set`-style overrides (`"facilities.x.docks=3"`).

    Raises `sim.errors.ScenarioError` listing every problem (each `file:line: key: message`).
    The result carries the validated `.scenario`, the `.file`, its `.sha256` and the `.overrides`.
    """
    return load_scenario(os.fspath(path), tuple(overrides), allow_large)


def new(path: PathLike, kind: str = "munitions", force: bool = False) -> Path:
    """Write a commented starter scenario (munitions, vehicles, shipyard or all), as `rearm new`."""
    return write_starter(Path(path), kind, force=force)


def schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, as `rearm schema` prints it."""
    return scenario_json_schema()


def run(
    scenario: LoadedScenario | PathLike,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    overrides: list[str] | tuple[str, ...] = (),
) -> RunResults:
    """Run a scenario's replications (default: the scenario's own count and seed), as `rearm run`.

    `scenario` is what `load` returned, or a path (then `overrides` apply). Results do not
    depend on `jobs`, the number of worker processes.
    """
    if isinstance(scenario, LoadedScenario):
        if overrides:
            raise ValueError("give overrides to load(), or pass a path to run()")
        loaded = scenario
    else:
        loaded = load(scenario, overrides)
    return RunResults(run_scenario(loaded, replications, seed, jobs))


@dataclass(frozen=True)
class RunResults:
    """A finished run. `summary` is the summary.json document; the methods give its parts as tables."""

    run: RunResult

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
        reached_fraction and on_time_probability (None/NaN where not reached), and the threshold
        as resolved: resolved_threshold, baseline, baseline_source."""
        return frame(self.tables()["targets"])

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
            (r.replication, t.name, float(r.target_days[i]) / DAYS_PER_YEAR)
            for r in self.run.results
            for i, t in enumerate(self.scenario.targets)
        ]
        return _pandas().DataFrame(rows, columns=["replication", "target", "years_to_reach"])

    def write(self, out: PathLike, plots: bool = False, xlsx: bool = False, parquet: bool | None = None) -> list[Path]:
        """Write the run's files into `out` as `rearm run --out` does; `parquet` None writes
        Parquet only when pyarrow is installed; `xlsx` adds workbook.xlsx."""
        directory = Path(out)
        written = write_run(self.run, directory)
        if plots:
            from sim.present.run_plots import write_run_plots

            written += write_run_plots(self.run, directory)
        return written + export_directory(directory, parquet=parquet, xlsx=xlsx)


# -- studies ------------------------------------------------------------------------------------
# Each study is a library function (sim/library/studies.py) that the command line calls too;
# these wrappers take a path or a loaded scenario and return the folder's tables.


@dataclass(frozen=True)
class StudyResults:
    """A finished study: its output folder, what the command printed, and its tables."""

    command: str
    out: Path
    report: str

    def tables(self) -> dict[str, Table]:
        """Every table of the output folder without pandas (results, design, sensitivity, ...)."""
        derived, csvs, _ = directory_tables(self.out)
        return {**derived, **csvs}

    def results(self) -> pd.DataFrame:
        """results.csv: one row per design point and replication, with `years_to_reach:<target>` columns."""
        return frame(self.tables()["results"])

    def design(self) -> pd.DataFrame:
        """design.csv: one row per design point."""
        return frame(self.tables()["design"])

    def bottlenecks(self) -> dict[str, list[dict[str, Any]]]:
        """bottlenecks.json: per target, the constraints relaxed and the months gained, largest first."""
        data: dict[str, list[dict[str, Any]]] = json.loads((self.out / "bottlenecks.json").read_text(encoding="utf-8"))
        return data

    def audit(self) -> dict[str, Any]:
        """audit.json: provenance, the verdict and one entry per change × target."""
        data: dict[str, Any] = json.loads((self.out / "audit.json").read_text(encoding="utf-8"))
        return data

    def to_frame(self) -> pd.DataFrame:
        """The study's main table: sensitivity.csv, the bottleneck gains, audit.csv, or results.csv."""
        main = {"sensitivity": "sensitivity", "bottlenecks": "bottlenecks", "audit": "audit"}.get(
            self.command, "results"
        )
        return frame(self.tables()[main])

    def export(self, xlsx: bool = True, parquet: bool | None = None) -> list[Path]:
        """Write workbook.xlsx and Parquet copies of the tables into the study's folder."""
        return export_directory(self.out, parquet=parquet, xlsx=xlsx)


def _loaded(scenario: LoadedScenario | PathLike) -> LoadedScenario:
    """A loaded scenario as given, or the file at a path loaded."""
    return scenario if isinstance(scenario, LoadedScenario) else load(scenario)


def _results(outcome: StudyOutcome) -> StudyResults:
    return StudyResults(outcome.command, outcome.out, outcome.report)


def sweep(
    scenario: LoadedScenario | PathLike,
    vary: Sequence[str],
    method: str = "grid",
    samples: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: PathLike | None = None,
) -> StudyResults:
    """`rearm sweep`: `vary` holds `PATH=V1,V2,...` or `PATH=LO:HI:N`; `method` grid or lhs."""
    return _results(
        studies.sweep(
            scenario=_loaded(scenario),
            vary=list(vary),
            method=method,
            samples=samples,
            out=out,
            replications=replications,
            seed=seed,
            jobs=jobs,
            progress=False,
        )  # fmt: skip
    )


def sensitivity(
    scenario: LoadedScenario | PathLike,
    params: Sequence[str],
    method: str = "oat",
    samples: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: PathLike | None = None,
) -> StudyResults:
    """`rearm sensitivity`: `params` holds `PATH=LO:HI`; `method` oat, morris or sobol."""
    return _results(
        studies.sensitivity(
            scenario=_loaded(scenario),
            params=list(params),
            method=method,
            samples=samples,
            out=out,
            replications=replications,
            seed=seed,
            jobs=jobs,
            progress=False,
        )  # fmt: skip
    )


def bottlenecks(
    scenario: LoadedScenario | PathLike,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: PathLike | None = None,
) -> StudyResults:
    """`rearm bottlenecks`: relax each constraint in turn; `.bottlenecks()` gives the gains."""
    return _results(
        studies.bottlenecks(
            scenario=_loaded(scenario), out=out, replications=replications, seed=seed, jobs=jobs, progress=False
        )
    )


def audit(
    scenario: LoadedScenario | PathLike,
    change: str | float | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: PathLike | None = None,
) -> StudyResults:
    """`rearm audit`: more of each budget, capacity, supply and workforce ceiling by `change`
    (default 10%; "10%" or 0.1) and one dock more at each shipyard, on the same random numbers;
    `.audit()` gives audit.json (its `passed` is False when there is an anomaly)."""
    return _results(
        studies.audit(
            scenario=_loaded(scenario),
            change=DEFAULT_CHANGE if change is None else change,
            out=out,
            replications=replications,
            seed=seed,
            jobs=jobs,
            progress=False,
        )  # fmt: skip
    )


def compare(
    scenarios: Sequence[LoadedScenario | PathLike],
    *,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: PathLike | None = None,
) -> StudyResults:
    """`rearm compare`: the scenarios side by side on the first one's random numbers, each
    labelled by its file; the output folder defaults to `outputs/compare/`."""
    loaded = [_loaded(s) for s in scenarios]
    return _results(
        studies.compare(
            scenarios=loaded,
            labels=[x.file for x in loaded],
            out=out,
            replications=replications,
            seed=seed,
            jobs=jobs,
            progress=False,
        )  # fmt: skip
    )


#: the study functions by command name, for `study`
STUDIES: dict[str, Callable[..., StudyResults]] = {
    "sweep": sweep,
    "sensitivity": sensitivity,
    "bottlenecks": bottlenecks,
    "audit": audit,
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
        scenario=_loaded(scenario), fraction=fraction, replications=replications,
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
