"""The comparison figure, from `compare.json`: each target's dates in each scenario side by side,
the median as a dot and p10–p90 as a bar, one row per target and scenario, grouped by target.
A scenario that reaches a target in fewer than half its runs has no median: its row's name says so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.language.calendar import Clock
from sim.present.plots.study_data import finish
from sim.present.plots.style import GREY, SMALL, colour, date_axis, legend_beside, new_figure, plot_text, style_axes

#: inches per row (one target in one scenario) and for the title, axis and legend
ROW_IN, FRAME_IN = 0.32, 1.9
#: a target with no reached date in any scenario is drawn over this span from the earliest date
NO_DATES_YEARS = 1.0


def scenario_labels(keys: list[str]) -> dict[str, str]:
    """Each scenario's file as a short label: its stem, or the path as given where stems clash."""
    stems = [Path(k).stem for k in keys]
    return {k: s if stems.count(s) == 1 else k for k, s in zip(keys, stems, strict=True)}


def _days(*dates: dt.date) -> np.ndarray:
    """Dates as numpy days, as matplotlib draws them on a date axis."""
    return np.array(dates, dtype="datetime64[D]")


def _date(text: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(text)) if text else None


def compare_rows(compare: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(target, scenario, its `compare.json` entry) for every target a scenario has, by target."""
    rows = []
    for target, entry in (compare.get("targets") or {}).items():
        for scenario, result in (entry.get("scenarios") or {}).items():
            if result is not None:
                rows.append((target, scenario, result))
    return rows


def plot_compare(compare: dict[str, Any], meta: dict[str, Any]) -> Figure:
    """Median date (dot) and p10–p90 (bar) of each target in each scenario; rows of one target
    are adjacent, each scenario has one colour, and a median or bound not reached in the horizon
    is written out instead of drawn."""
    rows = compare_rows(compare)
    if not rows:
        raise ValueError("the comparison figure needs compare.json with at least one target's dates")
    scenarios = list(dict.fromkeys(s for _, s, _ in rows))
    labels = scenario_labels(scenarios)
    known = [d for _, _, r in rows for k in ("p10", "p50", "p90") if (d := _date(r["date_reached"].get(k)))]
    first = min(known) if known else dt.date.today()
    last = max(known) if known else Clock(first).date_after_years(NO_DATES_YEARS)
    if last <= first:
        last = Clock(first).date_after_years(NO_DATES_YEARS)
    right = last + (last - first) * 0.08  # room for a bar running past the last date

    fig = new_figure(FRAME_IN + ROW_IN * len(rows))
    ax = fig.add_subplot()
    style_axes(ax)
    ticks, names = [], []
    y = 0.0
    previous = None
    for target, scenario, result in rows:
        if previous is not None and target != previous:
            y += 0.6  # a gap between targets
        previous = target
        dates = result["date_reached"]
        p10, p50, p90 = (_date(dates.get(k)) for k in ("p10", "p50", "p90"))
        c = colour(scenarios.index(scenario))
        if p10 is not None:
            end = p90 if p90 is not None else right
            ax.plot(_days(p10, end), [y, y], color=c, linewidth=4, alpha=0.45, solid_capstyle="butt")
            if p90 is None:
                ax.plot(_days(end), [y], marker=">", color=c, markersize=6)
        name = f"{plot_text(target)} — {plot_text(labels[scenario])}"
        if p50 is not None:
            ax.plot(_days(p50), [y], marker="o", color=c, markersize=6, markeredgecolor="black", markeredgewidth=0.6)
        else:  # (said beside the row's name, not over the data)
            name += f"\nno median: reached in {float(result.get('reached_fraction') or 0.0):.0%} of runs"
        ticks.append(y)
        names.append(name)
        y += 1.0
    ax.set_yticks(ticks, names, fontsize=SMALL)
    ax.set_ylim(y - 0.4, -0.6)  # the first target on top
    margin = (last - first) * 0.03
    ax.set_xlim(float(mdates.date2num(first - margin)), float(mdates.date2num(right + margin)))
    date_axis(ax)
    ax.set_xlabel("date reached: median (dot), p10–p90 (bar; an arrow: p90 not reached)", fontsize=SMALL)
    handles = [
        Line2D([], [], color=colour(i), marker="o", linewidth=4, alpha=0.8, label=plot_text(labels[s]))
        for i, s in enumerate(scenarios)
    ]
    handles.append(Line2D([], [], color=GREY, marker=">", linestyle="none", label="p90 after the horizon"))
    legend_beside(ax, handles, [str(h.get_label()) for h in handles])  # beside the data, clear of the footer
    names = [plot_text(labels[s]) for s in scenarios]
    title = f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]
    shared = {k: meta.get(k) for k in ("seed", "replications", "version")}  # (the first file's name is not all)
    return finish(fig, {**shared, "scenario": f"Comparison of {title}"}, "each target's dates")
