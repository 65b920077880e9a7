"""Sweep figures from `results.csv`: median years to each target over one swept parameter
(a line with the p10–p90 band over replications), over two on a grid (a heatmap per target),
or against each of several sampled parameters (scatters)."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.language.base_units import DAYS, FRACTION, PER_DAY, in_base_units
from sim.language.units import in_years, per_year
from sim.metrics.summary import percentile_unreached_last
from sim.present.plots.pages import page_note
from sim.present.plots.study_data import YEARS, StudyData, as_float, finish, panel_figure
from sim.present.plots.style import LIGHT_GREY, SMALL, colour, legend_beside, plot_text, style_axes, thousands
from sim.studies.design_table import UNIT

Table = list[tuple[tuple[float, ...], dict[str, float]]]
Convert = Callable[[str], float]


def _percent(fraction: float) -> float:
    return fraction * 100


#: a base unit (`sim.language.base_units`) -> how an axis shows it: (conversion, unit's name)
SHOWN: dict[str, tuple[Callable[[float], float], str]] = {
    "": (float, ""),
    PER_DAY: (per_year, "per year"),
    DAYS: (in_years, "years"),
    FRACTION: (_percent, "%"),
}


def _shown(unit: str, text: str) -> float:
    return SHOWN[unit][0](in_base_units(text)[0])


def reader(values: list[str]) -> tuple[Convert, str] | None:
    """How to read every value as a number in one unit, read by the language
    (`in_base_units`) and shown as reports show it ("80k per year" -> 80,000 per year); None
    where some value is no number or the units differ."""
    read = [in_base_units(v) for v in values]
    units = {unit for _, unit in read}
    if any(math.isnan(x) for x, _ in read) or len(units) > 1:
        return None
    unit = units.pop() if units else ""
    return partial(_shown, unit), SHOWN[unit][1]


def stored_reader(rows: list[dict[str, str]], path: str) -> tuple[Convert, str] | None:
    """How to show a parameter stored as a number in base units beside its unit
    (`sim.studies.design_table`): no text parsed again; None where there is no unit column,
    the units differ, or some value is no number."""
    if not rows or path + UNIT not in rows[0]:
        return None
    units = {r[path + UNIT] for r in rows}
    unit = units.pop() if len(units) == 1 else None
    if unit not in SHOWN or any(math.isnan(as_float(r[path])) for r in rows):
        return None
    return (lambda text: SHOWN[unit][0](float(text))), SHOWN[unit][1]


def _ok(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [r for r in rows if not (r.get("error") or "").strip()]


def sweep_table(study: StudyData) -> tuple[list[str], list[str], Table]:
    """Axis names, targets and (parameter values, target -> years or NaN) per successful run.

    Values are read as numbers where they all can be (with their unit in the axis name);
    otherwise (dates, `when_funded`) they are numbered in order of appearance and
    `category_labels` names the numbers."""
    rows = _ok(study.results or [])
    targets = list(dict.fromkeys(k[len(YEARS) :] for r in rows[:1] for k in r if k.startswith(YEARS)))
    labels = category_labels(study)
    readers = {p: stored_reader(rows, p) or reader([r[p] for r in rows]) for p in study.parameters if p not in labels}
    names = [p + (f" ({readers[p][1]})" if readers.get(p) and readers[p][1] else "") for p in study.parameters]  # type: ignore[index]

    def value(p: str, text: str) -> float:
        read = readers.get(p)
        return float(labels[p].index(text)) if p in labels else read[0](text) if read else as_float(text)

    table = [
        (tuple(value(p, r[p]) for p in study.parameters), {t: as_float(r.get(YEARS + t)) for t in targets})
        for r in rows
    ]
    return names, targets, table


def category_labels(study: StudyData) -> dict[str, list[str]]:
    """Parameter -> its distinct values, for parameters whose values are not all numbers."""
    rows = _ok(study.results or [])
    out = {}
    for p in study.parameters:
        values = list(dict.fromkeys(r[p] for r in rows))
        if stored_reader(rows, p) is None and reader(values) is None:
            out[p] = values
    return out


def _categorical_axis(ax: Axes, axis: str, labels: list[str] | None) -> None:
    if labels:
        shown = [plot_text(label) for label in labels]
        (ax.set_xticks if axis == "x" else ax.set_yticks)(range(len(labels)), shown, fontsize=SMALL)
    else:
        thousands(ax, axis)


def _nan(x: float | None) -> float:
    return np.nan if x is None else x


#: The colour scale spans at least this many years, so a flat response looks flat.
MIN_COLOUR_SPAN_YEARS = 1.0
#: inches per heatmap panel
HEATMAP_IN = 3.2


def _median_by_point(table: Table, target: str) -> dict[tuple[float, ...], tuple[float, float, float, float]]:
    """Point -> (p10, p50, p90, share reached); unreached runs count as later than any."""
    groups: dict[tuple[float, ...], list[float]] = {}
    for values, years in table:
        groups.setdefault(values, []).append(years[target])
    out = {}
    for point, ys in sorted(groups.items()):
        arr = np.array(ys)
        p10, p50, p90 = (percentile_unreached_last(arr, p) for p in (0.1, 0.5, 0.9))
        out[point] = (_nan(p10), _nan(p50), _nan(p90), float(np.isfinite(arr).mean()))
    return out


def draw_sweep_line(
    ax: Axes, parameter: str, targets: list[str], table: list[Any], labels: list[str] | None = None
) -> None:
    """Median years to each target against the parameter, p10–p90 band where replicated."""
    for k, target in enumerate(targets):
        stats = _median_by_point(table, target)
        x = np.array([p[0] for p in stats])
        p10, p50, p90 = (np.array([s[i] for s in stats.values()]) for i in range(3))
        if len(table) > len(stats):
            band = ax.fill_between(x, p10, p90, color=colour(k), alpha=0.2, linewidth=0)
            band.set_gid("fan")
        ax.plot(x, p50, marker="o", color=colour(k), linewidth=1.8, label=f"{plot_text(target)} (median)")
    ax.set_xlabel(plot_text(parameter), fontsize=SMALL + 1)
    ax.set_ylabel("years to reach target", fontsize=SMALL + 1)
    _categorical_axis(ax, "x", labels)
    style_axes(ax)
    legend_beside(ax)
    ax.set_title("years to target over the swept parameter (gaps: median not reached)", fontsize=SMALL + 2, loc="left")


def _grid(table: Table, target: str) -> tuple[list[float], list[float], np.ndarray]:
    """The heatmap's x values, y values and grid of median years (NaN: median not reached)."""
    stats = _median_by_point(table, target)
    xs = sorted({p[0] for p in stats})
    ys = sorted({p[1] for p in stats})
    grid = np.full((len(ys), len(xs)), np.nan)
    for point, s in stats.items():
        grid[ys.index(point[1]), xs.index(point[0])] = s[1]
    return xs, ys, grid


