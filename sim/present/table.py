"""The readable table of targets printed on the terminal after a run."""

from __future__ import annotations

from typing import Any

from sim.present.text import terminal_text


def _fmt_threshold(target: dict[str, Any]) -> str:
    """'2,000,000 per year'; a relative threshold with the value the run resolved it to,
    '5x = 3,667 per year' (just '5x' where the summary has none)."""
    value, resolved = target["threshold"], target.get("resolved_threshold")
    if isinstance(value, str):
        return value if resolved is None else f"{value} = {_fmt_threshold({**target, 'threshold': resolved})}"
    text = f"{value:,.0f}" if value >= 100 or float(value).is_integer() else f"{value:,.2f}"
    return text + (" per year" if target["measure"] in ("rate", "capacity") else "")


def targets_table(summary: dict[str, Any]) -> str:
    """Each target: its median date, p10–p90 range and chance of meeting the deadline."""
    header = ("target", "measure", "median date", "p10 – p90", "reached", "on time")
    rows = [header]
    for t in summary["targets"]:
        dates = t["date_reached"]
        p10, p50, p90 = (dates[k] or "not reached" for k in ("p10", "p50", "p90"))
        on_time = "—" if t["on_time_probability"] is None else f"{t['on_time_probability']:.0%} by {t['by']}"
        rows.append(
            (
                t["name"],
                f"{t['measure']} {_fmt_threshold(t)}",
                p50,
                f"{p10} – {p90}",
                f"{t['reached_fraction']:.0%}",
                on_time,
            )
        )
    cells = [[terminal_text(c) for c in r] for r in rows]  # names are data: never escape sequences
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    title = f"{terminal_text(summary['scenario'])} — {summary['replications']} replication(s), seed {summary['seed']}"
    return title + "\n" + "\n".join(lines)
