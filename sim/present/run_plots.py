"""Which figures an output directory's results call for, drawn from the stored files only:
`rearm run` and the study commands draw through here after writing their results, and
`rearm plot DIR` / `rearm report DIR` draw the same figures from the same files later."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from sim.present.plots.budget import budget_pages, plot_budget
from sim.present.plots.capacity import capacity_pages, plot_capacity
from sim.present.plots.customers import plot_customers
from sim.present.plots.data import RunData, load_run
from sim.present.plots.gantt import plot_gantt
from sim.present.plots.nations import plot_nations
from sim.present.plots.pages import page_name, page_note
from sim.present.plots.studies import study_figures
from sim.present.plots.study_data import StudyData, load_study
from sim.present.plots.style import save
from sim.present.plots.targets import plot_target_chart
from sim.present.plots.timeline import plot_timeline, timeline_pages
from sim.present.plots.waiting import plot_waiting
from sim.studies.run import RunResult


@dataclass(frozen=True)
class FigureSpec:
    """A figure an output directory calls for: its file stem, a caption, and how to draw it."""

    name: str
    caption: str
    draw: Callable[[], Figure]


def paged(
    name: str,
    caption: str,
    pages: Sequence[Any],
    data: RunData,
    draw: Callable[[Any, tuple[int, int]], Callable[[], Figure]],
    names: Callable[[Any], list[str]] = list,
) -> list[FigureSpec]:
    """One figure spec per page of a figure too big for one (`name`, `name_2`, ...): `draw`
    gets the page and (its index, the number of pages); `names` lists what a page shows."""
    count = len(pages)
    return [
        FigureSpec(page_name(name, i), caption + _of(names(page), data, i, count), draw(page, (i, count)))
        for i, page in enumerate(pages)
    ]


def run_figures(data: RunData) -> list[FigureSpec]:
    """The figures of a run, skipping those its results cannot support; a figure with more
    panels than a page holds is split (`timeline`, `timeline_2`, ...)."""
    specs: list[FigureSpec] = []
    if data.summary.get("targets"):
        specs.append(
            FigureSpec(
                "target_chart",
                "Every target: median date (dot), p10–p90 (bar), deadline (black mark), coloured by the chance "
                "of being on time",
                partial(plot_target_chart, data.summary, data.labels),
            )
        )
    pages = timeline_pages(data)
    specs += paged("timeline", "Deliveries, rate and capacity against each target", pages, data,
                   lambda page, at: partial(plot_timeline, data, products=page, page=at))  # fmt: skip
    detail = data.detail or {}
    if detail.get("capacity") or detail.get("expansions"):
        held = capacity_pages(data)
        specs += paged("capacity", "Installed capacity, supply and expansions", held, data,
                       lambda page, at: partial(plot_capacity, data, page=page, index=at),
                       lambda page: list(page.products))  # fmt: skip
    if detail.get("stages"):
        specs.append(FigureSpec("shipyard_gantt", "Shipyard stages by dock and hull", lambda: plot_gantt(data)))
    if detail.get("budgets"):
        groups = budget_pages(data)
        specs += paged("budget", "Money appropriated, committed and lapsed", groups, data,
                       lambda page, at: partial(plot_budget, data, names=page, page=at))  # fmt: skip
    if data.summary.get("nations"):
        specs.append(FigureSpec("nations", "Money by nation", lambda: plot_nations(data)))
    if data.summary.get("facilities"):
        specs.append(FigureSpec("waiting", "Where each facility's time goes", lambda: plot_waiting(data)))
    if data.customers:
        specs.append(FigureSpec("customers", "Deliveries by customer", lambda: plot_customers(data)))
    return specs


def _of(names: list[str], data: RunData, index: int, count: int) -> str:
    """': A, B and C (figure 2 of 3)' for a caption where a figure has several pages."""
    if count <= 1:
        return ""
    shown = ", ".join(data.words(n) for n in names) if names else "supply and expansions"
    return f": {shown}{page_note(index, count)}"


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


#: fewer figures than this are drawn in this process (starting workers would cost more)
PARALLEL_FROM = 4
_SPECS: dict[Path, dict[str, FigureSpec]] = {}  # a drawing worker's figures, read once per folder


def _draw_one(directory: Path, name: str, svg: bool) -> list[Path]:
    """Draw and save one figure of `directory` (in a worker: its results are read once)."""
    if directory not in _SPECS:
        _SPECS[directory] = {s.name: s for s in figures_for(directory)}
    return save(_SPECS[directory][name].draw(), directory / f"{name}.png", svg)


def drawing_workers(count: int, jobs: int | None = None) -> int:
    """How many processes draw `count` figures: one per figure up to `jobs` (default: the
    machine's cores), and none beside this one for a few figures."""
    if count < PARALLEL_FROM:
        return 1
    return max(1, min(count, jobs or os.cpu_count() or 1))


def write_plots(directory: Path, svg: bool = False, jobs: int | None = None) -> list[Path]:
    """Draw every figure `directory`'s results call for into it (PNG, plus SVG on request),
    figures in parallel over `jobs` processes (default: the machine's cores): each worker
    reads the stored files and draws whole figures, so the images are those of a serial draw."""
    specs = figures_for(directory)
    written = _draw_all(directory, specs, svg, jobs)
    _remove_old_pages(directory, specs, written)
    return written


def _remove_old_pages(directory: Path, specs: list[FigureSpec], written: list[Path]) -> None:
    """Remove the later pages an earlier drawing left (`timeline_5.png` when the results now
    call for four), so the folder holds only the figures of its results."""
    stems = {re.sub(r"_\d+$", "", s.name) for s in specs}
    kept = set(written)
    for path in directory.iterdir():
        match = re.fullmatch(r"(.+)_(\d+)\.(png|svg)", path.name)
        if match and match.group(1) in stems and int(match.group(2)) >= 2 and path not in kept:
            path.unlink()


def _draw_all(directory: Path, specs: list[FigureSpec], svg: bool, jobs: int | None) -> list[Path]:
    """Each figure drawn and saved, in parallel where there are enough of them."""
    workers = drawing_workers(len(specs), jobs)
    if workers <= 1:
        return [path for spec in specs for path in save(spec.draw(), directory / f"{spec.name}.png", svg)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    if context.get_start_method() == "fork":  # forked workers inherit the files as read here
        _SPECS[directory] = {s.name: s for s in specs}
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        try:
            drawn = list(pool.map(_draw_one, repeat(directory), [s.name for s in specs], repeat(svg)))
        finally:
            _SPECS.pop(directory, None)
        return [path for paths in drawn for path in paths]


def write_run_plots(run: RunResult, out: Path, svg: bool = False, jobs: int | None = None) -> list[Path]:
    """Draw the run's plots into `out`, from the files `write_run` stored there (so that
    `rearm plot` redraws exactly these images); return their paths."""
    stored = out / "summary.json"
    if not stored.exists() or json.loads(stored.read_text(encoding="utf-8")) != run.summary:
        from sim.present.outputs import write_run

        write_run(run, out)
    return write_plots(out, svg, jobs)
