"""Figures that fit a page (issue 26): every figure of the flagship and of each study — sweep,
sensitivity (one at a time and Sobol), bottlenecks, compare — has no legend or text over an
axes' data area, nothing cut by the canvas edge, and a height at most 1.5 times its width;
the same facility has the same colour in two figures and in two scenarios.

One short run or study per kind, shared by the module (few replications: the layout does not
depend on how many)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import CliResult
from figure_layout import layout_faults
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from sim.cli.main import main
from sim.present.plots.capacity import plot_capacity
from sim.present.plots.data import load_run
from sim.present.plots.style import (
    MAX_ASPECT,
    footer,
    money_label,
    named_colour,
    named_colours,
    new_figure,
    three_figures,
    words,
)
from sim.present.plots.waiting import plot_waiting
from sim.present.run_plots import figures_for

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "nato_hague_2035.yaml"
SHELLS = ROOT / "scenarios" / "european_155mm.yaml"
UK = ROOT / "scenarios" / "uk_sdr_2025.yaml"


def _rearm(*args: object) -> None:
    assert main([str(a) for a in args]) == 0


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Output folders of one short run or study of each kind (figures left to the tests)."""
    root = tmp_path_factory.mktemp("layout")
    out = {name: root / name for name in ("flagship", "shells", "bottlenecks", "oat", "sobol", "sweep", "compare")}
    _rearm("run", FLAGSHIP, "--replications", 3, "--out", out["flagship"], "--no-plots", "--jobs", 2)
    _rearm("run", SHELLS, "--replications", 2, "--out", out["shells"], "--no-plots", "--jobs", 1)
    quick = ("--replications", 1, "--no-plots", "--quiet", "--jobs", 2)
    _rearm("bottlenecks", UK, "--out", out["bottlenecks"], *quick)
    capacity = "facilities.rheinmetall.capacity=500k per year:900k per year"
    growth = "budgets.national_procurement.growth=0%:5%"
    _rearm(
        "sensitivity", SHELLS, "--method", "oat", "--param", capacity, "--param", growth, "--out", out["oat"], *quick
    )
    _rearm(
        "sensitivity", SHELLS, "--method", "sobol", "--samples", 8, "--param", capacity, "--param", growth,
        "--out", out["sobol"], *quick,
    )  # fmt: skip
    _rearm(
        "sweep", SHELLS, "--vary", "facilities.rheinmetall.capacity=500k per year,900k per year",
        "--vary", "budgets.national_procurement.growth=0%,5%", "--out", out["sweep"], *quick,
    )  # fmt: skip
    _rearm("compare", SHELLS, UK, "--out", out["compare"], *quick)
    return out


KINDS = ("flagship", "bottlenecks", "oat", "sobol", "sweep", "compare")


@pytest.fixture(scope="module")
def flagship_figures(folders: dict[str, Path]) -> dict[str, Figure]:
    """Every figure of the flagship's folder, drawn once for the module."""
    return {spec.name: spec.draw() for spec in figures_for(folders["flagship"])}


@pytest.mark.parametrize("kind", KINDS)
def test_every_figure_fits_a_page_with_nothing_over_the_data_or_cut(
    folders: dict[str, Path], flagship_figures: dict[str, Figure], kind: str
) -> None:
    figures = flagship_figures if kind == "flagship" else {s.name: s.draw() for s in figures_for(folders[kind])}
    assert figures, f"{kind}: no figure"
    faults = {}
    for name, fig in figures.items():
        width, height = fig.get_size_inches()
        assert height <= MAX_ASPECT * width + 1e-9
        found = layout_faults(fig)
        if found:
            faults[name] = found
    assert not faults


def test_a_figure_has_at_most_six_panels_and_the_first_keeps_its_name(flagship_figures: dict[str, Figure]) -> None:
    assert {"timeline", "capacity", "budget", "waiting"} <= set(flagship_figures)
    timelines = [name for name in flagship_figures if name.startswith("timeline")]
    assert len(timelines) > 1  # the flagship's eleven products do not fit one page
    for name, fig in flagship_figures.items():
        panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert len(panels) <= 6, name


