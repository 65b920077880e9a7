"""Study figures, each drawn from the file a study command leaves behind: a tornado of
one-at-a-time effects and Sobol/Morris index bars with confidence intervals
(`sensitivity.csv`), a line or heatmap of years-to-target over one or two swept parameters
(`results.csv`), and the months each relaxed constraint gains (`bottlenecks.json`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.present.plots.data import read_csv, read_json, run_meta
from sim.present.plots.style import (
    LIGHT_GREY,
    OKABE_ITO,
    SMALL,
    colour,
    footer,
    new_figure,
    style_axes,
    thousands,
)

YEARS = "years_to_reach:"
PANEL_HEIGHT_IN = 2.6


@dataclass
class StudyData:
    """The study files of one output directory, as plain data (None where absent)."""

    meta: dict[str, Any] = field(default_factory=dict)
    results: list[dict[str, str]] | None = None
    parameters: list[str] = field(default_factory=list)
    sensitivity: list[dict[str, str]] | None = None
    bottlenecks: dict[str, list[dict[str, Any]]] | None = None


def _norm(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def parameter_columns(header: list[str]) -> list[str]:
    """The varied parameters of `results.csv`: the columns between `seed` and `error`."""
    if "seed" in header and "error" in header and header.index("seed") < header.index("error"):
        return header[header.index("seed") + 1: header.index("error")]
    return [h for h in header if "." in h and ":" not in h]


def load_study(directory: Path) -> StudyData:
    """Whatever study files `directory` holds."""
    data = StudyData(meta=run_meta(directory))
    results = directory / "results.csv"
    if results.exists():
        header, rows = read_csv(results)
        data.results = [dict(zip(header, r)) for r in rows]
        data.parameters = parameter_columns(header)
    sensitivity = directory / "sensitivity.csv"
    if sensitivity.exists():
        header, rows = read_csv(sensitivity)
        keys = [_norm(h) for h in header]
        data.sensitivity = [dict(zip(keys, r)) for r in rows]
    bottlenecks = directory / "bottlenecks.json"
    if bottlenecks.exists():
        data.bottlenecks = read_json(bottlenecks)
    return data


def _float(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def _index_name(row: dict[str, str]) -> str:
    return str(row.get("index_name") or row.get("index") or row.get("name") or "").strip()


def _grid(n: int, height: float = PANEL_HEIGHT_IN) -> tuple[Figure, list[Axes]]:
    fig = new_figure(height * n + 0.7)
    return fig, list(fig.subplots(n, 1, squeeze=False)[:, 0])


def _finish(fig: Figure, meta: dict[str, Any], title: str) -> Figure:
    scenario = meta.get("scenario")
    fig.suptitle(f"{scenario}: {title}" if scenario else title[0].upper() + title[1:], fontsize=SMALL + 3)
    footer(fig, meta)
    return fig


# --- tornado (one at a time) -------------------------------------------------------------

def oat_effects(rows: list[dict[str, str]]) -> dict[str, dict[str, tuple[float, float, float, float]]]:
    """target -> parameter -> (effect at low, effect at high, their confidence half-widths), in
    years against the baseline: the `low_effect`/`high_effect` rows, else `low`/`high` − `baseline`."""
    found: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    for r in rows:
        if _norm(r.get("method", "")) == "oat":
            conf = _float(r.get("confidence"))
            found.setdefault((r["target"], r["parameter"]), {})[_index_name(r).lower()] = (
                _float(r["value"]), 0.0 if np.isnan(conf) else conf)
    out: dict[str, dict[str, tuple[float, float, float, float]]] = {}
    for (target, parameter), idx in found.items():
        if "low_effect" in idx and "high_effect" in idx:
            (lo, lo_c), (hi, hi_c) = idx["low_effect"], idx["high_effect"]
        elif "low" in idx and "high" in idx:
            base = idx.get("baseline", (0.0, 0.0))[0]
            (lo, lo_c), (hi, hi_c) = (idx["low"][0] - base, 0.0), (idx["high"][0] - base, 0.0)
        else:
            continue
        out.setdefault(target, {})[parameter] = (lo, hi, lo_c, hi_c)
    return out


def draw_tornado(ax: Axes, target: str, effects: dict[str, tuple[float, float, float, float]]) -> None:
    """Bars left/right of zero for each parameter's low and high value, widest on top."""
    order = sorted(effects, key=lambda p: max(abs(np.nan_to_num(effects[p][0])), abs(np.nan_to_num(effects[p][1]))))
    y = np.arange(len(order))
    low, high, low_c, high_c = (np.array([effects[p][i] for p in order]) for i in range(4))
    whiskers = {"elinewidth": 1, "ecolor": "black", "capsize": 3}
    ax.barh(y, low, height=0.6, color=OKABE_ITO["sky_blue"], label="parameter at its low value", gid="low",
            xerr=low_c if low_c.any() else None, error_kw=whiskers)
    ax.barh(y, high, height=0.6, color=OKABE_ITO["vermillion"], alpha=0.85, label="parameter at its high value",
            gid="high", xerr=high_c if high_c.any() else None, error_kw=whiskers)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, order, fontsize=SMALL)
    ax.set_xlabel("change in years to reach the target vs. baseline (negative = earlier; whiskers: 95% CI)",
                  fontsize=SMALL + 1)
    ax.set_title(f"{target}: one-at-a-time effects", fontsize=SMALL + 2, loc="left")
    style_axes(ax)
    ax.grid(False, axis="y")
    ax.legend(fontsize=SMALL - 0.5, loc="lower right", framealpha=0.9)


