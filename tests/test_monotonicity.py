"""Monotone responses as a property (hypothesis, paired streams): over generated scenarios with
one product line (a munitions factory, a vehicle line or a shipyard with docks), more money
(every appropriation × (1 + c)), more capacity (a shipyard: one more dock), more supply of its
material, more people or more of its plan achieved (`realism: {achieved: 110%}`: more capacity,
a yard's shorter build times) never make a target of that line later by more than one lot (a lot for
a factory, one vehicle's build for a line, a day for a yard). Both runs of a pair use the same
seed, so the same replication streams; a target not reached counts as reached never.

When written (issue 22) this failed on more than `rate` targets, for three causes outside the
docks. A yard's hulls competed for its money (one more dock let hull 2 commit its first stage's
money before hull 1 needed its next stage's: two hulls, 1M a year, two 100-day stages at 50%,
and the first delivery moved from day 200 to day 465); a yard now serves its hulls oldest first
(`sim.model.shipyard`; `tests/test_shipyard.py` has the closed form). The other two are real
effects, not anomalies, so the generator leaves them out of the monotone property and the
tests at the end show that each exists, with its size:

- Expansions. An expansion bought `when_funded` is affordable sooner with more money, and its
  capex then takes money the line's own lots would have spent: investment competes with output
  for one budget. The line delivers less until the expansion is on line (never short by more
  than the capex's worth of units), so a target of it can come later.
- Breakdowns. Time to failure counts working time, so more money, which keeps the plant at work
  (even on a lot cut short by money), brings the failure forward in calendar time: wear. A
  failure brought into the lot that would have crossed a target delays it by the repair.

More effects are real and left out, each shown by a test at the end (the last by its twin, the material):

- A yard's `rate` target. A programme of a handful of hulls has no steady rate: its best
  12-month rate depends on how its hulls bunch. More of anything can bring its first hulls
  forward while money still holds the last, which spreads its deliveries and lowers the best
  rate it sustains (every `delivered` target comes no later).
- `stock` targets with demand. Demand not met from stock is lost, so a line that delivers
  sooner meets more of it and keeps less in stock: meeting demand competes with building stock.
- One more dock for a yard that waits for money. A yard serves its hulls oldest first, holding
  the year's money for the next stages of hulls in its docks; one more dock puts an older hull in
  a dock sooner, whose stages then take the year's money before a younger hull may start, and
  that hull waits for the next year's appropriation (found by this property after issue 27:
  5 hulls, 3 docks and money short each year: the 4th hull comes 38 days sooner, the 5th 23
  days later). Docks are then compared only where the yard never waited for money.
- A `rate` above what the line's material supply sustains. Such a rate is held only while a
  stock of the material lasts; more money draws the stock down sooner, and the 12 months the
  rate must be sustained may then no longer fit before it runs out (found by this property
  after issue 27; every `delivered` target still comes no later).
- A `rate` above what the line's money pays for in its leanest year, likewise: such a rate is
  held only while money carried over lasts, and more capacity spends it sooner (found by this
  property after the analytic clock; every `delivered` target still comes no later).

Orders (issue 27) are a demand, not a resource: a factory or vehicle line may be drawn with
orders (a quantity at the start, or a rate of call-offs), which cap what it builds to its
backlog; both runs of a pair keep the same orders (no change here adds orders), and more money,
capacity, supply or people must still never make a target later.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from conftest import Simulated, scenario_of, simulate_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.language.schema import Scenario

KINDS = ("munitions_factory", "vehicle_line", "shipyard")
CHANGES = ("money", "capacity", "supply", "workforce", "achieved")


def rounded(x: float) -> float:
    return float(round(x, 3))


@st.composite
def lines(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A scenario with one facility of `kind`, its budget, perhaps a material and a workforce
    pool, and one target of each measure (absolute thresholds: the goals do not move); no
    expansions and no breakdowns (module docstring)."""
    materials: dict[str, Any] = {}
    workforce: dict[str, Any] = {}
    years = draw(st.integers(2, 4)) if kind != "shipyard" else draw(st.integers(5, 10))
    facility: dict[str, Any] = {"kind": kind, "product": "x", "budget": "b", "priority": 0}
    uses_material, uses_people = draw(st.booleans()), draw(st.booleans())
    if kind == "shipyard":
        per_year = 1.0  # hulls a year, roughly, to scale money and targets
        stages = []
        for i in range(draw(st.integers(1, 3))):
            low = draw(st.integers(30, 300))
            duration: Any = f"{low} days"
            if draw(st.booleans()):
                duration = {"triangular": [f"{low} days", f"{low + 50} days", f"{low + 200} days"]}
            stages.append({"name": f"s{i}", "duration": duration, "dock": i == 0 or draw(st.booleans())})
        facility |= {
            "docks": draw(st.integers(1, 3)),
            "stages": stages,
            "hulls": draw(st.integers(2, 8)),
            "unit_cost": rounded(draw(st.floats(1e6, 1e8))),
            "learning": f"{draw(st.integers(85, 100))}%",
        }
        if draw(st.booleans()):
            facility["drumbeat"] = f"{draw(st.integers(30, 400))} days"
        if draw(st.booleans()):
            facility["first_start"] = draw(st.sampled_from(["2025-03-01", "2026-01-01"]))
        cost = float(facility["unit_cost"])
        if uses_material:
            stages[0]["consumes"] = {"m": 1}
        if uses_people:
            stages[-1]["workforce"] = {"w": draw(st.integers(10, 100))}
        use = 1.0
    else:
        per_year = rounded(draw(st.floats(50, 20000)))
        cost = rounded(draw(st.floats(1, 1000)))
        facility |= {
            "capacity": f"{per_year} per year",
            "unit_cost": cost,
            "ramp_up": f"{draw(st.integers(0, 300))} days",
        }
        if kind == "munitions_factory":
            facility["lot"] = f"{draw(st.sampled_from([1, 7, 14, 30]))} days"
        else:
            low = draw(st.integers(10, 300))
            facility["build_time"] = f"{low} days"
            if draw(st.booleans()):
                facility["build_time"] = {"triangular": [f"{low} days", f"{low + 20} days", f"{low + 60} days"]}
            facility["start_interval"] = f"{draw(st.sampled_from([1, 7, 30]))} days"
        use = rounded(draw(st.floats(0.01, 3)))
        if uses_material:
            facility["consumes"] = {"m": use}
        if uses_people:
            facility["workforce"] = {"w": draw(st.integers(10, 100))}
    if uses_material:
        materials["m"] = {
            "initial": rounded(use * per_year * draw(st.floats(0, 1))),
            "supply": {
                "rate": f"{rounded(use * per_year * draw(st.floats(0.1, 2)))} per year",
                "lead_time": f"{draw(st.integers(0, 90))} days",
            },
        }
        if draw(st.booleans()):  # its supply randomly disrupted
            materials["m"]["supply"]["disruptions"] = [{"mean_time_between": "150 days", "mean_duration": "30 days"}]
        if draw(st.booleans()):  # two suppliers, the first randomly disrupted, perhaps sharing an order
            main = materials["m"].pop("supply")
            main.pop("disruptions", None)
            main["disruptions"] = [{"mean_time_between": "200 days", "mean_duration": "40 days", "to": "20%"}]
            spare = {"rate": f"{rounded(use * per_year * draw(st.floats(0.05, 1)))} per year", "lead_time": "30 days"}
            materials["m"]["suppliers"] = {"main": main, "spare": spare}
            if draw(st.booleans()):
                materials["m"]["order"] = main["rate"]
                main["share"], spare["share"] = "80%", "20%"
    if uses_people:
        workforce["w"] = {
            "initial": draw(st.integers(0, 150)),
            "hiring": f"{draw(st.integers(0, 100))} per year",
            "training": f"{draw(st.integers(0, 200))} days",
        }
        if draw(st.booleans()):
            workforce["w"]["max"] = workforce["w"]["initial"] + draw(st.integers(0, 100))
    yearly = per_year * cost
    budget: dict[str, Any] = {
        "appropriations": {2025 + i: rounded(yearly * draw(st.floats(0.05, 2))) for i in range(3)},
        "carry_over": draw(st.booleans()),
        "fiscal_year_start": draw(st.sampled_from(["01-01", "04-01"])),
    }
    demand: dict[str, Any] = {}  # (left out: see the module docstring)
    scale = per_year * years
    orders: list[dict[str, Any]] = []  # a demand, held fixed in a pair (see the module docstring)
    if kind != "shipyard" and draw(st.booleans()):
        if draw(st.booleans()):
            orders.append({"customer": "b", "product": "x", "quantity": rounded(scale * draw(st.floats(0.1, 1.2)))})
        else:
            rate = rounded(per_year * draw(st.floats(0.2, 1.5)))
            orders.append({"customer": "b", "product": "x", "rate": f"{rate} per year", "until": "2028-01-01"})
    return {
        "scenario": "monotone",
        "start": "2025-01-01",
        "horizon": f"{years} years",
        "inventory": {"x": rounded(per_year * draw(st.floats(0, 0.5)))},
        "budgets": {"b": budget},
        "materials": materials,
        "workforce": workforce,
        "facilities": {"line": facility},
        "demand": demand,
        "orders": orders,
        "targets": [
            {"name": "delivered", "product": "x", "delivered": max(1.0, rounded(scale * draw(st.floats(0.05, 0.8))))},
            {"name": "rate", "product": "x", "rate": f"{rounded(per_year * draw(st.floats(0.1, 1.5)))} per year"},
            {"name": "stock", "product": "x", "stock": max(1.0, rounded(scale * draw(st.floats(0.05, 0.8))))},
            {"name": "capacity", "product": "x", "capacity": f"{rounded(per_year * draw(st.floats(0.1, 2)))} per year"},
        ],
    }