def _facility_colours(fig_axes: list, names: set[str]) -> dict[str, str]:
    """Facility (as labelled) -> colour of its stacked area in a capacity figure."""
    out = {}
    for ax in fig_axes:
        for patch in ax.collections:
            label = patch.get_label()
            if label in names:
                out[label] = to_hex(patch.get_facecolor()[0], keep_alpha=False)
    return out


def _displaced(name: str, run: Any) -> bool:
    """Whether a facility before `name` in the alphabet has the same preferred colour in `run`."""
    from sim.present.plots.style import _slot

    return any(other < name and _slot(other) == _slot(name) for other in run.summary["facilities"])


def test_the_same_facility_has_the_same_colour_in_two_figures_and_two_scenarios(folders: dict[str, Path]) -> None:
    flagship, shells = load_run(folders["flagship"]), load_run(folders["shells"])
    assert flagship is not None and shells is not None
    everywhere = sorted(set(flagship.summary["facilities"]) & set(shells.summary["facilities"]))
    # a name keeps its own colour unless a companion before it in the alphabet has the very same
    # one (a palette is finite): those shared names that no companion displaces in either scenario
    # must look the same in both
    shared = [n for n in everywhere if not any(_displaced(n, run) for run in (flagship, shells))]
    assert len(everywhere) >= 4 and len(shared) >= len(everywhere) / 2, "most shared names displaced: palette too small"
    shown = {flagship.words(n): n for n in shared}
    in_flagship = _facility_colours(plot_capacity(flagship).axes, set(shown))
    in_shells = _facility_colours(plot_capacity(shells).axes, set(shown))
    assert set(in_flagship) == set(shown) == set(in_shells)
    assert in_flagship == in_shells == {flagship.words(n): named_colour(n).lower() for n in shared}
    # the waiting figure marks each facility with the same colour as its capacity area
    waiting = plot_waiting(shells)
    (ax,) = waiting.axes
    (swatches,) = [c for c in ax.collections if c.get_gid() == "facility"]
    names = list(shells.summary["facilities"])
    colours = {n: to_hex(c, keep_alpha=False) for n, c in zip(names, swatches.get_facecolors(), strict=True)}
    assert {shells.words(n): colours[n] for n in shared} == in_shells


def test_colours_are_derived_from_names_and_distinct_within_a_figure() -> None:
    names = [f"facility_{i}" for i in range(12)]
    colours = named_colours(names)
    assert len(set(colours.values())) == len(names)  # collisions resolved within the figure
    assert named_colours(list(reversed(names))) == colours  # the order they come in does not matter
    alone = named_colours(["rheinmetall"])
    assert alone["rheinmetall"] == named_colour("rheinmetall") == named_colours(["rheinmetall", "nammo"])["rheinmetall"]


def test_labels_are_words_and_money_has_three_significant_figures() -> None:
    assert words("barrow_ssn_aukus") == "Barrow SSN AUKUS"
    assert words("explosive_fill") == "Explosive fill"
    assert words("material:explosive_fill") == "material: Explosive fill"
    assert words("barrow_ssn_aukus", {"barrow_ssn_aukus": "Barrow, SSN-AUKUS boats"}) == "Barrow, SSN-AUKUS boats"
    assert money_label(300.34e9, "EUR") == "EUR 300bn"
    assert money_label(1.2549e9, "GBP") == "GBP 1.25bn"
    assert three_figures(1234.5) == "1,230"
    assert three_figures(0.012345) == "0.0123"


