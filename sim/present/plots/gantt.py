"""Shipyard Gantt: one row per dock and, once a hull leaves the dock, one row per hull,
with each stage of each hull as a bar coloured by stage; one replication."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.present.plots.data import RunData
from sim.present.plots.style import (
    MAX_ASPECT,
    SMALL,
    WIDTH_IN,
    date_axis,
    days_to_dates,
    figure_for,
    footer,
    legend_beside,
    named_colours,
    plot_text,
    replication_note,
    style_axes,
)

ROW_HEIGHT_IN = 0.26


def gantt_rows(stages: Sequence[dict[str, Any]]) -> list[tuple[str, int, int]]:
    """Row keys in display order: (facility, dock, -1) per dock, then (facility, -1, hull) per
    hull with stages outside the dock."""
    rows: list[tuple[str, int, int]] = []
    for facility in dict.fromkeys(s["facility"] for s in stages):
        own = [s for s in stages if s["facility"] == facility]
        rows += [(facility, d, -1) for d in sorted({s["dock"] for s in own if s["dock"] >= 0})]
        rows += [(facility, -1, h) for h in sorted({s["hull"] for s in own if s["dock"] < 0})]
    return rows


def _row_of(stage: dict[str, Any]) -> tuple[str, int, int]:
    return (stage["facility"], stage["dock"], -1) if stage["dock"] >= 0 else (stage["facility"], -1, stage["hull"])


def plot_gantt(data: RunData, ax: Axes | None = None) -> Figure:
    """Stage bars per dock and per hull; returns the Figure."""
    stages = (data.detail or {}).get("stages") or []
    if not stages:
        raise ValueError("the shipyard Gantt needs stage spans in replication0.json (a shipyard scenario)")
    rows = gantt_rows(stages)
    index = {key: i for i, key in enumerate(rows)}
    names = list(dict.fromkeys(s["stage"] for s in stages))
    colours = named_colours(names)
    own = ax is None
    fig, ax = figure_for(ax, min(ROW_HEIGHT_IN * len(rows) + 1.9, MAX_ASPECT * WIDTH_IN))
    start = data.start
    horizon = (data.detail or {}).get("horizon_days", max(s["t1"] for s in stages))
    for s in stages:
        y = len(rows) - 1 - index[_row_of(s)]
        t0, t1 = days_to_dates(start, [s["t0"], s["t1"]])
        ax.barh(
            y,
            t1 - t0,
            left=t0,
            height=0.7,
            color=colours[s["stage"]],
            edgecolor="white",
            linewidth=0.4,
            gid=f"stage:{s['stage']}",
        )
        if s["dock"] >= 0 and s["t1"] - s["t0"] > horizon / 60:
            ax.text(
                t0 + (t1 - t0) / 2,
                y,
                plot_text(s["hull"]),
                ha="center",
                va="center",
                fontsize=SMALL - 1.5,
                color="white",
                fontweight="bold",
            )
    labels = [f"{data.words(f)} " + plot_text(f"dock {d + 1}" if d >= 0 else f"hull {h}") for f, d, h in rows]
    ax.set_yticks(
        np.arange(len(rows))[::-1],
        labels,
        fontsize=SMALL - 1.5 if len(rows) > 30 else SMALL - 1 if len(rows) > 20 else SMALL,
    )
    ax.set_ylim(-0.6, len(rows) - 0.4)
    style_axes(ax)
    ax.grid(False, axis="y")
    date_axis(ax)
    ax.set_xlim(days_to_dates(start, [0.0])[0], days_to_dates(start, [horizon])[0])
    ax.set_xlabel("date (bars in dock rows are numbered by hull)", fontsize=SMALL + 1)
    legend_beside(ax, [Patch(color=colours[n]) for n in names], [data.words(n) for n in names])
    which = replication_note(data)
    fig.suptitle(
        f"{plot_text(data.summary.get('scenario', ''))}: shipyard stages by dock and hull{which}",
        fontsize=SMALL + 3,
        wrap=True,
    )
    if own:
        footer(fig, data.summary)
    return fig
