"""The target chart: each target's median date as a dot, p10–p90 as a bar and the deadline as a
mark at the dates the summary states, read back from the drawn artists and the axes' own
transforms; coloured on the stated scale; a page's proportions however many targets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.language.load import load_scenario
from sim.present.plots.targets import (
    MAX_ASPECT,
    ON_TIME_SCALE,
    on_time_colour,
    plot_target_chart,
    plot_target_charts,
    summary_rows,
)
from sim.studies.run import run_scenario

ROOT = Path(__file__).resolve().parent.parent


def _target(name: str, product: str, p10: str | None, p50: str | None, p90: str | None, **kw: Any) -> dict[str, Any]:
    return {
        "name": name,
        "product": product,
        "measure": "delivered",
        "threshold": 100.0,
        "date_reached": {"p10": p10, "p50": p50, "p90": p90},
        "reached_fraction": kw.get("reached", 1.0),
        "on_time_probability": kw.get("on_time"),
        "by": kw.get("by"),
    }


def two_targets() -> dict[str, Any]:
    return {
        "scenario": "Two targets",
        "seed": 1,
        "replications": 50,
        "start": "2025-01-01",
        "horizon_years": 10.0,
        "targets": [
            _target(
                "first hundred", "shell_155mm", "2027-02-01", "2027-06-15", "2028-01-10", on_time=0.9, by="2028-01-01"
            ),
            _target("second line", "mbt", "2029-03-01", "2030-09-30", None, on_time=0.1, by="2029-06-01", reached=0.7),
        ],
    }


def marks(fig: Figure) -> dict[str, Line2D]:
    return {str(line.get_gid()): line for ax in fig.axes for line in ax.get_lines() if line.get_gid()}


def label_at(ax: Axes, y: float) -> str:
    """The y tick label of the row drawn at `y` (read back from the axis)."""
    ticks = list(ax.get_yticks())
    return ax.get_yticklabels()[min(range(len(ticks)), key=lambda i: abs(ticks[i] - y))].get_text()


def day(text: str) -> float:
    return float(mdates.date2num(dt.date.fromisoformat(text)))


def test_dots_bars_and_deadlines_sit_at_the_known_dates() -> None:
    fig = plot_target_chart(two_targets())
    found = marks(fig)
    ax = fig.axes[0]
    for t in two_targets()["targets"]:
        dot = found[f"median:{t['name']}"]
        (x,), (y,) = dot.get_xdata(), dot.get_ydata()
        assert x == pytest.approx(day(t["date_reached"]["p50"]))
        assert label_at(ax, y).split("\n")[0] == t["name"]
        deadline = found[f"deadline:{t['name']}"]
        assert deadline.get_xdata()[0] == pytest.approx(day(t["by"])) and deadline.get_ydata()[0] == y
        bar = found[f"range:{t['name']}"]
        assert bar.get_xdata()[0] == pytest.approx(day(t["date_reached"]["p10"]))
        assert list(bar.get_ydata()) == [y, y]
        # in pixels too: the axes' transform puts the dot left of the deadline exactly when its date is earlier
        px_dot = ax.transData.transform((x, y))[0]
        px_deadline = ax.transData.transform((deadline.get_xdata()[0], y))[0]
        assert (px_dot < px_deadline) == (t["date_reached"]["p50"] < t["by"])
    ends = found["range:second line"].get_xdata()
    assert ends[1] == pytest.approx(day("2035-01-01"), abs=1.0)  # p90 not reached: the bar runs to the horizon


def test_colour_follows_the_stated_scale_and_unreached_runs_are_said() -> None:
    fig = plot_target_chart(two_targets())
    found = marks(fig)
    assert to_hex(found["median:first hundred"].get_color()) == to_hex(ON_TIME_SCALE[0][1])  # 90%: ≥ 80%
    assert to_hex(found["median:second line"].get_color()) == to_hex(ON_TIME_SCALE[-1][1])  # 10%: < 20%
    assert on_time_colour(0.5) == ON_TIME_SCALE[1][1] and on_time_colour(0.8) == ON_TIME_SCALE[0][1]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "second line\nnot reached in 30% of runs" in labels
    assert not any("not reached" in label for label in labels if label.startswith("first hundred"))


def test_targets_are_grouped_by_programme_under_a_heading() -> None:
    summary = two_targets()
    summary["targets"].insert(1, _target("third", "mbt", "2026-01-01", "2026-02-01", "2026-03-01"))
    summary["targets"].append(_target("fourth", "shell_155mm", "2026-01-01", "2026-02-01", "2026-03-01"))
    assert [(r.programme, r.name) for r in summary_rows(summary)] == [
        ("Shell 155mm", "first hundred"),
        ("Shell 155mm", "fourth"),
        ("MBT", "third"),
        ("MBT", "second line"),
    ]
    labels = [t.get_text().split("\n")[0] for t in plot_target_chart(summary).axes[0].get_yticklabels()]
    assert labels == ["Shell 155mm", "first hundred", "fourth", "MBT", "third", "second line"]
    named = plot_target_chart(summary, {"mbt": "Main battle tanks"})  # the scenario's `label:`s
    ticks = [t.get_text().split("\n")[0] for t in named.axes[0].get_yticklabels()]
    assert ticks == ["Shell 155mm", "first hundred", "fourth", "Main battle tanks", "third", "second line"]


@pytest.mark.parametrize("n", [2, 40, 120])
def test_the_chart_fits_a_page_whatever_the_number_of_targets(n: int) -> None:
    summary = two_targets()
    summary["targets"] = [
        _target(f"target {i}", f"product {i % 7}", "2027-01-01", "2028-01-01", "2029-01-01") for i in range(n)
    ]
    fig = plot_target_chart(summary)
    width, height = fig.get_size_inches()
    assert height <= MAX_ASPECT * width + 1e-9
    fig.canvas.draw()  # every label within the canvas
    canvas = fig.bbox
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for text in fig.axes[0].get_yticklabels():
        box = text.get_window_extent(renderer)
        assert box.x0 >= canvas.x0 - 1 and box.y0 >= canvas.y0 - 1 and box.y1 <= canvas.y1 + 1


def test_a_run_of_a_scenario_charts_the_dates_its_summary_states() -> None:
    loaded = load_scenario(str(ROOT / "scenarios/examples/binds_money.yaml"), [], None)
    summary = run_scenario(loaded, 3, None, 1).summary
    target = summary["targets"][0]
    dot = marks(plot_target_chart(summary))[f"median:{target['name']}"]
    assert target["date_reached"]["p50"] is not None
    assert dot.get_xdata()[0] == pytest.approx(day(target["date_reached"]["p50"]))


def test_side_by_side_charts_share_one_date_axis() -> None:
    a, b = two_targets(), two_targets()
    b["targets"][0]["date_reached"]["p50"] = "2026-06-01"
    fig = plot_target_charts({"a": (a, summary_rows(a)), "b": (b, summary_rows(b))}, {"scenario": "Comparison"})
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    assert fig.axes[0].get_xlim() == fig.axes[1].get_xlim()
    dots = [
        line.get_xdata()[0] for ax in fig.axes for line in ax.get_lines() if line.get_gid() == "median:first hundred"
    ]
    assert dots == [pytest.approx(day("2027-06-15")), pytest.approx(day("2026-06-01"))]


def test_rearm_compare_draws_each_scenarios_target_chart_side_by_side(tmp_path: Path) -> None:
    from sim.library.studies import compare

    files = [ROOT / "scenarios/examples/binds_money.yaml", ROOT / "scenarios/examples/binds_people.yaml"]
    loaded = [load_scenario(str(f)) for f in files]
    outcome = compare(scenarios=loaded, out=tmp_path, replications=3, jobs=1, progress=False, plots=True)
    assert (tmp_path / "target_chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    found = outcome.found["100k shells"]["scenarios"]
    money = found[str(files[0])]
    assert money["by"] == "2027-01-01" and money["product"] == "shell_155mm"
    assert money["on_time_probability"] == 0.0  # reached 2028 or later in every run: never by 2027
    assert found[str(files[1])]["by"] is None and found[str(files[1])]["on_time_probability"] is None

    import json

    from sim.present.plots.targets import compare_charts

    charts = compare_charts(json.loads((tmp_path / "compare.json").read_text()))
    fig = plot_target_charts(charts, {})
    for ax, label in zip(fig.axes, charts, strict=True):
        (dot,) = [line for line in ax.get_lines() if line.get_gid() == "median:100k shells"]
        assert dot.get_xdata()[0] == pytest.approx(day(found[label]["date_reached"]["p50"]))


def test_a_programme_is_the_budget_paying_most_of_a_products_lines() -> None:
    from sim.studies.binds import programmes

    scenario = load_scenario(str(ROOT / "scenarios/uk_sdr_2025.yaml")).scenario
    found = programmes(scenario)
    assert found["dreadnought"] == found["ssn_aukus"] == "submarines"
    assert found["shell_155mm"] == found["long_range_weapon"] == "munitions"
    for product, budget in found.items():  # each the budget of at least one line making the product
        assert budget in {getattr(f, "budget", None) for f in scenario.facilities.values() if f.product == product}
    summary = two_targets()
    for t in summary["targets"]:
        t["programme"] = "land_forces"
    labels = [t.get_text().split("\n")[0] for t in plot_target_chart(summary).axes[0].get_yticklabels()]
    assert labels == ["Land forces", "first hundred", "second line"]
