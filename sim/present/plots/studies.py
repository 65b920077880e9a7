"""Study figures, each drawn from the file a study command leaves behind: a tornado of
one-at-a-time effects and Sobol/Morris index bars with confidence intervals
(`sensitivity.csv`), a line or heatmap of years-to-target over one or two swept parameters
(`results.csv`), and the months each relaxed constraint gains (`bottlenecks.json`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.present.plots.study_data import StudyData, as_float, finish, header_key, panel_figure
from sim.present.plots.style import (
    OKABE_ITO,
    SMALL,
    colour,
    plot_text,
    style_axes,
)


def _index_name(row: dict[str, str]) -> str:
    return str(row.get("index_name") or row.get("index") or row.get("name") or "").strip()


def _note(ax: Axes, text: str) -> None:
    """A grey note in the middle of an empty panel, so it does not read as a drawing fault."""
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=SMALL,
        color="#555555",
        bbox={"fc": "white", "ec": "none"},
    )


# --- tornado (one at a time) -------------------------------------------------------------


def oat_effects(rows: list[dict[str, str]]) -> dict[str, dict[str, tuple[float, float, float, float]]]:
    """Target -> parameter -> (effect at low, effect at high, their confidence half-widths), in
    years against the baseline: the `low_effect`/`high_effect` rows, else `low`/`high` − `baseline`."""
    found: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    for r in rows:
        if header_key(r.get("method", "")) == "oat":
            conf = as_float(r.get("confidence"))
            found.setdefault((r["target"], r["parameter"]), {})[_index_name(r).lower()] = (
                as_float(r["value"]),
                0.0 if np.isnan(conf) else conf,
            )
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
    ax.barh(
        y,
        low,
        height=0.6,
        color=OKABE_ITO["sky_blue"],
        label="parameter at its low value",
        gid="low",
        xerr=low_c if low_c.any() else None,
        error_kw=whiskers,
    )
    ax.barh(
        y,
        high,
        height=0.6,
        color=OKABE_ITO["vermillion"],
        alpha=0.85,
        label="parameter at its high value",
        gid="high",
        xerr=high_c if high_c.any() else None,
        error_kw=whiskers,
    )
    ax.axvline(0, color="black", linewidth=0.8)
    if not np.any(np.nan_to_num(np.abs(np.concatenate([low, high]))) > 0):
        _note(ax, "no parameter moves this target over its range")
    ax.set_yticks(y, [plot_text(p) for p in order], fontsize=SMALL)
    ax.set_xlabel(
        "change in years to reach the target vs. baseline (negative = earlier; whiskers: 95% CI)", fontsize=SMALL + 1
    )
    ax.set_title(f"{plot_text(target)}: one-at-a-time effects", fontsize=SMALL + 2, loc="left")
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
    fig, axes = panel_figure(len(effects), max(2.0, 0.35 * max(len(v) for v in effects.values()) + 1.2))
    for a, (target, params) in zip(axes, effects.items(), strict=False):
        draw_tornado(a, target, params)
    return finish(fig, study.meta, "which parameter moves each target most")


# --- Sobol / Morris indices ---------------------------------------------------------------

#: the indices drawn per method (Morris's signed mu is left to the table)
INDICES = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma")}


def index_table(rows: list[dict[str, str]], method: str) -> dict[str, dict[str, dict[str, tuple[float, float]]]]:
    """Target -> index name -> parameter -> (value, confidence half-width) for one method."""
    out: dict[str, dict[str, dict[str, tuple[float, float]]]] = {}
    for r in rows:
        if header_key(r.get("method", "")) != method or _index_name(r) not in INDICES[method]:
            continue
        conf = as_float(r.get("confidence"))
        out.setdefault(r["target"], {}).setdefault(_index_name(r), {})[r["parameter"]] = (
            as_float(r["value"]),
            0.0 if np.isnan(conf) else conf,
        )
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
        ax.bar(
            x + (k - (len(names) - 1) / 2) * width,
            values,
            width,
            yerr=conf,
            capsize=3,
            color=colour(k),
            label=plot_text(name),
            error_kw={"elinewidth": 1, "ecolor": "black"},
            gid=f"index:{name}",
        )
    tilt = len(params) > 4
    ax.set_xticks(
        x, [plot_text(p) for p in params], fontsize=SMALL, rotation=15 if tilt else 0, ha="right" if tilt else "center"
    )
    if not any(np.nan_to_num(abs(v[0])) > 0 for values in indices.values() for v in values.values()):
        _note(ax, "no parameter moves this target over its range (nothing to apportion)")
    unit = "index (share of variance)" if method == "sobol" else "elementary effect (years)"
    ax.set_ylabel(unit, fontsize=SMALL + 1)
    ax.set_title(
        f"{plot_text(target)}: {method.capitalize()} indices with confidence intervals", fontsize=SMALL + 2, loc="left"
    )
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
    fig, axes = panel_figure(len(panels))
    for a, (method, target, idx) in zip(axes, panels, strict=False):
        draw_indices(a, target, method, idx)
    return finish(fig, study.meta, "global sensitivity of years to target")


# --- bottlenecks ---------------------------------------------------------------------------


def draw_bottlenecks(ax: Axes, target: str, gains: list[dict[str, Any]]) -> None:
    """Months earlier per relaxed constraint; the binding (largest) one highlighted."""
    ordered = sorted(gains, key=lambda g: as_float(g.get("months_earlier")))
    values = np.nan_to_num(np.array([as_float(g.get("months_earlier")) for g in ordered]))
    top = int(np.argmax(values)) if values.size else -1
    colours = [
        OKABE_ITO["vermillion"] if i == top and values[i] > 0 else OKABE_ITO["sky_blue"] for i in range(len(values))
    ]
    y = np.arange(len(ordered))
    ax.barh(y, values, color=colours, height=0.6, gid="gain")
    for yi, v, g in zip(y, values, ordered, strict=False):
        text = "n/a" if g.get("months_earlier") is None else f"{v:,.1f}"
        ax.text(max(v, 0.0), float(yi), f" {text}", va="center", ha="left", fontsize=SMALL - 0.5)
    ax.set_yticks(y, [plot_text(g["constraint"]) for g in ordered], fontsize=SMALL)
    ax.set_xlabel("months earlier when the constraint is lifted", fontsize=SMALL + 1)
    binding = f" — binding: {plot_text(ordered[top]['constraint'])}" if top >= 0 and values[top] > 0 else ""
    ax.set_title(f"{plot_text(target)}{binding}", fontsize=SMALL + 2, loc="left")
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
    fig, axes = panel_figure(len(data), max(1.6, 0.32 * max(len(g) for g in data.values()) + 1.0))
    for a, (target, gains) in zip(axes, data.items(), strict=False):
        draw_bottlenecks(a, target, gains)
    return finish(fig, study.meta, "what binds each target")


Draw = Callable[[], Figure]


def study_figures(study: StudyData) -> list[tuple[str, str, Draw]]:
    """(file stem, caption, draw) for each study figure the files support."""
    out: list[tuple[str, str, Draw]] = []
    if oat_effects(study.sensitivity or []):
        out.append(("tornado", "One-at-a-time effects on years to target", lambda: plot_tornado(study)))
    if study.sensitivity and (index_table(study.sensitivity, "sobol") or index_table(study.sensitivity, "morris")):
        out.append(
            ("sensitivity_indices", "Sobol / Morris indices with confidence intervals", lambda: plot_indices(study))
        )
    command = study.meta.get("command")
    is_sweep = command == "sweep" or (command is None and study.sensitivity is None and study.bottlenecks is None)
    if study.results is not None and is_sweep and study.parameters:
        from sim.present.plots.sweep import plot_sweep, sweep_table

        parameters, targets, table = sweep_table(study)
        if targets and table:
            out.append(("sweep", "Years to target across the sweep", lambda: plot_sweep(study)))
    if study.bottlenecks:
        out.append(("bottlenecks", "Months gained by lifting each constraint", lambda: plot_bottlenecks(study)))
    if study.compare is not None:
        from sim.present.plots.compare import compare_rows, plot_compare, scenario_labels

        compare = study.compare
        if compare_rows(compare):
            out.append(("compare", "Each target's dates in each scenario", lambda: plot_compare(compare, study.meta)))
        from sim.present.plots.targets import compare_charts, plot_target_charts

        charts = compare_charts(compare)
        if charts:
            labels = scenario_labels(list(charts))
            shown = {labels[k]: v for k, v in charts.items()}
            meta = {**study.meta, "scenario": "Comparison of " + ", ".join(labels.values())}
            out.insert(
                0,
                (
                    "target_chart",
                    "The target chart of each scenario, side by side",
                    lambda: plot_target_charts(shown, meta),
                ),
            )
    return out
