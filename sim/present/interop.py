"""Tables for other tools: `summary.json` flattened into tidy tables, and every table of an output
directory written as Parquet (when pyarrow is installed) and as one Excel workbook (openpyxl).

pyarrow and openpyxl are optional extras (`pip install 'rearm[parquet,excel]'`), imported only
when a file is written.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from sim.errors import UsageError
from sim.present.files import write_atomic
from sim.present.text import excel_cell, from_spreadsheet_cell
from sim.studies.design_table import is_companion

log = logging.getLogger(__name__)

WORKBOOK = "workbook.xlsx"
EXCEL_MAX_ROWS = 1_048_575  # one row is the header
_INT = re.compile(r"^-?[0-9]+$")
_FLOAT = re.compile(r"^-?+(?:[0-9]++(?:\.[0-9]*+)?+|\.[0-9]++)(?:[eE][-+]?+[0-9]++)?+$")  # possessive: linear
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MAX_NUMBER_CELL = 400  # characters: a longer cell is read as text


class Table(NamedTuple):
    """A tidy table: column names and rows of plain values (None where empty)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


def has_module(name: str) -> bool:
    """Whether an optional dependency can be imported."""
    return importlib.util.find_spec(name) is not None


def _require(module: str, extra: str, what: str) -> None:
    if not has_module(module):
        raise UsageError(f"{what} needs the optional package {module}: pip install 'rearm[{extra}]'")


def require_writers(xlsx: bool = False, parquet: bool | None = None) -> None:
    """Fail at once (before a long run) if an output asked for cannot be written."""
    if xlsx:
        _require("openpyxl", "excel", "Excel output (--xlsx)")
    if parquet:
        _require("pyarrow", "parquet", "Parquet output")


# -- summary.json as tables ----------------------------------------------------------------------
PROVENANCE_KEYS = ("scenario", "file", "sha256", "seed", "replications", "version", "start", "horizon_years")


def provenance_table(summary: dict[str, Any]) -> Table:
    """Every scalar top-level field of the summary (provenance first) as key/value rows."""
    rows = []
    for key, value in summary.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ", ".join(value)
        if value is None or isinstance(value, (str, int, float, bool)):
            rows.append((key, value))
    return Table(["field", "value"], rows)


def targets_table(summary: dict[str, Any]) -> Table:
    """One row per target: years and dates to reach it (p10/p50/p90), reached share (and share cut
    short by the horizon), on-time chance, the threshold as resolved (with a relative one's
    base and where it came from), and the 95% interval of the median (`years_p50_low`/`_high`,
    `date_p50_low`/`_high`: empty with too few replications for one, or a bound not reached)."""
    columns = [
        "name",
        "product",
        "measure",
        "threshold",
        "by",
        "sustain_days",
        "years_p10",
        "years_p50",
        "years_p90",
        "years_mean",
        "date_p10",
        "date_p50",
        "date_p90",
        "reached_fraction",
        "censored_fraction",
        "on_time_probability",
        "resolved_threshold",
        "baseline",
        "baseline_source",
        "years_p50_low",
        "years_p50_high",
        "date_p50_low",
        "date_p50_high",
    ]
    rows = []
    for t in summary.get("targets", []):
        years, dates = t.get("years_to_reach", {}), t.get("date_reached", {})
        years_interval = t.get("years_p50_interval") or (None, None)
        dates_interval = t.get("date_p50_interval") or (None, None)
        rows.append(
            (
                t["name"],
                t["product"],
                t["measure"],
                t["threshold"],
                t.get("by"),
                t.get("sustain_days"),
                years.get("p10"),
                years.get("p50"),
                years.get("p90"),
                years.get("mean"),
                dates.get("p10"),
                dates.get("p50"),
                dates.get("p90"),
                t.get("reached_fraction"),
                t.get("censored_fraction"),
                t.get("on_time_probability"),
                t.get("resolved_threshold"),
                t.get("baseline"),
                t.get("baseline_source"),
                *years_interval,
                *dates_interval,
            )
        )
    return Table(columns, rows)


