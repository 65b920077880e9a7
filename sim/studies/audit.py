"""Audit: does giving the scenario more of anything ever make a target later?

For every budget, facility, material supply and workforce pool, one change gives more of it:
a budget's appropriations (or, for a budget that is GDP × share × allocation, its allocation)
× (1 + change); a factory's or vehicle line's capacity × (1 + change); a shipyard's docks + 1;
a material's supply rate × (1 + change); a workforce pool's ceiling `max` × (1 + change), or,
for a pool without one, its `hiring` (or, hiring nothing, its `initial`) × (1 + change). A
distribution is scaled item by item (a lognormal's median, not its sigma), so each draw is
the written draw scaled. Changes are made on the validated `Scenario` (`model_copy`), never by
writing text to be parsed again, on top of the shared point builder's scenario as written.

An `unmet` target (the day stocks run out) is worse when it comes sooner: for it, "later"
below reads "sooner". Component stores (`components.<product>`) link the facilities that
feed them and those that take from them.

Every change runs on the streams of the scenario as written (replication r of every point
draws from the same `SeedSequence`), so a replication that comes out more than a day later
with more is the change's own doing. Each change × target with such a replication is
classified by what links the target's own facilities (those making its product) to the
changed element:

- *anomaly*: they use it directly: its budget (or the budget paying the expansions of a
  material's supply they consume), a material they consume, a pool they draw on, their own
  or shared docks, or the facility itself; or nothing links them at all (the change reached
  the target by no path the model has, such as shared random numbers).
- *competition*: they do not use it but are linked, through a budget, material, workforce
  pool or docks they share, to facilities that do (possibly over several such links). A real
  effect a planner must know about; `shared` names the element the target's facilities share.

A case the links call an anomaly is weighed on evidence before it stands: each later
replication is run again, as written and with the change, and
- if the horizon cuts a sustained span short in either run, the replication decides nothing
  (counted as `censored`, not later);
- if one of the target's facilities waited more than a day longer for an element others share
  (a material, budget, pool or docks), or an expansion took its capex sooner from a budget the
  target's facilities draw on, it is *competition* among the target's own facilities (more
  capacity at one plant takes a scarce material from the others; more money buys an expansion
  sooner, whose capex the line's lots then lack), and `reason` says what the re-run showed;
- if it is later by no more than one lot of the target's facilities (a factory's `lot`, a
  vehicle line's `start_interval`; a day for a yard), it is *within a lot*: the lots' grid
  falls differently, as the monotone property allows (`tests/test_monotonicity.py`);
- otherwise it stays an *anomaly*.
"""

from __future__ import annotations

import math
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np

from sim import __version__
from sim.language.load import LoadedScenario
from sim.language.schema import Budget, Scenario, Shipyard
from sim.language.units import DAYS_PER_YEAR
from sim.language.values import Uncertain, Value, mean_of
from sim.metrics.replication import measure, month_days
from sim.model.replication import simulate
from sim.studies.evaluate import Point, Study, evaluate, totals_of, years_array
from sim.studies.executors import Executor, make_executor
from sim.studies.points import replaced, transformed_point
from sim.studies.replications import replication_seed
from sim.studies.run import provenance

DEFAULT_CHANGE = 0.10
#: a changed replication is later (or earlier) only by more than this many days
TOLERANCE_DAYS = 1.0

CLEAN = "clean"
COMPETITION = "competition"
ANOMALY = "anomaly"
WITHIN_A_LOT = "within a lot"
FAILED = "failed"

CSV_HEADER = (
    "change",
    "step",
    "target",
    "later",
    "earlier",
    "unchanged",
    "failed",
    "censored",
    "worst_delay_days",
    "class",
    "shared",
    "later_replications",
)

ScenarioChange = Callable[[Scenario], Scenario]


@dataclass(frozen=True)
class Change:
    """One change that gives the scenario more of one element."""

    path: str  # the changed value's dotted path, as `--set` names it
    element: str  # what it gives more of: budgets.B, facilities.F, facilities.F.docks, materials.M, workforce.W
    step: str  # "+10%" or "+1"
    apply: ScenarioChange


