"""The readable table of targets printed on the terminal after a run."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from sim.present.certainty import date_warnings
from sim.present.names import in_words
from sim.present.text import terminal_text


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or float(value).is_integer() else f"{value:,.2f}"


def goal_text(target: dict[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """What a target measures in real units, the product named by its label in `labels` or in
    words: '1,300 MBT delivered', '≥ 3,000 shell 155mm a year', 'capacity ≥ 3,667 shell 155mm a
    year (5x)', 'shell 155mm run out' (an `unmet` target); a relative threshold the summary did not
    resolve stays as written ('capacity 5x'; 'shell 155mm in stock ≥ 30 days of demand'); a
    target of one customer's or one nation's deliveries says whose ('240 MBT delivered to poland')."""
    text = _goal(target, labels)
    if target.get("customer"):
        return f"{text} to {target['customer']}"
    if target.get("nation"):
        return f"{text} to {target['nation']} and its budgets"
    return text


def _goal(target: dict[str, Any], labels: Mapping[str, str] | None) -> str:
    """`goal_text` without whose deliveries it reads."""
    value, resolved = target["threshold"], target.get("resolved_threshold")
    product = in_words(target.get("product") or "", labels, capital=False)
    measure = target["measure"]
    relative = f" ({value})" if isinstance(value, str) else ""
    amount = resolved if isinstance(value, str) else value
    if isinstance(value, str) and value.endswith("of demand"):  # (drawn a replication: as written)
        return f"{product} in stock ≥ {value}"
    if not isinstance(amount, (int, float)):
        return f"{measure} {value}"
    number = _number(float(amount))
    if measure == "delivered":
        return f"{number} {product} delivered{relative}"
    if measure == "rate":
        return f"≥ {number} {product} a year{relative}"
    if measure == "capacity":
        return f"capacity ≥ {number} {product} a year{relative}"
    if measure == "unmet":  # (its date: the day unmet demand first passes the level)
        return f"{product} run out" if amount == 0 else f"{product} short by more than {number}"
    return f"≥ {number} {product} in stock{relative}"


def binds_text(target: dict[str, Any]) -> str | None:
    """What binds the target as measured ('binds: relaxing X brings it N months earlier',
    'measured: nothing relaxed helps: lead time'), else what its lines waited for ('waited for:
    ...', never called binding); None in a summary that has neither."""
    found = target.get("what_binds")
    if found:
        return f"{'binds' if found.get('constraint') else 'measured'}: {found['text']}"
    if target.get("waited_for"):
        return str(target["waited_for"]["text"])
    return None


WIDTH = 100
LEGEND = ("p10 / median / p90: a tenth / half / nine tenths of the runs reach it by then; n/r: not reached",)


WAITED = "waited for: shares of the lines' time; not what binds (rearm run --bottlenecks measures that)"


def _month(iso: str | None) -> str:
    return "n/r" if iso is None else iso[:7]


def _span(low: str | None, high: str | None) -> str:
    """'2031-05 – 2033-01', '2031-05 – n/r', or 'n/r' where both bounds are not reached."""
    return "n/r" if low is None and high is None else f"{_month(low)} – {_month(high)}"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def targets_table(summary: dict[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """Each target on up to three lines: its name, median date with the 95% interval of that
    median, p10–p90 range and chance of meeting the deadline; under it the goal in real units
    and the share reaching it; then what binds it (measured) or what its lines waited for. Then
    a one-line legend and, in words, each warning about how sure a median date is. No line is
    wider than `WIDTH` columns (the longest names are shortened where they would make one).
    Products are named by their `labels` (the scenario's `label:`s), else in words."""
    header = ("target / goal", "median", "95% CI of median", "p10 – p90", "on time")
    rows, goals = [header], []
    for t in summary["targets"]:
        dates = t["date_reached"]
        interval = t.get("date_p50_interval")
        ci = "—" if interval is None else _span(*interval)
        on_time = "—" if t["on_time_probability"] is None else f"{t['on_time_probability']:.0%} by {t['by']}"
        rows.append((t["name"], _month(dates["p50"]), ci, _span(dates["p10"], dates["p90"]), on_time))
        goals.append([f"{goal_text(t, labels)} · reached in {t['reached_fraction']:.0%} of runs"])
        binds = binds_text(t)
        if binds:
            goals[-1].append(binds)
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
        lines += [line(r), *(_fit("  " + terminal_text(g), WIDTH) for g in goal)]
    if goals:
        lines += ["", *LEGEND]
    if any(t.get("waited_for") and not t.get("what_binds") for t in summary["targets"]):
        lines.append(WAITED)
    warnings = [w for t in summary["targets"] for w in date_warnings(t)]
    if warnings:
        lines += ["", "How sure the dates are:"]
        lines += [
            "\n".join(textwrap.wrap(terminal_text(w), WIDTH, initial_indent="! ", subsequent_indent="  "))
            for w in warnings
        ]
    title = f"{terminal_text(summary['scenario'])} — {summary['replications']} replication(s), seed {summary['seed']}"
    return _fit(title, WIDTH) + "\n" + "\n".join(lines)
