"""Study figures, each drawn from the file a study command leaves behind: a tornado of
one-at-a-time effects and Sobol/Morris index bars with confidence intervals
(`sensitivity.csv`), a line or heatmap of years-to-target over one or two swept parameters
(`results.csv`), and the months each relaxed constraint gains (`bottlenecks.json`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.present.plots.pages import chunks, page_name, page_note
from sim.present.plots.study_data import (
    PANEL_HEIGHT_IN,
    StudyData,
    as_float,
    finish,
    fitting,
    header_key,
    oat_values,
    panel_figure,
)
from sim.present.plots.style import (
    OKABE_ITO,
    SMALL,
    colour,
    legend_beside,
    plot_text,
    style_axes,
    words,
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


def draw_tornado(
    ax: Axes,
    target: str,
    effects: dict[str, tuple[float, float, float, float]],
    values: dict[str, tuple[str, str]] | None = None,
) -> None:
    """Bars left/right of zero for each parameter's low and high value, widest on top; each
    bar's end says its effect in years, and the parameter's name says the values it took
    (`values`: parameter -> (low, high) as written)."""
    values = values or {}
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
    for yi, lo, hi in zip(y, low, high, strict=True):
        for v in (lo, hi):
            if np.isfinite(v) and v != 0:
                ax.annotate(
                    f"{v:+.2g}",
                    xy=(v, yi),
                    xytext=(3 if v > 0 else -3, 0),
                    textcoords="offset points",
                    ha="left" if v > 0 else "right",
                    va="center",
                    fontsize=SMALL - 1.5,
                    gid="effect",
                )
    finite = np.nan_to_num(np.abs(np.concatenate([low, high])))
    span = float(finite.max(initial=0.0)) or 1.0
    ax.set_xlim(-span * 1.3, span * 1.3)  # room for the values at the bars' ends
    if not np.any(finite > 0):
        _note(ax, "no parameter moves this target over its range")
    names = [
        plot_text(p) + (f"\n{plot_text(values[p][0])} → {plot_text(values[p][1])}" if p in values else "")
        for p in order
    ]
    ax.set_yticks(y, names, fontsize=SMALL - 0.5)
    ax.set_xlabel(
        "change in years to reach the target vs. baseline (negative: earlier; whiskers: 95% CI)", fontsize=SMALL
    )
    ax.set_title(f"{plot_text(target)}: one-at-a-time effects (parameter low → high)", fontsize=SMALL + 1, loc="left")
    style_axes(ax)
    ax.grid(False, axis="y")
    legend_beside(ax)


def _tornado_panel_in(effects: dict[str, dict[str, Any]]) -> float:
    return max(2.0, 0.45 * max(len(v) for v in effects.values()) + 1.2)


def plot_tornado(
    study: StudyData, ax: Axes | None = None, targets: list[str] | None = None, page: tuple[int, int] = (0, 1)
) -> Figure:
    """A tornado per target (of `targets`, default all) from the OAT rows of `sensitivity.csv`;
    returns the Figure."""
    effects = oat_effects(study.sensitivity or [])
    if not effects:
        raise ValueError("the tornado needs OAT rows in sensitivity.csv")
    values = oat_values(study.design)
    if ax is not None:
        target = next(iter(effects))
        draw_tornado(ax, target, effects[target], values)
        return ax.get_figure(root=True)  # type: ignore[return-value]
    chosen = {t: effects[t] for t in (targets or list(effects))}
    fig, axes = panel_figure(len(chosen), _tornado_panel_in(effects))
    for a, (target, params) in zip(axes, chosen.items(), strict=False):
        draw_tornado(a, target, params, values)
    return finish(fig, study.meta, "which parameter moves each target most" + page_note(*page))


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


#: a Sobol index whose 95% interval is wider than this is too uncertain to rank parameters by
WIDE_INTERVAL = 0.3


def doubtful(value: float, confidence: float) -> bool:
    """A Sobol index no one should read as it stands: above 1 (impossible for a share of
    variance; too few samples) or with a 95% interval wider than `WIDE_INTERVAL`."""
    return bool(value > 1.0 or 2 * confidence > WIDE_INTERVAL)


def draw_indices(ax: Axes, target: str, method: str, indices: dict[str, dict[str, tuple[float, float]]]) -> None:
    """Grouped bars, one group per parameter, one bar per index, whiskers at ± confidence;
    Sobol indices above 1 or with wide intervals are hatched and flagged in the title."""
    params = list(dict.fromkeys(p for values in indices.values() for p in values))
    names = list(indices)
    flagged = False
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
        if method == "sobol":
            for xi, v, c in zip(x + (k - (len(names) - 1) / 2) * width, values, conf, strict=True):
                if np.isfinite(v) and doubtful(float(v), float(c)):
                    ax.bar(xi, v, width, fill=False, hatch="xx", edgecolor="black", linewidth=0, gid="doubtful")
                    flagged = True
    tilt = len(params) > 4
    ax.set_xticks(
        x, [plot_text(p) for p in params], fontsize=SMALL, rotation=15 if tilt else 0, ha="right" if tilt else "center"
    )
    if not any(np.nan_to_num(abs(v[0])) > 0 for values in indices.values() for v in values.values()):
        _note(ax, "no parameter moves this target over its range (nothing to apportion)")
    unit = "index (share of variance)" if method == "sobol" else "elementary effect (years)"
    ax.set_ylabel(unit, fontsize=SMALL + 1)
    warning = " — hatched: above 1 or interval too wide; more samples needed" if flagged else ""
    ax.set_title(
        f"{plot_text(target)}: {method.capitalize()} indices, 95% intervals{warning}",
        fontsize=SMALL + 1,
        loc="left",
        color=OKABE_ITO["vermillion"] if flagged else "black",
        wrap=True,
    )
    ax.axhline(0, color="black", linewidth=0.6)
    if method == "sobol":
        ax.axhline(1, color=OKABE_ITO["vermillion"], linewidth=0.8, linestyle=":", gid="one")
    style_axes(ax)
    ax.grid(False, axis="x")
    legend_beside(ax)


def index_panels(study: StudyData) -> list[tuple[str, str, dict[str, dict[str, tuple[float, float]]]]]:
    """(method, target, indices) for each panel of the index figure."""
    rows = study.sensitivity or []
    return [(m, t, idx) for m in ("sobol", "morris") for t, idx in index_table(rows, m).items()]


def plot_indices(
    study: StudyData, ax: Axes | None = None, panels: list[int] | None = None, page: tuple[int, int] = (0, 1)
) -> Figure:
    """Sobol (S1, ST) or Morris (mu*, sigma) bars per target (the `panels` by number, default
    all); returns the Figure."""
    every = index_panels(study)
    if not every:
        raise ValueError("the index figure needs Sobol or Morris rows in sensitivity.csv")
    if ax is not None:
        draw_indices(ax, every[0][1], every[0][0], every[0][2])
        return ax.get_figure(root=True)  # type: ignore[return-value]
    chosen = [every[i] for i in (panels if panels is not None else range(len(every)))]
    fig, axes = panel_figure(len(chosen))
    for a, (method, target, idx) in zip(axes, chosen, strict=False):
        draw_indices(a, target, method, idx)
    return finish(fig, study.meta, "global sensitivity of years to target" + page_note(*page))


# --- bottlenecks ---------------------------------------------------------------------------


#: the most constraints one target's panel shows (largest gains first)
SHOWN_CONSTRAINTS = 10


def shown_gains(gains: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The constraints a panel shows: the `SHOWN_CONSTRAINTS` largest gains (unmeasured last)."""
    ranked = sorted(gains, key=lambda g: -np.inf if g.get("months_earlier") is None else g["months_earlier"])
    return ranked[::-1][:SHOWN_CONSTRAINTS]


