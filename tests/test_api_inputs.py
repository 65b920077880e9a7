"""The Python API as a notebook uses it: scenarios from dicts, `Scenario`s and files with
`{path: value}` overrides; `vary` as a mapping; studies on an Executor or a Dask Client; short
reprs and an HTML target table; results that a later study cannot change; numbers that stay
numbers; progress through tqdm.auto; and `import rearm` beside a `sim.py` of one's own."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim import api
from sim.errors import ScenarioError, UsageError
from sim.language.units import DAYS_PER_YEAR
from sim.studies import progress

pd = pytest.importorskip("pandas", reason="the DataFrame methods need pandas")

ROOT = Path(__file__).resolve().parents[1]
YEAR = DAYS_PER_YEAR

PLANT: dict[str, Any] = {
    "scenario": "one plant",
    "start": "2025-01-01",
    "horizon": "3 years",
    "seed": 1,
    "replications": 2,
    "budgets": {"money": {"appropriations": {2025: "1tn"}}},
    "facilities": {
        "plant": {
            "kind": "munitions_factory",
            "product": "shell",
            "budget": "money",
            "capacity": "1000 per day",
            "lot": "7 days",
            "unit_cost": 1,
        }
    },
    "targets": [{"name": "n", "product": "shell", "delivered": 100_000}],
}
CAPACITY = "facilities.plant.capacity"


def closed_form_years(per_day: float, n: int = 100_000, lot: int = 7) -> float:
    """Lots of `per_day × lot` shells, each delivered at its lot's end."""
    return -(-n // (per_day * lot)) * lot / YEAR


# -- 1. scenarios from a dict, a Scenario or a file, with {path: value} overrides -----------------
def test_a_dict_loads_as_its_yaml_file_does(tmp_path: Path) -> None:
    path = tmp_path / "plant.yaml"
    path.write_text(yaml.safe_dump(PLANT), encoding="utf-8")
    from_dict, from_file = api.load(PLANT), api.load(path)
    assert from_dict.scenario == from_file.scenario
    assert from_dict.file == "<dict>"
    assert api.run(from_dict).summary["targets"] == api.run(from_file).summary["targets"]


def test_a_dicts_hash_is_of_its_canonical_data() -> None:
    reordered = dict(reversed(list(copy.deepcopy(PLANT).items())))
    assert api.load(reordered).sha256 == api.load(PLANT).sha256
    changed = copy.deepcopy(PLANT)
    changed["seed"] = 2
    assert api.load(changed).sha256 != api.load(PLANT).sha256
    assert api.run(PLANT).summary["sha256"] == api.load(PLANT).sha256


def test_errors_in_a_dict_name_the_dotted_key() -> None:
    bad = copy.deepcopy(PLANT)
    bad["facilities"]["plant"]["capacty"] = bad["facilities"]["plant"].pop("capacity")
    with pytest.raises(ScenarioError) as caught:
        api.load(bad)
    message = str(caught.value)
    assert message.startswith("<dict>: facilities.plant")
    assert "did you mean 'capacity'" in message
    with pytest.raises(ScenarioError, match=r"^<dict>: facilities\.plant\.lot: .*parsecs"):
        api.load(PLANT, {"facilities.plant.lot": "7 parsecs"})
    with pytest.raises(
        ScenarioError, match=r"^<dict>: facilities\.plnt: override: no facility 'plnt'; did you mean 'plant'"
    ):
        api.load(PLANT, {"facilities.plnt.capacity": "1 per day"})


def test_mapping_overrides_act_as_set_strings(tmp_path: Path) -> None:
    by_mapping = api.load(PLANT, {CAPACITY: "500 per day", "seed": 7})
    by_strings = api.load(PLANT, [f"{CAPACITY}=500 per day", "seed=7"])
    assert by_mapping.scenario == by_strings.scenario
    assert by_mapping.scenario.facilities["plant"].capacity == 500.0
    assert by_mapping.overrides == (f"{CAPACITY}=500 per day", "seed=7")
    years = api.run(by_mapping).summary["targets"][0]["years_to_reach"]["p50"]
    assert years == pytest.approx(closed_form_years(500), abs=1e-6)
    path = tmp_path / "plant.yaml"
    path.write_text(yaml.safe_dump(PLANT), encoding="utf-8")
    assert api.load(path, {CAPACITY: "500 per day", "seed": 7}).scenario == by_mapping.scenario
    # overrides stack on a loaded scenario
    assert api.load(api.load(PLANT, {"seed": 7}), {CAPACITY: "500 per day"}).scenario == by_mapping.scenario


def test_a_validated_scenario_runs_as_it_is_and_refuses_paths() -> None:
    loaded = api.load(PLANT)
    assert api.run(loaded.scenario).summary["targets"] == api.run(loaded).summary["targets"]
    with pytest.raises(ScenarioError, match="cannot be overridden by path"):
        api.load(loaded.scenario, {"seed": 3})
    with pytest.raises(UsageError, match="load its file or dict"):
        api.sweep(loaded.scenario, {CAPACITY: ["500 per day"]})


def test_wrong_kinds_of_input_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="not the single string"):
        api.load(PLANT, "seed=3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="load\\(\\) takes a scenario file path, a dict"):
        api.load(42)  # type: ignore[arg-type]


# -- 2. vary as a mapping ------------------------------------------------------------------------
def test_vary_as_a_mapping_equals_vary_as_strings(tmp_path: Path) -> None:
    by_mapping = api.sweep(PLANT, {CAPACITY: ["500 per day", "2000 per day"]}, out=tmp_path / "a")
    by_strings = api.sweep(PLANT, [f"{CAPACITY}=500 per day,2000 per day"], out=tmp_path / "b")
    assert by_mapping.results().equals(by_strings.results())
    ranged = api.sweep(PLANT, {CAPACITY: "500 per day:2000 per day:2"}, out=tmp_path / "c")
    assert list(ranged.results()[CAPACITY]) == list(by_mapping.results()[CAPACITY])


def test_vary_as_one_string_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="not the single string 'seed=1,2'"):
        api.sweep(PLANT, "seed=1,2", out=tmp_path)  # type: ignore[arg-type]
    assert not tmp_path.joinpath("results.csv").exists()


