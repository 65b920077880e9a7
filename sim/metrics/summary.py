"""Summaries over replications: percentiles of target dates, end-of-horizon measures, money
and time use, laid out exactly as `summary.json` and `timeline.csv` promise."""

from __future__ import annotations

import datetime as dt
import math
from itertools import product
from typing import Any

import numpy as np

from sim.language.calendar import Clock
from sim.language.schema import Scenario
from sim.language.types import DaysOfDemand, Relative
from sim.language.units import in_years, per_year
from sim.metrics.confidence import clusters, median_bounds, straddles
from sim.metrics.goals import goal_report
from sim.metrics.money import budget_money, nation_money
from sim.metrics.orders import CUSTOMER_MEASURES, LINE_SERIES
from sim.metrics.replication import END_MEASURES, TIMELINE_MEASURES, ReplicationResult
from sim.metrics.supply import mean_use

PERCENTILES = (("p10", 0.10), ("p50", 0.50), ("p90", 0.90))


def percentile_unreached_last(values: np.ndarray, q: float) -> float | None:
    """The q-quantile where NaN (not reached) counts as later than any reached value;
    None when the quantile falls among the unreached."""
    n = values.size
    if n == 0:
        return None
    ordered = np.sort(np.where(np.isnan(values), np.inf, values))
    reached = int(np.isfinite(ordered).sum())
    if reached / n < q - 1e-12 or reached == 0:
        return None
    pos = q * (n - 1)
    lo, hi = int(math.floor(pos)), int(math.ceil(pos))
    if not np.isfinite(ordered[hi]):
        return float(ordered[lo])
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


