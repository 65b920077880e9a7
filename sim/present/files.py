"""Writing output files atomically (temp file + rename): an interrupted run never leaves a
half-written file behind."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write `text` to `path` so readers see the old file or the whole new one. An `OSError`
    (disk full, read-only, a directory in the way) is raised naming `path`, not the temp file."""
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno is not None:
            raise type(exc)(exc.errno, exc.strerror, str(path)) from exc
        raise


def write_json(path: Path, data: Any) -> None:
    """Pretty, stable JSON (sorted keys are not used: the contract's order is kept)."""
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A CSV file with a header row; every text cell that a spreadsheet would take for a
    formula is neutralised (see `sim.present.text.spreadsheet_cell`)."""
    import io

    from sim.present.text import spreadsheet_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([spreadsheet_cell(c) for c in header])
    writer.writerows([spreadsheet_cell(c) for c in row] for row in rows)
    write_atomic(path, buffer.getvalue())