def plot_tornado(study: StudyData, ax: Axes | None = None) -> Figure:
    """A tornado per target from the OAT rows of `sensitivity.csv`; returns the Figure."""
    effects = oat_effects(study.sensitivity or [])
    if not effects:
        raise ValueError("the tornado needs OAT rows in sensitivity.csv")
    if ax is not None:
        target = next(iter(effects))
        draw_tornado(ax, target, effects[target])
        return ax.get_figure(root=True)  # type: ignore[return-value]
    fig, axes = _grid(len(effects), max(2.0, 0.35 * max(len(v) for v in effects.values()) + 1.2))
    for a, (target, params) in zip(axes, effects.items()):
        draw_tornado(a, target, params)
    return _finish(fig, study.meta, "which parameter moves each target most")


# --- Sobol / Morris indices ---------------------------------------------------------------

#: the indices drawn per method (Morris's signed mu is left to the table)
INDICES = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma")}


def index_table(rows: list[dict[str, str]], method: str) -> dict[str, dict[str, dict[str, tuple[float, float]]]]:
    """target -> index name -> parameter -> (value, confidence half-width) for one method."""
    out: dict[str, dict[str, dict[str, tuple[float, float]]]] = {}
    for r in rows:
        if _norm(r.get("method", "")) != method or _index_name(r) not in INDICES[method]:
            continue
        conf = _float(r.get("confidence"))
        out.setdefault(r["target"], {}).setdefault(_index_name(r), {})[r["parameter"]] = (
            _float(r["value"]), 0.0 if np.isnan(conf) else conf)
    return out


def draw_indices(ax: Axes, target: str, method: str, indices: dict[str, dict[str, tuple[float, float]]]) -> None:
    """Grouped bars, one group per parameter, one bar per index, whiskers at ± confidence."""
    params = list(dict.fromkeys(p for values in indices.values() for p in values))
    names = list(indices)
    width = 0.8 / max(1, len(names))
    x = np.arange(len(params))
    for k, name in enumerate(names):
        values = np.array([indices[name].get(p, (np.nan, 0.0))[0] for p in params])
        conf = np.array([indices[name].get(p, (np.nan, 0.0))[1] for p in params])
        ax.bar(x + (k - (len(names) - 1) / 2) * width, values, width, yerr=conf, capsize=3, color=colour(k),
               label=name, error_kw={"elinewidth": 1, "ecolor": "black"}, gid=f"index:{name}")
    ax.set_xticks(x, params, fontsize=SMALL, rotation=15 if len(params) > 4 else 0, ha="right" if len(params) > 4 else "center")
    unit = "index (share of variance)" if method == "sobol" else "elementary effect (years)"
    ax.set_ylabel(unit, fontsize=SMALL + 1)
    ax.set_title(f"{target}: {method.capitalize()} indices with confidence intervals", fontsize=SMALL + 2, loc="left")
    ax.axhline(0, color="black", linewidth=0.6)
    style_axes(ax)
    ax.grid(False, axis="x")
    ax.legend(fontsize=SMALL - 0.5, loc="upper right", framealpha=0.9)


