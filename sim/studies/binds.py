"""What binds each target, said with its source: measured by relaxing one constraint at a time
(`bottlenecks.json`'s gains), or, with no measurement, what the target's lines waited for
(their waiting shares over the run's replications), labelled as that and never as what binds.

Both are plain data a run's `summary.json` carries per target (`what_binds`, `waited_for`),
so the terminal, the report and a reader of the file say the same thing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.language.schema import Scenario

#: a relaxation gaining less than this many months does not bind (one month: the dates' grain)
MIN_GAIN_MONTHS = 1.0
#: waiting causes in words (the others, `money`, `material:X`, `workforce:X`, `docks`, as named)
CAUSE_WORDS = {"not_available": "not yet built", "ramping": "ramping up", "down": "breakdowns"}
#: waiting causes shown at most
MAX_CAUSES = 3
NOTHING_HELPS = "nothing relaxed helps: lead time"


def lines_of(scenario: Scenario) -> dict[str, list[str]]:
    """Product -> the facilities that make it (a target's lines), in the scenario's order."""
    out: dict[str, list[str]] = {}
    for name, spec in scenario.facilities.items():
        product = getattr(spec, "product", None)
        if product is not None:
            out.setdefault(str(product), []).append(name)
    return out


def programmes(scenario: Scenario) -> dict[str, str]:
    """Product -> its programme: the budget that pays most of the product's lines (the first of
    equals), else the product itself where no line has a budget."""
    out: dict[str, str] = {}
    for product, lines in lines_of(scenario).items():
        budgets = [b for b in (getattr(scenario.facilities[n], "budget", None) for n in lines) if b]
        out[product] = str(max(dict.fromkeys(budgets), key=budgets.count)) if budgets else product
    return out


def measured(gains: Sequence[Mapping[str, Any]], source: str, later_is_better: bool = False) -> dict[str, Any]:
    """What binds one target from its relaxation gains: the largest gain of at least
    `MIN_GAIN_MONTHS` ('relaxing X brings it N months earlier'), else that nothing relaxed
    helps (the target waits on lead time: building, ramping, training). For a target whose
    date is bad news (`later_is_better`: the day stocks run out) the gain is putting it off."""
    sign = -1.0 if later_is_better else 1.0
    found = [g for g in gains if g.get("months_earlier") is not None]
    top = max(found, key=lambda g: sign * float(g["months_earlier"]), default=None)
    if top is None or sign * float(top["months_earlier"]) < MIN_GAIN_MONTHS:
        text = NOTHING_HELPS if found or not gains else "not measured: every relaxed run failed"
        return {"constraint": None, "months_earlier": None, "text": text, "source": source}
    months = round(float(top["months_earlier"]), 1)
    how = f"puts it off {-months:,.1f} months" if later_is_better else f"brings it {months:,.1f} months earlier"
    text = f"relaxing {top['constraint']} {how}"
    return {"constraint": str(top["constraint"]), "months_earlier": months, "text": text, "source": source}


def waited_for(facilities: Mapping[str, Mapping[str, Any]], lines: Sequence[str]) -> dict[str, Any]:
    """What the target's `lines` (the facilities making its product) waited for: the mean of
    their waiting shares, largest first, as 'waited for: docks 12%, down 7%'."""
    chosen = [facilities[n] for n in lines if n in facilities]
    totals: dict[str, float] = {}
    for f in chosen:
        for cause, share in (f.get("waiting") or {}).items():
            totals[cause] = totals.get(cause, 0.0) + float(share or 0.0) / len(chosen)
    causes = sorted(((c, s) for c, s in totals.items() if s >= 0.005), key=lambda cs: -cs[1])[:MAX_CAUSES]
    shown = ", ".join(f"{CAUSE_WORDS.get(c, c)} {s:.0%}" for c, s in causes)
    return {
        "causes": {c: round(s, 4) for c, s in causes},
        "text": f"waited for: {shown or 'nothing (producing whenever they existed)'}",
        "source": f"waiting shares of {', '.join(lines) or 'no line'}, mean over the run's replications "
        "(not a measurement of what binds; `rearm run --bottlenecks` measures it)",
    }


def annotate(
    summary: dict[str, Any],
    lines_of: Mapping[str, Sequence[str]],
    gains: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    source: str | None = None,
    programme_of: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """`summary` with each target's `waited_for` (its product's lines in `lines_of`) and, where
    `gains` measured it, `what_binds` with `source`; with `programme_of` (product -> programme),
    its `programme` too."""
    facilities = summary.get("facilities") or {}
    targets = []
    for t in summary.get("targets") or []:
        t = {**t, "waited_for": waited_for(facilities, list(lines_of.get(t["product"], ())))}
        if programme_of is not None:
            t["programme"] = programme_of.get(t["product"], t["product"])
        if gains is not None and t["name"] in gains:
            t["what_binds"] = measured(gains[t["name"]], source or "rearm bottlenecks", t.get("measure") == "unmet")
        targets.append(t)
    return {**summary, "targets": targets}
