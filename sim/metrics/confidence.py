"""How sure a median date is: its 95% confidence interval from order statistics, and whether
the replications' outcomes fall into separate clusters (where a median is no stable summary).

Both take reach times with NaN or inf for "not reached" (later than any reached value).

**Interval.** The distribution-free interval of a median: the order statistics whose ranks the
binomial distribution Bin(n, ½) puts at its 2.5% and 97.5% points (`scipy.stats.quantile_test`).
It needs at least 6 replications; with fewer there is none (NaN bounds).

**Clusters.** The reached times, sorted, split where a gap between consecutive values is

- at least `MIN_CLUSTER_GAP_DAYS` (three months: closer clusters do not matter to a plan), and
- wider than `GAP_TO_SPACING` times the mean spacing of the values next to it on either side
  (the larger of the two, over as many values as a cluster's least size): a hole in the data,
  not a thinning tail, or wider than `GAP_TO_SPREAD` times the larger interquartile range of
  the two sides;

leaving on each side at least `MIN_CLUSTER_SHARE` of the replications and `MIN_CLUSTER_RUNS`
of them. The widest such gap splits first; each side is split again the same way. The
replications that never reach the target are a cluster of their own when they are as many.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np

CONFIDENCE: Final = 0.95
#: a median's 95% interval wider than this (in days, six months) is worth a warning
WIDE_INTERVAL_DAYS: Final = 182.625
#: the least share of the replications, and the least number, that makes a cluster
MIN_CLUSTER_SHARE: Final = 0.10
MIN_CLUSTER_RUNS: Final = 5
#: a gap between clusters is at least three months wide ...
MIN_CLUSTER_GAP_DAYS: Final = 91.3125
#: ... and this many times the mean spacing of the values next to it ...
GAP_TO_SPACING: Final = 12.0
#: ... or this many times the larger interquartile range of the two sides
GAP_TO_SPREAD: Final = 2.0


def _as_times(values: np.ndarray) -> np.ndarray:
    """Reach times with NaN (not reached) as inf, as floats."""
    v = np.asarray(values, dtype=float)
    return np.where(np.isnan(v), np.inf, v)


def median_bounds(values: np.ndarray) -> tuple[float, float, float]:
    """The median of `values` (NaN or inf: not reached, later than any reached) and its 95%
    confidence interval from order statistics: (median, low, high); inf where not reached,
    NaN bounds where there are too few values for a 95% interval."""
    from scipy import stats

    times = _as_times(values)
    median = float(np.median(times)) if times.size else math.nan
    if times.size and np.all(times == times[0]):
        return median, float(times[0]), float(times[0])  # no spread: the interval is the value itself
    if times.size == 0:
        return median, math.nan, math.nan
    ci = stats.quantile_test(times, q=median if math.isfinite(median) else 0.0, p=0.5).confidence_interval(CONFIDENCE)
    return median, float(ci.low), float(ci.high)


@dataclass(frozen=True)
class Cluster:
    """One group of outcomes: its median reach time (inf: the group that never reaches the
    target), its least and greatest, and its share of the replications."""

    median: float
    low: float
    high: float
    fraction: float


def _least_size(n: int) -> int:
    return max(MIN_CLUSTER_RUNS, math.ceil(MIN_CLUSTER_SHARE * n - 1e-9))


def _iqr(values: np.ndarray) -> float:
    q75, q25 = np.percentile(values, [75, 25])
    return float(q75 - q25)


def _widest_gap(ordered: np.ndarray, least: int) -> int | None:
    """Where the widest qualifying gap of sorted finite `ordered` is (the index of the first
    value after it), or None."""
    best: tuple[float, int] | None = None
    for i in range(least, ordered.size - least + 1):
        gap = float(ordered[i] - ordered[i - 1])
        if gap < MIN_CLUSTER_GAP_DAYS:
            continue
        spacing = max(
            (ordered[i - 1] - ordered[i - least]) / (least - 1), (ordered[i + least - 1] - ordered[i]) / (least - 1)
        )
        if best is not None and gap <= best[0]:
            continue
        if gap > GAP_TO_SPACING * spacing or gap > GAP_TO_SPREAD * max(_iqr(ordered[:i]), _iqr(ordered[i:])):
            best = (gap, i)
    return None if best is None else best[1]


def _split(ordered: np.ndarray, least: int) -> list[np.ndarray]:
    cut = _widest_gap(ordered, least)
    if cut is None:
        return [ordered]
    return _split(ordered[:cut], least) + _split(ordered[cut:], least)


def clusters(values: np.ndarray) -> list[Cluster]:
    """The separate clusters the outcomes fall into, earliest first (the module's rule); one
    cluster (or none, without values) where they do not separate."""
    times = _as_times(values)
    n = times.size
    if n == 0:
        return []
    least = _least_size(n)
    reached = np.sort(times[np.isfinite(times)])
    unreached = n - reached.size
    groups = _split(reached, least) if reached.size >= 2 * least else [reached]
    found = [Cluster(float(np.median(g)), float(g[0]), float(g[-1]), g.size / n) for g in groups if g.size]
    if unreached and (unreached >= least and reached.size >= least or not found):
        found.append(Cluster(math.inf, math.inf, math.inf, unreached / n))
    elif unreached:  # too few never reaching it to be a cluster of their own: with the latest
        last = found[-1]
        found[-1] = Cluster(last.median, last.low, math.inf, last.fraction + unreached / n)
    return found


def straddles(low: float, high: float, found: list[Cluster]) -> bool:
    """Whether an interval (of a median) reaches from one cluster into another: then the
    median jumps between them as replications are added, and more of them may never settle it."""
    if len(found) < 2 or math.isnan(low) or math.isnan(high):
        return False
    inside = [k for k, c in enumerate(found) if c.low <= high and low <= c.high]
    between = [k for k in range(len(found) - 1) if low <= found[k].high and found[k + 1].low <= high]
    return len(inside) > 1 or bool(between)