def plot_indices(study: StudyData, ax: Axes | None = None) -> Figure:
    """Sobol (S1, ST) or Morris (mu*, sigma) bars per target; returns the Figure."""
    rows = study.sensitivity or []
    panels = [(m, t, idx) for m in ("sobol", "morris") for t, idx in index_table(rows, m).items()]
    if not panels:
        raise ValueError("the index figure needs Sobol or Morris rows in sensitivity.csv")
    if ax is not None:
        draw_indices(ax, panels[0][1], panels[0][0], panels[0][2])
        return ax.get_figure(root=True)  # type: ignore[return-value]
    fig, axes = _grid(len(panels))
    for a, (method, target, idx) in zip(axes, panels):
        draw_indices(a, target, method, idx)
    return _finish(fig, study.meta, "global sensitivity of years to target")


# --- sweeps --------------------------------------------------------------------------------

def sweep_table(study: StudyData) -> tuple[list[str], list[str], list[tuple[tuple[float, ...], dict[str, float]]]]:
    """Parameters, targets and (parameter values, target -> years or NaN) per successful run.

    A parameter whose values are not all numbers (dates, `when_funded`) is numbered by its
    values' order of appearance; `category_labels` names the numbers."""
    rows = [r for r in (study.results or []) if not (r.get("error") or "").strip()]
    targets = list(dict.fromkeys(k[len(YEARS):] for r in rows[:1] for k in r if k.startswith(YEARS)))
    labels = category_labels(study)
    def value(p: str, text: str) -> float:
        return float(labels[p].index(text)) if p in labels else _float(text)
    table = [
        (tuple(value(p, r[p]) for p in study.parameters), {t: _float(r.get(YEARS + t)) for t in targets})
        for r in rows
    ]
    return study.parameters, targets, table


def category_labels(study: StudyData) -> dict[str, list[str]]:
    """parameter -> its distinct values, for parameters that are not all numeric."""
    out = {}
    for p in study.parameters:
        values = list(dict.fromkeys(r[p] for r in study.results or [] if not (r.get("error") or "").strip()))
        if any(np.isnan(_float(v)) for v in values):
            out[p] = values
    return out


def _categorical_axis(ax: Axes, axis: str, labels: list[str] | None) -> None:
    if labels:
        (ax.set_xticks if axis == "x" else ax.set_yticks)(range(len(labels)), labels, fontsize=SMALL)
    else:
        thousands(ax, axis)


def _median_by_point(table: list[tuple[tuple[float, ...], dict[str, float]]], target: str) -> dict[tuple[float, ...], tuple[float, float, float, float]]:
    """point -> (p10, p50, p90, share reached); unreached runs count as later than any."""
    from sim.metrics.summary import percentile_unreached_last

    groups: dict[tuple[float, ...], list[float]] = {}
    for values, years in table:
        groups.setdefault(values, []).append(years[target])
    out = {}
    for point, ys in sorted(groups.items()):
        arr = np.array(ys)
        q = [percentile_unreached_last(arr, p) for p in (0.1, 0.5, 0.9)]
        out[point] = (*(np.nan if v is None else v for v in q), float(np.isfinite(arr).mean()))
    return out


