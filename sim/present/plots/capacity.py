"""Capacity: installed capacity of each product stacked by facility, material supply rates,
and below them every expansion as a bar from construction start to on line (then ramp-up),
for one replication; Monte Carlo runs add the median total capacity over all replications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.present.plots.data import RunData
from sim.present.plots.pages import MAX_PANELS, grouped_pages, page_note
from sim.present.plots.style import (
    MAX_ASPECT,
    OKABE_ITO,
    SMALL,
    WIDTH_IN,
    date_axis,
    days_to_dates,
    footer,
    legend_beside,
    named_colours,
    new_figure,
    plot_text,
    replication_note,
    style_axes,
    thousands,
    to_date,
)

PANEL_HEIGHT_IN = 2.4
ROW_HEIGHT_IN = 0.32


def ramp_curve(ramps: Iterable[tuple[float, float, float]], days: np.ndarray) -> np.ndarray:
    """The sum of linear ramps (t0, t1, delta) at `days`: 0 before t0, delta after t1."""
    total = np.zeros_like(days, dtype=float)
    for t0, t1, delta in ramps:
        if t1 > t0:
            total += delta * np.clip((days - t0) / (t1 - t0), 0.0, 1.0)
        else:
            total += delta * (days >= t0)
    return total


def curve_days(ramps: Iterable[tuple[float, float, float]], horizon: float) -> np.ndarray:
    """Day grid with every ramp corner, and a point just before each step, so lines are exact."""
    points = [0.0, horizon]
    for t0, t1, _ in ramps:
        points += [t0, t1, max(0.0, t0 - 1e-3)]
    return np.unique(np.clip(np.array(points), 0.0, horizon))


def _product_panel(ax: Axes, data: RunData, product: str, detail: dict[str, Any]) -> None:
    rows = [r for r in detail["capacity"] if r["product"] == product]
    facilities = list(dict.fromkeys(r["facility"] for r in rows))
    ramps_all = [(r["t0"], r["t1"], r["per_year"]) for r in rows]
    days = curve_days(ramps_all, detail["horizon_days"])
    start = data.start
    x = days_to_dates(start, days)
    curves = [
        ramp_curve([(r["t0"], r["t1"], r["per_year"]) for r in rows if r["facility"] == f], days) for f in facilities
    ]
    colours = named_colours(facilities)
    if curves:
        ax.stackplot(
            x,
            curves,
            labels=[data.words(f) for f in facilities],
            colors=[colours[f] for f in facilities],
            alpha=0.85,
            linewidth=0.3,
            edgecolor="white",
        )
    top = float(np.sum([c.max(initial=0.0) for c in curves])) if curves else 0.0
    if data.monte_carlo and "capacity" in data.timeline.get(product, {}):
        total = data.timeline[product]["capacity"]
        halo = lambda width: [patheffects.withStroke(linewidth=width, foreground="white")]  # noqa: E731
        for key, label in (("p10", "total capacity, p10 and p90 of all replications"), ("p90", None)):
            ax.plot(total["dates"], total[key], color=OKABE_ITO["black"], linewidth=1.1, linestyle=(0, (3, 2)),
                    label=label, gid="fan", path_effects=halo(3.0))  # fmt: skip
        ax.plot(total["dates"], total["p50"], color=OKABE_ITO["black"], linewidth=1.8, label="total capacity, median "
                "of all replications", gid="median_total", path_effects=halo(4.0))  # fmt: skip
        top = max(top, float(total["p90"].max(initial=0.0)))
    style_axes(ax)
    date_axis(ax)
    thousands(ax)
    ax.set_ylim(0, max(top, 1.0) * 1.05)
    ax.set_ylabel("units per year", fontsize=SMALL + 1)
    ax.set_title(f"{data.words(product)}: installed capacity by facility", fontsize=SMALL + 2, loc="left")
    legend_beside(ax)


def _supply_panel(ax: Axes, data: RunData, detail: dict[str, Any]) -> None:
    materials = list(dict.fromkeys(r["material"] for r in detail["supply"]))
    units = {m: detail.get("materials", {}).get(m, {}).get("unit", "units") for m in materials}
    colours = named_colours(materials)
    for m in materials:
        ramps = [(r["t0"], r["t1"], r["per_year"]) for r in detail["supply"] if r["material"] == m]
        days = curve_days(ramps, detail["horizon_days"])
        ax.plot(
            days_to_dates(data.start, days),
            ramp_curve(ramps, days),
            color=colours[m],
            linewidth=1.8,
            label=f"{data.words(m)} ({plot_text(units[m])} per year)",
        )
    style_axes(ax)
    date_axis(ax)
    thousands(ax)
    ax.set_ylim(bottom=0)
    unit_set = set(units.values())
    ax.set_ylabel(f"{plot_text(unit_set.pop()) if len(unit_set) == 1 else 'amount'} per year", fontsize=SMALL + 1)
    ax.set_title("material supply rate (arrivals, lead time included)", fontsize=SMALL + 2, loc="left")
    legend_beside(ax)


def _month(start: dt.date, day: float) -> str:
    return to_date(start, day).strftime("%b %Y")


def draw_expansions(
    ax: Axes, start: dt.date, expansions: Sequence[dict[str, Any]], horizon: float, data: RunData | None = None
) -> None:
    """One row per expansion: construction (hatched) from its start to on line, then ramp-up."""
    owner = data.words if data is not None else plot_text
    for row, e in enumerate(expansions):
        y = len(expansions) - 1 - row
        s, on, full = days_to_dates(start, [e["start"], e["online"], e["ramped"]])
        ax.barh(
            y,
            on - s,
            left=s,
            height=0.6,
            color=OKABE_ITO["orange"],
            edgecolor="black",
            linewidth=0.4,
            hatch="//",
            gid="construction",
        )
        if e["ramped"] > e["online"]:
            ax.barh(
                y,
                full - on,
                left=on,
                height=0.6,
                color=OKABE_ITO["bluish_green"],
                alpha=0.6,
                edgecolor="black",
                linewidth=0.4,
            )
        ax.plot([on], [y], marker="^", color="black", markersize=6, linestyle="none")
        ax.annotate(
            f"{_month(start, e['start'])} → {_month(start, e['online'])}",
            xy=(full, y),
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=SMALL - 1.5,
            va="center",
            annotation_clip=False,
        )
    ax.set_yticks(
        range(len(expansions)),
        [f"{owner(e['owner'])}: {plot_text(e['name'])}" for e in reversed(expansions)],
        fontsize=SMALL - 1 if len(expansions) > 20 else SMALL - 0.5,
    )
    ax.set_ylim(-0.6, len(expansions) - 0.4)
    style_axes(ax)
    ax.grid(False, axis="y")
    date_axis(ax)
    ax.set_xlim(days_to_dates(start, [0.0])[0], days_to_dates(start, [horizon * 1.18])[0])  # room for the notes
    ax.set_title(
        "expansions: construction to on line (▲), then ramp-up",
        fontsize=SMALL + 1,
        loc="left",
    )
    legend_beside(
        ax,
        [
            Patch(facecolor=OKABE_ITO["orange"], hatch="//", edgecolor="black"),
            Patch(facecolor=OKABE_ITO["bluish_green"], alpha=0.6, edgecolor="black"),
        ],
        ["construction", "ramp-up"],
    )


#: product panels per capacity figure
PRODUCTS_PER_PAGE = 4
#: the most expansion rows drawn beside other panels; more get a figure of their own
EXPANSIONS_BESIDE = 8


@dataclass(frozen=True)
class CapacityPage:
    """What one capacity figure holds: some products' panels, and perhaps supply and expansions."""

    products: tuple[str, ...]
    supply: bool
    expansions: bool