# -- the changes ------------------------------------------------------------------------------
def scaled(value: Value, factor: float) -> Value:
    """`value` × `factor`; a distribution item by item, so that each draw is scaled."""
    if isinstance(value, Uncertain):
        if value.kind == "lognormal":  # (median, sigma): sigma is a shape, not an amount
            return Uncertain(value.kind, (value.params[0] * factor, value.params[1]))
        return Uncertain(value.kind, tuple(p * factor for p in value.params))
    return value * factor


def _more_appropriations(name: str, factor: float, scenario: Scenario) -> Scenario:
    budget = scenario.budgets[name]
    assert budget.appropriations is not None
    table = {year: scaled(v, factor) for year, v in budget.appropriations.items()}
    return replaced(scenario, "budgets", name, {"appropriations": table})


def _more_allocation(name: str, factor: float, scenario: Scenario) -> Scenario:
    allocation = scenario.budgets[name].allocation
    more = (
        {year: share * factor for year, share in allocation.items()}
        if isinstance(allocation, dict)
        else scaled(allocation, factor)
    )
    return replaced(scenario, "budgets", name, {"allocation": more})


def _more_capacity(name: str, factor: float, scenario: Scenario) -> Scenario:
    spec = scenario.facilities[name]
    assert not isinstance(spec, Shipyard)  # factories and lines have a capacity, yards docks
    return replaced(scenario, "facilities", name, {"capacity": scaled(spec.capacity, factor)})


def _one_more_dock(name: str, scenario: Scenario) -> Scenario:
    yard = scenario.facilities[name]
    assert isinstance(yard, Shipyard) and yard.docks is not None
    return replaced(scenario, "facilities", name, {"docks": yard.docks + 1})


def _more_supply(name: str, factor: float, scenario: Scenario) -> Scenario:
    supply = scenario.materials[name].supply
    assert supply is not None
    return replaced(
        scenario, "materials", name, {"supply": supply.model_copy(update={"rate": scaled(supply.rate, factor)})}
    )


def _more_people(name: str, key: str, factor: float, scenario: Scenario) -> Scenario:
    value = getattr(scenario.workforce[name], key)
    return replaced(scenario, "workforce", name, {key: scaled(value, factor)})


def _budget_change(name: str, budget: Budget, factor: float, step: str) -> Change:
    if budget.appropriations is not None:
        return Change(
            f"budgets.{name}.appropriations", f"budgets.{name}", step, partial(_more_appropriations, name, factor)
        )
    return Change(f"budgets.{name}.allocation", f"budgets.{name}", step, partial(_more_allocation, name, factor))


def _ceiling_key(hiring: Value | None, has_max: bool) -> str:
    """Which value bounds a pool: its `max`; without one its `hiring` (it grows without end at
    that rate), or, hiring nobody, its `initial` size."""
    if has_max:
        return "max"
    if hiring is not None and mean_of(hiring) > 0:
        return "hiring"
    return "initial"


def changes(scenario: Scenario, change: float = DEFAULT_CHANGE) -> list[Change]:
    """Every change the audit makes, in the scenario's order: budgets, facilities, material
    supplies, workforce pools."""
    factor = 1.0 + change
    step = f"+{change * 100:.4g}%"
    out = [_budget_change(name, budget, factor, step) for name, budget in scenario.budgets.items()]
    for name, spec in scenario.facilities.items():
        if isinstance(spec, Shipyard):
            if spec.docks is not None:  # a yard sharing another's docks changes with that yard's
                out.append(
                    Change(f"facilities.{name}.docks", f"facilities.{name}.docks", "+1", partial(_one_more_dock, name))
                )
        else:
            out.append(
                Change(f"facilities.{name}.capacity", f"facilities.{name}", step, partial(_more_capacity, name, factor))
            )
    for name, material in scenario.materials.items():
        if material.supply is not None:
            out.append(
                Change(f"materials.{name}.supply.rate", f"materials.{name}", step, partial(_more_supply, name, factor))
            )
    for name, pool in scenario.workforce.items():
        key = _ceiling_key(pool.hiring, pool.max is not None)
        out.append(
            Change(f"workforce.{name}.{key}", f"workforce.{name}", step, partial(_more_people, name, key, factor))
        )
    return out