def _round(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(float(x), digits)


def distribution(values: np.ndarray) -> dict[str, float | None]:
    """p10, p50, p90 and mean of finite values (all replications reach them)."""
    out: dict[str, float | None] = {k: _round(float(np.percentile(values, q * 100))) for k, q in PERCENTILES}
    out["mean"] = _round(float(np.mean(values)))
    return out


def _threshold(value: Any) -> Any:
    if isinstance(value, Relative):
        return f"{value.factor:g}x"
    if isinstance(value, DaysOfDemand):
        return f"{value.days:g} days of demand"
    return value


def target_summary(
    scenario: Scenario, results: list[ReplicationResult], written: Scenario | None = None
) -> list[dict[str, Any]]:
    """Per target: years and dates to reach it, share reaching it (and share whose span the
    horizon cut short of its `sustain`), chance of meeting the deadline, and its threshold as
    resolved (`written`: the scenario as written, where `scenario` is it with its goals fixed)."""
    days = np.array([r.target_days for r in results]).reshape(len(results), len(scenario.targets))
    censored = np.array([r.censored for r in results], dtype=bool).reshape(days.shape)
    clock = Clock(scenario.start)
    out = []
    for i, target in enumerate(scenario.targets):
        col = days[:, i]
        years = {k: percentile_unreached_last(col, q) for k, q in PERCENTILES}
        reached = np.isfinite(col)
        threshold = _threshold(target.threshold)
        if isinstance(threshold, float) and target.measure in ("rate", "capacity"):
            threshold = per_year(threshold)
        deadline = None
        on_time = None
        if target.by is not None:
            deadline = clock.day_of(target.by)
            on_time = _round(float(np.mean(reached & (col <= deadline + 1e-9))))
        out.append(
            {
                "name": target.name,
                "product": target.product,
                "measure": target.measure,
                # (whose deliveries it reads, where it names a customer or a nation)
                **({"customer": target.customer} if target.customer is not None else {}),
                **({"nation": target.nation} if target.nation is not None else {}),
                "threshold": _round(threshold) if isinstance(threshold, float) else threshold,
                "by": target.by.isoformat() if target.by else None,
                "sustain_days": _round(target.sustain_days),
                "years_to_reach": {
                    **{k: _round(in_years(v) if v is not None else None) for k, v in years.items()},
                    "mean": _round(in_years(float(np.mean(col)))) if reached.all() else None,
                },
                "date_reached": {k: clock.iso_date_of(v) for k, v in years.items()},
                "reached_fraction": _round(float(reached.mean())),
                "censored_fraction": _round(float(censored[:, i].mean())),
                "on_time_probability": on_time,
                **goal_report(target, written.targets[i] if written is not None else None),
                **median_certainty(clock, col),
            }
        )
    return out


def median_certainty(clock: Clock, days: np.ndarray) -> dict[str, Any]:
    """How sure a target's median date is (`sim.metrics.confidence`): its 95% interval in
    years and as dates (None: a bound not reached within the horizon; the whole interval None
    with too few replications for one), and the clusters the outcomes fall into (None where
    they do not separate; `years` and `date` None for the cluster never reaching it), and whether
    the interval reaches across them (the median then jumps between them)."""
    _, low, high = median_bounds(days)
    bounds = None if math.isnan(low) or math.isnan(high) else [low, high]

    def years(day: float) -> float | None:
        return _round(in_years(day)) if math.isfinite(day) else None

    def date(day: float) -> str | None:
        return clock.iso_date_of(day) if math.isfinite(day) else None

    found = clusters(days)
    return {
        "years_p50_interval": None if bounds is None else [years(d) for d in bounds],
        "date_p50_interval": None if bounds is None else [date(d) for d in bounds],
        "clusters": None
        if len(found) < 2
        else [
            {"years_p50": years(c.median), "date_p50": date(c.median), "fraction": _round(c.fraction)} for c in found
        ],
        "p50_across_clusters": straddles(low, high, found),
    }


def summarise(
    scenario: Scenario, results: list[ReplicationResult], provenance: dict[str, Any], written: Scenario | None = None
) -> dict[str, Any]:
    """The whole `summary.json` document (`written`: the scenario as written, where `scenario`
    is it with its goals fixed)."""
    products: dict[str, Any] = {}
    end = np.array([r.end for r in results])
    for p, name in enumerate(scenario.products):
        products[name] = {m: distribution(end[:, p, j]) for j, m in enumerate(END_MEASURES)}
    budgets: dict[str, Any] = {}
    money = np.array([r.budgets for r in results]).reshape(len(results), len(scenario.budgets), 3)
    extra = budget_money(scenario, money)
    for b, name in enumerate(scenario.budgets):
        budgets[name] = {
            "appropriated": _round(float(money[:, b, 0].mean()), 2),
            "spent": _round(float(money[:, b, 1].mean()), 2),
            "lapsed": _round(float(money[:, b, 2].mean()), 2),
            **extra[name],
            "appropriations": yearly_means([r.by_year[name] for r in results]),
        }
    nations = nation_money(scenario, np.array([r.national for r in results]))
    facilities: dict[str, Any] = {}
    for name in scenario.facilities:
        facilities[name] = time_shares([r.time_use.get(name, {}) for r in results])
    # (materials with suppliers or disruptions only: a scenario without keeps its summary as it was)
    fragile = any(m.suppliers or (m.supply and m.supply.disruptions) for m in scenario.materials.values())
    supply = {"materials": mean_use([r.supply for r in results])} if fragile else {}
    return {
        **provenance,
        "targets": target_summary(scenario, results, written),
        "products": products,
        "budgets": budgets,
        **({"nations": nations} if nations else {}),
        "facilities": facilities,
        "customers": customer_summary(scenario, results),
        **supply,
        "events_per_replication": _round(float(np.mean([r.events for r in results])), 1),
    }


def order_lines(scenario: Scenario) -> list[tuple[str, str]]:
    """Each (customer, product) with orders, in order of first mention (as the model records
    the lines that have call-offs: `sim.metrics.orders.lines`)."""
    return list(dict.fromkeys((o.customer, o.product) for o in scenario.orders))


def customer_summary(scenario: Scenario, results: list[ReplicationResult]) -> dict[str, Any]:
    """Per customer and product ordered: what was ordered (placed by the horizon), delivered,
    still in backlog at the horizon, and the mean wait from a call-off's placing to the delivery
    of its units (days per unit delivered; None where nothing was delivered); then the same in
    value (`*_value`: units times their order's price, in the scenario's currency, `value_in`)."""
    out: dict[str, Any] = {}
    for i, (customer, name) in enumerate(order_lines(scenario)):
        values = np.array([r.orders_end[i] for r in results])
        entry: dict[str, Any] = {}
        for j, m in enumerate(CUSTOMER_MEASURES):
            column = values[:, j]
            finite = column[np.isfinite(column)]
            entry[m] = distribution(finite) if finite.size else None
        entry["value_in"] = scenario.currency
        out.setdefault(customer, {})[name] = entry
    return out


def yearly_means(by_year: list[dict[int, float]]) -> dict[str, float | None]:
    """Per fiscal year (as text, in order), the mean over replications of what it was
    appropriated (0 in a replication without it)."""
    years = sorted({y for amounts in by_year for y in amounts})
    if not years:
        return {}
    table = np.array([[amounts.get(y, 0.0) for amounts in by_year] for y in years], dtype=float)
    means = table.reshape(len(years), len(by_year)).mean(axis=1)  # each row as np.mean of its list
    return {str(y): _round(m, 2) for y, m in zip(years, means.tolist(), strict=True)}


def time_shares(uses: list[dict[str, float]]) -> dict[str, Any]:
    """Utilisation and waiting shares of one facility, averaged over replications, and the
    p10/p50/p90 over replications of each cause's share (producing included), which the
    waiting figure draws.

    Shares are of the facility's booked time; utilisation is the producing share of the
    time after the facility became available. Replications with no booked time count as
    zero; sums run in replication order."""
    causes = sorted({c for u in uses for c in u})
    n = len(uses)
    total = np.array([sum(use.values()) for use in uses], dtype=float)
    booked = np.array([[use.get(c, 0.0) for c in causes] for use in uses], dtype=float).reshape(n, len(causes))
    counted = total > 0
    shares = _running_sum(np.where(counted[:, None], booked / np.where(counted, total, 1.0)[:, None] / n, 0.0))
    existing = total - booked[:, causes.index("not_available")] if "not_available" in causes else total
    producing = booked[:, causes.index("producing")] if "producing" in causes else np.zeros(n)
    busy = counted & (existing > 0)
    utilisation = float(_running_sum(np.where(busy, producing / np.where(busy, existing, 1.0) / n, 0.0)))
    per_run = np.where(counted[:, None], booked / np.where(counted, total, 1.0)[:, None], 0.0)
    spread = np.percentile(per_run, [10, 50, 90], axis=0) if n else np.zeros((3, len(causes)))
    return {
        "utilisation": _round(utilisation),
        "waiting": {c: _round(v) for c, v in zip(causes, shares.tolist(), strict=True) if c != "producing"},
        "share_percentiles": {
            c: {p: _round(float(v)) for p, v in zip(("p10", "p50", "p90"), spread[:, j], strict=True)}
            for j, c in enumerate(causes)
        },
    }


def _running_sum(rows: np.ndarray) -> np.ndarray:
    """`rows` summed along the first axis one after another, as a loop adds them (to the bit:
    `np.sum` adds pairwise); zeros when there are none."""
    return np.add.accumulate(rows, axis=0)[-1] if len(rows) else np.zeros(rows.shape[1:])


def timeline_rows(
    scenario: Scenario, results: list[ReplicationResult], dates: list[dt.date]
) -> list[tuple[str, str, str, float, float, float, float, str]]:
    """`timeline.csv` rows: date, product, measure, p10, p50, p90, mean, customer (empty: the
    product's own measures; a customer: its deliveries and backlog of the product, in units and
    in value, `LINE_SERIES`)."""
    stack = np.array([r.timeline for r in results])  # reps × products × measures × months
    cells = np.concatenate((np.percentile(stack, [10, 50, 90], axis=0), stack.mean(axis=0)[None]))
    values = cells.transpose(3, 1, 2, 0).reshape(-1, 4).tolist()  # by month, product, measure: p10, p50, p90, mean
    keys = product([d.isoformat() for d in dates], scenario.products, TIMELINE_MEASURES)
    rows = [
        (date, name, measure, round(p10, 4), round(p50, 4), round(p90, 4), round(mean, 4), "")
        for (date, name, measure), (p10, p50, p90, mean) in zip(keys, values, strict=True)
    ]
    lines = order_lines(scenario)
    if not lines or not results or results[0].orders_timeline.shape[0] != len(lines):
        return rows
    stack = np.array([r.orders_timeline for r in results])  # reps × lines × LINE_SERIES × months
    cells = np.concatenate((np.percentile(stack, [10, 50, 90], axis=0), stack.mean(axis=0)[None]))
    values = cells.transpose(3, 1, 2, 0).reshape(-1, 4).tolist()
    line_keys = product([d.isoformat() for d in dates], lines, LINE_SERIES)
    rows += [
        (date, name, measure, round(p10, 4), round(p50, 4), round(p90, 4), round(mean, 4), customer)
        for (date, (customer, name), measure), (p10, p50, p90, mean) in zip(line_keys, values, strict=True)
    ]
    return rows
