"""Text from scenarios is data (issue 24, item 5): names and titles never act on a terminal, in
a figure, in a spreadsheet or in the study store, and `--set` says which list item it chose."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CliResult, write_yaml

from sim.language.load import load_scenario
from sim.present import interop
from sim.present.text import excel_cell, from_spreadsheet_cell, plot_text, spreadsheet_cell, terminal_text

HOSTILE = r"""
scenario: "evil \e[2J\e]0;pwned\a title"
start: 2025-01-01
horizon: 6 years
seed: 3
replications: 1
budgets:
  money: {appropriations: {2025: 1tn}}
facilities:
  "$\\frac{$":
    kind: munitions_factory
    product: '@shell'
    budget: money
    capacity: 100k per year
    unit_cost: 1000
targets:
  - name: '=HYPERLINK("http://x","y")'
    product: '@shell'
    delivered: 100k
  - name: "nul\0here"
    product: '@shell'
    delivered: 200k
  - name: A
    product: '@shell'
    delivered: 50k
  - name: a
    product: '@shell'
    delivered: 150k
"""
FORMULA = '=HYPERLINK("http://x","y")'
needs_openpyxl = pytest.mark.skipif(not interop.has_module("openpyxl"), reason="needs openpyxl")


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return write_yaml(tmp_path, HOSTILE, "hostile.yaml")


# -- the helpers ---------------------------------------------------------------------------------
def test_terminal_text_shows_control_characters_and_keeps_the_rest() -> None:
    assert terminal_text("a\x1b[31mb\x07\u202e") == r"a\x1b[31mb\x07\u202e"
    assert terminal_text("one\ntwo") == r"one\x0atwo"
    assert terminal_text("one\ntwo", newlines=True) == "one\ntwo"
    assert terminal_text("Füße — ok") == "Füße — ok"


def test_spreadsheet_cells_round_trip_and_never_start_a_formula() -> None:
    for text in (FORMULA, "+1+2", "-x", "@SUM(A1)", "\tx", "\rx", "'quoted", "''", "plain", "-5", "1e3", ""):
        cell = spreadsheet_cell(text)
        assert from_spreadsheet_cell(cell) == text or cell == text
        starts_formula = cell[:1] in ("=", "+", "-", "@", "\t", "\r")
        assert not starts_formula or cell in ("-5",), cell
    assert spreadsheet_cell(FORMULA) == "'" + FORMULA
    assert spreadsheet_cell(-5) == -5 and spreadsheet_cell("-5") == "-5"
    assert excel_cell("a\x00b") == r"a\x00b"


def test_plot_text_is_literal_and_short() -> None:
    assert plot_text("$\\frac{$") == "\\$\\frac{\\$"
    long = plot_text("x" * 5_000_000)
    assert len(long) == 200 and long.endswith("…")


# -- the terminal ----------------------------------------------------------------------------------
def test_escape_sequences_in_a_title_are_printed_escaped(hostile: Path, rearm: Callable[..., CliResult]) -> None:
    res = rearm("run", hostile, "--no-plots", "--jobs", "1", "--out", hostile.parent / "o")
    assert res.code == 0, res.err
    assert "\x1b" not in res.out and "\x07" not in res.out and "\x00" not in res.out
    assert r"evil \x1b[2J\x1b]0;pwned\x07 title" in res.out
    assert r"nul\x00here" in res.out


def test_an_error_message_quoting_scenario_text_is_escaped(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    file = write_yaml(tmp_path, HOSTILE.replace("capacity: 100k per year", 'capacity: "\\e[31m per year"'))
    res = rearm("validate", file)
    assert res.code == 2
    assert "\x1b" not in res.err and "capacity" in res.err


# -- figures --------------------------------------------------------------------------------------
def test_a_mathtext_facility_name_plots_as_literal_text(hostile: Path, rearm: Callable[..., CliResult]) -> None:
    out = hostile.parent / "o"
    res = rearm("run", hostile, "--jobs", "1", "--out", out)
    assert res.code == 0, res.err
    assert (out / "waiting.png").stat().st_size > 0

    from sim.present.plots.data import load_run
    from sim.present.plots.waiting import plot_waiting

    run = load_run(out)
    assert run is not None
    fig = plot_waiting(run)
    fig.canvas.draw()
    labels = [t for t in fig.axes[0].get_yticklabels() if "frac" in t.get_text()]
    assert labels, "the facility is a tick label"
    for label in labels:
        shown, is_math = label._preprocess_math(label.get_text())  # what matplotlib draws
        assert (shown, is_math) == ("$\\frac{$", False)


def test_a_huge_title_is_cut_in_figures(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    text = HOSTILE.replace('"evil \\e[2J\\e]0;pwned\\a title"', "T" * 300_000)
    file = write_yaml(tmp_path, text)
    out = tmp_path / "o"
    res = rearm("run", file, "--jobs", "1", "--out", out)
    assert res.code == 0, res.err

    from sim.present.plots.data import load_run
    from sim.present.plots.timeline import plot_timeline

    run = load_run(out)
    assert run is not None
    fig = plot_timeline(run)
    assert fig._suptitle is not None and len(fig._suptitle.get_text()) < 300


# -- CSV and Excel --------------------------------------------------------------------------------
def _csv_cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def _live(cell: object) -> bool:
    """A text cell a spreadsheet would read as a formula."""
    return isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r") and cell != "-"


@needs_openpyxl
def test_a_formula_name_is_neutralised_in_csv_and_workbook(hostile: Path, rearm: Callable[..., CliResult]) -> None:
    import openpyxl

    out = hostile.parent / "o"
    res = rearm("run", hostile, "--no-plots", "--jobs", "1", "--xlsx", "--out", out)
    assert res.code == 0, res.err
    timeline = _csv_cells(out / "timeline.csv")
    assert "'@shell" in timeline and not any(_live(c) for c in timeline)
    book = openpyxl.load_workbook(out / "workbook.xlsx")
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    values = [c.value for c in cells]
    assert "'" + FORMULA in values and "'@shell" in values
    assert not any(_live(v) for v in values)

    sweep = hostile.parent / "s"
    res = rearm(
        "sweep", hostile, "--no-plots", "--jobs", "1", "--quiet", "--out", sweep, "--xlsx",
        "--vary", "targets.A.by=2026-01-01,2027-01-01",
    )  # fmt: skip
    assert res.code == 0, res.err
    for name in ("results.csv", "design.csv"):
        assert not any(_live(c) for c in _csv_cells(sweep / name)), name
    book = openpyxl.load_workbook(sweep / "workbook.xlsx")
    assert not any(c.data_type == "f" for s in book.worksheets for row in s.iter_rows() for c in row)


def test_rearm_reads_its_neutralised_csv_back_exactly(hostile: Path, rearm: Callable[..., CliResult]) -> None:
    out = hostile.parent / "o"
    assert rearm("run", hostile, "--no-plots", "--jobs", "1", "--out", out).code == 0
    table = interop.read_csv_table(out / "timeline.csv")
    assert {row[1] for row in table.rows} == {"@shell"}

    from sim.present.plots.data import load_run

    run = load_run(out)
    assert run is not None and set(run.timeline) == {"@shell"}


@needs_openpyxl
def test_a_nul_in_a_name_with_xlsx_is_written_escaped(hostile: Path, rearm: Callable[..., CliResult]) -> None:
    import openpyxl

    out = hostile.parent / "o"
    res = rearm("run", hostile, "--no-plots", "--jobs", "1", "--xlsx", "--out", out)
    assert res.code == 0, res.err
    book = openpyxl.load_workbook(out / "workbook.xlsx")
    names = [row[0].value for row in book["targets"].iter_rows(min_row=2)]
    assert r"nul\x00here" in names


# -- study columns -----------------------------------------------------------------------------------
def test_targets_differing_only_in_case_are_separate_study_columns(
    hostile: Path, rearm: Callable[..., CliResult]
) -> None:
    out = hostile.parent / "s"
    res = rearm(
        "sweep", hostile, "--no-plots", "--jobs", "1", "--quiet", "--out", out,
        "--vary", "facilities.$\\frac{$.capacity=100k per year,200k per year",
    )  # fmt: skip
    assert res.code == 0, res.err
    with (out / "results.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # 50k and 150k shells at 100k then 200k per year: A is reached three times sooner than a
    for row in rows:
        assert float(row["years_to_reach:a"]) == pytest.approx(3 * float(row["years_to_reach:A"]), rel=0.05)
    assert float(rows[0]["years_to_reach:A"]) == pytest.approx(2 * float(rows[1]["years_to_reach:A"]), rel=0.05)
    with sqlite3.connect(out / "results.sqlite") as conn:
        named = dict(conn.execute("SELECT name, sql_name FROM columns WHERE kind = 'measure'").fetchall())
    assert named["years_to_reach:A"] != named["years_to_reach:a"]


@pytest.mark.parametrize("column", ["point", "error", "replication"])
def test_a_varied_path_named_like_a_builtin_column_does_not_collide(
    hostile: Path, rearm: Callable[..., CliResult], column: str
) -> None:
    out = hostile.parent / column
    res = rearm("sweep", hostile, "--no-plots", "--jobs", "1", "--quiet", "--out", out, "--vary", f"{column}=1,2")
    assert res.code == 0, res.err
    assert "Traceback" not in res.err and "2 design point(s) failed" in res.err
    with sqlite3.connect(out / "results.sqlite") as conn:
        design = conn.execute("SELECT point, p0 FROM design ORDER BY point").fetchall()
    assert design == [(0, 1), (1, 2)]


# -- --set by name ---------------------------------------------------------------------------------
NAMED = """\
scenario: named
start: 2025-01-01
horizon: 6 years
budgets:
  money: {appropriations: {2025: 1tn}}
facilities:
  plant: {kind: munitions_factory, product: shell, budget: money, capacity: 100k per year, unit_cost: 1000}
targets:
  - {name: first, product: shell, delivered: 100k}
  - {name: four Dreadnoughts, product: shell, delivered: 150k}
  - {name: '1', product: shell, delivered: 200k}
"""


def test_set_addresses_a_list_item_by_name_and_the_name_wins_over_a_position(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    file = str(write_yaml(tmp_path, NAMED))
    sets = ["targets.1.by=2030-01-01", "targets.four Dreadnoughts.by=2046-01-01", "targets.0.by=2031-01-01"]
    with caplog.at_level("WARNING", logger="sim"):
        loaded = load_scenario(file, sets)
    by = {t.name: str(t.by) for t in loaded.scenario.targets}
    assert by == {"first": "2031-01-01", "four Dreadnoughts": "2046-01-01", "1": "2030-01-01"}
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1 and "the name wins" in notes[0] and "targets.1" in notes[0]


def test_the_name_wins_note_reaches_stderr(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    file = write_yaml(tmp_path, NAMED)
    res = rearm("validate", file, "--set", "targets.1.by=2030-01-01")
    assert res.code == 0 and "the name wins" in res.err
