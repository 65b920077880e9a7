"""Deliveries by customer: for each product with orders, each customer's cumulative deliveries
(solid) and backlog (dashed), medians over replications, one panel per product."""

from __future__ import annotations

from matplotlib.figure import Figure

from sim.present.plots.data import RunData
from sim.present.plots.style import (
    SMALL,
    date_axis,
    footer,
    legend_beside,
    named_colour,
    new_figure,
    plot_text,
    style_axes,
    thousands,
)

PANEL_HEIGHT_IN = 2.6


def plot_customers(data: RunData) -> Figure:
    """One panel per product ordered: each customer's delivered and backlog over time."""
    products = data.customers or {}
    fig = new_figure(PANEL_HEIGHT_IN * max(1, len(products)) + 0.4)
    axes = fig.subplots(max(1, len(products)), 1, squeeze=False)[:, 0]
    for ax, (product, customers) in zip(axes, products.items(), strict=False):
        for customer, measures in customers.items():
            name, tint = plot_text(data.words(customer)), named_colour(customer)
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
