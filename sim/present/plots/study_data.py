"""The study files of an output directory as plain data, and the figure frame every study
figure shares (stacked panels, the scenario's title, the provenance footer): what the tornado,
index, bottleneck and sweep figures all start from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.present.names import labels_of
from sim.present.plots.data import load_resolved, read_csv, read_json, run_meta
from sim.present.plots.pages import MAX_PANELS
from sim.present.plots.style import MAX_ASPECT, SMALL, WIDTH_IN, footer, new_figure, plot_text
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
    #: `design.csv` rows (point, then one column per varied parameter), where present
    design: list[dict[str, str]] | None = None
    #: name -> label from the study's resolved scenario
    labels: dict[str, str] = field(default_factory=dict)


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
    design = directory / "design.csv"
    if design.exists():
        header, rows = read_csv(design)
        data.design = [dict(zip(header, r, strict=False)) for r in rows]
    data.labels = labels_of(load_resolved(directory))
    return data


def oat_values(design: list[dict[str, str]] | None) -> dict[str, tuple[str, str]]:
    """Parameter -> (its low value, its high value) as written, from a one-at-a-time design:
    the points that differ from the baseline (point 0) in that parameter only."""
    if not design:
        return {}
    base = design[0]
    params = [k for k in base if k != "point" and not is_companion(k)]
    found: dict[str, list[str]] = {}
    for row in design[1:]:
        changed = [p for p in params if row.get(p) != base.get(p)]
        if len(changed) == 1:  # the value as written where the design keeps it beside the number
            p = changed[0]
            found.setdefault(p, []).append(row.get(f"{p}:written") or row[p])
    return {p: (v[0], v[-1]) for p, v in found.items() if len(v) == 2}


def fitting(count: int, panel_in: float) -> int:
    """How many panels of `panel_in` inches one figure holds: at most `MAX_PANELS`, and no
    more than keep it within a page's height."""
    room = MAX_ASPECT * WIDTH_IN - 0.9
    return max(1, min(MAX_PANELS, int(room // max(panel_in, 0.1)), count))


def as_float(text: Any) -> float:
    """A CSV cell as a number (NaN where empty or not a number)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def panel_figure(n: int, height: float = PANEL_HEIGHT_IN) -> tuple[Figure, list[Axes]]:
    """A figure of `n` panels stacked, each `height` inches high (shrunk to fit a page)."""
    fig = new_figure(height * n + 0.9)
    return fig, list(fig.subplots(n, 1, squeeze=False)[:, 0])


def finish(fig: Figure, meta: dict[str, Any], title: str) -> Figure:
    """The figure titled with the scenario's name and footed with its provenance."""
    scenario = meta.get("scenario")
    fig.suptitle(
        f"{plot_text(scenario)}: {title}" if scenario else title[0].upper() + title[1:], fontsize=SMALL + 3, wrap=True
    )
    footer(fig, meta)
    return fig
