"""`rearm` entry point: parse the command line, dispatch, and turn errors into exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sim import __version__
from sim.cli import commands
from sim.errors import RearmError


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="rearm",
        description="Discrete-event simulation of defence-industrial rearmament.",
        epilog="Example: rearm run scenarios/european_155mm.yaml --replications 200",
    )
    parser.add_argument("--version", action="version", version=f"rearm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in commands.REGISTRY:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 bad input, 1 failure)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its message
        return int(exc.code or 0)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.handler(args) or 0)
    except RearmError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