def more(data: dict[str, Any], change: str, c: float) -> dict[str, Any] | None:
    """The same scenario with `change` made larger (None if it has nothing to change)."""
    out: dict[str, Any] = {**data, "facilities": {"line": dict(data["facilities"]["line"])}}
    line = out["facilities"]["line"]
    if change == "money":
        budget = data["budgets"]["b"]
        out["budgets"] = {
            "b": {**budget, "appropriations": {y: a * (1 + c) for y, a in budget["appropriations"].items()}}
        }
    elif change == "achieved":  # (a plan that turns out better: `realism: achieved` above 100%)
        line["realism"] = {"achieved": f"{100 * (1 + c):g}%"}
    elif change == "capacity" and line["kind"] == "shipyard":
        line["docks"] += 1
    elif change == "capacity":
        line["capacity"] = f"{float(line['capacity'].split()[0]) * (1 + c)} per year"
    elif change == "supply" and "m" in data["materials"] and "suppliers" in data["materials"]["m"]:
        m = data["materials"]["m"]  # every supplier's rate (not the order: more supply, the same order)
        suppliers = {
            name: {**s, "rate": f"{float(s['rate'].split()[0]) * (1 + c)} per year"}
            for name, s in m["suppliers"].items()
        }
        out["materials"] = {"m": {**m, "suppliers": suppliers}}
    elif change == "supply" and "m" in data["materials"]:
        m = data["materials"]["m"]
        rate = float(m["supply"]["rate"].split()[0]) * (1 + c)
        out["materials"] = {"m": {**m, "supply": {**m["supply"], "rate": f"{rate} per year"}}}
    elif change == "workforce" and "w" in data["workforce"]:
        w = dict(data["workforce"]["w"])
        w["initial"] = math.ceil(w["initial"] * (1 + c))
        if "max" in w:
            w["max"] = max(w["initial"], math.ceil(w["max"] * (1 + c)))
        out["workforce"] = {"w": w}
    else:
        return None
    return out


