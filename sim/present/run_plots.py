"""Which figures an output directory's results call for, drawn from the stored files only:
`rearm run` and the study commands draw through here after writing their results, and
`rearm plot DIR` / `rearm report DIR` draw the same figures from the same files later."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from sim.present.plots.budget import plot_budget
from sim.present.plots.capacity import plot_capacity
from sim.present.plots.data import RunData, load_run
from sim.present.plots.gantt import plot_gantt
from sim.present.plots.nations import plot_nations
from sim.present.plots.studies import study_figures
from sim.present.plots.study_data import StudyData, load_study
from sim.present.plots.style import save
from sim.present.plots.timeline import plot_timeline
from sim.present.plots.waiting import plot_waiting
from sim.studies.run import RunResult


@dataclass(frozen=True)
class FigureSpec:
    """A figure an output directory calls for: its file stem, a caption, and how to draw it."""

    name: str
    caption: str
    draw: Callable[[], Figure]


def run_figures(data: RunData) -> list[FigureSpec]:
    """The figures of a run, skipping those its results cannot support."""
    specs = [FigureSpec("timeline", "Deliveries, rate and capacity against each target", lambda: plot_timeline(data))]
    detail = data.detail or {}
    if detail.get("capacity") or detail.get("expansions"):
        specs.append(FigureSpec("capacity", "Installed capacity, supply and expansions", lambda: plot_capacity(data)))
    if detail.get("stages"):
        specs.append(FigureSpec("shipyard_gantt", "Shipyard stages by dock and hull", lambda: plot_gantt(data)))
    if detail.get("budgets"):
        specs.append(FigureSpec("budget", "Money appropriated, committed and lapsed", lambda: plot_budget(data)))
    if data.summary.get("nations"):
        specs.append(FigureSpec("nations", "Money by nation", lambda: plot_nations(data)))
    if data.summary.get("facilities"):
        specs.append(FigureSpec("waiting", "Where each facility's time goes", lambda: plot_waiting(data)))
    return specs


def figures_for(directory: Path, studies: bool = True) -> list[FigureSpec]:
    """Every figure the results stored in `directory` call for (run and study files alike;
    the run's only, without `studies`)."""
    specs: list[FigureSpec] = []
    run = load_run(directory)
    if run is not None:
        specs += run_figures(run)
    if not studies:
        return specs
    study: StudyData = load_study(directory)
    specs += [FigureSpec(name, caption, draw) for name, caption, draw in study_figures(study)]
    return specs


def write_plots(directory: Path, svg: bool = False) -> list[Path]:
    """Draw every figure `directory`'s results call for into it (PNG, plus SVG on request)."""
    written: list[Path] = []
    for spec in figures_for(directory):
        fig = spec.draw()
        written += save(fig, directory / f"{spec.name}.png", svg)
    return written


def write_run_plots(run: RunResult, out: Path, svg: bool = False) -> list[Path]:
    """Draw the run's plots into `out`, from the files `write_run` stored there (so that
    `rearm plot` redraws exactly these images); return their paths."""
    stored = out / "summary.json"
    if not stored.exists() or json.loads(stored.read_text(encoding="utf-8")) != run.summary:
        from sim.present.outputs import write_run

        write_run(run, out)
    return write_plots(out, svg)