def capacity_pages(data: RunData) -> list[CapacityPage]:
    """The capacity figures a run calls for: products grouped by programme, four to a figure,
    then supply and expansions on the last figure where they fit, else on one of their own."""
    detail = data.detail or {}
    products = [p for p in data.products() if any(r["product"] == p for r in detail.get("capacity") or [])]
    supply, expansions = bool(detail.get("supply")), bool(detail.get("expansions"))
    groups = grouped_pages(products, data.programmes, PRODUCTS_PER_PAGE) if products else []
    fits = (
        len(groups) <= 1
        and len(products) + supply + expansions <= MAX_PANELS
        and len(detail.get("expansions") or []) <= EXPANSIONS_BESIDE
    )
    if fits:
        return [CapacityPage(tuple(groups[0] if groups else ()), supply, expansions)]
    pages = [CapacityPage(tuple(g), False, False) for g in groups]
    if supply or expansions:
        pages.append(CapacityPage((), supply, expansions))
    return pages


def plot_capacity(
    data: RunData, ax: Axes | None = None, page: CapacityPage | None = None, index: tuple[int, int] = (0, 1)
) -> Figure:
    """Capacity steps of each product with its expansions (or what `page` holds); returns the
    Figure. `index` (figure, of how many) titles one of several.

    With `ax`, only the first product's capacity panel is drawn into it."""
    detail = data.detail
    if detail is None:
        raise ValueError("the capacity figure needs replication0.json (one replication's history)")
    if ax is not None:
        _product_panel(ax, data, data.products()[0], detail)
        return ax.get_figure(root=True)  # type: ignore[return-value]
    if page is None:
        page = CapacityPage(tuple(data.products()), bool(detail.get("supply")), bool(detail.get("expansions")))
    products = list(page.products)
    expansions = detail.get("expansions", []) if page.expansions else []
    has_supply = page.supply
    heights = [PANEL_HEIGHT_IN] * (len(products) + has_supply)
    if expansions:
        room = MAX_ASPECT * WIDTH_IN - 0.8 - sum(heights)
        heights.append(min(max(1.0, ROW_HEIGHT_IN * len(expansions) + 0.6), room))
    fig = new_figure(sum(heights) + 0.8)
    if expansions and len(heights) > 1:  # the expansions' long names must not squeeze the panels above
        upper, lower = fig.subfigures(2, 1, height_ratios=[sum(heights[:-1]), heights[-1]])  # type: ignore[misc]
        above = list(upper.subplots(len(heights) - 1, 1, squeeze=False, height_ratios=heights[:-1])[:, 0])
        axes = [*above, lower.add_subplot()]
    else:
        axes = list(fig.subplots(len(heights), 1, squeeze=False, height_ratios=heights, sharex=not expansions)[:, 0])
    for i, product in enumerate(products):
        _product_panel(axes[i], data, product, detail)
    if has_supply:
        _supply_panel(axes[len(products)], data, detail)
    if expansions:
        draw_expansions(axes[-1], data.start, expansions, detail["horizon_days"], data)
    for a in axes[:-1]:
        a.tick_params(labelbottom=True)
    which = replication_note(data)
    fig.suptitle(
        f"{plot_text(data.summary.get('scenario', ''))}: capacity and expansions{which}{page_note(*index)}",
        fontsize=SMALL + 3,
        wrap=True,
    )
    footer(fig, data.summary)
    return fig
