"""The red-team suite of issue 24 in a bounded form: a fixed-seed sample of its cases, each run as
`rearm` in a subprocess with a time limit, must end in an outcome the case accepts (no
traceback, hang, silent guess or mixed output). `python tests/redteam/run_redteam.py --all`
runs every case and prints the table of kinds by outcome."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "redteam"))

from cases import ERROR, HANG, KINDS, OK, TRACEBACK, Case, generate  # noqa: E402
from run_redteam import classify_exit, run_case, run_cases, sample, table  # noqa: E402

#: the kinds this sample draws from: every kind with cases of a single command (the concurrent
#: and kill cases, and the 4.9 MB title, run with `run_redteam.py --all`)
CI_KINDS = ("yaml", "numbers", "set", "text", "outputs", "scale", "inputs")
CI_SEED = 0
CI_CASES = 30


def test_the_generator_is_fixed_by_its_seed_and_covers_every_kind() -> None:
    first, again = generate(24), generate(24)
    assert [(c.id, c.args, c.files) for c in first] == [(c.id, c.args, c.files) for c in again]
    assert {c.kind for c in first} == set(KINDS)
    assert len({c.id for c in first}) == len(first), "case names are unique"
    other = generate(25)
    assert [c.files for c in other] != [c.files for c in first], "the seed draws the varied cases"


def test_the_classifier_tells_outcomes_apart() -> None:
    assert classify_exit(0, "") == OK
    assert classify_exit(2, "s.yaml:3: seed: expected a whole number\n") == ERROR
    assert classify_exit(1, 'Traceback (most recent call last):\n  File "x"\nValueError\n') == TRACEBACK
    assert classify_exit(2, "") == TRACEBACK  # an error with no message is no clear error
    assert classify_exit(-9, "") == TRACEBACK
    assert classify_exit(None, "") == HANG


def test_the_harness_runs_a_case_and_stops_one_past_its_limit() -> None:
    missing = Case("inputs", "probe", ["validate", "missing.yaml"], accept=frozenset({ERROR}), timeout=30)
    done = run_case(missing)
    assert done.outcome == ERROR and "missing.yaml" in done.detail
    too_slow = Case("inputs", "probe-hang", ["validate", "missing.yaml"], timeout=0.05)  # python cannot start so fast
    stopped = run_case(too_slow)
    assert stopped.outcome == HANG and stopped.seconds < 10


def test_a_fixed_seed_sample_of_the_red_team_cases_passes() -> None:
    cases = [c for c in generate(24) if c.kind in CI_KINDS and not c.slow and c.special is None]
    chosen = sample(cases, CI_CASES, CI_SEED)
    assert {c.kind for c in chosen} == set(CI_KINDS)
    outcomes = run_cases(chosen, jobs=2)
    failed = [f"{o.case.id}: {o.outcome} ({o.detail})" for o in outcomes if not o.passed]
    assert not failed, "\n".join(failed) + "\n" + table(outcomes)


@pytest.mark.parametrize("kind", CI_KINDS)
def test_every_ci_kind_has_cases_that_could_fail(kind: str) -> None:
    cases = [c for c in generate(24) if c.kind == kind]
    assert cases and all(c.accept and c.accept <= {OK, ERROR} for c in cases)
