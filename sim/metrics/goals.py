"""How a target's threshold was fixed, for `summary.json` and a study's `results.csv`: the value
to reach (per year for a rate or a capacity, as written), the base of a relative threshold and
where that base came from."""

from __future__ import annotations

from typing import Any

from sim.language.schema import Target
from sim.language.types import Relative
from sim.language.units import per_year

#: where the base of a relative threshold came from
BASELINE_WRITTEN = "baseline as written"
BASELINE_AT_START = "value at start of the scenario as written"

PER_YEAR_MEASURES = ("rate", "capacity")


def reported(target: Target, value: float | None) -> float | None:
    """A threshold or base in the target's reported unit: per year for a rate or a capacity
    (base units are per day), as is for a quantity."""
    if value is None:
        return None
    return round(per_year(value) if target.measure in PER_YEAR_MEASURES else value, 6)


def goal_report(target: Target, written: Target | None = None) -> dict[str, Any]:
    """`resolved_threshold`, `baseline` and `baseline_source` of `target` (as it ran), where
    `written` is the same target in the scenario as written (None: `target` is as written).

    A relative threshold without a base (one measured per replication, outside a run or a
    study) has neither threshold nor base to report (None)."""
    as_written = written or target
    relative = isinstance(target.threshold, Relative)
    source = None
    if relative and as_written.baseline is not None:
        source = BASELINE_WRITTEN
    elif relative and target.baseline is not None:
        source = BASELINE_AT_START
    return {
        "resolved_threshold": reported(target, target.fixed_threshold),
        "baseline": reported(target, target.baseline) if relative else None,
        "baseline_source": source,
    }