def products_table(summary: dict[str, Any]) -> Table:
    """One row per product and end-of-horizon measure: p10, p50, p90, mean over replications."""
    rows = []
    for product, measures in summary.get("products", {}).items():
        for measure, dist in measures.items():
            if isinstance(dist, dict):
                rows.append((product, measure, dist.get("p10"), dist.get("p50"), dist.get("p90"), dist.get("mean")))
    return Table(["product", "measure", "p10", "p50", "p90", "mean"], rows)


def budgets_table(summary: dict[str, Any]) -> Table:
    """One row per budget and fiscal year: the appropriation, with the totals on each budget's rows."""
    rows = []
    for name, b in summary.get("budgets", {}).items():
        years = b.get("appropriations") or {"": None}
        for year, amount in years.items():
            rows.append(
                (name, int(year) if year else None, amount, b.get("appropriated"), b.get("spent"), b.get("lapsed"))
            )
    return Table(["budget", "fiscal_year", "appropriation", "appropriated_total", "spent_total", "lapsed_total"], rows)


def facilities_table(summary: dict[str, Any]) -> Table:
    """One row per facility: utilisation, then the share of time waiting for each cause."""
    facilities = summary.get("facilities", {})
    causes = sorted({c for f in facilities.values() for c in f.get("waiting", {})})
    rows = [
        (name, f.get("utilisation"), *(f.get("waiting", {}).get(c, 0.0) for c in causes))
        for name, f in facilities.items()
    ]
    return Table(["facility", "utilisation", *(f"waiting:{c}" for c in causes)], rows)


def bottlenecks_table(bottlenecks: dict[str, list[dict[str, Any]]]) -> Table:
    """`bottlenecks.json` as rows: target, constraint, months earlier (largest gain first)."""
    rows = [
        (target, g.get("constraint"), g.get("months_earlier")) for target, gains in bottlenecks.items() for g in gains
    ]
    return Table(["target", "constraint", "months_earlier"], rows)


def summary_tables(summary: dict[str, Any]) -> dict[str, Table]:
    """`summary.json` as tidy tables, by sheet name."""
    return {
        "summary": provenance_table(summary),
        "targets": targets_table(summary),
        "products": products_table(summary),
        "budgets": budgets_table(summary),
        "facilities": facilities_table(summary),
    }


# -- reading CSV back with types -----------------------------------------------------------------
def _cell(text: str) -> Any:
    if text == "":
        return None
    text = from_spreadsheet_cell(text)
    if len(text) > MAX_NUMBER_CELL:  # no number the tables hold; int() refuses past 4,300 digits
        return text
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def read_csv_table(path: Path) -> Table:
    """A CSV file with numbers as numbers and empty cells as None."""
    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        columns = [from_spreadsheet_cell(c) for c in next(reader, [])]
        text = [is_companion(c) for c in columns]  # a unit or a value as written stays text
        rows = [
            tuple(from_spreadsheet_cell(c) if i < len(text) and text[i] else _cell(c) for i, c in enumerate(row))
            for row in reader
        ]
    return Table(list(columns), rows)


def _dates(column: Sequence[Any]) -> list[Any] | None:
    """The column as dates if every non-empty value is an ISO date, else None."""
    present = [v for v in column if v is not None]
    if not present or not all(isinstance(v, str) and _DATE.match(v) for v in present):
        return None
    return [None if v is None else dt.date.fromisoformat(v) for v in column]


def date_columns(table: Table) -> list[str]:
    """The columns of `table` whose every non-empty value is an ISO date (a parameter's unit or
    text as written excepted: those stay text)."""
    return [
        name
        for i, name in enumerate(table.columns)
        if not is_companion(name) and _dates([row[i] if i < len(row) else None for row in table.rows]) is not None
    ]


