"""Plots: each figure draws the data it is given where the data says (target lines at the
target's value, markers at the dates in summary.json, stacked capacity equal to the measured
total, one Gantt bar per stage span), fans only for Monte Carlo, valid non-blank PNGs of the
promised size, and `rearm plot DIR` redrawing the run's images exactly without simulating."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pytest
from conftest import write_yaml
from matplotlib.figure import Figure
from PIL import Image

from sim.cli.main import main
from sim.present.plots import (
    plot_bottlenecks,
    plot_budget,
    plot_capacity,
    plot_gantt,
    plot_indices,
    plot_sweep,
    plot_timeline,
    plot_tornado,
    plot_waiting,
)
from sim.present.plots.capacity import ramp_curve
from sim.present.plots.data import RunData, load_run
from sim.present.plots.study_data import StudyData, load_study
from sim.present.plots.style import DPI, WIDTH_IN
from sim.present.run_plots import figures_for, run_figures

FLEET = """
scenario: Plot test fleet
start: 2025-01-01
horizon: 12 years
seed: 7
replications: 1
currency: GBP
budgets:
  navy:
    appropriations: {2025: 2.5bn}
    carry_over: false
  munitions:
    appropriations: {2025: 400M, 2028: 600M}
materials:
  steel:
    unit: t
    initial: 500
    supply: {rate: {triangular: [800 per year, 1k per year, 1.2k per year]}, lead_time: 1 month}
facilities:
  barrow:
    kind: shipyard
    product: ssn
    budget: navy
    docks: 2
    hulls: 6
    unit_cost: 1bn
    stages:
      - {name: build, duration: {triangular: [600 days, 700 days, 800 days]}, dock: true, cost_share: 80%}
      - {name: trials, duration: 200 days, dock: false, cost_share: 20%}
    expansions:
      - {name: third dock, docks: 1, capex: 500M, construction: 3 years, start: 2026-01-01}
  glascoed:
    kind: munitions_factory
    product: shell
    budget: munitions
    capacity: 100k per year
    lot: 1 month
    unit_cost: 3000
    consumes: {steel: 0.01}
    expansions:
      - {name: new line, capacity: {triangular: [40k per year, 50k per year, 60k per year]}, capex: 100M,
         construction: 18 months, start: 2025-06-01, ramp_up: 1 year}
targets:
  - {name: six boats, product: ssn, delivered: 6, by: 2034-01-01}
  - {name: 150k a year, product: shell, rate: 150k per year, by: 2028-01-01}
  - {name: shell stock, product: shell, stock: 500k}
"""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: A blank or near-blank image has almost no spread in pixel values; a chart has plenty.
MIN_PIXEL_STD = 20.0


def run_cli(*args: str | Path) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fleet scenario run twice by `rearm run`: 6 replications, and 1."""
    root = tmp_path_factory.mktemp("fleet")
    scenario = write_yaml(root, FLEET, "fleet.yaml")
    dirs = {"mc": root / "mc", "one": root / "one", "file": scenario}
    assert run_cli("run", scenario, "--replications", 6, "--jobs", 1, "--out", dirs["mc"]) == 0
    assert run_cli("run", scenario, "--replications", 1, "--jobs", 1, "--out", dirs["one"], "--no-plots") == 0
    return dirs


@pytest.fixture(scope="module")
def mc(fleet: dict[str, Path]) -> RunData:
    data = load_run(fleet["mc"])
    assert data is not None
    return data


@pytest.fixture(scope="module")
def one(fleet: dict[str, Path]) -> RunData:
    data = load_run(fleet["one"])
    assert data is not None
    return data


def date_of(x: float) -> dt.date:
    return mdates.num2date(x).date()


def axes_of(fig: Figure, title_part: str):
    return next(a for a in fig.axes if title_part.lower() in a.get_title(loc="left").lower())  # titles in words


def by_gid(ax, gid: str) -> list:
    return [a for a in (*ax.lines, *ax.collections, *ax.patches) if a.get_gid() == gid]


# -- timeline ---------------------------------------------------------------------------------
def test_timeline_has_two_labelled_date_panels_per_product_and_a_footer(mc: RunData) -> None:
    fig = plot_timeline(mc)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2 * len(mc.products()) == 4
    labels = [a.get_ylabel() for a in fig.axes]
    assert labels == ["units (cumulative)", "units per year"] * 2
    for ax in fig.axes:
        assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
        assert "," in ax.yaxis.get_major_formatter()(1_500_000, 0)  # thousands separators
    footer = " ".join(t.get_text() for t in fig.texts)
    assert "Plot test fleet" in footer and "seed 7" in footer and "6 replications" in footer


