"""Limits on a run's size: runs that would never finish or would exhaust memory are refused up
front with the limit and how to lift it; `--allow-large` / REARM_ALLOW_LARGE lift the soft
limits, never the hard ones."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.errors import ScenarioError, UsageError
from sim.language import limits
from sim.language.limits import check_replications, estimate_events
from sim.language.load import load_scenario, validate
from sim.language.yaml_source import Source
from sim.model.kinds import FACILITY_CLASSES
from sim.model.replication import simulate
from sim.studies.replications import replication_seed

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios/european_155mm.yaml"
SHIPPED = sorted(ROOT.glob("scenarios/**/*.yaml"))


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(limits.ENV_VAR, raising=False)


def _refusal(overrides: list[str], allow_large: bool | None = None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(FLAGSHIP), overrides, allow_large)
    return str(info.value)


def test_a_lot_far_too_short_for_the_horizon_is_refused_at_its_key() -> None:
    """One event a lot (Nammo breaks down, and a lot on its working clock is one timeout too)."""
    text = _refusal(["facilities.nammo.lot=0.001 days"])
    assert re.search(
        r"european_155mm\.yaml: facilities\.nammo\.lot: about 5\.5 million lots of 0\.001 days over "
        r"the 15-year horizon: one replication would need about 5\.5 million events, more than the limit "
        r"of 5 million; pass --allow-large \(or set REARM_ALLOW_LARGE=1\) to run it anyway",
        text,
    ), text
    # an override has no line of its own: the message says it came from --set
    assert "(set by --set facilities.nammo.lot)" in text


def test_a_start_interval_far_too_short_is_refused_at_its_key() -> None:
    """Batches of vehicles are counted from the line's own start interval: 0.0001 days over 15
    years is about 55 million batches; a week is not refused."""
    armour = str(ROOT / "scenarios/nato_armour.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(armour, ["facilities.leopard2_knds.start_interval=0.0001 days"])
    assert re.search(
        r"facilities\.leopard2_knds\.start_interval: about 5\d\.\d million batches of vehicles over the "
        r"15-year horizon",
        str(info.value),
    ), str(info.value)
    weekly = load_scenario(armour, ["facilities.leopard2_knds.start_interval=1 week"]).scenario
    assert estimate_events(weekly) < estimate_events(
        load_scenario(armour, ["facilities.leopard2_knds.start_interval=1 day"]).scenario
    )


def test_allow_large_lifts_the_soft_limit_by_flag_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_scenario(str(FLAGSHIP), ["facilities.nammo.lot=0.001 days"], allow_large=True)
    assert loaded.allow_large
    monkeypatch.setenv(limits.ENV_VAR, "1")
    assert load_scenario(str(FLAGSHIP), ["facilities.nammo.lot=0.001 days"]).allow_large


def test_the_hard_limit_holds_even_when_large_runs_are_allowed() -> None:
    text = _refusal(["facilities.nammo.lot=1e-6 days"], allow_large=True)
    assert "more than the limit of 500 million" in text and "this is the hard limit" in text
    assert "--allow-large" not in text


def test_too_many_replications_in_the_file() -> None:
    text = _refusal(["replications=200000"])
    assert "replications: 200,000 replications is more than the limit of 100,000; pass --allow-large" in text


def test_too_many_events_over_all_replications() -> None:
    text = _refusal(["horizon=100 years", "replications=90000"])
    assert re.search(
        r"replications: 90,000 replications of about [\d,]+ events each need about [\d,.]+ million events, "
        r"more than the limit of 500 million",
        text,
    ), text


def test_results_that_would_not_fit_in_memory() -> None:
    text = _refusal(["horizon=100 years", "replications=100000"])
    assert re.search(r"would keep about [\d.]+ GB of results, more than the limit of 4 GB", text), text


def test_too_many_facilities() -> None:
    data = yaml.safe_load(FLAGSHIP.read_text())
    one = data["facilities"]["nammo"]
    data["facilities"] = {f"plant_{i}": copy.deepcopy(one) for i in range(limits.MAX_PARTS + 1)}
    source = Source("many.yaml", data, {("facilities",): 70})  # the YAML parser is slow on 1,001 plants
    with pytest.raises(ScenarioError, match=r"many\.yaml:70: facilities: 1,001 facilities is more than the limit"):
        validate(data, source)


def test_a_command_line_replication_count_is_checked_before_running() -> None:
    scenario = load_scenario(str(FLAGSHIP)).scenario
    with pytest.raises(UsageError, match=r"--replications 500000: 500,000 replications is more than the limit"):
        check_replications(scenario, 500_000)
    check_replications(scenario, 500_000, allow_large=True)  # lifted: no error


def test_cli_refuses_with_exit_2_and_says_how_to_override(rearm: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = rearm("run", FLAGSHIP, "--replications", "400000", "--no-plots", "--jobs", "1", "--out", out)
    assert result.code == 2 and "--allow-large" in result.err and "Traceback" not in result.err
    assert not (out / "summary.json").exists()
    result = rearm("validate", FLAGSHIP, "--set", "facilities.nammo.lot=0.001 days")
    assert result.code == 2 and "more than the limit of 5 million" in result.err
    assert rearm("validate", FLAGSHIP, "--set", "facilities.nammo.lot=0.001 days", "--allow-large").code == 0


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_the_event_estimate_is_the_right_order_of_magnitude(path: Path) -> None:
    """The limits rest on the estimate: within a factor of 4 of the events a replication makes
    on the plain path (the most it can make; the fast path makes fewer)."""
    scenario = load_scenario(str(path)).scenario
    if any(f.kind not in FACILITY_CLASSES for f in scenario.facilities.values()):
        pytest.skip("a facility kind is not simulated yet")
    events = simulate(scenario, replication_seed(scenario.seed, 0), fast=False).events
    estimate = estimate_events(scenario)
    assert events / 4 <= estimate <= 4 * events + 200, f"estimated {estimate:,.0f} events, made {events:,.0f}"


@pytest.mark.parametrize("breakdowns", [False, True])
def test_the_vehicle_estimate_counts_builds_only_where_they_make_events(breakdowns: bool) -> None:
    """A vehicle line books its deliveries at the start (no event each), on a line that breaks
    down too (its working clock knows when each build ends). The armour scenario's estimate is
    within a factor of 1.5 of the plain path's events with or without breakdowns (it was 2.4
    when it counted the builds)."""
    scenario = load_scenario(str(ROOT / "scenarios/nato_armour.yaml")).scenario
    lines = {
        name: spec.model_copy(update={"breakdowns": spec.breakdowns if breakdowns else None})
        for name, spec in scenario.facilities.items()
    }
    assert breakdowns == any(spec.breakdowns is not None for spec in lines.values())
    scenario = scenario.model_copy(update={"facilities": lines})
    events = simulate(scenario, replication_seed(scenario.seed, 0), fast=False).events
    factor = 1.5
    assert events / factor <= estimate_events(scenario) <= factor * events
