"""Limits on the size of a run, checked before anything is simulated.

A scenario can be valid value by value and still describe a run that would never finish or
would exhaust memory: a one-minute lot over a century, ten million replications, a thousand
yards. Such runs are refused up front with the limit and how to lift it. Soft limits are
lifted by `--allow-large` (or the environment variable `REARM_ALLOW_LARGE=1`); the hard
limits, a hundred times larger, describe runs that would not end in any useful time and are
never lifted.

Events are estimated per replication from what drives them: lots per horizon for a munitions
factory, vehicles started for a vehicle line, hull stages for a shipyard, breakdowns from the
mean time between failures, appropriations per fiscal year. The estimate is an order of
magnitude (about 20 µs of work per event), not a promise.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

from sim.errors import Problem, UsageError
from sim.language.calendar import Clock, date_of_ordinal
from sim.language.kinds import LANGUAGE_KINDS
from sim.language.schema import Scenario
from sim.language.units import DAYS_PER_MONTH, in_years
from sim.language.values import Uncertain, mean_of
from sim.language.yaml_source import Source

ENV_VAR = "REARM_ALLOW_LARGE"
HOW_TO_LIFT = f"pass --allow-large (or set {ENV_VAR}=1) to run it anyway"
HARD_FACTOR = 100

MAX_EVENTS_PER_REPLICATION = 5_000_000
MAX_TOTAL_EVENTS = 500_000_000
MAX_REPLICATIONS = 100_000
MAX_RESULT_BYTES = 4_000_000_000
MAX_PARTS = 1_000  # facilities, budgets, materials, workforce pools, targets, each
MAX_LIST = 200  # expansions of one owner, stages of one shipyard
MONEY_DIGITS = 100  # appropriations and cost multipliers stay below 1e100
MAX_POINTS = 100_000  # design points of one study
SECONDS_PER_EVENT = 20e-6  # the order of magnitude of one event's work, on one core
STUDY_BYTES_PER_RUN = 250  # a study keeps, per run: its key among the finished ones, its years to reach
STUDY_BYTES_PER_POINT = 2_000  # and per design point: its row, its values and how to build it
JOBS_PER_CORE = 4  # worker processes per core (each imports the model: about 100 MB)
MIN_JOBS_LIMIT = 8

#: (what is large, the dotted key to blame, events per replication it causes, events per one of it)
Driver = tuple[str, tuple[str, ...], float, float]


def allow_large_from_env() -> bool:
    """Whether the environment asks to lift the soft limits."""
    return os.environ.get(ENV_VAR, "").strip().lower() in {"1", "true", "yes", "on"}


def _soft(allow_large: bool | None) -> float:
    """The factor applied to every limit: 1, or the hard factor when large runs are allowed."""
    allowed = allow_large_from_env() if allow_large is None else allow_large
    return HARD_FACTOR if allowed else 1


def _millions(x: float) -> str:
    if math.isinf(x):
        return "an unbounded number of"
    return f"about {x / 1e6:,.1f} million" if x >= 1e5 else f"about {x:,.0f}"


def _duration(seconds: float) -> str:
    """`about 12 minutes`, `about 3.5 hours`, `about 23 days`: an estimate, so one significant figure or two."""
    if seconds < 3600:
        return f"about {max(1.0, seconds / 60):,.0f} minutes"
    if seconds < 3 * 86400:
        return f"about {seconds / 3600:,.1f} hours"
    return f"about {seconds / 86400:,.0f} days"


def _active_days(scenario: Scenario, spec: Any) -> float:
    start = spec.available_from
    if isinstance(start, Uncertain):  # a distribution of dates: at the earliest, the most work
        begin = max(0.0, Clock(scenario.start).day_of(date_of_ordinal(start.low)))
    else:
        begin = max(0.0, Clock(scenario.start).day_of(start)) if start is not None else 0.0
    return max(0.0, scenario.horizon - begin)


def _facility_drivers(scenario: Scenario, name: str, spec: Any) -> list[Driver]:
    base = ("facilities", name)
    days = _active_days(scenario, spec)
    drivers: list[Driver] = []
    what, key, events = LANGUAGE_KINDS[spec.kind].events(spec, days)
    drivers.append((what, base + key, events, 1.0))  # (an item on a working clock is one timeout too)
    if spec.breakdowns is not None:
        mtbf = mean_of(spec.breakdowns.mtbf)
        drivers.append(("breakdowns", base + ("breakdowns", "mtbf"), 2 * days / mtbf if mtbf > 0 else math.inf, 1.0))
    return drivers


def event_drivers(scenario: Scenario) -> list[Driver]:
    """Everything that makes events in one replication, with its estimated count."""
    years = in_years(scenario.horizon) + 2
    drivers: list[Driver] = [("appropriations", ("budgets",), years * len(scenario.budgets), 1.0)]
    for name, spec in scenario.facilities.items():
        drivers.extend(_facility_drivers(scenario, name, spec))
        drivers.append(("expansions", ("facilities", name, "expansions"), 3.0 * len(spec.expansions), 3.0))
    for name, mat in scenario.materials.items():
        if mat.supply is not None:
            drivers.append(("expansions", ("materials", name, "supply"), 3.0 * len(mat.supply.expansions), 3.0))
    return drivers


def estimate_events(scenario: Scenario) -> float:
    """Estimated SimPy events in one replication."""
    return sum(n for _, _, n, _ in event_drivers(scenario))


def result_bytes(scenario: Scenario, replications: int) -> float:
    """Memory the kept per-replication results take (timelines dominate)."""
    months = scenario.horizon / DAYS_PER_MONTH + 2
    per = 8 * (len(scenario.products) * (4 * months + 5) + 3 * len(scenario.budgets) + len(scenario.targets))
    per += 400 * (len(scenario.facilities) + len(scenario.budgets)) + 1000
    return per * replications


Blame = Callable[[tuple[str, ...], str], Problem]


def _count_problems(scenario: Scenario, problem: Blame, factor: float) -> list[Problem]:
    out = []
    limit = MAX_PARTS * factor
    for key in ("facilities", "budgets", "materials", "workforce"):
        n = len(getattr(scenario, key))
        if n > limit:
            out.append(problem((key,), f"{n:,} {key} is more than the limit of {limit:,.0f}"))
    if len(scenario.targets) > limit:
        out.append(problem(("targets",), f"{len(scenario.targets):,} targets is more than the limit of {limit:,.0f}"))
    owners: list[tuple[tuple[str, ...], list[Any], str]] = []
    for name, fac in scenario.facilities.items():
        owners.append((("facilities", name, "expansions"), fac.expansions, "expansions"))
        if fac.kind == "shipyard":
            owners.append((("facilities", name, "stages"), fac.stages, "stages"))
    for name, mat in scenario.materials.items():
        if mat.supply is not None:
            owners.append((("materials", name, "supply", "expansions"), mat.supply.expansions, "expansions"))
    for path, items, what in owners:
        if len(items) > MAX_LIST * factor:
            out.append(problem(path, f"{len(items):,} {what} is more than the limit of {MAX_LIST * factor:,.0f}"))
    return out


def _size_problems(
    scenario: Scenario, replications: int, problem: Callable[[tuple[str, ...], str], Problem], factor: float
) -> list[Problem]:
    out = []
    hint = HOW_TO_LIFT if factor == 1 else "this is the hard limit: the run would not finish"
    if replications > MAX_REPLICATIONS * factor:
        out.append(
            problem(
                ("replications",),
                f"{replications:,} replications is more than the limit of {MAX_REPLICATIONS * factor:,.0f}; {hint}",
            )
        )
    drivers = event_drivers(scenario)
    per = sum(n for _, _, n, _ in drivers)
    if per > MAX_EVENTS_PER_REPLICATION * factor:
        what, path, n, each = max(drivers, key=lambda d: d[2])
        n /= each  # (how many of `what`)
        out.append(
            problem(
                path,
                (
                    f"{_millions(n)} {what} over the {in_years(scenario.horizon):g}-year horizon: "
                    "one replication would "
                    f"need {_millions(per)} events, more than the limit of "
                    f"{MAX_EVENTS_PER_REPLICATION * factor / 1e6:,.0f} million; "
                    f"{hint}"
                ),
            )
        )
    elif per * replications > MAX_TOTAL_EVENTS * factor:
        out.append(
            problem(
                ("replications",),
                (
                    f"{replications:,} replications of {_millions(per)} events each need "
                    f"{_millions(per * replications)} "
                    f"events, more than the limit of {MAX_TOTAL_EVENTS * factor / 1e6:,.0f} million "
                    f"({_duration(per * replications * SECONDS_PER_EVENT)} of computing); "
                    f"use fewer replications or {hint}"
                ),
            )
        )
    memory = result_bytes(scenario, replications)
    if memory > MAX_RESULT_BYTES * factor:
        out.append(
            problem(
                ("replications",),
                (
                    f"{replications:,} replications would keep about {memory / 1e9:,.1f} GB of results, "
                    "more than the limit "
                    f"of {MAX_RESULT_BYTES * factor / 1e9:,.0f} GB; use fewer replications or a shorter horizon, "
                    f"or {hint}"
                ),
            )
        )
    return out


def _upper(value: Any) -> float:
    """A value's largest draw (ten times the mean for a law without a finite bound)."""
    if isinstance(value, Uncertain):
        return value.high if math.isfinite(value.high) else 10 * abs(value.mean)
    return float(value)