@pytest.mark.parametrize(
    "name, panel_title, value",
    [
        ("six boats", "ssn: deliveries", 6.0),
        ("150k a year", "shell: rate", 150_000.0),
        ("shell stock", "shell: deliveries", 500_000.0),
    ],
)
def test_a_target_line_is_drawn_at_the_targets_value_on_its_measures_panel(
    mc: RunData, name: str, panel_title: str, value: float
) -> None:
    ax = axes_of(plot_timeline(mc), panel_title)
    levels = [line.get_ydata()[0] for line in by_gid(ax, "target")]
    assert value in levels
    assert ax.get_ylim()[1] > value
    assert any(name in t.get_text() for t in ax.texts)


def test_reached_marker_sits_at_the_median_date_and_deadline_marker_at_the_deadline(mc: RunData) -> None:
    target = next(t for t in mc.summary["targets"] if t["name"] == "six boats")
    ax = axes_of(plot_timeline(mc), "ssn: deliveries")
    (reached,) = by_gid(ax, "reached")
    assert date_of(mdates.date2num(reached.get_xdata()[0])) == dt.date.fromisoformat(target["date_reached"]["p50"])
    assert reached.get_ydata()[0] == 6.0
    deadlines = by_gid(ax, "deadline")
    assert [date_of(mdates.date2num(d.get_xdata()[0])) for d in deadlines] == [dt.date(2034, 1, 1)]


def test_a_fan_is_drawn_only_for_monte_carlo_results(mc: RunData, one: RunData) -> None:
    for fig in (plot_timeline(mc), plot_capacity(mc)):
        assert sum(len(by_gid(a, "fan")) for a in fig.axes) > 0
    for fig in (plot_timeline(one), plot_capacity(one)):
        assert sum(len(by_gid(a, "fan")) for a in fig.axes) == 0
    # the band spans p10..p90 of timeline.csv
    ax = axes_of(plot_timeline(mc), "shell: deliveries")
    band = by_gid(ax, "fan")[0]
    top = band.get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(mc.timeline["shell"]["delivered"]["p90"].max())


# -- capacity ---------------------------------------------------------------------------------
def test_stacked_capacity_of_one_replication_equals_the_measured_total(one: RunData) -> None:
    """Independent check: the plot rebuilds capacity from the ramps in replication0.json;
    timeline.csv's capacity comes from the metrics code. For one replication they agree."""
    assert one.detail is not None
    series = one.timeline["shell"]["capacity"]
    days = (series["dates"] - np.datetime64("2025-01-01", "s")) / np.timedelta64(1, "D")
    ramps = [(r["t0"], r["t1"], r["per_year"]) for r in one.detail["capacity"] if r["product"] == "shell"]
    assert ramp_curve(ramps, days) == pytest.approx(series["p50"], rel=1e-6, abs=0.01)


def test_capacity_figure_draws_each_expansion_from_construction_start_to_on_line(one: RunData) -> None:
    assert one.detail is not None
    fig = plot_capacity(one)
    ax = axes_of(fig, "expansions")
    bars = by_gid(ax, "construction")
    assert len(bars) == len(one.detail["expansions"]) == 2
    start = dt.date(2025, 1, 1)
    for bar, e in zip(bars, one.detail["expansions"], strict=True):
        assert date_of(bar.get_x()) == start + dt.timedelta(days=int(e["start"]))
        assert date_of(bar.get_x() + bar.get_width()) == start + dt.timedelta(days=int(e["online"]))
    assert axes_of(fig, "shell: installed capacity").get_ylabel() == "units per year"
    assert axes_of(fig, "material supply").get_ylabel() == "t per year"


# -- shipyard Gantt ---------------------------------------------------------------------------
def test_gantt_has_a_row_per_dock_and_per_hull_and_a_bar_per_stage_span(one: RunData) -> None:
    assert one.detail is not None
    stages = one.detail["stages"]
    fig = plot_gantt(one)
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    docks = sorted({s["dock"] for s in stages if s["dock"] >= 0})
    hulls = sorted({s["hull"] for s in stages if s["dock"] < 0})
    assert labels == [f"Barrow dock {d + 1}" for d in docks] + [f"Barrow hull {h}" for h in hulls]  # in words
    assert hulls == [1, 2, 3, 4, 5, 6]
    bars = [p for p in ax.patches if str(p.get_gid()).startswith("stage:")]
    assert len(bars) == len(stages) == 12
    assert len({b.get_facecolor() for b in bars}) == 2  # build and trials


