"""Nations and who pays: a nation's core and related spending paths as shares of its GDP,
budgets drawing an allocation of them, facilities paid from several budgets in shares, and
expansions paid from a budget of their own."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import Simulated, simulate_scenario

from sim.errors import ScenarioError
from sim.language.load import LoadedScenario
from sim.metrics.summary import summarise
from sim.model.replication import simulate
from sim.studies.replications import replication_seed

G, GROWTH, CORE, RELATED, RATE = 2.5e12, 0.015, 0.021, 0.008, 1.17

NATION = f"""
scenario: nations
start: 2025-01-01
horizon: 6 years
currency: EUR
nations:
  uk:
    gdp: {{2025: {G:.0f}, growth: {GROWTH:.1%}}}
    currency: GBP
    exchange_rate: {RATE}
    core: {{2025: {CORE:.1%}}}
    related: {{2025: {RELATED:.1%}}}
budgets:
  uk_munitions: {{from: {{nation: uk, path: core}}, allocation: 4%}}
  uk_related: {{from: {{nation: uk, path: related}}, allocation: {{2025: 10%, 2029: 50%}}}}
"""

#: a plant paid 70/30 by the UK's core and related budgets
PLANT = """
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: {uk_munitions: 70%, uk_related: 30%}
    capacity: 300000 per year
    unit_cost: 4000
"""


def test_core_spending_compounds_with_gdp_and_a_budget_draws_its_allocation(
    run_yaml: Callable[..., Simulated],
) -> None:
    sim = run_yaml(NATION)
    records = sim.records
    core = {year: amount for n, path, year, amount in records.national if path == "core"}
    related = {year: amount for n, path, year, amount in records.national if path == "related"}
    years = sorted(core)
    assert years[:6] == list(range(2025, 2031))
    for k, year in enumerate(years):
        spending = G * (1 + GROWTH) ** k * CORE * RATE  # in euros: GDP in pounds times the rate
        assert core[year] == pytest.approx(spending, rel=1e-9)
        assert related[year] == pytest.approx(G * (1 + GROWTH) ** k * RELATED * RATE, rel=1e-9)
    by_budget: dict[int, dict[int, float]] = {0: {}, 1: {}}
    for _, b, year, amount in records.appropriations:
        by_budget[b][year] = amount
    for k, year in enumerate(years):
        assert by_budget[0][year] == pytest.approx(0.04 * core[year], rel=1e-9)
        share = 0.10 + (0.50 - 0.10) * min(k, 4) / 4  # the allocation table, read at the year
        assert by_budget[1][year] == pytest.approx(share * related[year], rel=1e-9)


def test_per_nation_money_is_conserved_and_reported(load_yaml: Callable[..., LoadedScenario]) -> None:
    loaded = load_yaml(NATION + PLANT)
    scenario = loaded.scenario
    sim = simulate_scenario(scenario)
    summary = summarise(scenario, [sim.result], {})
    uk = summary["nations"]["uk"]
    assert uk["currency"] == "GBP"
    for part in (uk, uk["core"], uk["related"]):
        assert part["spent"] <= part["appropriated"] + 1e-6
        assert part["appropriated"] == pytest.approx(part["spent"] + part["lapsed"] + part["unspent"], abs=0.05)
    appropriated = sum(a for _, _, _, a in sim.records.appropriations)
    spent = sum(a for _, _, _, a, _ in sim.records.spending)
    assert uk["appropriated"] == pytest.approx(appropriated, rel=1e-9)
    assert uk["committed"] == pytest.approx(spent, rel=1e-9)
    core_spending = sum(a for _, path, _, a in sim.records.national if path == "core")
    assert uk["core"]["spending"] == pytest.approx(core_spending, rel=1e-9)
    assert uk["core"]["reached_share"] == pytest.approx(uk["core"]["committed"] / core_spending, abs=1e-6)
    assert 0 < uk["core"]["reached_share"] <= 0.04 + 1e-9  # at most its 4% allocation reaches the plant
    assert summary["budgets"]["uk_munitions"]["from"] == [{"nation": "uk", "path": "core"}]


SPLIT = """
scenario: split
start: 2025-01-01
horizon: {years}
budgets:
  a: {{appropriations: {{2025: 1bn}}}}
  b: {{appropriations: {{2025: {b}}}}}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: {{a: 60%, b: 40%}}
    capacity: 52000 per year
    unit_cost: 1000