def _log10(x: float) -> float:
    return math.log10(x) if x > 0 else -math.inf


def _allocation_upper(allocation: Any) -> float:
    """The largest share an allocation (a value or a table by year) gives."""
    return max(allocation.values()) if isinstance(allocation, dict) else _upper(allocation)


def _money_problems(scenario: Scenario, problem: Callable[[tuple[str, ...], str], Problem]) -> list[Problem]:
    """Growth compounding over the years to the horizon must not overflow floating point (> 1e100
    is no longer money): never lifted."""
    out = []
    end = scenario.start.year + math.ceil(in_years(scenario.horizon)) + 1
    years_run = end - scenario.start.year
    for name, b in scenario.budgets.items():
        base = ("budgets", name)
        if b.appropriations:
            size = max(_log10(_upper(v)) for v in b.appropriations.values())
            size += max(0, end - max(b.appropriations)) * math.log10(1 + _upper(b.growth))
            key = base + ("growth",)
        elif b.gdp is not None and b.share_of_gdp:
            size = max(_log10(_upper(v)) for v in b.gdp.table.values())
            size += max(0, end - max(b.gdp.table)) * math.log10(1 + b.gdp.growth)
            size += max(_log10(v) for v in b.share_of_gdp.values()) + _log10(_allocation_upper(b.allocation))
            key = base + ("gdp",)
        elif b.sources and all(s.nation in scenario.nations for s in b.sources):
            size = -math.inf
            for source in b.sources:
                nation = scenario.nations[source.nation]
                given = max(_log10(_upper(v)) for v in nation.gdp.table.values()) + _log10(nation.exchange_rate)
                given += max(0, end - max(nation.gdp.table)) * math.log10(1 + nation.gdp.growth)
                given += max((_log10(v) for v in nation.path(source.path).values()), default=-math.inf)
                size = max(size, given + math.log10(len(b.sources)))
            size += _log10(_allocation_upper(b.allocation))
            key = ("nations", b.sources[0].nation, "gdp")
        else:
            continue
        costs = years_run * math.log10(1 + _upper(b.inflation))
        if size > MONEY_DIGITS:
            out.append(problem(key, f"appropriations would grow past 1e{MONEY_DIGITS} by {end}; lower the growth"))
        if costs > MONEY_DIGITS:
            out.append(
                problem(
                    base + ("inflation",), f"costs would grow past 1e{MONEY_DIGITS}-fold by {end}; lower the inflation"
                )
            )
    return out


