"""`rearm run --precision F`: add replications until every target's median date is known to
within ±F of its value (95% confidence), or a cap is reached.

The confidence interval of a median is the distribution-free one from order statistics
(`scipy.stats.quantile_test`); a replication that never reaches a target counts as later than
any that does. A target whose whole interval lies beyond the horizon is settled too ("the
median is not reached"). Replications are always 0..N-1, so the result equals `rearm run
--replications N` with the same seed.

A target whose outcomes fall into separate clusters (`sim.metrics.confidence.clusters`), with
its median's interval reaching across the gap between two, settles only once the share of runs
below that gap is known to lie on one side of one half: about z²·p(1−p)/(p−½)² replications at
the share p seen so far (z = 1.96). Where that is more than the cap (a split near half and half
never settles) the run stops after that round instead of running to the cap, names the targets
and their clusters, and is written as it is (exit 0): the clusters, not one median, are the
answer there.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import UsageError
from sim.language.limits import allowed_replications, check_replications
from sim.language.load import LoadedScenario
from sim.language.units import in_years
from sim.metrics.confidence import CONFIDENCE, Cluster, clusters, median_bounds, straddles
from sim.metrics.replication import ReplicationResult, month_grid
from sim.metrics.summary import timeline_rows
from sim.studies.executors import make_executor
from sim.studies.goals import fix_goals
from sim.studies.replications import Progress, iter_replications
from sim.studies.run import RunResult, run_summary

GROWTH = 1.5
Z95 = 1.959964  # the normal quantile of a two-sided 95% interval
DEFAULT_FIRST = 20
DEFAULT_CAP = 10_000


@dataclass(frozen=True)
class MedianInterval:
    """A target's median years to reach and its 95% confidence interval (inf: not reached)."""

    name: str
    median: float
    low: float
    high: float
    fraction: float
    clusters: tuple[Cluster, ...] = ()  # in years

    @property
    def split(self) -> bool:
        """Whether the outcomes fall into clusters and the interval reaches across them."""
        return straddles(self.low, self.high, list(self.clusters))

    @property
    def to_settle(self) -> float:
        """About how many replications would put this median's interval on one side of the gap
        it straddles, at the share below that gap seen so far, p: z²·p(1−p)/(p−½)² (inf at ½);
        0 where it straddles none."""
        shares = [
            sum(c.fraction for c in self.clusters[: k + 1])
            for k in range(len(self.clusters) - 1)
            if self.low <= self.clusters[k].high and self.clusters[k + 1].low <= self.high
        ]
        if not self.split or not shares:
            return 0.0
        p = min(shares, key=lambda s: abs(s - 0.5))
        return math.inf if abs(p - 0.5) < 1e-12 else Z95**2 * p * (1 - p) / (p - 0.5) ** 2

    @property
    def half_width(self) -> float:
        """Half the interval's width, in years."""
        return (self.high - self.low) / 2

    @property
    def met(self) -> bool:
        """Whether the interval is narrow enough, or lies wholly beyond the horizon."""
        if math.isinf(self.low):
            return True
        if not (math.isfinite(self.median) and math.isfinite(self.high)):
            return False
        return self.half_width <= self.fraction * self.median + 1e-12

    def as_dict(self) -> dict[str, Any]:
        """For summary.json (None where not reached)."""

        def finite(x: float) -> float | None:
            return round(x, 6) if math.isfinite(x) else None

        return {
            "name": self.name,
            "median_years": finite(self.median),
            "ci95_years": [finite(self.low), finite(self.high)],
            "half_width_years": finite(self.half_width) if math.isfinite(self.half_width) else None,
            "met": self.met,
            "clusters_years": [finite(c.median) for c in self.clusters] if self.split else None,
        }


def median_interval(name: str, days: np.ndarray, fraction: float) -> MedianInterval:
    """The median of years to reach (NaN days: not reached), its 95% interval
    (`sim.metrics.confidence.median_bounds`) and the clusters of the outcomes (in days)."""
    median, low, high = median_bounds(np.where(np.isnan(days), np.inf, in_years(days)))
    groups = tuple(Cluster(in_years(c.median), in_years(c.low), in_years(c.high), c.fraction) for c in clusters(days))
    return MedianInterval(name, median, low, high, fraction, groups)


def split_targets(found: list[MedianInterval], cap: int) -> list[MedianInterval]:
    """The targets more replications, up to `cap`, cannot settle: outcomes in clusters, the
    median's interval across them, and at the shares seen so far more than `cap` replications
    needed to put it on one side."""
    return [i for i in found if i.split and not i.met and i.to_settle > cap]


def intervals(loaded: LoadedScenario, results: list[ReplicationResult], fraction: float) -> list[MedianInterval]:
    """One interval per target."""
    days = np.array([r.target_days for r in results]).reshape(len(results), len(loaded.scenario.targets))
    return [median_interval(t.name, days[:, k], fraction) for k, t in enumerate(loaded.scenario.targets)]


