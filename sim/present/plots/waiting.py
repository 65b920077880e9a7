"""Waiting by cause: for each facility, the share of its time spent producing and waiting
for each cause (money, each material, docks, workforce, down, ramping, not yet available).

Over several replications, each cause is its own bar: the median share over replications, with
a whisker from p10 to p90 (summary.json's `share_percentiles`): medians of parts do not add up,
so they are not stacked. One replication, or a summary from before percentiles were kept,
is drawn as stacked shares that fill each row, the title saying which (one run, or the mean)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from sim.present.plots.data import RunData
from sim.present.plots.style import (
    LIGHT_GREY,
    MAX_ASPECT,
    OKABE_ITO,
    SMALL,
    WIDTH_IN,
    figure_for,
    footer,
    legend_beside,
    named_colours,
    plot_text,
    style_axes,
    words,
)

ROW_HEIGHT_IN = 0.42
#: inches per cause's bar in the median figure, and the gap between facilities
BAR_IN, GAP_IN = 0.13, 0.12
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


def spreads(facilities: dict[str, Any]) -> tuple[list[str], list[str], np.ndarray] | None:
    """Facility names, causes, and a 3 × facilities × causes array of p10, p50, p90 shares over
    replications; None where a facility's summary has no `share_percentiles`."""
    if not all("share_percentiles" in f for f in facilities.values()):
        return None
    names = list(facilities)
    causes = sorted({c for f in facilities.values() for c in f["share_percentiles"]}, key=cause_order)
    table = np.zeros((3, len(names), len(causes)))
    for i, name in enumerate(names):
        for j, cause in enumerate(causes):
            p = facilities[name]["share_percentiles"].get(cause) or {}
            table[:, i, j] = [p.get(k) or 0.0 for k in ("p10", "p50", "p90")]
    return names, causes, table


def plot_waiting(data: RunData, ax: Axes | None = None) -> Figure:
    """Shares of time per facility (see the module); returns the Figure."""
    facilities = data.summary.get("facilities", {})
    if not facilities:
        raise ValueError("the waiting figure needs facilities in summary.json")
    spread = spreads(facilities) if data.monte_carlo else None
    if spread is not None:
        return _plot_medians(data, ax, *spread)
    names, causes, table = shares(facilities)
    own = ax is None
    fig, ax = figure_for(ax, min(ROW_HEIGHT_IN * len(names) + 2.4, MAX_ASPECT * WIDTH_IN))
    labels = getattr(data, "labels", {})
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
            label=plot_text(LABELS[cause]) if cause in LABELS else words(cause, labels),
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
    ax.set_yticks(y, [words(n, labels) for n in names], fontsize=SMALL - 1 if len(names) > 16 else SMALL)
    swatches = named_colours(names)  # each facility's own colour, as in the capacity figure
    ax.scatter(
        np.full(len(names), -0.012),
        y,
        marker="s",
        s=30,
        c=[swatches[n] for n in names],
        transform=ax.get_yaxis_transform(),
        clip_on=False,
        zorder=5,
        gid="facility",
    )
    ax.tick_params(axis="y", pad=9)  # room for the swatches
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of each facility's time (% of simulated days)", fontsize=SMALL + 1)
    style_axes(ax)
    ax.grid(False, axis="y")
    legend_beside(ax)
    shown = " (mean of {:,} replications)".format(data.summary["replications"]) if data.monte_carlo else " (one run)"
    _finish(fig, data, shown, own)
    return fig


def _finish(fig: Figure, data: RunData, shown: str, own: bool) -> None:
    fig.suptitle(
        f"{plot_text(data.summary.get('scenario', ''))}: where each facility's time goes{shown}",
        fontsize=SMALL + 3,
        wrap=True,
    )
    if own:
        footer(fig, data.summary)


def _plot_medians(data: RunData, ax: Axes | None, names: list[str], causes: list[str], table: np.ndarray) -> Figure:
    """One bar per facility and cause: the median share over replications, a whisker p10–p90.
    A cause no replication of a facility had is left out of its row."""
    present = [[j for j in range(len(causes)) if table[2, i, j] > 0] for i in range(len(names))]
    slots = max(1, max(len(p) for p in present))
    row_in = slots * BAR_IN + GAP_IN
    own = ax is None
    fig, ax = figure_for(ax, min(row_in * len(names) + 2.4, MAX_ASPECT * WIDTH_IN))
    labels = getattr(data, "labels", {})
    styles = cause_styles(causes)
    bar = (1.0 - GAP_IN / row_in) / slots  # in rows: each facility's row is 1 high
    y = np.arange(len(names))[::-1].astype(float)
    for i, columns in enumerate(present):
        for k, j in enumerate(columns):
            yj = y[i] + (len(columns) - 1) / 2 * bar - k * bar  # the first cause on top
            colour, hatch = styles[causes[j]]
            ax.barh(yj, table[1, i, j], height=bar * 0.9, color=colour, hatch=hatch, edgecolor="white",
                    linewidth=0.5, gid=f"cause:{causes[j]}")  # fmt: skip
            ax.plot([table[0, i, j], table[2, i, j]], [yj, yj], color="black", linewidth=0.9,
                    solid_capstyle="butt", gid=f"spread:{causes[j]}")  # fmt: skip
    ax.set_yticks(y, [words(n, labels) for n in names], fontsize=SMALL - 1 if len(names) > 16 else SMALL)
    swatches = named_colours(names)  # each facility's own colour, as in the capacity figure
    ax.scatter(np.full(len(names), -0.012), y, marker="s", s=30, c=[swatches[n] for n in names],
               transform=ax.get_yaxis_transform(), clip_on=False, zorder=5, gid="facility")  # fmt: skip
    ax.tick_params(axis="y", pad=9)  # room for the swatches
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of each facility's time (% of simulated days): median, p10–p90", fontsize=SMALL + 1)
    style_axes(ax)
    ax.grid(False, axis="y")
    used = [c for j, c in enumerate(causes) if any(j in p for p in present)]
    handles: list[Any] = [
        Patch(facecolor=styles[c][0], hatch=styles[c][1], edgecolor="white",
              label=plot_text(LABELS[c]) if c in LABELS else words(c, labels))
        for c in used
    ]  # fmt: skip
    handles.append(Line2D([], [], color="black", linewidth=0.9, label="p10–p90 over replications"))
    legend_beside(ax, handles, [str(h.get_label()) for h in handles])
    _finish(fig, data, " (median of {:,} replications)".format(data.summary["replications"]), own)
    return fig
