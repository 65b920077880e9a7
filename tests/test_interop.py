"""Tables for other tools: summary.json flattened, and Parquet and Excel round trips.

Parquet and Excel tests skip, saying which extra is missing, when pyarrow or openpyxl is not
installed; the `test` extra installs both, so they run in CI.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from sim.errors import UsageError
from sim.present import interop
from sim.present.interop import Table, export_directory, read_csv_table, summary_tables, write_parquet, write_xlsx

needs_pyarrow = pytest.mark.skipif(
    not interop.has_module("pyarrow"), reason="Parquet needs pyarrow: pip install -e '.[parquet]' (in the test extra)"
)
needs_openpyxl = pytest.mark.skipif(
    not interop.has_module("openpyxl"), reason="Excel needs openpyxl: pip install -e '.[excel]' (in the test extra)"
)

SUMMARY: dict[str, Any] = {
    "scenario": "Hand-made",
    "file": "x.yaml",
    "sha256": "ab" * 32,
    "seed": 7,
    "replications": 3,
    "version": "0.1.0",
    "start": "2026-01-01",
    "horizon_years": 10.0,
    "overrides": ["seed=7", "horizon=10 years"],
    "targets": [
        {
            "name": "fast",
            "product": "shell",
            "measure": "delivered",
            "threshold": 1000.0,
            "by": "2028-01-01",
            "years_to_reach": {"p10": 1.0, "p50": 1.5, "p90": 2.0, "mean": 1.5},
            "date_reached": {"p10": "2027-01-01", "p50": "2027-07-02", "p90": "2028-01-01"},
            "reached_fraction": 1.0,
            "on_time_probability": 1.0,
        },
        {
            "name": "never",
            "product": "shell",
            "measure": "stock",
            "threshold": "5x",
            "by": None,
            "years_to_reach": {"p10": None, "p50": None, "p90": None, "mean": None},
            "date_reached": {"p10": None, "p50": None, "p90": None},
            "reached_fraction": 0.0,
            "on_time_probability": None,
        },
    ],
    "products": {"shell": {"delivered": {"p10": 1.0, "p50": 2.0, "p90": 3.0, "mean": 2.0}}},
    "budgets": {
        "b": {"appropriated": 30.0, "spent": 20.0, "lapsed": 1.0, "appropriations": {"2026": 10.0, "2027": 20.0}}
    },
    "facilities": {
        "a": {"utilisation": 0.5, "waiting": {"money": 0.25}},
        "z": {"utilisation": 0.9, "waiting": {"down": 0.1}},
    },
}


def test_summary_tables_flatten_every_part() -> None:
    tables = summary_tables(SUMMARY)
    provenance = dict(tables["summary"].rows)
    assert provenance["sha256"] == "ab" * 32 and provenance["seed"] == 7
    assert provenance["overrides"] == "seed=7, horizon=10 years"
    targets = tables["targets"]
    fast = dict(zip(targets.columns, targets.rows[0], strict=True))
    assert (fast["years_p50"], fast["date_p90"], fast["on_time_probability"]) == (1.5, "2028-01-01", 1.0)
    never = dict(zip(targets.columns, targets.rows[1], strict=True))
    assert never["threshold"] == "5x" and never["years_p50"] is None
    assert never["resolved_threshold"] is None  # absent from this summary: an empty cell, not an error
    assert tables["products"].rows == [("shell", "delivered", 1.0, 2.0, 3.0, 2.0)]
    assert tables["budgets"].rows == [("b", 2026, 10.0, 30.0, 20.0, 1.0), ("b", 2027, 20.0, 30.0, 20.0, 1.0)]
    facilities = tables["facilities"]
    assert facilities.columns == ["facility", "utilisation", "waiting:down", "waiting:money"]
    assert facilities.rows == [("a", 0.5, 0.0, 0.25), ("z", 0.9, 0.1, 0.0)]


def test_csv_cells_come_back_typed(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b,c,d,e\n1,2.5,,x y,-3e2\n", encoding="utf-8")
    table = read_csv_table(path)
    assert table.columns == ["a", "b", "c", "d", "e"]
    assert table.rows == [(1, 2.5, None, "x y", -300.0)]


MIXED = Table(
    ["date", "name", "count", "value", "threshold", "empty"],
    [("2026-01-01", "a", 1, 0.5, 2e6, None), ("2026-02-01", "b", 2, None, "5x", None)],
)


@needs_pyarrow
def test_parquet_round_trip_keeps_types_values_and_provenance(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = write_parquet(tmp_path / "t.parquet", MIXED, {"seed": 7, "sha256": "ab"})
    back = pq.read_table(path)
    assert back.column_names == MIXED.columns
    assert str(back.schema.field("date").type) == "date32[day]"
    assert str(back.schema.field("count").type) == "int64"
    assert back.column("date").to_pylist() == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert back.column("value").to_pylist() == [0.5, None]
    assert back.column("threshold").to_pylist() == ["2000000.0", "5x"]  # mixed: kept as text
    assert json.loads(back.schema.metadata[b"rearm"]) == {"seed": 7, "sha256": "ab"}


@needs_openpyxl
def test_excel_round_trip_one_sheet_per_table(tmp_path: Path) -> None:
    import openpyxl

    path = write_xlsx(tmp_path / "w.xlsx", {"mixed": MIXED, "a/b:c": Table(["x"], [(1,)])})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["mixed", "a_b_c"]
    rows = list(book["mixed"].values)
    assert list(rows[0]) == MIXED.columns
    assert rows[1][0] == dt.datetime(2026, 1, 1)  # ISO dates become Excel dates
    assert rows[1][1:5] == ("a", 1, 0.5, 2e6)
    assert rows[2][3:5] == (None, "5x")
    assert book["mixed"]["A1"].font.bold and book["mixed"].freeze_panes == "A2"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (small) run's output directory, written by `rearm run --xlsx`."""
    from sim.cli.main import main
    from sim.language.templates import template_text

    folder = tmp_path_factory.mktemp("interop")
    scenario = folder / "s.yaml"
    scenario.write_text(template_text("munitions"), encoding="utf-8")
    args = [str(scenario), "--replications", "2", "--jobs", "1", "--no-plots", "--out", str(folder / "out")]
    if interop.has_module("openpyxl"):
        args.append("--xlsx")
    assert main(["run", *args]) == 0
    return folder / "out"


