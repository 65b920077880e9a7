"""`rearm audit`: more money, capacity, supply, docks or people, one at a time on the same random
numbers; a target made later is competition (through a shared element, named) or an anomaly."""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, CliResult, write_yaml

from sim import api
from sim.cli.audit_commands import MAX_WIDTH
from sim.language.load import LoadedScenario, load_scenario
from sim.language.values import Uncertain
from sim.model.kinds import FACILITY_CLASSES
from sim.model.munitions_factory import MunitionsFactory
from sim.studies import audit
from sim.studies.replications import run_one

# Plant A (priority 1, 50k a year) and plant B (100k a year) draw on one budget that pays for
# 100k shells a year: whatever A spends more, B cannot spend, so more capacity at A makes B's
# target later (and the other way round), through the budget they share.
SHARED_PURSE = """
scenario: two plants, one purse
start: 2025-01-01
horizon: 10 years
seed: 7
replications: 2
budgets:
  money: {appropriations: {2025: 100M}}
facilities:
  plant_a:
    kind: munitions_factory
    product: shell_a
    budget: money
    capacity: 50k per year
    lot: 1 week
    unit_cost: 1000
    priority: 1
  plant_b:
    kind: munitions_factory
    product: shell_b
    budget: money
    capacity: 100k per year
    lot: 1 week
    unit_cost: 1000
targets:
  - {name: a 200k, product: shell_a, delivered: 200k}
  - {name: b 200k, product: shell_b, delivered: 200k}
"""

# One line bound by its own capacity (uncertain, so replications differ), with money, fill and
# crews to spare: every change can only make its target earlier or leave it as it is.
EXPANDING_LINE = """
scenario: a line that buys its own expansion
start: 2025-01-01
horizon: 4 years
seed: 3
budgets:
  b: {appropriations: {2025: 10M}, carry_over: true}
facilities:
  line:
    kind: munitions_factory
    product: x
    budget: b
    capacity: 5k per year
    lot: 1 month
    unit_cost: 1000
    expansions:
      - {name: second line, capacity: 5k per year, capex: 12M, start: when_funded, construction: 1 year}
targets:
  - {name: first 4k, product: x, delivered: 4k}
"""

SINGLE_LINE = """
scenario: one line
start: 2025-01-01
horizon: 8 years
seed: 11
replications: 3
budgets:
  money: {appropriations: {2025: 1bn}}
materials:
  fill: {initial: 100, supply: {rate: 1000 per year}}
workforce:
  crews: {initial: 400, hiring: 50 per year, max: 600}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {triangular: [80k per year, 100k per year, 130k per year]}
    lot: 1 week
    unit_cost: {triangular: [900, 1000, 1200]}
    consumes: {fill: 0.001}
    workforce: {crews: 100}
targets:
  - {name: quarter million, product: shell, delivered: 250k}
  - {name: ninety thousand a year, product: shell, rate: 90k per year}
"""


