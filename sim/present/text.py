r"""Text from scenarios is data: names and titles made safe for each place they are shown.

A scenario's names and title are whatever its author (or a file from elsewhere) wrote, so
every output shows them as text and never lets them act: on a terminal, control characters
and escape sequences are shown as `\x1b` rather than executed; in a figure, `$` never starts
matplotlib's mathtext and a huge title is cut; in CSV and Excel cells a leading `=`, `+`,
`-`, `@`, tab or CR never starts a formula (the cell gets a leading `'`, removed again when
rearm reads its own files back); in a workbook, characters Excel refuses are shown escaped.
HTML escaping is `html.escape` in `sim.present.report`.
"""

from __future__ import annotations

import re
from typing import Any

#: C0 and C1 control characters, DEL, and the Unicode bidirectional overrides and isolates
#: that reorder what a terminal shows ("Trojan source")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_NOT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: what Excel's file format cannot hold at all (openpyxl refuses these)
_EXCEL_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: the characters that make a spreadsheet read a cell as a formula, and the quote that marks
#: a neutralised cell (itself quoted, so that reading back is exact)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
#: the longest text drawn in a figure (titles, labels, legend entries)
PLOT_TEXT_LIMIT = 200


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(value: Any, newlines: bool = False) -> str:
    r"""`value` as text a terminal shows and never executes: control characters (ESC, BEL, CR,
    bidi overrides, ...) written as `\x1b`-style escapes; with `newlines`, line breaks kept (for
    multi-line messages), otherwise escaped too (for table cells and one-line notes)."""
    pattern = _CONTROL_NOT_NEWLINE if newlines else _CONTROL
    return pattern.sub(_escape, str(value))


def plot_text(value: Any, limit: int = PLOT_TEXT_LIMIT) -> str:
    r"""`value` as literal figure text: control characters escaped, cut to `limit` characters
    with an ellipsis, and every `$` escaped so matplotlib never parses mathtext (`$\frac{$`
    is drawn as written)."""
    text = terminal_text(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def spreadsheet_cell(value: Any) -> Any:
    """A CSV or workbook cell that a spreadsheet shows as text: a string starting with a formula
    character (or with the quote this adds) gets a leading `'`; numbers, plain text and
    numeric text such as "-5" are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def from_spreadsheet_cell(text: str) -> str:
    """The text `spreadsheet_cell` was given, from the cell it wrote."""
    return text[1:] if text.startswith("'") else text


def excel_cell(value: Any) -> Any:
    r"""A workbook cell: neutralised as `spreadsheet_cell` does, and with the control characters
    Excel cannot store (NUL, ESC, ...) written as `\x00`-style escapes instead of refused."""
    value = spreadsheet_cell(value)
    if isinstance(value, str):
        return _EXCEL_ILLEGAL.sub(_escape, value)
    return value