def check_limits(scenario: Scenario, source: Source, allow_large: bool | None = None) -> list[Problem]:
    """Every limit the validated `scenario` breaks, as problems naming file, line and key."""

    def problem(path: tuple[str, ...], message: str) -> Problem:
        return Problem(source.file, source.line_of(path), ".".join(path), message)

    factor = _soft(allow_large)
    return (
        _money_problems(scenario, problem)
        + _count_problems(scenario, problem, factor)
        + _size_problems(scenario, scenario.replications, problem, factor)
    )


def check_replications(
    scenario: Scenario, replications: int, allow_large: bool | None = None, option: str = "--replications"
) -> None:
    """Refuse a replication count given on the command line (`option`: `--replications`, or
    `--max-replications`, the most `--precision` may run) that breaks a limit (UsageError)."""

    def problem(path: tuple[str, ...], message: str) -> Problem:
        return Problem(option, None, "", message)

    problems = _size_problems(scenario, replications, problem, _soft(allow_large))
    if problems:
        raise UsageError("\n".join(f"{option} {replications}: {p.message}" for p in problems))


def allowed_replications(scenario: Scenario, allow_large: bool | None = None) -> int:
    """The most replications of `scenario` within every limit (a default cap is lowered to it)."""
    factor = _soft(allow_large)
    per_events = max(estimate_events(scenario), 1.0)
    per_bytes = max(result_bytes(scenario, 1), 1.0)
    most = min(MAX_REPLICATIONS, MAX_TOTAL_EVENTS / per_events, MAX_RESULT_BYTES / per_bytes)
    return max(1, int(most * factor))


