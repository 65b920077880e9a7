"""`allocate` as a library function: where extra money should go so the targets are met soonest.

The scenario as written is point 0 of the study; each candidate split the optimiser asks for
(`sim.studies.allocate.search`) becomes the next design point, appended to `results.sqlite`
(`Store.add_points`) and run on the study's executor for the search's replications, on the
same streams as every other point. The best few, the even split and the scenario as written are
then run on to the final replication count (their first replications are the ones already run).
A killed allocation resumes with `--resume`: the seeded optimiser asks the same candidates again,
and the runs the store holds are read, not run.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from sim import __version__
from sim.errors import UsageError
from sim.language.calendar import Clock
from sim.language.load import LoadedScenario
from sim.language.units import in_years
from sim.library.studies import StudyOutcome, _check, _finished, _in_folder, _Options, _prepare, _Written, study_out
from sim.present.allocation import allocation_csv_rows, allocation_lines
from sim.present.files import write_csv, write_json
from sim.studies import allocate as method
from sim.studies.evaluate import Point, Study, evaluate, open_store, totals_of, years_array
from sim.studies.executors import DASK_TIMEOUT, Scheduler, make_executor
from sim.studies.funding import ExtraMoney, Item, funded, parse_extra, parse_items
from sim.studies.goals import goal_table
from sim.studies.points import transformed_point
from sim.studies.progress import ProgressReport
from sim.studies.store import Store, design_cell

__all__ = ["DEFAULT_EVALUATIONS", "DEFAULT_SEARCH_REPLICATIONS", "allocate"]

DEFAULT_EVALUATIONS = 40
#: the search's replications per candidate unless told (the final re-run uses the scenario's)
DEFAULT_SEARCH_REPLICATIONS = 20
DEFAULT_TOP = 3


@dataclass
class _Search:
    """The growing study: its points, the store, and how to run pairs on the executor."""

    loaded: LoadedScenario
    money: ExtraMoney
    items: list[Item]
    study: Study
    store: Store
    executor: Any
    out: Any
    replications: int

    def add(self, shares: tuple[float, ...]) -> int:
        """A candidate as the next design point; its index."""
        transform = partial(funded, money=self.money, items=self.items, shares=list(shares))
        point = Point(shares, transformed_point(self.loaded, shares, transform).build)
        points = (*self.study.points, point)
        self.study = Study(**{**self.study.__dict__, "points": points})
        if not self.store.add_points({len(points) - 1: shares}):
            raise UsageError(
                f"{self.store.path} holds another search (its candidate {len(points) - 1} differs); "
                "drop --resume to start afresh, or choose another --out"
            )
        return len(points) - 1

    def run(self, points: list[int], replications: int) -> None:
        pairs = [(p, r) for p in points for r in range(replications)]
        evaluate(self.study, self.out, self.executor, progress=False, store=self.store, pairs=pairs)


def _deadlines(loaded: LoadedScenario) -> list[float | None]:
    clock = Clock(loaded.scenario.start)
    return [None if t.by is None else float(in_years(clock.day_of(t.by))) for t in loaded.scenario.targets]


def allocate(
    *,
    scenario: LoadedScenario,
    budget: str,
    over: str | None = None,
    start: str | None = None,
    objective: str = "lateness",
    weights: tuple[str, ...] = (),
    evaluations: int = DEFAULT_EVALUATIONS,
    top: int = DEFAULT_TOP,
    final_replications: int | None = None,
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
    """Split `budget` (`NAME=AMOUNT [CUR] [per year]`, from `start`) over `over` (budgets,
    facilities, expansions) to minimise `objective`; writes allocation.json, allocation.csv
    (and allocation.png with `plots`); `found` is the allocation document."""
    options = _Options(
        replications=replications, seed=seed, jobs=jobs, scheduler=scheduler, scheduler_timeout=scheduler_timeout,
        resume=resume, progress=progress, plots=plots, svg=svg, xlsx=xlsx,
    )  # fmt: skip
    _check(options, [scenario])
    try:
        import optuna  # noqa: F401
    except ImportError:
        raise UsageError("rearm allocate needs Optuna: pip install 'rearm[allocate]'") from None
    s = scenario.scenario
    money = parse_extra(budget, s, start)
    items = parse_items(over, s, money)
    targets = [t.name for t in s.targets]
    if not targets:
        raise UsageError("allocate: the scenario has no targets to meet")
    deadlines = _deadlines(scenario)
    goal = method.parse_objective(objective, targets, deadlines, weights)
    least = len(items) + 1 if len(items) > 1 else 1
    if evaluations < least:
        raise UsageError(f"--evaluations: at least {least} (the even split and each item alone)")
    search_reps = replications or min(s.replications, DEFAULT_SEARCH_REPLICATIONS)
    final_reps = max(final_replications or s.replications, search_reps)
    root = seed if seed is not None else s.seed
    folder = study_out("allocate", scenario.file, out)
    horizon = float(in_years(s.horizon))

    def work() -> StudyOutcome:
        begun = time.monotonic()
        written = _Written()
        meta = {
            "command": "allocate",
            "scenario": s.scenario,
            "file": scenario.file,
            "sha256": scenario.sha256,
            "overrides": list(scenario.overrides),
            "version": __version__,
            "goals": goal_table(s),
            "budget": budget,
            "from": money.start.isoformat(),
            "over": [i.path for i in items],
            "objective": objective,
            "weights": list(weights),
            "evaluations": evaluations,
            "search_replications": search_reps,
            "top": top,
            "batch": method.BATCH,
        }
        base = transformed_point(scenario, None, None)
        study = Study(
            "allocate", tuple(i.path for i in items), (Point((None,) * len(items), base.build),),
            tuple(targets), totals_of(s), root, final_reps, meta,
        )  # fmt: skip
        store = open_store(study, folder, options.resume)
        _prepare(folder, study, {"scenario.resolved.yaml": scenario})
        with make_executor(options.jobs, options.scheduler, options.scheduler_timeout) as executor:
            state = _Search(scenario, money, items, study, store, executor, folder, search_reps)
            state.run([0], search_reps)

            def values(points: list[int], reps: int) -> np.ndarray:
                n = len(state.study.points)  # (a resumed file may hold later candidates' runs too)
                years, failed = years_array(state.study, (row for row in state.store.runs() if row[0] < n))
                per = goal.per_run(years[:, :reps], failed[:, :reps], targets, deadlines, horizon)
                return per[points]

            def batch(shares: list[tuple[float, ...]]) -> list[float]:
                points = [state.add(x) for x in shares]
                state.run(points, search_reps)
                per = values(points, search_reps)
                return [goal.sign * float(np.mean(row)) if np.all(np.isfinite(row)) else np.nan for row in per]

            with ProgressReport(evaluations, "rearm allocate", enabled=options.progress, unit="candidate") as report:
                asked = method.search(batch, len(items), evaluations, root, lambda n: report.update(n - report.done))
            written_search = float(np.nanmean(values([0], search_reps)[0]))
            index = {x: i for i, x in enumerate(p.values for p in state.study.points)}
            found = {x: v if np.isfinite(v) else np.inf for x, v in asked}
            ranked = sorted(found, key=lambda x: found[x])
            even = index[method.shares_of(method.first_candidates(len(items))[0])]
            final = list(dict.fromkeys([index[x] for x in ranked[:top]] + [even, 0]))
            state.run(final, final_reps)
            per = values(final, final_reps)
        doc = _document(scenario, money, items, goal, state.study, asked, final, even, per, search_reps, final_reps)
        years, failed = years_array(state.study, state.store.runs())
        doc["targets"] = _targets(targets, deadlines, horizon, years, failed, final[0], final_reps)
        doc["as_written_search"] = written_search
        doc["run_time_s"] = round(time.monotonic() - begun, 1)
        _write(folder, state, doc)
        written.printed += allocation_lines(doc)
        if plots:
            from sim.present.allocation import write_allocation_figure

            write_allocation_figure(folder, doc, svg)
        state.store.close()
        names = ("allocation.json", "allocation.csv") + (("allocation.png",) if plots else ())
        no_plots = _Options(**{**options.__dict__, "plots": False})  # its own figure, not a sweep's
        return _finished("allocate", no_plots, folder, written, names, found=doc)

    return _in_folder(folder, work)


def _document(
    loaded: LoadedScenario,
    money: ExtraMoney,
    items: list[Item],
    goal: method.Objective,
    study: Study,
    asked: list[tuple[tuple[float, ...], float]],
    final: list[int],
    even: int,
    per: np.ndarray,
    search_reps: int,
    final_reps: int,
) -> dict[str, Any]:
    """allocation.json: the best split, the runners-up, the gains against the scenario as
    written and an even split, each with its 95% interval (paired on the same streams)."""
    s = loaded.scenario
    row = {p: i for i, p in enumerate(final)}

    def candidate(p: int) -> dict[str, Any]:
        mean, low, high = method.mean_interval(per[row[p]], goal.bounds)
        shares = study.points[p].values
        return {
            "point": p,
            "shares": dict(zip([i.path for i in items], shares, strict=True)) if p else None,
            "money": {i.path: round(money.amount * x, 2) for i, x in zip(items, shares, strict=True)} if p else None,
            "objective": mean,
            "interval": [low, high],
        }

    ranked = sorted((p for p in final if p != 0), key=lambda p: goal.sign * float(np.nanmean(per[row[p]])))
    best = ranked[0]

    def gain(against: int) -> dict[str, Any]:
        mean, low, high = method.mean_interval(goal.sign * (per[row[against]] - per[row[best]]), goal.gain_bounds)
        return {"mean": mean, "interval": [low, high]}

    return {
        "command": "allocate",
        "scenario": s.scenario,
        "file": loaded.file,
        "sha256": loaded.sha256,
        "seed": study.seed,
        "version": __version__,
        "currency": s.currency,
        "extra_money": {
            "name": money.name,
            "amount": money.amount,
            "yearly": money.yearly,
            "from": money.start.isoformat(),
            "text": money.text(s.currency),
        },  # fmt: skip
        "over": [i.path for i in items],
        "objective": {
            "kind": goal.kind,
            "target": goal.target,
            "weights": dict(goal.weights),
            "text": goal.describe(),
            "better": "lower" if goal.sign > 0 else "higher",
        },  # fmt: skip
        "optimiser": {
            "method": "Optuna TPE (seeded), even split and corners first",
            "batch": method.BATCH,
            "evaluations": len(asked),
            "distinct_candidates": len(dict.fromkeys(x for x, _ in asked)),
            "search_replications": search_reps,
            "final_replications": final_reps,
        },  # fmt: skip
        "best": candidate(best),
        "runners_up": [candidate(p) for p in ranked[1:]],
        "even_split": candidate(even),
        "as_written": candidate(0),
        "gain_vs_as_written": gain(0),
        "gain_vs_even_split": gain(even),
        "alone": {
            i.path: goal.sign * v if np.isfinite(v) else None for i, (_, v) in zip(items, asked[1:], strict=False)
        }
        if len(items) > 1
        else {},
        "search": [{"shares": list(x), "objective": goal.sign * v if np.isfinite(v) else None} for x, v in asked],
    }


def _targets(
    targets: list[str],
    deadlines: list[float | None],
    horizon: float,
    years: np.ndarray,
    failed: np.ndarray,
    best: int,
    reps: int,
) -> list[dict[str, Any]]:
    """Each target's mean years to reach (unreached: the horizon) and chance of being on time,
    as written and with the best split."""
    out = []
    for k, (name, d) in enumerate(zip(targets, deadlines, strict=True)):
        entry: dict[str, Any] = {"target": name, "deadline_years": d}
        for label, p in (("as_written", 0), ("best", best)):
            y = years[p, :reps, k][~failed[p, :reps]]
            entry[f"{label}_mean_years"] = float(np.mean(np.where(np.isnan(y), horizon, y))) if len(y) else None
            entry[f"{label}_reached"] = float(np.mean(~np.isnan(y))) if len(y) else None
            if d is not None and len(y):
                entry[f"{label}_on_time"] = float(np.mean(~np.isnan(y) & (y <= d)))
        out.append(entry)
    return out


def _write(folder: Any, state: _Search, doc: dict[str, Any]) -> None:
    """allocation.json, allocation.csv, the full design table and results.csv."""
    write_json(folder / "allocation.json", doc)
    header, rows = allocation_csv_rows(doc)
    write_csv(folder / "allocation.csv", header, rows)
    study = state.study
    write_csv(
        folder / "design.csv",
        ("point", *study.columns),
        ((i, *(design_cell(v) for v in p.values)) for i, p in enumerate(study.points)),
    )
    design = {row[0]: row[1:-1] for row in state.store.design_rows()}
    header2 = ("point", "replication", "seed", *study.columns, "error", *study.measures)
    runs = ((p, r, sd, *design[p], e, *m) for p, r, sd, e, *m in state.store.runs())
    write_csv(folder / "results.csv", header2, runs)