def test_gantt_is_skipped_without_stage_spans(one: RunData) -> None:
    assert one.detail is not None
    no_yard = RunData(one.summary, one.timeline, {**one.detail, "stages": []})
    assert "shipyard_gantt" not in [s.name for s in run_figures(no_yard)]
    assert "shipyard_gantt" in [s.name for s in run_figures(one)]
    with pytest.raises(ValueError, match="stage spans"):
        plot_gantt(no_yard)


# -- budget -----------------------------------------------------------------------------------
def test_budget_bars_show_appropriations_commitments_and_lapses(one: RunData) -> None:
    assert one.detail is not None
    fig = plot_budget(one)
    navy, munitions = fig.axes
    years = one.detail["budgets"]["navy"]
    heights = [b.get_height() * 1e9 for b in by_gid(navy, "appropriated")]
    assert heights == pytest.approx([years[y]["appropriated"] for y in sorted(years)])
    assert one.summary["budgets"]["navy"]["appropriations"] == {y: v["appropriated"] for y, v in years.items()}
    assert by_gid(navy, "lapsed") and not by_gid(munitions, "lapsed")
    assert "GBP bn" in navy.get_ylabel() and "fiscal year" in navy.get_xlabel()


def test_without_carry_over_each_full_years_lapse_is_what_was_not_committed(one: RunData) -> None:
    assert one.detail is not None
    years = one.detail["budgets"]["navy"]
    for y in sorted(years)[:-1]:  # the last year is cut by the horizon, nothing lapses
        m = years[y]
        assert m["lapsed"] == pytest.approx(m["appropriated"] - m["committed"], abs=0.02)


# -- waiting ----------------------------------------------------------------------------------
def test_waiting_bars_are_the_median_shares_with_p10_p90_whiskers(mc: RunData) -> None:
    fig = plot_waiting(mc)
    (ax,) = fig.axes
    assert "%" in ax.get_xlabel() and "median" in fig.get_suptitle()
    facilities = mc.summary["facilities"]
    names = list(facilities)
    assert len(ax.get_yticks()) == len(names)
    drawn = 0
    for cause in {c for f in facilities.values() for c in f["share_percentiles"]}:
        bars, whiskers = by_gid(ax, f"cause:{cause}"), by_gid(ax, f"spread:{cause}")
        assert len(bars) == len(whiskers)
        for bar, whisker in zip(bars, whiskers, strict=True):
            y = bar.get_y() + bar.get_height() / 2
            name = names[len(names) - 1 - round(y)]  # each facility's bars lie within its row
            p = facilities[name]["share_percentiles"][cause]
            assert bar.get_width() == pytest.approx(p["p50"], abs=1e-9)
            assert list(whisker.get_xdata()) == pytest.approx([p["p10"], p["p90"]], abs=1e-9)
            assert list(whisker.get_ydata()) == pytest.approx([y, y])
            drawn += 1
    # every cause some replication of a facility had is drawn, and none it never had
    assert drawn == sum(1 for f in facilities.values() for p in f["share_percentiles"].values() if p["p90"] > 0)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "p10–p90 over replications" in labels


def test_waiting_without_percentiles_stacks_the_mean_shares_and_says_so(mc: RunData) -> None:
    summary = {**mc.summary, "facilities": {
        n: {k: v for k, v in f.items() if k != "share_percentiles"} for n, f in mc.summary["facilities"].items()
    }}  # fmt: skip  # (a summary.json written before the percentiles were kept)
    fig = plot_waiting(RunData(summary, mc.timeline, mc.detail, mc.labels, mc.programmes))
    (ax,) = fig.axes
    assert "mean of" in fig.get_suptitle()
    facilities = summary["facilities"]
    totals = np.zeros(len(facilities))
    for cause in ("producing", *{c for f in facilities.values() for c in f["waiting"]}):
        for bar in by_gid(ax, f"cause:{cause}"):
            row = len(facilities) - 1 - round(bar.get_y() + bar.get_height() / 2)
            name = list(facilities)[row]
            expected = (
                facilities[name]["waiting"].get(cause)
                if cause != "producing"
                else (1 - sum(facilities[name]["waiting"].values()))
            )
            assert bar.get_width() == pytest.approx(expected or 0.0, abs=1e-9)
            totals[row] += bar.get_width()
    assert totals == pytest.approx(1.0)


