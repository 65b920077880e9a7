"""The readable table of targets printed on the terminal after a run."""

from __future__ import annotations

import textwrap
from typing import Any

from sim.present.certainty import date_warnings
from sim.present.text import terminal_text


def _fmt_threshold(target: dict[str, Any]) -> str:
    """'2,000,000 per year'; a relative threshold with the value the run resolved it to,
    '5x = 3,667 per year' (just '5x' where the summary has none)."""
    value, resolved = target["threshold"], target.get("resolved_threshold")
    if isinstance(value, str):
        return value if resolved is None else f"{value} = {_fmt_threshold({**target, 'threshold': resolved})}"
    text = f"{value:,.0f}" if value >= 100 or float(value).is_integer() else f"{value:,.2f}"
    return text + (" per year" if target["measure"] in ("rate", "capacity") else "")


WIDTH = 100
LEGEND = (
    "dates to the month; median: half the runs reach the target by then; 95% CI: where that median",
    "lies, 95% confident; p10 – p90: a tenth and nine tenths of the runs; n/r: not reached by the end",
)


def _month(iso: str | None) -> str:
    return "n/r" if iso is None else iso[:7]


def _span(low: str | None, high: str | None) -> str:
    """'2031-05 – 2033-01', '2031-05 – n/r', or 'n/r' where both bounds are not reached."""
    return "n/r" if low is None and high is None else f"{_month(low)} – {_month(high)}"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def targets_table(summary: dict[str, Any]) -> str:
    """Each target on two lines: its name, median date with the 95% interval of that median,
    p10–p90 range and chance of meeting the deadline; under it the goal and the share reaching
    it. Then a legend and, in words, each warning about how sure a median date is. No line is
    wider than `WIDTH` columns (the longest names are shortened where they would make one)."""
    header = ("target / goal", "median", "95% CI of median", "p10 – p90", "on time")
    rows, goals = [header], []
    for t in summary["targets"]:
        dates = t["date_reached"]
        interval = t.get("date_p50_interval")
        ci = "—" if interval is None else _span(*interval)
        on_time = "—" if t["on_time_probability"] is None else f"{t['on_time_probability']:.0%} by {t['by']}"
        rows.append((t["name"], _month(dates["p50"]), ci, _span(dates["p10"], dates["p90"]), on_time))
        goals.append(f"{t['measure']} {_fmt_threshold(t)} · reached in {t['reached_fraction']:.0%} of runs")
    cells = [[terminal_text(c) for c in r] for r in rows]  # names are data: never escape sequences
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    spare = WIDTH - (sum(widths) + 2 * (len(widths) - 1))
    if spare < 0:
        widths[0] = max(len(header[0]), widths[0] + spare)
        cells = [[_fit(r[0], widths[0]), *r[1:]] for r in cells]

    def line(r: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()

    lines = [line(cells[0]), "  ".join("-" * w for w in widths)]
    for r, goal in zip(cells[1:], goals, strict=True):
        lines += [line(r), _fit("  " + terminal_text(goal), WIDTH)]
    if goals:
        lines += ["", *LEGEND]
    warnings = [w for t in summary["targets"] for w in date_warnings(t)]
    if warnings:
        lines += ["", "How sure the dates are:"]
        lines += [
            "\n".join(textwrap.wrap(terminal_text(w), WIDTH, initial_indent="! ", subsequent_indent="  "))
            for w in warnings
        ]
    title = f"{terminal_text(summary['scenario'])} — {summary['replications']} replication(s), seed {summary['seed']}"
    return _fit(title, WIDTH) + "\n" + "\n".join(lines)
