"""`rearm plot DIR` and `rearm report DIR`: pictures and a one-file report from results already
stored in an output directory, without simulating again."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sim.cli.options import command
from sim.present.redraw import plot, report


@command
def register_plot(sub: Any) -> None:
    """`rearm plot DIR [--svg]`."""
    p = sub.add_parser(
        "plot",
        help="redraw the plots of stored results",
        description="Redraw every figure from the results stored in DIR (no simulation).",
        epilog="Example: rearm plot outputs/european_155mm --svg",
    )
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--svg", action="store_true", help="also write each figure as SVG")
    p.set_defaults(handler=cmd_plot)


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw the figures DIR's results call for."""
    drawn = plot(directory=args.directory, svg=args.svg)
    print("\n".join(str(p) for p in drawn.files))
    return 0


@command
def register_report(sub: Any) -> None:
    """`rearm report DIR`."""
    p = sub.add_parser(
        "report",
        help="write a self-contained report.html",
        description="Write DIR/report.html: targets, what binds them, every figure, key inputs "
        "and provenance, in one file that opens with no network.",
        epilog="Example: rearm report outputs/european_155mm",
    )
    p.add_argument("directory", metavar="DIR")
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report."""
    (path,) = report(directory=args.directory).files
    print(path)
    print(f"open it in a browser: file://{path.resolve()}", file=sys.stderr)
    return 0
