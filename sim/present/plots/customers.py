"""Deliveries by customer: for each product with orders, each customer's cumulative deliveries
(solid) and backlog (dashed), medians over replications, one panel per product."""

from __future__ import annotations

from matplotlib.figure import Figure

from sim.present.plots.data import RunData
from sim.present.plots.style import (
    SMALL,
    colour,
    date_axis,
    footer,
    legend,
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
        for i, (customer, measures) in enumerate(customers.items()):
            name = plot_text(customer)
            got, backlog = measures.get("delivered"), measures.get("backlog")
            if got is not None:
                ax.plot(
                    got["dates"], got["p50"], color=colour(i), label=f"{name} delivered", gid=f"{customer}-delivered"
                )
            if backlog is not None:
                ax.plot(backlog["dates"], backlog["p50"], color=colour(i), linestyle="--", label=f"{name} backlog")
        ax.set_title(f"{plot_text(product)}: deliveries and backlog by customer (median)", fontsize=SMALL + 1)
        style_axes(ax)
        date_axis(ax)
        thousands(ax)
        legend(ax, loc="upper left")
    footer(fig, data.summary)
    return fig