# -- what each facility uses --------------------------------------------------------------------
def uses(scenario: Scenario) -> dict[str, frozenset[str]]:
    """Per facility, every element it uses directly: itself, its budget, the materials it
    consumes (any stage's too) and the budget paying each one's supply expansions, the pools
    it draws on, its own or shared docks, and the component stores it takes from or feeds
    (`components.<product>`)."""
    out: dict[str, frozenset[str]] = {}
    made_from = {m for spec in scenario.facilities.values() for m in consumed(spec) if m not in scenario.materials}
    for name, spec in scenario.facilities.items():
        found = {f"facilities.{name}", *(f"budgets.{b}" for b in spec.payers)}
        materials = set(spec.consumes)
        pools = set(spec.workforce)
        if isinstance(spec, Shipyard):
            for stage in spec.stages:
                materials.update(stage.consumes)
                pools.update(stage.workforce)
            found.add(f"facilities.{spec.shares_docks_with or name}.docks")
        if spec.product in made_from:  # it feeds a component store others take from
            found.add(f"components.{spec.product}")
        for m in materials:
            if m not in scenario.materials:  # a component: the store its makers feed
                found.add(f"components.{m}")
                continue
            found.add(f"materials.{m}")
            supply = scenario.materials[m].supply if m in scenario.materials else None
            if supply is not None and supply.budget is not None:
                found.add(f"budgets.{supply.budget}")
            if supply is not None:
                found.update(f"budgets.{e.budget}" for e in supply.expansions if e.budget is not None)
        found.update(f"budgets.{e.budget}" for e in spec.expansions if e.budget is not None)
        found.update(f"workforce.{w}" for w in pools)
        out[name] = frozenset(found)
    return out


def consumed(spec: Any) -> set[str]:
    """Everything a facility's work takes, its stages' included."""
    names = set(spec.consumes)
    for stage in getattr(spec, "stages", []):
        names.update(stage.consumes)
    return names


def own_facilities(scenario: Scenario, product: str) -> list[str]:
    """The facilities making `product`."""
    return [name for name, spec in scenario.facilities.items() if spec.product == product]


def link(used: dict[str, frozenset[str]], own: Sequence[str], element: str) -> tuple[str, list[str]]:
    """How `own` facilities are tied to `element`: (ANOMALY, [element]) if one of them uses it;
    (COMPETITION, shared elements from `own` outward) if a chain of shared elements leads to a
    facility that uses it (the shortest; the first names what `own` shares); (ANOMALY, []) if
    nothing does."""
    if any(element in used[f] for f in own):
        return ANOMALY, [element]
    shared = {f: sorted(e for e in used[f] if e != f"facilities.{f}") for f in used}
    # breadth first from the target's facilities over (facility -> shared element -> facility)
    came_from: dict[str, tuple[str, str] | None] = {f: None for f in own}
    queue = deque(own)
    while queue:
        facility = queue.popleft()
        for e in shared[facility]:
            for other in used:
                if other in came_from or e not in shared[other]:
                    continue
                came_from[other] = (facility, e)
                if element in used[other]:
                    path: list[str] = []
                    step: tuple[str, str] | None = came_from[other]
                    while step is not None:
                        path.append(step[1])
                        step = came_from[step[0]]
                    return COMPETITION, path[::-1]
                queue.append(other)
    return ANOMALY, []


# -- paired comparison ------------------------------------------------------------------------
@dataclass(frozen=True)
class Paired:
    """One change × target over the replications: counts, and each later replication's delay."""

    later: dict[int, float]  # replication -> days later (an unreached change counted at the horizon)
    earlier: int
    unchanged: int
    failed: int
    censored: int = 0  # later, but the horizon cut a sustained span short in one of the runs: no result

    @property
    def worst_delay_days(self) -> float | None:
        """The largest delay in days (None: no replication is later)."""
        return max(self.later.values()) if self.later else None


