"""One replication's detail for the pictures: stage spans, capacity and supply ramps,
expansions and money per fiscal year, reduced from its records to plain JSON-ready data.

Summaries over replications lose the shape of one history (which hull sat in which dock,
when each plant came on line); `replication0.json` keeps it for the first replication so
plots can be redrawn without simulating again.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from sim.language.schema import Scenario
from sim.language.units import per_year
from sim.records import Records


def _r(x: float, digits: int = 4) -> float:
    return round(float(x), digits)


def money_by_fiscal_year(records: Records) -> dict[str, dict[str, dict[str, float]]]:
    """Budget -> fiscal year -> appropriated, committed and lapsed money.

    A fiscal year runs from its appropriation to the next; money lapsing at a year's end
    (booked on the next year's first day) belongs to the year that ended."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for b, name in enumerate(records.budgets):
        rows = sorted((day, year, amount) for day, bb, year, amount in records.appropriations if bb == b)
        days = [day for day, _, _ in rows]
        years = {year: {"appropriated": 0.0, "committed": 0.0, "lapsed": 0.0} for _, year, _ in rows}
        for _, year, amount in rows:
            years[year]["appropriated"] += amount
        if rows:
            for day, bb, _, amount, _ in records.spending:
                if bb == b:
                    years[rows[max(0, bisect_right(days, day) - 1)][1]]["committed"] += amount
            for day, bb, amount in records.lapses:
                if bb == b:
                    years[rows[max(0, bisect_left(days, day) - 1)][1]]["lapsed"] += amount
        out[name] = {str(y): {k: _r(v, 2) for k, v in m.items()} for y, m in sorted(years.items())}
    return out


def replication_detail(scenario: Scenario, records: Records, replication: int) -> dict[str, Any]:
    """The JSON document `replication0.json`: days are days after the scenario's start,
    rates are per year."""
    fac, mat = records.facilities, records.materials
    return {
        "replication": replication,
        "start": scenario.start.isoformat(),
        "horizon_days": _r(scenario.horizon),
        "currency": scenario.currency,
        "facilities": {
            name: {"kind": spec.kind, "product": spec.product} for name, spec in scenario.facilities.items()
        },
        "materials": {name: {"unit": spec.unit} for name, spec in scenario.materials.items()},
        "capacity": [
            {
                "facility": fac[f],
                "product": records.products[p],
                "t0": _r(t0),
                "t1": _r(t1),
                "per_year": _r(per_year(delta)),
            }
            for f, p, t0, t1, delta in records.capacity
        ],
        "supply": [
            {"material": mat[m], "t0": _r(t0), "t1": _r(t1), "per_year": _r(per_year(delta))}
            for m, t0, t1, delta in records.supply
        ],
        **supplier_detail(records),
        "docks": [
            {"facility": fac[d[0]], "t0": _r(d[1]), "t1": _r(d[2]), "added": _r(d[3] if len(d) > 3 else 1)}
            for d in records.docks
        ],
        "expansions": [
            {"owner": owner, "name": name, "start": _r(start), "online": _r(online), "ramped": _r(ramped)}
            for owner, name, start, online, ramped in records.expansions
        ],
        "stages": [
            {"facility": fac[f], "hull": hull, "stage": stage, "dock": dock, "t0": _r(t0), "t1": _r(t1)}
            for f, hull, stage, dock, t0, t1 in records.stages
        ],
        "budgets": money_by_fiscal_year(records),
    }


def supplier_detail(records: Records) -> dict[str, Any]:
    """Each supplier's delivery steps and disruption periods (days after the start, rates per
    year), where a material has suppliers (else nothing: the document stays as it was)."""
    if not records.supplier_supply and not records.disruptions:
        return {}
    mat = records.materials
    return {
        "suppliers": [
            {"material": mat[m], "supplier": s, "from": _r(day), "per_year": _r(per_year(rate))}
            for m, s, day, rate in records.supplier_supply
        ],
        "disruptions": [
            {"material": mat[m], "supplier": s, "start": _r(start), "end": _r(end), "to": _r(fraction)}
            for m, s, start, end, fraction in records.disruptions
        ],
    }
