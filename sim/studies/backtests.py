"""Back-tests: scenarios written as planned at a past date, run against what then happened.

Each back-test in `scenarios/backtests/` names its recorded points in its header, one per line
starting `#@ ` with a YAML mapping: `point` (a name), `measure`, when (`at`, or `from` and `to`),
`recorded` (optionally `low` and `high` where sources span a range) and `use` — `fit` (used to
fit the calibrated prior, `sim/language/realism_priors.yaml`), `held out` (not used) or
`fitted by hand` (the scenario's inputs were set to reproduce it: not a forecast). Measures:

- `monthly`: units made per month around the date `at` (the three months centred on it);
- `year`: units made in the calendar year `at`;
- `delivered`: units delivered in [`from`, `to`);
- `delivery_date`: the day the `n`-th unit was delivered (its error is in days).

Units made are spread over each lot's production (`sim.metrics.series.Made`), so a window
counts what was made in it whatever the lot length.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.language.calendar import Clock
from sim.language.load import load_scenario
from sim.language.schema import Scenario, ScenarioRealism
from sim.language.units import DAYS_PER_MONTH, DAYS_PER_YEAR
from sim.metrics.series import Deliveries
from sim.model.replication import simulate
from sim.records import Records
from sim.studies.replications import replication_seed

MARK = "#@ "
USES = ("fit", "held out", "fitted by hand")
MEASURES = ("monthly", "year", "delivered", "delivery_date")


@dataclass(frozen=True)
class Point:
    """One recorded outcome of a back-test, as its header states it."""

    backtest: str
    name: str
    measure: str
    recorded: float
    low: float
    high: float
    use: str
    at: Any = None
    start: dt.date | None = None
    end: dt.date | None = None
    n: int = 0
    source: str = ""

    @property
    def label(self) -> str:
        """`backtest/point`, the name the tables and tests use."""
        return f"{self.backtest}/{self.name}"


def read_points(path: Path) -> list[Point]:
    """The recorded points named in a back-test's header (`#@ ` lines), checked."""
    points = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith(MARK):
            continue
        body, _, source = line[len(MARK) :].partition("  # ")
        raw = yaml.safe_load(body)
        where = f"{path.name}:{number}"
        if not isinstance(raw, dict) or raw.get("measure") not in MEASURES or raw.get("use") not in USES:
            raise ValueError(f"{where}: a point needs a measure in {MEASURES} and a use in {USES}: {body}")
        recorded = raw["recorded"]
        if raw["measure"] == "delivery_date":
            recorded = float(Clock(loaded(path).start).day_of(recorded))
        points.append(
            Point(
                backtest=path.stem,
                name=str(raw["point"]),
                measure=raw["measure"],
                recorded=float(recorded),
                low=float(raw.get("low") or recorded),
                high=float(raw.get("high") or recorded),
                use=raw["use"],
                at=raw.get("at"),
                start=raw.get("from"),
                end=raw.get("to"),
                n=int(raw.get("n", 0)),
                source=source.strip(),
            )
        )
    return points


def measured(point: Point, clock: Clock, deliveries: Deliveries, horizon: float) -> float:
    """The simulated value of `point` in one replication's deliveries of the back-test's product
    (a unit never delivered counts as delivered at the `horizon`: a lower bound)."""
    if point.measure == "monthly":
        t = clock.day_of(point.at)
        made = deliveries.made
        return float(made.at(t + 1.5 * DAYS_PER_MONTH) - made.at(t - 1.5 * DAYS_PER_MONTH)) / 3
    if point.measure == "year":
        a, b = clock.day_of(dt.date(point.at, 1, 1)), clock.day_of(dt.date(point.at + 1, 1, 1))
        return float(deliveries.made.at(b) - deliveries.made.at(a))
    if point.measure == "delivered":
        assert point.start is not None and point.end is not None
        a, b = clock.day_of(point.start), clock.day_of(point.end)
        return float(deliveries.at(b - 1e-9) - deliveries.at(a - 1e-9))
    # delivery_date: the day the n-th unit arrived (the horizon if it never did)
    reached = np.flatnonzero(deliveries.cumulative >= point.n)
    return float(deliveries.times[reached[0]]) if reached.size else horizon


def error(point: Point, simulated: float) -> float:
    """The error of a simulated value against the record: relative, or in years for a date."""
    if point.measure == "delivery_date":
        return (simulated - point.recorded) / DAYS_PER_YEAR
    return simulated / point.recorded - 1.0


def with_realism(scenario: Scenario, realism: str | dict[str, Any] | None) -> Scenario:
    """The scenario with its `realism:` block replaced: `none`, `calibrated`, or a mapping as a
    scenario writes it (None keeps the file's)."""
    if realism is None:
        return scenario
    if realism == "none":
        block = ScenarioRealism()
    elif realism == "calibrated":
        block = ScenarioRealism(base="calibrated")
    else:
        block = ScenarioRealism.model_validate(realism)
    return scenario.model_copy(update={"realism": block})


@dataclass(frozen=True)
class Outcome:
    """A point's simulated values over the replications."""

    point: Point
    values: np.ndarray

    def quantile(self, q: float) -> float:
        """The simulated value's `q` quantile over the replications."""
        return float(np.quantile(self.values, q))

    @property
    def median(self) -> float:
        """The simulated median."""
        return self.quantile(0.5)

    @property
    def error(self) -> float:
        """The median's error against the record (`error`)."""
        return error(self.point, self.median)

    @property
    def covered(self) -> bool:
        """Whether the record (or its range) meets the simulated p10-p90."""
        return self.point.low <= self.quantile(0.9) and self.point.high >= self.quantile(0.1)


@dataclass(frozen=True)
class Run:
    """A back-test's replications: its records and what it made."""

    scenario: Scenario
    records: list[Records]


@functools.cache
def loaded(path: Path) -> Scenario:
    """A back-test's scenario, read once."""
    return load_scenario(str(path)).scenario


def run(path: Path, replications: int, realism: str | dict[str, Any] | None = None, seed: int = 0) -> Run:
    """Simulate a back-test `replications` times (replication streams as in every study)."""
    scenario = with_realism(loaded(path), realism)
    return Run(scenario, [simulate(scenario, replication_seed(seed, i)) for i in range(replications)])


def outcomes(path: Path, result: Run) -> list[Outcome]:
    """Each recorded point of the back-test at `path`, measured in every replication of `result`."""
    scenario = result.scenario
    clock = Clock(scenario.start)
    (product,) = {f.product for f in scenario.facilities.values()}
    values: dict[str, list[float]] = {}
    points = read_points(path)
    for records in result.records:
        deliveries = Deliveries.of(records, records.products.index(product))
        for point in points:
            values.setdefault(point.name, []).append(measured(point, clock, deliveries, scenario.horizon))
    return [Outcome(p, np.asarray(values[p.name])) for p in points]


def backtest_files(folder: Path) -> list[Path]:
    """The back-tests in `folder`, by name."""
    return sorted(folder.glob("*.yaml"))
