"""Plan realism (`realism:`): the share of announced capacity achieved, slips and delays of
announced dates and constructions, their correlation through one shared factor, the lag from
money to work, and the calibrated priors. Each is checked against what it must do exactly."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import Simulated
from scipy import stats

from sim.errors import ScenarioError
from sim.language.realism import PLAN_KEYS, PRIOR_KINDS, SCENARIO_KEYS, priors
from sim.language.schema import PlanRealism, ScenarioRealism
from sim.language.units import DAYS_PER_YEAR
from sim.model.realism import Realism
from sim.model.streams import Streams

YEAR = DAYS_PER_YEAR
BACKTESTS = Path(__file__).resolve().parent.parent / "scenarios" / "backtests"


def plant(realism: str = "", facility: str = "", money: str = "1tn", horizon: str = "2 years") -> str:
    """A shell plant of 10 a day (capacity-bound: money without end unless `money` says)."""
    return f"""
    scenario: realism
    start: 2025-01-01
    horizon: {horizon}
    {realism}
    budgets: {{army: {{appropriations: {{2025: {money}}}, fiscal_year_start: 01-01}}}}
    facilities:
      plant:
        kind: munitions_factory
        product: shells
        budget: army
        capacity: 3652.5 per year
        unit_cost: 1
        lot: 10 days
{facility}
    """


def made(sim: Simulated) -> float:
    return sum(units for _, _, units, _, _ in sim.records.deliveries)


def delivery_days(sim: Simulated) -> list[float]:
    return sorted(t for t, *_ in sim.records.deliveries)


# -- achieved -----------------------------------------------------------------------------------


def test_achieved_half_halves_a_capacity_bound_plants_output(run_yaml: Callable[..., Simulated]) -> None:
    full = run_yaml(plant())
    assert made(full) == pytest.approx(2 * 3652.5, rel=0.01)  # (two years at 10 a day)
    half = run_yaml(plant(facility="        realism: {achieved: 50%}"))
    assert made(half) == pytest.approx(made(full) / 2, rel=1e-9)
    assert delivery_days(half) == delivery_days(full)


def test_scenario_wide_achieved_cuts_announced_capacity_not_a_plant_already_running(
    run_yaml: Callable[..., Simulated],
) -> None:
    """A plant producing at the start is measured, not announced: only the plant that opens
    later, and the expansion, reach half of what was announced."""
    extra = """        available_from: 2025-07-02
        expansions: [{name: line2, capacity: 3652.5 per year, start: 2026-01-01, construction: 0 days}]"""
    announced = run_yaml(plant(facility=extra))
    real = run_yaml(plant("realism: {achieved: 50%}", facility=extra))
    assert made(real) == pytest.approx(made(announced) / 2, rel=1e-9)
    running = run_yaml(plant("realism: {achieved: 50%}"))
    assert made(running) == made(run_yaml(plant()))
    # an expansion on a plant running at the start: only the capacity it adds is halved
    grown = plant(facility="        expansions: [{name: l2, capacity: 3652.5 per year, start: 2026-01-01}]")
    halved = grown.replace("scenario: realism", "scenario: realism\n    realism: {achieved: 50%}")
    added = made(run_yaml(grown)) - made(running)
    assert added > 3000
    assert made(run_yaml(halved)) - made(running) == pytest.approx(added / 2, rel=1e-9)


def test_an_expansion_is_a_plan_of_its_own_and_does_not_take_its_facilitys_realism(
    run_yaml: Callable[..., Simulated],
) -> None:
    """A facility's `achieved` (its utilisation) cuts its own capacity; its expansion keeps the
    scenario's value (here none, so all of it)."""
    grown = "        expansions: [{name: l2, capacity: 3652.5 per year, start: 2026-01-01}]"
    base, both = run_yaml(plant()), run_yaml(plant(facility=grown))
    own = run_yaml(plant(facility=grown + "\n        realism: {achieved: 50%}"))
    assert made(own) == pytest.approx(made(base) / 2 + (made(both) - made(base)), rel=1e-9)


def test_achieved_divides_a_shipyards_build_times(run_yaml: Callable[..., Simulated]) -> None:
    """Hulls laid down in the run take their build time ÷ achieved (the hull rate × achieved)."""
    text = """
    scenario: yard
    start: 2025-01-01
    horizon: 20 years
    REALISM
    budgets: {navy: {appropriations: {2025: 1tn}}}
    facilities:
      barrow: {kind: shipyard, product: ssn, budget: navy, docks: 1, hulls: 3,
               stages: [{name: build, duration: 400 days}]}
    """
    planned = run_yaml(text.replace("REALISM", ""))
    assert delivery_days(planned) == pytest.approx([400, 800, 1200])
    slow = run_yaml(text.replace("REALISM", "realism: {achieved: 80%}"))
    assert delivery_days(slow) == pytest.approx([500, 1000, 1500], rel=1e-12)


