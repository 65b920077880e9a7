"""What a material's suppliers delivered, how long each was disrupted, and the waiting the
material caused (`materials.X.suppliers`): per replication from its records, and their means
over replications for `summary.json`."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.records import Records, ramps_integral


def supplier_use(records: Records, horizon: float) -> dict[str, dict[str, Any]]:
    """Per material with suppliers or a disrupted supply: each supplier's (or the supply's)
    deliveries arrived by the horizon and its
    days of disruption (overlapping periods counted once), and the days facilities waited for
    the material (summed over facilities)."""
    out: dict[str, dict[str, Any]] = {}
    steps: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for m, supplier, day, rate in records.supplier_supply:
        steps.setdefault((m, supplier), []).append((day, rate))
    periods: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for m, supplier, start, end, _ in records.disruptions:
        periods.setdefault((m, supplier), []).append((start, end))
    for key in sorted(set(steps) | set(periods), key=lambda k: k):
        m, supplier = key
        material = out.setdefault(records.materials[m], {"suppliers": {}, "waiting_days": waiting_days(records, m)})
        arrived = delivered(steps[key], horizon) if key in steps else supply_arrived(records, m, horizon)
        material["suppliers"][supplier] = {
            "delivered": arrived,
            "disrupted_days": covered_days(periods.get(key, [])),
        }
    return out


def delivered(steps: list[tuple[float, float]], horizon: float) -> float:
    """The integral to `horizon` of a step rate (each step: from its day, this rate)."""
    total = 0.0
    ordered = sorted(steps)
    for k, (day, rate) in enumerate(ordered):
        until = ordered[k + 1][0] if k + 1 < len(ordered) else horizon
        total += rate * (min(until, horizon) - day) if day < horizon else 0.0
    return total


def supply_arrived(records: Records, material: int, horizon: float) -> float:
    """What the single `supply` of `material` delivered by `horizon` (its recorded ramps)."""
    rows = [(t0, t1, d) for m, t0, t1, d in records.supply if m == material]
    if not rows:
        return 0.0
    t0, t1, d = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    return float(ramps_integral(t0, t1, d, np.array([horizon]))[0])


def covered_days(periods: list[tuple[float, float]]) -> float:
    """Days inside at least one of `periods`."""
    total, reach = 0.0, -float("inf")
    for start, end in sorted(periods):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def waiting_days(records: Records, material: int) -> float:
    """Days facilities spent waiting for `material` (cause `material:<name>`), all summed."""
    cause = f"material:{records.materials[material]}"
    return sum(causes.get(cause, 0.0) for causes in records.time_use.values())


def mean_use(uses: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """`supplier_use` of each replication averaged over replications (absent counts as 0)."""
    n = len(uses)
    out: dict[str, Any] = {}
    for use in uses:
        for material, m in use.items():
            into = out.setdefault(material, {"suppliers": {}, "waiting_days": 0.0})
            into["waiting_days"] += m["waiting_days"] / n
            for supplier, s in m["suppliers"].items():
                row = into["suppliers"].setdefault(supplier, {"delivered": 0.0, "disrupted_days": 0.0})
                row["delivered"] += s["delivered"] / n
                row["disrupted_days"] += s["disrupted_days"] / n
    return {
        material: {
            "suppliers": {s: {k: round(v, 4) for k, v in row.items()} for s, row in m["suppliers"].items()},
            "waiting_days": round(m["waiting_days"], 4),
        }
        for material, m in out.items()
    }