# -- writers -------------------------------------------------------------------------------------
def write_parquet(path: Path, table: Table, metadata: dict[str, Any] | None = None) -> Path:
    """One table as a Parquet file; ISO-date columns become dates; `metadata` is kept as JSON
    under the key `rearm` of the file's schema metadata (provenance travels with the data)."""
    _require("pyarrow", "parquet", "Parquet output")
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for i, name in enumerate(table.columns):
        values = [row[i] if i < len(row) else None for row in table.rows]
        dates = None if is_companion(name) else _dates(values)
        try:
            arrays[name] = pa.array(dates if dates is not None else values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types, e.g. thresholds 2e6 and "5x"
            arrays[name] = pa.array([None if v is None else str(v) for v in values], type=pa.string())
    arrow = pa.table(arrays) if arrays else pa.table({})
    if metadata:
        arrow = arrow.replace_schema_metadata({"rearm": json.dumps(metadata, ensure_ascii=False)})
    buffer = io.BytesIO()
    pq.write_table(arrow, buffer)
    write_atomic(path, buffer.getvalue())
    return path


def write_xlsx(path: Path, sheets: dict[str, Table]) -> Path:
    """An Excel workbook, one sheet per table (bold frozen header, ISO dates as dates)."""
    _require("openpyxl", "excel", "Excel output (--xlsx)")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for name, table in sheets.items():
        if len(table.rows) > EXCEL_MAX_ROWS:
            log.warning("sheet %s left out of %s: %d rows exceed Excel's limit", name, path, len(table.rows))
            continue
        sheet = book.create_sheet(_sheet_name(name, book.sheetnames))
        sheet.append([excel_cell(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        columns = [[row[i] if i < len(row) else None for row in table.rows] for i in range(len(table.columns))]
        converted = [c if is_companion(n) else _dates(c) or c for n, c in zip(table.columns, columns, strict=True)]
        for r in range(len(table.rows)):
            sheet.append([excel_cell(c[r]) for c in converted])
        sheet.freeze_panes = "A2"
        for i, name_ in enumerate(table.columns):
            width = max([len(str(name_))] + [len(str(v)) for v in columns[i][:200] if v is not None])
            sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = min(60, width + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomic(path, buffer.getvalue())
    return path


def _sheet_name(name: str, taken: list[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    candidate, k = base, 2
    while candidate in taken:
        candidate = f"{base[:28]}_{k}"
        k += 1
    return candidate


# -- an output directory -------------------------------------------------------------------------
def directory_tables(out: Path) -> tuple[dict[str, Table], dict[str, Table], dict[str, Any]]:
    """The tables of an output directory: (from summary.json, study.json and bottlenecks.json;
    from each CSV file, by stem; the provenance to record in Parquet files)."""
    derived: dict[str, Table] = {}
    provenance: dict[str, Any] = {}
    summary_path = out / "summary.json"
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        derived.update(summary_tables(summary))
        provenance = {k: summary[k] for k in PROVENANCE_KEYS if k in summary}
    study_path = out / "study.json"  # a study's provenance (sweep, sensitivity, bottlenecks, compare)
    if study_path.is_file():
        study = json.loads(study_path.read_text(encoding="utf-8"))
        derived["study"] = provenance_table(study)
        provenance = provenance or dict(derived["study"].rows)
    bottlenecks = out / "bottlenecks.json"
    if bottlenecks.is_file():
        derived["bottlenecks"] = bottlenecks_table(json.loads(bottlenecks.read_text(encoding="utf-8")))
    csvs = {p.stem: read_csv_table(p) for p in sorted(out.glob("*.csv"))}
    return derived, csvs, provenance


#: tables of summary.json that get a Parquet file of their own (the CSV tables all do)
PARQUET_DERIVED = ("targets",)


def export_directory(out: Path, parquet: bool | None = None, xlsx: bool = False) -> list[Path]:
    """Write `<stem>.parquet` beside each CSV of `out` and `targets.parquet` for a run (parquet
    None: only if pyarrow is installed) and, with `xlsx`, `workbook.xlsx` with the summary,
    timeline and study sheets."""
    if not out.is_dir():
        raise UsageError(f"{out}: not a directory of rearm outputs")
    derived, csvs, provenance = directory_tables(out)
    if not derived and not csvs:
        raise UsageError(f"{out}: no summary.json or CSV table to export")
    written: list[Path] = []
    if parquet is None:
        parquet = has_module("pyarrow")
    if parquet:
        tables = {**csvs, **{name: derived[name] for name in PARQUET_DERIVED if name in derived}}
        written += [write_parquet(out / f"{stem}.parquet", table, provenance) for stem, table in tables.items()]
    if xlsx:
        written.append(write_xlsx(out / WORKBOOK, {**derived, **csvs}))
    return written
