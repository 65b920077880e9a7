"""The house look of every figure, applied per figure (never through global rcParams):
an Okabe-Ito colour-blind-safe palette, A4-width sizes, thousands separators, date axes,
and a footer naming the scenario, seed and provenance.

Figures are built with `matplotlib.figure.Figure` and an Agg canvas so that importing or
drawing changes no global state (no `pyplot`, no `matplotlib.use`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter

from sim.language.calendar import Clock
from sim.present.names import in_words
from sim.present.text import plot_text

__all__ = ["plot_text"]  # the one helper for scenario text in figures (sim.present.text)

#: Okabe & Ito (2008), safe for the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: The order series take colours in (black last: it is kept for annotations).
CYCLE = ("blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "yellow")
GREY = "#8C8C8C"
LIGHT_GREY = "#D9D9D9"
#: Width that prints at A4 text width (~16 cm) without shrinking fonts below ~8 pt.
WIDTH_IN = 8.0
DPI = 150
FONT = 9.5
SMALL = 8.0


#: Where name-derived colours come from: Okabe-Ito first, then Paul Tol's muted, vibrant,
#: high-contrast and light schemes, so that a figure of many facilities still has distinct
#: colours and two names seldom prefer the same one (the later ones are less contrasted).
NAMED_PALETTE = tuple(OKABE_ITO[c] for c in CYCLE) + (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#0077BB",
    "#33BBEE",
    "#009988",
    "#EE7733",
    "#CC3311",
    "#EE3377",
    "#004488",
    "#BB5566",
    "#DDAA33",
    "#77AADD",
    "#EE8866",
    "#EEDD88",
    "#FFAABB",
    "#99DDFF",
    "#BBCC33",
    "#AAAA00",
)
#: The tallest a figure may be, as a multiple of its width (A4 and Letter pages allow ~1.4).
MAX_ASPECT = 1.5


def colour(i: int) -> str:
    """The i-th colour of the cycle (wrapping)."""
    return OKABE_ITO[CYCLE[i % len(CYCLE)]]


def _slot(name: str) -> int:
    """A name's preferred place in `NAMED_PALETTE`, from a hash that is the same in every
    process and on every machine (Python's `hash` of a string is not)."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % len(NAMED_PALETTE)


def named_colour(name: str) -> str:
    """The colour `name` (a facility, stage, budget or material) has in every figure and
    scenario where nothing it shares a figure with claims the same colour first."""
    return NAMED_PALETTE[_slot(name)]


def named_colours(names: Iterable[str]) -> dict[str, str]:
    """A distinct colour per name within one figure: each keeps its `named_colour` unless a name
    alphabetically before it has the same one; only those displaced take the next free colours
    (so a name keeps its colour wherever no companion has the very same colour, and one
    displaced name never displaces another)."""
    unique = sorted(dict.fromkeys(names))
    size = len(NAMED_PALETTE)
    taken: dict[int, str] = {}
    displaced: list[str] = []
    for name in unique:  # first pass: every name at its own colour, the first of a clash wins
        slot = _slot(name)
        if slot in taken:
            displaced.append(name)
        else:
            taken[slot] = name
    out = {name: NAMED_PALETTE[k] for k, name in taken.items()}
    for name in displaced:  # then the displaced, each at the next colour nobody holds
        slot = _slot(name)
        k = next((k for k in ((slot + i) % size for i in range(size)) if k not in taken), slot)
        taken.setdefault(k, name)
        out[name] = NAMED_PALETTE[k]
    return out


def words(name: Any, labels: dict[str, str] | None = None) -> str:
    """A name as a reader sees it (`sim.present.names.in_words`: its `label:`, else the code name
    in words), as figure-safe text."""
    return plot_text(in_words(name, labels))


def capped_height(height_in: float, width_in: float = WIDTH_IN) -> float:
    """`height_in`, at most `MAX_ASPECT` times the width, so the figure fits a page."""
    return min(height_in, MAX_ASPECT * width_in)


def new_figure(height_in: float, width_in: float = WIDTH_IN) -> Figure:
    """A figure attached to an Agg canvas (no pyplot, no global backend)."""
    fig = Figure(figsize=(width_in, capped_height(height_in, width_in)), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_for(ax: Axes | None, height_in: float) -> tuple[Figure, Axes]:
    """The caller's axes and its figure, or a new one-axes figure."""
    if ax is not None:
        return ax.get_figure(root=True), ax  # type: ignore[return-value]
    fig = new_figure(height_in)
    return fig, fig.add_subplot()


def days_to_dates(start: dt.date, days: Iterable[float]) -> np.ndarray:
    """Day numbers after `start` as numpy datetimes (matplotlib draws them as dates)."""
    return Clock(start).datetimes_of(days)


def to_date(start: dt.date, day: float) -> dt.date:
    """One day number after `start` as a date."""
    return Clock(start).date_of(day)


def date_axis(ax: Axes) -> None:
    """Year ticks with concise labels."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    ax.tick_params(labelsize=SMALL)


def _plain(value: float) -> str:
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def thousands(ax: Axes, axis: str = "y") -> None:
    """Tick labels with thousands separators (1,000,000 rather than 1e6)."""
    fmt = FuncFormatter(lambda v, _pos: _plain(v))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)
    ax.tick_params(labelsize=SMALL)


MONEY_SCALES = ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k"), (1.0, ""))


def money_scale(largest: float) -> tuple[float, str]:
    """The divisor and suffix that keep money ticks short (bn, M, k)."""
    for factor, suffix in MONEY_SCALES:
        if abs(largest) >= factor:
            return factor, suffix
    return 1.0, ""


def three_figures(value: float) -> str:
    """A number to three significant figures, with thousands separators: 300.34 -> '300',
    1.2549 -> '1.25', 1234.5 -> '1,230'."""
    if value == 0 or not np.isfinite(value):
        return f"{value:g}"
    digits = 3 - int(np.floor(np.log10(abs(value)))) - 1
    rounded = round(value, digits)
    return f"{rounded:,.{max(0, digits)}f}"


def money_label(value: float, currency: str) -> str:
    """'EUR 300bn', 'EUR 1.25bn': three significant figures, no false precision."""
    factor, suffix = money_scale(value)
    return f"{currency} {three_figures(value / factor)}{suffix}"


def style_axes(ax: Axes) -> None:
    """Light grid behind the data, no top/right frame."""
    ax.grid(True, color=LIGHT_GREY, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=SMALL)


def replication_note(data: Any) -> str:
    """What a figure of replication 0's history says in its title: which run it shows of how
    many ('' for a single replication, where there is no other)."""
    n = int(data.summary.get("replications", 1))
    return f" — replication 0 of {n:,} (one run)" if n > 1 else ""


def _short_path(file: str) -> str:
    """A scenario file as a footer shows it: an absolute path by its last two parts
    ('…/scenarios/x.yaml': where it lies on one machine says nothing, and a long one would run
    off the figure; the hash beside it identifies the file)."""
    parts = Path(file).parts
    return file if not Path(file).is_absolute() or len(parts) <= 3 else "…/" + "/".join(parts[-2:])


def footer(fig: Figure, meta: dict[str, Any]) -> None:
    """Scenario title, seed, replications, file hash and version along the bottom edge."""
    parts = [plot_text(meta.get("scenario") or "scenario")]
    if meta.get("seed") is not None:
        parts.append(f"seed {meta['seed']}")
    if meta.get("replications") is not None:
        n = int(meta["replications"])
        parts.append(f"{n:,} replication{'s' if n != 1 else ''}")
    if meta.get("file"):
        sha = str(meta.get("sha256") or "")[:12]
        parts.append(plot_text(_short_path(str(meta["file"]))) + (f" ({plot_text(sha)})" if sha else ""))
    if meta.get("version"):
        parts.append(f"rearm {plot_text(meta['version'])}")
    fig.text(0.005, 0.003, " · ".join(parts), fontsize=7, color="#555555", ha="left", va="bottom")
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        room = 0.22 / fig.get_figheight()  # inches kept free for the footer line
        engine.set(rect=(0, room, 1, 1 - room))


def legend(ax: Axes, **kwargs: Any) -> None:
    """A small framed legend, only when there is something to list."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=SMALL, frameon=True, framealpha=0.9, **kwargs)


def legend_beside(ax: Axes, handles: Sequence[Any] | None = None, labels: Sequence[str] | None = None) -> None:
    """The axes' legend to the right of its data area, never over the data (constrained
    layout makes room for it); nothing when there is nothing to list. Duplicate labels are
    listed once."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    seen: dict[str, Any] = {}
    for h, label in zip(handles, labels or [], strict=False):
        if label and not label.startswith("_"):
            seen.setdefault(label, h)
    if seen:
        ax.legend(
            list(seen.values()),
            list(seen),
            fontsize=SMALL - 0.5,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            borderaxespad=0.0,
            framealpha=0.9,
        )


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes (no timestamp metadata, so redraws are byte-comparable)."""
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()


def svg_text(fig: Figure) -> str:
    """The figure as SVG text (no date metadata)."""
    buffer = io.StringIO()
    FigureCanvasSVG(fig).print_svg(buffer, metadata={"Date": None})
    FigureCanvasAgg(fig)  # the figure goes back to its Agg canvas
    return buffer.getvalue()


def stack_bottoms(rows: Sequence[Sequence[float]]) -> np.ndarray:
    """Cumulative bottoms for stacked bars: row i starts where rows < i end."""
    arr = np.asarray(rows, dtype=float)
    return np.vstack([np.zeros(arr.shape[1]), np.cumsum(arr, axis=0)[:-1]]) if arr.size else arr


def save(fig: Figure, path: Path, svg: bool = False) -> list[Path]:
    """Write `path` (PNG) and, on request, the SVG beside it; return what was written."""
    from sim.present.files import write_atomic

    write_atomic(path, png_bytes(fig))
    written = [path]
    if svg:
        svg_path = path.with_suffix(".svg")
        write_atomic(svg_path, svg_text(fig))
        written.append(svg_path)
    return written
