"""The JSON Schema of the scenario language: current, valid, and in agreement with the loader.

Every shipped scenario must satisfy it (editors would otherwise flag valid files), misspelled keys
and unit-less durations must fail it (so editors flag what the loader rejects), and every shipped
scenario must point an editor at it with the yaml-language-server modeline on its first line.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, scenario_of

from sim.errors import ScenarioError
from sim.language.json_schema import FIELD_DOCS, MODELINE_PREFIX, scenario_json_schema, schema_text
from sim.language.templates import KINDS, template_text

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra: pip install -e '.[test]'")

SHIPPED = ROOT / "scenarios" / "scenario.schema.json"
SCENARIO_FILES = sorted(p for p in (ROOT / "scenarios").rglob("*") if p.suffix in (".yaml", ".yml"))


def as_editor_sees(node: Any) -> Any:
    """YAML data as the YAML language server checks it: keys are strings, dates are text."""
    if isinstance(node, dict):
        return {str(k): as_editor_sees(v) for k, v in node.items()}
    if isinstance(node, list):
        return [as_editor_sees(v) for v in node]
    if isinstance(node, dt.date):
        return node.isoformat()
    return node


@functools.cache
def validator() -> Any:
    return jsonschema.Draft202012Validator(scenario_json_schema())


def errors_of(data: dict[str, Any]) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(data)]


def test_shipped_schema_is_current() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == schema_text(), (
        "scenarios/scenario.schema.json is stale: run `rearm schema --output scenarios/scenario.schema.json`"
    )


def test_schema_is_valid_draft_2020_12() -> None:
    schema = scenario_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_rearm_schema_prints_it(rearm: Any, tmp_path: Path) -> None:
    printed = rearm("schema")
    assert printed.code == 0
    assert json.loads(printed.out) == scenario_json_schema()
    written = rearm("schema", "--output", tmp_path / "s.json")
    assert written.code == 0 and written.out == ""
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == printed.out


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_scenarios_satisfy_the_schema(path: Path) -> None:
    data = as_editor_sees(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert errors_of(data) == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_starters_satisfy_the_schema(kind: str) -> None:
    assert errors_of(as_editor_sees(yaml.safe_load(template_text(kind)))) == []


def starter_data() -> dict[str, Any]:
    return dict(as_editor_sees(yaml.safe_load(template_text("all"))))


def both_reject(path: tuple[Any, ...], change: dict[str, Any]) -> None:
    """Apply `change` (None deletes a key) at `path` of the `all` starter; the loader and the
    schema must both reject the result."""
    data = yaml.safe_load(template_text("all"))
    node: Any = data
    for key in path:
        node = node[key]
    for key, value in change.items():
        if value is None:
            del node[key]
        else:
            node[key] = value
    with pytest.raises(ScenarioError):
        scenario_of(data)
    assert errors_of(as_editor_sees(data)), f"{path} {change} passed the schema"


def test_a_misspelled_key_fails_the_schema() -> None:
    data = starter_data()
    plant = data["facilities"]["shell_plant"]
    plant["capcity"] = plant.pop("capacity")
    assert any(e.startswith("facilities.shell_plant") for e in errors_of(data))


@pytest.mark.parametrize(
    ("path", "key", "bad"),
    [
        ((), "horizon", 15),  # the unit must be said
        ((), "horizon", "15 fortnights"),
        (("budgets", "defence"), "inflation", "two percent"),
        (("facilities", "tank_line"), "capacity", "48"),  # a rate needs "per <time>"
        (("facilities", "frigate_yard"), "docks", 0),
        (("budgets", "defence"), "fiscal_year_start", "April"),
        (("materials", "armour_steel", "supply"), "rate", {"triangular": ["1 per year", "2 per year"]}),
        (("budgets", "ammunition_fund"), "appropriations", {"next year": "1bn"}),
        (("facilities", "frigate_yard"), "kind", "drydock"),
        (("facilities", "shell_plant"), "capcity", "1 per day"),
    ],
)
def test_values_the_loader_rejects_fail_the_schema(path: tuple[str, ...], key: str, bad: Any) -> None:
    both_reject(path, {key: bad})


@pytest.mark.parametrize(
    ("path", "change"),
    [
        (("targets", 0), {"delivered": 5}),  # two measures
        (("targets", 1), {"delivered": None}),  # no measure
        (("budgets", "ammunition_fund"), {"gdp": {2026: "1tn"}, "share_of_gdp": {2026: "2%"}}),  # two sources
        (("budgets", "defence"), {"share_of_gdp": None}),  # gdp alone
        (("facilities", "frigate_yard"), {"docks": None}),  # neither docks nor shares_docks_with
    ],
)
def test_cross_key_rules_fail_the_schema(path: tuple[Any, ...], change: dict[str, Any]) -> None:
    both_reject(path, change)


def walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def test_every_example_satisfies_the_schema_it_illustrates() -> None:
    schema = scenario_json_schema()
    illustrated = [n for n in walk(schema) if n.get("examples")]
    assert len(illustrated) > 20
    for node in illustrated:
        check = jsonschema.Draft202012Validator({**node, "$defs": schema["$defs"]})
        for example in node["examples"]:
            assert not list(check.iter_errors(example)), (example, node.get("description"))


def test_unit_values_carry_examples_on_hover() -> None:
    props = scenario_json_schema()["$defs"]["MunitionsFactory"]["properties"]
    for key in ("capacity", "lot", "ramp_up", "yield", "unit_cost"):
        text = json.dumps(props[key])
        assert "examples" in text and props[key].get("description"), key
    assert "per year" in props["capacity"]["description"]


def test_defaults_are_spelled_as_a_writer_types_them() -> None:
    schema = scenario_json_schema()
    defs = schema["$defs"]
    assert defs["MunitionsFactory"]["properties"]["lot"]["default"] == "1 week"
    assert defs["MunitionsFactory"]["properties"]["yield"]["default"] == "100%"
    assert defs["Budget"]["properties"]["fiscal_year_start"]["default"] == "01-01"
    assert defs["Expansion"]["properties"]["start"]["default"] == "when_funded"
    # and every default satisfies its own key's schema
    for name, model in [("", schema), *defs.items()]:
        for key, prop in model.get("properties", {}).items():
            if "default" in prop and prop["default"] is not None:
                check = jsonschema.Draft202012Validator({**prop, "$defs": defs})
                assert not list(check.iter_errors(prop["default"])), f"{name}.{key} default {prop['default']!r}"


def test_field_docs_name_real_keys() -> None:
    schema = scenario_json_schema()
    models = {"Scenario": schema, **schema["$defs"]}
    for model, docs in FIELD_DOCS.items():
        assert model in models, model
        assert set(docs) <= set(models[model]["properties"]), (model, set(docs) - set(models[model]["properties"]))


def test_every_key_has_a_description() -> None:
    schema = scenario_json_schema()
    for name, model in [("Scenario", schema), *schema["$defs"].items()]:
        for key, prop in model.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{key} has no description"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_scenario_starts_with_the_modeline(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    relative = Path(os.path.relpath(SHIPPED, path.parent)).as_posix()
    assert first == f"{MODELINE_PREFIX}{relative}", f"{path.relative_to(ROOT)}: first line must be the modeline"
