"""Components: a facility consuming a product other facilities make (closed forms, conservation
through the chain, cycles refused, the fast path declining and agreeing)."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import write_yaml
from test_fast_path import rows_agree, time_use_agrees

from sim.errors import ScenarioError
from sim.language.load import load_scenario
from sim.metrics.replication import END_MEASURES, TIMELINE_MEASURES
from sim.model.replication import simulate
from sim.studies.replications import replication_seed

HORIZON = 730.0
LOT = 7.0


def chain(c1: str, c2: str, per_unit: float | str = 1, *, extra: str = "", body_extra: str = "") -> str:
    """Bodies at `c1` feed rounds at `c2`, `per_unit` bodies a round; weekly lots, ample money."""
    return f"""
    scenario: chain
    start: 2025-01-01
    horizon: 2 years
    budgets:
      money: {{appropriations: {{2025: 1tn}}}}
    facilities:
      bodies:
        kind: munitions_factory
        product: body
        budget: money
        capacity: {c1}
        lot: 7 days
        {body_extra}
      rounds:
        kind: munitions_factory
        product: round
        budget: money
        capacity: {c2}
        lot: 7 days
        consumes: {{body: {per_unit}}}
      {extra}
    """


def delivered(records: Any) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for _, p, q, _, _ in records.deliveries:
        out[records.products[p]] += q
    return out


def end(sim: Any, product: str, measure: str) -> float:
    return float(sim.result.end[sim.scenario.products.index(product), END_MEASURES.index(measure)])


# The first bodies arrive after one lot; a round's lot started by day H − L is delivered: the
# assembly runs (H − L) / L whole lots, each of L days at min(C1 / k, C2).
LOTS = math.floor((HORIZON - LOT) / LOT)


@pytest.mark.parametrize(("c1", "c2"), [(100, 80), (60, 80), (80, 80), (250, 40)])
def test_one_component_per_unit_assembly_runs_at_the_smaller_capacity(run_yaml, c1: float, c2: float) -> None:
    sim = run_yaml(chain(f"{c1} per day", f"{c2} per day"))
    made = delivered(sim.records)
    assert made["body"] == pytest.approx(c1 * LOT * math.floor(HORIZON / LOT))
    assert made["round"] == pytest.approx(LOTS * LOT * min(c1, c2))
    # the assembly's rate over the last year is the bottleneck's, to a lot's worth
    rate = end(sim, "round", "rate")
    assert rate == pytest.approx(min(c1, c2) * 365.25, abs=min(c1, c2) * LOT)


@pytest.mark.parametrize(("c1", "c2"), [(100, 80), (100, 40), (300, 100)])
def test_two_components_per_unit_assembly_runs_at_min_of_half_c1_and_c2(run_yaml, c1: float, c2: float) -> None:
    sim = run_yaml(chain(f"{c1} per day", f"{c2} per day", 2))
    assert delivered(sim.records)["round"] == pytest.approx(LOTS * LOT * min(c1 / 2, c2))


def test_a_chain_of_three_stages_runs_at_its_narrowest_stage(run_yaml) -> None:
    fill = """
      filling:
        kind: munitions_factory
        product: fill
        budget: money
        capacity: 30 per day
        lot: 7 days"""
    sim = run_yaml(chain("100 per day", "80 per day", extra=fill, body_extra="consumes: {fill: 1}"))
    made = delivered(sim.records)
    # fill arrives from day 7, bodies from day 14, rounds from day 21: each stage one lot later
    assert made["fill"] == pytest.approx(30 * LOT * math.floor(HORIZON / LOT))
    assert made["body"] == pytest.approx(30 * LOT * math.floor((HORIZON - LOT) / LOT))
    assert made["round"] == pytest.approx(30 * LOT * math.floor((HORIZON - 2 * LOT) / LOT))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_components_made_equal_components_used_plus_component_stock(run_yaml, seed: int) -> None:
    text = chain(
        "{triangular: [40 per day, 70 per day, 120 per day]}",
        "{uniform: [30 per day, 60 per day]}",
        "{uniform: [1, 3]}",
        body_extra="lot: 5 days",
    ).replace("lot: 7 days\n        lot: 5 days", "lot: 5 days")
    text = text.replace("scenario: chain", "scenario: chain\n    inventory: {body: 500}")
    sim = run_yaml(text, seed=seed)
    made = delivered(sim.records)["body"]
    used, stock = end(sim, "body", "used"), end(sim, "body", "stock")
    assert made > 0 and used > 0
    assert 500 + made == pytest.approx(used + stock, rel=1e-9)
    # the model's own ledger agrees: takes from the store are the `used` measure
    store = sim.records.materials.index("body")
    assert sum(q for _, m, q in sim.records.takes if m == store) == pytest.approx(used, rel=1e-12)
    # every month the timeline keeps the same balance (stock never negative)
    p = sim.scenario.products.index("body")
    line = sim.result.timeline[p]
    stock_t, used_t = line[TIMELINE_MEASURES.index("stock")], line[TIMELINE_MEASURES.index("used")]
    made_t = line[TIMELINE_MEASURES.index("delivered")]
    np.testing.assert_allclose(500 + made_t, used_t + stock_t, rtol=1e-9, atol=1e-6)
    assert (stock_t >= 0).all()


def test_waiting_for_a_component_is_booked_to_its_cause(run_yaml) -> None:
    sim = run_yaml(chain("40 per day", "80 per day"))
    rounds = sim.scenario.products.index("round")
    causes = sim.records.time_use[rounds]
    # the assembly works half the time: the other half it waits for bodies
    assert causes["component:body"] == pytest.approx(causes["producing"], rel=0.05)
    assert not any(c.startswith("material:") for c in causes)


def test_the_fast_path_runs_a_components_taker_ahead_and_gives_the_same_records(load_yaml, monkeypatch) -> None:
    # the bodies' plant runs ahead (its lots reach the store on their days), the rounds' plant,
    # which takes bodies, runs ahead while the bodies booked into the store cover its lots (and
    # step by step where they cut one); a third plant outside the chain runs ahead too
    from sim.model import fast as fast_path

    text = chain("{uniform: [50 per day, 90 per day]}", "70 per day", 2, body_extra="lot: 5 days")
    text = text.replace("lot: 7 days\n        lot: 5 days", "lot: 5 days").replace(
        "    facilities:",
        """    facilities:
      alone:
        kind: munitions_factory
        product: other
        budget: money
        capacity: 10 per day""",
    )
    s = load_yaml(text).scenario
    hooked: dict[str, bool] = {}
    attach = fast_path.attach

    def spy(world: Any, facilities: Any, runners: Any) -> None:
        facilities = list(facilities)
        attach(world, facilities, runners)
        hooked.update({f.name: f.fast is not None for f in facilities})

    monkeypatch.setattr(fast_path, "attach", spy)
    for seed in range(3):
        plain = simulate(s, replication_seed(seed, 0), fast=False)
        fast = simulate(s, replication_seed(seed, 0), fast=True)
        assert hooked == {"alone": True, "bodies": True, "rounds": True}
        for field in ("deliveries", "starts", "takes", "spending", "appropriations"):
            rows_agree(getattr(fast, field), getattr(plain, field))
        time_use_agrees(fast, plain)
        assert fast.events < plain.events


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write_yaml(tmp_path, text, "s.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path))
    return [str(p).replace(str(path), "F") for p in info.value.problems]


def test_a_cycle_in_consumes_is_refused_naming_it_with_file_and_line(tmp_path: Path) -> None:
    text = chain("100 per day", "80 per day", body_extra="consumes: {round: 1}")
    found = problems(tmp_path, text)
    assert len(found) == 1
    lines = text.lstrip("\n").splitlines()  # (as written: the leading newline dropped)
    line = lines.index("        consumes: {body: 1}") + 1  # where the walk from body closes the cycle
    assert found[0].startswith(f"F:{line}: facilities.rounds.consumes.body: components form a cycle:")
    assert "body is made from round is made from body" in found[0]


def test_a_product_made_from_itself_is_a_cycle(tmp_path: Path) -> None:
    found = problems(tmp_path, chain("100 per day", "80 per day", body_extra="consumes: {body: 1}"))
    assert any("body is made from body" in p and "facilities.bodies.consumes.body" in p for p in found)


def test_a_product_named_like_a_material_is_refused(tmp_path: Path) -> None:
    text = chain("100 per day", "80 per day").replace(
        "    facilities:", "    materials:\n      body: {initial: 10}\n    facilities:"
    )
    found = problems(tmp_path, text)
    assert any("facilities.bodies.product" in p and "also a material" in p for p in found)


def test_an_unknown_input_lists_materials_and_components(tmp_path: Path) -> None:
    found = problems(tmp_path, chain("100 per day", "80 per day").replace("consumes: {body: 1}", "consumes: {bdy: 1}"))
    assert any("unknown material 'bdy'" in p and "did you mean 'body'" in p for p in found)


def test_a_vehicle_line_feeds_a_store_on_the_day_each_vehicle_is_done(load_yaml) -> None:
    text = """
    scenario: hulls
    start: 2025-01-01
    horizon: 2 years
    budgets:
      money: {appropriations: {2025: 1tn}}
    facilities:
      chassis_line:
        kind: vehicle_line
        product: chassis
        budget: money
        capacity: 10 per month
        build_time: {uniform: [20 days, 60 days]}
      fitting:
        kind: munitions_factory
        product: vehicle
        budget: money
        capacity: 1 per day
        lot: 7 days
        consumes: {chassis: 1}
    """
    s = load_yaml(text).scenario
    for seed in range(3):
        plain = simulate(s, replication_seed(seed, 0), fast=False)
        fast = simulate(s, replication_seed(seed, 0), fast=True)
        for field in ("deliveries", "starts", "takes"):
            rows_agree(getattr(fast, field), getattr(plain, field))
        made = delivered(plain)
        store = plain.materials.index("chassis")
        used = sum(q for _, m, q in plain.takes if m == store)
        assert 0 < used <= made["chassis"]
        # nothing is fitted before its chassis is done: at each take, taken so far <= arrived
        chassis = sorted((d, q) for d, p, q, _, _ in plain.deliveries if plain.products[p] == "chassis")
        taken = 0.0
        for day, m, q in sorted(plain.takes):
            if m == store:
                taken += q
                assert taken <= sum(x for d, x in chassis if d <= day) + 1e-9


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_more_component_capacity_never_makes_fewer_assemblies(run_yaml, seed: int) -> None:
    # paired streams: the same draws, the bodies' plant 20% larger
    made = []
    for scale in (1.0, 1.2):
        text = chain(
            f"{{uniform: [{40 * scale:g} per day, {120 * scale:g} per day]}}",
            "{uniform: [30 per day, 90 per day]}",
            "{uniform: [1, 3]}",
        )
        made.append(delivered(run_yaml(text, seed=seed).records)["round"])
    assert made[1] >= made[0] - 1e-6


def test_a_taker_that_bodies_booked_ahead_cover_runs_its_lots_ahead(load_yaml) -> None:
    # rounds need 40 bodies a day of the 50-90 the plant makes: the bodies booked into the
    # store ahead cover its lots, so it runs them ahead (fewer events than its lots) and both
    # paths give the same records
    s = load_yaml(chain("{uniform: [50 per day, 90 per day]}", "20 per day", 2)).scenario
    for seed in range(3):
        plain = simulate(s, replication_seed(seed, 0), fast=False)
        fast = simulate(s, replication_seed(seed, 0), fast=True)
        for field in ("deliveries", "starts", "takes", "spending"):
            rows_agree(getattr(fast, field), getattr(plain, field))
        time_use_agrees(fast, plain)
        rounds = [r for r in fast.starts if r[1] == fast.facilities.index("rounds")]
        assert fast.events < len(rounds) / 4
