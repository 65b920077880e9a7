"""Ledger benchmark (issue 23): `python tests/benchmarks/bench_records.py [--seconds S]`.

Prints, for one flagship replication, the rows of each ledger and how many of them came in runs
of lots (`Log.add_run`: work started ahead, a run a call), then what the ledgers cost: every
append, run and read of the replication replayed into fresh logs, alternately with the
replication itself, for `--seconds` (the machine's speed changes within seconds). The replay's
share of the replication bounds what any other storage of the same rows could save. Not part of
the test suite: speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.language.load import load_scenario
from sim.model.replication import simulate
from sim.records import Log, Records
from sim.studies.replications import replication_seed

ROOT = Path(__file__).resolve().parents[2]
LEDGERS = ("deliveries", "starts", "appropriations", "lapses", "spending", "takes")

Call = tuple[str, str, Any]


class RecordingLog(Log):
    """A ledger that also writes down each append, run and read, in order, in `calls`."""

    __slots__ = ("calls", "name")

    def __init__(self, log: Log, name: str, calls: list[Call]) -> None:
        super().__init__(log.width, kinds=log.kinds)
        self.calls, self.name = calls, name
        append = self.append

        def appended(row: tuple[Any, ...]) -> None:
            calls.append(("append", name, row))
            append(row)

        self.append = appended

    def add_run(self, days: Any, *fields: Any) -> None:
        copies = (f if isinstance(f, (int, float, str)) else list(f) for f in fields)
        self.calls.append(("run", self.name, (list(days), *copies)))
        super().add_run(days, *fields)

    def columns(self, *at: int) -> Any:
        self.calls.append(("read", self.name, at))
        return super().columns(*at)


@dataclass
class Recording(Records):
    """Records whose ledgers also write down each append, run and read, in order."""

    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in LEDGERS:
            setattr(self, name, RecordingLog(getattr(self, name), name, self.calls))


def replay(calls: list[Call], fresh: Records) -> float:
    """Seconds to make `calls` on the empty ledgers of `fresh`."""
    logs = {name: getattr(fresh, name) for name in LEDGERS}
    t0 = time.perf_counter()
    for op, name, args in calls:
        if op == "append":
            logs[name].append(args)
        elif op == "run":
            logs[name].add_run(*args)
        else:
            logs[name].columns(*args)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flagship", type=Path, default=ROOT / "scenarios" / "nato_hague_2035.yaml")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of paired replays and replications")
    args = parser.parse_args()
    scenario = load_scenario(str(args.flagship)).scenario
    import sim.model.replication as replication

    replication.Records = Recording  # type: ignore[misc]
    try:
        recorded = simulate(scenario, replication_seed(0, 0))
    finally:
        replication.Records = Records  # type: ignore[misc]
    assert isinstance(recorded, Recording)
    calls = recorded.calls
    runs, in_runs = Counter[str](), Counter[str]()
    for op, name, call in calls:
        if op == "run":
            runs[name] += 1
            in_runs[name] += len(call[0])
    total = sum(len(getattr(recorded, name)) for name in LEDGERS)
    print(f"flagship ({args.flagship.name}), one replication: {recorded.events:,} events, {total:,} ledger rows")
    for name in LEDGERS:
        print(f"  {name}: {len(getattr(recorded, name)):,} rows, {in_runs[name]:,} of them in {runs[name]:,} runs")
    shares: list[float] = []
    ledger_ms: list[float] = []
    replication_ms: list[float] = []
    end = time.perf_counter() + args.seconds
    while time.perf_counter() < end or len(shares) < 3:
        fresh = Records(products=[], facilities=[], budgets=[], materials=[])
        spent = replay(calls, fresh)
        t0 = time.perf_counter()
        simulate(scenario, replication_seed(0, 0))
        whole = time.perf_counter() - t0
        shares.append(spent / whole)
        ledger_ms.append(spent * 1e3)
        replication_ms.append(whole * 1e3)
    print(
        f"ledgers (every append, run and read replayed, {len(calls):,} calls): {statistics.median(ledger_ms):.2f} ms "
        f"against {statistics.median(replication_ms):.1f} ms for the replication: median share "
        f"{statistics.median(shares):.1%} over {len(shares)} pairs"
    )


if __name__ == "__main__":
    main()
