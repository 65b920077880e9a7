"""Money by nation: for each nation, the money its budgets were appropriated beside what they
committed to the modelled industrial base (left), and the share of its core and related
spending that reached it (right); means over replications, from `summary.json`."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.present.plots.data import RunData
from sim.present.plots.style import OKABE_ITO, SMALL, footer, legend, money_scale, new_figure, plot_text, style_axes

ROW_HEIGHT_IN = 0.42
HEIGHT = 0.38


def draw_money(ax: Axes, names: list[str], nations: dict[str, Any], currency: str) -> None:
    """Horizontal bars per nation: appropriated to its budgets, and committed of it."""
    y = np.arange(len(names))
    appropriated = np.array([nations[n]["appropriated"] for n in names], dtype=float)
    committed = np.array([nations[n]["committed"] for n in names], dtype=float)
    factor, suffix = money_scale(max(float(np.max(appropriated, initial=0)), 1.0))
    ax.barh(y - HEIGHT / 2, appropriated / factor, HEIGHT, color=OKABE_ITO["sky_blue"], label="appropriated")
    ax.barh(y + HEIGHT / 2, committed / factor, HEIGHT, color=OKABE_ITO["blue"], label="committed")
    ax.set_yticks(y, [plot_text(n) for n in names])
    ax.invert_yaxis()
    ax.set_xlabel(f"{currency} {suffix} over the horizon".replace("  ", " "), fontsize=SMALL + 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.set_title("money of its budgets", fontsize=SMALL + 2, loc="left")
    style_axes(ax)
    legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)


def draw_shares(ax: Axes, names: list[str], nations: dict[str, Any]) -> None:
    """Horizontal bars per nation: the share of its core and of its related spending committed
    to the modelled industrial base."""
    y = np.arange(len(names))
    for k, (path, colour) in enumerate((("core", OKABE_ITO["orange"]), ("related", OKABE_ITO["bluish_green"]))):
        shares = np.array([nations[n][path]["reached_share"] or 0.0 for n in names], dtype=float)
        ax.barh(y + (k - 0.5) * HEIGHT, shares, HEIGHT, color=colour, label=f"of {path} spending")
    ax.set_yticks(y, [""] * len(names))
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.set_title("share reaching the modelled plants", fontsize=SMALL + 2, loc="left")
    style_axes(ax)
    legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)


def plot_nations(data: RunData) -> Figure:
    """Money by nation (appropriated vs committed) and the share of each nation's core and
    related spending committed to the modelled plants; returns the Figure."""
    nations: dict[str, Any] = data.summary.get("nations") or {}
    if not nations:
        raise ValueError("the money-by-nation figure needs summary.json with at least one nation")
    names = list(nations)
    currency = plot_text(str(next(iter(nations.values())).get("amounts_in", "")))
    fig = new_figure(ROW_HEIGHT_IN * len(names) + 2.0)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    draw_money(left, names, nations, currency)
    draw_shares(right, names, nations)
    fig.suptitle(f"{plot_text(data.summary.get('scenario', ''))}: money by nation", fontsize=SMALL + 3)
    footer(fig, data.summary)
    return fig
