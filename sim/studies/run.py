"""One scenario run end to end: replications, then the summary and timeline with provenance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sim import __version__
from sim.language.limits import check_replications
from sim.language.load import LoadedScenario
from sim.language.schema import Scenario
from sim.language.units import in_years
from sim.metrics.replication import ReplicationResult, month_grid
from sim.metrics.summary import summarise, timeline_rows
from sim.studies.binds import annotate, lines_of, programmes
from sim.studies.goals import fix_goals
from sim.studies.replications import Progress, run_replications


@dataclass
class RunResult:
    """A finished run: every replication's result and the summaries written from them."""

    loaded: LoadedScenario
    seed: int
    replications: int
    results: list[ReplicationResult]
    summary: dict[str, Any]
    dates: list[dt.date]
    timeline: list[tuple[Any, ...]]

    @property
    def detail(self) -> dict[str, Any]:
        """Replication 0's history (`replication0.json` without the target days), kept from
        the run itself: presentation draws from it and never simulates."""
        first = self.results[0]
        if first.replication != 0 or first.detail is None:
            raise ValueError("this run did not keep replication 0's history")
        return first.detail


def provenance(loaded: LoadedScenario, seed: int, replications: int) -> dict[str, Any]:
    """What identifies a run: scenario, file and hash, seed, replications, version."""
    s = loaded.scenario
    return {
        "scenario": s.scenario,
        "file": loaded.file,
        "sha256": loaded.sha256,
        "seed": seed,
        "replications": replications,
        "version": __version__,
        "start": s.start.isoformat(),
        "horizon_years": round(in_years(s.horizon), 6),
        "overrides": list(loaded.overrides),
    }


def run_summary(
    loaded: LoadedScenario, scenario: Scenario, results: list[ReplicationResult], seed: int, n: int
) -> dict[str, Any]:
    """`summary.json` of a run's `results` (`scenario`: the loaded one with its goals fixed),
    each target with its programme and what its lines waited for."""
    summary = summarise(scenario, results, provenance(loaded, seed, n), loaded.scenario)
    return annotate(summary, lines_of(scenario), programme_of=programmes(scenario))


def run_scenario(
    loaded: LoadedScenario,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
) -> RunResult:
    """Run a loaded scenario's replications and summarise them, its relative thresholds fixed
    once from the scenario as written."""
    scenario = fix_goals(loaded.scenario)
    n = replications if replications is not None else scenario.replications
    root = seed if seed is not None else scenario.seed
    check_replications(scenario, n, loaded.allow_large)
    results = run_replications(scenario, n, root, jobs, progress, detail_of=0)
    dates, _ = month_grid(scenario.start, scenario.horizon)
    summary = run_summary(loaded, scenario, results, root, n)
    return RunResult(loaded, root, n, results, summary, dates, timeline_rows(scenario, results, dates))
