"""The files a run leaves in its output directory: summary.json, timeline.csv, the resolved
scenario (provenance), and the plots unless asked not to."""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.present.files import write_atomic, write_csv, write_json
from sim.studies.run import RunResult

TIMELINE_HEADER = ("date", "product", "measure", "p10", "p50", "p90", "mean")


def default_out_dir(scenario_file: str) -> Path:
    """outputs/<scenario file stem>/"""
    return Path("outputs") / Path(scenario_file).stem


def write_run(run: RunResult, out: Path) -> list[Path]:
    """Write the run's files into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    summary = out / "summary.json"
    timeline = out / "timeline.csv"
    resolved = out / "scenario.resolved.yaml"
    write_json(summary, run.summary)
    write_csv(timeline, TIMELINE_HEADER, run.timeline)
    header = (
        f"# resolved scenario: {run.loaded.file} (sha256 {run.loaded.sha256})\n"
        f"# overrides: {', '.join(run.loaded.overrides) or 'none'}\n"
    )
    write_atomic(resolved, header + yaml.safe_dump(run.loaded.data, sort_keys=False, allow_unicode=True))
    return [summary, timeline, resolved]