def one_lot(scenario: Scenario) -> float:
    """Days one lot takes: a factory's lot, a line's longest vehicle build, a yard's day."""
    spec = scenario.facilities["line"]
    if spec.kind == "munitions_factory":
        return spec.lot
    if spec.kind == "vehicle_line":
        build = spec.build_time
        return float(build if isinstance(build, float) else build.high)
    return 1.0


def waited_for_money(scenario: Scenario, seed: int) -> bool:
    """Whether the line waited for money at all in one replication."""
    return simulate_scenario(scenario, seed).records.time_use[0].get("money", 0.0) > 0.0


def days(scenario: Scenario, seed: int) -> dict[str, float]:
    """Days to each target in one replication (infinity: never; NaN: reached by a span the
    horizon cut short of its `sustain`, which decides nothing, as in `rearm audit`)."""
    sim = simulate_scenario(scenario, seed)
    out = {t.name: (d if math.isfinite(d := sim.target_days(t.name)) else math.inf) for t in scenario.targets}
    for k, t in enumerate(scenario.targets):
        if sim.result.censored[k]:
            out[t.name] = math.nan
    return out


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_more_of_anything_never_makes_a_target_later_by_more_than_a_lot(kind: str, data: st.DataObject) -> None:
    base = data.draw(lines(kind), label="scenario")
    change = data.draw(st.sampled_from([c for c in CHANGES if more(base, c, 0.0) is not None]), label="change")
    larger = more(base, change, data.draw(st.sampled_from([0.1, 0.5]), label="c"))
    assert larger is not None
    seed = data.draw(st.integers(0, 3), label="seed")
    before, after = scenario_of(base), scenario_of(larger)
    lot = one_lot(before)
    was, now = days(before, seed), days(after, seed)
    if kind == "shipyard" or rate_from_a_stock(base):  # (see the module docstring)
        del was["rate"]
    if kind == "shipyard" and change == "capacity" and waited_for_money(before, seed):
        return  # one more dock lets older hulls take the year's money sooner (module docstring)
    undecided = {name for name in was if math.isnan(was[name]) or math.isnan(now[name])}
    later = {
        name: (was[name], now[name]) for name in was if name not in undecided and now[name] > was[name] + lot + 1e-6
    }
    assert not later, f"{change} made targets later (days before, after): {later}"


