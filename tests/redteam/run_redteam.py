"""The red-team harness of issue 24 (not collected by pytest; tests/test_redteam.py runs a sample).

    python tests/redteam/run_redteam.py --all                # every case: kinds x cases x outcome
    python tests/redteam/run_redteam.py --kinds text,set     # some kinds
    python tests/redteam/run_redteam.py --sample 20 --seed 1 # a fixed-seed sample
    python tests/redteam/run_redteam.py --all --list         # the cases, not run

Each case runs `rearm` in a subprocess, in a fresh folder, with a time limit, and is classified
as ok, clear error, traceback, hang, silent guess or mixed output (see cases.py). A case passes
when its outcome is one it accepts. Prints one line per failing case, then the table of kinds
by outcome, and exits 1 if any case failed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import ERROR, HANG, KINDS, OK, OUTCOMES, TRACEBACK, Case, Result, _env, generate  # noqa: E402

#: a clear error is at most this many lines on stderr (one message, perhaps a few problems)
MAX_ERROR_LINES = 40


@dataclass
class Outcome:
    """A case and what it did."""

    case: Case
    outcome: str
    seconds: float
    detail: str = ""

    @property
    def passed(self) -> bool:
        """Whether the outcome is one the case accepts."""
        return self.outcome in self.case.accept


def classify_exit(code: int | None, err: str) -> str:
    """The outcome of a command from its exit code and stderr alone."""
    if code is None:
        return HANG
    if "Traceback (most recent call last)" in err or code not in (0, 1, 2):
        return TRACEBACK
    if code == 0:
        return OK
    lines = [line for line in err.splitlines() if line.strip()]
    return ERROR if lines and len(lines) <= MAX_ERROR_LINES else TRACEBACK


def _run_command(case: Case, folder: Path) -> Result:
    command = [sys.executable, "-m", "sim", *(a.replace("{dir}", str(folder)) for a in case.args)]
    proc = subprocess.Popen(
        command,
        cwd=folder,
        env=_env(),
        stdin=subprocess.PIPE if case.stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(None if case.stdin is None else case.stdin.encode(), timeout=case.timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = None
    return Result(code, out.decode(errors="replace"), err.decode(errors="replace"), folder)


class _Runner:
    classify_exit = staticmethod(classify_exit)


def run_case(case: Case) -> Outcome:
    """Run one case in a fresh temporary folder and classify what it did."""
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="redteam-") as tmp:
        folder = Path(tmp)
        try:
            for name, text in case.files.items():
                (folder / name).write_text(text, encoding="utf-8")
            if case.setup is not None:
                case.setup(folder)
            if case.special is not None:
                outcome, detail = case.special(folder, _Runner()), ""
            else:
                result = _run_command(case, folder)
                outcome = classify_exit(result.code, result.err)
                if outcome == OK and case.check is not None:
                    outcome = case.check(result) or OK
                elif outcome == ERROR and case.check is not None and ERROR in case.accept:
                    outcome = case.check(result) or ERROR
                detail = (result.err.strip().splitlines() or [""])[-1][:200]
        finally:
            for root, dirs, _ in os.walk(folder):  # read-only folders made by a setup
                for d in dirs:
                    os.chmod(os.path.join(root, d), 0o755)
    return Outcome(case, outcome, time.perf_counter() - began, detail)


def run_cases(cases: Sequence[Case], jobs: int = 1) -> list[Outcome]:
    """Run cases (`jobs` at a time) in the order given."""
    if jobs <= 1:
        return [run_case(c) for c in cases]
    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(run_case, cases))


def sample(cases: Sequence[Case], n: int, seed: int, kinds: Sequence[str] | None = None) -> list[Case]:
    """`n` cases drawn with `seed`, at least one from each kind present (in kind order)."""
    pool = [c for c in cases if kinds is None or c.kind in kinds]
    rng = random.Random(seed)
    by_kind: dict[str, list[Case]] = defaultdict(list)
    for c in pool:
        by_kind[c.kind].append(c)
    chosen = [rng.choice(group) for group in by_kind.values()]
    rest = [c for c in pool if c not in chosen]
    chosen += rng.sample(rest, max(0, min(n - len(chosen), len(rest))))
    order = {c.id: i for i, c in enumerate(pool)}
    return sorted(chosen, key=lambda c: order[c.id])


def table(outcomes: Sequence[Outcome]) -> str:
    """Kinds x outcome counts, with the cases and failures per kind."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        counts[o.case.kind][o.outcome] += 1
        counts[o.case.kind]["cases"] += 1
        counts[o.case.kind]["failed"] += not o.passed
    header = ["kind", "cases", *OUTCOMES, "failed"]
    rows = [header] + [[k, *(str(c[h]) for h in header[1:])] for k, c in counts.items()]
    total = Counter[str]()
    for c in counts.values():
        total.update(c)
    rows.append(["total", *(str(total[h]) for h in header[1:])])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="every case")
    parser.add_argument("--kinds", help="comma-separated kinds: " + ", ".join(KINDS))
    parser.add_argument("--sample", type=int, help="a sample of this many cases")
    parser.add_argument("--seed", type=int, default=24, help="the seed of the generated cases and of the sample")
    parser.add_argument("--jobs", type=int, default=1, help="cases run at once")
    parser.add_argument("--list", action="store_true", help="list the cases, do not run them")
    parser.add_argument("--verbose", action="store_true", help="one line per case, passed or not")
    args = parser.parse_args(argv)
    cases = generate(args.seed)
    kinds = args.kinds.split(",") if args.kinds else None
    if kinds:
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            parser.error(f"unknown kind(s): {', '.join(unknown)}")
        cases = [c for c in cases if c.kind in kinds]
    if args.sample:
        cases = sample(cases, args.sample, args.seed)
    elif not (args.all or kinds):
        parser.error("give --all, --kinds or --sample")
    if args.list:
        for c in cases:
            print(f"{c.id}  accepts {' or '.join(sorted(c.accept))}  (issue 24 item {c.issue_item})")
        return 0
    began = time.perf_counter()
    outcomes = run_cases(cases, args.jobs)
    for o in outcomes:
        if args.verbose or not o.passed:
            mark = "ok  " if o.passed else "FAIL"
            print(f"{mark} {o.case.id:45s} {o.outcome:13s} {o.seconds:6.1f}s  {o.detail}")
    print()
    print(table(outcomes))
    failed = sum(not o.passed for o in outcomes)
    print(f"\n{len(outcomes)} cases, {failed} failed, {time.perf_counter() - began:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
