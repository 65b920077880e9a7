"""Layout checks on a drawn figure, from the boxes matplotlib computes on its canvas: what a
reader sees overlapping or cut is what these boxes say overlaps or leaves the canvas."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.transforms import Bbox

#: pixels of slack for anti-aliasing and rounding
SLACK = 1.0


def _visible_text(text: Text) -> bool:
    return text.get_visible() and bool(text.get_text().strip())


def _shrunk(box: Bbox) -> Bbox:
    return Bbox.from_extents(box.x0 + SLACK, box.y0 + SLACK, box.x1 - SLACK, box.y1 - SLACK)


def decorations(fig: Figure) -> list[tuple[str, Bbox]]:
    """Every legend and every piece of text outside the axes' data: titles, axis labels, tick
    labels, figure text (footer, suptitle) and legends, with their boxes in pixels."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    out: list[tuple[str, Bbox]] = []
    for ax in fig.axes:
        pieces: list[Text] = [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]  # type: ignore[attr-defined]
        for axis in (ax.xaxis, ax.yaxis):  # the ticks drawn: those inside the view limits
            pieces += [tick.label1 for tick in axis._update_ticks()]  # type: ignore[attr-defined]
        for text in pieces:
            if _visible_text(text):
                out.append((f"text {text.get_text()!r}", text.get_window_extent(renderer)))
        if ax.get_legend() is not None:
            out.append(("legend", ax.get_legend().get_window_extent(renderer)))
    for text in fig.texts:
        if _visible_text(text) and text is not getattr(fig, "_suptitle", None):
            out.append((f"figure text {text.get_text()!r}", text.get_window_extent(renderer)))
    for item in fig.legends:
        out.append(("figure legend", item.get_window_extent(renderer)))
    if fig._suptitle is not None and _visible_text(fig._suptitle):  # type: ignore[attr-defined]
        out.append((f"title {fig._suptitle.get_text()!r}", fig._suptitle.get_window_extent(renderer)))  # type: ignore[attr-defined]
    return out


def data_areas(fig: Figure) -> list[tuple[Axes, Bbox]]:
    """Each plotting axes' data area in pixels (colour bars count as decoration)."""
    return [(ax, ax.get_window_extent()) for ax in fig.axes if not hasattr(ax, "_colorbar")]


def layout_faults(fig: Figure) -> list[str]:
    """What is wrong with the figure's layout, in words (empty when nothing is):
    a legend or a piece of text over an axes' data area, anything drawn text-like outside
    the canvas, or a figure taller than 1.5 times its width."""
    fig.canvas.draw()
    faults: list[str] = []
    width, height = fig.get_size_inches()
    if height > 1.5 * width + 1e-9:
        faults.append(f"figure is {width:.1f} x {height:.1f} in: taller than 1.5x its width")
    canvas = Bbox.from_bounds(0, 0, *fig.canvas.get_width_height())
    areas = data_areas(fig)
    for name, box in decorations(fig):
        inner = _shrunk(box)
        if not (canvas.x0 <= inner.x0 and inner.x1 <= canvas.x1 and canvas.y0 <= inner.y0 and inner.y1 <= canvas.y1):
            faults.append(f"{name} is cut by the canvas edge")
        for ax, area in areas:
            if inner.overlaps(_shrunk(area)):
                faults.append(f"{name} lies over the data of axes {ax.get_title() or ax.get_label()!r}")
    figure_level = [(n, b) for n, b in decorations(fig) if n.startswith(("figure", "title", "legend"))]
    for i, (name, box) in enumerate(figure_level):  # legends, titles and the footer apart
        for other, other_box in figure_level[i + 1 :]:
            if _shrunk(box).overlaps(_shrunk(other_box)):
                faults.append(f"{name} overlaps {other}")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in fig.axes:  # tick labels of one axis must not run into each other
        for axis in (ax.xaxis, ax.yaxis):
            boxes = [
                (t.label1.get_text(), _shrunk(t.label1.get_window_extent(renderer)))
                for t in axis._update_ticks()  # type: ignore[attr-defined]
                if _visible_text(t.label1)
            ]
            for (a, box), (b, other) in zip(boxes, boxes[1:], strict=False):
                if box.overlaps(other):
                    faults.append(f"tick labels {a!r} and {b!r} overlap")
    for ax in fig.axes:  # notes inside an axes must at least stay on the canvas
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        for text in ax.texts:
            if _visible_text(text) and not isinstance(text, Legend):
                inner = _shrunk(text.get_window_extent(renderer))
                if not (
                    canvas.x0 <= inner.x0 and inner.x1 <= canvas.x1 and canvas.y0 <= inner.y0 and inner.y1 <= canvas.y1
                ):
                    faults.append(f"note {text.get_text()!r} is cut by the canvas edge")
    return faults
