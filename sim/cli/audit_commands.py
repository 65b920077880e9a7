"""`rearm audit`: the model audits itself (see `sim.studies.audit`).

Runs like the other studies (`--jobs`, `--scheduler`, `--resume`, a progress bar, the same
provenance files in `--out`), then writes `audit.json` and `audit.csv`, prints the change ×
target rows that are not clean and a verdict, and exits 1 when it finds an anomaly or a run
fails (0 otherwise; bad input keeps its own exit code).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from sim.cli.commands import command
from sim.cli.study_commands import _execute, _load, _out, _wrote, add_study_options, holding_lock
from sim.language.units import UnitError, parse_percentage
from sim.present.files import write_csv, write_json
from sim.present.text import terminal_text
from sim.studies import audit
from sim.studies.evaluate import years_array

#: the printed table's width at most, in characters
MAX_WIDTH = 100
#: a column cut to fit is kept at least this wide
MIN_CUT = 14
#: rows printed at most (all are in audit.csv)
MAX_PRINTED = 40


def change_fraction(text: str) -> float:
    """An argparse type for `--change`: a percentage or a fraction above zero."""
    try:
        value = parse_percentage(text)
    except UnitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero, got {text!r}")
    return value


@command
def register_audit(sub: Any) -> None:
    """`rearm audit`."""
    p = sub.add_parser(
        "audit",
        help="check that more money, capacity, supply, docks or people never delay a target",
        description="Give each budget, facility, material supply and workforce pool a little more, "
        "one at a time on the same random numbers, and report every target it makes later: "
        "competition (through a shared budget, material, pool or docks) or an anomaly. "
        "Writes audit.json and audit.csv; exits 1 if there is an anomaly.",
        epilog="Example: rearm audit scenarios/uk_sdr_2025.yaml --change 10%% --replications 10",
    )
    p.add_argument("file")
    p.add_argument(
        "--change",
        type=change_fraction,
        default=audit.DEFAULT_CHANGE,
        metavar="PCT",
        help="how much more of each budget, capacity, supply rate and workforce ceiling "
        "(default 10%%; shipyards get one dock more)",
    )
    add_study_options(p)
    p.set_defaults(handler=holding_lock(cmd_audit))


def cmd_audit(args: argparse.Namespace) -> int:
    """Run the scenario as written and with each change; classify, write, print the verdict."""
    loaded = _load(args)
    study, found = audit.audit_study(loaded, args.change, args.seed, args.replications)
    out = _out(args, args.file)
    store = _execute(args, out, study, {"scenario.resolved.yaml": loaded})
    years, failed = years_array(study, store.runs())
    store.close()
    result = audit.analyse(loaded, study, found, years, failed)
    write_json(out / "audit.json", result.document())
    write_csv(out / "audit.csv", audit.CSV_HEADER, result.csv_rows())
    flagged = [row for row in result.rows if row.kind != audit.CLEAN]
    if flagged:
        print(audit_table(flagged[:MAX_PRINTED], result.replications))
        if len(flagged) > MAX_PRINTED:
            print(f"... {len(flagged) - MAX_PRINTED} more rows in audit.csv")
    print(result.verdict())
    _wrote(out, "audit.json", "audit.csv", xlsx=args.xlsx)
    return 0 if result.passed else 1


def audit_table(rows: Sequence[audit.AuditRow], replications: int) -> str:
    """The rows as a table at most MAX_WIDTH wide (long names cut with an ellipsis)."""
    table: list[list[str]] = [["change", "target", "later", "worst days", "class", "shared"]]
    for row in rows:
        worst = row.found.worst_delay_days
        table.append(
            [
                f"{row.change.path} {row.change.step}",
                row.target,
                f"{len(row.found.later)}/{replications}",
                "" if worst is None else f"{worst:.0f}",
                row.kind,
                row.shared,
            ]
        )
    return fitted(table, MAX_WIDTH, cut_first=(1, 5, 0))


def fitted(table: list[list[str]], width: int, cut_first: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell, cut (with …) until a line fits `width`: the columns
    `cut_first` in turn, down to MIN_CUT each, then the widest."""
    table = [[terminal_text(c) for c in r] for r in table]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    gaps = 2 * (len(widths) - 1)
    for i in cut_first:
        widths[i] -= max(0, min(widths[i] - MIN_CUT, sum(widths) + gaps - width))
    while sum(widths) + gaps > width and max(widths) > MIN_CUT:
        widths[widths.index(max(widths))] -= 1
    cut = lambda text, w: text if len(text) <= w else text[: w - 1] + "…"  # noqa: E731
    lines = ["  ".join(cut(c, w).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
