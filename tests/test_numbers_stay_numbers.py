"""Numbers stay numbers (issue 23, item 5), and the library under the command line (item 4).

What is checked:
- a swept or sampled parameter is stored as a number in base units beside its unit and its
  text as written, in results.sqlite, design.csv, results.csv, Parquet, Excel and DataFrames;
  a swept date is a date in Parquet and Excel and a datetime in a DataFrame;
- sweep figures read those numbers, never the text again;
- the 95% interval of each target's median is in the DataFrame, Parquet and Excel exports;
- `run` and `export` are library functions the command line only prints;
- `model_function()` is `f(X) -> Y` for SALib, checked against a closed form;
- a second study with the default folder goes to a new numbered folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import CliResult
from test_api_inputs import CAPACITY, PLANT

from sim import api
from sim.errors import UsageError
from sim.language.units import DAYS_PER_YEAR
from sim.library import commands
from sim.present.plots.study_data import StudyData
from sim.present.plots.sweep import sweep_table

pd = pytest.importorskip("pandas", reason="the DataFrame methods need pandas")

BY = "targets.0.by"
PER_YEAR = 22006.43
LOT_DAYS = 7
HORIZON_DAYS = 3 * DAYS_PER_YEAR


def _sweep(out: Path) -> api.StudyResults:
    vary = {CAPACITY: [f"{PER_YEAR} per year", "1000 per day"], BY: ["2027-01-01", "2028-06-30"]}
    return api.sweep(PLANT, vary, out=out)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_swept_rate_is_a_number_per_day_in_every_table(tmp_path: Path) -> None:
    swept = _sweep(tmp_path)
    per_day = PER_YEAR / DAYS_PER_YEAR
    # results.csv and design.csv: the number, its unit and the text as written
    for name in ("results.csv", "design.csv"):
        first = _rows(tmp_path / name)[0]
        assert float(first[CAPACITY]) == pytest.approx(per_day, rel=1e-15)
        assert (first[f"{CAPACITY}:unit"], first[f"{CAPACITY}:written"]) == ("per day", f"{PER_YEAR} per year")
        assert (first[BY], first[f"{BY}:unit"], first[f"{BY}:written"]) == ("2027-01-01", "date", "2027-01-01")
    # results.sqlite: a REAL in the design table (its column named in the columns table)
    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        names = dict(db.execute("SELECT name, sql_name FROM columns WHERE kind = 'parameter'").fetchall())
        value, kind = db.execute(f"SELECT {names[CAPACITY]}, typeof({names[CAPACITY]}) FROM design").fetchone()
        unit = db.execute(f"SELECT {names[CAPACITY + ':unit']} FROM design").fetchone()[0]
    assert (value, kind, unit) == (pytest.approx(per_day, rel=1e-15), "real", "per day")
    # DataFrames: float64 and datetime64
    results = swept.results()
    assert str(results[CAPACITY].dtype) == "float64" and str(results[BY].dtype).startswith("datetime64")
    assert results[BY].iloc[-1] == pd.Timestamp("2028-06-30")
    assert list(results[f"{CAPACITY}:written"])[:1] == [f"{PER_YEAR} per year"]


def test_parquet_and_excel_hold_numbers_and_dates(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    openpyxl = pytest.importorskip("openpyxl")
    _sweep(tmp_path).export(xlsx=True, parquet=True)
    schema = pq.read_schema(tmp_path / "results.parquet")
    assert str(schema.field(CAPACITY).type) == "double"
    assert str(schema.field(BY).type) == "date32[day]"
    assert str(schema.field(f"{BY}:written").type) == "string"  # the text as written stays text
    sheet = openpyxl.load_workbook(tmp_path / "workbook.xlsx")["results"]
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[header.index(CAPACITY)] == pytest.approx(PER_YEAR / DAYS_PER_YEAR, rel=1e-15)
    assert row[header.index(BY)] == dt.datetime(2027, 1, 1)
    assert row[header.index(f"{CAPACITY}:written")] == f"{PER_YEAR} per year"


def test_sweep_figures_read_the_stored_numbers_not_the_text() -> None:
    # the written text says something else on purpose: the figure must use the stored number
    rows = [
        {"point": "0", "error": "", "a.capacity": "10.0", "a.capacity:unit": "per day",
         "a.capacity:written": "999 per year", "years_to_reach:t": "2.0"},
        {"point": "1", "error": "", "a.capacity": "20.0", "a.capacity:unit": "per day",
         "a.capacity:written": "1 per year", "years_to_reach:t": "1.0"},
    ]  # fmt: skip
    names, targets, table = sweep_table(StudyData(results=rows, parameters=["a.capacity"]))
    assert names == ["a.capacity (per year)"] and targets == ["t"]
    assert [values for values, _ in table] == [(10.0 * DAYS_PER_YEAR,), (20.0 * DAYS_PER_YEAR,)]


def test_the_medians_interval_is_in_the_target_exports(tmp_path: Path) -> None:
    result = api.run({**PLANT, "replications": 8})
    interval = result.summary["targets"][0]["years_p50_interval"]
    dates = result.summary["targets"][0]["date_p50_interval"]
    targets = result.targets()
    assert [targets["years_p50_low"].iloc[0], targets["years_p50_high"].iloc[0]] == interval
    assert targets["date_p50_low"].iloc[0] == pd.Timestamp(dates[0])
    assert str(targets["date_p50_high"].dtype).startswith("datetime64")
    assert interval[0] <= targets["years_p50"].iloc[0] <= interval[1]
    pq = pytest.importorskip("pyarrow.parquet")
    pytest.importorskip("openpyxl")
    result.write(tmp_path, xlsx=True, parquet=True)
    table = pq.read_table(tmp_path / "targets.parquet")
    assert table.column("years_p50_low").to_pylist() == [interval[0]]
    assert str(table.schema.field("date_p50_high").type) == "date32[day]"
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "workbook.xlsx")["targets"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("years_p50_high") + 1).value == interval[1]


# -- item 4: the library under the command line ----------------------------------------------------
def test_the_run_command_prints_what_the_library_returns(
    tmp_path: Path, rearm: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("plant.yaml").write_text(yaml.safe_dump(PLANT), encoding="utf-8")
    outcome = commands.run(scenario=api.load("plant.yaml"), out="lib", plots=False)
    cli = rearm("run", "plant.yaml", "--out", "cli", "--no-plots")
    assert cli.code == 0, cli.err
    assert cli.out == "".join(line + "\n" for line in outcome.printed)
    assert (Path("lib") / "summary.json").read_text() == (Path("cli") / "summary.json").read_text()
    assert outcome.out == Path("lib") and all(p.is_file() for p in outcome.written)
    assert outcome.run.summary["targets"][0]["years_to_reach"]["p50"] == pytest.approx(
        -(-100_000 // (1000 * LOT_DAYS)) * LOT_DAYS / DAYS_PER_YEAR, abs=1e-6
    )


def test_export_is_a_library_function_and_refuses_nothing_to_do(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    api.run(PLANT).write(tmp_path, parquet=False)
    with pytest.raises(UsageError, match="nothing to write"):
        commands.export(directory=tmp_path, parquet=False, xlsx=False)
    exported = commands.export(directory=tmp_path)
    assert {p.name for p in exported.files} == {"timeline.parquet", "targets.parquet"}
    assert api.export(tmp_path) == list(exported.files)


def test_a_second_study_without_out_goes_to_a_new_numbered_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = api.sweep(PLANT, {CAPACITY: ["500 per day"]})
    second = api.sweep(PLANT, {CAPACITY: ["1000 per day", "2000 per day"]})
    third = api.sweep(PLANT, {CAPACITY: ["1000 per day"]})
    assert [first.out, second.out, third.out] == [
        Path("outputs/one_plant/sweep"),
        Path("outputs/one_plant/sweep-2"),
        Path("outputs/one_plant/sweep-3"),
    ]
    assert len(_rows(first.out / "results.csv")) == 2  # the first study's files are as it left them
    assert first.export(xlsx=False, parquet=False) == []  # and its folder is still its own


# -- item 4: the model as f(X) -> Y ----------------------------------------------------------------
def test_model_function_runs_through_salib_and_meets_the_closed_form() -> None:
    salib = pytest.importorskip("SALib")
    f = api.model_function(
        PLANT,
        {CAPACITY: (500.0, 2000.0), "facilities.plant.unit_cost": (0.5, 2.0)},
        ["delivered:shell", "years_to_reach:n"],
        replications=1,
    )
    spec = salib.ProblemSpec(f.problem)
    spec.sample_sobol(8, calc_second_order=False).evaluate(f).analyze_sobol(calc_second_order=False)
    capacity, cost = spec.samples[:, 0], spec.samples[:, 1]
    delivered, years = spec.results[:, 0], spec.results[:, 1]
    # lots of capacity x 7 days, each delivered at its lot's end, until the horizon: linear in capacity
    lots_by_horizon = np.floor(HORIZON_DAYS / LOT_DAYS)
    np.testing.assert_allclose(delivered, capacity * LOT_DAYS * lots_by_horizon, rtol=1e-12)
    np.testing.assert_allclose(years, np.ceil(100_000 / (capacity * LOT_DAYS)) * LOT_DAYS / DAYS_PER_YEAR, rtol=1e-12)
    assert len(np.unique(cost)) > 1
    assert spec.analysis["delivered:shell"]["ST"][1] == 0.0  # money is unlimited: unit cost moves nothing


def test_model_function_by_keyword_and_its_refusals() -> None:
    f = api.model_function(PLANT, [CAPACITY], ["delivered:shell"], replications=1)
    assert f.keywords(**{CAPACITY: 2000.0}) == {"delivered:shell": pytest.approx(2000.0 * 1092)}
    assert np.isnan(f(np.array([[-5.0]]))[0, 0])  # a value the language rejects gives NaN
    with pytest.raises(UsageError, match="single number"):
        api.model_function(PLANT, ["facilities.plant.kind"])
    with pytest.raises(UsageError, match="unknown outputs"):
        api.model_function(PLANT, [CAPACITY], ["delivered:nothing"])
    with pytest.raises(UsageError, match="each row needs 1 values"):
        f(np.zeros((2, 3)))


def test_a_sampled_value_is_stored_as_the_number_drawn() -> None:
    from sim.studies.design_table import parameter_cells
    from sim.studies.parameters import parse_parameter
    from sim.studies.samplers import make_design

    capacity = parse_parameter("facilities.plant.capacity=100k per year:300k per year")
    growth = parse_parameter("budgets.money.growth=1%:5%")
    design = make_design("lhs", [capacity, growth], 6, 3)
    for drawn in design.matrix:
        stored = [parameter_cells(p.data_value(float(x))) for p, x in zip(design.parameters, drawn, strict=True)]
        assert stored[0][:2] == (pytest.approx(drawn[0] / DAYS_PER_YEAR, rel=1e-15), "per day")
        assert stored[1][:2] == (pytest.approx(drawn[1] / 100, rel=1e-15), "fraction")
        assert float(stored[0][2].removesuffix(" per year")) == drawn[0]  # no digit lost in the text


def test_every_iso_date_column_of_a_frame_is_a_datetime_and_text_as_written_stays_text() -> None:
    from sim.present.interop import Table

    table = Table(["when", "when:written", "mixed"], [("2027-01-01", "2027-01-01", "2027-01-01"), (None, "", "soon")])
    df = api.frame(table)
    assert str(df["when"].dtype).startswith("datetime64") and pd.isna(df["when"].iloc[1])
    assert list(df["when:written"]) == ["2027-01-01", ""] and list(df["mixed"]) == ["2027-01-01", "soon"]