def draw_bottlenecks(ax: Axes, target: str, gains: list[dict[str, Any]], labels: dict[str, str] | None = None) -> None:
    """Months earlier per relaxed constraint; the binding (largest) one highlighted, a target
    not reached with or without relaxing flagged in its title. At most `SHOWN_CONSTRAINTS`
    bars: the largest gains (the rest are counted in the axis label)."""
    left_out = max(0, len(gains) - SHOWN_CONSTRAINTS)
    gains = shown_gains(gains)
    ordered = sorted(gains, key=lambda g: as_float(g.get("months_earlier")))
    values = np.nan_to_num(np.array([as_float(g.get("months_earlier")) for g in ordered]))
    top = int(np.argmax(values)) if values.size else -1
    colours = [
        OKABE_ITO["vermillion"] if i == top and values[i] > 0 else OKABE_ITO["sky_blue"] for i in range(len(values))
    ]
    y = np.arange(len(ordered))
    ax.barh(y, values, color=colours, height=0.6, gid="gain")
    never = all(g.get("months_earlier") is None for g in ordered)
    for yi, v, g in zip(y, values, ordered, strict=False):
        text = "n/a: not reached" if g.get("months_earlier") is None else f"{v:,.1f}"
        ax.text(max(v, 0.0), float(yi), f" {text}", va="center", ha="left", fontsize=SMALL - 0.5)
    ax.set_yticks(y, [words(g["constraint"], labels) for g in ordered], fontsize=SMALL - 0.5)
    more = f"; {left_out} more constraints gain less" if left_out else ""
    ax.set_xlabel(f"months earlier when the constraint is lifted (median of replications{more})", fontsize=SMALL)
    binding = f" — binding: {words(ordered[top]['constraint'], labels)}" if top >= 0 and values[top] > 0 else ""
    if never:
        binding = " — NOT REACHED in the median, relaxed or not: no gain to measure"
    elif top < 0 or values[top] <= 0:
        binding = " — nothing relaxed brings it earlier"
    ax.set_title(
        f"{plot_text(target)}{binding}",
        fontsize=SMALL + 1,
        loc="left",
        color=OKABE_ITO["vermillion"] if never else "black",
        wrap=True,
    )
    ax.set_xlim(min(0.0, float(values.min(initial=0)) * 1.15), max(1.0, float(values.max(initial=0)) * 1.3))
    style_axes(ax)
    ax.grid(False, axis="y")


