"""Deliveries by customer: for each product with orders, each customer's cumulative deliveries
(solid) and backlog (dashed), medians over replications, one panel per product; then one panel
of each customer's order value over all its products (delivered and backlog, means over
replications: means of products add up, medians do not)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.present.plots.data import RunData
from sim.present.plots.style import (
    SMALL,
    date_axis,
    footer,
    legend_beside,
    money_scale,
    named_colours,
    new_figure,
    plot_text,
    style_axes,
    thousands,
)

PANEL_HEIGHT_IN = 2.6


def currency_of(data: RunData) -> str:
    """The currency order values are in (`value_in` of the summary's customers)."""
    for products in (data.summary.get("customers") or {}).values():
        for entry in products.values():
            if entry.get("value_in"):
                return str(entry["value_in"])
    return str(data.summary.get("currency", ""))


def draw_values(ax: Axes, data: RunData, colours: dict[str, str]) -> None:
    """Each customer's order value over all its products: delivered (solid), backlog (dashed)."""
    totals: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for customers in (data.customers or {}).values():
        for customer, measures in customers.items():
            for m in ("delivered_value", "backlog_value"):
                got = measures.get(m)
                if got is None:
                    continue
                dates, mean = totals.setdefault(customer, {}).get(m, (got["dates"], np.zeros(len(got["mean"]))))
                totals[customer][m] = (dates, mean + got["mean"])
    largest = max((float(v.max()) for t in totals.values() for _, v in t.values() if v.size), default=0.0)
    factor, suffix = money_scale(largest)
    for customer, sums in totals.items():
        name, tint = plot_text(data.words(customer)), colours[customer]
        if "delivered_value" in sums:
            dates, mean = sums["delivered_value"]
            ax.plot(dates, mean / factor, color=tint, label=name, gid=f"{customer}-delivered-value")
        if "backlog_value" in sums:
            dates, mean = sums["backlog_value"]
            ax.plot(dates, mean / factor, color=tint, linestyle="--")
    currency = plot_text(currency_of(data))
    ax.set_title(
        f"Order value by customer, all products (mean, {currency}): delivered solid, backlog dashed",
        fontsize=SMALL + 1,
    )
    ax.set_ylabel(f"{currency} {suffix}".strip(), fontsize=SMALL + 1)


def plot_customers(data: RunData) -> Figure:
    """One panel per product ordered: each customer's delivered and backlog over time; then the
    order value panel (`draw_values`)."""
    products = data.customers or {}
    valued = any("delivered_value" in m for customers in products.values() for m in customers.values())
    panels = max(1, len(products)) + valued
    fig = new_figure(PANEL_HEIGHT_IN * panels + 0.4)
    axes = fig.subplots(panels, 1, squeeze=False)[:, 0]
    colours = named_colours(c for customers in products.values() for c in customers)
    if valued:
        draw_values(axes[-1], data, colours)
        style_axes(axes[-1])
        date_axis(axes[-1])
        legend_beside(axes[-1])
    for ax, (product, customers) in zip(axes, products.items(), strict=False):
        for customer, measures in customers.items():
            name, tint = plot_text(data.words(customer)), colours[customer]
            got, backlog = measures.get("delivered"), measures.get("backlog")
            if got is not None:
                ax.plot(got["dates"], got["p50"], color=tint, label=f"{name} delivered", gid=f"{customer}-delivered")
            if backlog is not None:
                ax.plot(backlog["dates"], backlog["p50"], color=tint, linestyle="--", label=f"{name} backlog")
        ax.set_title(
            f"{plot_text(data.words(product))}: deliveries and backlog by customer (median)", fontsize=SMALL + 1
        )
        style_axes(ax)
        date_axis(ax)
        thousands(ax)
        legend_beside(ax)
    mc = " — median of all replications" if data.monte_carlo else " — one replication"
    scenario = plot_text(data.summary.get("scenario", ""))
    fig.suptitle(f"{scenario}: deliveries and backlog by customer{mc}", fontsize=SMALL + 3, wrap=True)
    footer(fig, data.summary)
    return fig