def test_a_label_in_the_scenario_names_the_facility_in_its_figures(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    text = SHELLS.read_text(encoding="utf-8").replace(
        "  rheinmetall:\n", "  rheinmetall:\n    label: Rheinmetall Unterlüß and Neuss\n", 1
    )
    file = tmp_path / "labelled.yaml"
    file.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert rearm("run", file, "--replications", "1", "--out", out, "--no-plots", "--jobs", "1").code == 0
    data = load_run(out)
    assert data is not None
    legend = [t.get_text() for ax in plot_capacity(data).axes if ax.get_legend() for t in ax.get_legend().texts]
    assert "Rheinmetall Unterlüß and Neuss" in legend and "rheinmetall" not in legend


def test_a_label_for_a_product_that_does_not_exist_is_a_clear_error(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    text = SHELLS.read_text(encoding="utf-8") + "product_labels:\n  shell_155m: 155mm shells\n"
    file = tmp_path / "bad.yaml"
    file.write_text(text, encoding="utf-8")
    res = rearm("validate", file)
    assert res.code != 0
    assert "product_labels" in res.err and "shell_155mm" in res.err and "Traceback" not in res.err


def test_heatmaps_of_a_sweep_share_one_colour_scale(folders: dict[str, Path]) -> None:
    (spec,) = [s for s in figures_for(folders["sweep"]) if s.name == "sweep"]
    images = [im for ax in spec.draw().axes for im in ax.images]
    assert len(images) >= 2
    assert len({im.get_clim() for im in images}) == 1


def test_the_tornado_writes_each_effect_and_the_parameters_low_and_high_values(folders: dict[str, Path]) -> None:
    (spec,) = [s for s in figures_for(folders["oat"]) if s.name == "tornado"]
    ax = spec.draw().axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert any("500000 per year → 900000 per year" in t for t in ticks)
    assert any("0% → 5%" in t for t in ticks)
    bars = [p for p in ax.patches if p.get_gid() in ("low", "high") and p.get_width() != 0]
    effects = {f"{p.get_width():+.2g}" for p in bars}
    written = {t.get_text() for t in ax.texts if t.get_gid() == "effect"}
    assert effects == written


def test_a_sobol_index_above_one_is_flagged(tmp_path: Path) -> None:
    from sim.present.plots.studies import draw_indices
    from sim.present.plots.style import new_figure

    ax = new_figure(3.0).add_subplot()
    draw_indices(ax, "t", "sobol", {"S1": {"a": (1.4, 0.1), "b": (0.2, 0.05)}, "ST": {"a": (0.9, 0.05)}})
    assert "more samples needed" in ax.get_title(loc="left")
    flagged = [p for p in ax.patches if p.get_gid() == "doubtful"]
    assert len(flagged) == 1 and flagged[0].get_height() == pytest.approx(1.4)
    calm = new_figure(3.0).add_subplot()
    draw_indices(calm, "t", "sobol", {"S1": {"a": (0.6, 0.05)}, "ST": {"a": (0.7, 0.05)}})
    assert "more samples" not in calm.get_title(loc="left")


def test_a_target_never_reached_is_flagged_in_the_bottleneck_figure() -> None:
    from sim.present.plots.studies import draw_bottlenecks
    from sim.present.plots.style import new_figure

    ax = new_figure(3.0).add_subplot()
    draw_bottlenecks(
        ax, "t", [{"constraint": "money", "months_earlier": None}, {"constraint": "docks:y", "months_earlier": None}]
    )
    assert "NOT REACHED" in ax.get_title(loc="left")
    ax = new_figure(3.0).add_subplot()
    draw_bottlenecks(ax, "t", [{"constraint": "money", "months_earlier": 3.0}])
    assert "NOT REACHED" not in ax.get_title(loc="left")


def test_figures_of_one_run_say_so_in_their_title(flagship_figures: dict[str, Figure]) -> None:
    for name, fig in flagship_figures.items():
        title = fig._suptitle.get_text()  # type: ignore[union-attr]
        if name.startswith(("capacity", "budget", "shipyard_gantt")):
            assert "replication 0 of 3 (one run)" in title, name
        if name.startswith("timeline"):
            assert "median and p10–p90" in title


def test_drawing_in_parallel_gives_the_images_of_a_serial_draw(folders: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    from sim.present.run_plots import write_plots

    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    for target in (serial, parallel):
        shutil.copytree(folders["shells"], target)
    one = write_plots(serial, jobs=1)
    many = write_plots(parallel, jobs=2)
    assert [p.name for p in one] == [p.name for p in many] and len(one) >= 4
    for a, b in zip(one, many, strict=True):
        assert np.array_equal(np.frombuffer(a.read_bytes(), np.uint8), np.frombuffer(b.read_bytes(), np.uint8))


def test_the_report_prints_each_figure_whole_on_one_page(folders: dict[str, Path]) -> None:
    import re

    from sim.present.report import CSS

    (block,) = re.findall(r"@media print\{(.*)\}\s*$", CSS.strip(), flags=re.S)
    figure_rule = re.search(r"(?<![-\w])figure\{([^}]*)\}", block)
    image_rule = re.search(r"figure img\{([^}]*)\}", block)
    assert figure_rule and "break-inside:avoid" in figure_rule.group(1)
    assert image_rule and re.search(r"max-height:\s*2[0-5]cm", image_rule.group(1))  # under an A4/Letter page


def test_the_report_embeds_the_stored_images_while_they_are_current(folders: dict[str, Path], tmp_path: Path) -> None:
    import base64
    import os
    import shutil

    from sim.present.report import render_report

    folder = tmp_path / "shells"
    shutil.copytree(folders["shells"], folder)
    marker = b"\x89PNG\r\n\x1a\n-a stored image, not a drawing-"
    (folder / "waiting.png").write_bytes(marker)
    stamp = (folder / "summary.json").stat().st_mtime_ns
    os.utime(folder / "waiting.png", ns=(stamp + 10**9, stamp + 10**9))  # newer than the results
    assert base64.b64encode(marker).decode() in render_report(folder)  # not drawn again
    os.utime(folder / "summary.json", ns=(stamp + 2 * 10**9, stamp + 2 * 10**9))  # results newer now
    assert base64.b64encode(marker).decode() not in render_report(folder)  # drawn afresh


def test_a_target_never_reached_is_flagged_on_the_timeline(
    folders: dict[str, Path], flagship_figures: dict[str, Figure]
) -> None:
    from sim.present.plots.style import OKABE_ITO

    data = load_run(folders["flagship"])
    assert data is not None
    notes = {
        t.get_text(): to_hex(t.get_color())
        for name, fig in flagship_figures.items()
        if name.startswith("timeline")
        for ax in fig.axes
        for t in ax.texts
        if t.get_gid() == "note"
    }
    for target in data.summary["targets"]:
        (colour,) = [c for text, c in notes.items() if text.startswith(target["name"])]
        never = target["date_reached"].get("p50") is None
        assert (colour == OKABE_ITO["vermillion"].lower()) == never, target["name"]
    assert any(t["date_reached"].get("p50") is None for t in data.summary["targets"])  # the case is met


def test_the_layout_check_sees_a_legend_over_data_crowded_ticks_a_cut_title_and_a_tall_figure() -> None:
    from sim.present.plots.style import legend_beside, new_figure

    def figure(height: float = 3.0):  # type: ignore[no-untyped-def]
        fig = new_figure(height)
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1], label="a line")
        return fig, ax

    fig, ax = figure()
    legend_beside(ax)
    assert layout_faults(fig) == []  # the house legend is clear of the data
    fig, ax = figure()
    ax.legend(loc="center")
    assert any("legend lies over the data" in f for f in layout_faults(fig))
    fig, ax = figure()
    ax.set_xticks(np.linspace(0, 1, 40), [f"label {i}" for i in range(40)])
    assert any("tick labels" in f and "overlap" in f for f in layout_faults(fig))
    fig, ax = figure()
    ax.set_title("a title far too long to fit " * 6, loc="left")
    assert any("cut by the canvas edge" in f for f in layout_faults(fig))
    fig, _ = figure()
    fig.set_size_inches(4.0, 6.5)
    assert any("taller than 1.5x" in f for f in layout_faults(fig))


def test_a_long_absolute_scenario_path_never_runs_off_the_footer() -> None:
    """The footer names an absolute scenario path by its last two parts: the rest depends on
    where the file lies (a longer checkout path cut the footer of the side-by-side chart)."""
    deep = "/" + "/".join(["a_rather_long_folder_name"] * 8) + "/scenarios/european_155mm.yaml"
    meta = {"scenario": "Comparison of european_155mm, uk_sdr_2025", "seed": 2025, "replications": 200,
            "file": deep, "sha256": "ab" * 32, "version": "0.1.0"}  # fmt: skip
    fig = new_figure(3.0)
    fig.add_subplot().plot([0, 1], [0, 1])
    footer(fig, meta)
    assert not layout_faults(fig)
    (text,) = [t.get_text() for t in fig.texts]
    assert "…/scenarios/european_155mm.yaml (abababababab)" in text and "a_rather_long" not in text
    relative = new_figure(3.0)
    footer(relative, {**meta, "file": "scenarios/european_155mm.yaml"})
    assert "· scenarios/european_155mm.yaml (" in relative.texts[0].get_text()  # as written when relative