def per_year(text: Any) -> float:
    """'37.5 per year' -> 37.5 (the generator writes rates per year)."""
    return float(str(text).split()[0])


def rate_from_a_stock(data: dict[str, Any]) -> bool:
    """Whether the line's `rate` target is above what its material supply sustains, or what its
    money pays for in its leanest fiscal year, so that only a stock of the material or of money
    carried over lets it be reached (a real effect: see the module docstring)."""
    line = data["facilities"]["line"]
    rate = next((t["rate"] for t in data["targets"] if "rate" in t), None)
    if rate is None:
        return False
    leanest = min(data["budgets"]["b"]["appropriations"].values())
    if leanest / float(line["unit_cost"]) < per_year(rate):
        return True
    for name, use in (line.get("consumes") or {}).items():
        supply = (data["materials"][name].get("supply") or {}).get("rate")
        sustained = per_year(supply) / use if supply is not None and use > 0 else 0.0
        if sustained < per_year(rate):
            return True
    return False


# -- the real effects left out of the property: each exists, with its size ----------------
def factory(first_year: float, extra: dict[str, Any], targets: list[dict[str, Any]]) -> Scenario:
    """A plant of one shell a day in lots of 10 days at 1 a shell, paid from `first_year` in 2025
    (no carry-over) and plenty from 2026; `extra` adds to the facility."""
    return scenario_of(
        {
            "scenario": "real effects",
            "start": "2025-01-01",
            "horizon": "3 years",
            "budgets": {
                "b": {
                    "appropriations": {2025: first_year, 2026: 1e4},
                    "carry_over": False,
                    "fiscal_year_start": "01-01",
                }
            },
            "facilities": {
                "plant": {
                    "kind": "munitions_factory",
                    "product": "x",
                    "budget": "b",
                    "capacity": "365.25 per year",
                    "unit_cost": 1.0,
                    "lot": "10 days",
                    **extra,
                }
            },
            "targets": targets,
        }
    )


