"""A study's design table as stored and exported, numbers kept as numbers.

In `results.sqlite`, `design.csv`, `results.csv` and their Parquet and Excel copies each varied
parameter is three columns:

- `<path>`: the value as a number in the language's base units (per day, days, fraction, or
  the plain number: `sim.language.base_units`); a date as its ISO text (a date in Parquet and
  Excel, a datetime in a DataFrame); anything else (a distribution, a name) as written;
- `<path>:unit`: the base unit of that number (`per day`, `days`, `fraction`, `date`, or empty
  for a plain number or a value that is no number);
- `<path>:written`: the value as the scenario language wrote it into the point's scenario
  (what the model ran on; `"22006.43 per year"`).

The number is read from the written value by the language's own parsers, so it is exactly the
value the point's scenario holds. Studies of labels (`bottlenecks`' `relax`, `compare`'s
`scenario`) keep their one column as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from typing import Any

from sim.language.base_units import in_base_units

UNIT = ":unit"
WRITTEN = ":written"
DATE = "date"
#: the commands whose design columns are varied parameters (the others' are labels)
VARIED_COMMANDS = ("sweep", "sensitivity")


def written_text(value: Any) -> str:
    """A design value as the scenario language writes it ('' for a parameter left as written)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value, default=str)


def parameter_cells(value: Any) -> tuple[Any, str, str]:
    """(number in base units, unit, text as written) of one design value; a date gives its ISO
    text and the unit `date`; a value that is no number gives its text and no unit."""
    written = written_text(value)
    if value is None:
        return None, "", ""
    if isinstance(value, (dt.date, dt.datetime)) or isinstance(value, str) and _is_iso_date(value):
        return written, DATE, written
    if isinstance(value, int) and not isinstance(value, bool):
        return value, "", written
    number, unit = in_base_units(value)
    if math.isnan(number):
        return written, "", written
    return number, unit, written


def _is_iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return len(text.strip()) == len("2025-01-01")


def design_columns(command: str, columns: Sequence[str]) -> tuple[str, ...]:
    """The stored columns of a study's design: `<path>, <path>:unit, <path>:written` per varied
    parameter; a study of labels keeps its columns."""
    if command not in VARIED_COMMANDS:
        return tuple(columns)
    return tuple(name for path in columns for name in (path, path + UNIT, path + WRITTEN))


def design_values(command: str, values: Sequence[Any]) -> tuple[Any, ...]:
    """One design point's stored values, in the order of `design_columns`."""
    if command not in VARIED_COMMANDS:
        return tuple(values)
    return tuple(cell for value in values for cell in parameter_cells(value))


def is_companion(column: str) -> bool:
    """Whether a column is a parameter's unit or written text (not a parameter of its own)."""
    return column.endswith((UNIT, WRITTEN))
