"""The files a run leaves in its output directory: summary.json, timeline.csv, the resolved
scenario (provenance), replication0.json (one replication's history, so plots can be redrawn
without simulating), and the plots unless asked not to."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from sim.present.files import write_atomic, write_csv, write_json
from sim.studies.run import RunResult

TIMELINE_HEADER = ("date", "product", "measure", "p10", "p50", "p90", "mean", "customer")


def default_out_dir(scenario_file: str) -> Path:
    """The default output directory: outputs/<scenario file stem>/."""
    return Path("outputs") / Path(scenario_file).stem


def write_run(run: RunResult, out: Path) -> list[Path]:
    """Write the run's files into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    summary = out / "summary.json"
    timeline = out / "timeline.csv"
    resolved = out / "scenario.resolved.yaml"
    detail = out / "replication0.json"
    write_json(summary, run.summary)
    write_json(detail, first_replication_detail(run))
    write_csv(timeline, TIMELINE_HEADER, run.timeline)
    header = (
        f"# resolved scenario: {run.loaded.file} (sha256 {run.loaded.sha256})\n"
        f"# overrides: {', '.join(run.loaded.overrides) or 'none'}\n"
    )
    write_atomic(resolved, header + yaml.safe_dump(run.loaded.data, sort_keys=False, allow_unicode=True))
    return [summary, timeline, resolved, detail]


def first_replication_detail(run: RunResult) -> dict[str, Any]:
    """`replication0.json`: replication 0's history and every replication's target days.

    Replications keep measures, not records; the run kept replication 0's history
    (`RunResult.detail`), so nothing is simulated here."""
    scenario = run.loaded.scenario
    detail = dict(run.detail)
    detail["target_days"] = {
        t.name: [None if math.isnan(r.target_days[i]) else round(float(r.target_days[i]), 4) for r in run.results]
        for i, t in enumerate(scenario.targets)
    }
    return detail
