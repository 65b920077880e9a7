"""The target chart (`target_chart.png`): every target on one page, one row each, grouped by
programme. The median date is a dot, p10–p90 a bar, the deadline a black bar across the row,
and the colour says the chance of being on time on a stated scale (`ON_TIME_SCALE`). A target
not reached in some runs says so beside its name.

A target's programme is the budget that pays most of the lines making its product (summary.json's
`programme`), else the product; named in words, targets in the scenario's order within it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.language.calendar import Clock
from sim.present.plots.style import (
    GREY,
    OKABE_ITO,
    SMALL,
    WIDTH_IN,
    footer,
    legend_beside,
    new_figure,
    plot_text,
    style_axes,
    words,
)

#: (lowest chance on time, colour, legend text), highest first: the chart's colour scale
ON_TIME_SCALE = (
    (0.8, OKABE_ITO["bluish_green"], "on time in ≥ 80% of runs"),
    (0.2, OKABE_ITO["orange"], "on time in 20–80%"),
    (0.0, OKABE_ITO["vermillion"], "on time in < 20%"),
)
NO_DEADLINE = (GREY, "no deadline")
#: the page: at most this height for its width (A4 is 1.41), the inches of title, axis and legend
MAX_ASPECT, FRAME_IN = 1.5, 1.9
#: inches per row at most (few targets), and the least before the labels get smaller
ROW_IN, MIN_ROW_IN = 0.36, 0.16


@dataclass(frozen=True)
class TargetRow:
    """One target as the chart draws it: its dates (None: not reached at that percentile)."""

    name: str
    programme: str
    p10: dt.date | None
    p50: dt.date | None
    p90: dt.date | None
    by: dt.date | None
    on_time: float | None
    reached: float


def _date(text: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(text)[:10]) if text else None


def summary_rows(summary: dict[str, Any], labels: dict[str, str] | None = None) -> list[TargetRow]:
    """The targets of a `summary.json`, grouped by programme (first appearance first), each
    programme named by its `label:` in `labels` or in words (`europe_land` -> 'Europe land')."""
    rows = []
    for t in summary.get("targets") or []:
        d = t.get("date_reached") or {}
        rows.append(
            TargetRow(
                name=str(t["name"]),
                programme=words(str(t.get("programme") or t.get("product") or ""), labels),
                p10=_date(d.get("p10")),
                p50=_date(d.get("p50")),
                p90=_date(d.get("p90")),
                by=_date(t.get("by")),
                on_time=t.get("on_time_probability"),
                reached=float(t.get("reached_fraction") or 0.0),
            )
        )
    order = list(dict.fromkeys(r.programme for r in rows))
    return sorted(rows, key=lambda r: order.index(r.programme))


def compare_charts(compare: dict[str, Any]) -> dict[str, tuple[dict[str, Any], list[TargetRow]]]:
    """Each scenario of a `compare.json` (with its `spans`) as (its span, its target rows);
    empty for a file from before comparisons recorded deadlines and spans."""
    spans = compare.get("spans") or {}
    charts: dict[str, tuple[dict[str, Any], list[TargetRow]]] = {}
    for label, meta in spans.items():
        targets = [
            {"name": name, **entry["scenarios"][label]}
            for name, entry in (compare.get("targets") or {}).items()
            if (entry.get("scenarios") or {}).get(label) and "product" in entry["scenarios"][label]
        ]
        if targets:
            charts[label] = (meta, summary_rows({"targets": targets}))
    return charts


def on_time_colour(chance: float | None) -> str:
    """The colour of a chance of being on time on `ON_TIME_SCALE` (grey: no deadline)."""
    if chance is None:
        return NO_DEADLINE[0]
    return next(c for low, c, _ in ON_TIME_SCALE if chance >= low)


def span(summary: dict[str, Any]) -> tuple[dt.date, dt.date]:
    """The scenario's start and the end of its horizon: the chart's date axis."""
    start = dt.date.fromisoformat(str(summary["start"])[:10])
    return start, Clock(start).date_after_years(float(summary.get("horizon_years") or 1.0))


def row_inches(n: int, frame: float = FRAME_IN, width: float = WIDTH_IN) -> float:
    """Inches per row so that `n` rows and the frame fit `MAX_ASPECT` × `width`."""
    return max(0.0, min(ROW_IN, (MAX_ASPECT * width - frame) / max(1, n)))


def _label(row: TargetRow) -> str:
    name = plot_text(row.name)
    if row.reached < 1.0:
        return f"{name}\nnot reached in {1.0 - row.reached:.0%} of runs"
    return name


def draw_targets(
    ax: Axes, rows: list[TargetRow], start: dt.date, end: dt.date, fontsize: float = SMALL, n: int | None = None
) -> None:
    """The rows on `ax`, programme headings in bold, the first target on top. Every drawn mark
    carries a gid ('median:NAME', 'range:NAME', 'deadline:NAME') so it can be read back. `n`:
    the rows the axes has room for (side by side, every panel's rows the same height)."""
    style_axes(ax)
    x = lambda d: float(mdates.date2num(d))  # noqa: E731
    ticks: list[float] = []
    labels: list[str] = []
    bold: list[bool] = []
    y, programme = 0.0, None
    for row in rows:
        if row.programme != programme:
            programme = row.programme
            if ticks:
                ax.axhline(y - 0.5, color=GREY, linewidth=0.6)
            ticks.append(y)
            labels.append(programme)
            bold.append(True)
            y += 1.0
        colour = on_time_colour(row.on_time)
        if row.p10 is not None:
            end_bar = row.p90 or end
            ax.plot([x(row.p10), x(end_bar)], [y, y], color=colour, linewidth=5, alpha=0.5,
                    solid_capstyle="butt", gid=f"range:{row.name}")  # fmt: skip
        if row.p90 is None:  # (not reached by nine tenths of the runs: an arrow at the horizon)
            ax.plot([x(end)], [y], marker=">", color=colour, markersize=7, clip_on=False)
        if row.p50 is not None:
            ax.plot([x(row.p50)], [y], marker="o", color=colour, markersize=7, markeredgecolor="black",
                    markeredgewidth=0.6, linestyle="none", gid=f"median:{row.name}")  # fmt: skip
        if row.by is not None:
            ax.plot([x(row.by)], [y], marker="|", color="black", markersize=14, markeredgewidth=2,
                    linestyle="none", gid=f"deadline:{row.name}")  # fmt: skip
        ticks.append(y)
        labels.append(_label(row))
        bold.append(False)
        y += 1.0
    ax.set_yticks(ticks, labels, fontsize=fontsize)
    for tick, is_heading in zip(ax.get_yticklabels(), bold, strict=True):
        tick.set_fontweight("bold" if is_heading else "normal")
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(max(y, n or 0) - 0.4, -0.6)
    ax.set_xlim(x(start), x(end))
    few_years(ax, 6)
    ax.set_xlabel("date reached", fontsize=SMALL)


def few_years(ax: Axes, most: int) -> None:
    """At most `most` date ticks: the legend beside the chart leaves the dates less room."""
    locator = mdates.AutoDateLocator(minticks=2, maxticks=most)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    ax.tick_params(labelsize=SMALL)


def legend_handles() -> list[Line2D]:
    """The colour scale and the marks, for the figure's legend."""
    handles = [Line2D([], [], color=c, marker="o", linewidth=5, alpha=0.8, label=text) for _, c, text in ON_TIME_SCALE]
    handles.insert(0, Line2D([], [], color="black", marker="o", linewidth=5, alpha=0.35, label="median (dot), p10–p90"))
    handles.append(Line2D([], [], color=NO_DEADLINE[0], marker="o", linewidth=5, alpha=0.8, label=NO_DEADLINE[1]))
    handles.append(Line2D([], [], color="black", marker="|", markersize=10, linestyle="none", label="deadline"))
    handles.append(Line2D([], [], color=GREY, marker=">", linestyle="none", label="p90 not reached by the end"))
    return handles


def _font(n: int) -> float:
    return SMALL if row_inches(n) >= 0.26 else max(5.5, SMALL * row_inches(n) / 0.26)


def plot_target_chart(summary: dict[str, Any], labels: dict[str, str] | None = None) -> Figure:
    """The target chart of one run's `summary.json`, programmes named by their `labels`."""
    rows = summary_rows(summary, labels)
    if not rows:
        raise ValueError("the target chart needs a summary with at least one target")
    n = len(rows) + len({r.programme for r in rows})
    fig = new_figure(FRAME_IN + row_inches(n) * n)
    ax = fig.add_subplot()
    start, end = span(summary)
    draw_targets(ax, rows, start, end, _font(n))
    return _finish(fig, summary, "targets")


def plot_target_charts(charts: dict[str, tuple[dict[str, Any], list[TargetRow]]], meta: dict[str, Any]) -> Figure:
    """Several scenarios' target charts side by side on one date axis: `charts` maps a
    scenario's label to (its run metadata with `start` and `horizon_years`, its rows)."""
    if not charts or not any(rows for _, rows in charts.values()):
        raise ValueError("the side-by-side target chart needs at least one scenario with targets")
    spans = [span(m) for m, _ in charts.values()]
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    n = max(len(rows) + len({r.programme for r in rows}) for _, rows in charts.values())
    fig = new_figure(FRAME_IN + row_inches(n) * n, WIDTH_IN)
    axes = fig.subplots(1, len(charts), squeeze=False)[0]
    for ax, (label, (_, rows)) in zip(axes, charts.items(), strict=True):
        draw_targets(ax, rows, start, end, _font(n) * (0.9 if len(charts) > 1 else 1.0), n)
        ax.set_title(plot_text(label), fontsize=SMALL + 1)
        few_years(ax, max(3, 6 // len(charts)))
    return _finish(fig, meta, "targets side by side")


def _finish(fig: Figure, meta: dict[str, Any], title: str) -> Figure:
    scenario = meta.get("scenario")
    fig.suptitle(f"{plot_text(scenario)}: {title}" if scenario else title.capitalize(), fontsize=SMALL + 3)
    footer(fig, meta)  # first: it keeps the bottom edge free, and the legend goes above it
    handles = legend_handles()  # beside the (last) panel: never over the data or the footer
    legend_beside(fig.axes[-1], handles, [str(h.get_label()) for h in handles])
    return fig