# -- studies ----------------------------------------------------------------------------------
SENSITIVITY = """parameter,target,method,index,value,confidence
a.capacity,t1,oat,baseline,3.0,
a.capacity,t1,oat,low,3.8,
a.capacity,t1,oat,high,2.5,
a.capacity,t1,oat,low_effect,0.8,0.1
a.capacity,t1,oat,high_effect,-0.5,0.1
b.growth,t1,oat,baseline,3.0,
b.growth,t1,oat,low,3.1,
b.growth,t1,oat,high,2.9,
b.growth,t1,oat,low_effect,0.1,0.02
b.growth,t1,oat,high_effect,-0.1,0.02
a.capacity,t1,sobol,S1,0.9,0.05
a.capacity,t1,sobol,ST,0.95,0.06
b.growth,t1,sobol,S1,0.01,0.02
b.growth,t1,sobol,ST,0.03,0.02
"""


def write_results(path: Path, params: list[str], rows: list[tuple]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["point", "replication", "seed", *params, "error", "years_to_reach:t1", "delivered:x"])
        w.writerows(rows)


def test_tornado_bars_are_the_oat_effects_widest_on_top(tmp_path: Path) -> None:
    (tmp_path / "sensitivity.csv").write_text(SENSITIVITY)
    fig = plot_tornado(load_study(tmp_path))
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b.growth", "a.capacity"]  # widest last = top
    assert [b.get_width() for b in by_gid(ax, "low")] == [0.1, 0.8]
    assert [b.get_width() for b in by_gid(ax, "high")] == [-0.1, -0.5]
    assert "years" in ax.get_xlabel()


def test_sobol_bars_carry_their_confidence_intervals(tmp_path: Path) -> None:
    (tmp_path / "sensitivity.csv").write_text(SENSITIVITY)
    (ax,) = plot_indices(load_study(tmp_path)).axes
    assert [b.get_height() for b in by_gid(ax, "index:ST")] == [0.95, 0.03]
    whiskers = [c for c in ax.collections if c.get_segments()]
    spans = sorted(round(float(s[1][1] - s[0][1]), 6) for c in whiskers for s in c.get_segments())
    assert spans == sorted([0.1, 0.12, 0.04, 0.04])  # 2 x confidence per bar
    assert "variance" in ax.get_ylabel()


def test_sweep_line_plots_the_median_over_replications_at_each_value(tmp_path: Path) -> None:
    rows = [(0, r, r, 100, "", y, 1) for r, y in enumerate([3.0, 4.0, 5.0])]
    rows += [(1, r, r, 200, "", y, 1) for r, y in enumerate([2.0, 2.5, ""])]  # one never reaches
    rows += [(2, 0, 0, 300, "bad value", "", "")]  # a failed point is left out
    write_results(tmp_path / "results.csv", ["a.capacity"], rows)
    (ax,) = plot_sweep(load_study(tmp_path)).axes
    (line,) = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert list(line.get_xdata()) == [100, 200]
    assert list(line.get_ydata()) == [4.0, 2.5]  # unreached counts as later than any reached
    assert ax.get_xlabel() == "a.capacity" and "years" in ax.get_ylabel()


def test_two_parameter_grid_gives_a_heatmap_of_medians(tmp_path: Path) -> None:
    rows, point = [], 0
    for a in (1, 2):
        for b in (10, 20, 30):
            rows.append((point, 0, 0, a, b, "", a * b, 0))
            point += 1
    write_results(tmp_path / "results.csv", ["a.x", "b.y"], rows)
    fig = plot_sweep(load_study(tmp_path))
    ax = fig.axes[0]
    image = ax.images[0].get_array()
    assert image.shape == (3, 2)
    assert image[2, 1] == 60 and image[0, 0] == 10
    assert ax.get_xlabel() == "a.x" and ax.get_ylabel() == "b.y"


def test_bottleneck_bars_highlight_the_largest_gain(tmp_path: Path) -> None:
    data = {
        "t1": [
            {"constraint": "material:fill", "months_earlier": 7.5},
            {"constraint": "budget:b", "months_earlier": 2.0},
            {"constraint": "docks:y", "months_earlier": None},
        ]
    }
    (tmp_path / "bottlenecks.json").write_text(json.dumps(data))
    (ax,) = plot_bottlenecks(load_study(tmp_path)).axes
    bars = by_gid(ax, "gain")
    widths = {t.get_text(): b.get_width() for t, b in zip(ax.get_yticklabels(), bars, strict=True)}
    assert widths == {"material: Fill": 7.5, "budget: B": 2.0, "docks: Y": 0.0}  # constraints in words
    assert "binding: material: Fill" in ax.get_title(loc="left")
    assert "months" in ax.get_xlabel()