def deliveries(sim: Simulated) -> list[tuple[float, float]]:
    """(day, shells) of each delivery."""
    return [(t, units) for t, _, units, _, _ in sim.records.deliveries]


def made_by(sim: Simulated, day: float) -> float:
    """Shells delivered by `day`."""
    made = 0.0
    for t, units in deliveries(sim):
        made += units if t <= day else 0.0
    return made


def test_more_money_buys_an_expansion_sooner_whose_capex_the_line_pays_in_lots() -> None:
    """An expansion (one more shell a day after 400 days' construction) costing 105 is bought
    when funded. With 100 in 2025 it is not affordable until 2026, and the plant makes 100
    shells by day 100; with 110 it is bought on day 0, and the 5 left make one lot of 5. So
    more money makes "50 shells" later (day 50 to day 415, with 2026's money), the line never
    falls short of the other run by more than the capex's worth of shells (105; here 100 - 5),
    and the expansion, on line 365 days sooner, then makes up the difference and more."""
    expansion = {
        "expansions": [{"name": "more", "capacity": "365.25 per year", "capex": 105.0, "construction": "400 days"}]
    }
    target = [{"name": "fifty", "product": "x", "delivered": 50}]
    base, more_money = (simulate_scenario(factory(money, expansion, target)) for money in (100.0, 110.0))
    assert [began for _, _, began, _, _ in base.records.expansions] == [365.0]
    assert [began for _, _, began, _, _ in more_money.records.expansions] == [0.0]
    assert (base.target_days("fifty"), more_money.target_days("fifty")) == (50.0, 415.0)
    assert deliveries(more_money)[0] == (10.0, 5.0)
    days = sorted({t for run in (base, more_money) for t, _ in deliveries(run)})
    shortfall = [made_by(base, d) - made_by(more_money, d) for d in days]
    assert max(shortfall) == pytest.approx(95.0)  # 100 made with 100; 5 made with 110 - 105
    assert max(shortfall) <= 105.0  # the capex's worth of shells
    assert made_by(more_money, 2 * 365.25) > made_by(base, 2 * 365.25)  # and the expansion pays back


def test_more_money_brings_a_breakdown_forward_in_working_time() -> None:
    """Failures every 145 days of working time, repairs of 30 days (fixed draws). With 100 in
    2025 the plant works 100 days; with 105 it also works a lot cut to 5 shells (days 100-110),
    which wears it like a full lot. From 2026 (day 365) the first failure comes after 45 more
    working days (day 410) or 35 (day 400): with more money it falls in the lot of days
    395-405, which then ends on day 435, so "138 shells" moves from day 405 (140 made, before
    the failure) to day 435: later by exactly the repair."""
    breakdowns = {"breakdowns": {"mtbf": {"triangular": ["145 days"] * 3}, "mttr": {"triangular": ["30 days"] * 3}}}
    target = [{"name": "shells", "product": "x", "delivered": 138}]
    base, more_money = (simulate_scenario(factory(money, breakdowns, target)) for money in (100.0, 105.0))
    assert deliveries(base)[10:15] == [(375.0, 10.0), (385.0, 10.0), (395.0, 10.0), (405.0, 10.0), (445.0, 10.0)]
    assert deliveries(more_money)[10:15] == [(110.0, 5.0), (375.0, 10.0), (385.0, 10.0), (395.0, 10.0), (435.0, 10.0)]
    assert (base.target_days("shells"), more_money.target_days("shells")) == (405.0, 435.0)