def paired(base: np.ndarray, changed: np.ndarray, failed: np.ndarray, horizon_days: float) -> Paired:
    """Compare days to reach per replication (NaN: not reached); `failed` marks replications
    whose base or changed run failed. Reached as written but not with the change is later;
    reached by neither is unchanged."""
    later: dict[int, float] = {}
    earlier = unchanged = broken = 0
    for r, (b, c) in enumerate(zip(base, changed, strict=True)):
        if failed[r]:
            broken += 1
        elif math.isnan(b) and math.isnan(c):
            unchanged += 1
        elif math.isnan(c):
            later[r] = max(horizon_days - b, 0.0)
        elif math.isnan(b):
            earlier += 1
        elif c - b > TOLERANCE_DAYS:
            later[r] = c - b
        elif b - c > TOLERANCE_DAYS:
            earlier += 1
        else:
            unchanged += 1
    return Paired(later, earlier, unchanged, broken)


# -- evidence: what the later replications waited for ---------------------------------------------
#: more waiting than this (days of booked time) for a shared element is evidence of competition
EVIDENCE_DAYS = 1.0


def sharers(scenario: Scenario) -> dict[str, int]:
    """Per element (a budget, material, pool or docks), how many things use it: facilities, and
    for a budget also every expansion whose capex it pays (a facility's own expansion competes
    with its lots for their budget)."""
    count: dict[str, int] = {}
    for name, found in uses(scenario).items():
        for element in found - {f"facilities.{name}"}:
            count[element] = count.get(element, 0) + 1
    for owner, spec in scenario.facilities.items():
        for expansion in spec.expansions:
            key = _expansion_budget(scenario, owner, expansion.name)
            count[str(key)] = count.get(str(key), 0) + 1
    for owner, material in scenario.materials.items():
        for expansion in material.supply.expansions if material.supply is not None else []:
            key = _expansion_budget(scenario, owner, expansion.name)
            if key is not None:
                count[key] = count.get(key, 0) + 1
    return count


def waited_for(scenario: Scenario, facility: str, cause: str) -> str | None:
    """The element a facility's waiting cause names (`money` is its budget; `docks` its own or
    shared docks), or None for a cause that is no input (ramping, down, not available)."""
    spec = scenario.facilities[facility]
    if cause == "money":
        return f"budgets.{next(iter(spec.payers))}"
    if cause == "docks" and isinstance(spec, Shipyard):
        return f"facilities.{spec.shares_docks_with or facility}.docks"
    kind, _, name = cause.partition(":")
    causes = {"material": "materials", "component": "components", "workforce": "workforce", "money": "budgets"}
    return f"{causes[kind]}.{name}" if kind in causes else None


@dataclass(frozen=True)
class Evidence:
    """What one later replication shows: the horizon cut a span short (not a result), or more
    waiting for a shared element (competition), or an expansion paid sooner (competition for
    its budget), or nothing that explains it."""

    censored: bool
    shared: str | None = None
    note: str = ""


def replication_evidence(
    base: Scenario, changed: Scenario, seed: int, replication: int, target: int, own: Sequence[str]
) -> Evidence:
    """Re-run one replication as written and with the change (the same streams) and look at
    why the target came later."""
    runs = []
    for s in (base, changed):
        records = simulate(s, replication_seed(seed, replication))
        runs.append((records, measure(s, records, replication, month_days(s.start, s.horizon))))
    (base_records, before), (changed_records, after) = runs
    if before.censored[target] or after.censored[target]:
        return Evidence(True, note="the horizon cuts the sustained span short in one of the two runs")
    count = sharers(base)
    grown: list[tuple[float, str, str]] = []
    for facility in own:
        was, now = before.time_use.get(facility, {}), after.time_use.get(facility, {})
        for cause in set(was) | set(now):
            element = waited_for(base, facility, cause)
            more = now.get(cause, 0.0) - was.get(cause, 0.0)
            if element is not None and count.get(element, 0) > 1 and more > EVIDENCE_DAYS:
                grown.append((more, element, facility))
    if grown:
        more, element, facility = max(grown)
        return Evidence(False, element, f"{facility} waited {more:.0f} more days for {element}, which others share")
    used = uses(base)
    drawn_on = set().union(*(used[f] for f in own))  # what the target's facilities use
    began = {(owner, name): day for owner, name, day, _, _ in base_records.expansions}
    for owner, name, day, _, _ in changed_records.expansions:
        first = began.get((owner, name), math.inf)
        budget = _expansion_budget(base, owner, name)
        if budget in drawn_on and first - day > EVIDENCE_DAYS:
            when = "it never started as written" if math.isinf(first) else f"{first - day:.0f} days sooner"
            note = f"expansion {name!r} of {owner} took its capex from {budget} on day {day:.0f} ({when})"
            return Evidence(False, budget, note)
    return Evidence(False)