def test_plot_functions_draw_into_a_given_axes(mc: RunData, tmp_path: Path) -> None:
    (tmp_path / "sensitivity.csv").write_text(SENSITIVITY)
    study = load_study(tmp_path)
    host = Figure()
    axes = host.subplots(1, 4)
    assert plot_waiting(mc, ax=axes[0]) is host
    assert plot_budget(mc, ax=axes[1]) is host
    assert plot_gantt(mc, ax=axes[2]) is host
    assert plot_tornado(study, ax=axes[3]) is host
    assert all(a.has_data() for a in axes)


def test_drawing_changes_no_global_matplotlib_state(mc: RunData) -> None:
    before = dict(matplotlib.rcParams)
    backend = matplotlib.get_backend()
    for spec in run_figures(mc):
        spec.draw()
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.get_backend() == backend


# -- files ------------------------------------------------------------------------------------
def test_run_writes_valid_non_blank_pngs_of_the_expected_size(fleet: dict[str, Path]) -> None:
    names = {"timeline", "capacity", "shipyard_gantt", "budget", "waiting"}
    for name in names:
        path = fleet["mc"] / f"{name}.png"
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            assert image.size[0] == int(WIDTH_IN * DPI)
            assert image.size[1] > 300
            pixels = np.asarray(image.convert("L"), dtype=float)
        assert pixels.std() > MIN_PIXEL_STD, name


def test_rearm_plot_redraws_the_runs_images_without_simulating(fleet: dict[str, Path], tmp_path: Path) -> None:
    stored = tmp_path / "stored"
    shutil.copytree(fleet["mc"], stored, ignore=shutil.ignore_patterns("*.png"))
    moved = tmp_path / "elsewhere.yaml"
    shutil.copy(fleet["file"], moved)
    fleet["file"].unlink()  # the scenario file is gone: `rearm plot` cannot simulate
    try:
        assert run_cli("plot", stored, "--svg") == 0
    finally:
        shutil.copy(moved, fleet["file"])
    pngs = sorted(p.name for p in fleet["mc"].glob("*.png"))
    assert pngs == sorted(p.name for p in stored.glob("*.png")) and len(pngs) == 6  # the target chart too
    for name in pngs:
        with Image.open(fleet["mc"] / name) as a, Image.open(stored / name) as b:
            assert np.array_equal(np.asarray(a), np.asarray(b)), name
    for svg in stored.glob("*.svg"):
        assert ET.parse(svg).getroot().tag.endswith("svg")
    assert len(list(stored.glob("*.svg"))) == 6


def test_rearm_plot_draws_whatever_study_files_are_present(tmp_path: Path) -> None:
    (tmp_path / "sensitivity.csv").write_text(SENSITIVITY)
    (tmp_path / "bottlenecks.json").write_text(json.dumps({"t1": [{"constraint": "budget:b", "months_earlier": 3}]}))
    assert [s.name for s in figures_for(tmp_path)] == ["tornado", "sensitivity_indices", "bottlenecks"]
    assert run_cli("plot", tmp_path) == 0
    assert {p.name for p in tmp_path.glob("*.png")} == {"tornado.png", "sensitivity_indices.png", "bottlenecks.png"}


def test_rearm_plot_on_a_directory_without_results_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("plot", tmp_path) == 2
    assert "no results to plot" in capsys.readouterr().err
    assert run_cli("plot", tmp_path / "missing") == 2
    assert "no such directory" in capsys.readouterr().err


def test_study_data_without_files_is_empty(tmp_path: Path) -> None:
    assert load_study(tmp_path) == StudyData()
    assert load_run(tmp_path) is None


def test_swept_values_with_units_are_read_as_numbers_and_others_as_categories(tmp_path: Path) -> None:
    rows = [(0, 0, 0, "80k per year", "", 5.0, 1), (1, 0, 0, "120k per year", "", 4.0, 1)]
    write_results(tmp_path / "results.csv", ["f.capacity"], rows)
    (ax,) = plot_sweep(load_study(tmp_path)).axes
    (line,) = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert list(line.get_xdata()) == pytest.approx([80_000, 120_000])
    assert ax.get_xlabel() == "f.capacity (per year)"
    rows = [(0, 0, 0, "when_funded", "", 5.0, 1), (1, 0, 0, "2026-01-01", "", 4.0, 1)]
    write_results(tmp_path / "results.csv", ["e.start"], rows)
    (ax,) = plot_sweep(load_study(tmp_path)).axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["when_funded", "2026-01-01"]
