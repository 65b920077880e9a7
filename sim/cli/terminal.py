"""Terminal manners: log levels from -v/-q, colour only where a person is watching, and shell
completion through the optional argcomplete package."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import IO

from sim.present.text import terminal_text
from sim.studies.progress import is_terminal

__all__ = ["terminal_text"]  # the one escaper for scenario text on a terminal (sim.present.text)

LEVELS = (logging.ERROR, logging.WARNING, logging.INFO, logging.DEBUG)
_STYLES = {"red": "31", "green": "32", "yellow": "33", "bold": "1"}


def log_level(verbosity: int) -> int:
    """-q → ERROR, default WARNING, -v → INFO, -vv → DEBUG (clamped at both ends)."""
    return LEVELS[max(0, min(len(LEVELS) - 1, verbosity + 1))]


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a message comes (tests and notebooks swap it),
    with control characters from scenario text escaped (line breaks kept)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)

    def format(self, record: logging.LogRecord) -> str:
        return terminal_text(super().format(record), newlines=True)


def configure_logging(verbosity: int) -> None:
    """Set the `sim` logger's level and give it one stderr handler (called once, at the edge)."""
    logger = logging.getLogger("sim")
    logger.setLevel(log_level(verbosity))
    if not any(h.get_name() == "rearm" for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        handler.set_name("rearm")
        logger.addHandler(handler)


def use_colour(stream: IO[str]) -> bool:
    """Colour only on a terminal; NO_COLOR turns it off, FORCE_COLOR on (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return is_terminal(stream) and os.environ.get("TERM") != "dumb"


def paint(text: str, style: str, stream: IO[str]) -> str:
    """`text` in `style` (red, green, yellow, bold) if `stream` gets colour, else unchanged."""
    if not use_colour(stream):
        return text
    return f"\033[{_STYLES[style]}m{text}\033[0m"


def enable_completion(parser: argparse.ArgumentParser) -> None:
    """Answer a shell's completion request if argcomplete is installed (a no-op otherwise)."""
    try:
        import argcomplete
    except ImportError:
        return
    argcomplete.autocomplete(parser)