def rows_of(out: Path) -> list[dict[str, str]]:
    with open(out / "audit.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def row(out: Path, change: str, target: str) -> dict[str, Any]:
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    (found,) = [r for r in doc["rows"] if r["change"] == change and r["target"] == target]
    return dict(found)


def test_more_capacity_at_one_plant_delays_the_other_through_their_budget(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    path = write_yaml(tmp_path, SHARED_PURSE)
    done = rearm("audit", path, "--jobs", "1", "--out", tmp_path / "out", "--quiet")
    assert done.code == 0, done.err  # competition is not an anomaly
    found = row(tmp_path / "out", "facilities.plant_a.capacity", "b 200k")
    assert found["later"] == 2 and found["worst_delay_days"] > 1
    assert found["class"] == "competition" and found["shared"] == "budgets.money"
    assert [r["replication"] for r in found["later_replications"]] == [0, 1]
    # A's own target is earlier with A's extra capacity, and more money is earlier for both
    assert row(tmp_path / "out", "facilities.plant_a.capacity", "a 200k")["class"] == "clean"
    for target in ("a 200k", "b 200k"):
        money = row(tmp_path / "out", "budgets.money.appropriations", target)
        assert money["earlier"] == 2 and money["class"] == "clean"
    assert "competition" in done.out and "budgets.money" in done.out


def test_classification_names_a_chain_and_flags_direct_use() -> None:
    used = {
        "a": frozenset({"facilities.a", "budgets.x", "materials.m"}),
        "b": frozenset({"facilities.b", "budgets.y", "materials.m"}),
        "c": frozenset({"facilities.c", "budgets.y", "workforce.w"}),
        "d": frozenset({"facilities.d", "budgets.z"}),
    }
    assert audit.link(used, ["a"], "budgets.x") == (audit.ANOMALY, ["budgets.x"])
    assert audit.link(used, ["a"], "facilities.b") == (audit.COMPETITION, ["materials.m"])
    # a shares fill with b, which shares its budget with c, which holds the pool
    assert audit.link(used, ["a"], "workforce.w") == (audit.COMPETITION, ["materials.m", "budgets.y"])
    assert audit.link(used, ["a"], "budgets.z") == (audit.ANOMALY, [])  # nothing links them


def test_a_material_bought_from_a_budget_uses_that_budget(load_yaml: Callable[..., LoadedScenario]) -> None:
    loaded = load_yaml(
        """
        scenario: supply paid
        start: 2025-01-01
        horizon: 2 years
        budgets: {plant_money: {appropriations: {2025: 1bn}}, supply_money: {appropriations: {2025: 1bn}}}
        materials:
          fill:
            supply:
              rate: 10 per year
              budget: supply_money
              expansions: [{name: more, capacity: 10 per year, capex: 1M}]
        facilities:
          plant: {kind: munitions_factory, product: s, budget: plant_money, capacity: 1k per year,
                  consumes: {fill: 0.001}}
        """
    )
    used = audit.uses(loaded.scenario)["plant"]
    assert {"budgets.plant_money", "budgets.supply_money", "materials.fill", "facilities.plant"} == used


def test_changes_scale_parsed_values_item_by_item(load_yaml: Callable[..., LoadedScenario]) -> None:
    loaded = load_yaml(SINGLE_LINE)
    s = loaded.scenario
    found = {c.path: c for c in audit.changes(s, 0.25)}
    assert set(found) == {
        "budgets.money.appropriations",
        "facilities.plant.capacity",
        "materials.fill.supply.rate",
        "workforce.crews.max",
    }
    capacity = found["facilities.plant.capacity"].apply(s).facilities["plant"]
    written = s.facilities["plant"]
    assert isinstance(capacity.capacity, Uncertain) and isinstance(written.capacity, Uncertain)  # type: ignore[union-attr]
    assert capacity.capacity.params == pytest.approx([1.25 * p for p in written.capacity.params])  # type: ignore[union-attr]
    assert found["budgets.money.appropriations"].apply(s).budgets["money"].appropriations == {2025: 1.25e9}
    assert found["workforce.crews.max"].apply(s).workforce["crews"].max == 750
    supply = found["materials.fill.supply.rate"].apply(s).materials["fill"].supply
    assert supply is not None and supply.rate == pytest.approx(1250 / 365.25)
    assert s.facilities["plant"] == written  # the scenario as written is untouched
    lognormal = audit.scaled(Uncertain("lognormal", (10.0, 0.3)), 2.0)
    assert lognormal == Uncertain("lognormal", (20.0, 0.3))


def test_a_pool_without_a_ceiling_gets_more_hiring_or_more_people(load_yaml: Callable[..., LoadedScenario]) -> None:
    extra = "  hired: {initial: 10, hiring: 20 per year}\n  fixed: {initial: 30}\n"
    loaded = load_yaml(SINGLE_LINE.replace("workforce:\n", "workforce:\n" + extra))
    found = {c.path: c for c in audit.changes(loaded.scenario, 0.5)}
    assert {"workforce.crews.max", "workforce.hired.hiring", "workforce.fixed.initial"} <= set(found)
    hired = found["workforce.hired.hiring"].apply(loaded.scenario).workforce["hired"]
    assert hired.hiring == pytest.approx(30 / 365.25) and hired.initial == 10
    assert found["workforce.fixed.initial"].apply(loaded.scenario).workforce["fixed"].initial == 45


@pytest.mark.parametrize(
    ("path", "written"),
    [
        ("facilities.plant.capacity", "{triangular: [100k per year, 125k per year, 162.5k per year]}"),
        ("budgets.money.appropriations", "{2025: 1.25bn}"),
        ("materials.fill.supply.rate", "1250 per year"),
        ("workforce.crews.max", "750"),
    ],
)
def test_a_changed_point_runs_as_the_same_value_set_with_set(
    path: str, written: str, load_yaml: Callable[..., LoadedScenario]
) -> None:
    """The audit's change on the validated scenario is the run `rearm run --set` would make
    (same value, same streams)."""
    loaded = load_yaml(SINGLE_LINE)
    (change,) = [c for c in audit.changes(loaded.scenario, 0.25) if c.path == path]
    by_set = load_yaml(SINGLE_LINE, (f"{path}={written}",), name="set.yaml").scenario
    for replication in range(2):
        ours = run_one(change.apply(loaded.scenario), 11, replication)
        theirs = run_one(by_set, 11, replication)
        assert ours.target_days == pytest.approx(theirs.target_days, rel=1e-9, nan_ok=True)
        assert ours.end == pytest.approx(theirs.end, rel=1e-9)


class InvertedCapacity(MunitionsFactory):
    """A broken model: a plant that makes fewer shells the more capacity it is given."""

    REFERENCE = 100_000 / 365.25  # per day: as written, the plant is unchanged

    def add_capacity(self, t0: float, ramp_days: float, delta: float) -> None:
        super().add_capacity(t0, ramp_days, self.REFERENCE**2 / delta if delta > 0 else delta)


def test_a_model_where_capacity_lowers_output_is_an_anomaly(
    tmp_path: Path, rearm: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(FACILITY_CLASSES, "munitions_factory", InvertedCapacity)
    path = write_yaml(tmp_path, SINGLE_LINE)
    done = rearm("audit", path, "--jobs", "1", "--out", tmp_path / "out", "--quiet")  # in this process
    assert done.code == 1
    found = row(tmp_path / "out", "facilities.plant.capacity", "quarter million")
    assert found["class"] == "anomaly" and found["later"] == 3 and found["shared"] is None
    assert "anomal" in done.out.splitlines()[-1]
    assert "facilities.plant.capacity" in done.out


def test_a_clean_single_line_exits_0_with_nothing_later(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    path = write_yaml(tmp_path, SINGLE_LINE)
    done = rearm("audit", path, "--jobs", "1", "--out", tmp_path / "out", "--quiet")
    assert done.code == 0, done.out
    rows = rows_of(tmp_path / "out")
    assert rows and all(r["later"] == "0" and r["class"] == "clean" for r in rows)
    capacity = [r for r in rows if r["change"] == "facilities.plant.capacity"]
    assert all(r["earlier"] == "3" for r in capacity)  # the plant's own capacity binds
    assert done.out.strip().splitlines() == [done.out.strip().splitlines()[-1]]  # only the verdict
    assert "no anomaly" in done.out


def test_one_row_per_change_and_target_counts_sum_to_the_replications(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    path = write_yaml(tmp_path, SHARED_PURSE)
    out = tmp_path / "out"
    assert rearm("audit", path, "--jobs", "1", "--replications", "3", "--out", out, "--quiet").code == 0
    loaded = load_scenario(str(path))
    changes = [c.path for c in audit.changes(loaded.scenario)]
    targets = [t.name for t in loaded.scenario.targets]
    rows = rows_of(out)
    assert [(r["change"], r["target"]) for r in rows] == [(c, t) for c in changes for t in targets]
    for r in rows:
        assert sum(int(r[k]) for k in ("later", "earlier", "unchanged", "failed")) == 3
        assert len(r["later_replications"].split()) == int(r["later"])
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert doc["sha256"] == loaded.sha256 and doc["seed"] == 7 and doc["replications"] == 3
    assert doc["change"] == pytest.approx(0.1) and doc["paired_runs"] == (1 + len(changes)) * 3
    assert {"version", "scenario", "file"} <= set(doc)
    assert len(doc["rows"]) == len(rows)


def test_same_seed_same_audit(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    path = write_yaml(tmp_path, SINGLE_LINE)
    common = ("audit", path, "--seed", "5", "--replications", "4", "--change", "20%", "--quiet")
    assert rearm(*common, "--jobs", "1", "--out", tmp_path / "one").code == 0
    assert rearm(*common, "--jobs", "2", "--out", tmp_path / "two").code == 0
    first = (tmp_path / "one" / "audit.json").read_text(encoding="utf-8")
    assert first == (tmp_path / "two" / "audit.json").read_text(encoding="utf-8")
    assert json.loads(first)["seed"] == 5 and json.loads(first)["change"] == pytest.approx(0.2)


def test_the_printed_table_fits_100_columns(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    long = SHARED_PURSE.replace("plant_a", "a_plant_with_a_name_long_enough_to_overflow_any_terminal_line_x")
    long = long.replace("b 200k", "b two hundred thousand shells delivered before anything else")
    done = rearm("audit", write_yaml(tmp_path, long), "--jobs", "1", "--out", tmp_path / "out", "--quiet")
    assert done.code == 0 and "competition" in done.out
    assert max(len(line) for line in done.out.splitlines()) <= MAX_WIDTH


def test_bad_change_is_bad_input(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    path = write_yaml(tmp_path, SINGLE_LINE)
    assert rearm("audit", path, "--change", "0%").code == 2
    assert rearm("audit", path, "--change", "lots").code == 2
    assert rearm("audit", tmp_path / "missing.yaml").code == 2


def test_library_and_api_give_what_the_command_writes(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    path = write_yaml(tmp_path, SHARED_PURSE)
    assert rearm("audit", path, "--jobs", "1", "--out", tmp_path / "cli", "--quiet").code == 0
    written = json.loads((tmp_path / "cli" / "audit.json").read_text(encoding="utf-8"))
    assert audit.audit(load_scenario(str(path))).document() == written
    pytest.importorskip("pandas", reason="StudyResults.to_frame needs pandas")
    found = api.audit(api.load(path), change="10%", out=tmp_path / "api")
    assert found.audit() == written
    frame = found.to_frame()
    assert len(frame) == 6 and set(frame["class"]) == {"clean", "competition"}


SHIPPED = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").glob("*.yaml"))
SHIPPED += sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios" / "examples").glob("*.yaml"))


@functools.cache
def audited(file: str) -> audit.AuditResult:
    """The audit of a shipped file at 3 replications (shared by the tests below)."""
    return audit.audit(load_scenario(str(ROOT / file)), replications=3, jobs=1)


def found(file: str, change: str, target: str) -> audit.AuditRow:
    return next(r for r in audited(file).rows if r.change.path == change and r.target == target)


@pytest.mark.slow
@pytest.mark.parametrize("file", SHIPPED)
def test_no_shipped_scenario_has_an_anomaly(file: str) -> None:
    result = audited(file)
    flagged = [
        f"{r.change.path} {r.change.step} -> {r.target}: later in replications {sorted(r.found.later)} "
        f"(worst {r.found.worst_delay_days:.0f} days)"
        for r in result.anomalies
    ]
    failed = [f"{r.change.path} -> {r.target}: {r.found.failed} failed" for r in result.rows if r.found.failed]
    assert not flagged and not failed, "\n".join([f"{file}:", *flagged, *failed])


@pytest.mark.slow
def test_more_capacity_at_one_plant_taking_a_scarce_material_is_competition_named_by_the_rerun() -> None:
    # Rheinmetall's own capacity is an element its target uses, so the links call the delay an
    # anomaly; the re-run shows a plant waiting longer for explosive fill, which the others share.
    # (The stock target once used here is now on complete rounds, which charges limit: issue 28.)
    # The fill is scarce when the plants are taken at their word and their ratings (the shipped
    # file states their utilisation and the calibrated realism, which leave fill to spare).
    # Without the plants' stoppages (issue 25), whose repairs leave fill to spare in these runs.
    rated = ("unterluess", "nammo", "bae_uk")
    stopping = (
        "rheinmetall",
        "unterluess",
        "nammo",
        "bae_uk",
        "knds_france",
        "rest_of_europe",
        "rheinmetall_lithuania",
    )
    as_announced = [
        "realism=none",
        *(f"facilities.{name}.realism.achieved=100%" for name in rated),
        *(f"facilities.{name}.breakdowns=null" for name in stopping),
    ]
    loaded = load_scenario(str(ROOT / "scenarios/european_155mm.yaml"), as_announced)
    result = audit.audit(loaded, replications=3, jobs=1)
    row = next(
        r
        for r in result.rows
        if r.change.path == "facilities.rheinmetall.capacity" and r.target == "two million a year"
    )
    assert row.found.later, "the case this test is about no longer arises: choose another"
    assert row.kind == audit.COMPETITION and row.shared == "materials.explosive_fill"
    assert "waited" in row.reason() and "materials.explosive_fill" in row.reason()


@pytest.mark.slow
def test_a_delay_within_one_start_interval_is_the_lots_grid_not_an_anomaly() -> None:
    row = found("scenarios/examples/vehicle_line.yaml", "budgets.tanks.appropriations", "backlog of 350")
    assert row.found.later, "the case this test is about no longer arises: choose another"
    assert row.kind == audit.WITHIN_A_LOT
    assert row.found.worst_delay_days is not None
    spec = load_scenario(str(ROOT / "scenarios/examples/vehicle_line.yaml")).scenario.facilities["munich_kassel"]
    assert 1.0 < row.found.worst_delay_days <= spec.start_interval  # type: ignore[union-attr]


@pytest.mark.slow
def test_a_span_the_horizon_cuts_short_decides_nothing() -> None:
    row = found("scenarios/examples/munitions_factory.yaml", "facilities.glascoed.capacity", "80k a year")
    assert row.found.censored >= 1 and not row.found.later and row.kind == audit.CLEAN


def test_evidence_names_an_expansion_paid_sooner_from_the_lines_budget(
    load_yaml: Callable[..., LoadedScenario],
) -> None:
    # more money buys the line's own expansion sooner: its capex leaves the lots short of money
    loaded = load_yaml(EXPANDING_LINE)
    study, changes_made = audit.audit_study(loaded, 0.5, None, 1)
    point = 1 + [c.path for c in changes_made].index("budgets.b.appropriations")
    base, changed = study.points[0].build(), study.points[point].build()
    seen = audit.replication_evidence(base, changed, study.seed, 0, 0, ["line"])
    assert not seen.censored and seen.shared == "budgets.b"
    assert "expansion 'second line'" in seen.note and "day 0 " in seen.note
