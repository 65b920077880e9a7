"""What a study shows on the terminal: its results as aligned tables, every cell escaped for
the terminal (names are data). Plain text from plain data: nothing here runs a study."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.present.text import terminal_text
from sim.studies.audit import AuditRow
from sim.studies.evaluate import Point
from sim.studies.sensitivity import Index

#: design points printed at most (all are in results.csv)
MAX_PRINTED = 40
#: the audit table's width at most, in characters
MAX_WIDTH = 100
#: a column cut to fit is kept at least this wide
MIN_CUT = 14


def table(rows: Sequence[Sequence[Any]], keep: int = 1) -> str:
    """Rows as aligned columns under a rule, the first row being the header, at most MAX_WIDTH
    wide: long cells are cut (with …), and where the columns still do not fit, the table is
    split into several, each repeating the first `keep` columns."""
    cells = [[terminal_text(c) for c in r] for r in rows]
    return "\n\n".join(fitted([[r[i] for i in block] for r in cells], MAX_WIDTH) for block in blocks(cells, keep))


def blocks(cells: list[list[str]], keep: int) -> list[list[int]]:
    """Column indices of each part of a table too wide for MAX_WIDTH: the first `keep` columns,
    then as many of the others as fit with every column at least MIN_CUT wide (one at least)."""
    n = len(cells[0])
    width = lambda i: min(max(len(r[i]) for r in cells), MIN_CUT) + 2  # noqa: E731
    head = list(range(min(keep, n)))
    out: list[list[int]] = []
    current, used = list(head), sum(width(i) for i in head)
    for i in range(len(head), n):
        if len(current) > len(head) and used + width(i) > MAX_WIDTH + 2:
            out.append(current)
            current, used = list(head), sum(width(j) for j in head)
        current.append(i)
        used += width(i)
    out.append(current)
    return out


def _years(x: float | None) -> str:
    return "not reached" if x is None or not np.isfinite(x) else f"{x:.2f}"


def sweep_lines(
    paths: Sequence[str],
    targets: Sequence[str],
    points: Sequence[Point],
    medians: Sequence[Sequence[float | None]],
    failed: np.ndarray,
) -> list[str]:
    """Each design point's values and median years to each target (`failed[i]`: every run of
    point i failed), the first MAX_PRINTED points."""
    rows: list[Sequence[Any]] = [("point", *paths, *(f"{t} (median years)" for t in targets))]
    for i, point in enumerate(points[:MAX_PRINTED]):
        cells = ["failed"] * len(targets) if failed[i] else [_years(m) for m in medians[i]]
        rows.append((i, *("as written" if v is None else v for v in point.values), *cells))
    lines = [table(rows, keep=1 + len(paths))]
    if len(points) > MAX_PRINTED:
        lines.append(f"... {len(points) - MAX_PRINTED} more points in results.csv")
    return lines


def sensitivity_table(method: str, found: Sequence[Index]) -> str:
    """The method's two main indices per target and parameter, with their confidence."""
    shown = {"oat": ("low_effect", "high_effect"), "morris": ("mu_star", "sigma"), "sobol": ("S1", "ST")}[method]
    unit = " (years)" if method != "sobol" else ""
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for path, target, _, index, value, conf in found:
        if index in shown:
            text = "n/a" if not np.isfinite(value) else f"{value:+.3f}" if unit else f"{value:.3f}"
            if conf is not None and np.isfinite(conf):
                text += f" ± {conf:.3f}"
            cells.setdefault((target, path), {})[index] = text
    rows: list[Sequence[Any]] = [("target", "parameter", *(i + unit for i in shown))]
    rows += [(t, p, *(c.get(i, "") for i in shown)) for (t, p), c in cells.items()]
    return table(rows, keep=2) if len(rows) > 1 else "no indices (see messages above)"


def bottleneck_lines(
    found: dict[str, list[dict[str, Any]]], baseline: Sequence[float], horizon_years: float
) -> list[str]:
    """Per target: its median as written, then the months each relaxed constraint gains."""
    lines = []
    for k, (target, rows) in enumerate(found.items()):
        shown = terminal_text(target)
        said = (
            f"{shown}: median {baseline[k]:.2f} years as written"
            if baseline[k] < horizon_years
            else f"{shown}: not reached as written (gains are counted from the horizon, so they are lower bounds)"
        )
        lines.append("\n".join(textwrap.wrap(said, MAX_WIDTH, subsequent_indent="  ")))
        gains: list[Sequence[Any]] = [("constraint relaxed", "months earlier")]
        gains += [
            (r["constraint"], "failed" if r["months_earlier"] is None else f"{r['months_earlier']:.1f}") for r in rows
        ]
        lines.append(table(gains) + "\n")
    return lines


def compare_table(labels: list[str], result: dict[str, Any]) -> str:
    """Each target's median date per scenario and the chance each reaches it before the first."""
    rows: list[Sequence[Any]] = [("target", *(f"{x} median" for x in labels), *(f"P({x} first)" for x in labels[1:]))]
    for target, body in result.items():
        medians = []
        for label in labels:
            s = body["scenarios"][label]
            medians.append("—" if s is None else s["date_reached"]["p50"] or "not reached")
        firsts = {(p["first"], p["second"]): p["probability_first_earlier"] for p in body["earlier"]}
        probs = [firsts.get((x, labels[0])) for x in labels[1:]]
        rows.append((target, *medians, *("—" if p is None else f"{p:.0%}" for p in probs)))
    first = terminal_text(labels[0])
    note = f"(P(X first): share of replications in which X reaches the target before {first})"
    return table(rows) + "\n" + "\n".join(textwrap.wrap(note, MAX_WIDTH))


def audit_table(rows: Sequence[AuditRow], replications: int) -> str:
    """The audit's rows as a table at most MAX_WIDTH wide (long names cut with an ellipsis)."""
    cells: list[list[str]] = [["change", "target", "later", "worst days", "class", "shared"]]
    for row in rows:
        worst = row.found.worst_delay_days
        cells.append(
            [
                f"{row.change.path} {row.change.step}",
                row.target,
                f"{len(row.found.later)}/{replications}",
                "" if worst is None else f"{worst:.0f}",
                row.kind,
                row.shared,
            ]
        )
    return fitted(cells, MAX_WIDTH, cut_first=(1, 5, 0))


def fitted(rows: list[list[str]], width: int, cut_first: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell, cut (with …) until a line fits `width`: the columns
    `cut_first` in turn, down to MIN_CUT each, then the widest."""
    rows = [[terminal_text(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    gaps = 2 * (len(widths) - 1)
    for i in cut_first:
        widths[i] -= max(0, min(widths[i] - MIN_CUT, sum(widths) + gaps - width))
    while sum(widths) + gaps > width and max(widths) > 3:  # (MIN_CUT each is still too wide: narrower)
        widths[widths.index(max(widths))] -= 1
    cut = lambda text, w: text if len(text) <= w else text[: w - 1] + "…"  # noqa: E731
    lines = ["  ".join(cut(c, w).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
