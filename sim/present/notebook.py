"""What a notebook shows of a result: a line or two of text (`__repr__`), the target table as
HTML (`_repr_html_`), and tables whose numbers stay numbers.

A study's tables are read once, when it finishes, and kept in memory (`StudySnapshot`), so a
later study writing the same folder cannot change what an earlier result object returns.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import UsageError
from sim.language.base_units import in_base_units
from sim.present.interop import Table, directory_tables
from sim.studies.design_table import DATE, UNIT, VARIED_COMMANDS, WRITTEN

MAX_HTML_ROWS = 20
JSON_DOCUMENTS = ("study", "bottlenecks", "audit", "allocation")
STAMPED = ("study.json", "results.csv")  # the files whose bytes identify a study in its folder


def _stamp(out: Path) -> str:
    """A hash of the files that identify the study now in `out`."""
    digest = hashlib.sha256()
    for name in STAMPED:
        path = out / name
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


@dataclass(frozen=True)
class StudySnapshot:
    """A study folder's tables and JSON documents as they were when the study finished."""

    tables: dict[str, Table]
    documents: dict[str, Any]
    varied: tuple[str, ...]
    stamp: str = field(repr=False)

    def check_unchanged(self, out: Path) -> None:
        """Refuse to read `out` again once a later study has written there."""
        if _stamp(out) != self.stamp:
            raise UsageError(
                f"{out} now holds a later study; this result keeps its own tables in memory "
                "(tables(), results(), ...), but its files there are gone: give each study its own out="
            )

    @property
    def study(self) -> dict[str, Any]:
        """study.json: provenance, seed, replications, points, columns, targets."""
        return dict(self.documents.get("study", {}))


def read_snapshot(out: Path) -> StudySnapshot:
    """Read every table and JSON document of the study in `out`."""
    derived, csvs, _ = directory_tables(out)
    documents = {
        name: json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        for name in JSON_DOCUMENTS
        if (out / f"{name}.json").is_file()
    }
    study = documents.get("study", {})
    varied = tuple(study.get("columns", ())) if study.get("command") in VARIED_COMMANDS else ()
    return StudySnapshot({**derived, **csvs}, documents, varied, _stamp(out))


def with_base_units(df: Any, varied: tuple[str, ...]) -> Any:
    """`df` with each varied path as a number in base units (per day, days, fraction; a date as a
    datetime), followed by `<path>:unit` and `<path>:written` (the value as the scenario language
    wrote it). A study's tables hold these columns already (`sim.studies.design_table`); a folder
    written before they existed is read from its text."""
    for path in varied:
        if path not in df.columns:
            continue
        if path + UNIT in df.columns:
            units = {u for u in df[path + UNIT] if u}
            if units == {DATE}:
                import pandas

                df[path] = pandas.to_datetime(df[path])
            continue
        written = df[path]
        read = [in_base_units(v) for v in written]
        at = list(df.columns).index(path)
        df = df.drop(columns=[path])
        df.insert(at, path, [number for number, _ in read])
        df.insert(at + 1, path + UNIT, [unit for _, unit in read])
        df.insert(at + 2, path + WRITTEN, ["" if v is None else str(v) for v in written])
    return df


# -- run results --------------------------------------------------------------------------------
def run_repr(summary: dict[str, Any], written: str | None) -> str:
    """One or two lines: the scenario, its hash, replications, seed and where its files are."""
    where = f"files in {written}" if written else "in memory; .write(dir) writes its files"
    return (
        f"<RunResults {summary.get('scenario')!r} ({summary.get('file')}, sha256 {str(summary.get('sha256'))[:12]}): "
        f"{summary.get('replications')} replications, seed {summary.get('seed')}, "
        f"{len(summary.get('targets', []))} targets; {where}>"
    )


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return html.escape(str(value))


def _share(value: Any) -> str:
    return "—" if value is None else f"{float(value):.0%}"


def run_html(summary: dict[str, Any], targets: Table, written: str | None) -> str:
    """The target table as HTML: target, measure, median date, p10–p90, reached, on time."""
    index = {name: i for i, name in enumerate(targets.columns)}
    rows = []
    for row in targets.rows[:MAX_HTML_ROWS]:
        get = lambda key, row=row: row[index[key]] if key in index else None  # noqa: E731
        rows.append(
            "<tr>"
            f"<td>{_cell(get('name'))}</td><td>{_cell(get('measure'))}</td>"
            f"<td>{_cell(get('date_p50'))}</td>"
            f"<td>{_cell(get('date_p10'))} – {_cell(get('date_p90'))}</td>"
            f"<td>{_share(get('reached_fraction'))}</td><td>{_share(get('on_time_probability'))}</td>"
            "</tr>"
        )
    more = len(targets.rows) - MAX_HTML_ROWS
    note = f"<p>… {more} more targets: .targets()</p>" if more > 0 else ""
    return (
        f"<p>{html.escape(run_repr(summary, written))}</p>"
        "<table><thead><tr><th>target</th><th>measure</th><th>median date</th><th>p10 – p90</th>"
        "<th>reached</th><th>on time</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>" + note
    )


# -- study results ------------------------------------------------------------------------------
def study_repr(command: str, snapshot: StudySnapshot, out: Path) -> str:
    """One or two lines: the command, scenario, points × replications, seed and the folder."""
    study = snapshot.study
    return (
        f"<StudyResults {command} of {study.get('scenario')!r} ({study.get('file')}, sha256 "
        f"{str(study.get('sha256'))[:12]}): {study.get('points')} points × {study.get('replications')} "
        f"replications, seed {study.get('seed')}; files in {out}>"
    )


def study_html(command: str, snapshot: StudySnapshot, out: Path) -> str:
    """Per design point, each target's median years to reach it (the first points), as HTML."""
    study = snapshot.study
    targets = list(study.get("targets", ()))
    design = snapshot.tables.get("design")
    results = snapshot.tables.get("results")
    head = f"<p>{html.escape(study_repr(command, snapshot, out))}</p>"
    if design is None or results is None or not targets:
        return head
    columns = results.columns
    point_at = columns.index("point")
    medians: dict[Any, list[float]] = {}
    for k, target in enumerate(targets):
        name = f"years_to_reach:{target}"
        if name not in columns:
            continue
        at = columns.index(name)
        for row in results.rows:
            medians.setdefault((row[point_at], k), []).append(math.inf if row[at] is None else float(row[at]))
    header = "".join(f"<th>{html.escape(str(c))}</th>" for c in design.columns)
    header += "".join(f"<th>{html.escape(t)} (median years)</th>" for t in targets)
    body = []
    for row in design.rows[:MAX_HTML_ROWS]:
        cells = "".join(f"<td>{_cell(v)}</td>" for v in row)
        for k in range(len(targets)):
            values = sorted(medians.get((row[0], k), []))
            middle = values[len(values) // 2] if values else math.nan
            cells += f"<td>{'not reached' if math.isinf(middle) else _cell(round(middle, 2))}</td>"
        body.append(f"<tr>{cells}</tr>")
    more = len(design.rows) - MAX_HTML_ROWS
    note = f"<p>… {more} more points: .results()</p>" if more > 0 else ""
    return head + f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"
