"""A material's several suppliers (`materials.X.suppliers`): each delivers up to its rate, less
while disrupted; with shares or priorities they fill the material's `order` together.

Every disruption is known when the replication starts (a scheduled one from the scenario, a
random one drawn from its own stream up to the horizon), so the material's supply is a step
curve built once: no event, nothing the model's processes must ask. Each supplier's disruption
periods depend only on its own stream, never on its rate, so more supply is never less
(`tests/test_monotonicity.py`). A gap is filled at once by the others' spare rate, in order
(shares: as written; priorities: lowest first); what each delivers arrives its own lead time
after it is produced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.language.schema import Disruption
from sim.language.schema import Material as MaterialSpec
from sim.model.clock import Clock
from sim.model.material import Material
from sim.model.streams import Streams

DISRUPTIONS = "disruptions"  # a random disruption's times between and durations
SINGLE = "supply"  # the name a material's single `supply` has among suppliers


@dataclass(frozen=True)
class Period:
    """A disruption of one supplier: from `start` to `end` (days of its production) it delivers
    at most `fraction` of its rate."""

    start: float
    end: float
    fraction: float


@dataclass
class Source:
    """One supplier, drawn for this replication."""

    name: str
    rate: float
    lead_time: float
    share: float | None
    periods: list[Period]

    def available(self, day: float) -> float:
        """The most it can deliver on `day` (of production): its rate, cut by the deepest
        disruption under way."""
        fraction = 1.0
        for p in self.periods:
            if p.start <= day < p.end and p.fraction < fraction:
                fraction = p.fraction
        return self.rate * fraction


def draw_periods(spec: Disruption, path: str, streams: Streams, clock: Clock, horizon: float) -> list[Period]:
    """The periods of one disruption in [0, horizon): the scheduled one, or random ones with
    exponential times between them (from one's end to the next's start) and durations."""
    fraction = streams.value(spec.to, f"{path}.to")
    if spec.from_ is not None and spec.for_ is not None:
        start = streams.day(spec.from_, f"{path}.from", clock)
        end = start + streams.value(spec.for_, f"{path}.for")
        return [Period(max(start, 0.0), min(end, horizon), fraction)] if end > 0 and start < horizon else []
    assert spec.mean_time_between is not None and spec.mean_duration is not None
    between = streams.value(spec.mean_time_between, f"{path}.mean_time_between")
    lasting = streams.value(spec.mean_duration, f"{path}.mean_duration")
    rng = streams.rng(path, DISRUPTIONS)
    periods: list[Period] = []
    day = 0.0
    while True:
        day += rng.exponential(between)
        if day >= horizon:
            return periods
        end = day + rng.exponential(lasting)
        periods.append(Period(day, min(end, horizon), fraction))
        day = end


def draw_sources(spec: MaterialSpec, path: str, streams: Streams, clock: Clock, horizon: float) -> list[Source]:
    """The material's suppliers as drawn for this replication, in the order they fill a gap."""
    sources = []
    for name, s in spec.suppliers.items():
        where = f"{path}.suppliers.{name}"
        periods = [
            period
            for k, d in enumerate(s.disruptions)
            for period in draw_periods(d, f"{where}.disruptions.{k}", streams, clock, horizon)
        ]
        share = streams.value(s.share, f"{where}.share") if s.share is not None else None
        rate = streams.value(s.rate, f"{where}.rate")
        sources.append(Source(name, rate, streams.value(s.lead_time, f"{where}.lead_time"), share, periods))
    priorities = [s.priority for s in spec.suppliers.values()]
    if all(p is not None for p in priorities):
        order = sorted(range(len(sources)), key=lambda k: priorities[k] or 0)
        sources = [sources[k] for k in order]
    return sources


def deliveries(sources: list[Source], order: float | None, day: float) -> list[float]:
    """What each supplier delivers on `day` (of production): all it can without an order;
    with one, its share first (shares), then the gap filled in order up to each one's rate."""
    can = [s.available(day) for s in sources]
    if order is None:
        return can
    given = [min(c, s.share * order) if s.share is not None else 0.0 for s, c in zip(sources, can, strict=True)]
    for k, c in enumerate(can):
        gap = order - sum(given)
        if gap <= 0:
            break
        given[k] += min(c - given[k], gap)
    return given


def supply_from(
    material: Material, spec: MaterialSpec, path: str, streams: Streams, clock: Clock, horizon: float
) -> None:
    """Give `material` the step supply of its suppliers up to `horizon`, recording what each
    delivers (arrival days) and its disruption periods."""
    sources = draw_sources(spec, path, streams, clock, horizon)
    order = streams.value(spec.order, f"{path}.order") if spec.order is not None else None
    records = material.records
    for s in sources:
        for p in s.periods:
            records.disruptions.append((material.index, s.name, p.start, p.end, p.fraction))
    produced = sorted({0.0} | {t for s in sources for p in s.periods for t in (p.start, p.end) if t < horizon})
    rates = [deliveries(sources, order, day) for day in produced]
    # arrivals: supplier k's rate from production day d reaches the stock at d + its lead time
    arrivals = sorted({d + s.lead_time for s in sources for d in produced if d + s.lead_time < horizon})
    current = [0.0] * len(sources)
    for day in arrivals:
        now = [_step_value(produced, rates, day - s.lead_time, k) for k, s in enumerate(sources)]
        for k, s in enumerate(sources):
            if now[k] != current[k]:
                records.supplier_supply.append((material.index, s.name, day, now[k]))
        current = now
        total = math.fsum(now)
        if total != material.supply.total:
            material.add_supply(day, 0.0, total - material.supply.total)


def _step_value(days: list[float], rates: list[list[float]], day: float, k: int) -> float:
    """Supplier `k`'s rate on production `day` (none before the first)."""
    value = 0.0
    for d, r in zip(days, rates, strict=True):
        if d > day:
            break
        value = r[k]
    return value


def disrupt(
    material: Material, specs: list[Disruption], path: str, streams: Streams, clock: Clock, horizon: float
) -> None:
    """Give the single supply of `material` (at `path`, `materials.X.supply`) its disruptions,
    recorded as those of a supplier named `supply`."""
    if not specs:
        return
    periods = [
        p for k, d in enumerate(specs) for p in draw_periods(d, f"{path}.disruptions.{k}", streams, clock, horizon)
    ]
    for p in periods:
        material.records.disruptions.append((material.index, SINGLE, p.start, p.end, p.fraction))
    material.disrupt([(p.start, p.end, p.fraction) for p in periods])