def colour_scale(table: Table, targets: list[str]) -> tuple[float, float]:
    """One colour scale (years) for every heatmap of a sweep, so the same colour is the same
    number of years in each panel; at least `MIN_COLOUR_SPAN_YEARS` wide."""
    reached = np.concatenate([g[np.isfinite(g)] for g in (_grid(table, t)[2] for t in targets)] or [np.array([])])
    lo, hi = (float(reached.min()), float(reached.max())) if reached.size else (0.0, 1.0)
    if hi - lo < MIN_COLOUR_SPAN_YEARS:  # nearly equal cells get nearly equal colours
        mid = (hi + lo) / 2
        lo, hi = mid - MIN_COLOUR_SPAN_YEARS / 2, mid + MIN_COLOUR_SPAN_YEARS / 2
    return lo, hi


def draw_sweep_heatmap(
    ax: Axes,
    parameters: list[str],
    target: str,
    table: list[Any],
    labels: list[list[str] | None] | None = None,
    scale: tuple[float, float] | None = None,
) -> None:
    """Median years to `target` over a grid of two parameters (`labels`: category names per
    axis), coloured on `scale` (years; default: this target's own range)."""
    xs, ys, grid = _grid(table, target)
    reached = grid[np.isfinite(grid)]
    lo, hi = scale if scale is not None else colour_scale(table, [target])
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis_r", vmin=lo, vmax=hi)
    ax.set_facecolor(LIGHT_GREY)  # cells whose median is not reached
    for i in range(len(ys)):
        for j in range(len(xs)):
            value = grid[i, j]
            text = "not\nreached" if np.isnan(value) else f"{value:.1f}"
            dark = not np.isnan(value) and (value - lo) / (hi - lo) > 0.5  # viridis_r is dark at the top
            ax.text(j, i, text, ha="center", va="center", fontsize=SMALL - 1, color="white" if dark else "black")
    cats = labels or [None, None]
    names = [[c[int(v)] if c else f"{v:,.6g}" for v in vs] for c, vs in zip(cats, (xs, ys), strict=True)]
    ax.set_xticks(range(len(xs)), [plot_text(n) for n in names[0]], fontsize=SMALL)
    ax.set_yticks(range(len(ys)), [plot_text(n) for n in names[1]], fontsize=SMALL)
    ax.set_xlabel(plot_text(parameters[0]), fontsize=SMALL + 1)
    ax.set_ylabel(plot_text(parameters[1]), fontsize=SMALL + 1)
    ax.set_title(f"{plot_text(target)}: median years to reach", fontsize=SMALL + 2, loc="left")
    fig = ax.get_figure(root=True)
    assert fig is not None
    if not reached.size:
        return
    bar = fig.colorbar(image, ax=ax)
    bar.set_label("median years to reach target", fontsize=SMALL + 1)
    bar.ax.tick_params(labelsize=SMALL)


