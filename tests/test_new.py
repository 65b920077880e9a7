"""`rearm new`: each starter validates and runs as it is, and no file is ever replaced by accident."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from sim.language.json_schema import MODELINE_PREFIX
from sim.language.load import load_scenario
from sim.language.templates import KINDS
from sim.studies.run import run_scenario

FACILITY_KINDS = {
    "munitions": {"munitions_factory"},
    "vehicles": {"vehicle_line"},
    "shipyard": {"shipyard"},
    "all": {"munitions_factory", "vehicle_line", "shipyard"},
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_starter_validates_and_runs_with_every_target_within_reach(kind: str, rearm: Any, tmp_path: Path) -> None:
    path = tmp_path / "new" / f"{kind}.yaml"  # the folder is created
    made = rearm("new", path, "--kind", kind)
    assert made.code == 0, made.err
    loaded = load_scenario(str(path))
    assert {f.kind for f in loaded.scenario.facilities.values()} == FACILITY_KINDS[kind]
    assert loaded.scenario.targets, "a starter shows what a target looks like"
    run = run_scenario(loaded, replications=2, jobs=1)
    for target in run.summary["targets"]:
        # a new user should see dates, not "not reached": the starters are built to reach them
        assert target["reached_fraction"] == 1.0, target["name"]
    for product, measures in run.summary["products"].items():
        assert measures["delivered"]["p50"] > 0, product


def test_starter_names_its_own_file_in_the_run_hint(rearm: Any, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    assert rearm("new", path).code == 0
    text = path.read_text(encoding="utf-8")
    assert f"rearm run {path.as_posix()}" in text
    assert "THIS_FILE" not in text


def test_new_refuses_to_overwrite_without_force(rearm: Any, tmp_path: Path) -> None:
    path = tmp_path / "precious.yaml"
    path.write_text("scenario: mine\n", encoding="utf-8")
    refused = rearm("new", path, "--kind", "shipyard")
    assert refused.code == 2
    assert "exists; use --force" in refused.err and "Traceback" not in refused.err
    assert path.read_text(encoding="utf-8") == "scenario: mine\n"
    forced = rearm("new", path, "--kind", "shipyard", "--force")
    assert forced.code == 0
    assert "kind: shipyard" in path.read_text(encoding="utf-8")


def test_new_refuses_a_directory_and_an_unknown_kind(rearm: Any, tmp_path: Path) -> None:
    assert rearm("new", tmp_path).code == 2
    bad_kind = rearm("new", tmp_path / "x.yaml", "--kind", "tanks")
    assert bad_kind.code == 2 and "invalid choice" in bad_kind.err
    assert not (tmp_path / "x.yaml").exists()


def test_modeline_points_at_the_schema_from_where_the_file_is(rearm: Any, tmp_path: Path) -> None:
    schema = ROOT / "scenarios" / "scenario.schema.json"
    path = tmp_path / "deep" / "er" / "s.yaml"
    assert rearm("new", path, "--schema", schema).code == 0
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(MODELINE_PREFIX)
    relative = first[len(MODELINE_PREFIX) :]
    assert not os.path.isabs(relative)
    assert (path.parent / relative).resolve() == schema.resolve()


def test_without_a_known_schema_there_is_no_modeline(rearm: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)  # no scenarios/scenario.schema.json here
    assert rearm("new", "s.yaml").code == 0
    assert not (tmp_path / "s.yaml").read_text(encoding="utf-8").startswith(MODELINE_PREFIX)


def test_add_modeline_inserts_replaces_and_leaves_alone(rearm: Any, tmp_path: Path) -> None:
    schema = tmp_path / "schemas" / "scenario.schema.json"
    plain = tmp_path / "a" / "plain.yaml"
    plain.parent.mkdir()
    plain.write_text("# my notes\nscenario: x\n", encoding="utf-8")
    stale = tmp_path / "stale.yaml"
    stale.write_text(f"{MODELINE_PREFIX}old/place.json\nscenario: y\n", encoding="utf-8")
    done = rearm("schema", "--add-modeline", plain, stale, "--output", schema)
    assert done.code == 0 and done.err.count("modeline added") == 2
    assert (
        plain.read_text(encoding="utf-8")
        == f"{MODELINE_PREFIX}../schemas/scenario.schema.json\n# my notes\nscenario: x\n"
    )
    assert stale.read_text(encoding="utf-8") == f"{MODELINE_PREFIX}schemas/scenario.schema.json\nscenario: y\n"
    again = rearm("schema", "--add-modeline", plain, stale, "--output", schema)
    assert again.code == 0 and again.err == ""  # nothing to change
    assert not schema.exists()  # --output only names the schema here; it is not written
    assert rearm("schema", "--add-modeline", tmp_path / "missing.yaml").code == 2