@needs_pyarrow
def test_run_writes_the_timeline_as_parquet_equal_to_the_csv(run_dir: Path) -> None:
    import pyarrow.parquet as pq

    with (run_dir / "timeline.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    back = pq.read_table(run_dir / "timeline.parquet").to_pylist()
    assert len(back) == len(rows) > 100
    for got, want in zip(back, rows, strict=True):
        assert got["date"].isoformat() == want["date"] and got["measure"] == want["measure"]
        assert got["p50"] == pytest.approx(float(want["p50"]))
    provenance = json.loads(pq.read_schema(run_dir / "timeline.parquet").metadata[b"rearm"])
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert provenance == {k: summary[k] for k in interop.PROVENANCE_KEYS}


@needs_openpyxl
def test_run_xlsx_has_summary_timeline_and_target_sheets(run_dir: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(run_dir / "workbook.xlsx")
    assert {"summary", "targets", "products", "budgets", "facilities", "timeline"} <= set(book.sheetnames)
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    names = [row[0] for row in list(book["targets"].values)[1:]]
    assert names == [t["name"] for t in summary["targets"]]
    with (run_dir / "timeline.csv").open(encoding="utf-8") as fh:
        assert book["timeline"].max_row == sum(1 for _ in fh)
    fields = dict(list(book["summary"].values)[1:])
    assert fields["sha256"] == summary["sha256"] and fields["seed"] == summary["seed"]


@needs_openpyxl
def test_export_adds_study_tables_and_bottlenecks(tmp_path: Path) -> None:
    import openpyxl

    (tmp_path / "results.csv").write_text("point,replication,years_to_reach:x\n0,0,1.5\n0,1,\n", encoding="utf-8")
    bottlenecks = {"x": [{"constraint": "budget:b", "months_earlier": 7.0}]}
    (tmp_path / "bottlenecks.json").write_text(json.dumps(bottlenecks), encoding="utf-8")
    study = {"command": "bottlenecks", "sha256": "cd" * 32, "seed": 3, "targets": ["x"]}
    (tmp_path / "study.json").write_text(json.dumps(study), encoding="utf-8")
    written = export_directory(tmp_path, parquet=False, xlsx=True)
    assert written == [tmp_path / "workbook.xlsx"]
    book = openpyxl.load_workbook(written[0])
    assert book.sheetnames == ["study", "bottlenecks", "results"]
    assert dict(list(book["study"].values)[1:]) == {**study, "targets": "x"}
    assert list(book["results"].values) == [("point", "replication", "years_to_reach:x"), (0, 0, 1.5), (0, 1, None)]
    assert list(book["bottlenecks"].values)[1] == ("x", "budget:b", 7.0)


@needs_pyarrow
def test_study_tables_carry_the_study_provenance(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    (tmp_path / "results.csv").write_text("point,replication\n0,0\n", encoding="utf-8")
    (tmp_path / "study.json").write_text(json.dumps({"command": "sweep", "seed": 4}), encoding="utf-8")
    assert export_directory(tmp_path) == [tmp_path / "results.parquet"]
    metadata = pq.read_schema(tmp_path / "results.parquet").metadata[b"rearm"]
    assert json.loads(metadata) == {"command": "sweep", "seed": 4}


def test_missing_extras_give_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t.csv").write_text("a\n1\n", encoding="utf-8")
    monkeypatch.setattr(interop, "has_module", lambda name: False)
    with pytest.raises(UsageError, match=r"pip install 'rearm\[excel\]'"):
        export_directory(tmp_path, xlsx=True)
    with pytest.raises(UsageError, match=r"pip install 'rearm\[parquet\]'"):
        export_directory(tmp_path, parquet=True)
    assert export_directory(tmp_path) == []  # automatic Parquet: quietly skipped without pyarrow


def test_export_of_a_folder_without_outputs_is_a_usage_error(rearm: Any, tmp_path: Path) -> None:
    result = rearm("export", tmp_path, "--xlsx")
    assert result.code == 2 and "no summary.json or CSV table" in result.err
    assert rearm("export", tmp_path / "missing").code == 2


@needs_openpyxl
@needs_pyarrow
def test_a_study_command_writes_parquet_and_its_workbook(rearm: Any, tmp_path: Path) -> None:
    import openpyxl

    from sim.language.templates import template_text

    scenario = tmp_path / "s.yaml"
    scenario.write_text(template_text("munitions"), encoding="utf-8")
    out = tmp_path / "sweep"
    vary = "facilities.shell_plant.capacity=100k per year,200k per year"
    done = rearm(
        "sweep",
        scenario,
        "--vary",
        vary,
        "--replications",
        "1",
        "--jobs",
        "1",
        "--quiet",
        "--xlsx",
        "--no-plots",
        "--out",
        out,
    )
    assert done.code == 0, done.err
    assert {"results.parquet", "design.parquet", "workbook.xlsx"} <= {p.name for p in out.iterdir()}
    book = openpyxl.load_workbook(out / "workbook.xlsx")
    assert book.sheetnames[:1] == ["study"] and {"design", "results"} <= set(book.sheetnames)
    with (out / "results.csv").open(encoding="utf-8") as fh:
        assert book["results"].max_row == sum(1 for _ in fh) == 1 + 2


def test_xlsx_without_openpyxl_fails_before_simulating(
    rearm: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.language.templates import template_text

    scenario = tmp_path / "s.yaml"
    scenario.write_text(template_text("munitions"), encoding="utf-8")
    monkeypatch.setattr(interop, "has_module", lambda name: False)
    refused = rearm("run", scenario, "--xlsx", "--no-plots", "--out", tmp_path / "out")
    assert refused.code == 2 and "pip install 'rearm[excel]'" in refused.err
    assert not (tmp_path / "out").exists()
