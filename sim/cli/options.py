"""What every command shares: the registry of subcommands and the argument types and options
defined once (counts, seconds, the simulation options, --allow-large)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

Register = Callable[[Any], None]
REGISTRY: list[Register] = []


def command(fn: Register) -> Register:
    """Add a subcommand registration to the CLI."""
    REGISTRY.append(fn)
    return fn


MAX_COUNT_DIGITS = 15


def positive_int(text: str) -> int:
    """An argparse type for counts ≥ 1: `1000`, `1_000` or `1e3`, at most 15 digits (a count
    past that breaks every limit, so it is refused here rather than read)."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    try:
        number = Decimal(text.strip().replace("_", "")) if len(text) <= 40 else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {shown!r}")
    if number.adjusted() >= MAX_COUNT_DIGITS:
        raise argparse.ArgumentTypeError(f"{shown} is more than any limit allows (a count has at most 15 digits)")
    value = int(number)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type for a finite number > 0 (seconds)."""
    try:
        value = float(text) if len(text) <= 40 else math.nan
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text[:40]!r}")
    return value


def add_simulation_options(p: argparse.ArgumentParser, out: str = "outputs/<scenario stem>/") -> None:
    """Options every simulating command accepts; `out` names the folder written without --out."""
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a value by its dotted path, e.g. facilities.barrow.docks=3",
    )
    p.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    p.add_argument("--jobs", type=positive_int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--out", type=Path, help=f"output directory (default: {out})")
    p.add_argument("--no-plots", action="store_true", help="do not draw plots")
    p.add_argument("--svg", action="store_true", help="also write each plot as SVG")
    add_allow_large(p)


def add_allow_large(p: argparse.ArgumentParser) -> None:
    """--allow-large: lift the soft limits on a run's size (see sim.language.limits)."""
    p.add_argument(
        "--allow-large",
        action="store_true",
        default=None,
        help="lift the soft limits on events, replications and memory (also REARM_ALLOW_LARGE=1)",
    )
