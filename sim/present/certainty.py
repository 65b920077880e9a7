"""How sure a median date is, in words: the warnings the terminal and the report print under
their target tables, from `summary.json`'s `date_p50_interval` and `clusters` (their rules and
thresholds are in `sim.metrics.confidence`)."""

from __future__ import annotations

from typing import Any

from sim.language.units import in_years
from sim.metrics.confidence import WIDE_INTERVAL_DAYS

WIDE_MONTHS = round(WIDE_INTERVAL_DAYS / 30.4375)
SUGGESTION = "run with --precision 0.05 for more replications"


def _month(iso: str | None) -> str:
    return "not reached" if iso is None else iso[:7]


def _groups(clusters: list[dict[str, Any]]) -> str:
    return ", ".join(
        f"{c['fraction']:.0%} of runs around {_month(c['date_p50'])}"
        if c["date_p50"] is not None
        else f"{c['fraction']:.0%} never reaching it"
        for c in clusters
    )


def date_warnings(target: dict[str, Any]) -> list[str]:
    """A target's warnings about its median date: an interval wider than `WIDE_MONTHS`
    months (or with a bound not reached), outcomes in separate clusters, or too few
    replications for an interval; none for a summary without the interval (an older one)."""
    if "date_p50_interval" not in target:
        return []
    name, interval, clusters = target["name"], target["date_p50_interval"], target.get("clusters")
    if target["date_reached"]["p50"] is None and (interval is None or interval[0] is None):
        return []  # not reached, and surely not: nothing to be unsure of
    out = []
    across = bool(target.get("p50_across_clusters"))
    advice = "more replications may not narrow it while it reaches across the clusters" if across else SUGGESTION
    if clusters:
        out.append(
            f"{name}: the outcomes fall into {len(clusters)} separate clusters ({_groups(clusters)}); "
            "one median date hides that: read the clusters"
        )
    if interval is None:
        out.append(f"{name}: too few replications for a 95% interval of the median date; {SUGGESTION}")
    elif interval[1] is None:
        out.append(
            f"{name}: the median date may not be reached at all (95% interval {_month(interval[0])} to "
            f"beyond the horizon); {advice}"
        )
    else:
        low, high = target["years_p50_interval"]
        if high - low > in_years(WIDE_INTERVAL_DAYS) + 1e-9:
            out.append(
                f"{name}: the median date is known only to {_month(interval[0])} – {_month(interval[1])} "
                f"(95% interval, wider than {WIDE_MONTHS} months); {advice}"
            )
    return out