def _expansion_budget(scenario: Scenario, owner: str, name: str) -> str | None:
    """The budget paying the capex of the expansion `name` of `owner` (a facility, or a
    material's supply): its own `budget`, else its owner's."""
    facility = scenario.facilities.get(owner)
    supply = scenario.materials[owner].supply if facility is None and owner in scenario.materials else None
    expansions = facility.expansions if facility is not None else supply.expansions if supply is not None else []
    own = next((e.budget for e in expansions if e.name == name and e.budget is not None), None)
    if own is not None:
        return f"budgets.{own}"
    if facility is not None:
        return f"budgets.{next(iter(facility.payers))}"
    if supply is not None and supply.budget is not None:
        return f"budgets.{supply.budget}"
    return None


# -- the result --------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditRow:
    """One change × target."""

    change: Change
    target: str
    found: Paired
    kind: str  # CLEAN, COMPETITION, WITHIN_A_LOT, ANOMALY or FAILED
    chain: tuple[str, ...]  # competition: shared elements from the target's facilities out; anomaly: what they use
    note: str = ""  # competition among the target's own facilities: what the re-run showed

    @property
    def shared(self) -> str:
        """The element the target's facilities share (competition), else empty."""
        return self.chain[0] if self.kind == COMPETITION else ""

    def reason(self) -> str:
        """Why it is classed so, in words."""
        if self.kind in (COMPETITION, WITHIN_A_LOT) and self.note:
            return self.note
        if self.kind == COMPETITION:
            via = f" (then {' -> '.join(self.chain[1:])})" if len(self.chain) > 1 else ""
            return f"shares {self.chain[0]}{via} with what uses {self.change.element}"
        if self.kind == ANOMALY:
            if self.chain:
                return f"its own facilities use {self.change.element}"
            return f"nothing links its facilities to {self.change.element}"
        if self.kind == FAILED:
            return "a run failed"
        return ""

    def document(self) -> dict[str, Any]:
        """The row as `audit.json` gives it."""
        worst = self.found.worst_delay_days
        return {
            "change": self.change.path,
            "step": self.change.step,
            "element": self.change.element,
            "target": self.target,
            "later": len(self.found.later),
            "earlier": self.found.earlier,
            "unchanged": self.found.unchanged,
            "failed": self.found.failed,
            "censored": self.found.censored,
            "worst_delay_days": None if worst is None else round(worst, 3),
            "class": self.kind,
            "shared": self.shared or None,
            "reason": self.reason() or None,
            "later_replications": [
                {"replication": r, "days_later": round(d, 3)} for r, d in sorted(self.found.later.items())
            ],
        }

    def csv_row(self) -> tuple[Any, ...]:
        """The row as `audit.csv` gives it (CSV_HEADER)."""
        worst = self.found.worst_delay_days
        return (
            self.change.path,
            self.change.step,
            self.target,
            len(self.found.later),
            self.found.earlier,
            self.found.unchanged,
            self.found.failed,
            self.found.censored,
            "" if worst is None else round(worst, 3),
            self.kind,
            self.shared,
            " ".join(str(r) for r in sorted(self.found.later)),
        )


