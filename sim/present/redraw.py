"""`plot` and `report`: pictures and a one-file report drawn from results already stored in an
output directory, without simulating again."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sim.errors import UsageError
from sim.present.folder import folder_lock


@dataclass(frozen=True)
class Drawn:
    """The files a redraw wrote into `directory`: every figure, or the report."""

    directory: Path
    files: tuple[Path, ...]


def results_directory(directory: str | os.PathLike[str]) -> Path:
    """`directory` if it is one, else a clear error."""
    path = Path(directory)
    if not path.is_dir():
        raise UsageError(f"{directory}: no such directory (give the output directory of `rearm run` or a study)")
    return path


def plot(*, directory: str | os.PathLike[str], svg: bool = False) -> Drawn:
    """Draw every figure the results in `directory` call for (PNG, and SVG with `svg`)."""
    from sim.present.run_plots import write_plots

    path = results_directory(directory)
    with folder_lock(path):  # each figure is replaced atomically; one writer at a time
        written = write_plots(path, svg)
    if not written:
        raise UsageError(
            f"{path}: no results to plot (expected summary.json and timeline.csv from `rearm run`, "
            "or results.csv, sensitivity.csv, bottlenecks.json or compare.json from a study)"
        )
    return Drawn(path, tuple(written))


def report(*, directory: str | os.PathLike[str]) -> Drawn:
    """Write `directory/report.html`: targets, what binds them, every figure, key inputs and
    provenance, in one file that opens with no network."""
    from sim.present.report import write_report

    path = results_directory(directory)
    with folder_lock(path):
        written = write_report(path)
    return Drawn(path, (written,))
