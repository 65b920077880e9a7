"""Comparing scenarios run on the same seeds (common random numbers): each target's dates side
by side, and the probability that one scenario reaches it before another.

Replication r of every scenario uses the same random streams, so the paired comparison of
replication r's dates measures the scenarios' difference rather than sampling noise. A run
that never reaches a target counts as later than any that does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.language.calendar import Clock
from sim.language.units import in_years
from sim.metrics.summary import PERCENTILES, percentile_unreached_last


def _date(start: dt.date, years: float | None) -> str | None:
    return None if years is None else Clock(start).date_after_years(years).isoformat()


def deadline(start: dt.date, by: dt.date | None, years: np.ndarray) -> dict[str, Any]:
    """A target's deadline and the share of `years` (NaN: not reached) that meet it."""
    if by is None:
        return {"by": None, "on_time_probability": None}
    limit = in_years(Clock(start).day_of(by))
    met = np.isfinite(years) & (np.nan_to_num(years, nan=np.inf) <= limit + 1e-9)
    return {"by": by.isoformat(), "on_time_probability": round(float(met.mean()), 6) if years.size else None}


def earlier_probability(a: np.ndarray, b: np.ndarray) -> float | None:
    """Share of paired replications in which `a` reaches the target strictly before `b`
    (NaN = not reached = later than any date); None when there is no pair to compare."""
    if a.size == 0:
        return None
    aa, bb = np.where(np.isnan(a), np.inf, a), np.where(np.isnan(b), np.inf, b)
    return round(float(np.mean(aa < bb)), 6)  # inf < inf is False: both unreached is no win


def comparison(
    labels: Sequence[str],
    starts: Sequence[dt.date],
    targets: Sequence[str],
    years: np.ndarray,
    has_target: np.ndarray,
    failed: np.ndarray,
    goals: Sequence[dict[str, tuple[str, dt.date | None]]] | None = None,
) -> dict[str, Any]:
    """`compare.json` body: per target, each scenario's years and dates (p10, p50, p90) and
    reached share, and for every ordered pair the probability the first is earlier.

    `years`: scenarios × replications × targets (NaN: not reached); `has_target`: scenarios ×
    targets; `failed`: scenarios × replications (failed runs are left out of every figure);
    `goals`, per scenario, target -> (its product, its deadline): each entry then also gives
    the product, the deadline and the chance of being on time (for the target charts)."""
    out: dict[str, Any] = {}
    for k, target in enumerate(targets):
        per_scenario: dict[str, Any] = {}
        for i, label in enumerate(labels):
            if not has_target[i, k]:
                per_scenario[label] = None
                continue
            col = years[i, ~failed[i], k]
            pct = {name: percentile_unreached_last(col, q) for name, q in PERCENTILES}
            per_scenario[label] = {
                "years_to_reach": {n: None if v is None else round(v, 6) for n, v in pct.items()},
                "date_reached": {n: _date(starts[i], v) for n, v in pct.items()},
                "reached_fraction": round(float(np.isfinite(col).mean()), 6) if col.size else None,
            }
            if goals is not None and target in goals[i]:
                product, by = goals[i][target]
                per_scenario[label].update(product=product, **deadline(starts[i], by, col))
        pairs = []
        for i, first in enumerate(labels):
            for j, second in enumerate(labels):
                if i == j or not (has_target[i, k] and has_target[j, k]):
                    continue
                keep = ~(failed[i] | failed[j])
                pairs.append(
                    {
                        "first": first,
                        "second": second,
                        "probability_first_earlier": earlier_probability(years[i, keep, k], years[j, keep, k]),
                    }
                )
        out[target] = {"scenarios": per_scenario, "earlier": pairs}
    return out