"""


def test_a_facility_paid_sixty_forty_draws_those_shares_of_each_lot(run_yaml: Callable[..., Simulated]) -> None:
    sim = run_yaml(SPLIT.format(years="2 years", b="1bn"))
    lots: dict[float, dict[int, float]] = {}
    for day, b, _, amount, what in sim.records.spending:
        assert what == "lot"
        lots.setdefault(day, {})[b] = amount
    starts = {day: units for day, _, units in sim.records.starts}
    assert len(lots) == len(starts) > 100
    for day, paid in lots.items():
        cost = starts[day] * 1000
        assert paid[0] == pytest.approx(0.6 * cost, rel=1e-12)
        assert paid[1] == pytest.approx(0.4 * cost, rel=1e-12)
    assert sim.records.time_use[0].get("money", 0.0) == 0.0


def test_when_one_budget_is_short_the_lot_waits_and_the_cause_names_it(run_yaml: Callable[..., Simulated]) -> None:
    # b's 4M a year pays 40% of 10M of shells: 10,000 of the 52,000 a year the plant could make
    sim = run_yaml(SPLIT.format(years="1095 days", b="4M"))
    use = sim.records.time_use[0]
    assert use["money:b"] > 0.5 * 1095  # most of its time
    assert "money:a" not in use and "money" not in use
    spent = [0.0, 0.0]
    for _, b, _, amount, _ in sim.records.spending:
        spent[b] += amount
    assert spent[1] == pytest.approx(3 * 4e6, rel=1e-9)  # b spends all it gets, no more
    assert spent[0] == pytest.approx(1.5 * spent[1], rel=1e-9)  # and a its 60 to b's 40
    made = sum(units for _, _, units in sim.records.starts)
    assert made == pytest.approx(3 * 4e6 / 0.4 / 1000, rel=1e-9)


def test_the_fast_path_declines_a_facility_paid_from_several_budgets_and_agrees(
    load_yaml: Callable[..., LoadedScenario],
) -> None:
    scenario = load_yaml(SPLIT.format(years="1095 days", b="4M")).scenario
    fast = simulate(scenario, replication_seed(0, 0), fast=True)
    plain = simulate(scenario, replication_seed(0, 0), fast=False)
    assert fast.spending == plain.spending and fast.deliveries == plain.deliveries
    assert fast.events == plain.events  # (declined: an event per lot on both paths)
    alone = load_yaml(SPLIT.format(years="1095 days", b="4M").replace("{a: 60%, b: 40%}", "a")).scenario
    ahead = simulate(alone, replication_seed(0, 0), fast=True)
    assert ahead.events < simulate(alone, replication_seed(0, 0), fast=False).events  # (one budget: it runs ahead)


EXPANDED = """
scenario: capex elsewhere
start: 2025-01-01
horizon: 4 years
budgets:
  ops: {{appropriations: {{2025: 20M}}}}
  capex: {{appropriations: {{2025: 100M}}}}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: ops
    capacity: 5000 per year
    unit_cost: 1000
    expansions:
      - {{name: line 2, capacity: 5000 per year, capex: {capex}, construction: 1 year, start: 2026-01-01{budget}}}
