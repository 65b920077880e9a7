"""The Python API gives what the command line gives, as plain objects and DataFrames."""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from typing import Any

import pytest

from sim import api
from sim.errors import ScenarioError, UsageError
from sim.language.templates import template_text
from sim.metrics.replication import TIMELINE_MEASURES

pd = pytest.importorskip("pandas", reason="the DataFrame methods need pandas: pip install -e '.[analysis]'")


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api") / "vehicles.yaml"
    path.write_text(template_text("vehicles"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def result(scenario_file: Path) -> api.RunResults:
    return api.run(scenario_file, replications=4, seed=3)


def test_api_and_cli_give_the_same_summary(scenario_file: Path, result: api.RunResults, rearm: Any) -> None:
    out = scenario_file.parent / "cli"
    args = ("run", scenario_file, "--replications", "4", "--seed", "3", "--jobs", "1", "--no-plots", "--out", out)
    assert rearm(*args).code == 0
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(result.summary))
    assert result.summary["seed"] == 3 and result.summary["replications"] == 4


def test_targets_frame_matches_the_summary(result: api.RunResults) -> None:
    frame = result.targets()
    assert list(frame["name"]) == [t.name for t in result.scenario.targets]
    for row, target in zip(frame.to_dict("records"), result.summary["targets"], strict=True):
        assert row["years_p50"] == target["years_to_reach"]["p50"]
        date = target["date_reached"]["p50"]  # dates come back as datetimes, NaT where not reached
        assert (row["date_p50"].date().isoformat() if date is not None else None) == (
            None if row["date_p50"] is pd.NaT else date
        )
        assert str(frame["date_p50"].dtype).startswith("datetime64")
        assert row["reached_fraction"] == target["reached_fraction"]


def test_timeline_frame_is_monthly_long_format(result: api.RunResults) -> None:
    frame = result.to_frame()
    assert list(frame.columns) == ["date", "product", "measure", "p10", "p50", "p90", "mean", "customer"]
    assert str(frame["date"].dtype).startswith("datetime64")
    months = frame["date"].nunique()
    assert months == 12 * 12 + 1  # a 12-year horizon, both ends included
    assert len(frame) == months * len(result.scenario.products) * len(TIMELINE_MEASURES)
    delivered = frame[frame["measure"] == "delivered"]["p50"].to_numpy()
    assert (delivered[1:] >= delivered[:-1]).all()  # cumulative deliveries never fall
    end = result.summary["products"]["mbt"]["delivered"]["p50"]
    assert delivered[-1] == pytest.approx(end, rel=0.05)


def test_per_replication_agrees_with_the_percentiles(result: api.RunResults) -> None:
    frame = result.per_replication()
    assert len(frame) == 4 * len(result.scenario.targets)
    for target in result.summary["targets"]:
        years = frame[frame["target"] == target["name"]]["years_to_reach"]
        assert (years.notna().mean()) == target["reached_fraction"]
        if target["reached_fraction"] == 1.0:
            assert years.mean() == pytest.approx(target["years_to_reach"]["mean"], abs=1e-5)


def test_other_frames(result: api.RunResults) -> None:
    assert set(result.products()["measure"]) >= {"delivered", "stock"}
    assert list(result.facilities()["facility"]) == ["tank_line"]
    budgets = result.budgets()
    assert set(budgets["budget"]) == {"army"} and budgets["fiscal_year"].is_monotonic_increasing


def test_load_applies_overrides_and_run_accepts_either(scenario_file: Path) -> None:
    loaded = api.load(scenario_file, overrides=["seed=11", "facilities.tank_line.capacity=60 per year"])
    assert loaded.scenario.seed == 11 and loaded.overrides[0] == "seed=11"
    assert loaded.scenario.facilities["tank_line"].capacity == pytest.approx(60 / 365.25)
    by_object = api.run(loaded, replications=1)
    by_path = api.run(scenario_file, replications=1, overrides=["seed=11", "facilities.tank_line.capacity=60 per year"])
    assert by_object.summary["targets"] == by_path.summary["targets"]
    # overrides given to run() apply on top of the loaded scenario's own (as load(loaded, ...) does)
    stacked = api.run(
        api.load(scenario_file, ["seed=11"]), replications=1, overrides={"facilities.tank_line.capacity": "60 per year"}
    )
    assert stacked.summary["targets"] == by_path.summary["targets"]
    assert stacked.summary["overrides"] == ["seed=11", "facilities.tank_line.capacity=60 per year"]


def test_bad_input_raises_the_scenario_error_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(template_text("munitions").replace("capacity: 150k per year", "capcity: 150k per year"))
    with pytest.raises(ScenarioError, match=r"bad\.yaml:\d+: .*capcity.*did you mean 'capacity'"):
        api.load(path)


def test_write_gives_the_cli_files(result: api.RunResults, tmp_path: Path) -> None:
    written = {p.name for p in result.write(tmp_path, parquet=False)}
    assert {"summary.json", "timeline.csv"} <= written
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8")) == json.loads(json.dumps(result.summary))


def test_tables_need_no_pandas_and_frames_say_what_to_install(
    result: api.RunResults, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_pandas(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    tables = result.tables()
    assert tables["timeline"].rows[0][0] == result.scenario.start.isoformat()
    with pytest.raises(ImportError, match=r"pip install 'rearm\[analysis\]'"):
        result.targets()


def test_new_and_schema_mirror_their_commands(tmp_path: Path) -> None:
    path = api.new(tmp_path / "s.yaml", kind="shipyard")
    assert api.load(path).scenario.facilities["main_yard"].kind == "shipyard"
    assert api.schema()["title"] == "rearm scenario"
    assert "Shipyard" in api.schema()["$defs"]


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("studies") / "plant.yaml"
    path.write_text(template_text("munitions"), encoding="utf-8")
    return path


CAPACITY = "facilities.shell_plant.capacity=100k per year:200k per year:3"


def test_sweep_gives_what_the_command_writes(plant: Path, rearm: Any) -> None:
    swept = api.sweep(plant, [CAPACITY], replications=2, out=plant.parent / "api_sweep")
    cli = rearm(
        "sweep",
        plant,
        "--vary",
        CAPACITY,
        "--replications",
        "2",
        "--jobs",
        "1",
        "--quiet",
        "--no-plots",
        "--out",
        plant.parent / "cli_sweep",
    )
    assert cli.code == 0
    assert (swept.out / "results.csv").read_text() == (plant.parent / "cli_sweep" / "results.csv").read_text()
    frame = swept.to_frame()
    assert len(frame) == 3 * 2 and list(swept.design()["point"]) == [0, 1, 2]
    medians = frame.groupby("point")["years_to_reach:one million delivered"].median()
    assert medians.is_monotonic_decreasing and medians.iloc[0] > medians.iloc[-1]  # more capacity, sooner
    assert "point" in swept.report  # the table the command printed


def test_bottlenecks_frame_flattens_the_json(plant: Path) -> None:
    found = api.bottlenecks(api.load(plant, ["seed=5"]), replications=2, out=plant.parent / "api_bn")
    gains = found.bottlenecks()
    frame = found.to_frame()
    assert list(frame.itertuples(index=False, name=None)) == [
        (target, g["constraint"], g["months_earlier"]) for target, rows in gains.items() for g in rows
    ]
    study = json.loads((found.out / "study.json").read_text(encoding="utf-8"))
    assert study["overrides"] == ["seed=5"]


def test_a_bad_study_option_raises(plant: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="nonsense"):
        api.sweep(plant, ["nonsense"], out=tmp_path)
    with pytest.raises(UsageError, match="not a valid study"):
        api.sweep(plant, [CAPACITY], method="bogus", out=tmp_path)


def test_allocate_gives_what_the_command_writes(plant: Path, rearm: Any) -> None:
    pytest.importorskip("optuna")
    kw = {"budget": "extra=50M per year", "evaluations": 4, "replications": 2, "final_replications": 2, "top": 1}
    found = api.allocate(api.load(plant, ["seed=5"]), **kw, out=plant.parent / "api_alloc", progress=False)
    cli = rearm(
        "allocate", plant, "--set", "seed=5", "--budget", "extra=50M per year", "--evaluations", "4",
        "--replications", "2", "--final-replications", "2", "--top", "1", "--jobs", "1", "--quiet",
        "--out", plant.parent / "cli_alloc",
    )  # fmt: skip
    assert cli.code == 0
    doc = found.allocation()
    assert doc == json.loads((plant.parent / "cli_alloc" / "allocation.json").read_text()) | {
        "run_time_s": doc["run_time_s"]
    }  # the same answer from the notebook as from the command line
    assert abs(sum(doc["best"]["shares"].values()) - 1.0) < 1e-9
    frame = found.to_frame()  # allocation.csv
    assert len(frame) >= 1 and "allocation" in found.tables()
    assert api.study("allocate", plant, **kw, out=plant.parent / "api_alloc_2", progress=False).allocation()["best"]
