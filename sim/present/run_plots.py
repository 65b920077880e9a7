"""Plots written by `rearm run` (the plotting issue replaces this with the full set)."""

from __future__ import annotations

from pathlib import Path

from sim.studies.run import RunResult


def write_run_plots(run: RunResult, out: Path) -> list[Path]:
    """Draw the run's plots into `out`; return their paths."""
    return []
