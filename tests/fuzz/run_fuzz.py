"""The long fuzz run of hostile scenarios (not collected by pytest).

    REARM_FUZZ_EXAMPLES=20000 python tests/fuzz/run_fuzz.py
    python tests/fuzz/run_fuzz.py --default     # the default suite's 2,050 cases, counted

runs the three generated-case tests of tests/test_hostile_input.py under the `hostile-long`
hypothesis profile (random, not derandomized), but records failures instead of stopping at the
first, and prints the counts: cases by outcome, distinct error messages (and message templates,
with values blanked), and each failure grouped by where it was raised.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

if "--default" not in sys.argv:  # --default: count what the default test suite generates
    os.environ["REARM_FUZZ"] = "long"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import test_hostile_input as h  # noqa: E402

FAILURES: dict[str, list[str]] = defaultdict(list)


def guarded(check: Callable[..., None]) -> Callable[..., None]:
    """`check`, recording instead of raising what goes wrong."""

    def run(*args: Any) -> None:
        h.TALLY.outcomes["cases"] += 1
        try:
            check(*args)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - every failure is recorded
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}: {str(exc)[:200]}"
            FAILURES[where].append(repr(args)[:2000] + "\n" + traceback.format_exc()[-3000:])
            h.TALLY.outcomes["FAILED"] += 1

    return run


def main() -> int:
    h.check_data_case = guarded(h.check_data_case)
    h.check_file_case = guarded(h.check_file_case)
    h.check_override_case = guarded(h.check_override_case)
    began = time.perf_counter()
    for test in (
        h.test_mutated_scenarios_are_refused_cleanly_or_run,
        h.test_mangled_files_are_refused_cleanly_or_run,
        h.test_hostile_overrides_are_refused_cleanly_or_run,
    ):
        test()
    elapsed = time.perf_counter() - began
    print(f"{h.TALLY.outcomes['cases']:,} cases in {elapsed:,.0f} s: {dict(h.TALLY.outcomes)}")
    print(f"distinct error messages: {len(h.TALLY.messages):,}; distinct templates: {len(h.TALLY.templates):,}")
    for text, n in h.TALLY.templates.most_common(int(os.environ.get("REARM_FUZZ_SHOW", "15"))):
        print(f"  {n:6,}  {text[:150]}")
    for where, cases in FAILURES.items():
        print(f"\n=== {len(cases)} x {where}\n{cases[0]}")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