def check_jobs(jobs: int, cores: int, allow_large: bool | None = None) -> None:
    """Refuse more worker processes than the machine can hold (`--jobs 100000` would start a
    process per task): at most 4 a core (at least 8), lifted by `--allow-large`."""
    factor = _soft(allow_large)
    limit = max(MIN_JOBS_LIMIT, JOBS_PER_CORE * cores) * factor
    if jobs > limit:
        hint = HOW_TO_LIFT if factor == 1 else "this is the hard limit"
        many = f"{jobs:,} worker processes on {cores} core(s)"
        raise UsageError(f"--jobs {jobs}: {many} is more than the limit of {limit:,.0f}; {hint}")


def study_bytes(scenario: Scenario, points: int, replications: int) -> float:
    """Memory a study of `points` × `replications` runs takes whatever is kept on disk: per run
    its key among the finished runs and its years to reach each target, per point its design row."""
    per_run = STUDY_BYTES_PER_RUN + 8 * len(scenario.targets)
    return points * replications * per_run + points * STUDY_BYTES_PER_POINT


def study_problems(scenario: Scenario, points: int, replications: int, allow_large: bool | None = None) -> list[str]:
    """What breaks a limit in a study of `points` design points × `replications` runs, each
    message with the estimate and how to lift the limit (empty: within every limit). Checked
    before the design is drawn, so nothing proportional to the study's size is allocated first."""
    factor = _soft(allow_large)
    hint = HOW_TO_LIFT if factor == 1 else "this is the hard limit: the study would not finish"
    out = []
    if points > MAX_POINTS * factor:
        out.append(f"{points:,} design points is more than the limit of {MAX_POINTS * factor:,.0f}; {hint}")
    if replications > MAX_REPLICATIONS * factor:
        out.append(
            f"{replications:,} replications per point is more than the limit of {MAX_REPLICATIONS * factor:,.0f}; "
            f"{hint}"
        )
    runs = points * replications
    events = estimate_events(scenario) * runs
    memory = study_bytes(scenario, points, replications)
    if events > MAX_TOTAL_EVENTS * factor or memory > MAX_RESULT_BYTES * factor:
        out.append(
            f"{points:,} points × {replications:,} replications = {runs:,} runs would take "
            f"{_duration(events * SECONDS_PER_EVENT)} of computing ({_millions(events)} events) and "
            f"about {memory / 1e9:,.1f} GB of memory, more than the limits of "
            f"{MAX_TOTAL_EVENTS * factor / 1e6:,.0f} million events and {MAX_RESULT_BYTES * factor / 1e9:,.0f} GB; "
            f"use fewer points or replications, or {hint}"
        )
    return out


def check_study(scenario: Scenario, points: int, replications: int, allow_large: bool | None = None) -> None:
    """Refuse a study that breaks a limit (UsageError, exit 2) before anything is allocated or run."""
    problems = study_problems(scenario, points, replications, allow_large)
    if problems:
        raise UsageError("the study is too large: " + "\n".join(problems))