@dataclass(frozen=True)
class AuditResult:
    """Every change × target of one audit, with the provenance of the runs."""

    provenance: dict[str, Any]
    change: float
    replications: int
    changes: tuple[str, ...]  # the changed values' paths, in order
    targets: tuple[str, ...]
    rows: tuple[AuditRow, ...]

    def of(self, kind: str) -> list[AuditRow]:
        """The rows of one class."""
        return [row for row in self.rows if row.kind == kind]

    @property
    def anomalies(self) -> list[AuditRow]:
        """Rows where more of something its own facilities use made a target later."""
        return self.of(ANOMALY)

    @property
    def passed(self) -> bool:
        """No anomaly and no failed run."""
        return not self.anomalies and not any(row.found.failed for row in self.rows)

    @property
    def paired_runs(self) -> int:
        """Runs made: (1 + changes) × replications."""
        return (1 + len(self.changes)) * self.replications

    def verdict(self) -> str:
        """One line: what the audit found."""
        head = f"audit: {len(self.changes)} changes x {len(self.targets)} targets, {self.replications} replications"
        competition, lots = len(self.of(COMPETITION)), len(self.of(WITHIN_A_LOT))
        failed = [row for row in self.rows if row.found.failed]
        if self.passed:
            tail = f", within a lot in {lots}" if lots else ""
            return f"{head}: no anomaly (competition in {competition} of {len(self.rows)} change x target{tail})"
        parts = [f"{len(self.anomalies)} anomal{'y' if len(self.anomalies) == 1 else 'ies'}"]
        if competition:
            parts.append(f"{competition} competition")
        if lots:
            parts.append(f"{lots} within a lot")
        if failed:
            parts.append(f"failed runs in {len(failed)} change x target")
        return f"{head}: {', '.join(parts)}"

    def document(self) -> dict[str, Any]:
        """`audit.json`: provenance, the verdict and one entry per change × target."""
        return {
            **self.provenance,
            "change": self.change,
            "tolerance_days": TOLERANCE_DAYS,
            "paired_runs": self.paired_runs,
            "verdict": self.verdict(),
            "passed": self.passed,
            "anomalies": len(self.anomalies),
            "competition": len(self.of(COMPETITION)),
            "rows": [row.document() for row in self.rows],
        }

    def csv_rows(self) -> list[tuple[Any, ...]]:
        """`audit.csv`'s rows (CSV_HEADER), one per change × target."""
        return [row.csv_row() for row in self.rows]


# -- the study --------------------------------------------------------------------------------
def _changed(build: Callable[[], Scenario], apply: ScenarioChange) -> Scenario:
    return apply(build())


def points(loaded: LoadedScenario, found: Sequence[Change]) -> tuple[Point, ...]:
    """The scenario as written (point 0, from the shared point builder) and one point per
    change, each applied to that builder's scenario (so goals resolved there stay put)."""
    base = transformed_point(loaded, "as written", None)
    built = cache(base.build)  # validated once, then each change copies what it changes
    return (base, *(Point((c.path,), partial(_changed, built, c.apply)) for c in found))


def audit_study(
    loaded: LoadedScenario,
    change: float = DEFAULT_CHANGE,
    seed: int | None = None,
    replications: int | None = None,
) -> tuple[Study, list[Change]]:
    """The audit as a study (points: as written, then each change) and its changes."""
    if not (math.isfinite(change) and change > 0):
        raise ValueError(f"the change must be above zero, got {change!r}")
    s = loaded.scenario
    found = changes(s, change)
    meta = {
        "command": "audit",
        "scenario": s.scenario,
        "file": loaded.file,
        "sha256": loaded.sha256,
        "overrides": list(loaded.overrides),
        "version": __version__,
        "change": change,
    }
    study = Study(
        "audit",
        ("change",),
        points(loaded, found),
        tuple(t.name for t in s.targets),
        totals_of(s),
        seed if seed is not None else s.seed,
        replications or s.replications,
        meta,
    )
    return study, found


