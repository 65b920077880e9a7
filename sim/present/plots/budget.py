"""Budget: for each budget and fiscal year, money appropriated beside money committed, with
money that lapsed at the year's end stacked on top; one replication."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.present.plots.data import RunData
from sim.present.plots.pages import MAX_PANELS, chunks, page_note
from sim.present.plots.style import (
    OKABE_ITO,
    SMALL,
    footer,
    legend_beside,
    money_label,
    money_scale,
    named_colour,
    named_colours,
    new_figure,
    plot_text,
    replication_note,
    style_axes,
)

PANEL_HEIGHT_IN = 2.5
WIDTH = 0.38


def draw_budget(
    ax: Axes,
    name: str,
    years: dict[str, dict[str, float]],
    currency: str,
    shown: str | None = None,
    own: str | None = None,
) -> None:
    """Bars per fiscal year in the budget's colour (`own`, default its name's): appropriated
    (light) | committed (+ lapsed on top, hatched vermillion)."""
    labels = sorted(years, key=int)
    x = np.arange(len(labels))
    appropriated = np.array([years[y]["appropriated"] for y in labels])
    committed = np.array([years[y]["committed"] for y in labels])
    lapsed = np.array([years[y]["lapsed"] for y in labels])
    own = own or named_colour(name)  # the budget's own colour, the same in every figure and scenario
    factor, suffix = money_scale(max(float(np.max(appropriated, initial=0)), float(np.max(committed, initial=0)), 1.0))
    ax.bar(
        x - WIDTH / 2,
        appropriated / factor,
        WIDTH,
        color=own,
        alpha=0.4,
        label="appropriated",
        gid="appropriated",
    )
    ax.bar(x + WIDTH / 2, committed / factor, WIDTH, color=own, label="committed", gid="committed")
    if np.any(lapsed > 0):
        ax.bar(
            x + WIDTH / 2,
            lapsed / factor,
            WIDTH,
            bottom=committed / factor,
            color="white",
            hatch="xx",
            edgecolor=OKABE_ITO["vermillion"],
            linewidth=0,
            label="lapsed at year end",
            gid="lapsed",
        )
    lapsed_total = float(lapsed.sum())
    ax.set_title(
        f"{shown or plot_text(name)}: appropriated {money_label(float(appropriated.sum()), currency)}, committed "
        f"{money_label(float(committed.sum()), currency)}"
        + (f", lapsed {money_label(lapsed_total, currency)}" if lapsed_total > 0 else ""),
        fontsize=SMALL + 2,
        loc="left",
    )
    step = max(1, -(-len(labels) // 12))  # at most twelve year labels, so none touch
    ax.set_xticks(x[::step], labels[::step])
    ax.set_xlabel("fiscal year", fontsize=SMALL + 1)
    ax.set_ylabel(f"{currency} {suffix or ''} per year".replace("  ", " "), fontsize=SMALL + 1)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.2f}".rstrip("0").rstrip(".")))
    style_axes(ax)
    ax.grid(False, axis="x")
    legend_beside(ax)


def budget_pages(data: RunData) -> list[list[str]]:
    """The budgets of each budget figure, four to a figure (in the scenario's order)."""
    return chunks(list((data.detail or {}).get("budgets") or {}), BUDGETS_PER_PAGE)


#: budget panels per figure
BUDGETS_PER_PAGE = min(4, MAX_PANELS)


def plot_budget(
    data: RunData, ax: Axes | None = None, names: list[str] | None = None, page: tuple[int, int] = (0, 1)
) -> Figure:
    """Appropriations vs commitments per budget per fiscal year; returns the Figure.

    With `ax`, only the first budget is drawn into it."""
    detail = data.detail
    if detail is None or not detail.get("budgets"):
        raise ValueError("the budget figure needs replication0.json with at least one budget")
    budgets: dict[str, Any] = detail["budgets"]
    colours = named_colours(budgets)  # over all the scenario's budgets: distinct on every page
    if names is not None:
        budgets = {n: budgets[n] for n in names}
    currency = plot_text(detail.get("currency", ""))
    if ax is not None:
        name = next(iter(budgets))
        draw_budget(ax, name, budgets[name], currency, data.words(name), colours[name])
        return ax.get_figure(root=True)  # type: ignore[return-value]
    fig = new_figure(PANEL_HEIGHT_IN * len(budgets) + 0.7)
    axes = fig.subplots(len(budgets), 1, squeeze=False)[:, 0]
    for a, (name, years) in zip(axes, budgets.items(), strict=False):
        draw_budget(a, name, years, currency, data.words(name), colours[name])
    which = replication_note(data)
    fig.suptitle(
        f"{plot_text(data.summary.get('scenario', ''))}: money by fiscal year{which}{page_note(*page)}",
        fontsize=SMALL + 3,
        wrap=True,
    )
    footer(fig, data.summary)
    return fig