# -- slip and delay -----------------------------------------------------------------------------


def expansion_time(sim: Simulated) -> float:
    ((_, _, began, online, _),) = sim.records.expansions
    return float(online - began)


def test_a_slip_of_two_doubles_a_construction_time(run_yaml: Callable[..., Simulated]) -> None:
    grown = "        expansions: [{name: l2, capacity: 100 per year, start: 2025-01-01, construction: 1 year}]"
    assert expansion_time(run_yaml(plant(facility=grown, horizon="4 years"))) == pytest.approx(YEAR)
    assert expansion_time(run_yaml(plant("realism: {slip: 2}", facility=grown, horizon="4 years"))) == pytest.approx(
        2 * YEAR
    )
    # on the expansion itself, over the scenario's
    own = grown.replace("construction: 1 year", "construction: 1 year, realism: {slip: 1.5}")
    assert expansion_time(run_yaml(plant("realism: {slip: 2}", facility=own, horizon="4 years"))) == pytest.approx(
        1.5 * YEAR
    )


def test_slip_and_delay_move_announced_future_dates_only(run_yaml: Callable[..., Simulated]) -> None:
    """available_from a year ahead: slip 2 and a 3-month delay open it at 2 years + 3 months;
    an expansion that started before the start is not moved."""
    later = "        available_from: 2026-01-01"
    first = delivery_days(run_yaml(plant(facility=later, horizon="4 years")))[0]
    opened = delivery_days(run_yaml(plant("realism: {slip: 2, delay: 3 months}", facility=later, horizon="4 years")))[0]
    assert first == pytest.approx(365 + 10)
    assert opened == pytest.approx(2 * 365 + YEAR / 4 + 10)
    past = "        available_from: 2024-01-01"
    assert delivery_days(run_yaml(plant("realism: {slip: 2, delay: 3 months}", facility=past))) == delivery_days(
        run_yaml(plant(facility=past))
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_uncertain_delay_moves_the_first_hull_by_exactly_the_drawn_delay(
    run_yaml: Callable[..., Simulated], seed: int
) -> None:
    text = """
    scenario: yard
    start: 2025-01-01
    horizon: 20 years
    budgets: {navy: {appropriations: {2025: 1tn}}}
    facilities:
      barrow:
        kind: shipyard
        product: ssn
        budget: navy
        docks: 1
        hulls: 2
        first_start: 2026-01-01
        stages: [{name: build, duration: 100 days}]
        REALISM
    """
    sim = run_yaml(text.replace("REALISM", "realism: {delay: {uniform: [0 days, 400 days]}}"), seed=seed)
    delay = sim.records.draws["facilities.barrow.realism.delay"]
    assert 0 <= delay <= 400
    starts = sorted(t for t, *_ in sim.records.starts)
    assert starts[0] == pytest.approx(365 + delay, abs=1e-9)
    assert delivery_days(sim) == pytest.approx([365 + delay + 100, 365 + delay + 200], abs=1e-9)


# -- correlation --------------------------------------------------------------------------------


def slip_quantiles(correlation: str, replications: int, facilities: int = 3) -> np.ndarray:
    """Each facility's slip quantile in each replication, slip ~ uniform [1, 2] (so its
    quantile is slip − 1), drawn from the replications' own streams as a run draws them."""
    spec = ScenarioRealism.model_validate({"slip": {"uniform": [1, 2]}, "correlation": correlation})
    out = np.empty((replications, facilities))
    for r, seed_seq in enumerate(np.random.SeedSequence(7).spawn(replications)):
        realism = Realism(spec, Streams(seed_seq, {}))
        for f in range(facilities):
            out[r, f] = realism.plan("munitions_factory", f"facilities.f{f}", PlanRealism()).slip - 1.0
    return out


def test_with_correlation_one_every_facilitys_slip_quantile_is_the_same() -> None:
    u = slip_quantiles("100%", 50)
    assert np.all(u == u[:, :1])
    assert np.std(u[:, 0]) > 0.2  # (and it varies between replications: uniform's sd is 0.29)


def test_with_correlation_zero_slips_are_independent() -> None:
    """Spearman's rank correlation between two facilities over 1,000 replications: its standard
    error under independence is 1/√999 ≈ 0.032, so |ρs| < 0.1 (three standard errors) holds."""
    u = slip_quantiles("0%", 1000, facilities=2)
    rho, _ = stats.spearmanr(u[:, 0], u[:, 1])
    assert abs(rho) < 0.1
    # and each is uniform on [0, 1] (Kolmogorov-Smirnov at 1%)
    assert stats.kstest(u[:, 0], "uniform").pvalue > 0.01


def test_a_partial_correlation_gives_the_gaussian_copulas_rank_correlation() -> None:
    """ρ = 80%, each draw's correlation with the shared factor: two plans' normal scores then
    correlate by ρ² = 0.64, so Spearman's ρs = (6/π)·asin(ρ²/2) ≈ 0.621, within 0.1 over 1,000
    replications (its standard error there is about 0.02)."""
    u = slip_quantiles("80%", 1000, facilities=2)
    rho, _ = stats.spearmanr(u[:, 0], u[:, 1])
    assert rho == pytest.approx(6 / math.pi * math.asin(0.64 / 2), abs=0.1)
    assert abs(rho - 6 / math.pi * math.asin(0.8 / 2)) > 0.1  # (not ρ itself: the test can tell)


def test_a_bad_year_lowers_achieved_as_it_raises_slip() -> None:
    spec = ScenarioRealism.model_validate(
        {"slip": {"uniform": [1, 2]}, "achieved": {"uniform": ["50%", "100%"]}, "correlation": "100%"}
    )
    for seed_seq in np.random.SeedSequence(3).spawn(20):
        a = Realism(spec, Streams(seed_seq, {})).plan("shipyard", "facilities.a", PlanRealism())
        b = Realism(spec, Streams(seed_seq, {})).plan("vehicle_line", "facilities.b", PlanRealism())
        assert a == b
        assert (a.achieved - 0.5) / 0.5 == pytest.approx(1 - (a.slip - 1), abs=1e-12)


def test_adding_a_facility_leaves_the_others_realism_draws_as_they_were(run_yaml: Callable[..., Simulated]) -> None:
    realism = "realism: {slip: {uniform: [1, 2]}, achieved: {uniform: [50%, 100%]}, correlation: 50%}"
    one = run_yaml(plant(realism, facility="        available_from: 2026-01-01"), seed=4)
    two_text = (
        plant(realism, facility="        available_from: 2026-01-01")
        + """
      other: {kind: munitions_factory, product: shells, budget: army, capacity: 100 per year,
              available_from: 2026-06-01}
    """
    )
    two = run_yaml(two_text, seed=4)
    for key, value in one.records.draws.items():
        assert two.records.draws[key] == value
    assert "facilities.other.realism.slip" in two.records.draws


# -- contract lag --------------------------------------------------------------------------------


def test_contract_lag_delays_a_money_bound_plants_first_lot_by_exactly_the_lag(
    run_yaml: Callable[..., Simulated],
) -> None:
    """Money from FY2026 only, for 500 shells a year (the plant could make 3,652): every lot
    waits for money; with a six-month lag the whole run moves six months later."""
    money = "0, 2026: 500"
    now = run_yaml(plant(money=money, horizon="4 years"))
    lagged = run_yaml(plant("realism: {contract_lag: 6 months}", money=money, horizon="4 years"))
    first_now = min(t for t, _, _, amount, _ in now.records.spending if amount > 0)
    first_lagged = min(t for t, _, _, amount, _ in lagged.records.spending if amount > 0)
    assert first_now == 365.0  # (2026-01-01)
    assert first_lagged == pytest.approx(365.0 + YEAR / 2, abs=1e-9)
    kept = [t + YEAR / 2 for t in delivery_days(now) if t + YEAR / 2 < 4 * YEAR - 10]
    assert len(kept) > 10
    assert delivery_days(lagged)[: len(kept)] == pytest.approx(kept, abs=1e-9)


def test_contract_lag_moves_the_fiscal_calendar_without_a_gap_at_the_start(
    run_yaml: Callable[..., Simulated],
) -> None:
    """With a six-month lag, the money usable at a 1 January start is the year before's, for
    the half of its usable year that remains; each later year's arrives six months late."""
    sim = run_yaml(plant("realism: {contract_lag: 6 months}", money="1000, 2026: 3000", horizon="3 years"))
    days = [(t, year, amount) for t, _, year, amount in sim.records.appropriations]
    lag = YEAR / 2
    assert days[0][:2] == (0.0, 2024) and days[0][2] == pytest.approx(1000 * lag / 366)  # (FY2024: 366 days)
    assert [year for _, year, _ in days[1:]] == [2025, 2026, 2027]
    assert [t for t, _, _ in days[1:]] == pytest.approx([lag, 365 + lag, 730 + lag])
    assert [amount for *_, amount in days[1:]] == pytest.approx([1000, 3000, 3000])
    assert min(t for t, *_ in sim.records.spending) == 0.0


# -- none, calibrated, errors ----------------------------------------------------------------------


def test_realism_none_gives_identical_results_to_a_file_without_the_key(run_yaml: Callable[..., Simulated]) -> None:
    extra = """        available_from: {triangular: [2025-03-01, 2025-06-01, 2026-01-01]}
        expansions: [{name: l2, capacity: {uniform: [100 per year, 900 per year]}, start: 2026-01-01,
                      construction: 6 months}]"""
    for seed in (0, 1):
        a = run_yaml(plant(facility=extra), seed=seed)
        b = run_yaml(plant("realism: none", facility=extra), seed=seed)
        assert a.records.deliveries == b.records.deliveries
        assert a.records.spending == b.records.spending
        assert a.records.draws == b.records.draws


def test_realism_calibrated_applies_the_priors_and_a_facilitys_value_overrides_them(
    run_yaml: Callable[..., Simulated],
) -> None:
    later = "        available_from: 2026-01-01"
    sim = run_yaml(plant("realism: calibrated", facility=later, horizon="5 years"), seed=2)
    draws = sim.records.draws
    prior = priors()["munitions_factory"]
    for key in PLAN_KEYS:
        value = prior[key].value
        if isinstance(value, float):  # a fixed prior value is applied, not drawn
            assert f"facilities.plant.realism.{key}" not in draws
            continue
        assert value.low <= draws[f"facilities.plant.realism.{key}"] <= value.high
    assert any(f"facilities.plant.realism.{key}" in draws for key in PLAN_KEYS)
    lag = priors()["scenario"]["contract_lag"].value
    fy2025 = next(t for t, _, year, _ in sim.records.appropriations if year == 2025)
    assert fy2025 == pytest.approx(lag)  # (FY2025's money, from the start, after the prior's lag)
    own = run_yaml(
        plant(
            "realism: calibrated",
            facility=later + "\n        realism: {achieved: 100%, slip: 1, delay: 0 days}",
            horizon="5 years",
        ),
        seed=2,
    )
    assert not any(k.startswith("facilities.plant.realism") for k in own.records.draws)
    # `base: calibrated` with a key of the scenario's own: that key wins, the others are the prior's
    based = run_yaml(plant("realism: {base: calibrated, slip: 1}", facility=later, horizon="5 years"), seed=2)
    assert "facilities.plant.realism.slip" not in based.records.draws
    assert "facilities.plant.realism.achieved" in based.records.draws


@pytest.mark.parametrize(
    ("realism", "expected"),
    [
        ("realism: {achieved: 150}", "write '150%'"),
        ("realism: {achieved: 250%}", "at most 200%"),
        ("realism: {slipp: 1.2}", "slip"),
        ("realism: calibrate", "did you mean 'calibrated'"),
        ("realism: {slip: soon}", "multiplier"),
        ("realism: {correlation: 1.5}", "percentage"),
        ("realism: {base: history}", "calibrated"),
    ],
)
def test_bad_realism_gives_a_clear_error(load_yaml: Callable[..., object], realism: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_yaml(plant(realism))
    message = str(info.value)
    assert expected in message
    assert "realism" in message and "Traceback" not in message


def test_contract_lag_belongs_to_the_scenario_not_a_facility(load_yaml: Callable[..., object]) -> None:
    with pytest.raises(ScenarioError, match=r"facilities\.plant\.realism\.contract_lag"):
        load_yaml(plant(facility="        realism: {contract_lag: 6 months}"))


def test_every_prior_names_the_backtests_it_was_fitted_on_and_they_exist() -> None:
    table = priors()
    assert set(table) == {"scenario", *PRIOR_KINDS}
    entries = [(key, table["scenario"][key]) for key in SCENARIO_KEYS]
    entries += [(f"{kind}.{key}", table[kind][key]) for kind in PRIOR_KINDS for key in PLAN_KEYS]
    for where, prior in entries:
        assert prior.fitted_on, f"{where} names no back-test it was fitted on"
        for name in prior.fitted_on:
            assert (BACKTESTS / f"{name}.yaml").is_file(), f"{where}: no back-test {name}"
        assert prior.source.strip(), f"{where} gives no source"
