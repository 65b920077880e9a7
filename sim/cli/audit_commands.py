"""`rearm audit`: the model audits itself (see `sim.studies.audit`).

Runs like the other studies (`--jobs`, `--scheduler`, `--resume`, a progress bar, the same
provenance files in `--out`), then writes `audit.json` and `audit.csv`, prints the change ×
target rows that are not clean and a verdict, and exits 1 when it finds an anomaly or a run
fails (0 otherwise; bad input keeps its own exit code).
"""

from __future__ import annotations

import argparse
from typing import Any

from sim.cli.options import command
from sim.cli.study_commands import add_study_options, load, show, study_options
from sim.errors import UsageError
from sim.library import studies
from sim.present.study_text import MAX_WIDTH, audit_table, fitted  # noqa: F401  (the table, also from here)
from sim.studies import audit


def change_fraction(text: str) -> float:
    """An argparse type for `--change`: a percentage or a fraction above zero."""
    try:
        return studies.change_fraction(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    add_study_options(p, "audit")
    p.set_defaults(handler=cmd_audit)


def cmd_audit(args: argparse.Namespace) -> int:
    """Run the scenario as written and with each change; classify, write, print the verdict."""
    outcome = studies.audit(scenario=load(args), change=args.change, **study_options(args))
    show(outcome)
    return 0 if outcome.passed else 1
