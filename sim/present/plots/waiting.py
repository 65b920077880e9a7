"""Waiting by cause: for each facility, the share of its time spent producing and waiting
for each cause (money, each material, docks, workforce, down, ramping, not yet available),
averaged over replications, as stacked horizontal bars."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.present.plots.data import RunData
from sim.present.plots.style import LIGHT_GREY, OKABE_ITO, SMALL, figure_for, footer, plot_text, style_axes

ROW_HEIGHT_IN = 0.42
FIXED = {
    "producing": (OKABE_ITO["bluish_green"], ""),
    "money": (OKABE_ITO["orange"], ""),
    "down": (OKABE_ITO["black"], ""),
    "ramping": ("#A6A6A6", ""),
    "not_available": (LIGHT_GREY, ".."),
}
#: colours for prefixed causes (material:X, workforce:X, docks...), hatches tell them apart
VARIABLE = (
    OKABE_ITO["vermillion"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["yellow"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["blue"],
)
HATCHES = ("", "//", "\\\\", "xx", "--")
ORDER = ("producing", "money", "material", "component", "dock", "workforce", "down", "ramping", "not_available")
LABELS = {"not_available": "not yet available", "down": "down (breakdown)", "ramping": "ramping up"}


def cause_order(cause: str) -> tuple[int, str]:
    """Producing first, then money, materials, components, docks, workforce, down, ramping, not
    available."""
    head = cause.split(":")[0]
    for i, prefix in enumerate(ORDER):
        if head.startswith(prefix):
            return i, cause
    return len(ORDER), cause


def cause_styles(causes: list[str]) -> dict[str, tuple[str, str]]:
    """A (colour, hatch) per cause, stable for a given set of causes."""
    styles, k = {}, 0
    for cause in causes:
        if cause in FIXED:
            styles[cause] = FIXED[cause]
        else:
            styles[cause] = (VARIABLE[k % len(VARIABLE)], HATCHES[(k // len(VARIABLE)) % len(HATCHES)])
            k += 1
    return styles


def shares(facilities: dict[str, Any]) -> tuple[list[str], list[str], np.ndarray]:
    """Facility names, causes, and a facilities × causes array of time shares (rows sum to 1)."""
    names = list(facilities)
    causes = sorted({c for f in facilities.values() for c in f.get("waiting", {})} | {"producing"}, key=cause_order)
    table = np.zeros((len(names), len(causes)))
    for i, name in enumerate(names):
        waiting = facilities[name].get("waiting", {})
        for j, cause in enumerate(causes):
            table[i, j] = waiting.get(cause, 0.0) or 0.0
        table[i, causes.index("producing")] = max(0.0, 1.0 - sum(v or 0.0 for v in waiting.values()))
    return names, causes, table


def plot_waiting(data: RunData, ax: Axes | None = None) -> Figure:
    """Stacked shares of time per facility; returns the Figure."""
    facilities = data.summary.get("facilities", {})
    if not facilities:
        raise ValueError("the waiting figure needs facilities in summary.json")
    names, causes, table = shares(facilities)
    own = ax is None
    fig, ax = figure_for(ax, ROW_HEIGHT_IN * len(names) + 1.9)
    styles = cause_styles(causes)
    y = np.arange(len(names))[::-1]
    left = np.zeros(len(names))
    for j, cause in enumerate(causes):
        colour, hatch = styles[cause]
        if not np.any(table[:, j] > 0):
            continue
        ax.barh(
            y,
            table[:, j],
            left=left,
            height=0.65,
            color=colour,
            hatch=hatch,
            edgecolor="white",
            linewidth=0.5,
            label=plot_text(LABELS.get(cause, cause.replace(":", ": "))),
            gid=f"cause:{cause}",
        )
        left += table[:, j]
    for yi, share in zip(y, table[:, causes.index("producing")], strict=False):
        ax.text(
            0.01,
            yi,
            f"{share:.0%} producing",
            va="center",
            ha="left",
            fontsize=SMALL - 0.5,
            color="white",
            fontweight="bold",
        )
    ax.set_yticks(y, [plot_text(n) for n in names], fontsize=SMALL)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of each facility's time (% of simulated days)", fontsize=SMALL + 1)
    style_axes(ax)
    ax.grid(False, axis="y")
    ax.legend(
        fontsize=SMALL - 0.5,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.22 * 3.0 / fig.get_figheight()),
        ncol=min(4, len(causes)),
        frameon=False,
    )
    mean = " (mean of {:,} replications)".format(data.summary["replications"]) if data.monte_carlo else ""
    ax.set_title(
        f"{plot_text(data.summary.get('scenario', ''))}: where each facility's time goes{mean}",
        fontsize=SMALL + 2,
        loc="left",
    )
    if own:
        footer(fig, data.summary)
    return fig
