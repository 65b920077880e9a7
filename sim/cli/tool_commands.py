"""Commands for the analyst's tools: `rearm schema`, `rearm new`, `rearm export`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.options import command
from sim.cli.terminal import paint
from sim.errors import UsageError
from sim.language.json_schema import schema_text
from sim.language.templates import KINDS, SHIPPED_SCHEMA, add_modeline, write_starter
from sim.library.commands import export
from sim.present.files import write_atomic


@command
def register_schema(sub: Any) -> None:
    """`rearm schema`: print the scenario language's JSON Schema."""
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema (draft 2020-12) of the scenario language, for editors with the "
        "YAML language server. Scenarios point at it with a first line such as "
        "'# yaml-language-server: $schema=scenario.schema.json'.",
        epilog="Example: rearm schema --output scenarios/scenario.schema.json",
    )
    p.add_argument("--output", "-o", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument(
        "--add-modeline",
        nargs="+",
        type=Path,
        metavar="SCENARIO",
        default=[],
        help="instead, make each SCENARIO's first line the modeline pointing at the schema "
        "(--output, default scenarios/scenario.schema.json)",
    )
    p.set_defaults(handler=cmd_schema)


def cmd_schema(args: argparse.Namespace) -> int:
    """Print or write the schema, or point scenarios at it."""
    if args.add_modeline:
        schema = args.output or SHIPPED_SCHEMA
        for path in args.add_modeline:
            if not path.is_file():
                raise UsageError(f"{path}: no such scenario file")
            if add_modeline(path, schema):
                print(f"{path}: modeline added", file=sys.stderr)
        return 0
    text = schema_text()
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_atomic(args.output, text)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


@command
def register_new(sub: Any) -> None:
    """`rearm new`: write a commented starter scenario."""
    p = sub.add_parser(
        "new",
        help="write a commented starter scenario",
        description="Write a commented starter scenario that validates and runs as it is: a munitions "
        "factory, a vehicle line, a shipyard, or all three sharing budgets, materials and people.",
        epilog="Example: rearm new scenarios/my_yard.yaml --kind shipyard && rearm run scenarios/my_yard.yaml",
    )
    p.add_argument("file", type=Path)
    p.add_argument("--kind", choices=list(KINDS), default="munitions", help="what to start from (default: munitions)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.add_argument(
        "--schema",
        type=Path,
        metavar="JSON",
        help="schema for the editor modeline (default: scenarios/scenario.schema.json if present)",
    )
    p.set_defaults(handler=cmd_new)


def cmd_new(args: argparse.Namespace) -> int:
    """Write the starter, refusing to overwrite without --force."""
    target = write_starter(args.file, args.kind, args.schema, args.force)
    print(paint(f"wrote {target}", "green", sys.stderr) + f" ({args.kind}); next: rearm run {target}", file=sys.stderr)
    return 0


@command
def register_export(sub: Any) -> None:
    """`rearm export`: Parquet and Excel copies of an output directory's tables."""
    p = sub.add_parser(
        "export",
        help="write Parquet files and an Excel workbook from an output directory",
        description="Write <table>.parquet beside each CSV table of an output directory (run or study) and, "
        "with --xlsx, workbook.xlsx with the summary, targets, products, budgets, facilities, timeline "
        "and study sheets. Needs the optional extras: pip install 'rearm[parquet,excel]'.",
        epilog="Example: rearm export outputs/european_155mm --xlsx",
    )
    p.add_argument("directory", type=Path)
    p.add_argument("--xlsx", action="store_true", help="also write workbook.xlsx")
    p.add_argument("--no-parquet", dest="parquet", action="store_false", help="do not write Parquet files")
    p.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    """Export one directory; Parquet is required here (the command was asked for it)."""
    exported = export(directory=args.directory, parquet=args.parquet, xlsx=args.xlsx)
    print(f"wrote {', '.join(str(p) for p in exported.files)}", file=sys.stderr)
    return 0
