"""Timeline: cumulative deliveries (and stock) of a product and, below, its production rate
over the trailing 12 months and installed capacity, against the product's targets: a line at
each target's value, a marker at its deadline and at the (median) date it is reached. Monte
Carlo runs get a p10–p90 fan around the median; a single replication is drawn as one line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.present.plots.data import RunData, Series
from sim.present.plots.pages import MAX_PANELS, grouped_pages, page_note
from sim.present.plots.style import (
    OKABE_ITO,
    SMALL,
    date_axis,
    footer,
    legend_beside,
    new_figure,
    plot_text,
    style_axes,
    thousands,
)

#: measure -> (panel, colour, label)
SERIES = {
    "delivered": (0, OKABE_ITO["blue"], "delivered, cumulative"),
    "stock": (0, OKABE_ITO["orange"], "stock"),
    "rate": (1, OKABE_ITO["blue"], "made, trailing 12 months"),
    "capacity": (1, OKABE_ITO["bluish_green"], "installed capacity"),
}
PANEL_HEIGHT_IN = 1.9


def target_value(target: dict[str, Any], series: dict[str, Series]) -> float | None:
    """A target's threshold in plotted units: as resolved by the run where the summary says
    (`resolved_threshold`); else '5x' is 5 times the median at the start."""
    resolved = target.get("resolved_threshold")
    if isinstance(resolved, (int, float)):
        return float(resolved)
    threshold = target["threshold"]
    if isinstance(threshold, (int, float)):
        return float(threshold)
    if isinstance(threshold, str) and threshold.endswith("x") and target["measure"] in series:
        try:
            return float(threshold[:-1]) * float(series[target["measure"]]["p50"][0])
        except ValueError:
            return None
    return None


def short_number(value: float) -> str:
    """2,000,000 -> '2M', 150,000 -> '150k', 6 -> '6' (for notes; axes keep full numbers)."""
    for factor, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:,.3g}{suffix}"
    return f"{value:,.3g}"


def _draw_series(ax: Axes, columns: Series, colour: str, label: str, fan: bool, dashed: bool) -> None:
    style = "--" if dashed else "-"
    if fan:
        band = ax.fill_between(
            columns["dates"],
            columns["p10"],
            columns["p90"],
            color=colour,
            alpha=0.22,
            linewidth=0,
            label="p10–p90 of replications",
        )
        band.set_gid("fan")
        ax.plot(columns["dates"], columns["p50"], style, color=colour, linewidth=1.8, label=f"{label} (median)")
    else:
        ax.plot(columns["dates"], columns["p50"], style, color=colour, linewidth=1.8, label=label)


def _show_stock(product_series: dict[str, Series], targets: Sequence[dict[str, Any]]) -> bool:
    if "stock" not in product_series:
        return False
    if any(t["measure"] == "stock" for t in targets):
        return True
    delivered = product_series.get("delivered")
    return delivered is None or not np.allclose(delivered["p50"], product_series["stock"]["p50"])


def _date(text: str | None) -> np.datetime64 | None:
    return None if text is None else np.datetime64(text, "s")


def _mark_target(ax: Axes, target: dict[str, Any], value: float, slot: int, mc: bool, end: np.datetime64) -> None:
    """Deadline marker, reached marker (with p10–p90 whiskers for Monte Carlo) and a note."""
    colour = SERIES.get(target["measure"], (0, OKABE_ITO["black"], ""))[1]
    per_year = "/yr" if target["measure"] in ("rate", "capacity") else ""
    name = f"{plot_text(target['name'])} ({short_number(value)}{per_year})"
    dates = target.get("date_reached") or {}
    deadline = _date(target.get("by"))
    if deadline is not None:
        ax.plot(
            [deadline],
            [value],
            marker="v",
            markersize=9,
            color=OKABE_ITO["vermillion"],
            linestyle="none",
            zorder=5,
            label="deadline",
            gid="deadline",
        )
    p50 = _date(dates.get("p50"))
    if p50 is not None:
        ax.plot(
            [p50],
            [value],
            marker="o",
            markersize=7,
            color=colour,
            markeredgecolor="black",
            linestyle="none",
            zorder=6,
            gid="reached",
        )
        if mc and dates.get("p10"):
            span = np.array([dates["p10"], dates.get("p90") or str(end)], dtype="datetime64[s]")
            ax.plot(span, [value, value], color=colour, linewidth=4, alpha=0.55, zorder=4, solid_capstyle="butt")
        note = f"{name}: reached {dates['p50']}" + (" (median)" if mc else "")
    else:
        share = target.get("reached_fraction")
        where = f" ({share:.0%} of runs reach it)" if mc and share else ""
        note = f"{name}: {'median ' if mc else ''}NOT REACHED{where}"
    if deadline is not None:
        on_time = target.get("on_time_probability")
        note += f"; deadline {plot_text(target['by'])}" + (
            f", {on_time:.0%} on time" if mc and on_time is not None else ""
        )
    ax.annotate(
        note,
        color=OKABE_ITO["vermillion"] if p50 is None else "black",  # a target never reached stands out
        gid="note",
        xy=(0.01, value),
        xycoords=("axes fraction", "data"),
        xytext=(0, 3 + 11 * slot),
        textcoords="offset points",
        fontsize=SMALL - 0.5,
        va="bottom",
        ha="left",
        wrap=True,
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
    )


def draw_product(data: RunData, product: str, axes: Sequence[Axes]) -> None:
    """Both panels of one product onto `axes` (cumulative, per year)."""
    series = data.timeline.get(product, {})
    targets = [t for t in data.summary.get("targets", []) if t["product"] == product]
    mc = data.monte_carlo
    tops = [0.0, 0.0]
    end = None
    for measure, (panel, colour, label) in SERIES.items():
        if measure not in series or (measure == "stock" and not _show_stock(series, targets)):
            continue
        columns = series[measure]
        end = columns["dates"][-1]
        _draw_series(axes[panel], columns, colour, label, mc, dashed=measure in ("stock", "capacity"))
        tops[panel] = max(tops[panel], float(np.max(columns["p90"] if mc else columns["p50"])))
    slots: dict[tuple[int, float], int] = {}
    for target in targets:
        value = target_value(target, series)
        if value is None:
            continue
        panel = SERIES.get(target["measure"], (0,))[0]
        ax = axes[panel]
        slot = slots.get((panel, value), 0)
        slots[(panel, value)] = slot + 1
        if slot == 0:
            ax.axhline(value, color=OKABE_ITO["black"], linestyle=":", linewidth=1.3, gid="target", label="target")
        _mark_target(ax, target, value, slot, mc, end if end is not None else np.datetime64(data.summary["start"]))
        tops[panel] = max(tops[panel], value * (1.12 + 0.08 * slot))
    names = {0: ("units (cumulative)", "Deliveries and stock"), 1: ("units per year", "Rate and capacity")}
    for panel, ax in enumerate(axes[:2]):
        ylabel, title = names[panel]
        style_axes(ax)
        date_axis(ax)
        thousands(ax)
        ax.set_ylim(0, max(tops[panel] * 1.05, 1.0))
        ax.set_ylabel(ylabel, fontsize=SMALL + 1)
        ax.set_title(f"{data.words(product)}: {title.lower()}", fontsize=SMALL + 2, loc="left")
        legend_beside(ax)
    if end is not None:
        start = np.datetime64(data.summary["start"], "s")
        for ax in axes[:2]:
            ax.set_xlim(float(mdates.date2num(start)), float(mdates.date2num(end)))


#: products per timeline figure (two panels each)
PRODUCTS_PER_PAGE = MAX_PANELS // 2


def timeline_pages(data: RunData) -> list[list[str]]:
    """The products of each timeline figure: grouped by programme, three to a figure."""
    return grouped_pages(data.products(), data.programmes, PRODUCTS_PER_PAGE)


def plot_timeline(
    data: RunData,
    product: str | None = None,
    axes: Sequence[Axes] | None = None,
    products: Sequence[str] | None = None,
    page: tuple[int, int] = (0, 1),
) -> Figure:
    """The timeline of one product (both panels) or of `products` (default: every product;
    stacked); returns the Figure. `page` (index, count) titles one of several figures.

    `axes`, when given, is the (cumulative, per-year) pair to draw one product into."""
    if axes is not None:
        if product is None:
            product = data.products()[0]
        draw_product(data, product, axes)
        return axes[0].get_figure(root=True)  # type: ignore[return-value]
    products = [product] if product is not None else list(products or data.products())
    fig = new_figure(PANEL_HEIGHT_IN * 2 * len(products) + 0.5)
    grid = list(fig.subplots(2 * len(products), 1, squeeze=False)[:, 0])
    for i, name in enumerate(products):
        draw_product(data, name, grid[2 * i : 2 * i + 2])
    mc = " — median and p10–p90 of all replications" if data.monte_carlo else " — one replication"
    fig.suptitle(
        f"{plot_text(data.summary.get('scenario', ''))}: deliveries against targets{mc}{page_note(*page)}",
        fontsize=SMALL + 3,
        wrap=True,
    )
    footer(fig, data.summary)
    return fig