def draw_sweep_line(ax: Axes, parameter: str, targets: list[str], table: list[Any],
                    labels: list[str] | None = None) -> None:
    """Median years to each target against the parameter, p10–p90 band where replicated."""
    for k, target in enumerate(targets):
        stats = _median_by_point(table, target)
        x = np.array([p[0] for p in stats])
        p10, p50, p90 = (np.array([s[i] for s in stats.values()]) for i in range(3))
        if len(table) > len(stats):
            band = ax.fill_between(x, p10, p90, color=colour(k), alpha=0.2, linewidth=0)
            band.set_gid("fan")
        ax.plot(x, p50, marker="o", color=colour(k), linewidth=1.8, label=f"{target} (median)")
    ax.set_xlabel(parameter, fontsize=SMALL + 1)
    ax.set_ylabel("years to reach target", fontsize=SMALL + 1)
    _categorical_axis(ax, "x", labels)
    style_axes(ax)
    ax.legend(fontsize=SMALL - 0.5, framealpha=0.9)
    ax.set_title("years to target over the swept parameter (gaps: median not reached)", fontsize=SMALL + 2, loc="left")


def draw_sweep_heatmap(ax: Axes, parameters: list[str], target: str, table: list[Any],
                       labels: dict[str, list[str]] | None = None) -> None:
    """Median years to `target` over a grid of two parameters."""
    stats = _median_by_point(table, target)
    xs = sorted({p[0] for p in stats})
    ys = sorted({p[1] for p in stats})
    grid = np.full((len(ys), len(xs)), np.nan)
    for point, s in stats.items():
        grid[ys.index(point[1]), xs.index(point[0])] = s[1]
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis_r")
    ax.set_facecolor(LIGHT_GREY)  # cells whose median is not reached
    for i in range(len(ys)):
        for j in range(len(xs)):
            text = "not\nreached" if np.isnan(grid[i, j]) else f"{grid[i, j]:.1f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=SMALL - 1,
                    color="white" if not np.isnan(grid[i, j]) and grid[i, j] > np.nanmean(grid) else "black")
    labels = labels or {}
    names = [[labels[p][int(v)] if p in labels else f"{v:,.6g}" for v in vs] for p, vs in zip(parameters, (xs, ys))]
    ax.set_xticks(range(len(xs)), names[0], fontsize=SMALL)
    ax.set_yticks(range(len(ys)), names[1], fontsize=SMALL)
    ax.set_xlabel(parameters[0], fontsize=SMALL + 1)
    ax.set_ylabel(parameters[1], fontsize=SMALL + 1)
    ax.set_title(f"{target}: median years to reach", fontsize=SMALL + 2, loc="left")
    bar = ax.get_figure(root=True).colorbar(image, ax=ax)
    bar.set_label("median years to reach target", fontsize=SMALL + 1)
    bar.ax.tick_params(labelsize=SMALL)


def draw_sweep_scatter(ax: Axes, parameter: str, index: int, targets: list[str], table: list[Any],
                       labels: list[str] | None = None) -> None:
    """Years to each target against one of several sampled parameters."""
    for k, target in enumerate(targets):
        x = [values[index] for values, _ in table]
        y = [years[target] for _, years in table]
        ax.plot(x, y, "o", markersize=3, alpha=0.6, color=colour(k), label=target)
    ax.set_xlabel(parameter, fontsize=SMALL + 1)
    ax.set_ylabel("years to reach target", fontsize=SMALL + 1)
    _categorical_axis(ax, "x", labels)
    style_axes(ax)
    ax.legend(fontsize=SMALL - 0.5, framealpha=0.9)


def plot_sweep(study: StudyData, ax: Axes | None = None) -> Figure:
    """Line (one parameter), heatmaps (two on a grid) or scatters (more) of years to target."""
    parameters, targets, table = sweep_table(study)
    if not parameters or not targets or not table:
        raise ValueError("the sweep figure needs results.csv with parameter and years_to_reach columns")
    labels = category_labels(study)
    points = {values for values, _ in table}
    is_grid = len(parameters) == 2 and len(points) == len({p[0] for p in points}) * len({p[1] for p in points})
    if ax is not None:
        if len(parameters) == 1:
            draw_sweep_line(ax, parameters[0], targets, table, labels.get(parameters[0]))
        elif is_grid:
            draw_sweep_heatmap(ax, parameters, targets[0], table, labels)
        else:
            draw_sweep_scatter(ax, parameters[0], 0, targets, table, labels.get(parameters[0]))
        return ax.get_figure(root=True)  # type: ignore[return-value]
    if len(parameters) == 1:
        fig, axes = _grid(1, 3.6)
        draw_sweep_line(axes[0], parameters[0], targets, table, labels.get(parameters[0]))
    elif is_grid:
        fig, axes = _grid(len(targets), 3.2)
        for a, target in zip(axes, targets):
            draw_sweep_heatmap(a, parameters, target, table, labels)
    else:
        fig, axes = _grid(len(parameters))
        for i, (a, p) in enumerate(zip(axes, parameters)):
            draw_sweep_scatter(a, p, i, targets, table, labels.get(p))
    return _finish(fig, study.meta, "years to target across the sweep")


