"""The evaluator: design points × replications on an executor, streamed into `results.sqlite`.

A study is a list of design points, each able to build its validated scenario, plus a root
seed and a number of replications. Replication r of every point uses the stream
`replication_seed(seed, r)` (common random numbers, and the same runs as `rearm run`). Work
is sent as tasks of many (point, replication) pairs carrying validated scenario data and the
seed; each task's rows come back small (target dates and totals, no timelines) and are
written in one transaction. A point whose scenario is invalid is recorded with its error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from sim import __version__
from sim.errors import ScenarioError
from sim.language.schema import Scenario
from sim.language.units import in_years
from sim.metrics.goals import reported
from sim.studies.design_table import design_columns, design_values
from sim.studies.executors import Executor, ExecutorLost
from sim.studies.progress import ProgressReport
from sim.studies.replications import run_one
from sim.studies.store import Row, Store

MAX_PER_TASK = 50


@dataclass(frozen=True)
class Point:
    """One design point: its design-table values and how to build its scenario."""

    values: tuple[Any, ...]
    build: Callable[[], Scenario] = field(compare=False)


@dataclass(frozen=True)
class Study:
    """What to run: points × replications from one root seed, and what to measure."""

    command: str
    columns: tuple[str, ...]
    points: tuple[Point, ...]
    targets: tuple[str, ...]
    totals: tuple[str, ...]
    seed: int
    replications: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def measures(self) -> list[str]:
        """The measured columns: `years_to_reach:<target>` for each target, the totals, then
        `threshold:<target>`, the threshold each target was measured against (per year for a
        rate or a capacity)."""
        years = [f"years_to_reach:{t}" for t in self.targets]
        return years + list(self.totals) + [f"threshold:{t}" for t in self.targets]

    def fingerprint(self) -> str:
        """A hash of everything that decides the study's results (for a safe `--resume`)."""
        doc = {
            "command": self.command,
            "columns": self.columns,
            "seed": self.seed,
            "replications": self.replications,
            "measures": self.measures,
            "meta": self.meta,
            "points": [[str(v) for v in p.values] for p in self.points],
            "version": __version__,
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Task:
    """A batch of runs sent to a worker: scenario data and seeds only."""

    seed: int
    targets: tuple[str, ...]
    totals: tuple[str, ...]
    items: tuple[tuple[int, int], ...]
    scenarios: dict[int, Scenario]


def totals_of(scenario: Scenario) -> tuple[str, ...]:
    """Key totals per run: `delivered:<product>` at the horizon and `spent:<budget>`."""
    return tuple([f"delivered:{p}" for p in scenario.products] + [f"spent:{b}" for b in scenario.budgets])


def run_task(task: Task) -> list[Row]:
    """Run a task's (point, replication) pairs: (point, replication, seed, error, *measures)."""
    rows: list[Row] = []
    for point, replication in task.items:
        scenario = task.scenarios[point]
        try:
            result = run_one(scenario, task.seed, replication)
        except Exception as exc:  # noqa: BLE001 - a failing run is recorded and the study goes on
            rows.append(
                (
                    point,
                    replication,
                    task.seed,
                    f"{type(exc).__name__}: {exc}",
                    *[None] * (2 * len(task.targets) + len(task.totals)),
                )
            )
            continue
        rows.append((point, replication, task.seed, None, *_measures(scenario, result, task.targets, task.totals)))
    return rows


def _measures(scenario: Scenario, result: Any, targets: Sequence[str], totals: Sequence[str]) -> list[float | None]:
    days = {t.name: float(d) for t, d in zip(scenario.targets, result.target_days, strict=True)}
    out: list[float | None] = []
    for name in targets:
        d = days.get(name, float("nan"))
        out.append(None if np.isnan(d) else in_years(d))
    products, budgets = scenario.products, list(scenario.budgets)
    for name in totals:
        kind, _, what = name.partition(":")
        if kind == "delivered" and what in products:
            out.append(float(result.end[products.index(what), 0]))
        elif kind == "spent" and what in budgets:
            out.append(float(result.budgets[budgets.index(what), 1]))
        else:
            out.append(None)
    thresholds = {t.name: reported(t, t.fixed_threshold) for t in scenario.targets}
    return out + [thresholds.get(name) for name in targets]


def per_task(runs: int, workers: int) -> int:
    """Runs per task: enough to amortise sending, few enough to keep every worker busy."""
    return max(1, min(MAX_PER_TASK, -(-runs // (workers * 4))))


def _tasks(
    study: Study, todo: Iterable[tuple[int, int]], size: int, store: Store, progress: ProgressReport
) -> Iterator[Task]:
    """Tasks over the pairs still to run (point-major); an invalid point's runs are recorded
    with its error instead."""
    blank = [None] * len(study.measures)
    items: list[tuple[int, int]] = []
    scenarios: dict[int, Scenario] = {}
    for point, group in groupby(todo, key=itemgetter(0)):
        replications = [r for _, r in group]
        try:
            scenario = study.points[point].build()
        except ScenarioError as exc:
            error = str(exc)
            store.record_error(point, error, [(point, r, study.seed, error, *blank) for r in replications])
            progress.update(len(replications))
            continue
        for replication in replications:
            items.append((point, replication))
            scenarios[point] = scenario
            if len(items) >= size:
                yield Task(study.seed, study.targets, study.totals, tuple(items), scenarios)
                items, scenarios = [], {}
    if items:
        yield Task(study.seed, study.targets, study.totals, tuple(items), scenarios)


def open_store(study: Study, out: Path, resume: bool = False) -> Store:
    """`out/results.sqlite` for this study: created afresh, or reopened to resume (refused if it
    holds a different study)."""
    out.mkdir(parents=True, exist_ok=True)
    return Store.open(
        out,
        study.fingerprint(),
        design_columns(study.command, study.columns),
        study.measures,
        [(design_values(study.command, p.values), None) for p in study.points],
        {**study.meta, "seed": study.seed, "replications": study.replications},
        resume,
    )


def evaluate(
    study: Study,
    out: Path,
    executor: Executor,
    resume: bool = False,
    progress: bool = True,
    store: Store | None = None,
    pairs: Sequence[tuple[int, int]] | None = None,
) -> Store:
    """Run every (point, replication) not yet in `out/results.sqlite` (or in `store`, if opened
    already), or only those of `pairs` (point-major; an optimiser's candidates); return the
    open store."""
    store = store or open_store(study, out, resume)
    done = store.finished()
    if pairs is None:
        total = len(study.points) * study.replications
        todo: Iterable[tuple[int, int]] = (
            (p, r) for p in range(len(study.points)) for r in range(study.replications) if (p, r) not in done
        )
        left = total - len(done)
    else:
        total = len(pairs)
        todo = [pair for pair in pairs if pair not in done]
        left = len(todo)
    with ProgressReport(total, f"rearm {study.command}", done=total - left, enabled=progress) as report:
        tasks = _tasks(study, todo, per_task(left, executor.workers), store, report)
        try:
            for rows in executor.map_unordered(run_task, tasks):
                store.write_runs(rows)
                report.update(len(rows))
        except ExecutorLost as exc:
            raise ExecutorLost(f"{exc}; {kept(store, total)}") from None
        except KeyboardInterrupt:
            raise StudyInterrupted(f"interrupted; {kept(store, total)}") from None
    return store


class StudyInterrupted(KeyboardInterrupt):
    """Ctrl-C during a study, saying what was kept (the finished runs, for `--resume`)."""


def kept(store: Store, total: int) -> str:
    """What an interrupted study leaves: `N of M runs are kept in PATH; ...--resume`."""
    return (
        f"{len(store.finished()):,} of {total:,} runs are kept in {store.path}; "
        "run the same command with --resume to finish the study"
    )


def years_array(study: Study, runs: Iterable[Row]) -> tuple[np.ndarray, np.ndarray]:
    """Points × replications × targets of years to reach (NaN: not reached, or the run failed),
    and points × replications: True where the run failed."""
    years = np.full((len(study.points), study.replications, len(study.targets)), np.nan)
    failed = np.zeros((len(study.points), study.replications), dtype=bool)
    k = len(study.targets)
    for row in runs:
        point, replication = int(row[0]), int(row[1])
        failed[point, replication] = row[3] is not None
        years[point, replication] = [np.nan if v is None else float(v) for v in row[4 : 4 + k]]
    return years, failed