def run_to_precision(
    loaded: LoadedScenario,
    fraction: float,
    seed: int | None = None,
    jobs: int = 1,
    first: int | None = None,
    cap: int | None = None,
    progress: Progress | None = None,
) -> tuple[RunResult, list[MedianInterval]]:
    """Run 0..N-1 replications, N growing by half each round from `first` until every target's
    interval is met or N reaches `cap`; the run's summary gains a `precision` section.

    A `cap` given is checked against the limits on a run's size before anything runs (it is
    the most the run may take); the default, `DEFAULT_CAP`, is lowered to what they allow."""
    scenario = fix_goals(loaded.scenario)
    root = seed if seed is not None else scenario.seed
    if cap is None:
        cap = min(DEFAULT_CAP, max(first or DEFAULT_FIRST, allowed_replications(scenario, loaded.allow_large)))
    else:
        check_replications(scenario, cap, loaded.allow_large, "--max-replications")
    n = min(cap, first or DEFAULT_FIRST)
    check_replications(scenario, n, loaded.allow_large)
    results: list[ReplicationResult] = []
    with make_executor(jobs) as executor:
        while True:
            have = len(results)
            for batch in iter_replications(scenario, n - have, root, executor=executor, first=have, detail_of=0):
                results.extend(batch)
                if progress:
                    progress(len(batch))
            results.sort(key=lambda r: r.replication)
            found = intervals(loaded, results, fraction)
            if all(i.met for i in found) or n >= cap or split_targets(found, cap):
                break
            n = min(cap, max(n + 1, math.ceil(n * GROWTH)))
    dates, _ = month_grid(scenario.start, scenario.horizon)
    summary = run_summary(loaded, scenario, results, root, n)
    summary["precision"] = {
        "target_half_width": fraction,
        "confidence": CONFIDENCE,
        "cap": cap,
        "met": all(i.met for i in found),
        "stopped_on_clusters": [i.name for i in split_targets(found, cap)],
        "targets": [i.as_dict() for i in found],
    }
    return RunResult(loaded, root, n, results, summary, dates, timeline_rows(scenario, results, dates)), found


def precision_lines(found: list[MedianInterval], replications: int, fraction: float, cap: int) -> list[str]:
    """Readable lines: each target's median and 95% interval, and whether it is settled."""
    lines = [f"precision: median dates to ±{fraction:.1%} (95% confidence) after {replications} replications"]
    for i in found:
        if math.isinf(i.low):
            lines.append(f"  {i.name}: median not reached within the horizon (95% confident)")
            continue
        high = f"{i.high:.3f}" if math.isfinite(i.high) else "not reached"
        median = f"{i.median:.3f}" if math.isfinite(i.median) else "not reached"
        rel = f" (±{i.half_width / i.median:.1%})" if math.isfinite(i.high) and i.median > 0 else ""
        state = "met" if i.met else "NOT met"
        lines.append(f"  {i.name}: median {median} years, 95% CI {i.low:.3f} – {high}{rel}: {state}")
    for i in split_targets(found, cap):
        groups = ", ".join(
            f"{c.fraction:.0%} of runs around {c.median:.2f} years"
            if math.isfinite(c.median)
            else f"{c.fraction:.0%} never reaching it"
            for c in i.clusters
        )
        text = (
            f"stopped: {i.name}'s outcomes fall into {len(i.clusters)} clusters ({groups}); its median "
            "jumps between them and more replications would not settle it: read the clusters, not the median"
        )
        lines += textwrap.wrap(text, 100, initial_indent="  ", subsequent_indent="    ")
    return lines


@dataclass(frozen=True)
class PrecisionRun:
    """A run grown until each target's median is known to ±`fraction` (95% confidence), or
    until the cap: the run (its summary carries the intervals under `precision`) and them."""

    run: RunResult
    intervals: list[MedianInterval]
    fraction: float

    @property
    def met(self) -> bool:
        """Whether every target's interval is within the fraction asked for."""
        return all(i.met for i in self.intervals)

    def lines(self) -> list[str]:
        """Each target's median and 95% interval, as `rearm run --precision` prints them."""
        return precision_lines(
            self.intervals, self.run.replications, self.fraction, self.run.summary["precision"]["cap"]
        )


def precision(
    *,
    scenario: LoadedScenario,
    fraction: float,
    replications: int | None = None,
    max_replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
) -> PrecisionRun:
    """Replications from `replications` (default DEFAULT_FIRST) until each target's median
    date has a 95% confidence half-width under `fraction` of its value, at most
    `max_replications` (`run_to_precision`); bad bounds are a `UsageError`."""
    if not 0 < fraction < 1:
        raise UsageError(f"--precision must be a fraction between 0 and 1, such as 0.05, got {fraction:g}")
    first = replications or DEFAULT_FIRST
    if max_replications is not None and first > max_replications:
        raise UsageError(f"--replications {first} is above --max-replications {max_replications}")
    run, found = run_to_precision(scenario, fraction, seed, jobs, first, max_replications, progress)
    return PrecisionRun(run, found, fraction)
