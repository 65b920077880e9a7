"""The study files of an output directory as plain data, and the figure frame every study
figure shares (stacked panels, the scenario's title, the provenance footer): what the tornado,
index, bottleneck and sweep figures all start from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.present.plots.data import read_csv, read_json, run_meta
from sim.present.plots.style import SMALL, footer, new_figure, plot_text
from sim.studies.design_table import is_companion

YEARS = "years_to_reach:"
PANEL_HEIGHT_IN = 2.6


@dataclass
class StudyData:
    """The study files of one output directory, as plain data (None where absent)."""

    meta: dict[str, Any] = field(default_factory=dict)
    results: list[dict[str, str]] | None = None
    parameters: list[str] = field(default_factory=list)
    sensitivity: list[dict[str, str]] | None = None
    bottlenecks: dict[str, list[dict[str, Any]]] | None = None
    compare: dict[str, Any] | None = None


def header_key(name: str) -> str:
    """A header cell as a key: `Index Name` -> `index_name`."""
    return name.strip().lower().replace(" ", "_")


def parameter_columns(header: list[str]) -> list[str]:
    """The varied parameters of `results.csv`: the columns between `seed` and `error`, less each
    parameter's `:unit` and `:written` companions."""
    if "seed" in header and "error" in header and header.index("seed") < header.index("error"):
        return [h for h in header[header.index("seed") + 1 : header.index("error")] if not is_companion(h)]
    return [h for h in header if "." in h and ":" not in h]


def load_study(directory: Path) -> StudyData:
    """Whatever study files `directory` holds."""
    data = StudyData(meta=run_meta(directory))
    results = directory / "results.csv"
    if results.exists():
        header, rows = read_csv(results)
        data.results = [dict(zip(header, r, strict=False)) for r in rows]
        data.parameters = parameter_columns(header)
    sensitivity = directory / "sensitivity.csv"
    if sensitivity.exists():
        header, rows = read_csv(sensitivity)
        keys = [header_key(h) for h in header]
        data.sensitivity = [dict(zip(keys, r, strict=False)) for r in rows]
    bottlenecks = directory / "bottlenecks.json"
    if bottlenecks.exists():
        data.bottlenecks = read_json(bottlenecks)
    compare = directory / "compare.json"
    if compare.exists():
        data.compare = read_json(compare)
    return data


def as_float(text: Any) -> float:
    """A CSV cell as a number (NaN where empty or not a number)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def panel_figure(n: int, height: float = PANEL_HEIGHT_IN) -> tuple[Figure, list[Axes]]:
    """A figure of `n` panels stacked, each `height` inches high."""
    fig = new_figure(height * n + 0.7)
    return fig, list(fig.subplots(n, 1, squeeze=False)[:, 0])


def finish(fig: Figure, meta: dict[str, Any], title: str) -> Figure:
    """The figure titled with the scenario's name and footed with its provenance."""
    scenario = meta.get("scenario")
    fig.suptitle(f"{plot_text(scenario)}: {title}" if scenario else title[0].upper() + title[1:], fontsize=SMALL + 3)
    footer(fig, meta)
    return fig
