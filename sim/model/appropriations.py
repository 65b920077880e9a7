"""When each budget's money arrives and how much: fiscal-year tables, GDP shares, growth."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping

from sim.language.schema import Budget as BudgetSpec
from sim.language.schema import Nation
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


def nation_path(spec: Nation, path_name: str, streams: Streams, path: str) -> Callable[[int], float]:
    """A function fiscal year -> the nation at `path`'s `core` or `related` spending in the
    scenario's currency (GDP x share x exchange rate), with this replication's GDP draws fixed
    (the same for every budget drawing on the nation: each from its own stream by its path)."""
    gdp = {y: streams.value(v, f"{path}.gdp.{y}") for y, v in sorted(spec.gdp.table.items())}
    share = dict(sorted(spec.path(path_name).items()))
    gdp_growth, rate = spec.gdp.growth, spec.exchange_rate
    if not share:
        return lambda year: 0.0
    return lambda year: interpolate(gdp, year, gdp_growth) * interpolate(share, year) * rate


def _allocation(spec: BudgetSpec, streams: Streams, path: str) -> Callable[[int], float]:
    """A function fiscal year -> the budget's allocation (a share, or a table read at the year)."""
    if isinstance(spec.allocation, dict):
        table = dict(sorted(spec.allocation.items()))
        return lambda year: interpolate(table, year)
    allocation = streams.value(spec.allocation, f"{path}.allocation")
    return lambda year: allocation


def contributions(
    spec: BudgetSpec, streams: Streams, path: str, nations: Mapping[str, Nation]
) -> list[Callable[[int], float]]:
    """For each nation's path a budget draws on (`from`), a function fiscal year -> what it
    gives: the path's spending times the budget's allocation."""
    allocation = _allocation(spec, streams, path)

    def share(spending: Callable[[int], float]) -> Callable[[int], float]:
        return lambda year: spending(year) * allocation(year)

    return [
        share(nation_path(nations[source.nation], source.path, streams, f"nations.{source.nation}"))
        for source in spec.sources
    ]


def yearly_amount(
    spec: BudgetSpec, streams: Streams, path: str, nations: Mapping[str, Nation] | None = None
) -> Callable[[int], float]:
    """A function fiscal year -> appropriation, with this replication's draws fixed (each
    uncertain value of the budget at `path` from its own stream; a nation's from the nation's)."""
    growth = streams.value(spec.growth, f"{path}.growth")
    if spec.appropriations is not None:
        table = {y: streams.value(v, f"{path}.appropriations.{y}") for y, v in sorted(spec.appropriations.items())}
        return lambda year: interpolate(table, year, growth)
    allocation = _allocation(spec, streams, path)
    if spec.from_ is not None:
        assert nations is not None  # (each source's nation checked with the references)
        drawn = contributions(spec, streams, path, nations)
        if len(drawn) == 1:
            return drawn[0]
        return lambda year: sum(amount(year) for amount in drawn)
    assert spec.gdp is not None and spec.share_of_gdp is not None
    gdp = {y: streams.value(v, f"{path}.gdp.{y}") for y, v in sorted(spec.gdp.table.items())}
    share = dict(sorted(spec.share_of_gdp.items()))
    gdp_growth = spec.gdp.growth
    return lambda year: interpolate(gdp, year, gdp_growth) * interpolate(share, year) * allocation(year)


def schedule(
    spec: BudgetSpec,
    clock: Clock,
    horizon: float,
    streams: Streams,
    path: str,
    lag: float = 0.0,
    nations: Mapping[str, Nation] | None = None,
) -> list[tuple[float, int, float]]:
    """(day, fiscal year, amount) of every appropriation within the horizon; the fiscal year
    containing the start arrives at the start, pro-rated to the part of it that remains.

    With a contract `lag`, each fiscal year's money is usable `lag` days after the year starts,
    until the next year's is: the fiscal calendar moves `lag` later. The year usable at the
    start (the one before the year containing it, if that year's money is not yet usable) arrives
    at the start, pro-rated to the part of its usable time that remains, so money flows without
    a gap at the start, as before it."""
    return fiscal_years(yearly_amount(spec, streams, path, nations), spec.fiscal_year_start, clock, horizon, lag)


def fiscal_years(
    amount: Callable[[int], float], year_start: tuple[int, int], clock: Clock, horizon: float, lag: float = 0.0
) -> list[tuple[float, int, float]]:
    """`schedule` of the yearly amounts `amount`, fiscal years starting on `year_start`."""
    fy = clock.fiscal_year_of_start(year_start)
    while clock.fiscal_year_start(fy, year_start) + lag > 0.0:
        fy -= 1  # (its money is not usable yet at the start: the year before's is)
    fy_start = clock.fiscal_year_start(fy, year_start) + lag
    fy_end = clock.fiscal_year_start(fy + 1, year_start) + lag
    remaining = (fy_end - 0.0) / (fy_end - fy_start)
    out = [(0.0, fy, amount(fy) * remaining)]
    year = fy + 1
    while True:
        day = clock.fiscal_year_start(year, year_start) + lag
        if day >= horizon:
            break
        out.append((day, year, amount(year)))
        year += 1
    return out