# -- 3. executors ----------------------------------------------------------------------------------
VARY = {CAPACITY: ["500 per day", "1000 per day", "2000 per day"]}


def test_a_thread_pool_and_a_dask_client_give_the_serial_results(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    serial = api.sweep(PLANT, VARY, out=tmp_path / "serial").results()
    with ThreadPoolExecutor(2) as pool:
        threads = api.sweep(PLANT, VARY, out=tmp_path / "threads", executor=pool).results()
        assert pool.submit(len, "ok").result() == 2  # the caller's pool is left open
    with (
        distributed.LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        dask = api.sweep(PLANT, VARY, out=tmp_path / "dask", executor=client).results()
        assert client.status == "running"  # the caller's client is left open
    assert threads.equals(serial) and dask.equals(serial)
    expected = [closed_form_years(c) for c in (500, 1000, 2000) for _ in range(2)]
    assert list(serial["years_to_reach:n"]) == pytest.approx(expected, abs=1e-9)


def test_something_else_as_executor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="not list"):
        api.sweep(PLANT, VARY, out=tmp_path, executor=[1, 2])


# -- 4. reprs and results a later study cannot change ---------------------------------------------
def test_a_result_shows_a_line_and_its_target_table() -> None:
    few, many = api.run(PLANT, replications=2), api.run(PLANT, replications=40)
    for result in (few, many):
        text = repr(result)
        assert "'one plant'" in text and "<dict>" in text and "seed 1" in text and "\n" not in text
        assert len(text) < 300
        html = result._repr_html_()
        assert "<table>" in html and "<td>n</td>" in html and "2025-04-16" in html
    assert "40 replications" in repr(many)
    loaded = api.load(PLANT, {"seed": 4})  # a loaded scenario shows one line too, not its data
    assert (
        repr(loaded) == f"<LoadedScenario 'one plant' from <dict>, sha256 {loaded.sha256[:12]}, overrides ['seed=4']>"
    )
    assert abs(len(many._repr_html_()) - len(few._repr_html_())) <= 2  # does not grow with the data


def test_a_second_study_in_the_same_folder_leaves_the_first_result_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    same = Path("outputs/one_plant/sweep")  # given as out= both times (without out=, a numbered folder)
    first = api.sweep(PLANT, {CAPACITY: ["500 per day"]}, out=same)
    before = first.results()
    second = api.sweep(PLANT, {CAPACITY: ["1000 per day", "2000 per day"]}, out=same)
    assert second.out == first.out == same
    assert first.results().equals(before) and len(before) == 2 and len(second.results()) == 4
    assert "1 points" in repr(first) and "files in outputs/one_plant/sweep" in repr(first)
    html = first._repr_html_()
    assert "500 per day" in html and "2000 per day" not in html
    with pytest.raises(UsageError, match="now holds a later study"):
        first.export()
    assert second.export(xlsx=False, parquet=False) == []


def test_compare_without_out_gives_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name, seed in (("a.yaml", 1), ("b.yaml", 2)):
        Path(name).write_text(yaml.safe_dump({**PLANT, "seed": seed}), encoding="utf-8")
    found = api.study("compare", ["a.yaml", "b.yaml"], replications=1)  # raised AttributeError before
    assert found.out == Path("outputs/compare")
    assert len(found.results()) == 2 and "compare of 'one plant'" in repr(found)


# -- 5. numbers stay numbers ------------------------------------------------------------------------
def test_swept_values_are_numbers_in_base_units_beside_their_text(tmp_path: Path) -> None:
    swept = api.sweep(
        PLANT, {CAPACITY: ["365.25k per year", "2000 per day"], "budgets.money.growth": ["4.5%", 0.05]}, out=tmp_path
    )
    design = swept.design()
    assert list(design[CAPACITY]) == pytest.approx([1000.0, 1000.0, 2000.0, 2000.0])
    assert set(design[f"{CAPACITY}:unit"]) == {"per day"}
    assert list(design[f"{CAPACITY}:written"]) == ["365.25k per year"] * 2 + ["2000 per day"] * 2
    assert list(design["budgets.money.growth"]) == pytest.approx([0.045, 0.05] * 2)
    assert list(design["budgets.money.growth:unit"]) == ["fraction", ""] * 2
    assert str(swept.results()[CAPACITY].dtype) == "float64"


def test_target_dates_are_datetimes() -> None:
    targets = api.run(PLANT).targets()
    assert str(targets["date_p50"].dtype).startswith("datetime64")
    assert targets["date_p50"].iloc[0] == pd.Timestamp("2025-04-16")


# -- 6. progress in a notebook ----------------------------------------------------------------------
def test_progress_in_a_notebook_goes_through_tqdm_auto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tqdm.auto

    bars: list[dict[str, Any]] = []

    class Bar:
        def __init__(self, **options: Any) -> None:
            self.state = {"total": options["total"], "done": options.get("initial", 0), "closed": False}
            bars.append(self.state)

        def update(self, n: int) -> None:
            self.state["done"] += n

        def close(self) -> None:
            self.state["closed"] = True

    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    api.sweep(PLANT, VARY, out=tmp_path / "shown")  # in a notebook, progress is on unless turned off
    assert bars == [{"total": 3 * 2, "done": 3 * 2, "closed": True}]
    api.sweep(PLANT, VARY, out=tmp_path / "quiet", progress=False)
    assert len(bars) == 1  # no bar when turned off


def test_no_progress_output_in_a_script_writing_to_a_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(progress, "in_notebook", lambda: False)
    api.sweep(PLANT, VARY, out=tmp_path / "log")  # stderr is captured: no terminal
    assert capsys.readouterr().err == ""
    api.sweep(PLANT, VARY, out=tmp_path / "asked", progress=True)  # asked for: the plain line
    assert "rearm sweep: 6/6 runs (100%)" in capsys.readouterr().err


def test_without_tqdm_a_notebook_gets_the_plain_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setattr(progress, "has_tqdm", lambda: False)
    api.sweep(PLANT, VARY, out=tmp_path / "plain")
    assert "rearm sweep: 6/6 runs (100%)" in capsys.readouterr().err


# -- 8. import rearm beside a sim.py of one's own --------------------------------------------------
def test_import_rearm_works_beside_a_sim_py_of_ones_own(tmp_path: Path) -> None:
    (tmp_path / "sim.py").write_text("raise ImportError('the user sim.py was imported')\n", encoding="utf-8")
    code = (
        "import rearm, sys\n"
        "import sim.api\n"
        "assert rearm.load is sim.api.load and rearm.sweep is sim.api.sweep\n"
        "assert set(sim.api.__all__) <= set(rearm.__all__)\n"
        "print(sys.modules['sim'].__file__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == ROOT / "sim" / "__init__.py"
    clash = "import sim\nimport rearm\n"
    (tmp_path / "sim.py").write_text("x = 1\n", encoding="utf-8")
    refused = subprocess.run([sys.executable, "-c", clash], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "rename your sim.py, or import rearm before it" in refused.stderr