SPREAD_HULLS: dict[str, Any] = {
    "scenario": "three hulls, material-paced",
    "start": "2025-01-01",
    "horizon": "5 years",
    "budgets": {"b": {"appropriations": {2025: 1e6, 2026: 1e6, 2027: 1e6}, "carry_over": False}},
    "materials": {"m": {"initial": 0, "supply": {"rate": "1.5 per year", "lead_time": "0 days"}}},
    "facilities": {
        "line": {
            "kind": "shipyard",
            "product": "x",
            "budget": "b",
            "docks": 1,
            "stages": [
                {"name": "s0", "duration": "30 days", "dock": True, "consumes": {"m": 1}},
                {"name": "s1", "duration": "30 days"},
                {"name": "s2", "duration": "80 days"},
            ],
            "hulls": 3,
            "unit_cost": 1e6,
            "learning": "85%",
        }
    },
    "targets": [
        {"name": "delivered", "product": "x", "delivered": 3},
        {"name": "rate", "product": "x", "rate": "1.125 per year"},
    ],
}


def test_a_yards_first_hulls_sooner_can_spread_its_deliveries_below_a_sustained_rate() -> None:
    # material for hull k arrives on day k x 243.5 (1.5 a year); more supply brings hulls 1 and 2
    # forward, while hull 3 still waits for 2027's money (2026's paid hull 2; money lapses)
    more_supply = {**SPREAD_HULLS, "materials": {"m": {"initial": 0, "supply": {"rate": "1.65 per year"}}}}
    before, after = simulate_scenario(scenario_of(SPREAD_HULLS), 0), simulate_scenario(scenario_of(more_supply), 0)
    was, now = deliveries(before), deliveries(after)
    assert len(was) == len(now) == 3
    assert all(b <= a + 1e-9 for (a, _), (b, _) in zip(was, now, strict=True))  # no hull is later
    assert now[0][0] < was[0][0] - 20 and now[-1][0] > was[-1][0] - 1  # the first 22 days sooner, the last not
    assert after.target_days("delivered") <= before.target_days("delivered") + 1e-9
    assert math.isfinite(before.target_days("rate")) and math.isnan(after.target_days("rate"))


def test_more_money_can_spend_a_stock_too_soon_for_a_rate_above_its_supply() -> None:
    # the line makes 50 a year from a material supplied at 37.5 a year (and 12.5 in stock): 43.75
    # a year is sustained only while the stock lasts. As written, money (25 in 2025) holds it back
    # and the stock carries 2026-27 at 50 a year; with 50% more money it makes 37.5 in 2025, the
    # stock is gone by 2027, and the 12-month rate falls below 43.75 before 12 months have passed
    line = {"kind": "munitions_factory", "product": "x", "budget": "b", "capacity": "50 per year",
            "unit_cost": 1.0, "lot": "1 days", "consumes": {"m": 1.0}}  # fmt: skip
    scenario = {
        "scenario": "rate from a stock",
        "start": "2025-01-01",
        "horizon": "3 years",
        "budgets": {"b": {"appropriations": {2025: 25.0, 2026: 50.0, 2027: 50.0}, "carry_over": False}},
        "materials": {"m": {"initial": 12.5, "supply": {"rate": "37.5 per year", "lead_time": "0 days"}}},
        "facilities": {"line": line},
        "targets": [
            {"name": "rate", "product": "x", "rate": "43.75 per year"},
            {"name": "delivered", "product": "x", "delivered": 75.0},
        ],
    }
    richer = {
        **scenario,
        "budgets": {"b": {**scenario["budgets"]["b"], "appropriations": {2025: 37.5, 2026: 75.0, 2027: 75.0}}},
    }
    assert rate_from_a_stock(scenario)
    before, after = simulate_scenario(scenario_of(scenario), 0), simulate_scenario(scenario_of(richer), 0)
    assert after.target_days("delivered") <= before.target_days("delivered") + 1e-9  # no later delivered
    assert math.isfinite(before.target_days("rate")) and not math.isfinite(after.target_days("rate"))


