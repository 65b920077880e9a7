"""`results.sqlite`: a study's design table and every finished run, written as runs complete.

Each batch of runs is one transaction, so a study killed at any moment (kill -9 included)
keeps every batch it finished and nothing half-written; `--resume` reads which (point,
replication) pairs are done and runs only the rest. The primary key makes a duplicate run
impossible. A fingerprint of the study refuses to resume a different study into the same file.

Column names are generated, never taken from the scenario: the design table's varied
parameters are `p0, p1, …` and the runs table's measures `m0, m1, …`, with the names they
stand for (dotted paths, `years_to_reach:<target>`, …) in the `columns` table. So no name can
collide with a built-in column (`point`, `error`, …) or with another name that differs only
in case (SQLite's identifiers are case-insensitive).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sim.errors import FileSystemError, UsageError

FILE = "results.sqlite"
Row = tuple[Any, ...]


def parameter_column(i: int) -> str:
    """The SQL name of the i-th design column (its name is in the `columns` table)."""
    return f"p{i}"


def measure_column(i: int) -> str:
    """The SQL name of the i-th measure (its name is in the `columns` table)."""
    return f"m{i}"


def design_cell(value: Any) -> Any:
    """A design-table value as SQLite stores it: numbers and text as they are, the rest as JSON."""
    if value is None or isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return value
    return json.dumps(value, default=str)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


class Store:
    """One study's SQLite file: `meta`, `design` and `runs` tables."""

    def __init__(self, path: Path, columns: Sequence[str], measures: Sequence[str]) -> None:
        self.path = path
        self.columns = list(columns)
        self.measures = list(measures)
        self.conn = sqlite3.connect(path)
        self.session = 1

    @classmethod
    def open(
        cls,
        out: Path,
        fingerprint: str,
        columns: Sequence[str],
        measures: Sequence[str],
        design: Sequence[tuple[Row, str | None]],
        meta: dict[str, Any],
        resume: bool,
    ) -> Store:
        """Create the file afresh, or with `resume` reopen a matching one (a missing file is created)."""
        path = out / FILE
        if path.exists() and not resume:
            path.unlink()
        try:
            store = cls(path, columns, measures)
        except sqlite3.OperationalError as exc:
            raise FileSystemError(f"{path}: cannot open the study's results file: {exc}") from None
        try:
            existing = store._meta("fingerprint")
        except sqlite3.DatabaseError as exc:
            store.close()
            raise UsageError(f"{path}: not a study's results file ({exc}); drop --resume to start afresh") from None
        if existing is not None:
            if existing != fingerprint or store._named_columns() != store._wanted_columns():
                store.close()
                raise UsageError(
                    f"{path} holds a different study (other scenario, parameters, seed or replications); "
                    "drop --resume to start afresh, or choose another --out"
                )
            store.session = int(store._meta("sessions") or 0) + 1
            store._set_meta({"sessions": store.session})
            return store
        try:
            store._create(fingerprint, design, meta)
        except sqlite3.OperationalError as exc:
            store.close()
            raise FileSystemError(f"{path}: cannot create the study's results file: {exc}; nothing was run") from None
        return store

    def _create(self, fingerprint: str, design: Sequence[tuple[Row, str | None]], meta: dict[str, Any]) -> None:
        """Every table and the design in one transaction (DDL included), so a kill leaves all or nothing."""
        params = "".join(f", {parameter_column(i)}" for i in range(len(self.columns)))
        measures = "".join(f", {measure_column(i)} REAL" for i in range(len(self.measures)))
        marks = ", ".join("?" * (len(self.columns) + 2))
        items = {**meta, "fingerprint": fingerprint, "sessions": 1}
        self.conn.execute("BEGIN")
        try:
            self.conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            self.conn.execute(
                "CREATE TABLE columns (sql_name TEXT PRIMARY KEY, kind TEXT, position INTEGER, name TEXT)"
            )
            self.conn.executemany("INSERT INTO columns VALUES (?, ?, ?, ?)", self._wanted_columns())
            self.conn.execute(f"CREATE TABLE design (point INTEGER PRIMARY KEY{params}, error TEXT)")
            self.conn.execute(
                f"CREATE TABLE runs (point INTEGER, replication INTEGER, seed INTEGER, error TEXT{measures}, "
                "session INTEGER, PRIMARY KEY (point, replication))"
            )
            self.conn.executemany(
                f"INSERT INTO design VALUES ({marks})",
                [(i, *(design_cell(v) for v in values), error) for i, (values, error) in enumerate(design)],
            )
            self.conn.executemany("INSERT INTO meta VALUES (?, ?)", [(k, _text(v)) for k, v in items.items()])
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise

    def _wanted_columns(self) -> list[tuple[str, str, int, str]]:
        """(SQL name, kind, position, name) of every generated column."""
        return [(parameter_column(i), "parameter", i, c) for i, c in enumerate(self.columns)] + [
            (measure_column(i), "measure", i, m) for i, m in enumerate(self.measures)
        ]

    def _named_columns(self) -> list[tuple[str, str, int, str]] | None:
        """The `columns` table as stored (None in a file written before it existed)."""
        try:
            rows = self.conn.execute("SELECT sql_name, kind, position, name FROM columns ORDER BY kind DESC, position")
        except sqlite3.OperationalError:
            return None
        return [(str(s), str(k), int(p), str(n)) for s, k, p, n in rows]

    def _meta(self, key: str) -> str | None:
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.OperationalError:
            return None
        return None if row is None else str(row[0])

    def _set_meta(self, items: dict[str, Any]) -> None:
        try:
            with self.conn:
                self.conn.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [(k, _text(v)) for k, v in items.items()],
                )
        except sqlite3.OperationalError as exc:
            raise self.write_failed(exc) from None

    def finished(self) -> set[tuple[int, int]]:
        """The (point, replication) pairs already recorded."""
        return {(int(p), int(r)) for p, r in self.conn.execute("SELECT point, replication FROM runs")}

    def write_runs(self, rows: Sequence[Row]) -> None:
        """Record a batch of runs in one transaction: (point, replication, seed, error, *measures)."""
        marks = ", ".join("?" * (len(self.measures) + 5))
        try:
            with self.conn:
                self.conn.executemany(f"INSERT INTO runs VALUES ({marks})", [(*r, self.session) for r in rows])
        except sqlite3.OperationalError as exc:
            raise self.write_failed(exc) from None

    def record_error(self, point: int, error: str, rows: Sequence[Row]) -> None:
        """Mark a design point as failed and record its runs with the error, in one transaction."""
        marks = ", ".join("?" * (len(self.measures) + 5))
        try:
            with self.conn:
                self.conn.execute("UPDATE design SET error = ? WHERE point = ?", (error, point))
                self.conn.executemany(f"INSERT INTO runs VALUES ({marks})", [(*r, self.session) for r in rows])
        except sqlite3.OperationalError as exc:
            raise self.write_failed(exc) from None

    def write_failed(self, exc: sqlite3.Error) -> FileSystemError:
        """The study stops loudly when a batch cannot be recorded (a full disk, a read-only
        folder): the line says why, what the file keeps and that `--resume` continues."""
        try:
            kept = f"the {len(self.finished()):,} runs recorded before are kept in it"
        except sqlite3.Error:
            kept = "the runs recorded before are kept in it"
        return FileSystemError(
            f"{self.path}: cannot record the study's runs: {exc}; {kept}: free some space (or make the folder "
            "writable) and run the same command with --resume to continue"
        )

    def add_points(self, design: dict[int, Row]) -> bool:
        """Append design points (point -> values) found while the study runs (an optimiser's
        candidates), in one transaction; a point already stored must hold the same values
        (False if one does not: the file holds another search)."""
        stored = {int(row[0]): tuple(row[1:-1]) for row in self.design_rows()}
        new = []
        for point, values in sorted(design.items()):
            cells = tuple(design_cell(v) for v in values)
            if point in stored:
                if stored[point] != cells:
                    return False
            else:
                new.append((point, *cells, None))
        marks = ", ".join("?" * (len(self.columns) + 2))
        try:
            with self.conn:
                self.conn.executemany(f"INSERT INTO design VALUES ({marks})", new)
        except sqlite3.OperationalError as exc:
            raise self.write_failed(exc) from None
        return True

    def design_rows(self) -> list[Row]:
        """(point, *values, error) for every design point."""
        return list(self.conn.execute("SELECT * FROM design ORDER BY point"))

    def runs(self) -> Iterator[Row]:
        """(point, replication, seed, error, *measures) in order of point, then replication."""
        names = ", ".join(
            ["point", "replication", "seed", "error"] + [measure_column(i) for i in range(len(self.measures))]
        )
        yield from self.conn.execute(f"SELECT {names} FROM runs ORDER BY point, replication")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()