def draw_sweep_scatter(
    ax: Axes, parameter: str, index: int, targets: list[str], table: list[Any], labels: list[str] | None = None
) -> None:
    """Years to each target against one of several sampled parameters."""
    for k, target in enumerate(targets):
        x = [values[index] for values, _ in table]
        y = [years[target] for _, years in table]
        ax.plot(x, y, "o", markersize=3, alpha=0.6, color=colour(k), label=plot_text(target))
    ax.set_xlabel(plot_text(parameter), fontsize=SMALL + 1)
    ax.set_ylabel("years to reach target", fontsize=SMALL + 1)
    _categorical_axis(ax, "x", labels)
    style_axes(ax)
    legend_beside(ax)


def heatmap_targets(study: StudyData) -> list[str] | None:
    """The targets of a two-parameter grid sweep (one heatmap each), None for other sweeps."""
    parameters, targets, table = sweep_table(study)
    points = {values for values, _ in table}
    is_grid = len(parameters) == 2 and len(points) == len({p[0] for p in points}) * len({p[1] for p in points})
    return targets if is_grid else None


def plot_sweep(
    study: StudyData, ax: Axes | None = None, only: list[str] | None = None, page: tuple[int, int] = (0, 1)
) -> Figure:
    """Line (one parameter), heatmaps (two on a grid; of `only`, default all, on one colour
    scale across all targets) or scatters (more) of years to target."""
    parameters, targets, table = sweep_table(study)
    if not parameters or not targets or not table:
        raise ValueError("the sweep figure needs results.csv with parameter and years_to_reach columns")
    cats = category_labels(study)
    labels = [cats.get(p) for p in study.parameters]
    points = {values for values, _ in table}
    is_grid = len(parameters) == 2 and len(points) == len({p[0] for p in points}) * len({p[1] for p in points})
    if ax is not None:
        if len(parameters) == 1:
            draw_sweep_line(ax, parameters[0], targets, table, labels[0])
        elif is_grid:
            draw_sweep_heatmap(ax, parameters, targets[0], table, labels)
        else:
            draw_sweep_scatter(ax, parameters[0], 0, targets, table, labels[0])
        return ax.get_figure(root=True)  # type: ignore[return-value]
    if len(parameters) == 1:
        fig, axes = panel_figure(1, 3.6)
        draw_sweep_line(axes[0], parameters[0], targets, table, labels[0])
    elif is_grid:
        scale = colour_scale(table, targets)
        chosen = [t for t in targets if only is None or t in only]
        fig, axes = panel_figure(len(chosen), HEATMAP_IN)
        for a, target in zip(axes, chosen, strict=False):
            draw_sweep_heatmap(a, parameters, target, table, labels, scale)
    else:
        fig, axes = panel_figure(len(parameters))
        for i, (a, p) in enumerate(zip(axes, parameters, strict=False)):
            draw_sweep_scatter(a, p, i, targets, table, labels[i])
    same = " (one colour scale for all panels)" if is_grid and len(targets) > 1 else ""
    return finish(fig, study.meta, "years to target across the sweep" + same + page_note(*page))