# --- bottlenecks ---------------------------------------------------------------------------

def draw_bottlenecks(ax: Axes, target: str, gains: list[dict[str, Any]]) -> None:
    """Months earlier per relaxed constraint; the binding (largest) one highlighted."""
    ordered = sorted(gains, key=lambda g: _float(g.get("months_earlier")))
    values = np.nan_to_num(np.array([_float(g.get("months_earlier")) for g in ordered]))
    top = int(np.argmax(values)) if values.size else -1
    colours = [OKABE_ITO["vermillion"] if i == top and values[i] > 0 else OKABE_ITO["sky_blue"] for i in range(len(values))]
    y = np.arange(len(ordered))
    ax.barh(y, values, color=colours, height=0.6, gid="gain")
    for yi, v, g in zip(y, values, ordered):
        text = "n/a" if g.get("months_earlier") is None else f"{v:,.1f}"
        ax.text(max(v, 0.0), yi, f" {text}", va="center", ha="left", fontsize=SMALL - 0.5)
    ax.set_yticks(y, [str(g["constraint"]) for g in ordered], fontsize=SMALL)
    ax.set_xlabel("months earlier when the constraint is lifted", fontsize=SMALL + 1)
    binding = f" — binding: {ordered[top]['constraint']}" if top >= 0 and values[top] > 0 else ""
    ax.set_title(f"{target}{binding}", fontsize=SMALL + 2, loc="left")
    ax.set_xlim(min(0.0, float(values.min(initial=0)) * 1.15), max(1.0, float(values.max(initial=0)) * 1.15))
    style_axes(ax)
    ax.grid(False, axis="y")


def plot_bottlenecks(study: StudyData, ax: Axes | None = None) -> Figure:
    """One panel per target from `bottlenecks.json`; returns the Figure."""
    data = {t: g for t, g in (study.bottlenecks or {}).items() if g}
    if not data:
        raise ValueError("the bottleneck figure needs bottlenecks.json with at least one target")
    if ax is not None:
        target = next(iter(data))
        draw_bottlenecks(ax, target, data[target])
        return ax.get_figure(root=True)  # type: ignore[return-value]
    fig, axes = _grid(len(data), max(1.6, 0.32 * max(len(g) for g in data.values()) + 1.0))
    for a, (target, gains) in zip(axes, data.items()):
        draw_bottlenecks(a, target, gains)
    return _finish(fig, study.meta, "what binds each target")


Draw = Callable[[], Figure]


def study_figures(study: StudyData) -> list[tuple[str, str, Draw]]:
    """(file stem, caption, draw) for each study figure the files support."""
    out: list[tuple[str, str, Draw]] = []
    if oat_effects(study.sensitivity or []):
        out.append(("tornado", "One-at-a-time effects on years to target", lambda: plot_tornado(study)))
    if study.sensitivity and (index_table(study.sensitivity, "sobol") or index_table(study.sensitivity, "morris")):
        out.append(("sensitivity_indices", "Sobol / Morris indices with confidence intervals", lambda: plot_indices(study)))
    if study.results is not None and study.sensitivity is None and study.parameters:
        parameters, targets, table = sweep_table(study)
        if targets and table:
            out.append(("sweep", "Years to target across the sweep", lambda: plot_sweep(study)))
    if study.bottlenecks:
        out.append(("bottlenecks", "Months gained by lifting each constraint", lambda: plot_bottlenecks(study)))
    return out