def test_a_line_that_delivers_sooner_meets_more_demand_and_keeps_less_in_stock() -> None:
    yard: dict[str, Any] = {
        "scenario": "hulls against demand",
        "start": "2025-01-01",
        "horizon": "6 years",
        "budgets": {"b": {"appropriations": {2025: 5e5, 2026: 2.5e5, 2027: 2e6}}},
        "facilities": {
            "line": {
                "kind": "shipyard",
                "product": "x",
                "budget": "b",
                "docks": 1,
                "stages": [{"name": "s0", "duration": "30 days", "dock": True}],
                "hulls": 6,
                "unit_cost": 1e6,
                "learning": "85%",
                "drumbeat": "264 days",
            }
        },
        "demand": {"x": {"rate": "0.875 per year", "from": "2025-06-01"}},
        "targets": [{"name": "stock", "product": "x", "stock": 2.625}],
    }
    richer = {**yard, "budgets": {"b": {"appropriations": {2025: 7.5e5, 2026: 3.75e5, 2027: 3e6}}}}
    before, after = simulate_scenario(scenario_of(yard), 0), simulate_scenario(scenario_of(richer), 0)
    was, now = deliveries(before), deliveries(after)
    assert len(was) == len(now) and all(b <= a + 1e-9 for (a, _), (b, _) in zip(was, now, strict=True))
    assert now[0][0] < was[0][0] - 100  # the first hull much sooner
    unmet = [sim.result.end[0, -1] for sim in (before, after)]  # (END_MEASURES: unmet demand last)
    assert unmet[1] < unmet[0] - 0.5  # more of the demand met ...
    assert math.isfinite(before.target_days("stock")) and math.isnan(after.target_days("stock"))  # ... less kept


def test_one_more_dock_lets_an_older_hull_take_the_years_money_before_a_younger_one() -> None:
    # the case the property found: five hulls, three docks, 2M, 2M and 1M in fiscal years
    # from April, 333k a stage; a fourth dock puts hull 4 in a dock at the start of fiscal 2026,
    # its stages take that year's money, and hull 5 waits for fiscal 2027's
    yard = {
        "kind": "shipyard", "product": "x", "budget": "b", "docks": 3, "hulls": 5, "unit_cost": 1e6,
        "learning": "99%",
        "stages": [
            {"name": "s0", "duration": "30 days", "dock": True},
            {"name": "s1", "duration": "192 days", "dock": True},
            {"name": "s2", "duration": {"triangular": ["176 days", "226 days", "376 days"]}, "dock": True,
             "workforce": {"w": 10}},
        ],
    }  # fmt: skip
    data = {
        "scenario": "a dock more",
        "start": "2025-01-01",
        "horizon": "6 years",
        "budgets": {
            "b": {
                "appropriations": {2025: 2e6, 2026: 2e6, 2027: 1e6},
                "carry_over": False,
                "fiscal_year_start": "04-01",
            }
        },
        "workforce": {"w": {"initial": 0, "hiring": "14 per year", "training": "0 days"}},
        "facilities": {"line": yard},
        "targets": [{"name": "four", "product": "x", "delivered": 4}, {"name": "five", "product": "x", "delivered": 5}],
    }
    more_docks = {**data, "facilities": {"line": {**yard, "docks": 4}}}
    before, after = simulate_scenario(scenario_of(data), 0), simulate_scenario(scenario_of(more_docks), 0)
    assert after.target_days("four") < before.target_days("four") - 30  # the older hull, sooner
    assert after.target_days("five") > before.target_days("five") + 10  # the younger, later
    waited = [s.records.time_use[0].get("money", 0.0) for s in (before, after)]
    assert waited[1] > waited[0]  # for the year's money
    spent = [sum(r[3] for r in s.records.spending) for s in (before, after)]
    assert spent[0] == pytest.approx(spent[1], rel=1e-12)  # the same money, in another order