def analyse(
    loaded: LoadedScenario, study: Study, found: Sequence[Change], years: np.ndarray, failed: np.ndarray
) -> AuditResult:
    """Classify every change × target from the study's years to reach (`years_array`)."""
    s = loaded.scenario
    used = uses(s)
    days = years * DAYS_PER_YEAR
    rows: list[AuditRow] = []
    for i, change in enumerate(found, start=1):
        broken = failed[0] | failed[i]
        for k, target in enumerate(s.targets):
            base, changed = days[0, :, k], days[i, :, k]
            if target.measure == "unmet":  # (its date is the day stocks run out: sooner is worse)
                base, changed = changed, base
            result = paired(base, changed, broken, s.horizon)
            kind, chain, note = CLEAN, list[str](), ""
            own = own_facilities(s, target.product)
            if result.later:
                kind, chain = link(used, own, change.element)
            if kind == ANOMALY:
                result, kind, chain, note = _weigh(study, i, k, own, result, chain)
            elif result.failed:
                kind = FAILED
            rows.append(AuditRow(change, target.name, result, kind, tuple(chain), note))
    return AuditResult(
        {**provenance(loaded, study.seed, study.replications), "command": "audit"},
        float(study.meta["change"]),
        study.replications,
        tuple(c.path for c in found),
        study.targets,
        tuple(rows),
    )


def lot_days(scenario: Scenario, own: Sequence[str]) -> float:
    """The coarsest step the target's own facilities act in: a factory's lot, a vehicle line's
    start interval (a yard's hulls have none: a day)."""
    steps = [TOLERANCE_DAYS]
    for name in own:
        spec = scenario.facilities[name]
        steps.append(float(getattr(spec, "lot", None) or getattr(spec, "start_interval", None) or TOLERANCE_DAYS))
    return max(steps)


def _weigh(
    study: Study, point: int, target: int, own: Sequence[str], found: Paired, chain: list[str]
) -> tuple[Paired, str, list[str], str]:
    """A change its target's own facilities use made the target later: re-run each later
    replication for evidence. Those the horizon leaves undecided are taken out of `later`. A
    replication that shows competition among the target's facilities (more waiting for an
    element others share, or an expansion paying its capex sooner from their budget) is
    competition; one later by no more than one lot of its facilities (`lot_days`) is the
    lots' discreteness; any other keeps the row an anomaly."""
    base, changed = study.points[0].build(), study.points[point].build()
    seen = {r: replication_evidence(base, changed, study.seed, r, target, own) for r in found.later}
    later = {r: d for r, d in found.later.items() if not seen[r].censored}
    weighed = Paired(later, found.earlier, found.unchanged, found.failed, len(found.later) - len(later))
    if not later:
        return weighed, (FAILED if found.failed else CLEAN), [], ""
    step = lot_days(base, own)
    unexplained = [r for r in later if seen[r].shared is None and later[r] > step]
    if unexplained:
        return weighed, ANOMALY, chain, ""
    shown = [r for r in later if seen[r].shared is not None]
    if shown:
        worst = max(shown, key=later.__getitem__)
        element = seen[worst].shared
        assert element is not None
        return weighed, COMPETITION, [element], f"replication {worst}: {seen[worst].note}"
    worst = max(later, key=later.__getitem__)
    note = f"{later[worst]:.1f} days later, within one lot ({step:.1f} days) of {', '.join(own)}"
    return weighed, WITHIN_A_LOT, [], note


@contextmanager
def _folder(out: Path | None) -> Iterator[Path]:
    if out is not None:
        yield out
        return
    with tempfile.TemporaryDirectory(prefix="rearm-audit-") as tmp:
        yield Path(tmp)


def audit(
    loaded: LoadedScenario,
    change: float = DEFAULT_CHANGE,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    out: Path | None = None,
    resume: bool = False,
    progress: bool = False,
    executor: Executor | None = None,
) -> AuditResult:
    """Audit a loaded scenario: run it as written and with each change on the same streams,
    keeping the runs in `out/results.sqlite` (a temporary folder if None), and classify."""
    study, found = audit_study(loaded, change, seed, replications)
    with _folder(out) as folder:
        if executor is not None:
            store = evaluate(study, folder, executor, resume, progress)
        else:
            with make_executor(jobs) as local:
                store = evaluate(study, folder, local, resume, progress)
        years, failed = years_array(study, store.runs())
        store.close()
    return analyse(loaded, study, found, years, failed)