def _bottleneck_panel_in(data: dict[str, list[dict[str, Any]]]) -> float:
    return max(1.6, 0.26 * min(SHOWN_CONSTRAINTS, max(len(g) for g in data.values())) + 1.0)


def plot_bottlenecks(
    study: StudyData, ax: Axes | None = None, targets: list[str] | None = None, page: tuple[int, int] = (0, 1)
) -> Figure:
    """One panel per target (of `targets`, default all) from `bottlenecks.json`; returns the Figure."""
    data = {t: g for t, g in (study.bottlenecks or {}).items() if g}
    if not data:
        raise ValueError("the bottleneck figure needs bottlenecks.json with at least one target")
    if ax is not None:
        target = next(iter(data))
        draw_bottlenecks(ax, target, data[target], study.labels)
        return ax.get_figure(root=True)  # type: ignore[return-value]
    chosen = {t: data[t] for t in (targets or list(data))}
    fig, axes = panel_figure(len(chosen), _bottleneck_panel_in(data))
    for a, (target, gains) in zip(axes, chosen.items(), strict=False):
        draw_bottlenecks(a, target, gains, study.labels)
    return finish(fig, study.meta, "what binds each target" + page_note(*page))


Draw = Callable[[], Figure]


def study_figures(study: StudyData) -> list[tuple[str, str, Draw]]:
    """(file stem, caption, draw) for each study figure the files support."""
    out: list[tuple[str, str, Draw]] = []
    effects = oat_effects(study.sensitivity or [])
    if effects:
        pages = chunks(list(effects), fitting(len(effects), _tornado_panel_in(effects)))
        for i, targets in enumerate(pages):
            out.append(
                (
                    page_name("tornado", i),
                    "One-at-a-time effects on years to target" + page_note(i, len(pages)),
                    partial(plot_tornado, study, targets=targets, page=(i, len(pages))),
                )
            )
    panels = index_panels(study)
    if panels:
        index_pages = chunks(list(range(len(panels))), fitting(len(panels), PANEL_HEIGHT_IN))
        for i, numbers in enumerate(index_pages):
            out.append(
                (
                    page_name("sensitivity_indices", i),
                    "Sobol / Morris indices with confidence intervals" + page_note(i, len(index_pages)),
                    partial(plot_indices, study, panels=numbers, page=(i, len(index_pages))),
                )
            )
    command = study.meta.get("command")
    is_sweep = command == "sweep" or (command is None and study.sensitivity is None and study.bottlenecks is None)
    if study.results is not None and is_sweep and study.parameters:
        from sim.present.plots.sweep import HEATMAP_IN, heatmap_targets, plot_sweep, sweep_table

        parameters, targets, table = sweep_table(study)
        maps = heatmap_targets(study) if targets and table else None
        if targets and table and maps:
            sweep_pages = chunks(maps, fitting(len(maps), HEATMAP_IN))
            for i, only in enumerate(sweep_pages):
                out.append(
                    (
                        page_name("sweep", i),
                        "Years to target across the sweep (one colour scale)" + page_note(i, len(sweep_pages)),
                        partial(plot_sweep, study, only=only, page=(i, len(sweep_pages))),
                    )
                )
        elif targets and table:
            out.append(("sweep", "Years to target across the sweep", lambda: plot_sweep(study)))
    found = {t: g for t, g in (study.bottlenecks or {}).items() if g}
    if found:
        held = chunks(list(found), fitting(len(found), _bottleneck_panel_in(found)))
        for i, targets in enumerate(held):
            out.append(
                (
                    page_name("bottlenecks", i),
                    "Months gained by lifting each constraint" + page_note(i, len(held)),
                    partial(plot_bottlenecks, study, targets=targets, page=(i, len(held))),
                )
            )
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
