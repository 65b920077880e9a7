"""When each budget's money arrives and how much: fiscal-year tables, GDP shares, growth."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

from sim.language.schema import Budget as BudgetSpec
from sim.model.clock import Clock
from sim.model.streams import Streams


def interpolate(table: dict[int, float], year: int, growth: float = 0.0) -> float:
    """A fiscal-year table read at `year`: linear between entries, flat before the first,
    compounding `growth` after the last."""
    years = sorted(table)
    if year <= years[0]:
        return table[years[0]]
    if year >= years[-1]:
        return table[years[-1]] * (1 + growth) ** (year - years[-1])
    i = bisect_left(years, year)
    y0, y1 = years[i - 1], years[i]
    w = (year - y0) / (y1 - y0)
    return table[y0] * (1 - w) + table[y1] * w


def yearly_amount(spec: BudgetSpec, streams: Streams, path: str) -> Callable[[int], float]:
    """A function fiscal year -> appropriation, with this replication's draws fixed (each
    uncertain value of the budget at `path` from its own stream)."""
    growth = streams.value(spec.growth, f"{path}.growth")
    if spec.appropriations is not None:
        table = {y: streams.value(v, f"{path}.appropriations.{y}") for y, v in sorted(spec.appropriations.items())}
        return lambda year: interpolate(table, year, growth)
    assert spec.gdp is not None and spec.share_of_gdp is not None
    gdp = {y: streams.value(v, f"{path}.gdp.{y}") for y, v in sorted(spec.gdp.table.items())}
    share = dict(sorted(spec.share_of_gdp.items()))
    allocation = streams.value(spec.allocation, f"{path}.allocation")
    gdp_growth = spec.gdp.growth
    return lambda year: interpolate(gdp, year, gdp_growth) * interpolate(share, year) * allocation


def schedule(
    spec: BudgetSpec, clock: Clock, horizon: float, streams: Streams, path: str, lag: float = 0.0
) -> list[tuple[float, int, float]]:
    """(day, fiscal year, amount) of every appropriation within the horizon; the fiscal year
    containing the start arrives at the start, pro-rated to the part of it that remains.

    With a contract `lag`, each fiscal year's money is usable `lag` days after the year starts,
    until the next year's is: the fiscal calendar moves `lag` later. The year usable at the
    start (the one before the year containing it, if that year's money is not yet usable) arrives
    at the start, pro-rated to the part of its usable time that remains, so money flows without
    a gap at the start, as before it."""
    amount = yearly_amount(spec, streams, path)
    fy = clock.fiscal_year_of_start(spec.fiscal_year_start)
    while clock.fiscal_year_start(fy, spec.fiscal_year_start) + lag > 0.0:
        fy -= 1  # (its money is not usable yet at the start: the year before's is)
    fy_start = clock.fiscal_year_start(fy, spec.fiscal_year_start) + lag
    fy_end = clock.fiscal_year_start(fy + 1, spec.fiscal_year_start) + lag
    remaining = (fy_end - 0.0) / (fy_end - fy_start)
    out = [(0.0, fy, amount(fy) * remaining)]
    year = fy + 1
    while True:
        day = clock.fiscal_year_start(year, spec.fiscal_year_start) + lag
        if day >= horizon:
            break
        out.append((day, year, amount(year)))
        year += 1
    return out