"""


def test_an_expansion_paid_from_a_separate_budget_leaves_the_facility_budget_untouched(
    run_yaml: Callable[..., Simulated],
) -> None:
    separate = run_yaml(EXPANDED.format(capex="50M", budget=", budget: capex"))
    free = run_yaml(EXPANDED.format(capex="0", budget=""))
    own = run_yaml(EXPANDED.format(capex="50M", budget=""))
    ops = [row for row in separate.records.spending if row[1] == 0]
    assert ops == [row for row in free.records.spending if row[1] == 0]  # as if the capex cost nothing
    assert [(b, a, w) for _, b, _, a, w in separate.records.spending if b == 1] == [(1, 50e6, "capex:line 2")]
    assert separate.records.expansions == free.records.expansions
    # paid from its own budget (20M a year), the same capex waits for money and cuts its lots
    assert own.records.expansions[0][2] > separate.records.expansions[0][2]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("budgets.uk_munitions.from.nation=ukk",), "budgets.uk_munitions.from.nation: unknown nation 'ukk'"),
        (("facilities.plant.budget={uk_munitions: 60%, uk_related: 30%}",), "must sum to 100%, got 90%"),
        (("facilities.plant.budget={uk_munitions: 60, uk_related: 40%}",), "write '60%'"),
        (("nations.uk.core={2025: 2.1}",), "write '2.1%'"),
        (("budgets.uk_munitions.from.path=extra",), "core"),
        (("budgets.uk_munitions.appropriations={2025: 1bn}",), "give one of"),
    ],
)
def test_bad_nations_and_shares_are_clear_errors(
    load_yaml: Callable[..., LoadedScenario], change: tuple[str, ...], message: str
) -> None:
    text = NATION + PLANT
    load_yaml(text)  # (valid as written)
    with pytest.raises(ScenarioError) as info:
        load_yaml(text, change)
    assert message in str(info.value)


def test_a_shipyard_is_paid_from_one_budget(load_yaml: Callable[..., LoadedScenario]) -> None:
    with pytest.raises(ScenarioError, match="a shipyard is paid from one budget"):
        load_yaml("""
        scenario: yard
        start: 2025-01-01
        horizon: 2 years
        budgets: {a: {appropriations: {2025: 1bn}}, b: {appropriations: {2025: 1bn}}}
        facilities:
          yard:
            kind: shipyard
            product: ssn
            budget: {a: 50%, b: 50%}
            docks: 1
            stages: [{name: build, duration: 365 days}]
        """)


def test_a_joint_fund_of_two_nations_is_shared_by_what_each_gave(load_yaml: Callable[..., LoadedScenario]) -> None:
    scenario = load_yaml("""
    scenario: joint fund
    start: 2025-01-01
    horizon: 4 years
    nations:
      de: {gdp: {2025: 4tn}, core: {2025: 2%, 2028: 3.5%}}
      fr: {gdp: {2025: 3tn, growth: 1%}, core: {2025: 2%}}
    budgets:
      ammunition: {from: [{nation: de, path: core}, {nation: fr, path: core}], allocation: 1%}
    facilities:
      plant: {kind: munitions_factory, product: shell, budget: ammunition, capacity: 200000 per year, unit_cost: 4000}
    """).scenario
    sim = simulate_scenario(scenario)
    summary = summarise(scenario, [sim.result], {})
    de, fr = summary["nations"]["de"], summary["nations"]["fr"]
    years = range(2025, 2029)
    de_gave = sum(0.01 * 4e12 * (0.02 + 0.005 * k) for k, _ in enumerate(years))
    fr_gave = sum(0.01 * 3e12 * 1.01**k * 0.02 for k, _ in enumerate(years))
    assert de["appropriated"] == pytest.approx(de_gave, rel=1e-9)
    assert fr["appropriated"] == pytest.approx(fr_gave, rel=1e-9)
    spent = sum(a for _, _, _, a, _ in sim.records.spending)
    assert 0 < spent < de_gave + fr_gave  # (the plant cannot spend it all)
    assert de["committed"] == pytest.approx(spent * de_gave / (de_gave + fr_gave), rel=1e-9)
    assert de["committed"] + fr["committed"] == pytest.approx(spent, rel=1e-9)
    for nation in (de, fr):
        assert nation["spent"] <= nation["appropriated"]
        assert nation["related"]["spending"] == 0 and nation["related"]["reached_share"] is None


def test_money_by_nation_is_drawn_and_tabled_from_the_summary(load_yaml: Callable[..., LoadedScenario]) -> None:
    from matplotlib.patches import Rectangle

    from sim.present.plots.data import RunData
    from sim.present.plots.nations import plot_nations
    from sim.present.report import nation_rows

    scenario = load_yaml(
        NATION
        + """
facilities:
  plant: {kind: munitions_factory, product: shell, budget: uk_munitions, capacity: 300000 per year, unit_cost: 4000}
"""
    ).scenario
    summary = {"scenario": "nations", **summarise(scenario, [simulate_scenario(scenario).result], {})}
    uk = summary["nations"]["uk"]
    fig = plot_nations(RunData(summary, {}))
    money, shares = fig.axes[0], fig.axes[1]
    widths = [p.get_width() for p in money.patches if isinstance(p, Rectangle)]
    assert widths == pytest.approx([uk["appropriated"] / 1e9, uk["committed"] / 1e9])  # (in bn)
    assert [p.get_width() for p in shares.patches] == pytest.approx(
        [uk["core"]["reached_share"], uk["related"]["reached_share"] or 0.0]
    )
    row = nation_rows(summary["nations"])[0]
    assert row[0] == "uk" and row[4] == f"{uk['committed'] / 1e9:,.2f}bn"
    assert row[8] == "0.00%"  # (a related budget with nothing to pay for commits nothing)
