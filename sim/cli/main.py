# PYTHON_ARGCOMPLETE_OK  (argcomplete reads this marker: see "Shell completion" in the README)
"""`rearm` entry point: parse the command line, dispatch, and turn errors into exit codes."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence

from sim import __version__
from sim.cli import (  # noqa: F401  (they register)
    audit_commands,
    commands,
    present_commands,
    study_commands,
    tool_commands,
)
from sim.cli.terminal import configure_logging, enable_completion, paint, terminal_text
from sim.errors import RearmError

log = logging.getLogger("sim.cli")

#: the modules of commands in the order `rearm --help` lists them (each in its own order)
LISTED = ("commands", "study_commands", "audit_commands", "present_commands", "tool_commands")


def version_line() -> str:
    """`rearm VERSION`."""
    return f"rearm {__version__}"


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="rearm",
        description="Discrete-event simulation of defence-industrial rearmament.",
        epilog="Example: rearm run scenarios/european_155mm.yaml --replications 200",
    )
    parser.add_argument("--version", action="version", version=version_line())
    parser.add_argument(
        "-v", "--verbose", dest="log_verbose", action="count", default=0, help="more log messages (-vv: debug)"
    )
    parser.add_argument("-q", "--quiet", dest="log_quiet", action="count", default=0, help="errors only")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    listed = sorted(commands.REGISTRY, key=lambda fn: LISTED.index(fn.__module__.rpartition(".")[2]))
    for register in listed:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 bad input, 1 failure)."""
    parser = build_parser()
    enable_completion(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its message
        return int(exc.code or 0)
    configure_logging(args.log_verbose - args.log_quiet)
    log.debug("rearm %s: %s", __version__, vars(args))
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        code = int(args.handler(args) or 0)
        log.info("%s finished in %.1f s", args.command, time.perf_counter() - started)
        return code
    except RearmError as exc:
        print(paint(terminal_text(str(exc), newlines=True), "red", sys.stderr), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # a study's says what it kept
        print(str(exc) or "interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout went away (`rearm ... | head`)
        return 1
    except OSError as exc:  # a file system that refused, not caught nearer its cause: one line
        from sim.present.folder import os_error_line

        print(paint(os_error_line(exc), "red", sys.stderr), file=sys.stderr)
        return 1
